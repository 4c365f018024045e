package inbox

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkNoteWork measures what writing a note costs its writer: Seal of
// a reply (class 512) at DefaultWork (20 bits), each time with new
// randomness, so the number of hashes varies (2^20 on average). It
// reports hashes/s and hashes per note besides ns/op; the cost of a larger
// class follows from BenchmarkWorkHash.
func BenchmarkNoteWork(b *testing.B) {
	me := testKey(b, 1)
	slot := testSlot(b, 0)
	n := testNotes(b)[0]
	hashes := 0.0
	b.ResetTimer()
	for i := range b.N {
		env, err := Seal(n, me.Public, slot, DefaultWork, rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), byte(i >> 16), 'w'}))
		if err != nil {
			b.Fatal(err)
		}
		hashes += float64(binary.BigEndian.Uint64(env[len(Magic):HeaderSize]) + 1)
	}
	b.ReportMetric(hashes/b.Elapsed().Seconds(), "hashes/s")
	b.ReportMetric(hashes/float64(b.N), "hashes/op")
}

// BenchmarkWorkHash measures one proof-of-work attempt (one SHA-256 of the
// envelope with a new nonce) for each class, and reports the expected time
// of a note of that class at 20 bits: 2^20 attempts.
func BenchmarkWorkHash(b *testing.B) {
	slot := testSlot(b, 0)
	for _, class := range classes {
		b.Run("class="+strconv.Itoa(class), func(b *testing.B) {
			pre := workPrefix(slot) // then SHA-256(sealed), hashed once, then the nonce
			buf := make([]byte, len(pre)+sha256.Size+NonceSize)
			copy(buf, pre)
			nonce := buf[len(pre)+sha256.Size:]
			b.SetBytes(int64(len(buf)))
			for i := range b.N {
				binary.BigEndian.PutUint64(nonce, uint64(i))
				sha256.Sum256(buf)
			}
			perHash := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(perHash*(1<<DefaultWork), "s/note@20bits")
		})
	}
}

// BenchmarkOpen measures what an envelope costs its reader: a valid one,
// one sealed to another key (the work checks out, the seal does not open),
// one without the work (the flood case: one hash, no seal opened), and one
// of a wrong size (no hash at all), for the smallest and largest class.
func BenchmarkOpen(b *testing.B) {
	me, other := testKey(b, 1), testKey(b, 2)
	slot := testSlot(b, 0)
	notes := map[int]*Note{512: testNotes(b)[0]}
	m, err := SealMessage(strings.Repeat("x", MaxMessageBytes), other, me.Public, seeded(1))
	if err != nil {
		b.Fatal(err)
	}
	notes[MaxNoteSize] = &Note{Type: TypeMessage, From: notes[512].From, Time: t0, Message: m}
	for _, class := range []int{512, MaxNoteSize} {
		env, err := Seal(notes[class], me.Public, slot, MinWork, seeded(2))
		if err != nil {
			b.Fatal(err)
		}
		if len(env) != EnvelopeSize(class) {
			b.Fatalf("class %d: %d bytes", class, len(env))
		}
		flood := make([]byte, len(env))
		copy(flood, Magic)
		seeded(3).Read(flood[len(Magic):])
		cases := []struct {
			name string
			env  []byte
			key  KeyPair
			code Code
		}{
			{"valid", env, me, 0},
			{"not-for-me", env, other, CodeNotForMe},
			{"bad-work", flood, me, CodeWork},
			{"bad-size", flood[:len(flood)-1], me, CodeBadEnvelope},
		}
		for _, c := range cases {
			b.Run(c.name+"/class="+strconv.Itoa(class), func(b *testing.B) {
				b.SetBytes(int64(len(c.env)))
				for range b.N {
					_, err := Open(c.env, slot, MinWork, c.key)
					if CodeOf(err) != c.code {
						b.Fatalf("%v, want code %d", err, c.code)
					}
				}
			})
		}
	}
}
