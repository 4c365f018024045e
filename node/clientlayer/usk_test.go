package clientlayer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// uskPair returns a USK insert URI and its request URI, site "site" at
// edition 0.
func uskPair(t *testing.T, seed uint64) (keys.URI, keys.URI) {
	t.Helper()
	ins, _ := sskPair(t, seed)
	ins.Type, ins.Name, ins.Edition = keys.USK, "site", 0
	req, err := ins.RequestURI()
	if err != nil {
		t.Fatal(err)
	}
	return ins, req
}

func insertText(t *testing.T, c *Client, u keys.URI, text string) (keys.URI, error) {
	t.Helper()
	return c.Insert(context.Background(), strings.NewReader(text), InsertOptions{URI: u, ContentType: "text/plain"})
}

func fetchText(t *testing.T, c *Client, u keys.URI) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	_, err := c.Fetch(context.Background(), u, &buf, FetchOptions{})
	return buf.String(), err
}

// TestUSKInsertNextFree: an insert at an edition that exists goes to the
// next free one, as fred's USKInserter; the same content again stays at
// the edition that holds it.
func TestUSKInsertNextFree(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	ins, _ := uskPair(t, 41)
	for want := int64(0); want < 3; want++ {
		got, err := insertText(t, c, ins.WithEdition(0), "edition "+string(rune('a'+want)))
		if err != nil || got.Edition != want || got.IsInsert() {
			t.Fatalf("insert %d at the stored edition 0: %v, %v", want, got, err)
		}
	}
	// The same content as the newest: done at that edition, no new one.
	if got, err := insertText(t, c, ins.WithEdition(1), "edition c"); err != nil || got.Edition != 2 {
		t.Fatalf("insert of the newest edition's content: %v, %v; want edition 2", got, err)
	}
	// Another node (a fresh client over the same blocks) knows nothing
	// and finds the newest by looking.
	other := newClient(t, mem, Config{})
	got, err := insertText(t, other, ins.WithEdition(1), "from the laptop")
	if err != nil || got.Edition != 3 {
		t.Fatalf("insert from a node that knew nothing: %v, %v; want edition 3", got, err)
	}
	// GetCHKOnly stores nothing and names the next edition known free.
	before := mem.len()
	got, err = other.Insert(context.Background(), strings.NewReader("dry run"), InsertOptions{URI: ins.WithEdition(0), GetCHKOnly: true})
	if err != nil || got.Edition != 4 || mem.len() != before {
		t.Fatalf("GetCHKOnly insert: %v, %v, %d blocks stored; want edition 4, none", got, err, mem.len()-before)
	}
	// An edition past the newest is taken as asked.
	if got, err := insertText(t, c, ins.WithEdition(7), "seven"); err != nil || got.Edition != 7 {
		t.Fatalf("insert at a free edition: %v, %v; want 7", got, err)
	}
}

// collidingStore hides the blocks it holds from GetBlock, as a network
// whose nodes near the key hold an edition the inserter has not seen: only
// the insert meets it.
type collidingStore struct {
	*memStore
	hidden map[keys.RoutingKey]bool
}

func (s collidingStore) GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error) {
	if s.hidden[rk] {
		return nil, ErrBlockNotFound
	}
	return s.memStore.GetBlock(ctx, rk)
}

// TestUSKInsertCollisions: editions taken meanwhile by another device
// (seen only as collisions) move the insert on, one edition each.
func TestUSKInsertCollisions(t *testing.T) {
	mem := newMemStore()
	cs := collidingStore{mem, map[keys.RoutingKey]bool{}}
	other := newClient(t, mem, Config{})
	ins, req := uskPair(t, 42)
	// The other device took editions 0..12, unseen by fetches.
	for ed := int64(0); ed <= 12; ed++ {
		if _, err := insertText(t, other, ins.WithEdition(ed), "phone"); err != nil {
			t.Fatal(err)
		}
		s, _ := req.SSKForEdition(ed)
		rk, _ := keys.RoutingKeyOf(s)
		cs.hidden[rk] = true
	}
	c := newClient(t, cs, Config{})
	got, err := insertText(t, c, ins, "laptop")
	if err != nil || got.Edition != 13 {
		t.Fatalf("insert past 13 taken editions: %v, %v; want 13", got, err)
	}
	if back, err := fetchText(t, newClient(t, mem, Config{}), req.WithEdition(13)); err != nil || back != "laptop" {
		t.Fatalf("edition 13: %q, %v", back, err)
	}
}

