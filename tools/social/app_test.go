package social

import (
	"bytes"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPostAndTimeline: a person creates an identity, posts Arabic text with
// an image and markup, and sees it, escaped, in their timeline; the image
// is served from the cache; the edition is published.
func TestPostAndTimeline(t *testing.T) {
	nd := startNodes(t, 1)[0]
	ta := startApp(t, nd.FCPAddr(), nil)
	if _, body := ta.get("/"); !strings.Contains(body, `action="/identity"`) {
		t.Fatal("no welcome form without an identity")
	}
	ta.createIdentity("ليلى")
	text := "مرحبا <script>alert(1)</script> hello https://example.org/a?b=1&c=2."
	ta.mustPost("/post", map[string]string{"text": text}, file{"image", "red.png", pngImage(200, 0, 0)})
	_, body := ta.get("/")
	if strings.Contains(body, "<script>alert") {
		t.Fatal("post text not escaped")
	}
	for _, want := range []string{"مرحبا &lt;script&gt;alert(1)&lt;/script&gt;", `href="https://example.org/a?b=1&amp;c=2"`,
		`rel="noopener noreferrer nofollow"`, `dir="auto"`, "ليلى", `<img src="/img?u=CHK%40`} {
		if !strings.Contains(body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	// The image.
	i := strings.Index(body, `<img src="/img?u=`)
	src := html.UnescapeString(body[i+len(`<img src="`) : i+strings.Index(body[i:], `" alt`)])
	resp, err := ta.hc.Get(ta.base + src)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := png.Decode(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || img == nil {
		t.Fatalf("image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ta.waitPublished(10 * time.Second)
	ta.app.mu.Lock()
	ed, pending := ta.app.own.Edition, ta.app.own.Pending
	ta.app.mu.Unlock()
	if ed < 0 || pending {
		t.Fatalf("edition %d, pending %v", ed, pending)
	}
	// The identity file is private.
	fi, err := os.Stat(filepath.Join(ta.app.cfg.Dir, identityFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v %v", fi.Mode(), err)
	}
}

// TestBadInputKept: a post that is too long, an empty name or a wrong
// address gets a clear message and the form keeps what was typed.
func TestBadInputKept(t *testing.T) {
	nd := startNodes(t, 1)[0]
	ta := startApp(t, nd.FCPAddr(), nil)
	code, _, body := ta.post("/identity", map[string]string{"name": "  ", "bio": "نبذة محفوظة"})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "Enter a name") || !strings.Contains(body, "نبذة محفوظة") {
		t.Fatalf("empty name: %d %q", code, errorText(body))
	}
	ta.createIdentity("Sam")
	long := strings.Repeat("ب", 2001)
	code, _, body = ta.post("/post", map[string]string{"text": long})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "2001 characters, at most 2000") || !strings.Contains(body, long) {
		t.Fatalf("long post: %d %q", code, errorText(body))
	}
	ta.lang = "ar"
	code, _, body = ta.post("/follow", map[string]string{"uri": "CHK@nonsense"})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "هذا ليس عنوانًا") || !strings.Contains(body, `value="CHK@nonsense"`) {
		t.Fatalf("bad address: %d %q", code, errorText(body))
	}
	code, _, body = ta.post("/post", map[string]string{"text": "x"}, file{"image", "a.txt", []byte("not an image at all")})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "JPEG") {
		t.Fatalf("not an image: %d %q", code, errorText(body))
	}
}

// TestForgery: forms from another origin, without the token, or with a
// token of another session are refused; a foreign Host is refused.
func TestForgery(t *testing.T) {
	nd := startNodes(t, 1)[0]
	ta := startApp(t, nd.FCPAddr(), nil)
	ta.createIdentity("Target")
	tok := ta.token()
	for _, c := range []struct {
		name    string
		headers map[string]string
		form    string
	}{
		{"no token", nil, "text=x"},
		{"wrong token", nil, "text=x&csrf=AAAA" + tok[4:]},
		{"other origin", map[string]string{"Origin": "http://evil.example"}, "text=x&csrf=" + tok},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, "text=x&csrf=" + tok},
		{"null origin", map[string]string{"Origin": "null"}, "text=x&csrf=" + tok},
	} {
		req, _ := http.NewRequest("POST", ta.base+"/post", strings.NewReader(c.form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		resp, err := ta.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", c.name, resp.StatusCode)
		}
	}
	// Without the session cookie (a cross-site request carries none).
	req, _ := http.NewRequest("POST", ta.base+"/post", strings.NewReader("text=x&csrf="+tok))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no cookie: %d", resp.StatusCode)
	}
	// DNS rebinding: a page on evil.example resolving to 127.0.0.1.
	req, _ = http.NewRequest("GET", ta.base+"/", nil)
	req.Host = "evil.example"
	resp, err = ta.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d", resp.StatusCode)
	}
	ta.app.mu.Lock()
	n := len(ta.app.own.Posts)
	ta.app.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d forged posts went through", n)
	}
	// The real form works.
	ta.mustPost("/post", map[string]string{"text": "genuine"})
}

