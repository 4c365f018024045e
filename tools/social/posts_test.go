package social

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
)

// fakeClock is a Config.Now that moves only when a test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ownEdition returns the last edition the App published.
func (ta *testApp) ownEdition() int64 {
	ta.app.mu.Lock()
	defer ta.app.mu.Unlock()
	return ta.app.own.Edition
}

// waitEdition waits until the App has published edition ed or later, and
// returns that edition as the node has it.
func (ta *testApp) waitEdition(ed int64, within time.Duration) *feed.Doc {
	ta.t.Helper()
	deadline := time.Now().Add(within)
	for ta.ownEdition() < ed {
		if time.Now().After(deadline) {
			ta.t.Fatalf("edition %d was not published in time", ed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ta.publishedDoc(ta.ownEdition())
}

// publishedDoc fetches edition ed of the App's own feed from its node.
func (ta *testApp) publishedDoc(ed int64) *feed.Doc {
	ta.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fc, err := ta.app.client(ctx)
	if err != nil {
		ta.t.Fatal(err)
	}
	ta.app.mu.Lock()
	me := ta.app.me
	ta.app.mu.Unlock()
	d, err := ta.app.fetchDoc(ctx, fc, me, ed)
	if err != nil {
		ta.t.Fatalf("edition %d: %v", ed, err)
	}
	return d
}

func docHasPost(d *feed.Doc, text string) bool {
	return slices.ContainsFunc(d.Posts, func(p feed.Post) bool { return p.Text == text })
}

// TestDeleteConfirmUndo: Delete asks first (the question changes
// nothing); a confirmed deletion leaves the page at once and publishes
// nothing; Undo inside the time brings the post back, still with nothing
// published; a deletion left alone is published once the time has passed
// (a new edition lists it in deleted), and Undo is then too late.
func TestDeleteConfirmUndo(t *testing.T) {
	nd := startNodes(t, 1)[0]
	clk := newClock()
	ta := startApp(t, nd.FCPAddr(), func(c *Config) { c.Now = clk.Now })
	ta.createIdentity("ليلى")
	ta.mustPost("/post", map[string]string{"text": "keep me"})
	ta.mustPost("/post", map[string]string{"text": "a post to delete"})
	ta.waitPublished(10 * time.Second)
	ed := ta.ownEdition()
	n := ta.postNumbers()[0]

	// The question: GET changes nothing.
	code, body := ta.get("/delete?n=" + n + "&back=" + url.QueryEscape("/"))
	if code != http.StatusOK || !strings.Contains(body, "a post to delete") || !strings.Contains(body, `action="/delete"`) ||
		!strings.Contains(body, "Keep it") || !strings.Contains(body, "within 2 minutes") {
		t.Fatalf("confirmation page: %d\n%s", code, body)
	}
	if len(ta.postNumbers()) != 2 {
		t.Fatal("the confirmation page deleted the post")
	}
	if _, body := ta.get("/"); !strings.Contains(body, `href="/delete?n=`+n+`&amp;back=%2f"`) {
		t.Fatalf("the post's Delete is not a link to the question:\n%s", body)
	}

	// Confirmed: gone from the page at once, Undo offered, nothing published.
	ta.mustPost("/delete", map[string]string{"n": n})
	_, body = ta.get("/")
	if i := strings.Index(body, `id="timeline"`); strings.Contains(body[i:], "a post to delete") {
		t.Fatal("the deleted post is still in the timeline")
	}
	if !strings.Contains(body, `action="/undo"`) || !strings.Contains(body, "Post deleted:") {
		t.Fatalf("no Undo in the status line:\n%s", body)
	}
	clk.Add(time.Minute)
	ta.app.settleDeletes()
	ta.app.mu.Lock()
	pending := ta.app.own.Pending
	ta.app.mu.Unlock()
	if got := ta.ownEdition(); got != ed || pending {
		t.Fatalf("a deletion inside the undo time is published or due: edition %d (was %d), pending %v", got, ed, pending)
	}

	// Undo: back, and still nothing published.
	ta.mustPost("/undo", map[string]string{"n": n})
	if _, body := ta.get("/"); !strings.Contains(body, "a post to delete") || strings.Contains(body, `action="/undo"`) {
		t.Fatal("Undo did not bring the post back")
	}
	ta.app.settleDeletes()
	ta.app.mu.Lock()
	deleted, undo, pending := slices.Clone(ta.app.own.Deleted), len(ta.app.own.Undo), ta.app.own.Pending
	ta.app.mu.Unlock()
	if got := ta.ownEdition(); got != ed || len(deleted) != 0 || undo != 0 || pending {
		t.Fatalf("after Undo: edition %d (was %d), deleted %v, %d to undo, pending %v", got, ed, deleted, undo, pending)
	}

	// A change inside the time publishes the post still: its deletion is
	// not out yet.
	ta.mustPost("/delete", map[string]string{"n": n})
	ta.mustPost("/post", map[string]string{"text": "a third post"})
	d := ta.waitEdition(ed+1, 10*time.Second)
	if !docHasPost(d, "a post to delete") || len(d.Deleted) != 0 || !docHasPost(d, "a third post") {
		t.Fatalf("an edition inside the undo time:\n%s", d)
	}

	// The time passes: the deletion is published.
	clk.Add(2*time.Minute + time.Second)
	ta.app.signal(ta.app.publish)
	d = ta.waitEdition(ed+2, 10*time.Second)
	if docHasPost(d, "a post to delete") || !slices.Contains(d.Deleted, mustInt(t, n)) || !docHasPost(d, "keep me") {
		t.Fatalf("the published deletion:\n%s", d)
	}
	code, _, body = ta.post("/undo", map[string]string{"n": n})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "too late") {
		t.Fatalf("Undo after the time: %d %s", code, errorText(body))
	}
}

func mustInt(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeleteSurvivesRestart: a deletion waiting for its undo time is in
// own.json; after a restart the post stays off the page and the deletion
// is published when the time has passed.
func TestDeleteSurvivesRestart(t *testing.T) {
	nd := startNodes(t, 1)[0]
	clk := newClock()
	dir := t.TempDir()
	ta := startApp(t, nd.FCPAddr(), func(c *Config) { c.Now, c.Dir = clk.Now, dir })
	ta.createIdentity("Sam")
	ta.mustPost("/post", map[string]string{"text": "deleted before a restart"})
	ta.waitPublished(10 * time.Second)
	ed := ta.ownEdition()
	n := mustInt(t, ta.postNumbers()[0])
	ta.mustPost("/delete", map[string]string{"n": ta.postNumbers()[0]})
	ta.app.Close()

	tb := startApp(t, nd.FCPAddr(), func(c *Config) { c.Now, c.Dir = clk.Now, dir })
	tb.mustPost("/unlock", map[string]string{"passphrase": testPassphrase})
	tb.app.mu.Lock()
	undo := slices.Clone(tb.app.own.Undo)
	tb.app.mu.Unlock()
	if len(undo) != 1 || undo[0].Post.N != n || !undo[0].At.Equal(clk.Now()) {
		t.Fatalf("after the restart, to undo: %+v", undo)
	}
	_, body := tb.get("/")
	if i := strings.Index(body, `id="timeline"`); strings.Contains(body[i:], "deleted before a restart") || !strings.Contains(body, `action="/undo"`) {
		t.Fatal("after the restart, the post is shown or Undo is not offered")
	}
	clk.Add(3 * time.Minute)
	tb.app.signal(tb.app.publish)
	d := tb.waitEdition(ed+1, 10*time.Second)
	if len(d.Posts) != 0 || !slices.Equal(d.Deleted, []int64{n}) {
		t.Fatalf("the deletion published after the restart:\n%s", d)
	}
}

// TestEditRoundTrip: an edited post keeps its number and is published
// with an edited time; a reader shows the new text, marked edited, behind
// its new content warning; a like of it still works; an older edition
// fetched later does not bring the old text back.
func TestEditRoundTrip(t *testing.T) {
	nodes := startNodes(t, 3)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	b := startApp(t, nodes[2].FCPAddr(), nil)
	uriA := a.createIdentity("عمر")
	b.createIdentity("Bob")
	a.mustPost("/post", map[string]string{"text": "the first version"})
	a.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriA})
	b.waitFor("/", "the first version", 20*time.Second)
	n := a.postNumbers()[0]

	code, body := a.get("/edit?n=" + n)
	if code != http.StatusOK || !strings.Contains(body, `action="/edit"`) || !strings.Contains(body, ">the first version</textarea>") {
		t.Fatalf("edit form: %d\n%s", code, body)
	}
	// Too long a warning: the form comes back with what was typed.
	code, _, body = a.post("/edit", map[string]string{"n": n, "text": "kept text", "warning": strings.Repeat("w", 101)})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "content warning is too long") || !strings.Contains(body, "kept text") {
		t.Fatalf("a bad edit: %d %s", code, errorText(body))
	}
	a.mustPost("/edit", map[string]string{"n": n, "text": "the second version", "warning": "حرق للأحداث"})
	if got := a.postNumbers()[0]; got != n {
		t.Fatalf("the edit renumbered the post: %s, was %s", got, n)
	}
	a.waitPublished(10 * time.Second)
	d := a.publishedDoc(a.ownEdition())
	if len(d.Posts) != 1 || d.Posts[0].Text != "the second version" || d.Posts[0].Warning != "حرق للأحداث" ||
		d.Posts[0].Edited.IsZero() || d.Posts[0].Edited.Before(d.Posts[0].Time) {
		t.Fatalf("the edited edition:\n%s", d)
	}

	body = b.waitFor("/", "the second version", 20*time.Second)
	if strings.Contains(body, "the first version") || !strings.Contains(body, `class="edited"`) ||
		!strings.Contains(body, `<details class="cw"><summary>Content warning: <bdi dir="auto" lang="ar">حرق للأحداث</bdi></summary>`) {
		t.Fatalf("the reader's page:\n%s", body)
	}
	b.lang = "ar"
	if _, body := b.get("/"); !strings.Contains(body, "عُدّل") {
		t.Fatal("no Arabic 'edited'")
	}
	keyA, _ := feedKey(uriA)
	b.mustPost("/like", map[string]string{"feed": keyA, "n": n, "on": "1"})

	// An older edition fetched later (history) keeps the newer edit.
	b.app.mu.Lock()
	f := b.app.feeds[keyA]
	copyEd := f.Posts[0].Edition
	b.app.mu.Unlock()
	old := &feed.Doc{Edition: copyEd - 1, Time: d.Posts[0].Time, Profile: feed.Profile{Name: "عمر"},
		Posts: []feed.Post{{N: mustInt(t, n), Time: d.Posts[0].Time, Text: "the first version"}}}
	b.app.mergeOlder(keyA, old, 0)
	b.app.mu.Lock()
	text := b.app.feeds[keyA].Posts[0].Text
	b.app.mu.Unlock()
	if text != "the second version" {
		t.Fatalf("an older edition undid the edit: %q", text)
	}
	// One newer than the copy (a gap filled) brings its version.
	newer := *old
	newer.Edition, newer.Posts = copyEd+1, []feed.Post{{N: mustInt(t, n), Time: d.Posts[0].Time, Text: "the third version"}}
	b.app.mergeOlder(keyA, &newer, 0)
	b.app.mu.Lock()
	text = b.app.feeds[keyA].Posts[0].Text
	b.app.mu.Unlock()
	if text != "the third version" {
		t.Fatalf("a newer edition's copy was not taken: %q", text)
	}
}

