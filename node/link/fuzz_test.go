package link

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are transport messages from the raw initiator of linkAgainstRaw,
// whose keys are seeded: they stay valid in every run of FuzzReadFrame.
func fuzzSeeds(t testing.TB) [][]byte {
	l, raw := linkAgainstRaw(t, Config{})
	defer l.Close()
	defer raw.conn.Close()
	f1, f2, ka := raw.frame([]byte("hello")), raw.frame(bytes.Repeat([]byte{7}, 1000)), raw.frame(nil)
	flipped := bytes.Clone(f2)
	flipped[100] ^= 4
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	return [][]byte{
		nil,
		{0},
		{0, 0},
		{0, 15},
		{0xff, 0xff},
		f1,
		cat(f1, ka),
		cat(ka, f1, f2),
		cat(f1, flipped),
		cat(f1, f1),    // replayed
		f1[:len(f1)-1], // truncated
		cat(f1, []byte{0, 0}),
		cat(ka, ka, ka, []byte{0xff, 0xff}, make([]byte, 100)),
	}
}

// FuzzReadFrame feeds arbitrary bytes to a link after a completed handshake
// (then closes the stream): the link must close with a "link: " error and
// never panic or hang, and deliver only frames the peer really sent.
func FuzzReadFrame(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, raw := linkAgainstRaw(t, Config{})
		r := newRecorder()
		r.drop = true
		var delivered int
		r.fail = func(frame []byte) error {
			delivered++
			if frame[0] == 0xee {
				return errors.New("link test: handler refuses 0xee")
			}
			return nil
		}
		l.Start(r)
		raw.conn.Write(data)
		raw.conn.Close()
		select {
		case <-l.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("link still open 10 s after its stream closed")
		}
		err := l.Err()
		if err == nil || !strings.HasPrefix(err.Error(), "link: ") {
			t.Fatalf("closed with %v, want a link: error", err)
		}
		if len(data) >= 2 && int(data[0])<<8|int(data[1]) < TagSize && !errors.Is(err, ErrMalformed) {
			t.Fatalf("a first message of %d bytes closed the link with %v, want ErrMalformed", int(data[0])<<8|int(data[1]), err)
		}
		if len(data) < 2 && delivered > 0 {
			t.Fatalf("%d frames delivered from %d bytes", delivered, len(data))
		}
	})
}
