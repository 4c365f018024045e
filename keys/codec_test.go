package keys

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// seeded returns a deterministic random source for tests.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func randBytes(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func TestCHKRoundTrip(t *testing.T) {
	r := seeded(1)
	for _, n := range []int{0, 1, 100, 4096, CHKDataSize - 1, CHKDataSize} {
		data := randBytes(r, n)
		for _, opts := range []EncodeOptions{{}, {Codec: CodecGzip}, {Control: true}} {
			block, u, err := EncodeCHK(data, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(block) != CHKBlockSize {
				t.Fatalf("block size %d", len(block))
			}
			if err := VerifyBlock(RoutingKey(u.Key), block); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			u2, err := Parse(u.String())
			if err != nil || !u2.Equal(u) {
				t.Fatalf("URI round trip: %v %v", u2, err)
			}
			d, err := Decode(block, u2)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Bytes, data) || d.Codec != opts.Codec || d.Control != opts.Control {
				t.Fatalf("n=%d: decoded %d bytes codec %d control %v", n, len(d.Bytes), d.Codec, d.Control)
			}
			// Convergence: the same input gives the same block and URI.
			block2, u3, _ := EncodeCHK(data, opts)
			if !bytes.Equal(block, block2) || !u3.Equal(u) {
				t.Fatal("CHK encoding is not convergent")
			}
		}
	}
	if _, _, err := EncodeCHK(make([]byte, CHKDataSize+1), EncodeOptions{}); !errors.Is(err, ErrTooBig) {
		t.Fatalf("oversized data: %v", err)
	}
}

// TestDecodeCHKTo checks decoding into a caller's buffer: the same data as
// Decode, aliasing the buffer, zero padding after the data even when the
// buffer held garbage, and clear errors for a wrong buffer or key type.
func TestDecodeCHKTo(t *testing.T) {
	r := seeded(5)
	dst := randBytes(r, CHKDataSize) // garbage that must be overwritten
	for _, n := range []int{0, 7, CHKDataSize} {
		data := randBytes(r, n)
		block, u, err := EncodeCHK(data, EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeCHKTo(dst, block, u)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Bytes, data) || (n > 0 && &d.Bytes[0] != &dst[0]) {
			t.Fatalf("n=%d: wrong bytes or not in dst", n)
		}
		if !bytes.Equal(dst[n:], make([]byte, CHKDataSize-n)) {
			t.Fatalf("n=%d: padding after the data is not zero", n)
		}
		bad := bytes.Clone(block)
		bad[200] ^= 1
		if _, err := DecodeCHKTo(dst, bad, u); !errors.Is(err, ErrDecode) {
			t.Fatalf("tampered block: %v", err)
		}
	}
	block, u, _ := EncodeCHK([]byte("x"), EncodeOptions{})
	if _, err := DecodeCHKTo(make([]byte, CHKDataSize-1), block, u); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short buffer: %v", err)
	}
	if _, err := DecodeCHKTo(dst, block, URI{Type: SSK}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("SSK URI: %v", err)
	}
}

func TestCHKTamper(t *testing.T) {
	block, u, _ := EncodeCHK([]byte("hello"), EncodeOptions{})
	for _, i := range []int{0, 3, 4, 100, CHKBlockSize - 1} {
		bad := bytes.Clone(block)
		bad[i] ^= 1
		if err := VerifyBlock(RoutingKey(u.Key), bad); !errors.Is(err, ErrInvalidBlock) {
			t.Fatalf("flip at %d: %v", i, err)
		}
		if _, err := Decode(bad, u); err == nil {
			t.Fatalf("decoded a tampered block (flip at %d)", i)
		}
	}
	wrong := u
	wrong.CryptoKey[0] ^= 1
	if _, err := Decode(block, wrong); !errors.Is(err, ErrDecode) {
		t.Fatalf("wrong crypto key: %v", err)
	}
}

func TestSSKRoundTrip(t *testing.T) {
	ins, req, err := GenerateSSK(seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	if !ins.IsInsert() || req.IsInsert() {
		t.Fatal("insert flags wrong")
	}
	ins.Name, req.Name = "doc", "doc"
	data := []byte("مرحبا بالعالم — hello")
	block, got, err := EncodeSSK(ins, data, EncodeOptions{Codec: CodecGzip})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(req) {
		t.Fatalf("request URI %v, want %v", got, req)
	}
	rk, err := RoutingKeyOf(req)
	if err != nil {
		t.Fatal(err)
	}
	if rk2, _ := RoutingKeyOf(ins); rk2 != rk {
		t.Fatal("insert and request routing keys differ")
	}
	if err := VerifyBlock(rk, block); err != nil {
		t.Fatal(err)
	}
	for _, u := range []URI{req, ins} {
		d, err := Decode(block, u)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Bytes, data) || d.Codec != CodecGzip {
			t.Fatal("SSK decode mismatch")
		}
	}
	other := req
	other.Name = "other"
	if _, err := Decode(block, other); err == nil {
		t.Fatal("decoded under another document name")
	}
	if _, _, err := EncodeSSK(req, data, EncodeOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("encode with request URI: %v", err)
	}
	for _, i := range []int{0, 5, 40, 60, 1100, SSKBlockSize - 1} {
		bad := bytes.Clone(block)
		bad[i] ^= 0x80
		if err := VerifyBlock(rk, bad); !errors.Is(err, ErrInvalidBlock) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
}

func TestUSKEditions(t *testing.T) {
	ins, _, _ := GenerateSSK(seeded(3))
	ins.Type = USK
	ins.Name = "site"
	ins.Edition = 7
	s, err := ins.SSKForEdition(7)
	if err != nil || s.Name != "site-7" || s.Type != SSK {
		t.Fatalf("%v %v", s, err)
	}
	back, ok := USKFromSSK(s)
	if !ok || !back.Equal(ins) {
		t.Fatalf("USKFromSSK: %v %v", back, ok)
	}
	block, req, err := EncodeSSK(ins, []byte("edition 7"), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Type != USK || req.IsInsert() || req.Edition != 7 {
		t.Fatalf("request %v", req)
	}
	sreq, _ := req.SSKForEdition(7)
	if d, err := Decode(block, sreq); err != nil || string(d.Bytes) != "edition 7" {
		t.Fatalf("decode via SSK: %v", err)
	}
	if _, err := RoutingKeyOf(req.WithEdition(-3)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative edition: %v", err)
	}
}

func TestKSK(t *testing.T) {
	u, err := NewKSK("أخبار اليوم")
	if err != nil {
		t.Fatal(err)
	}
	block, req, err := EncodeSSK(u, []byte("news"), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !req.Equal(u) {
		t.Fatalf("KSK request URI %v", req)
	}
	rk, _ := RoutingKeyOf(u)
	if err := VerifyBlock(rk, block); err != nil {
		t.Fatal(err)
	}
	if d, err := Decode(block, u); err != nil || string(d.Bytes) != "news" {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "a/b", "a\nb", string([]byte{0xff})} {
		if _, err := NewKSK(bad); !errors.Is(err, ErrInvalidURI) {
			t.Fatalf("NewKSK(%q): %v", bad, err)
		}
	}
}