// TestLanguage: Accept-Language and the switch choose the interface
// language; Arabic pages are right to left.
func TestLanguage(t *testing.T) {
	nd := startNodes(t, 1)[0]
	ta := startApp(t, nd.FCPAddr(), nil)
	ta.lang = "ar-EG,ar;q=0.9,en;q=0.5"
	if _, body := ta.get("/"); !strings.Contains(body, `<html lang="ar" dir="rtl">`) || !strings.Contains(body, "أهلًا بك في همس") {
		t.Fatal("Arabic not chosen from Accept-Language")
	}
	ta.lang = "de-DE,en;q=0.8"
	if _, body := ta.get("/"); !strings.Contains(body, `<html lang="en" dir="ltr">`) {
		t.Fatal("English not chosen")
	}
	code, loc, _ := ta.post("/lang", map[string]string{"lang": "ar", "back": "/people"})
	if code != http.StatusSeeOther || loc != "/people" {
		t.Fatalf("switch: %d %q", code, loc)
	}
	if _, body := ta.get("/people"); !strings.Contains(body, `dir="rtl"`) {
		t.Fatal("the switch did not stick")
	}
	if _, loc, _ := ta.post("/lang", map[string]string{"lang": "en", "back": "//evil.example/"}); loc != "/" {
		t.Fatalf("open redirect to %q", loc)
	}
	// Every text has both languages.
	for k, v := range catalog {
		if v[0] == "" || v[1] == "" || strings.Count(v[0], "%") != strings.Count(v[1], "%") {
			t.Errorf("catalog %q: %q / %q", k, v[0], v[1])
		}
	}
}

// TestFollowReplyLike: on three linked nodes, B follows A and sees A's
// posts and image, later posts arrive by the subscription, B replies and
// likes, A (following B) sees the reply threaded under the post and the
// like; a deleted post goes away at B.
func TestFollowReplyLike(t *testing.T) {
	nodes := startNodes(t, 3)
	a := startApp(t, nodes[0].FCPAddr(), func(c *Config) { c.UndoDelete = -1 }) // a deletion is published at once
	b := startApp(t, nodes[2].FCPAddr(), nil)
	uriA := a.createIdentity("أليس Alice")
	uriB := b.createIdentity("Bob")
	a.mustPost("/post", map[string]string{"text": "أول منشور first"}, file{"image", "p.png", pngImage(0, 0, 255)})
	a.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriA})
	body := b.waitFor("/", "أول منشور first", 20*time.Second)
	if !strings.Contains(body, "أليس Alice") {
		t.Fatal("no author name")
	}
	b.app.mu.Lock()
	var img string
	for _, f := range b.app.feeds {
		if len(f.Posts) > 0 && len(f.Posts[0].Images) > 0 {
			img = f.Posts[0].Images[0]
		}
	}
	b.app.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := b.app.cachedImage(img); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("A's image was not fetched at B")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.mustPost("/post", map[string]string{"text": "second ثانٍ"})
	b.waitFor("/", "second ثانٍ", 20*time.Second)

	// B replies to A's first post and likes it; A follows B and sees both.
	keyA, _ := feedKey(uriA)
	nA := a.postNumbers() // newest first: A's second post, then its first
	b.mustPost("/post", map[string]string{"text": "reply ردّ", "reply_feed": keyA, "reply_n": nA[1]})
	b.mustPost("/like", map[string]string{"feed": keyA, "n": nA[1], "on": "1"})
	a.mustPost("/follow", map[string]string{"uri": uriB})
	body = a.waitFor("/", "reply ردّ", 20*time.Second)
	a.waitFor("/", `aria-hidden="true">♥ 1<`, 20*time.Second)
	first := strings.Index(body, "أول منشور first")
	reply := strings.Index(body, "reply ردّ")
	replies := strings.Index(body[first:], `class="replies"`)
	if first < 0 || replies < 0 || first+replies > reply {
		t.Fatal("the reply is not threaded under the post")
	}
	// A deletes the second post; B stops showing it.
	a.mustPost("/delete", map[string]string{"n": nA[0]})
	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, body := b.get("/"); !strings.Contains(body, "second ثانٍ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deleted post is still shown at B")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// People: B sees A as followed; A's page lists its posts.
	if _, body := b.get("/people"); !strings.Contains(body, "أليس Alice") || !strings.Contains(body, `action="/unfollow"`) {
		t.Fatal("people page")
	}
	if _, body := b.get("/feed?k=" + url.QueryEscape(keyA)); !strings.Contains(body, "أول منشور first") {
		t.Fatalf("feed page: %s", body)
	}
}

