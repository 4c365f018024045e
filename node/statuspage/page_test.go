package statuspage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixedSnapshot is a node with a peer of each kind, some history and Tor.
func fixedSnapshot() Snapshot {
	s := Snapshot{
		Version:  "0.1-test",
		Uptime:   26 * time.Hour,
		Network:  true,
		Location: 0.25,
		Peers: []Peer{
			{Location: 0.1, Kind: "darknet", Status: "connected", Since: t0.Add(-time.Hour)},
			{Location: 0.4, Kind: "opennet", Status: "connected", Since: t0.Add(-2 * time.Minute)},
			{Location: 0.6, Kind: "opennet", Status: "disconnected", Backoff: 30 * time.Second},
			{Location: 0.9, Kind: "seed", Status: "never connected"},
			{Location: 0.95, Kind: "seed client", Status: "backed off", Backoff: 5 * time.Minute},
		},
		Swaps:       3,
		RecentSwaps: []Swap{{Time: t0.Add(-time.Hour), From: 0.5, To: 0.3}, {Time: t0.Add(-time.Minute), From: 0.3, To: 0.25, Relocated: true}},
		Store:       Region{Blocks: 10, Bytes: 10 << 15, Budget: 1 << 30, Evictions: 2},
		Cache:       Region{Blocks: 20, Bytes: 20 << 15, Budget: 1 << 29, Evictions: 7},
		Hits:        40, Misses: 60, Space: "ok",
		Running: 5, Local: 2, Queued: 1,
		ByHTL:        make([]HTLOutcomes, 19),
		LocalFetches: LocalResults{Success: 9, DataNotFound: 3, TimedOut: 1},
		LocalInserts: LocalResults{Success: 4, Collision: 1},
		OffersIn:     6, OffersOut: 8,
		BytesIn: 123456, BytesOut: 654321,
		Tor: Tor{State: "starting", Progress: 45, Summary: "Loading relay descriptors", Problem: "Connection refused <CONNECTREFUSED>", Attempts: 2},
	}
	s.ByHTL[18] = HTLOutcomes{RequestSuccess: 11, RequestFailure: 4, InsertSuccess: 2}
	s.ByHTL[17] = HTLOutcomes{RequestSuccess: 5, RequestFailure: 5, InsertFailure: 1}
	return s
}

// clockPage returns a Page over fixed snapshots whose counters grow with
// each call, and a clock the test moves.
func clockPage(cfg Config) (*Page, *time.Time) {
	now := t0
	n := uint64(0)
	cfg.Now = func() time.Time { return now }
	cfg.Snapshot = func() Snapshot {
		s := fixedSnapshot()
		n++
		s.ByHTL[18].RequestSuccess += 3 * n
		s.ByHTL[18].RequestFailure += n
		s.BytesIn += 1000 * n
		s.BytesOut += 2000 * n
		return s
	}
	return New(cfg), &now
}

func get(t *testing.T, h http.HandlerFunc, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest(http.MethodGet, path, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, w.Code, w.Body)
	}
	return w
}

