package keys

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzParseURI checks that Parse never panics and that whatever it accepts
// formats to a canonical string that parses back to the same URI.
func FuzzParseURI(f *testing.F) {
	for _, v := range loadVectorsForFuzz(f) {
		for _, s := range []string{v.Input, v.Canonical, v.URI, v.InsertURI} {
			if s != "" {
				f.Add(s)
			}
		}
		if v.InputHex != "" {
			b, _ := hex.DecodeString(v.InputHex)
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			if CodeOf(err) != CodeInvalidURI {
				t.Fatalf("Parse(%q): error of code %v", s, CodeOf(err))
			}
			return
		}
		c := u.String()
		u2, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if !u2.Equal(u) || u2.String() != c {
			t.Fatalf("%q: canonical form %q is not stable (%q)", s, c, u2.String())
		}
	})
}

// FuzzDecodeBlock feeds arbitrary bytes to VerifyBlock and Decode under fixed
// CHK and SSK URIs. Nothing may panic, and any block that decodes must be
// exactly the block its content encodes to (the encoding is canonical).
func FuzzDecodeBlock(f *testing.F) {
	chkBlock, chk, _ := EncodeCHK([]byte("fuzz chk"), EncodeOptions{})
	ins, _, _ := GenerateSSK(seeded(11))
	ins.Name = "fuzz"
	sskBlock, ssk, _ := EncodeSSK(ins, []byte("fuzz ssk"), EncodeOptions{Codec: CodecGzip})
	f.Add(chkBlock, false)
	f.Add(sskBlock, true)
	f.Add(chkBlock[:100], false)
	f.Add(sskBlock[:56], true)
	f.Add([]byte{1, 2, 1, 0}, true)
	f.Fuzz(func(t *testing.T, block []byte, asSSK bool) {
		u := chk
		if asSSK {
			u = ssk
		}
		rk, err := RoutingKeyOf(u)
		if err != nil {
			t.Fatal(err)
		}
		verr := VerifyBlock(rk, block)
		BlockType(block)
		d, err := Decode(block, u)
		if err != nil {
			return
		}
		if verr != nil {
			t.Fatalf("Decode accepted a block VerifyBlock rejects: %v", verr)
		}
		var again []byte
		opts := EncodeOptions{Codec: d.Codec, Control: d.Control}
		if asSSK {
			again, _, err = EncodeSSK(ins, d.Bytes, opts)
		} else {
			again, _, err = EncodeCHK(d.Bytes, opts)
		}
		if err != nil || !bytes.Equal(again, block) {
			t.Fatalf("decoded block is not the canonical encoding of its content (%v)", err)
		}
	})
}

// loadVectorsForFuzz loads the vectors for seeding a fuzz corpus.
func loadVectorsForFuzz(f *testing.F) []vector {
	vs, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	return vs
}