// TestUSKNegativeEditions: -N is "edition N or later, the newest known",
// and -1 looks at edition 0 too.
func TestUSKNegativeEditions(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	ins, req := uskPair(t, 43)
	if _, err := insertText(t, c, ins, "zero"); err != nil {
		t.Fatal(err)
	}
	// Only edition 0 exists; a node that knows nothing finds it from -1.
	fresh := newClient(t, mem, Config{})
	if back, err := fetchText(t, fresh, req.WithEdition(-1)); err != nil || back != "zero" {
		t.Fatalf("-1 with only edition 0: %q, %v", back, err)
	}
	for _, text := range []string{"one", "two"} {
		if _, err := insertText(t, c, ins, text); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int64{-1, -2, -3, -10} {
		if back, err := fetchText(t, c, req.WithEdition(n)); err != nil || back != "two" {
			t.Fatalf("%d with newest 2: %q, %v", n, back, err)
		}
	}
}

// TestUSKOldEditionRedirects: a positive edition older than the newest
// known fails with code 27 and the newest edition's URI (meta-strings
// kept), as fred's; the SSK form fetches exactly the old edition.
func TestUSKOldEditionRedirects(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	ins, req := uskPair(t, 44)
	for _, text := range []string{"zero", "one", "two"} {
		if _, err := insertText(t, c, ins, text); err != nil {
			t.Fatal(err)
		}
	}
	old := req.WithEdition(1)
	old.Meta = []string{"a", "b"}
	_, err := fetchText(t, c, old)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Code != fcpwire.FetchPermanentRedirect {
		t.Fatalf("edition 1 with 2 known: %v, want code 27", err)
	}
	want := req.WithEdition(2)
	want.Meta = []string{"a", "b"}
	if !fe.Redirect.Equal(want) {
		t.Fatalf("redirect to %v, want %v", fe.Redirect, want)
	}
	s, _ := req.SSKForEdition(1)
	if back, err := fetchText(t, c, s); err != nil || back != "one" {
		t.Fatalf("the SSK form of edition 1: %q, %v", back, err)
	}
	// A node that has not seen edition 2 serves edition 1 and learns.
	fresh := newClient(t, mem, Config{})
	if back, err := fetchText(t, fresh, req.WithEdition(1)); err != nil || back != "one" {
		t.Fatalf("edition 1 on a node that knows no newer: %q, %v", back, err)
	}
	if n := fresh.KnownEdition(req); n != 1 {
		t.Fatalf("KnownEdition after fetching 1 = %d", n)
	}
}

// TestWatchEditionLocalInsert: a local insert wakes watchers of the USK
// at once, and only those of that USK.
func TestWatchEditionLocalInsert(t *testing.T) {
	c := newClient(t, newMemStore(), Config{})
	ins, req := uskPair(t, 45)
	_, otherReq := uskPair(t, 46)
	ch, stop := c.WatchEdition(req)
	defer stop()
	och, ostop := c.WatchEdition(otherReq)
	defer ostop()
	if _, err := insertText(t, c, ins, "new"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("the watcher was not woken by the insert")
	}
	select {
	case <-och:
		t.Fatal("a watcher of another USK was woken")
	default:
	}
	if n := c.KnownEdition(req); n != 0 {
		t.Fatalf("KnownEdition = %d", n)
	}
	// stop after the wake, then a new watch: the registry holds no watch
	// once everyone stopped.
	stop()
	ostop()
	c.eds.mu.Lock()
	n := len(c.eds.watches)
	c.eds.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d watches left after every watcher stopped", n)
	}
}

// TestTrailingSlashDefault: a URI ending in "/" (an empty meta-string)
// selects the manifest's default document, as fred's.
func TestTrailingSlashDefault(t *testing.T) {
	c := newClient(t, newMemStore(), Config{})
	ins, _ := uskPair(t, 47)
	files := map[string]string{"index.html": "<p>home</p>", "about.html": "<p>about</p>"}
	var entries []DirEntry
	for name, text := range files {
		entries = append(entries, DirEntry{Name: name, ContentType: "text/html",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }})
	}
	root, err := c.InsertDir(context.Background(), entries, "index.html", InsertOptions{URI: ins.WithEdition(3)})
	if err != nil || root.Edition != 3 {
		t.Fatalf("InsertDir: %v, %v", root, err)
	}
	for _, meta := range [][]string{nil, {""}} {
		u := root
		u.Meta = meta
		if back, err := fetchText(t, c, u); err != nil || back != files["index.html"] {
			t.Fatalf("%v: %q, %v", u, back, err)
		}
	}
	parsed, err := keys.Parse(root.String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	if back, err := fetchText(t, c, parsed); err != nil || back != files["index.html"] {
		t.Fatalf("%v: %q, %v", parsed, back, err)
	}
	u := root
	u.Meta = []string{"about.html", ""}
	if _, err := fetchText(t, c, u); !errors.Is(err, &FetchError{Code: fcpwire.FetchTooManyPathComponents}) {
		t.Fatalf("a trailing slash after a file: %v, want code %d", err, fcpwire.FetchTooManyPathComponents)
	}
	// DefaultDocument says which of these reached the default document
	// without a path naming it (the web gateway adds the "/").
	for _, tc := range []struct {
		meta []string
		dflt bool
	}{{nil, true}, {[]string{""}, false}, {[]string{"index.html"}, false}, {[]string{"about.html"}, false}} {
		u := root
		u.Meta = tc.meta
		res, err := c.Fetch(context.Background(), u, io.Discard, FetchOptions{})
		if err != nil || res.DefaultDocument != tc.dflt {
			t.Errorf("%q: DefaultDocument %v, %v; want %v", tc.meta, res.DefaultDocument, err, tc.dflt)
		}
	}
}
