package keys

import (
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of the KSK derivation (RFC 9106 §4, second recommended
// option): every guess at a keyword costs this much time and memory.
const (
	KSKArgonTime    = 3         // passes
	KSKArgonMemory  = 64 * 1024 // KiB, i.e. 64 MiB
	KSKArgonThreads = 4         // lanes
)

// kskKeys derives the Ed25519 seed and crypto key of a keyword:
// Argon2id(keyword, LabelKSKSalt, t, m, p, 64 bytes) split in two halves.
func kskKeys(keyword string) (seed, crypto [KeySize]byte) {
	out := argon2.IDKey([]byte(keyword), []byte(LabelKSKSalt), KSKArgonTime, KSKArgonMemory, KSKArgonThreads, 2*KeySize)
	copy(seed[:], out[:KeySize])
	copy(crypto[:], out[KeySize:])
	return seed, crypto
}

// NewKSK returns the KSK URI for keyword, or an error if the keyword is empty,
// too long, or holds a '/', a control character or invalid UTF-8.
func NewKSK(keyword string) (URI, error) {
	if err := checkKeyword(keyword); err != nil {
		return URI{}, err
	}
	for i := 0; i < len(keyword); i++ {
		if keyword[i] == '/' {
			return URI{}, errorf(CodeInvalidURI, keyword, "keyword holds '/', which starts a meta-string")
		}
	}
	return URI{Type: KSK, Name: keyword}, nil
}

// KSKAsSSK returns the SSK insert URI (document name empty) that the KSK u is
// an alias for. It runs the Argon2id derivation, so it is deliberately slow.
func KSKAsSSK(u URI) (URI, error) {
	if u.Type != KSK {
		return URI{}, errorf(CodeInvalidArgument, u.String(), "not a KSK")
	}
	seed, crypto := kskKeys(u.Name)
	return URI{Type: SSK, Key: seed, CryptoKey: crypto, Extra: sskExtra(true)}, nil
}
