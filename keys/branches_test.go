package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestKSKAsSSKSameBlock: the SSK a KSK is an alias for (KSKAsSSK, which the
// client layer derives once and then uses) names the very block the KSK
// names when encoded directly (docs/keys.md §9): same routing key, same
// block bytes, and a block either URI decodes. Another keyword names
// another block, so the equality is not one of two paths that ignore the
// keyword.
func TestKSKAsSSKSameBlock(t *testing.T) {
	k, err := NewKSK("كلمة السر")
	if err != nil {
		t.Fatal(err)
	}
	s, err := KSKAsSSK(k)
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != SSK || !s.IsInsert() || s.Name != "" || s.Meta != nil {
		t.Fatalf("KSKAsSSK gave %v: want an SSK insert URI with an empty document name", s)
	}
	if _, err := Parse(s.String()); err != nil {
		t.Fatalf("KSKAsSSK gave a URI Parse refuses: %v", err)
	}

	rkK, err := RoutingKeyOf(k)
	if err != nil {
		t.Fatal(err)
	}
	rkS, err := RoutingKeyOf(s)
	if err != nil {
		t.Fatal(err)
	}
	if rkK != rkS {
		t.Fatalf("routing keys differ: KSK %v, its SSK %v", rkK, rkS)
	}

	data := []byte("meet at noon")
	opts := EncodeOptions{Codec: CodecGzip}
	blockK, reqK, err := EncodeSSK(k, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	blockS, reqS, err := EncodeSSK(s, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blockK, blockS) {
		t.Fatal("the KSK and its SSK encode different blocks")
	}
	if !reqK.Equal(k) {
		t.Fatalf("KSK request URI %v, want the KSK itself", reqK)
	}
	if want, _ := s.RequestURI(); !reqS.Equal(want) || reqS.IsInsert() {
		t.Fatalf("SSK request URI %v, want %v", reqS, want)
	}
	if err := VerifyBlock(rkK, blockK); err != nil {
		t.Fatal(err)
	}
	for _, u := range []URI{k, s, reqS} {
		d, err := Decode(blockK, u)
		if err != nil {
			t.Fatalf("decode with %v: %v", u.Type, err)
		}
		if !bytes.Equal(d.Bytes, data) || d.Codec != CodecGzip {
			t.Fatalf("decode with %v: %q codec %d", u.Type, d.Bytes, d.Codec)
		}
	}

	other, _ := NewKSK("كلمة أخرى")
	so, err := KSKAsSSK(other)
	if err != nil {
		t.Fatal(err)
	}
	if rk, _ := RoutingKeyOf(so); rk == rkS {
		t.Fatal("two keywords give the same routing key")
	}

	for _, u := range []URI{s, reqS, {Type: CHK}} {
		if _, err := KSKAsSSK(u); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("KSKAsSSK(%v): %v, want an invalid-argument error", u.Type, err)
		}
	}
}

// TestEncodeSSKRefusesRequestURI: a request URI (an SSK or USK without
// its private key) cannot sign, and EncodeSSK says so, with no block;
// the insert URI of the same key encodes.
func TestEncodeSSKRefusesRequestURI(t *testing.T) {
	ins, req, err := GenerateSSK(seeded(11))
	if err != nil {
		t.Fatal(err)
	}
	ins.Name, req.Name = "doc", "doc"
	uskIns, uskReq := ins, req
	uskIns.Type, uskReq.Type = USK, USK
	uskIns.Name, uskReq.Name = "site", "site"
	uskIns.Edition, uskReq.Edition = 4, 4
	for _, c := range []struct{ ins, req URI }{{ins, req}, {uskIns, uskReq}} {
		if c.req.IsInsert() {
			t.Fatalf("%v is an insert URI", c.req)
		}
		block, u, err := EncodeSSK(c.req, []byte("x"), EncodeOptions{})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("%v request URI: %v, want an invalid-argument error", c.req.Type, err)
		}
		if !strings.HasPrefix(err.Error(), "keys: ") || !strings.Contains(err.Error(), "request URI cannot sign") {
			t.Errorf("%v request URI: message %q", c.req.Type, err)
		}
		if block != nil || !u.Equal(URI{}) {
			t.Errorf("%v request URI: got a block (%d bytes) or URI %v with the error", c.req.Type, len(block), u)
		}
		block, u, err = EncodeSSK(c.ins, []byte("x"), EncodeOptions{})
		if err != nil || len(block) != SSKBlockSize || !u.Equal(c.req) {
			t.Fatalf("%v insert URI: %d bytes, %v, %v", c.ins.Type, len(block), u, err)
		}
	}
}

// TestUSKFromSSKRejects: an SSK belongs to a USK only when its document
// name is "site-N" with a non-empty site and N canonical decimal within
// int64; anything else, and any URI but an SSK, is refused. Every name
// accepted maps back to the same SSK (SSKForEdition), which a non-canonical
// N would not.
func TestUSKFromSSKRejects(t *testing.T) {
	ins, req, err := GenerateSSK(seeded(12))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"",                         // no '-'
		"site",                     // no '-'
		"-7",                       // '-' only at the start: no site name
		"site-",                    // no edition
		"site-07",                  // leading zero
		"site-00",                  // leading zero
		"site-+7",                  // a sign
		"site-7a",                  // not decimal
		"site- 7",                  // not decimal
		"site-٧",                   // not ASCII decimal (Arabic-Indic seven)
		"site-9223372036854775808", // beyond int64
	} {
		for _, u := range []URI{ins, req} {
			u.Name = name
			if got, ok := USKFromSSK(u); ok {
				t.Errorf("USKFromSSK(SSK named %q) = %v, want refused", name, got)
			}
		}
	}

	// Not an SSK: refused, though the name has the form.
	usk := req
	usk.Type, usk.Name, usk.Edition = USK, "site-7", 3
	ksk, _ := NewKSK("site-7")
	chk := URI{Type: CHK, Name: "site-7"}
	for _, u := range []URI{usk, ksk, chk} {
		if got, ok := USKFromSSK(u); ok {
			t.Errorf("USKFromSSK(%v named %q) = %v, want refused", u.Type, u.Name, got)
		}
	}

	// Accepted: the last '-' splits, so a site name may hold '-'.
	for _, c := range []struct {
		name, site string
		edition    int64
	}{
		{"site-0", "site", 0},
		{"site-7", "site", 7},
		{"my-site-12", "my-site", 12},
		{"site--7", "site-", 7},
		{"s-9223372036854775807", "s", 9223372036854775807},
	} {
		for _, s := range []URI{ins, req} {
			s.Name = c.name
			s.Meta = []string{"index.html"}
			u, ok := USKFromSSK(s)
			if !ok || u.Type != USK || u.Name != c.site || u.Edition != c.edition || u.IsInsert() != s.IsInsert() {
				t.Fatalf("USKFromSSK(SSK named %q) = %v, %v", c.name, u, ok)
			}
			back, err := u.SSKForEdition(u.Edition)
			if err != nil || !back.Equal(s) {
				t.Fatalf("%q: back to %v, %v", c.name, back, err)
			}
		}
	}
}
