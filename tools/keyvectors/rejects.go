package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
	"github.com/zeebo/blake3"
)

// uriRejects returns one vector per URI parser MUST-reject case (docs/keys.md §3.4).
func uriRejects() ([]Vector, error) {
	_, chk, err := keys.EncodeCHK([]byte("reject"), keys.EncodeOptions{})
	if err != nil {
		return nil, err
	}
	k := keys.EncodeBase64(chk.Key[:])
	c := keys.EncodeBase64(chk.CryptoKey[:])
	chkExtra := func(b ...byte) string { return keys.EncodeBase64(b) }
	_, req, err := keys.GenerateSSK(bytes.NewReader(randBytes("reject-ssk", 64)))
	if err != nil {
		return nil, err
	}
	sk := keys.EncodeBase64(req.Key[:])
	sc := keys.EncodeBase64(req.CryptoKey[:])
	sskE := keys.EncodeBase64(req.ExtraBytes())
	ssk := func(extra ...byte) string { return "SSK@" + sk + "," + sc + "," + keys.EncodeBase64(extra) + "/doc" }
	// A base64 string of 32 bytes has 43 characters; its last one carries 2
	// unused bits. Changing 'A' to 'B' there sets one of them.
	lastBitsSet := k[:42] + string(nextChar(k[42]))

	cases := []struct{ rule, name, desc, in string }{
		{"U1", "no-at", "no '@' after the key type", "CHK" + k},
		{"U1", "unknown-type", "unknown key type", "XYZ@" + k + "," + c + ",AQEAAA"},
		{"U2", "two-fields", "a CHK with two key fields", "CHK@" + k + "," + c},
		{"U2", "four-fields", "a CHK with four key fields", "CHK@" + k + "," + c + ",AQEAAA,AA"},
		{"U3", "bad-char", "'+' is not in Freenet's base64 alphabet", "CHK@" + strings.Replace(k, k[:1], "+", 1) + "," + c + ",AQEAAA"},
		{"U3", "padding", "base64 padding '=' is not allowed", "CHK@" + k + "=," + c + ",AQEAAA"},
		{"U4", "trailing-bits", "non-zero unused trailing bits (a second spelling of the same bytes)", "CHK@" + lastBitsSet + "," + c + ",AQEAAA"},
		{"U5", "short-key", "routing key of 31 bytes", "CHK@" + keys.EncodeBase64(chk.Key[:31]) + "," + c + ",AQEAAA"},
		{"U5", "long-extra", "extra field of 5 bytes", "CHK@" + k + "," + c + "," + chkExtra(1, 1, 0, 0, 0)},
		{"U5", "ssk-long-extra", "SSK extra field of 6 bytes", ssk(1, 0, 1, 0, 1, 0)},
		{"U5", "ssk-short-extra", "SSK extra field of 3 bytes", ssk(1, 0, 1)},
		{"U5", "usk-long-extra", "USK extra field of 7 bytes", "USK@" + sk + "," + sc + "," + keys.EncodeBase64([]byte{1, 0, 1, 0, 1, 0, 0}) + "/site/1"},
		{"U5", "chk-hyphanet-extra", "a Hyphanet CHK's 5-byte extra (00 03 02 ff ff: AES-CTR, control document, not compressed)", "CHK@" + k + "," + c + "," + chkExtra(0, 3, 2, 0xff, 0xff)},
		{"U6", "extra-version", "extra version 2", "CHK@" + k + "," + c + "," + chkExtra(2, 1, 0, 0)},
		{"U6", "ssk-extra-version", "SSK extra version 2", ssk(2, 0, 1, 0, 1)},
		{"U6", "ssk-legacy-extra-version", "SSK legacy 4-byte extra with version 2", ssk(2, 1, 0, 0)},
		{"U7", "extra-algorithm", "unknown algorithm 7", "CHK@" + k + "," + c + "," + chkExtra(1, 7, 0, 0)},
		{"U7", "ssk-hyphanet-request", "a Hyphanet SSK request URI's extra (algorithm 2, AES-PCFB): not a hams key", ssk(1, 0, 2, 0, 1)},
		{"U7", "ssk-hyphanet-insert", "a Hyphanet SSK insert URI's extra (algorithm 2, AES-PCFB): not a hams key", ssk(1, 1, 2, 0, 1)},
		{"U7", "ssk-legacy-extra-algorithm", "SSK legacy 4-byte extra with algorithm 7", ssk(1, 7, 0, 0)},
		{"U8", "chk-flags", "unknown CHK flag bit 0x04", "CHK@" + k + "," + c + "," + chkExtra(1, 1, 4, 0)},
		{"U9", "chk-codec", "unknown compression codec 9", "CHK@" + k + "," + c + "," + chkExtra(1, 1, 1, 9)},
		{"U10", "chk-codec-no-flag", "codec gzip without the compressed flag", "CHK@" + k + "," + c + "," + chkExtra(1, 1, 0, 1)},
		{"U10", "chk-flag-no-codec", "compressed flag without a codec", "CHK@" + k + "," + c + "," + chkExtra(1, 1, 1, 0)},
		{"U11", "ssk-insert-flag", "SSK insert flag (extra byte 1) of 2", ssk(1, 2, 1, 0, 1)},
		{"U11", "usk-insert-flag", "USK insert flag (extra byte 1) of 0x81", "USK@" + sk + "," + sc + "," + keys.EncodeBase64([]byte{1, 0x81, 1, 0, 1}) + "/site/1"},
		{"U11", "ssk-legacy-flags", "SSK legacy 4-byte extra with unknown flag bit 0x02", ssk(1, 1, 2, 0)},
		{"U12", "ssk-hash-algorithm", "SSK hash-algorithm field (extra bytes 3-4) of 2", ssk(1, 0, 1, 0, 2)},
		{"U12", "ssk-hash-algorithm-zero", "SSK hash-algorithm field of 0", ssk(1, 1, 1, 0, 0)},
		{"U12", "ssk-hash-algorithm-high-byte", "SSK hash-algorithm field of 257 (its high byte is 1, like a 1 in the wrong byte)", ssk(1, 0, 1, 1, 1)},
		{"U12", "ssk-legacy-reserved", "SSK legacy 4-byte extra with its reserved byte not zero", ssk(1, 1, 0, 1)},
		{"U13", "usk-no-edition", "USK without an edition", "USK@" + sk + "," + sc + "," + sskE + "/site"},
		{"U13", "usk-no-path", "USK without site and edition", "USK@" + sk + "," + sc + "," + sskE},
		{"U14", "usk-leading-zero", "edition with a leading zero", "USK@" + sk + "," + sc + "," + sskE + "/site/07"},
		{"U14", "usk-minus-zero", "edition -0", "USK@" + sk + "," + sc + "," + sskE + "/site/-0"},
		{"U14", "usk-plus", "edition with a '+' sign", "USK@" + sk + "," + sc + "," + sskE + "/site/+3"},
		{"U14", "usk-overflow", "edition beyond int64", "USK@" + sk + "," + sc + "," + sskE + "/site/9223372036854775808"},
		{"U15", "usk-empty-site", "USK with an empty site name", "USK@" + sk + "," + sc + "," + sskE + "//3"},
		{"U16", "ksk-empty", "KSK with an empty keyword", "KSK@"},
		{"U16", "ksk-long", "KSK keyword of 1025 bytes", "KSK@" + strings.Repeat("k", keys.MaxKeywordLength+1)},
		{"U17", "control-char", "a meta-string holding a newline", "CHK@" + k + "," + c + ",AQEAAA/a\nb"},
		{"U17", "bad-utf8", "an SSK document name that is not UTF-8", "SSK@" + sk + "," + sc + "," + sskE + "/\xff"},
		{"U18", "too-long", "a URI longer than 8192 bytes", "CHK@" + k + "," + c + ",AQEAAA/" + strings.Repeat("a", keys.MaxURILength)},
	}
	var vs []Vector
	for _, cs := range cases {
		v := Vector{Name: "reject-uri-" + cs.rule + "-" + cs.name, Description: cs.desc, Op: "reject-uri",
			Rule: cs.rule, Input: cs.in, Error: keys.CodeInvalidURI.String()}
		if !utf8.ValidString(cs.in) {
			v.Input, v.InputHex = "", hex.EncodeToString([]byte(cs.in))
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// nextChar returns the Freenet base64 character after ch.
func nextChar(ch byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~-"
	return alphabet[(strings.IndexByte(alphabet, ch)+1)%64]
}

// fixture is a valid CHK block and a valid SSK block (document "doc") that
// reject vectors start from.
type fixture struct {
	chkBlock, sskBlock []byte
	chk, ins, req      keys.URI // the CHK, and the SSK's insert and request URIs
}

// newFixture builds the fixture for purpose (the CHK's content and the
// SSK's randomness depend on it).
func newFixture(purpose string) (fixture, error) {
	var fx fixture
	var err error
	fx.chkBlock, fx.chk, err = keys.EncodeCHK([]byte(purpose), keys.EncodeOptions{})
	if err != nil {
		return fx, err
	}
	fx.ins, _, err = keys.GenerateSSK(bytes.NewReader(randBytes(purpose+" ssk", 64)))
	if err != nil {
		return fx, err
	}
	fx.ins.Name = "doc"
	fx.sskBlock, fx.req, err = keys.EncodeSSK(fx.ins, []byte("signed"), keys.EncodeOptions{})
	return fx, err
}

// blockRejects returns one vector per block verification MUST-reject rule
// (docs/keys.md §7.1): blocks checked against a routing key with no URI.
func blockRejects() ([]Vector, error) {
	fx, err := newFixture("block reject")
	if err != nil {
		return nil, err
	}
	chkBlock, chk, sskBlock, req := fx.chkBlock, fx.chk, fx.sskBlock, fx.req
	sskRK, err := keys.RoutingKeyOf(req)
	if err != nil {
		return nil, err
	}
	flip := func(b []byte, i int, x byte) []byte { b = bytes.Clone(b); b[i] ^= x; return b }
	cases := []struct {
		rule, name, desc string
		rk               [32]byte
		block            []byte
	}{
		{"B1", "chk-short", "CHK block one byte short", chk.Key, chkBlock[:len(chkBlock)-1]},
		{"B1", "ssk-long", "SSK block one byte long", sskRK, append(bytes.Clone(sskBlock), 0)},
		{"B2", "version", "block version 2", chk.Key, flip(chkBlock, 0, 3)},
		{"B3", "type", "unknown block type 9", chk.Key, flip(chkBlock, 1, 8)},
		{"B4", "algorithm", "unknown block algorithm 3", chk.Key, flip(chkBlock, 2, 2)},
		{"B5", "reserved", "reserved header byte not zero", sskRK, flip(sskBlock, 3, 1)},
		{"B6", "chk-hash", "one flipped ciphertext bit: the CHK no longer hashes to its routing key", chk.Key, flip(chkBlock, 5000, 1)},
		{"B6", "chk-other-key", "a valid CHK block offered under another routing key", sskRK, chkBlock},
		{"B7", "ssk-name", "SSK block with a changed hidden name E: wrong routing key", sskRK, flip(sskBlock, 10, 1)},
		{"B7", "ssk-pubkey", "SSK block with another public key", sskRK, flip(sskBlock, keys.SSKBlockSize-1, 0x40)},
		{"B8", "ssk-signature", "SSK block with one flipped signature bit", sskRK, flip(sskBlock, keys.SSKHeaderSize+keys.SSKDataSize+5, 1)},
		{"B8", "ssk-payload", "SSK block whose payload changed after signing", sskRK, flip(sskBlock, keys.SSKHeaderSize+10, 1)},
	}
	var vs []Vector
	for _, cs := range cases {
		vs = append(vs, Vector{Name: "reject-block-" + cs.rule + "-" + cs.name, Description: cs.desc, Op: "reject-block",
			Rule: cs.rule, RoutingKey: hex.EncodeToString(cs.rk[:]), Block: hex.EncodeToString(cs.block), Error: keys.CodeInvalidBlock.String()})
	}
	return vs, nil
}

// decodeRejects returns one vector per decode MUST-reject rule (docs/keys.md
// §7.2). Most blocks verify against their routing key (a malicious inserter
// can make them), so only a decoder catches them.
func decodeRejects() ([]Vector, error) {
	fx, err := newFixture("decode reject")
	if err != nil {
		return nil, err
	}
	chkBlock, chk, ins, sskBlock, req := fx.chkBlock, fx.chk, fx.ins, fx.sskBlock, fx.req
	other := req
	other.Name = "another-doc"
	wrongCrypto := chk
	wrongCrypto.CryptoKey[0] ^= 1

	chkPlain := func(n int, data []byte) []byte {
		p := make([]byte, 4+keys.CHKDataSize)
		binary.BigEndian.PutUint16(p, uint16(n))
		copy(p[4:], data)
		return p
	}
	sskPlain := func(n int, flags, codec byte, data []byte) []byte {
		p := make([]byte, 4+keys.SSKDataSize)
		binary.BigEndian.PutUint16(p, uint16(n))
		p[2], p[3] = flags, codec
		copy(p[4:], data)
		return p
	}
	padded := chkPlain(3, []byte("abc"))
	padded[4+100] = 1
	reserved := chkPlain(3, []byte("abc"))
	reserved[3] = 1
	sskPadded := sskPlain(3, 0, 0, []byte("abc"))
	sskPadded[4+500] = 7

	type dcase struct {
		rule, name, desc, code string
		uri                    keys.URI
		block                  []byte
	}
	cases := []dcase{
		{"D1", "ssk-other-name", "an SSK block decoded under another document name: it does not verify against the URI's routing key", keys.CodeInvalidBlock.String(), other, sskBlock},
		{"D2", "chk-crypto-key", "a CHK URI whose crypto key does not hash from the plaintext it decrypts", keys.CodeDecode.String(), wrongCrypto, chkBlock},
	}
	add := func(rule, name, desc string, u keys.URI, block []byte) {
		cases = append(cases, dcase{rule, name, desc, keys.CodeDecode.String(), u, block})
	}
	u, b := craftCHK(chkPlain(keys.CHKDataSize+1, nil))
	add("D4", "chk-length", "a CHK whose length field is 32769", u, b)
	u, b = craftCHK(padded)
	add("D5", "chk-padding", "a CHK whose padding is not zero", u, b)
	u, b = craftCHK(reserved)
	add("D6", "chk-reserved", "a CHK whose meta field's reserved bytes are not zero", u, b)
	seed := ins.Key
	u, b = craftSSK(seed, ins, sskPlain(6, 0, 0, []byte("signed")), true)
	add("D3", "ssk-iv", "a signed SSK block whose IV is not the MAC of its plaintext", u, b)
	u, b = craftSSK(seed, ins, sskPlain(keys.SSKDataSize+1, 0, 0, nil), false)
	add("D4", "ssk-length", "a signed SSK block whose length field is 1025", u, b)
	u, b = craftSSK(seed, ins, sskPadded, false)
	add("D5", "ssk-padding", "a signed SSK block whose padding is not zero", u, b)
	u, b = craftSSK(seed, ins, sskPlain(3, 0x02, 0, []byte("abc")), false)
	add("D6", "ssk-flags", "a signed SSK block with unknown meta flag 0x02", u, b)
	u, b = craftSSK(seed, ins, sskPlain(3, 0, 5, []byte("abc")), false)
	add("D7", "ssk-codec", "a signed SSK block with unknown codec 5", u, b)

	var vs []Vector
	for _, cs := range cases {
		rk, err := keys.RoutingKeyOf(cs.uri)
		if err != nil {
			return nil, err
		}
		vs = append(vs, Vector{Name: "reject-decode-" + cs.rule + "-" + cs.name, Description: cs.desc, Op: "reject-decode",
			Rule: cs.rule, URI: cs.uri.String(), RoutingKey: hex.EncodeToString(rk[:]), Block: hex.EncodeToString(cs.block), Error: cs.code})
	}
	return vs, nil
}

// The derivations below follow docs/keys.md §2, §5 and §6 directly.

func hashL(label string, parts ...[]byte) (out [32]byte) {
	h := blake3.New()
	h.Write(append([]byte{byte(len(label))}, label...))
	for _, p := range parts {
		h.Write(p)
	}
	h.Sum(out[:0])
	return out
}

func macL(key [32]byte, label string, parts ...[]byte) (out [32]byte) {
	h, _ := blake3.NewKeyed(key[:])
	h.Write(append([]byte{byte(len(label))}, label...))
	for _, p := range parts {
		h.Write(p)
	}
	h.Sum(out[:0])
	return out
}

func ctr(key [32]byte, iv []byte, b []byte) []byte {
	c, _ := aes.NewCipher(key[:])
	if iv == nil {
		iv = make([]byte, 16)
	}
	out := make([]byte, len(b))
	cipher.NewCTR(c, iv).XORKeyStream(out, b)
	return out
}

// craftCHK encrypts an arbitrary meta||data||padding buffer P as a CHK with an
// honest convergent key, so the block verifies and its key matches.
func craftCHK(p []byte) (keys.URI, []byte) {
	k := hashL(keys.LabelCHKKey, p)
	block := append([]byte{1, byte(keys.CHK), byte(keys.AlgV1), 0}, ctr(k, nil, p)...)
	u := keys.URI{Type: keys.CHK, Key: hashL(keys.LabelCHKRouting, block), CryptoKey: k, Extra: [keys.ExtraSize]byte{1, 1, 0, 0}} // a CHK's extra is the first 4 bytes
	return u, block
}

// craftSSK encrypts and signs an arbitrary meta||data||padding buffer P as
// the SSK named by ins (an insert URI) with an honest or a random IV.
func craftSSK(seed [32]byte, ins keys.URI, p []byte, badIV bool) (keys.URI, []byte) {
	priv := ed25519.NewKeyFromSeed(seed[:])
	e := macL(ins.CryptoKey, keys.LabelSSKDocName, []byte(ins.Name))
	iv := macL(ins.CryptoKey, keys.LabelSSKIV, e[:], p)
	if badIV {
		iv[0] ^= 1
	}
	dk := macL(ins.CryptoKey, keys.LabelSSKDataKey, e[:])
	c := ctr(dk, iv[:16], p)
	header := append([]byte{1, byte(keys.SSK), byte(keys.AlgV1), 0}, e[:]...)
	header = append(header, iv[:16]...)
	signed := append(header, c...)
	msg := append([]byte{byte(len(keys.LabelSSKSignature))}, keys.LabelSSKSignature...)
	sig := ed25519.Sign(priv, append(msg, signed...))
	block := append(append(signed, sig...), priv.Public().(ed25519.PublicKey)...)
	req, _ := ins.RequestURI()
	return req, block
}