// TestExportImport: the identity and the own feed move to another machine
// and posting goes on from there.
func TestExportImport(t *testing.T) {
	nodes := startNodes(t, 2)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	uri := a.createIdentity("Nomad")
	a.mustPost("/post", map[string]string{"text": "from the old machine"})
	a.waitPublished(10 * time.Second)
	code, _, exported := a.post("/identity/export", map[string]string{"passphrase": testPassphrase})
	if code != 200 || strings.Contains(exported, `"insert_uri"`) || !strings.Contains(exported, `"hams-social-sealed"`) {
		t.Fatalf("export: %d, not sealed:\n%s", code, exported)
	}
	// The old machine goes on posting after the export.
	a.mustPost("/post", map[string]string{"text": "after the export"})
	a.waitPublished(10 * time.Second)
	a2 := startApp(t, nodes[1].FCPAddr(), nil)
	code, _, body := a2.post("/identity/import", map[string]string{"passphrase": testPassphrase}, file{"file", "id.json", []byte(`{"format":"nope"}`)})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "not an identity file") {
		t.Fatalf("bad import: %d %q", code, errorText(body))
	}
	a2.mustPost("/identity/import", map[string]string{"passphrase": testPassphrase}, file{"file", "id.json", []byte(exported)})
	a2.waitFor("/", "from the old machine", 5*time.Second)
	// Before publishing, the new machine takes in what the old one
	// published after the export.
	a2.mustPost("/post", map[string]string{"text": "from the new machine"})
	a2.waitPublished(20 * time.Second)
	a2.waitFor("/", "after the export", 5*time.Second)
	a.app.mu.Lock()
	oldEd := a.app.own.Edition
	a.app.mu.Unlock()
	a2.app.mu.Lock()
	ed, req, dev, oldDev := a2.app.own.Edition, a2.app.id.Request, a2.app.own.Device, a.app.own.Device
	var ns []int64
	for _, p := range a2.app.own.Posts {
		ns = append(ns, p.N)
	}
	a2.app.mu.Unlock()
	// Three posts with distinct numbers: the new machine's is its own
	// device's (docs/social-inbox.md §8), the old machine's two are the
	// old device's. (Numbers order posts within a device, not across.)
	mine, old := 0, 0
	for _, n := range ns {
		switch n % deviceMod {
		case int64(dev):
			mine++
		case int64(oldDev):
			old++
		}
	}
	if req != uri || ed <= oldEd || len(ns) != 3 || dev == oldDev || mine != 1 || old != 2 {
		t.Fatalf("imported identity: %s, edition %d (old %d), devices %d and %d, posts %v", req, ed, oldEd, dev, oldDev, ns)
	}
	// A third person following the feed sees both posts.
	c := startApp(t, nodes[0].FCPAddr(), nil)
	c.createIdentity("Reader")
	c.mustPost("/follow", map[string]string{"uri": uri})
	body = c.waitFor("/", "from the new machine", 20*time.Second)
	if !strings.Contains(body, "from the old machine") || !strings.Contains(body, "after the export") {
		t.Fatal("an older post is missing")
	}
	if bytes.Contains([]byte(body), []byte("insert_uri")) {
		t.Fatal("the insert URI leaked into a page")
	}
}

// TestSuggestions: people followed by the people one follows are
// suggested, with the profile fetched from their feed; their replies to
// one's posts show in the timeline; they can be followed from the
// suggestion.
func TestSuggestions(t *testing.T) {
	nodes := startNodes(t, 3)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	b := startApp(t, nodes[1].FCPAddr(), nil)
	c := startApp(t, nodes[2].FCPAddr(), nil)
	uriA := a.createIdentity("Reader")
	uriB := b.createIdentity("Middle")
	uriC := c.createIdentity("Far Away بعيد")
	a.mustPost("/post", map[string]string{"text": "a question"})
	a.waitPublished(10 * time.Second)
	// C, whom A does not follow, follows A and answers A's post.
	c.mustPost("/follow", map[string]string{"uri": uriA})
	c.waitFor("/", "a question", 20*time.Second)
	keyA, _ := feedKey(uriA)
	c.mustPost("/post", map[string]string{"text": "an answer from afar", "reply_feed": keyA, "reply_n": a.postNumbers()[0]})
	c.mustPost("/post", map[string]string{"text": "from the far side"})
	c.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriC})
	b.waitPublished(10 * time.Second)
	a.mustPost("/follow", map[string]string{"uri": uriB})
	body := a.waitFor("/people", "Far Away بعيد", 20*time.Second)
	if !strings.Contains(body, `followed by <bdi dir="auto">Middle</bdi>`) {
		t.Fatal("the suggestion does not say who follows them (the name isolated)")
	}
	// Of a suggestion's posts, only its replies to A's posts show.
	body = a.waitFor("/", "an answer from afar", 20*time.Second)
	if strings.Contains(body, "from the far side") {
		t.Fatal("a suggestion's posts are in the timeline before following")
	}
	a.mustPost("/follow", map[string]string{"uri": uriC})
	a.waitFor("/", "from the far side", 20*time.Second)
}
