package keys

import (
	"encoding/base64"
	"sync"

	"github.com/zeebo/blake3"
)

// hasherPool recycles unkeyed BLAKE3 hashers; creating one allocates a few KiB.
var hasherPool = sync.Pool{New: func() any { return blake3.New() }}

// writeLabel writes the label encoding u8(len(label)) || label that starts
// every hams/v1 hash input. Labels are shorter than 256 bytes (they are
// constants).
func writeLabel(h *blake3.Hasher, label string) {
	n := [1]byte{byte(len(label))}
	h.Write(n[:])
	h.WriteString(label)
}

// hashLabelled returns H(label, parts...) = BLAKE3-256(u8(len(label)) || label
// || parts[0] || parts[1] || ...).
func hashLabelled(label string, parts ...[]byte) (out [32]byte) {
	h := hasherPool.Get().(*blake3.Hasher)
	h.Reset()
	writeLabel(h, label)
	for _, p := range parts {
		h.Write(p)
	}
	h.Sum(out[:0])
	hasherPool.Put(h)
	return out
}

// macLabelled returns MAC(key, label, parts...) = BLAKE3-256 in keyed mode
// with the 32-byte key over u8(len(label)) || label || parts....
func macLabelled(key *[32]byte, label string, parts ...[]byte) (out [32]byte) {
	h, err := blake3.NewKeyed(key[:])
	if err != nil { // only on a key that is not 32 bytes, which the type rules out
		panic("keys: " + err.Error())
	}
	writeLabel(h, label)
	for _, p := range parts {
		h.Write(p)
	}
	h.Sum(out[:0])
	return out
}

// freenetAlphabet is standard base64 with '+' → '~' and '/' → '-', as
// Freenet URIs use it.
const freenetAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~-"

// b64 is Freenet's base64: no padding, and Strict, so that a string whose
// unused trailing bits are not zero is rejected (otherwise two strings would
// decode to the same bytes and parse→format could not round-trip exactly).
var b64 = base64.NewEncoding(freenetAlphabet).WithPadding(base64.NoPadding).Strict()

// EncodeBase64 encodes b in Freenet's URI base64 alphabet without padding.
func EncodeBase64(b []byte) string { return b64.EncodeToString(b) }

// DecodeBase64 decodes s from Freenet's URI base64 alphabet. It rejects
// padding, characters outside the alphabet and non-zero trailing bits.
func DecodeBase64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, errorf(CodeInvalidURI, s, "not Freenet base64 (%v)", err)
	}
	return b, nil
}
