package social

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNotesAndMessages: B, whom A does not follow, follows A, replies to
// A's post, mentions and likes it: A is told of each, under requests. A
// accepts, follows B back and replies: B, who follows A, is told at once.
// A private message goes from A to B and back; its text is in no node's
// datastore.
func TestNotesAndMessages(t *testing.T) {
	nodes := startNodes(t, 1)
	fcp := nodes[0].FCPAddr()
	fast := func(c *Config) { c.InboxPoll = 100 * time.Millisecond }
	a, b := startApp(t, fcp, fast), startApp(t, fcp, fast)
	uriA := a.createIdentity("Amal أمل")
	uriB := b.createIdentity("Badr")
	keyA, _ := feedKey(uriA)
	keyB, _ := feedKey(uriB)
	a.mustPost("/post", map[string]string{"text": "does anyone read this?"})
	a.waitPublished(10 * time.Second)

	b.mustPost("/follow", map[string]string{"uri": uriA})
	b.waitFor("/", "does anyone read this?", 20*time.Second)
	nA := a.postNumbers()[0]
	b.mustPost("/post", map[string]string{"text": "I do, @Amalأمل", "reply_feed": keyA, "reply_n": nA})
	b.mustPost("/like", map[string]string{"feed": keyA, "n": nA, "on": "1"})
	b.waitPublished(10 * time.Second)

	t0 := time.Now()
	body := a.waitFor("/notes", "replied to your post.", 30*time.Second)
	t.Logf("A told of a stranger's reply %v after it was published", time.Since(t0).Round(time.Millisecond))
	for _, want := range []string{"Requests (", "liked your post.", "follows you.", "Badr"} {
		body = a.waitFor("/notes", want, 20*time.Second)
	}
	if strings.Contains(body, "mentioned you.") {
		t.Fatal("a mention inside a reply to the same person is one note, the reply")
	}
	// A accepts B and follows back, then replies to B's reply: B is told.
	a.mustPost("/accept", map[string]string{"k": keyB, "on": "1"})
	if _, body := a.get("/notes"); strings.Contains(body, "Requests (") {
		t.Fatal("accepted, still under requests")
	}
	a.mustPost("/follow", map[string]string{"uri": uriB})
	a.waitFor("/", "I do,", 20*time.Second)
	b.app.mu.Lock()
	nB := b.app.own.Posts[0].N
	b.app.mu.Unlock()
	a.mustPost("/post", map[string]string{"text": "welcome!", "reply_feed": keyB, "reply_n": strconv.FormatInt(nB, 10)})
	body = b.waitFor("/notes", "replied to your post.", 30*time.Second)
	if strings.Contains(body, "Requests (") {
		t.Fatal("a note from someone B follows waits under requests")
	}

	// A private message each way.
	const secret = "السر في الرسالة: meet at the old bridge at nine"
	a.mustPost("/message", map[string]string{"k": keyB, "text": secret})
	b.waitFor("/messages?with="+keyA, "meet at the old bridge at nine", 30*time.Second)
	b.mustPost("/message", map[string]string{"k": keyA, "text": "agreed"})
	a.waitFor("/messages?with="+keyB, "agreed", 30*time.Second)
	if _, body := a.get("/messages?with=" + keyB); !strings.Contains(body, "meet at the old bridge") {
		t.Fatal("A's own message is not in the conversation")
	}
	// Nowhere in the node's files: only the front-ends keep the text.
	dir := nodes[0].Dir()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, s := range []string{"old bridge", "agreed"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the message text %q", path, s)
			}
		}
		return nil
	})
}
