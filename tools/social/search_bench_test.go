package social

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchPage: the search page (GET /search?q=, the whole answer a
// person waits for: the index lookup, the people and posts found, the
// rendered page) on a front-end that knows 5,000 people with 10 posts
// each, their names drawn (seeded) from Arabic and Latin lists. Queries: a
// name spelt without hamza (احمد finds أحمد), a name and family with taa
// marbuta spelt as haa, the start of a Latin name without its accent, a
// post word, a hashtag, and nothing; and the first of them again just
// after an edition arrived (the timeline the posts are shown from is
// built again, as on the first search after an arrival). Reports the median and 95th
// percentile page times and how many matched.
func BenchmarkSearchPage(b *testing.B) {
	app := benchApp(b, 5000, 10)
	first := []string{"محمد", "أحمد", "فاطمة", "عائشة", "يوسف", "إبراهيم", "ليلى", "مريم", "Émile", "Anna", "Sofia", "Omar"}
	family := []string{"الحسيني", "الخطيب", "النجار", "المصري", "Dubois", "García", "Haddad", "Öztürk"}
	words := []string{"قهوة", "السوق", "البحر", "#غزة", "#كتب", "coffee", "market", "#music"}
	rng := rand.New(rand.NewPCG(5000, 10))
	app.mu.Lock()
	for _, f := range app.feeds {
		f.Profile.Name = first[rng.IntN(len(first))] + " " + family[rng.IntN(len(family))]
		for i := range f.Posts {
			f.Posts[i].Text += " " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		}
	}
	app.indexAllLocked()
	app.mu.Unlock()
	h := app.Handler("127.0.0.1:8889")
	for _, q := range []string{"احمد", "فاطمه الحسيني", "emi", "قهوه", "#غزه", "nobody", "احمد after-arrival"} {
		q, arrival := strings.CutSuffix(q, " after-arrival")
		name := q
		if arrival {
			name += "/after-arrival"
		}
		b.Run(name, func(b *testing.B) {
			var times []time.Duration
			found := false
			for b.Loop() {
				if arrival { // an edition came in: the timeline is built again
					app.mu.Lock()
					app.changedLocked()
					app.mu.Unlock()
				}
				start := time.Now()
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1:8889/search?q="+url.QueryEscape(q), nil))
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
				found = strings.Contains(w.Body.String(), `class="post`) || strings.Contains(w.Body.String(), `class="person"`)
			}
			if found != (q != "nobody") {
				b.Fatalf("%q: found %v", q, found)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
