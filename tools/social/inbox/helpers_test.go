package inbox

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
)

// lowWork lets Seal and Open use work down to w bits for the rest of the
// test, so that tests run fast.
func lowWork(t testing.TB, w int) {
	old := workFloor
	workFloor = w
	t.Cleanup(func() { workFloor = old })
}

// seeded returns a deterministic random source.
func seeded(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{'i', 'n', 'b', 'o', 'x', seed}) }

// testFeed returns a feed's request URI at edition 0 and its insert URI.
func testFeed(t testing.TB, seed byte) (request, insert keys.URI) {
	t.Helper()
	ins, req, err := keys.GenerateSSK(seeded(seed))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*keys.URI{&ins, &req} {
		u.Type, u.Name = keys.USK, feed.SiteName
	}
	return req, ins
}

func testKey(t testing.TB, seed byte) KeyPair {
	t.Helper()
	k, err := GenerateKey(seeded(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var t0 = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// wantCode checks that err is an *Error of code and path.
func wantCode(t *testing.T, err error, code Code, path string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error of %s at %q", err, code, path)
	}
	if e.Code != code || e.Path != path {
		t.Fatalf("got %v (%s at %q), want %s at %q", err, e.Code, e.Path, code, path)
	}
	sentinel := map[Code]error{CodeBadEnvelope: ErrBadEnvelope, CodeWork: ErrWork, CodeNotForMe: ErrNotForMe,
		CodeBadNote: ErrBadNote, CodeBadArgument: ErrBadArgument}[code]
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, %v) is false", err, sentinel)
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }
