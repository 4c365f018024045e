package social

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/node"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
)

// quiet is a logger for tests: it drops everything.
func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startNodes starts n nodes on the in-memory transport, linked in a ring,
// that poll USK subscriptions every 50 ms and remember failures for 1 ms,
// so that a new edition shows within a test's patience.
func startNodes(t testing.TB, n int) []*node.Node {
	t.Helper()
	var nodes []*node.Node
	for i := range n {
		loc := routing.Location(uint64(i) * (^uint64(0) / uint64(n)))
		cfg := node.Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet(),
			Network:         network.Config{Transport: network.TransportMemory, Location: &loc, Name: fmt.Sprintf("node-%d", i)},
			USKPollInterval: 50 * time.Millisecond}
		if n == 1 {
			cfg.Network.Transport = network.TransportNone
		}
		cfg.Network.Routing.RecentlyFailedFor = time.Millisecond
		nd, err := node.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.Close() })
		nodes = append(nodes, nd)
	}
	for i := 0; n > 1 && i < n; i++ {
		j := (i + 1) % n
		if n == 2 && i == 1 {
			break
		}
		p1, p2 := net.Pipe()
		errc := make(chan error, 1)
		go func() { errc <- nodes[j].AcceptStream(p2) }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := nodes[i].ConnectStream(ctx, p1, nodes[j].Noderef()); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	return nodes
}

// testApp is an App serving on a loopback port, with a browser-like HTTP
// client (cookies, no redirects followed automatically).
type testApp struct {
	t    testing.TB
	app  *App
	base string
	hc   *http.Client
	lang string
}

func startApp(t testing.TB, fcpAddr string, tweak func(*Config)) *testApp {
	t.Helper()
	cfg := Config{Dir: t.TempDir(), FCPAddr: fcpAddr, Logger: quiet(), Retry: 100 * time.Millisecond,
		InboxPoll: time.Second, InboxWork: 16} // notes cheap to write in tests
	if tweak != nil {
		tweak(&cfg)
	}
	app, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		app.Serve(ctx, ln, nil)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		app.Close()
	})
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	return &testApp{t: t, app: app, base: "http://" + ln.Addr().String(), hc: hc, lang: "en"}
}

// get fetches a page and returns its status and body.
func (ta *testApp) get(path string) (int, string) {
	ta.t.Helper()
	req, _ := http.NewRequest("GET", ta.base+path, nil)
	req.Header.Set("Accept-Language", ta.lang)
	resp, err := ta.hc.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token fetches the home page and returns the forms' CSRF token.
func (ta *testApp) token() string {
	ta.t.Helper()
	code, body := ta.get("/")
	if code == http.StatusSeeOther { // locked: the unlock page has forms too
		_, body = ta.get("/unlock")
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		ta.t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// file is an uploaded file of a multipart form.
type file struct {
	field, name string
	data        []byte
}

// post sends a multipart form (with the CSRF token unless fields has
// "csrf") and returns the status, the Location header and the body.
func (ta *testApp) post(path string, fields map[string]string, files ...file) (int, string, string) {
	ta.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := fields["csrf"]; !ok {
		mw.WriteField("csrf", ta.token())
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", ta.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", ta.lang)
	req.Header.Set("Origin", ta.base)
	resp, err := ta.hc.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// mustPost posts and fails the test unless the server redirects (success).
func (ta *testApp) mustPost(path string, fields map[string]string, files ...file) {
	ta.t.Helper()
	code, _, body := ta.post(path, fields, files...)
	if code != http.StatusSeeOther {
		ta.t.Fatalf("POST %s: %d\n%s", path, code, errorText(body))
	}
}

// postNumbers returns the numbers of the person's own posts, newest first,
// as form values (the numbers depend on the device: docs/social-inbox.md
// §8).
func (ta *testApp) postNumbers() []string {
	ta.app.mu.Lock()
	defer ta.app.mu.Unlock()
	var ns []string
	for _, p := range ta.app.own.Posts {
		ns = append(ns, strconv.FormatInt(p.N, 10))
	}
	return ns
}

// errorText is the error paragraph of a page, or the page.
func errorText(body string) string {
	if m := regexp.MustCompile(`(?s)<p class="error"[^>]*>(.*?)</p>`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return body
}

// createIdentity makes an identity named name and returns the feed URI.
func (ta *testApp) createIdentity(name string) string {
	ta.t.Helper()
	ta.mustPost("/identity", map[string]string{"name": name, "bio": "bio of " + name, "passphrase": testPassphrase, "passphrase2": testPassphrase})
	ta.app.mu.Lock()
	defer ta.app.mu.Unlock()
	return ta.app.id.Request
}

// waitFor polls the page at path until it contains want.
func (ta *testApp) waitFor(path, want string, within time.Duration) string {
	ta.t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, body := ta.get(path)
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			ta.t.Fatalf("%s: %q did not show within %v", path, want, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPublished waits until the App has published every change.
func (ta *testApp) waitPublished(within time.Duration) {
	ta.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ta.app.mu.Lock()
		pending := ta.app.own.Pending || ta.app.status.Publishing
		ta.app.mu.Unlock()
		if !pending {
			return
		}
		if time.Now().After(deadline) {
			ta.t.Fatal("not published in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pngImage is a small valid PNG of one colour.
func pngImage(r, g, b byte) []byte {
	// 1x1 PNG, built by hand: signature, IHDR, IDAT (zlib, stored), IEND.
	crc := func(b []byte) uint32 {
		var table [256]uint32
		for i := range table {
			c := uint32(i)
			for range 8 {
				if c&1 == 1 {
					c = 0xedb88320 ^ c>>1
				} else {
					c >>= 1
				}
			}
			table[i] = c
		}
		c := ^uint32(0)
		for _, x := range b {
			c = table[byte(c)^x] ^ c>>8
		}
		return ^c
	}
	be := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	chunk := func(typ string, data []byte) []byte {
		td := append([]byte(typ), data...)
		out := append(be(uint32(len(data))), td...)
		return append(out, be(crc(td))...)
	}
	raw := []byte{0, r, g, b}
	adler := func(b []byte) uint32 {
		a, s := uint32(1), uint32(0)
		for _, x := range b {
			a = (a + uint32(x)) % 65521
			s = (s + a) % 65521
		}
		return s<<16 | a
	}
	z := append([]byte{0x78, 0x01, 1, byte(len(raw)), 0, ^byte(len(raw)), 0xff}, raw...)
	z = append(z, be(adler(raw))...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0})...)
	out = append(out, chunk("IDAT", z)...)
	return append(out, chunk("IEND", nil)...)
}

// pathOf is the path and query of a URL.
func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.RequestURI()
}