// TestStatusPage: the page parses as HTML, holds its plots as SVG with a
// title and a description, no script, no event handler, no style
// attribute and no external resource, and shows the snapshot's figures.
func TestStatusPage(t *testing.T) {
	p, now := clockPage(Config{})
	start := *now
	for i := range 200 {
		*now = start.Add(time.Duration(i) * 10 * time.Second)
		p.Sample(*now)
	}
	*now = now.Add(10 * time.Second)
	w := get(t, p.ServeStatus, "/status")
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := w.Body.String()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var svgs, stylesheets, polylines int
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "img", "foreignObject", "foreignobject":
				t.Errorf("element <%s> on the page", n.Data)
			case "svg":
				svgs++
				var title, desc bool
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					title = title || (c.Type == html.ElementNode && c.Data == "title" && c.FirstChild != nil)
					desc = desc || (c.Type == html.ElementNode && c.Data == "desc" && c.FirstChild != nil)
				}
				if !title || !desc {
					t.Errorf("an SVG without a title or a description")
				}
			case "polyline":
				polylines++
			case "link":
				stylesheets++
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(k, "on"):
					t.Errorf("<%s %s=%q>: an event handler", n.Data, a.Key, a.Val)
				case k == "style":
					t.Errorf("<%s style=%q>: an inline style", n.Data, a.Val)
				case k == "href" || k == "src" || k == "action" || k == "xlink:href" || k == "srcset" || k == "formaction":
					if !strings.HasPrefix(a.Val, "/") && !strings.HasPrefix(a.Val, "#") || strings.HasPrefix(a.Val, "//") {
						t.Errorf("<%s %s=%q>: not a link to the gateway", n.Data, a.Key, a.Val)
					}
				case k == "xmlns" && a.Val != "http://www.w3.org/2000/svg":
					t.Errorf("xmlns %q", a.Val)
				}
				if strings.Contains(strings.ToLower(a.Val), "javascript:") || strings.Contains(a.Val, "url(") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if svgs != 5 {
		t.Errorf("%d SVGs, want 5 (the circle, success and bandwidth over an hour and a day)", svgs)
	}
	if polylines == 0 {
		t.Error("no line drawn from 200 samples")
	}
	if stylesheets != 1 || !strings.Contains(body, `<link rel="stylesheet" href="/static/status.css">`) {
		t.Errorf("the style sheet is not linked once")
	}
	for _, want := range []string{
		"0.250000",    // the node's location
		"0.950000",    // a peer's
		"seed client", // a kind
		"backed off",  // a state
		"5 min",       // its backoff
		" ago",        // a link's age
		"relocation",  // a move
		"Connection refused &lt;CONNECTREFUSED&gt;", // Tor's problem, escaped
		"45%", // Tor's progress
		"40 found, 60 missed (40.0% found)",
		"0.1-test",
		"no peer identity",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestStatusPageEmpty: a node without a network and without history
// renders too.
func TestStatusPageEmpty(t *testing.T) {
	p := New(Config{Snapshot: func() Snapshot { return Snapshot{} }, Now: func() time.Time { return t0 }})
	body := get(t, p.ServeStatus, "/status").Body.String()
	if _, err := html.Parse(strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"runs no network", "No peers.", "no data yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="tor"`) {
		t.Error("a Tor section without Tor")
	}
}

// TestHistoryBounded: the rings keep at most their length, however many
// samples come, and sampling allocates nothing.
func TestHistoryBounded(t *testing.T) {
	p, now := clockPage(Config{FineLen: 7, CoarseLen: 3})
	for range 5000 {
		*now = now.Add(10 * time.Second)
		p.Sample(*now)
	}
	if n := len(p.fine.all()); n != 7 || len(p.fine.buf) != 7 {
		t.Fatalf("fine: %d samples, %d slots", n, len(p.fine.buf))
	}
	if n := len(p.coarse.all()); n != 3 || len(p.coarse.buf) != 3 {
		t.Fatalf("coarse: %d samples, %d slots", n, len(p.coarse.buf))
	}
	all := p.fine.all()
	for i := 1; i < len(all); i++ {
		if all[i].t.Sub(all[i-1].t) != 10*time.Second {
			t.Fatalf("fine samples out of order: %v then %v", all[i-1].t, all[i].t)
		}
	}
	if !all[len(all)-1].t.Equal(*now) {
		t.Fatalf("newest fine sample at %v, want %v", all[len(all)-1].t, *now)
	}
	allocs := testing.AllocsPerRun(100, func() {
		*now = now.Add(10 * time.Second)
		p.Sample(*now)
	})
	// The test's snapshot allocates (its slices); the page nothing more.
	own := testing.AllocsPerRun(100, func() { p.cfg.Snapshot() })
	if allocs > own {
		t.Fatalf("%v allocations a sample, %v of them the snapshot's", allocs, own)
	}
}

// TestRing: a sample comes only when due; a clock that goes back starts
// the ring again.
func TestRing(t *testing.T) {
	r := newRing(time.Minute, 3)
	for i, s := range []int{0, 30, 60, 61, 120, 180, 240} {
		r.add(sample{t: t0.Add(time.Duration(s) * time.Second), success: uint64(i)})
	}
	var got []uint64
	for _, s := range r.all() {
		got = append(got, s.success)
	}
	if len(got) != 3 || got[0] != 4 || got[1] != 5 || got[2] != 6 {
		t.Fatalf("kept %v, want [4 5 6]", got)
	}
	r.add(sample{t: t0, success: 9})
	if all := r.all(); len(all) != 1 || all[0].success != 9 {
		t.Fatalf("after the clock went back: %+v", all)
	}
}

// TestSuccessPoints: the plotted success is the share of an interval's
// ends, with gaps where nothing ended or samples are missing.
func TestSuccessPoints(t *testing.T) {
	ss := []sample{
		{t: t0, success: 0, failure: 0},
		{t: t0.Add(time.Minute), success: 3, failure: 1},
		{t: t0.Add(2 * time.Minute), success: 3, failure: 1}, // nothing ended
		{t: t0.Add(3 * time.Minute), success: 4, failure: 2},
		{t: t0.Add(30 * time.Minute), success: 5, failure: 2}, // samples missing
	}
	pts := successPoints(ss, time.Minute)
	if len(pts) != 2 || pts[0].v != 0.75 || !pts[0].gap || pts[1].v != 0.5 || !pts[1].gap {
		t.Fatalf("points %+v", pts)
	}
	if m, ok := meanSuccess(ss, t0); !ok || m != 5.0/7 {
		t.Fatalf("mean %v %v", m, ok)
	}
}
