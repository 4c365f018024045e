package link

import (
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
)

// StaticKey is a node's long-term X25519 key pair: the key its links
// authenticate with and that its noderef names.
type StaticKey struct {
	Private, Public [32]byte
}

// GenerateStaticKey reads 32 bytes from rand as a new private key and
// derives its public key.
func GenerateStaticKey(rand io.Reader) (StaticKey, error) {
	var priv [32]byte
	if _, err := io.ReadFull(rand, priv[:]); err != nil {
		return StaticKey{}, fmt.Errorf("link: generating a static key: %w", err)
	}
	return StaticKeyFromPrivate(priv)
}

// StaticKeyFromPrivate derives the public key of priv (X25519 clamps the
// scalar; priv is kept as given).
func StaticKeyFromPrivate(priv [32]byte) (StaticKey, error) {
	pub, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		return StaticKey{}, fmt.Errorf("link: static key: %w", err)
	}
	k := StaticKey{Private: priv}
	copy(k.Public[:], pub)
	return k, nil
}
