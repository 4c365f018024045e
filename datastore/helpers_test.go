package datastore

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

// quietLogger discards log output so expected corruption reports do not
// clutter test output.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// testRand returns a deterministic generator for a test.
func testRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x68616d73))
}

// chkBlock returns a real CHK block of random data and its routing key.
func chkBlock(t testing.TB, rng *rand.Rand) (keys.RoutingKey, []byte) {
	t.Helper()
	data := make([]byte, keys.CHKDataSize)
	for i := 0; i < len(data); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < len(data); j++ {
			data[i+j] = byte(v >> (8 * j))
		}
	}
	block, uri, err := keys.EncodeCHK(data, keys.EncodeOptions{})
	if err != nil {
		t.Fatalf("EncodeCHK: %v", err)
	}
	return keys.RoutingKey(uri.Key), block
}

// chkBlocks returns n CHK blocks.
func chkBlocks(t testing.TB, seed uint64, n int) []Entry {
	t.Helper()
	rng := testRand(seed)
	out := make([]Entry, n)
	for i := range out {
		out[i].Key, out[i].Block = chkBlock(t, rng)
	}
	return out
}

// prefixVerify is a test verifier under which many different blocks are
// valid for one key (as for SSKs): a block is valid when it starts with its
// routing key and has at least one more byte.
func prefixVerify(rk keys.RoutingKey, block []byte) error {
	if len(block) <= len(rk) || !bytes.HasPrefix(block, rk[:]) {
		return errors.New("prefix mismatch")
	}
	return nil
}

// prefixBlock returns a block valid for rk under prefixVerify.
func prefixBlock(rk keys.RoutingKey, size int, fill byte) []byte {
	b := bytes.Repeat([]byte{fill}, size)
	copy(b, rk[:])
	return b
}

// openTest opens a Store in dir with a quiet logger and closes it at the end
// of the test.
func openTest(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustPut(t testing.TB, s *Store, e Entry, r Region) {
	t.Helper()
	if err := s.Put(e.Key, e.Block, r); err != nil {
		t.Fatalf("Put %s: %v", e.Key, err)
	}
}

func mustGet(t testing.TB, s *Store, e Entry) {
	t.Helper()
	got, err := s.Get(e.Key)
	if err != nil {
		t.Fatalf("Get %s: %v", e.Key, err)
	}
	if !bytes.Equal(got, e.Block) {
		t.Fatalf("Get %s returned different bytes", e.Key)
	}
}

func wantCode(t testing.TB, err error, sentinel *Error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "datastore: ") {
		t.Fatalf("error %q lacks the package prefix", err)
	}
}

// waitGoroutines waits until at most n goroutines run, and fails listing
// them if that does not happen within a few seconds.
func waitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines running, want at most %d:\n%s", got, n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
