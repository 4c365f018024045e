package clientlayer

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzParseMetadata: parsing never panics, and a document that parses
// serializes back to the same bytes, which parse to the same document.
func FuzzParseMetadata(f *testing.F) {
	for _, v := range loadVectors(f) {
		if doc, err := hex.DecodeString(v.Doc); err == nil {
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		m, err := ParseMetadata(doc)
		if err != nil {
			return
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed document does not serialize: %v", err)
		}
		if !bytes.Equal(b, doc) {
			t.Fatalf("serialized to %x, parsed from %x", b, doc)
		}
		m2, err := ParseMetadata(b)
		if err != nil || m2.String() != m.String() {
			t.Fatalf("reparse: %v\n%s\n%s", err, m2, m)
		}
	})
}
