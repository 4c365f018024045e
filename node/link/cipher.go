package link

import (
	"crypto/cipher"
	"encoding/binary"
	"math"
	"sync"

	"github.com/flynn/noise"
	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes on the wire.
const (
	// MaxMessage is the largest Noise message, handshake or transport.
	MaxMessage = noise.MaxMsgLen
	// TagSize is the ChaCha20-Poly1305 tag every transport message carries.
	TagSize = 16
	// MaxFrame is the most plaintext bytes a frame can hold: a transport
	// message is at most 65535 bytes, the tag included.
	MaxFrame = MaxMessage - TagSize
	// lengthSize is the big-endian length before every message.
	lengthSize = 2
	// overhead is what a frame of n plaintext bytes adds on the wire.
	overhead = lengthSize + TagSize
	// maxNonce is the last nonce a CipherState may use (2^64-1 is reserved
	// for rekeying by the Noise spec).
	maxNonce = math.MaxUint64 - 1
)

// transport is one direction's Noise CipherState (ChaChaPoly): the key from
// Split and the message counter n. It does what noise.CipherState.Encrypt
// and Decrypt do, with a reused nonce buffer, so that a frame costs no
// allocation. It belongs to one goroutine at a time: the handshake, then the
// link's writer (send side) or reader (receive side).
type transport struct {
	aead  cipher.AEAD
	n     uint64
	nonce [chacha20poly1305.NonceSize]byte
}

// newTransport takes over cs, which must be unused since Split.
func newTransport(cs *noise.CipherState) (*transport, error) {
	k := cs.UnsafeKey()
	aead, err := chacha20poly1305.New(k[:])
	if err != nil {
		return nil, err
	}
	return &transport{aead: aead, n: cs.Nonce()}, nil
}

// setNonce writes n into the nonce as Noise's ChaChaPoly does: 4 zero bytes,
// then n little-endian.
func (t *transport) setNonce() bool {
	if t.n > maxNonce {
		return false
	}
	binary.LittleEndian.PutUint64(t.nonce[4:], t.n)
	t.n++
	return true
}

// seal encrypts plaintext in place: the result, plaintext followed by the
// tag, is plaintext[:len(plaintext)+TagSize], which must be within its
// capacity.
func (t *transport) seal(plaintext []byte) ([]byte, error) {
	if !t.setNonce() {
		return nil, errNonceExhausted
	}
	return t.aead.Seal(plaintext[:0], t.nonce[:], plaintext, nil), nil
}

// open authenticates and decrypts msg in place and returns the plaintext.
func (t *transport) open(msg []byte) ([]byte, error) {
	if !t.setNonce() {
		return nil, errNonceExhausted
	}
	pt, err := t.aead.Open(msg[:0], t.nonce[:], msg, nil)
	if err != nil {
		return nil, ErrAuth
	}
	return pt, nil
}

// bufClasses are the capacities of pooled send buffers: a frame of n bytes
// takes the smallest class of at least n+overhead. The 33 KiB class holds a
// 32 KiB block with a message header around it.
var bufClasses = [...]int{512, 2 << 10, 8 << 10, 16 << 10, 24 << 10, 33 << 10, 40 << 10, 48 << 10, 56 << 10, lengthSize + MaxMessage}

// bufPools holds one pool per class, of *[]byte (a pointer, so that Put does
// not allocate).
var bufPools [len(bufClasses)]sync.Pool

// getBuf returns a buffer of length lengthSize+n and capacity at least
// n+overhead. n must be at most MaxFrame.
func getBuf(n int) *[]byte {
	need := n + overhead
	for i, c := range bufClasses {
		if need <= c {
			p, _ := bufPools[i].Get().(*[]byte)
			if p == nil {
				b := make([]byte, c)
				p = &b
			}
			*p = (*p)[:lengthSize+n]
			return p
		}
	}
	panic("link: getBuf over MaxFrame")
}

// putBuf returns a buffer from getBuf to its pool.
func putBuf(p *[]byte) {
	c := cap(*p)
	for i, cc := range bufClasses {
		if c == cc {
			bufPools[i].Put(p)
			return
		}
	}
}
