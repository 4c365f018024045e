package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// fakeBackend is a Backend over a map: documents by URI string, USK
// editions by uskID. gate, when set, holds every Get until closed.
type fakeBackend struct {
	mu      sync.Mutex
	docs    map[string]doc // by URI string (request URI)
	known   map[string]int64
	gate    chan struct{}
	puts    []fcp.PutOptions
	dirs    [][]fcp.DirEntry
	latest  int // LatestEdition calls
	watches map[string][]chan struct{}
	arrival chan struct{} // closed by arrive
}

type doc struct {
	data    []byte
	ctype   string
	dflt    bool
	failure int // a fetch code to fail with
}

func newFake() *fakeBackend {
	return &fakeBackend{docs: map[string]doc{}, known: map[string]int64{}, watches: map[string][]chan struct{}{}}
}

func (f *fakeBackend) add(u keys.URI, d doc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs[u.String()] = d
	if u.Type == keys.USK && u.Edition > f.known[uskID(u)]-1 {
		if cur, ok := f.known[uskID(u)]; !ok || u.Edition > cur {
			f.known[uskID(u)] = u.Edition
		}
	}
}

func (f *fakeBackend) Put(ctx context.Context, r io.Reader, o fcp.PutOptions) (keys.URI, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return keys.URI{}, err
	}
	_, u, err := keys.EncodeCHK(data, keys.EncodeOptions{})
	if err != nil {
		return keys.URI{}, err
	}
	u.Meta = o.URI.Meta
	f.mu.Lock()
	f.puts = append(f.puts, o)
	f.mu.Unlock()
	f.add(u, doc{data: data, ctype: o.ContentType})
	if o.Progress != nil {
		o.Progress(fcp.Progress{Total: 1, Required: 1, Succeeded: 1, FinalizedTotal: true})
	}
	return u, nil
}

func (f *fakeBackend) PutDir(ctx context.Context, es []fcp.DirEntry, dflt string, o fcp.PutOptions) (keys.URI, error) {
	req, err := o.URI.RequestURI()
	if err != nil {
		return keys.URI{}, err
	}
	f.mu.Lock()
	f.dirs = append(f.dirs, es)
	n := o.URI.Edition
	if k, ok := f.known[uskID(req)]; ok && k >= n {
		n = k + 1
	}
	f.mu.Unlock()
	req = req.WithEdition(n)
	for _, e := range es {
		rc, err := e.Open()
		if err != nil {
			return keys.URI{}, err
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		v := req
		v.Meta = strings.Split(e.Name, "/")
		f.add(v, doc{data: data, ctype: e.ContentType})
		if e.Name == dflt {
			v.Meta = nil
			f.add(v, doc{data: data, ctype: e.ContentType, dflt: true})
			v.Meta = []string{""}
			f.add(v, doc{data: data, ctype: e.ContentType})
		}
	}
	f.wake(req)
	return req, nil
}

func (f *fakeBackend) Get(ctx context.Context, u keys.URI, w io.Writer, o fcp.GetOptions) (fcp.GetResult, error) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if o.Progress != nil {
		o.Progress(fcp.Progress{Total: 10, Required: 5, Succeeded: 2})
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return fcp.GetResult{}, &fcp.FetchError{Code: fcpwire.FetchCancelled}
		}
	}
	f.mu.Lock()
	d, ok := f.docs[u.String()]
	f.mu.Unlock()
	if !ok {
		return fcp.GetResult{}, &fcp.FetchError{Code: fcpwire.FetchDataNotFound, Extra: "not in the fake"}
	}
	if d.failure != 0 {
		return fcp.GetResult{}, &fcp.FetchError{Code: d.failure}
	}
	n, err := w.Write(d.data)
	return fcp.GetResult{ContentType: d.ctype, Size: int64(n), DefaultDocument: d.dflt}, err
}

func (f *fakeBackend) LatestEdition(ctx context.Context, u keys.URI) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latest++
	k, ok := f.known[uskID(u)]
	if !ok {
		return 0, &fcp.FetchError{Code: fcpwire.FetchDataNotFound}
	}
	return k, nil
}

func (f *fakeBackend) KnownEdition(u keys.URI) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.known[uskID(u)]; ok {
		return k
	}
	return -1
}

func (f *fakeBackend) WatchEdition(u keys.URI) (<-chan struct{}, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := make(chan struct{})
	f.watches[uskID(u)] = append(f.watches[uskID(u)], c)
	return c, func() {}
}

// Arrivals makes the fake an fcp.ArrivalWatcher; arrive wakes it.
func (f *fakeBackend) Arrivals() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.arrival == nil {
		f.arrival = make(chan struct{})
	}
	return f.arrival
}

// arrive tells of an arrival, as a node does when a block it looked for
// arrives.
func (f *fakeBackend) arrive() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.arrival != nil {
		close(f.arrival)
		f.arrival = nil
	}
}

// state gives the LatestEdition calls so far and how many WatchEdition
// channels wait on u.
func (f *fakeBackend) state(u keys.URI) (latest, waiting int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latest, len(f.watches[uskID(u)])
}

func (f *fakeBackend) wake(u keys.URI) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.watches[uskID(u)] {
		close(c)
	}
	delete(f.watches, uskID(u))
}

// testGateway runs a gateway over be on an httptest server and returns a
// client that keeps cookies and does not follow redirects.
type testGateway struct {
	g   *Gateway
	srv *httptest.Server
	c   *http.Client
}

func newTestGateway(t *testing.T, be fcp.Backend, tweak func(*Config)) *testGateway {
	t.Helper()
	cfg := Config{Backend: be, StateDir: t.TempDir(), ProgressAfter: 2 * time.Second, BookmarkCheck: -1,
		Logger: slog.New(slog.DiscardHandler), Rand: rand.New(rand.NewSource(1))}
	if tweak != nil {
		tweak(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	srv.Config.Handler = g.Handler(srv.Listener.Addr().String())
	jar, _ := cookiejar.New(nil)
	tg := &testGateway{g: g, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(func() {
		srv.Close()
		g.Close()
	})
	return tg
}

// get fetches path and returns the response and its body.
func (tg *testGateway) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := tg.c.Get(tg.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// token returns the form token of the page at path.
func (tg *testGateway) token(t *testing.T, path string) string {
	t.Helper()
	_, body := tg.get(t, path)
	m := regexp.MustCompile(`name="token" value="([^"]+)"|token=([A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on %s", path)
	}
	return m[1] + m[2]
}

// post sends a form (with the browser's Sec-Fetch-Site).
func (tg *testGateway) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", tg.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return tg.do(t, req)
}

func (tg *testGateway) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := tg.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	io.Copy(&b, resp.Body)
	return resp, b.String()
}

// newSSK returns a USK request URI and an SSK-based key for tests.
func testUSK(t *testing.T, name string, edition int64) keys.URI {
	t.Helper()
	_, req, err := keys.GenerateSSK(rand.New(rand.NewSource(int64(len(name)))))
	if err != nil {
		t.Fatal(err)
	}
	req.Type, req.Name, req.Edition = keys.USK, name, edition
	return req
}
