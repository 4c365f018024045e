package social

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSearchPage: a followed person is found by their name spelt another
// way, a post by a word and by a hashtag in another spelling; the hashtag
// in the post is a link to its search; the page works in Arabic.
func TestSearchPage(t *testing.T) {
	nd := startNodes(t, 1)[0]
	a := startApp(t, nd.FCPAddr(), nil)
	b := startApp(t, nd.FCPAddr(), nil)
	uriA := a.createIdentity("فاطمة الزهراء")
	b.createIdentity("Émile")
	a.mustPost("/post", map[string]string{"text": "صباح الخير يا أصدقاء #غزة and #Books"})
	a.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriA})
	body := b.waitFor("/", "صباح الخير", 20*time.Second)

	// The hashtags in the timeline link to their search.
	for _, tag := range []string{"#غزة", "#Books"} {
		if want := `<a href="/search?q=` + url.QueryEscape(tag) + `">` + tag + `</a>`; !strings.Contains(body, want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
	if _, body := b.get("/"); !strings.Contains(body, `<a href="/search"`) {
		t.Error("no search link in the menu")
	}

	search := func(q string) string {
		t.Helper()
		code, body := b.get("/search?q=" + url.QueryEscape(q))
		if code != 200 {
			t.Fatalf("/search?q=%s: %d", q, code)
		}
		return body
	}
	// The person, by a name spelt with heh for taa marbuta, and typed halfway.
	for _, q := range []string{"فاطمه", "فاطمة الز", "الزهراء"} {
		body := search(q)
		if !strings.Contains(body, `<a class="author" href="/feed?k=`) || !strings.Contains(body, ">فاطمة الزهراء</a>") {
			t.Errorf("search %q does not find the person", q)
		}
	}
	// The post, by a word, and by its hashtag spelt another way.
	for _, q := range []string{"الخير", "#غزه", "غزه", "#books", "اصدقاء"} {
		if body := search(q); !strings.Contains(body, "صباح الخير يا أصدقاء") || !strings.Contains(body, `<div class="text" dir="auto" lang="ar">`) {
			t.Errorf("search %q does not find the post", q)
		}
	}
	// The person's own name, with the accent left out.
	if body := search("emile"); !strings.Contains(body, ">Émile</a>") {
		t.Error("search emile does not find Émile")
	}
	if body := search("nobody here"); !strings.Contains(body, "Nothing found") {
		t.Error("no message when nothing is found")
	}
	// The query stays in the box (escaped), which has a label.
	body = search(`<b>"x`)
	if !strings.Contains(body, `value="&lt;b&gt;&#34;x"`) || !strings.Contains(body, `<label for="q">`) {
		t.Error("the search box does not keep the query, or has no label")
	}
	b.lang = "ar"
	if body := search("فاطمه"); !strings.Contains(body, "ابحث عن أشخاص ومنشورات") || !strings.Contains(body, `dir="rtl"`) {
		t.Error("the search page is not in Arabic")
	}
	// Someone muted is not found, nor are their posts.
	b.mustPost("/mute", map[string]string{"uri": uriA, "on": "1"})
	for _, q := range []string{"فاطمه", "#غزه"} {
		if body := search(q); strings.Contains(body, "فاطمة الزهراء") || !strings.Contains(body, "لم نجد شيئًا") {
			t.Errorf("search %q finds a muted person", q)
		}
	}
}

// TestLinkifyHashtags: hashtags become links to the search; a '#' in a
// web address or inside a word does not.
func TestLinkifyHashtags(t *testing.T) {
	segs := linkify("قبل #وسم_جديد، see https://x.example/a#frag and a#b #Go.")
	var links []string
	for _, s := range segs {
		if s.Href != "" {
			links = append(links, s.Text+" "+s.Href)
		}
	}
	want := []string{"#وسم_جديد /search?q=" + url.QueryEscape("#وسم_جديد"), "https://x.example/a#frag https://x.example/a#frag", "#Go /search?q=%23Go"}
	if !slices.Equal(links, want) {
		t.Errorf("links %q, want %q", links, want)
	}
	var text strings.Builder
	for _, s := range segs {
		text.WriteString(s.Text)
	}
	if text.String() != "قبل #وسم_جديد، see https://x.example/a#frag and a#b #Go." {
		t.Errorf("text changed: %q", text.String())
	}
}

// TestSearchIndexRestart: the senders of notes are found by the name their
// note came with, and after a restart the index is built again from what
// is on disk: the person's own name and posts, and the note senders.
func TestSearchIndexRestart(t *testing.T) {
	nd := startNodes(t, 1)[0]
	dir := t.TempDir()
	ta := startApp(t, nd.FCPAddr(), func(c *Config) { c.Dir = dir })
	ta.createIdentity("Sam")
	ta.mustPost("/post", map[string]string{"text": "hello #World"})
	const stranger = "USK@strangerkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,BBBB,AQACAAE/hams-social/0"
	a := ta.app
	a.mu.Lock()
	a.notes.Notices = append(a.notes.Notices, notice{Type: "follow", From: stranger, Name: "نُور", Time: time.Now()})
	a.indexFeedLocked(stranger)
	err := a.saveNotesLocked()
	a.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if _, body := ta.get("/search?q=" + url.QueryEscape("نور")); !strings.Contains(body, ">نُور</a>") {
		t.Error("the sender of a note is not found by name")
	}
	ta.waitPublished(10 * time.Second)
	a.Close() // one App per directory; the cleanup's second Close does nothing

	b, err := Open(Config{Dir: dir, FCPAddr: nd.FCPAddr(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(testPassphrase); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for q, want := range map[string]string{"#world": "post", "sam": "person", "نور": "person"} {
		hits, _ := b.idx.Search(q, 10, nil)
		if len(hits) != 1 || hits[0].Post != (want == "post") {
			t.Errorf("after a restart, %q finds %+v, want one %s", q, hits, want)
		}
	}
}
