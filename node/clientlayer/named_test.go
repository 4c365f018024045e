package clientlayer

import (
	"bytes"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// TestInsertNamedCHK: "CHK@/name" (FCP's TargetFilename) inserts a one-entry
// manifest; CHK@…/name and the bare CHK@… both fetch the file, with its type.
func TestInsertNamedCHK(t *testing.T) {
	checkGoroutines(t)
	c := newClient(t, newMemStore(), Config{})
	for _, size := range []int{10, 200 << 10} {
		data := randBytes(uint64(size), size)
		u := mustInsert(t, c, data, InsertOptions{URI: keys.URI{Type: keys.CHK, Meta: []string{"photo.jpg"}}, ContentType: "image/jpeg"})
		if u.Type != keys.CHK || len(u.Meta) != 1 || u.Meta[0] != "photo.jpg" {
			t.Fatalf("URI %s, want CHK@…/photo.jpg", u)
		}
		bare := u
		bare.Meta = nil
		for _, fu := range []keys.URI{u, bare} {
			got, res := mustFetch(t, c, fu)
			if !bytes.Equal(got, data) || res.ContentType != "image/jpeg" {
				t.Fatalf("fetch %s: %d bytes, type %q", fu, len(got), res.ContentType)
			}
		}
	}
	// Only a single name is accepted.
	_, err := c.Insert(t.Context(), bytes.NewReader([]byte("x")), InsertOptions{URI: keys.URI{Type: keys.CHK, Meta: []string{"a", "b"}}})
	if code := codeOf(err); code != fcpwire.InsertMetaStringsNotSupported {
		t.Fatalf("two names: %v", err)
	}
}

// codeOf returns the InsertError code of err, or 0.
func codeOf(err error) int {
	if ie, ok := err.(*InsertError); ok {
		return ie.Code
	}
	return -1
}
