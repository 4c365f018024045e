package social

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

// benchApp is an App (its node unreachable: rendering needs none) with an
// identity and follows feeds of posts each, a third of them replies, each
// feed liking some posts of the others: what the timeline is built from.
func benchApp(tb testing.TB, follows, posts int) *App {
	tb.Helper()
	app, err := Open(Config{Dir: tb.TempDir(), FCPAddr: "127.0.0.1:1", Logger: quiet(), Retry: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { app.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	newFeed := func() (insert, request string) {
		ins, req, err := keys.GenerateSSK(rand.NewChaCha8([32]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}))
		if err != nil {
			tb.Fatal(err)
		}
		i, _ := uskFromSSK(ins.String())
		r, _ := uskFromSSK(req.String())
		return i, r
	}
	ins, req := newFeed()
	me, _ := feedKey(req)
	app.mu.Lock() // the App's background work runs already
	defer app.mu.Unlock()
	app.id, app.me = &identity{Insert: ins, Request: req}, me
	app.own = &ownState{Edition: 3, NextN: 1, Profile: profile{Name: "Me"}}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var all []Ref
	var keysOf []string
	for i := range follows {
		_, r := newFeed()
		k, _ := feedKey(r)
		keysOf = append(keysOf, k)
		f := &feedCopy{URI: r, Edition: 7, Oldest: 0, Older: -1, Followed: true,
			Profile: profile{Name: fmt.Sprintf("شخص %d person", i), Bio: "نبذة"}}
		for n := posts; n >= 1; n-- {
			p := post{N: int64(n), Time: t0.Add(time.Duration(rng.IntN(30*24*3600)) * time.Second),
				Text: strings.Repeat("نص عربي مع English text و https://example.org/x ", 1+rng.IntN(4)), Edition: 1}
			if len(all) > 0 && rng.IntN(3) == 0 {
				parent := all[rng.IntN(len(all))]
				p.ReplyTo = &parent
			}
			f.Posts = append(f.Posts, p)
			all = append(all, Ref{k, int64(n)})
		}
		app.feeds[k] = f
	}
	for _, k := range keysOf {
		for range 20 {
			app.feeds[k].Likes = append(app.feeds[k].Likes, like{Ref: all[rng.IntN(len(all))], Time: t0})
		}
	}
	return app
}

// BenchmarkTimelinePage renders the timeline page (the 50 newest threads)
// of a person following 50 feeds of 100 posts (5,000 posts): "cached" as
// most page loads do, "rebuilt" as the first load after an edition arrived
// (the timeline is assembled again from the local copies). It reports the
// 95th percentile of the render times.
func BenchmarkTimelinePage(b *testing.B) {
	app := benchApp(b, 50, 100)
	h := app.Handler("127.0.0.1:8889")
	for _, rebuild := range []bool{false, true} {
		name := "cached"
		if rebuild {
			name = "rebuilt"
		}
		b.Run(name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				if rebuild {
					app.mu.Lock()
					app.changedLocked()
					app.mu.Unlock()
				}
				start := time.Now()
				w := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "http://127.0.0.1:8889/", nil)
				h.ServeHTTP(w, req)
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// TestTimelineBuild checks the benchmark's timeline: every post is in it
// once, threads newest first, replies under their parents.
func TestTimelineBuild(t *testing.T) {
	app := benchApp(t, 50, 100)
	app.mu.Lock()
	tl := app.timelineLocked()
	app.mu.Unlock()
	if tl.Posts != 5000 {
		t.Fatalf("%d posts", tl.Posts)
	}
	seen := 0
	var walk func(it *item)
	walk = func(it *item) {
		seen++
		for _, r := range it.Replies {
			if r.Post.ReplyTo == nil || *r.Post.ReplyTo != it.Ref {
				t.Fatal("a reply under the wrong parent")
			}
			walk(r)
		}
	}
	for i, th := range tl.Threads {
		walk(th)
		if i > 0 && th.Activity.After(tl.Threads[i-1].Activity) {
			t.Fatal("threads out of order")
		}
	}
	if seen != 5000 {
		t.Fatalf("%d posts reached from the threads", seen)
	}
	page, more := tl.page(time.Time{}, pageSize)
	next, _ := tl.page(page[len(page)-1].Activity, pageSize)
	if !more || len(page) != pageSize || next[0] == page[len(page)-1] || next[0].Activity.After(page[len(page)-1].Activity) {
		t.Fatal("paging")
	}
}
