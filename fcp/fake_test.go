package fcp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// fakeBackend stores documents in a map. CHK URIs are real (keys.EncodeCHK
// over the data, or over its hash when larger than one block).
type fakeBackend struct {
	mu       sync.Mutex
	docs     map[string]fakeDoc
	editions map[string]int64
	// hold, when not nil, makes Put and Get wait for it (or cancellation).
	hold chan struct{}
	// started is signalled (non-blocking) when Put or Get begins.
	started chan string
	// putErr and getErr, when set, are what Put and Get return.
	putErr, getErr error
	// putEarlyErr, when set, is what Put returns before reading any data.
	putEarlyErr error
	// peers is the peer table of the fake's PeerBackend (peers_test.go).
	peers fakePeers
}

type fakeDoc struct {
	data        []byte
	contentType string
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{docs: map[string]fakeDoc{}, editions: map[string]int64{}}
}

func (f *fakeBackend) wait(ctx context.Context, what string) error {
	f.mu.Lock()
	hold, started := f.hold, f.started
	f.mu.Unlock()
	if started != nil {
		select {
		case started <- what:
		default:
		}
	}
	if hold == nil {
		return ctx.Err()
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func chkFor(data []byte, meta []string) (keys.URI, error) {
	src := data
	if len(src) > keys.CHKDataSize {
		h := sha256.Sum256(data)
		src = h[:]
	}
	_, u, err := keys.EncodeCHK(src, keys.EncodeOptions{})
	u.Meta = meta
	return u, err
}

func (f *fakeBackend) Put(ctx context.Context, r io.Reader, opts PutOptions) (keys.URI, error) {
	f.mu.Lock()
	early := f.putEarlyErr
	f.mu.Unlock()
	if early != nil {
		return keys.URI{}, early
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return keys.URI{}, err
	}
	if err := f.wait(ctx, "put"); err != nil {
		return keys.URI{}, err
	}
	if f.putErr != nil {
		return keys.URI{}, f.putErr
	}
	keyed := data // what a CHK is named by
	if opts.Redirect.Type != 0 {
		// The fake keeps no metadata: a redirect holds a copy of its
		// target's document, under a CHK of the redirect.
		f.mu.Lock()
		doc, ok := f.docs[opts.Redirect.String()]
		f.mu.Unlock()
		if !ok {
			return keys.URI{}, &InsertError{Code: fcpwire.InsertInternalError, Extra: "fake: redirect target not stored"}
		}
		data, keyed = doc.data, []byte("redirect:"+opts.Redirect.String())
	}
	var u keys.URI
	switch opts.URI.Type {
	case keys.CHK:
		u, err = chkFor(keyed, opts.URI.Meta)
	case keys.KSK:
		u = opts.URI
	default:
		u, err = opts.URI.RequestURI()
	}
	if err != nil {
		return u, &InsertError{Code: fcpwire.InsertInvalidURI, Extra: err.Error()}
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Total: 1, Required: 1, Succeeded: 1, FinalizedTotal: true})
	}
	if !opts.GetCHKOnly {
		f.mu.Lock()
		defer f.mu.Unlock()
		if old, ok := f.docs[u.String()]; ok && u.Type != keys.CHK && !bytes.Equal(old.data, data) {
			return u, &InsertError{Code: fcpwire.InsertCollision}
		}
		f.docs[u.String()] = fakeDoc{data, opts.ContentType}
	}
	return u, nil
}

func (f *fakeBackend) PutDir(ctx context.Context, entries []DirEntry, defaultName string, opts PutOptions) (keys.URI, error) {
	var manifest bytes.Buffer
	files := map[string]fakeDoc{}
	for _, e := range entries {
		manifest.WriteString(e.Name + "\n")
		if e.Redirect != nil {
			files[e.Name] = fakeDoc{data: []byte(e.Redirect.String()), contentType: "redirect"}
			continue
		}
		rc, err := e.Open()
		if err != nil {
			return keys.URI{}, &InsertError{Code: fcpwire.InsertBucketError, Extra: err.Error()}
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return keys.URI{}, err
		}
		files[e.Name] = fakeDoc{b, e.ContentType}
	}
	if err := f.wait(ctx, "putdir"); err != nil {
		return keys.URI{}, err
	}
	u := opts.URI
	var err error
	if u.Type == keys.CHK {
		u, err = chkFor(manifest.Bytes(), nil)
	} else {
		u, err = u.RequestURI()
	}
	if err != nil {
		return u, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, d := range files {
		v := u
		v.Meta = append(append([]string(nil), u.Meta...), name)
		f.docs[v.String()] = d
	}
	return u, nil
}

func (f *fakeBackend) Get(ctx context.Context, u keys.URI, w io.Writer, opts GetOptions) (GetResult, error) {
	if err := f.wait(ctx, "get"); err != nil {
		return GetResult{}, err
	}
	if f.getErr != nil {
		return GetResult{}, f.getErr
	}
	f.mu.Lock()
	d, ok := f.docs[u.String()]
	f.mu.Unlock()
	if !ok {
		return GetResult{}, &FetchError{Code: fcpwire.FetchDataNotFound}
	}
	if opts.MaxSize > 0 && int64(len(d.data)) > opts.MaxSize {
		return GetResult{}, &FetchError{Code: fcpwire.FetchTooBig, Extra: "larger than MaxSize"}
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Total: 1, Required: 1, Succeeded: 1, FinalizedTotal: true})
	}
	n, err := w.Write(d.data)
	return GetResult{ContentType: d.contentType, Size: int64(n)}, err
}

func (f *fakeBackend) LatestEdition(ctx context.Context, usk keys.URI) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := usk.WithEdition(0).String()
	ed, ok := f.editions[k]
	if !ok {
		return 0, &FetchError{Code: fcpwire.FetchDataNotFound}
	}
	return ed, nil
}

// detRand is a deterministic, concurrency-safe random stream.
type detRand struct {
	mu  sync.Mutex
	ctr uint64
	buf []byte
}

func (d *detRand) Read(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.buf) < len(p) {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], d.ctr)
		d.ctr++
		h := sha256.Sum256(c[:])
		d.buf = append(d.buf, h[:]...)
	}
	n := copy(p, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

// fixedNow is the injected clock of every test server.
func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// testConfig returns a deterministic configuration.
func testConfig(t testing.TB) Config {
	return Config{
		StateDir: t.TempDir(),
		Now:      fixedNow,
		Rand:     &detRand{},
		NodeInfo: NodeInfo{Version: "hams,0.1", Build: 7, Revision: "test"},
	}
}
