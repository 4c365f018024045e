package clientlayer

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
)

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(seed uint64, n int) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	r := rand.NewChaCha8(s)
	b := make([]byte, n)
	r.Read(b)
	return b
}

// textBytes returns n bytes of compressible text.
func textBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"hams ", "freenet ", "block ", "segment ", "مرحبا ", "data ", "key\n"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.Bytes()[:n]
}

// openStore opens a datastore in a temporary directory.
func openStore(t testing.TB) *datastore.Store {
	t.Helper()
	ds, err := datastore.Open(t.TempDir(), datastore.Config{StoreBytes: 8 << 30, ScrubBytesPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	return ds
}

func newClient(t testing.TB, bs BlockStore, cfg Config) *Client {
	t.Helper()
	c, err := New(bs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memStore is an in-memory BlockStore for tests.
type memStore struct {
	mu     sync.Mutex
	blocks map[keys.RoutingKey][]byte
	gets   int
}

func newMemStore() *memStore { return &memStore{blocks: map[keys.RoutingKey][]byte{}} }

func (m *memStore) PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := keys.VerifyBlock(rk, block); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.blocks[rk]; ok && !bytes.Equal(old, block) {
		return ErrCollision
	}
	m.blocks[rk] = bytes.Clone(block)
	return nil
}

func (m *memStore) GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	b, ok := m.blocks[rk]
	if !ok {
		return nil, ErrBlockNotFound
	}
	return bytes.Clone(b), nil
}

func (m *memStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.blocks)
}

func (m *memStore) delete(rk keys.RoutingKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blocks, rk)
}

// chkURI is the URI to insert content-named data under.
var chkURI = keys.URI{Type: keys.CHK}

func mustInsert(t testing.TB, c *Client, data []byte, opts InsertOptions) keys.URI {
	t.Helper()
	u, err := c.Insert(context.Background(), bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustFetch(t testing.TB, c *Client, u keys.URI) ([]byte, FetchResult) {
	t.Helper()
	var buf bytes.Buffer
	res, err := c.Fetch(context.Background(), u, &buf, FetchOptions{})
	if err != nil {
		t.Fatalf("fetch %s: %v", u, err)
	}
	if res.Size != int64(buf.Len()) {
		t.Fatalf("result size %d, wrote %d", res.Size, buf.Len())
	}
	return buf.Bytes(), res
}

func fetchCode(t testing.TB, c *Client, u keys.URI, opts FetchOptions) int {
	t.Helper()
	var buf bytes.Buffer
	_, err := c.Fetch(context.Background(), u, &buf, opts)
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("fetch %s: error %v is not a *FetchError", u, err)
	}
	return fe.Code
}

// checkGoroutines fails the test if goroutines started during it are still
// running at its end.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
			time.Sleep(time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// splitfileOf resolves a CHK URI to the data splitfile document it names
// (following metadata splitfiles).
func splitfileOf(t *testing.T, c *Client, bs BlockStore, u keys.URI) *Metadata {
	t.Helper()
	m := splitfileOrInline(t, bs, u)
	for m.IsMetadata {
		var buf bytes.Buffer
		f := &fetcher{c: c, ctx: context.Background(), w: &buf}
		if err := f.fetchSplitfile(m, &buf); err != nil {
			t.Fatal(err)
		}
		var err error
		if m, err = ParseMetadata(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if m.Type != DocSplitfile {
		t.Fatalf("document type %s, want splitfile", m.Type)
	}
	return m
}
