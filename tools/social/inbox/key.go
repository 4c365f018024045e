package inbox

import (
	"encoding/base64"
	"fmt"
	"golang.org/x/crypto/curve25519"
	"io"

	"golang.org/x/crypto/nacl/box"
)

// BoxLength is the length of an encoded box key: 32 bytes in unpadded
// base64url.
const BoxLength = 43

// b64 is base64url (RFC 4648 §5) without padding, strict: unused bits of
// the last character must be zero, so that each value has one spelling.
// It writes box keys, nonces and sealed messages.
var b64 = base64.RawURLEncoding.Strict()

// KeyPair is an X25519 key pair for notes and private messages: Public is
// what a profile publishes as its "box" (docs/social-inbox.md §2), Private
// opens what is sealed to it. It is the front-end's own key, kept beside
// the identity's SSK insert URI; it is not derived from the SSK key. Keep
// Private secret: a lost one makes every note sealed to it unreadable, a
// stolen one reads them.
type KeyPair struct {
	// Public is the X25519 public key.
	Public [32]byte
	// Private is the X25519 private key (scalar).
	Private [32]byte
}

// GenerateKey makes a new key pair from 32 bytes of rand (pass
// crypto/rand.Reader; a fixed reader gives a fixed key, for tests).
func GenerateKey(rand io.Reader) (KeyPair, error) {
	pub, priv, err := box.GenerateKey(rand)
	if err != nil {
		return KeyPair{}, errorf(CodeBadArgument, "rand", "reading randomness: %v", err)
	}
	return KeyPair{Public: *pub, Private: *priv}, nil
}

// KeyFromPrivate returns the key pair whose private key is priv (the key a
// front-end keeps with the identity, written with EncodeBox).
func KeyFromPrivate(priv [32]byte) KeyPair {
	var pub [32]byte
	curve25519.ScalarBaseMult(&pub, &priv)
	return KeyPair{Public: pub, Private: priv}
}

// EncodeBox writes a public key as a profile's "box" field and a message's
// "box" do: unpadded base64url, BoxLength characters.
func EncodeBox(pub [32]byte) string { return b64.EncodeToString(pub[:]) }

// ParseBox reads a public key written by EncodeBox: exactly BoxLength
// base64url characters (no padding, no '+' or '/') decoding to 32 bytes.
// Anything else is a CodeBadArgument error at path "box".
func ParseBox(s string) ([32]byte, error) {
	var k [32]byte
	if why := decodeFixed(k[:], s); why != "" {
		return k, errorf(CodeBadArgument, "box", "%s is not a box key: %s", describe(s), why)
	}
	return k, nil
}

// decodeFixed decodes s (strict unpadded base64url) into exactly len(dst)
// bytes, or says why it cannot.
func decodeFixed(dst []byte, s string) string {
	if want := b64.EncodedLen(len(dst)); len(s) != want {
		return fmt.Sprintf("%d characters, want %d (%d bytes in unpadded base64url)", len(s), want, len(dst))
	}
	if n, err := b64.Decode(dst, []byte(s)); err != nil || n != len(dst) {
		return "not unpadded base64url (RFC 4648 §5, '-' and '_', no '=')"
	}
	return ""
}
