package gateway

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

func mustCHK(t *testing.T, data string) keys.URI {
	t.Helper()
	_, u, err := keys.EncodeCHK([]byte(data), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestHostAndHeaders: a request naming another host (DNS rebinding) is
// refused; every answer carries the CSP without scripts.
func TestHostAndHeaders(t *testing.T) {
	tg := newTestGateway(t, newFake(), nil)
	req, _ := http.NewRequest("GET", tg.srv.URL+"/", nil)
	req.Host = "evil.example:80"
	resp, _ := tg.do(t, req)
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("foreign Host: status %d", resp.StatusCode)
	}
	resp, body := tg.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Open a key") {
		t.Fatalf("start page: %d %q", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("CSP %q", csp)
	}
}

// TestFormsNeedToken: a POST without the page's token, or from another
// site, is refused.
func TestFormsNeedToken(t *testing.T) {
	tg := newTestGateway(t, newFake(), nil)
	u := mustCHK(t, "x")
	form := url.Values{"uri": {u.String()}, "name": {"x"}}
	if resp, _ := tg.post(t, "/bookmarks/add", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	form.Set("token", tg.token(t, "/"))
	req, _ := http.NewRequest("POST", tg.srv.URL+"/bookmarks/add", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := tg.do(t, req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site: %d", resp.StatusCode)
	}
	if resp, _ := tg.post(t, "/bookmarks/add", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with token: %d", resp.StatusCode)
	}
	if _, body := tg.get(t, "/"); !strings.Contains(body, keyPath(u)) {
		t.Fatal("the bookmark is not on the start page")
	}
}

// TestFetchAndProgress: a slow fetch shows the progress page (blocks found
// of needed, reloading itself), then the document with the content CSP.
func TestFetchAndProgress(t *testing.T) {
	be := newFake()
	u := mustCHK(t, "hello")
	be.add(u, doc{data: []byte("hello, world"), ctype: "text/plain"})
	be.gate = make(chan struct{})
	tg := newTestGateway(t, be, func(c *Config) { c.ProgressAfter = 10 * time.Millisecond })
	resp, body := tg.get(t, keyPath(u))
	if resp.StatusCode != 200 || !strings.Contains(body, "2 of 5 blocks found") || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("progress page: %d %q", resp.StatusCode, body)
	}
	close(be.gate)
	<-tg.g.job("get:" + u.String()).done
	resp, body = tg.get(t, keyPath(u))
	if resp.StatusCode != 200 || body != "hello, world" {
		t.Fatalf("document: %d %q", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != cspContent {
		t.Fatalf("CSP %q", csp)
	}
}

// TestFetchFailureInWords: not found says so, with fred's code.
func TestFetchFailureInWords(t *testing.T) {
	be := newFake()
	tg := newTestGateway(t, be, nil)
	u := mustCHK(t, "nowhere")
	resp, body := tg.get(t, keyPath(u))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "no node it reached had the data") || !strings.Contains(body, "Code 13") {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	// A reload tries again.
	be.add(u, doc{data: []byte("found later"), ctype: "text/plain"})
	if resp, body := tg.get(t, keyPath(u)); resp.StatusCode != 200 || body != "found later" {
		t.Fatalf("reload: %d %q", resp.StatusCode, body)
	}
	resp, body = tg.get(t, "/CHK@nonsense")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Code 20") {
		t.Fatalf("bad key: %d %q", resp.StatusCode, body)
	}
}

// TestUnknownTypeDownload: a type the filter cannot check is offered as a
// download behind a warning, and only downloaded on request.
func TestUnknownTypeDownload(t *testing.T) {
	be := newFake()
	u := mustCHK(t, "pdf")
	u.Meta = []string{"paper.pdf"}
	be.add(u, doc{data: []byte("%PDF-1.4 …"), ctype: "application/pdf"})
	tg := newTestGateway(t, be, nil)
	resp, body := tg.get(t, keyPath(u))
	if resp.StatusCode != 200 || !strings.Contains(body, "not shown in the browser") || strings.Contains(body, "%PDF") {
		t.Fatalf("warning: %d %q", resp.StatusCode, body)
	}
	resp, body = tg.get(t, keyPath(u)+"?download=1")
	if body != "%PDF-1.4 …" || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename=paper.pdf`) {
		t.Fatalf("download: %v %q", resp.Header, body)
	}
}

// TestUSKRedirects: an old edition redirects to the newest known, a
// negative one too; an unknown USK is looked for first.
func TestUSKRedirects(t *testing.T) {
	be := newFake()
	site := testUSK(t, "site", 3)
	page := site
	page.Meta = []string{"a.html"}
	be.add(page, doc{data: []byte("<p>three</p>"), ctype: "text/html"})
	tg := newTestGateway(t, be, nil)
	old := page.WithEdition(1)
	resp, _ := tg.get(t, keyPath(old))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != keyPath(page) {
		t.Fatalf("old edition: %d → %q, want %q", resp.StatusCode, resp.Header.Get("Location"), keyPath(page))
	}
	resp, _ = tg.get(t, keyPath(page.WithEdition(-1)))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != keyPath(page) {
		t.Fatalf("-1: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	other := testUSK(t, "other-site", -2)
	resp, body := tg.get(t, keyPath(other))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Code 13") {
		t.Fatalf("unknown USK: %d %q", resp.StatusCode, body)
	}
}

// TestDefaultDocumentSlash: a site's root without "/" gets one, so that
// its relative links resolve inside the site.
func TestDefaultDocumentSlash(t *testing.T) {
	be := newFake()
	site := testUSK(t, "site", 0)
	be.add(site, doc{data: []byte("<p>root</p>"), ctype: "text/html", dflt: true})
	tg := newTestGateway(t, be, nil)
	resp, _ := tg.get(t, keyPath(site))
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != keyPath(site)+"/" {
		t.Fatalf("%d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestPublishSite: a folder upload becomes a site under a key the gateway
// makes and keeps; the next upload is the next edition.
func TestPublishSite(t *testing.T) {
	be := newFake()
	tg := newTestGateway(t, be, nil)
	publish := func(files map[string]string) string {
		tok := tg.token(t, "/publish")
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("site", "blog")
		for name, data := range files {
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + name + `"`}
			h["Content-Type"] = []string{"application/octet-stream"}
			p, _ := mw.CreatePart(h)
			p.Write([]byte(data))
		}
		mw.Close()
		req, _ := http.NewRequest("POST", tg.srv.URL+"/publish/site?token="+url.QueryEscape(tok), &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, body := tg.do(t, req)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d %q", resp.StatusCode, body)
		}
		_, body = tg.get(t, resp.Header.Get("Location"))
		if !strings.Contains(body, "Done.") {
			t.Fatalf("job page: %q", body)
		}
		return body
	}
	body := publish(map[string]string{"blog/index.html": "<p>hi</p>", "blog/img/a.png": "png", "blog/sub/page.html": "<p>sub</p>"})
	if !strings.Contains(body, "/blog/0/") {
		t.Fatalf("first edition: %q", body)
	}
	names := map[string]string{}
	for _, e := range be.dirs[0] {
		names[e.Name] = e.ContentType
	}
	if len(names) != 3 || names["index.html"] != "text/html" || names["img/a.png"] != "image/png" || names["sub/page.html"] != "text/html" {
		t.Fatalf("entries %v", names)
	}
	body = publish(map[string]string{"blog/index.html": "<p>again</p>"})
	if !strings.Contains(body, "/blog/1/") {
		t.Fatalf("second edition: %q", body)
	}
	fi, err := os.Stat(filepath.Join(tg.g.cfg.StateDir, "sites.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sites.json: %v %v", fi, err)
	}
	// A folder without index.html is refused with the reason.
	tok := tg.token(t, "/publish")
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("site", "blog")
	p, _ := mw.CreateFormFile("files", "x/readme.txt")
	p.Write([]byte("x"))
	mw.Close()
	req, _ := http.NewRequest("POST", tg.srv.URL+"/publish/site?token="+url.QueryEscape(tok), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, body := tg.do(t, req); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no index.html") {
		t.Fatalf("no index: %d %q", resp.StatusCode, body)
	}
}

// TestBookmarkNewEdition: a bookmarked USK shows "new edition" once a
// newer one is known, until the person opens it.
func TestBookmarkNewEdition(t *testing.T) {
	be := newFake()
	site := testUSK(t, "site", 2)
	site.Meta = []string{""}
	be.add(site, doc{data: []byte("<p>two</p>"), ctype: "text/html"})
	tg := newTestGateway(t, be, nil)
	form := url.Values{"uri": {site.String()}, "name": {"My site"}, "token": {tg.token(t, "/")}}
	if resp, body := tg.post(t, "/bookmarks/add", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if _, body := tg.get(t, "/"); !strings.Contains(body, "My site") || strings.Contains(body, `class="new"`) {
		t.Fatalf("start page: %q", body)
	}
	next := site.WithEdition(3)
	be.add(next, doc{data: []byte("<p>three</p>"), ctype: "text/html"})
	if _, body := tg.get(t, "/"); !strings.Contains(body, "new edition 3") {
		t.Fatalf("no new edition: %q", body)
	}
	if resp, body := tg.get(t, keyPath(next)); resp.StatusCode != 200 || !strings.Contains(body, "three") {
		t.Fatalf("open: %d %q", resp.StatusCode, body)
	}
	if _, body := tg.get(t, "/"); strings.Contains(body, `class="new"`) {
		t.Fatalf("still new after opening: %q", body)
	}
	// The bookmarks survive a restart.
	marks, err := openBookmarks(filepath.Join(tg.g.cfg.StateDir, "bookmarks.json"))
	if err != nil || len(marks.all()) != 1 || marks.all()[0].Seen != 3 {
		t.Fatalf("reopened: %+v %v", marks.all(), err)
	}
}

// TestEditionNote: a USK page carries the edition note frame, which says
// when a newer edition is known.
func TestEditionNote(t *testing.T) {
	be := newFake()
	site := testUSK(t, "site", 0)
	site.Meta = []string{"index.html"}
	be.add(site, doc{data: []byte("<html><body><p>zero</p></body></html>"), ctype: "text/html"})
	tg := newTestGateway(t, be, nil)
	_, body := tg.get(t, keyPath(site))
	if !strings.Contains(body, `<iframe class="hams-edition-note" src="/edition-note?key=`) {
		t.Fatalf("no note: %q", body)
	}
	note := "/edition-note?key=" + url.QueryEscape(site.String())
	if _, body := tg.get(t, note); !strings.Contains(body, "edition 0") || strings.Contains(body, "A newer edition") {
		t.Fatalf("note: %q", body)
	}
	be.add(site.WithEdition(1), doc{data: []byte("<p>one</p>"), ctype: "text/html"})
	if _, body := tg.get(t, note); !strings.Contains(body, "A newer edition of this site is here") {
		t.Fatalf("note after: %q", body)
	}
}

// TestExternalWarning: the page links to elsewhere lead to.
func TestExternalWarning(t *testing.T) {
	tg := newTestGateway(t, newFake(), nil)
	_, body := tg.get(t, "/external?url="+url.QueryEscape("http://example.com/x"))
	if !strings.Contains(body, "This link leaves hams") || !strings.Contains(body, "http://example.com/x") {
		t.Fatalf("%q", body)
	}
}

// TestCloseLeavesNoGoroutine: Close ends the janitor, the bookmark checker
// and running fetches.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	be := newFake()
	be.gate = make(chan struct{}) // a fetch that never ends by itself
	u := mustCHK(t, "slow")
	g, err := New(Config{Backend: be, StateDir: t.TempDir(), ProgressAfter: time.Millisecond, BookmarkCheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.startJob("get:"+u.String(), "x", func(ctx context.Context, j *job) error { return g.fetch(ctx, j, u) }); err != nil {
		t.Fatal(err)
	}
	g.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
}

// TestInjectBanner: the note goes at the start of the body, or after the
// charset the filter writes when there is no body tag.
func TestInjectBanner(t *testing.T) {
	for in, want := range map[string]string{
		`<!DOCTYPE html><meta charset="utf-8"><html><body class="x"><p>a</p></body></html>`: `<!DOCTYPE html><meta charset="utf-8"><html><body class="x">NOTE<p>a</p></body></html>`,
		`<meta charset="utf-8"><p>a</p>`: `<meta charset="utf-8">NOTE<p>a</p>`,
		`<p>a</p>`:                       `NOTE<p>a</p>`,
	} {
		if got := string(injectBanner([]byte(in), []byte("NOTE"))); got != want {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
	}
}

// TestWatchArrivalGap: a burst of arrivals while a USK is watched makes no
// burst of looks: the first arrival waits out ArrivalGap (an hour here),
// the rest find nobody waiting; a local insert of the USK still wakes the
// watch at once, for exactly one more look.
func TestWatchArrivalGap(t *testing.T) {
	f := newFake()
	tg := newTestGateway(t, f, func(c *Config) { c.ArrivalGap = time.Hour; c.PollEvery = time.Hour })
	u, _ := keys.Parse("USK@" + strings.Repeat("a", 43) + "," + strings.Repeat("b", 43) + ",AQACAAE/site/0")
	f.add(u, doc{data: []byte("<p>hi</p>"), ctype: "text/html"})
	tg.g.watch(u)
	waitState := func(latest int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if l, w := f.state(u); l >= latest && w == 1 {
				return
			}
			if time.Now().After(deadline) {
				l, w := f.state(u)
				t.Fatalf("LatestEdition calls %d, watches %d; want %d and 1", l, w, latest)
			}
		}
	}
	waitState(1)   // the first look, then waiting
	for range 50 { // spread out, so that without the gap each would find the watch waiting
		f.arrive()
		time.Sleep(2 * time.Millisecond)
	}
	f.wake(u)
	waitState(2)
	if l, _ := f.state(u); l != 2 {
		t.Fatalf("%d looks after 50 arrivals and a local insert, want 2", l)
	}
}
