package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseErrorsQuoteThePart(t *testing.T) {
	_, chk, _ := EncodeCHK([]byte("x"), EncodeOptions{})
	k := EncodeBase64(chk.Key[:])
	c := EncodeBase64(chk.CryptoKey[:])
	for _, tc := range []struct{ in, part string }{
		{"ABC@" + k, `"ABC"`},
		{"CHK@" + k + "," + c + ",AQEAAA,x", `"` + k + "," + c + `,AQEAAA,x"`},
		{"CHK@" + k + "," + c[:40] + ",AQEAAA", `"` + c[:40] + `"`},
		{"CHK@" + k + "," + c + ",AgEAAA", `"AgEAAA"`},
		{"USK@" + k + "," + c + ",AQABAAE/site/01", `"01"`},
		{"CHK@" + k + "," + c + ",AQEAAA/a\tb", `"a\tb"`},
	} {
		_, err := Parse(tc.in)
		if !errors.Is(err, ErrInvalidURI) {
			t.Fatalf("Parse(%q) = %v, want invalid URI", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.part) || !strings.HasPrefix(err.Error(), "keys: ") {
			t.Errorf("Parse(%q): error %q does not quote %s", tc.in, err, tc.part)
		}
	}
}

func TestParseLongInputShortMessage(t *testing.T) {
	_, err := Parse(strings.Repeat("x", MaxURILength+1))
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error %v", err)
	}
}

// TestURIRoundTripAllTypes builds URIs of every type and form and checks
// String/Parse are inverse.
func TestURIRoundTripAllTypes(t *testing.T) {
	ins, req, _ := GenerateSSK(seeded(9))
	_, chk, _ := EncodeCHK([]byte("y"), EncodeOptions{Codec: CodecGzip, Control: true})
	usk := req
	usk.Type, usk.Name, usk.Edition = USK, "site", -12
	uskIns := ins
	uskIns.Type, uskIns.Name, uskIns.Edition = USK, "موقع", 0
	withMeta := func(u URI, m ...string) URI { u.Meta = m; return u }
	for _, u := range []URI{
		chk, withMeta(chk, "a", "", "b c"),
		req, ins, withMeta(req, "index.html"),
		usk, uskIns, withMeta(usk, "img", "a.png"),
		{Type: KSK, Name: "hello world"}, withMeta(URI{Type: KSK, Name: "k"}, "x"),
	} {
		s := u.String()
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if !got.Equal(u) || got.String() != s {
			t.Fatalf("round trip of %q gave %q", s, got.String())
		}
		if p, err := Parse("FreeNet:" + s); err != nil || !p.Equal(u) {
			t.Fatalf("with prefix: %v", err)
		}
	}
}

func TestRequestURIDropsSecret(t *testing.T) {
	ins, req, _ := GenerateSSK(seeded(4))
	if strings.Contains(req.String(), EncodeBase64(ins.Key[:])) {
		t.Fatal("request URI contains the private key")
	}
	r2, _ := req.RequestURI()
	if !r2.Equal(req) {
		t.Fatal("RequestURI of a request URI changed it")
	}
}

func TestGenerateSSKShortRandom(t *testing.T) {
	if _, _, err := GenerateSSK(bytes.NewReader(make([]byte, 40))); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short randomness: %v", err)
	}
}

func TestBase64(t *testing.T) {
	for n := 0; n < 70; n++ {
		b := randBytes(seeded(uint64(n)), n)
		s := EncodeBase64(b)
		if strings.ContainsAny(s, "+/=") {
			t.Fatalf("%q uses the standard alphabet", s)
		}
		got, err := DecodeBase64(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %d bytes: %v", n, err)
		}
	}
}
