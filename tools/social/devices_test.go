package social

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTwoDevices: one identity on two front-ends (the second imported the
// first's export) posting at the same moment loses nothing: the device
// that finds its edition taken takes in the other's, merges and publishes
// after it; a reader of the feed sees every post, and the second device is
// told the first is active. Both front-ends use one node here;
// TestTwoDevicesTwoNodes uses two.
func TestTwoDevices(t *testing.T) {
	nodes := startNodes(t, 1)
	friend := startApp(t, nodes[0].FCPAddr(), nil)
	friendURI := friend.createIdentity("Friend")
	friendKey, _ := feedKey(friendURI)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	uri := a.createIdentity("Two Phones هاتفان")
	a.mustPost("/post", map[string]string{"text": "before the second phone"})
	a.mustPost("/follow", map[string]string{"uri": friendURI})
	a.waitPublished(10 * time.Second)
	_, _, exported := a.post("/identity/export", map[string]string{"passphrase": testPassphrase})
	b := startApp(t, nodes[0].FCPAddr(), nil)
	b.mustPost("/identity/import", map[string]string{"passphrase": testPassphrase}, file{"file", "id.json", []byte(exported)})
	// The second phone unfollows what the first followed; the first likes
	// nothing: the three-way merge must keep the unfollow.
	b.waitFor("/people", "Friend", 10*time.Second)
	b.mustPost("/unfollow", map[string]string{"uri": friendKey})
	b.waitPublished(10 * time.Second)

	var wg sync.WaitGroup
	for _, dev := range []*testApp{a, b} {
		name := "A"
		if dev == b {
			name = "B"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				dev.mustPost("/post", map[string]string{"text": fmt.Sprintf("from phone %s, %d", name, i)})
			}
		}()
	}
	wg.Wait()
	a.waitPublished(30 * time.Second)
	b.waitPublished(30 * time.Second)
	// Whichever published last merged the other's posts in; the one that
	// published first takes the merge in at its next publish.
	a.mustPost("/post", map[string]string{"text": "last word"})
	a.waitPublished(30 * time.Second)

	r := startApp(t, nodes[0].FCPAddr(), nil)
	r.createIdentity("Reader")
	r.mustPost("/follow", map[string]string{"uri": uri})
	want := []string{"before the second phone", "last word"}
	for i := range 3 {
		want = append(want, fmt.Sprintf("from phone A, %d", i), fmt.Sprintf("from phone B, %d", i))
	}
	body := r.waitFor("/", "last word", 30*time.Second)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the reader does not see %q", w)
		}
	}
	a.app.mu.Lock()
	follows, other := len(a.app.own.Follows), a.app.status.OtherDevice
	a.app.mu.Unlock()
	if follows != 0 {
		t.Errorf("the merge lost the second phone's unfollow: %d follows", follows)
	}
	if other.IsZero() {
		t.Error("the first phone was not told that another device is active")
	}
	if _, body := a.get("/"); !strings.Contains(body, "Another device of yours published your feed") {
		t.Error("the page does not say that another device is active")
	}
}

// TestTwoDevicesTwoNodes: one identity on two front-ends that use two
// different nodes of a network, posting at the same moment, loses
// nothing: the two publishes of one edition collide in the network
// (docs/routing.md, Collisions), the device told of it merges and
// publishes after the other, and a reader on a third node sees every post
// of both.
func TestTwoDevicesTwoNodes(t *testing.T) {
	nodes := startNodes(t, 4)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	uri := a.createIdentity("Two Phones هاتفان")
	a.mustPost("/post", map[string]string{"text": "before the second phone"})
	a.waitPublished(10 * time.Second)
	_, _, exported := a.post("/identity/export", map[string]string{"passphrase": testPassphrase})
	b := startApp(t, nodes[2].FCPAddr(), nil)
	b.mustPost("/identity/import", map[string]string{"passphrase": testPassphrase}, file{"file", "id.json", []byte(exported)})
	b.waitFor("/", "before the second phone", 30*time.Second)

	const rounds = 3
	var wg sync.WaitGroup
	for _, dev := range []*testApp{a, b} {
		name := "A"
		if dev == b {
			name = "B"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				dev.mustPost("/post", map[string]string{"text": fmt.Sprintf("from phone %s, %d", name, i)})
				dev.waitPublished(30 * time.Second)
			}
		}()
	}
	wg.Wait()

	r := startApp(t, nodes[1].FCPAddr(), nil)
	r.createIdentity("Reader")
	r.mustPost("/follow", map[string]string{"uri": uri})
	want := []string{"before the second phone"}
	for i := range rounds {
		want = append(want, fmt.Sprintf("from phone A, %d", i), fmt.Sprintf("from phone B, %d", i))
	}
	deadline := time.Now().Add(60 * time.Second)
	var missing []string
	for {
		_, body := r.get("/")
		missing = missing[:0]
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(missing) > 0 {
		a.app.mu.Lock()
		ae := a.app.own.Edition
		a.app.mu.Unlock()
		b.app.mu.Lock()
		be := b.app.own.Edition
		b.app.mu.Unlock()
		t.Fatalf("the reader on a third node does not see %q (phone A at edition %d, phone B at %d)", missing, ae, be)
	}
}
