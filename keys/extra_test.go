package keys

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// pyFreenetIsPrivate is pyFreenet's uriIsPrivate, written from its
// description: take the third comma-separated field of the keys part,
// decode it as Freenet base64 ('~' and '-' for '+' and '/', no padding) and
// call the URI private when byte 1 is 1. It uses encoding/base64, not this
// package's decoder, so it also checks EncodeBase64 against the standard.
func pyFreenetIsPrivate(t *testing.T, uri string) bool {
	t.Helper()
	_, rest, ok := strings.Cut(strings.TrimPrefix(uri, "freenet:"), "@")
	if !ok {
		t.Fatalf("%q: no '@'", uri)
	}
	keysPart, _, _ := strings.Cut(rest, "/")
	fields := strings.Split(keysPart, ",")
	if len(fields) != 3 {
		t.Fatalf("%q: %d fields", uri, len(fields))
	}
	std := strings.NewReplacer("~", "+", "-", "/").Replace(fields[2])
	extra, err := base64.RawStdEncoding.DecodeString(std)
	if err != nil {
		t.Fatalf("%q: extra %q does not decode: %v", uri, fields[2], err)
	}
	if len(extra) < 2 {
		t.Fatalf("%q: extra of %d bytes", uri, len(extra))
	}
	return extra[1] == 1
}

// TestURIsSatisfyPyFreenet checks that every SSK and USK URI this package
// writes, request and insert, tells pyFreenet correctly whether it is an
// insert URI, and has Hyphanet's 5-byte extra shape. (A KSK has no extra.)
func TestURIsSatisfyPyFreenet(t *testing.T) {
	ins, req, err := GenerateSSK(seeded(21))
	if err != nil {
		t.Fatal(err)
	}
	ins.Name = "doc"
	_, encReq, err := EncodeSSK(ins, []byte("x"), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uskIns := ins
	uskIns.Type, uskIns.Name, uskIns.Edition = USK, "site", 4
	uskReq, err := uskIns.RequestURI()
	if err != nil {
		t.Fatal(err)
	}
	edIns, err := uskIns.SSKForEdition(9)
	if err != nil {
		t.Fatal(err)
	}
	fromSSK, ok := USKFromSSK(edIns)
	if !ok {
		t.Fatal("USKFromSSK")
	}
	ksk, err := NewKSK("pyfreenet")
	if err != nil {
		t.Fatal(err)
	}
	kskSSK, err := KSKAsSSK(ksk)
	if err != nil {
		t.Fatal(err)
	}
	kskReq, err := kskSSK.RequestURI()
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := Parse("SSK@" + EncodeBase64(ins.Key[:]) + "," + EncodeBase64(ins.CryptoKey[:]) + ",AQEBAA/doc")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []URI{ins, req, encReq, uskIns, uskReq, edIns, fromSSK, fromSSK.WithEdition(-3), kskSSK, kskReq, legacy} {
		s := u.String()
		if got := pyFreenetIsPrivate(t, s); got != u.IsInsert() {
			t.Errorf("%s: pyFreenet says private = %t, IsInsert = %t", s, got, u.IsInsert())
		}
		if got := pyFreenetIsPrivate(t, "freenet:"+s); got != u.IsInsert() {
			t.Errorf("freenet:%s: pyFreenet says private = %t", s, got)
		}
		want := "AQABAAE" // [1, 0, 1, 0, 1]: fred's request extra is AQACAAE (algorithm 2)
		if u.IsInsert() {
			want = "AQEBAAE" // [1, 1, 1, 0, 1]: fred's insert extra is AQECAAE
		}
		if fields := strings.Split(strings.SplitN(s, "/", 2)[0], ","); fields[2] != want {
			t.Errorf("%s: extra %s, want %s", s, fields[2], want)
		}
		if e := u.ExtraBytes(); len(e) != ExtraSize || e[0] != 1 || e[2] != byte(AlgV1) || e[3] != 0 || e[4] != 1 {
			t.Errorf("%s: extra bytes %v", s, e)
		}
	}
	if !ins.IsInsert() || req.IsInsert() || !legacy.IsInsert() || !legacy.Equal(ins) {
		t.Fatal("IsInsert or the legacy form is wrong")
	}
	if e := ksk.ExtraBytes(); e != nil {
		t.Errorf("KSK extra bytes %v, want none", e)
	}
}

// TestCHKExtraUnchanged checks that a CHK keeps its 4-byte extra.
func TestCHKExtraUnchanged(t *testing.T) {
	_, u, err := EncodeCHK([]byte("chk"), EncodeOptions{Codec: CodecGzip, Control: true})
	if err != nil {
		t.Fatal(err)
	}
	if e := u.ExtraBytes(); len(e) != CHKExtraSize || e[0] != 1 || e[1] != 1 || e[2] != 3 || e[3] != 1 || u.Extra[4] != 0 {
		t.Fatalf("CHK extra %v (Extra %v)", e, u.Extra)
	}
	if s := u.String(); !strings.HasSuffix(s, ","+EncodeBase64([]byte{1, 1, 3, 1})) {
		t.Fatalf("CHK URI %s", s)
	}
	if u.IsInsert() {
		t.Fatal("a CHK is not an insert URI")
	}
}

// TestLegacySSKExtra checks that the legacy 4-byte SSK/USK extra parses to
// the same URI as the 5-byte one and that its rules still hold.
func TestLegacySSKExtra(t *testing.T) {
	ins, req, _ := GenerateSSK(seeded(22))
	k, c := EncodeBase64(req.Key[:]), EncodeBase64(req.CryptoKey[:])
	ik := EncodeBase64(ins.Key[:])
	for _, tc := range []struct {
		in   string
		want URI
	}{
		{"SSK@" + k + "," + c + ",AQEAAA/", req},
		{"SSK@" + ik + "," + c + ",AQEBAA", ins},
		{"USK@" + k + "," + c + ",AQEAAA/s/3", func() URI { u := req; u.Type, u.Name, u.Edition = USK, "s", 3; return u }()},
	} {
		u, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if !u.Equal(tc.want) {
			t.Fatalf("%s parsed to %s, want %s", tc.in, u, tc.want)
		}
		if strings.Contains(u.String(), ",AQEAAA") || strings.Contains(u.String(), ",AQEBAA/") {
			t.Fatalf("%s: canonical form %s keeps the legacy extra", tc.in, u)
		}
	}
	for _, extra := range [][]byte{
		{1, 1, 2, 0}, {1, 1, 0, 1}, {2, 1, 0, 0}, {1, 2, 0, 0}, // legacy form, each rule
		{1, 2, 1, 0, 1}, {1, 0, 1, 0, 2}, {1, 0, 1, 1, 1}, {2, 0, 1, 0, 1}, {1, 0, 2, 0, 1}, {1, 1, 3, 0, 1}, // 5-byte form
		{1, 0, 1, 0, 1, 0}, {1, 0, 1}, // sizes
	} {
		in := "SSK@" + k + "," + c + "," + EncodeBase64(extra) + "/d"
		if _, err := Parse(in); !errors.Is(err, ErrInvalidURI) {
			t.Errorf("extra %v: %v, want invalid URI", extra, err)
		}
	}
	// A Hyphanet CHK's 5-byte extra is not a hams CHK extra.
	_, chk, _ := EncodeCHK([]byte("x"), EncodeOptions{})
	if _, err := Parse("CHK@" + EncodeBase64(chk.Key[:]) + "," + EncodeBase64(chk.CryptoKey[:]) + ",AAMC--8"); !errors.Is(err, ErrInvalidURI) {
		t.Errorf("Hyphanet CHK extra: %v", err)
	}
}
