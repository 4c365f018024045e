package clientlayer

import (
	"crypto/sha256"
	"hash"
)

// hashWriter hashes what is written to it, so large fetches need no buffer.
type hashWriter struct{ h hash.Hash }

func (w *hashWriter) Write(p []byte) (int, error) {
	if w.h == nil {
		w.h = sha256.New()
	}
	return w.h.Write(p)
}

func (w *hashWriter) sum() []byte {
	if w.h == nil {
		w.h = sha256.New()
	}
	return w.h.Sum(nil)
}

func sumOf(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