// TestEditMergeDevices: of two devices' edits of one post the later wins;
// a post deleted here within its undo time stays deleted when another
// device's edition lists it, and leaves the undo list when that edition
// deletes it too.
func TestEditMergeDevices(t *testing.T) {
	clk := newClock()
	a, err := Open(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:1", Logger: quiet(), Now: clk.Now, Retry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	t0 := clk.Now().Truncate(time.Second)
	mine := post{N: 1, Time: t0, Text: "mine, edited at 10:00", Edited: t0.Add(10 * time.Minute), Edition: 0}
	a.mu.Lock()
	a.own.Posts = []post{mine, {N: 2, Time: t0, Text: "second", Edition: 0}}
	a.own.Undo = []undoDelete{{Post: post{N: 3, Time: t0, Text: "deleted here", Edition: 0}, At: t0}}
	doc := func(ed int64, edited time.Duration, text string, deleted ...int64) *feed.Doc {
		d := &feed.Doc{Edition: ed, Time: t0.Add(time.Hour), Profile: feed.Profile{Name: "x"}, Deleted: deleted,
			Posts: []feed.Post{{N: 2, Time: t0, Text: "second"}, {N: 1, Time: t0, Text: text, Edited: t0.Add(edited)}}}
		if len(deleted) == 0 { // the other device has not deleted post 3
			d.Posts = append([]feed.Post{{N: 3, Time: t0, Text: "deleted here"}}, d.Posts...)
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a.mergeOwnLocked(doc(1, 5*time.Minute, "theirs, edited at 05:00"))
	got := a.own.Posts
	if len(got) != 2 || got[1].Text != "mine, edited at 10:00" || len(a.own.Undo) != 1 {
		t.Fatalf("an older edit from another device: %+v, to undo %+v", got, a.own.Undo)
	}
	a.mergeOwnLocked(doc(2, 20*time.Minute, "theirs, edited at 20:00", 3))
	got = a.own.Posts
	if len(got) != 2 || got[1].Text != "theirs, edited at 20:00" || !got[1].Edited.Equal(t0.Add(20*time.Minute)) || got[1].Edition != 0 ||
		len(a.own.Undo) != 0 || !slices.Equal(a.own.Deleted, []int64{3}) {
		t.Fatalf("a newer edit from another device: %+v, to undo %+v, deleted %v", got, a.own.Undo, a.own.Deleted)
	}
	a.mu.Unlock()
}

// TestContentWarning: a post with a content warning shows the warning as
// the summary of a closed <details>, its text only inside; search finds
// the text and shows it behind the warning too; a warning that is too
// long is refused with the form kept.
func TestContentWarning(t *testing.T) {
	nd := startNodes(t, 1)[0]
	ta := startApp(t, nd.FCPAddr(), nil)
	ta.createIdentity("Layla")
	code, _, body := ta.post("/post", map[string]string{"text": "kept post", "warning": strings.Repeat("ت", 101)})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "content warning is too long") || !strings.Contains(body, "kept post") {
		t.Fatalf("a too long warning: %d %s", code, errorText(body))
	}
	ta.mustPost("/post", map[string]string{"text": "the hero dies at the end", "warning": "  spoilers  "},
		file{"image", "p.png", pngImage(1, 2, 3)})
	ta.app.mu.Lock()
	me := ta.app.me
	ta.app.mu.Unlock()
	// The timeline, a search result (by a word of the text, and by the
	// warning), and the post one replies to (quoted by its warning).
	for _, path := range []string{"/", "/search?q=hero", "/search?q=spoilers", "/?reply=" + url.QueryEscape(me) + "&n=" + ta.postNumbers()[0]} {
		_, body := ta.get(path)
		start := strings.Index(body, `<details class="cw"><summary>Content warning: <bdi dir="auto" lang="en">spoilers</bdi></summary>`)
		end := strings.Index(body, "</details>")
		text := strings.Index(body, "the hero dies at the end")
		img := strings.Index(body, `<img src="/img?u=CHK`)
		if start < 0 || end < start || text < start || text > end || img < start || img > end ||
			strings.Count(body, "the hero dies at the end") != 1 || strings.Contains(body, "<details open") {
			t.Fatalf("%s: the text and image are not only inside a closed <details>:\n%s", path, body)
		}
		if strings.Contains(path, "reply") && !strings.Contains(body, `<blockquote dir="auto">Content warning: spoilers</blockquote>`) {
			t.Fatalf("the post replied to is not quoted by its warning:\n%s", body)
		}
	}
}

// TestEditNewMention: a person an edit mentions for the first time is told,
// as of a new post; one the post mentioned already is not told again.
func TestEditNewMention(t *testing.T) {
	nodes := startNodes(t, 1)
	fcp := nodes[0].FCPAddr()
	fast := func(c *Config) { c.InboxPoll = 100 * time.Millisecond }
	a, b, c := startApp(t, fcp, fast), startApp(t, fcp, fast), startApp(t, fcp, fast)
	a.createIdentity("Amal")
	uriB := b.createIdentity("Badr")
	uriC := c.createIdentity("Camil")
	a.mustPost("/follow", map[string]string{"uri": uriB})
	a.mustPost("/follow", map[string]string{"uri": uriC})
	a.waitFor("/people", "Camil", 20*time.Second)
	a.waitFor("/people", "Badr", 20*time.Second)
	a.mustPost("/post", map[string]string{"text": "hello @Camil"})
	a.waitPublished(10 * time.Second)
	c.waitFor("/notes", "mentioned you.", 30*time.Second)
	n := a.postNumbers()[0]
	a.mustPost("/edit", map[string]string{"n": n, "text": "hello @Camil and @Badr"})
	keyC, _ := feedKey(uriC)
	a.app.mu.Lock()
	for _, o := range a.app.notes.Outbox { // Camil's first note went out before the edit
		if o.To == keyC {
			t.Errorf("the edit queued a note to Camil, whom the post mentioned already: %+v", o)
		}
	}
	a.app.mu.Unlock()
	a.waitPublished(10 * time.Second)
	b.waitFor("/notes", "mentioned you.", 30*time.Second)
}
