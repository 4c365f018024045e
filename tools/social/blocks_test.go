package social

import (
	"strings"
	"testing"
	"time"
)

// waitGone waits until path no longer shows text.
func (ta *testApp) waitGone(path, text string, within time.Duration) {
	ta.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, body := ta.get(path); !strings.Contains(body, text) {
			return
		}
		if time.Now().After(deadline) {
			ta.t.Fatalf("%s still shows %q after %v", path, text, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBlockMute: a blocked person's reply disappears from the blocker's
// page and the block is published; a friend's block hides a stranger's
// reply from the people who follow that friend, but never someone they
// follow themselves; a mute hides quietly and is undone.
func TestBlockMute(t *testing.T) {
	nodes := startNodes(t, 1)
	fcp := nodes[0].FCPAddr()
	a, b, c, r := startApp(t, fcp, nil), startApp(t, fcp, nil), startApp(t, fcp, nil), startApp(t, fcp, nil)
	uriA, uriB, uriC := a.createIdentity("Amal"), b.createIdentity("Badr"), c.createIdentity("Troll")
	uriR := r.createIdentity("Reader")
	keyA, _ := feedKey(uriA)
	keyC, _ := feedKey(uriC)
	keyR, _ := feedKey(uriR)
	a.mustPost("/post", map[string]string{"text": "a post by Amal"})
	r.mustPost("/post", map[string]string{"text": "a post by the reader"})
	a.waitPublished(10 * time.Second)
	r.waitPublished(10 * time.Second)
	c.mustPost("/follow", map[string]string{"uri": uriA})
	c.mustPost("/follow", map[string]string{"uri": uriR})
	c.waitFor("/", "a post by the reader", 20*time.Second)
	c.waitFor("/", "a post by Amal", 20*time.Second)
	c.mustPost("/post", map[string]string{"text": "troll reply to Amal", "reply_feed": keyA, "reply_n": a.postNumbers()[0]})
	c.mustPost("/post", map[string]string{"text": "troll reply to the reader", "reply_feed": keyR, "reply_n": r.postNumbers()[0]})
	c.waitPublished(10 * time.Second)
	// A and R follow B, B follows C: C is a suggestion to both, and C's
	// replies to their posts show.
	b.mustPost("/follow", map[string]string{"uri": uriC})
	b.waitPublished(10 * time.Second)
	a.mustPost("/follow", map[string]string{"uri": uriB})
	r.mustPost("/follow", map[string]string{"uri": uriB})
	r.mustPost("/follow", map[string]string{"uri": uriA})
	a.waitFor("/", "troll reply to Amal", 30*time.Second)
	r.waitFor("/", "troll reply to the reader", 30*time.Second)
	r.waitFor("/notes", "Troll", 30*time.Second) // C's note: C is followed by B, whom R follows

	// A blocks C: gone from A's page, published in A's feed.
	a.mustPost("/block", map[string]string{"uri": keyC, "on": "1"})
	a.waitGone("/", "troll reply to Amal", 5*time.Second)
	if _, body := a.get("/people"); !strings.Contains(body, "Troll") || !strings.Contains(body, "Unblock") {
		t.Fatal("the people page does not list the block")
	}
	a.waitPublished(10 * time.Second)
	// R follows A, so A's block counts for R: C's reply to R goes too,
	// and C's notes.
	r.waitGone("/", "troll reply to the reader", 30*time.Second)
	r.waitGone("/notes", "Troll", 5*time.Second)
	// R's own follow wins over A's block.
	r.mustPost("/follow", map[string]string{"uri": uriC})
	r.waitFor("/", "troll reply to the reader", 30*time.Second)
	// A mute hides quietly, and is undone.
	r.mustPost("/mute", map[string]string{"uri": keyC, "on": "1"})
	r.waitGone("/", "troll reply to the reader", 5*time.Second)
	r.mustPost("/mute", map[string]string{"uri": keyC, "on": "0"})
	r.waitFor("/", "troll reply to the reader", 5*time.Second)
	r.app.mu.Lock()
	blocks := len(r.app.own.Blocks)
	r.app.mu.Unlock()
	if blocks != 0 {
		t.Fatal("a mute was published as a block")
	}
	a.app.mu.Lock()
	published := a.app.own.BaseBlocks
	a.app.mu.Unlock()
	if len(published) != 1 || published[0] != keyC {
		t.Fatalf("A's published blocks: %v", published)
	}
}
