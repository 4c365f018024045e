package sim

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// subConfig is a small subscription run: 400 nodes, 6 feeds of 6
// followers, 5 editions each over 40 minutes.
func subConfig(interest time.Duration) Config {
	cfg := Config{Nodes: 400, Requests: 100, Seed: 3,
		Subscribe: Subscribe{Feeds: 6, Followers: 6, Duration: 40 * time.Minute, Editions: 5}}
	cfg.Routing.OfferInterestFor = interest
	return cfg
}

// TestSubscribeDeterministic: the same Config gives the same Result, down
// to the JSON bytes; another seed gives another.
func TestSubscribeDeterministic(t *testing.T) {
	cfg := subConfig(0)
	a, b := run(t, cfg), run(t, cfg)
	ja, _ := json.Marshal(a.Summary)
	jb, _ := json.Marshal(b.Summary)
	if string(ja) != string(jb) {
		t.Fatalf("two runs differ:\n%s\n%s", ja, jb)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same summary, different results")
	}
	cfg.Seed++
	if c := run(t, cfg); reflect.DeepEqual(a.Deliveries, c.Deliveries) {
		t.Fatal("the seed changes nothing")
	}
}

// TestSubscribe: every edition reaches every follower without churn;
// with interest standing between polls (the default hour) most come by
// an offer within seconds, and far more, and sooner, than when interest
// ends with the RecentlyFailed time (the old rule).
func TestSubscribe(t *testing.T) {
	longer := run(t, subConfig(0))
	old := run(t, subConfig(3*time.Minute))
	for _, r := range []*Result{longer, old} {
		u := r.Summary.Subscriptions
		if u == nil || u.Deliveries != 6*6*5 || len(r.Deliveries) != u.Deliveries {
			t.Fatalf("summary %+v, %d deliveries", u, len(r.Deliveries))
		}
		if u.Unseen != 0 || u.Inserted != 1 || u.ByPoll+u.ByOffer != 1 {
			t.Errorf("interest %vs: unseen %v, inserted %v, by poll %v + by offer %v", u.OfferInterestS, u.Unseen, u.Inserted, u.ByPoll, u.ByOffer)
		}
		if u.Polls == 0 || u.PollMessagesPerSubHour <= 0 || u.InsertMessagesPerSubHour <= 0 ||
			math.Abs(u.MessagesPerSubHour-(u.PollMessagesPerSubHour+u.InsertMessagesPerSubHour+u.OfferMessagesPerSubHour)) > 0.001 {
			t.Errorf("interest %vs: %d polls, cost %+v", u.OfferInterestS, u.Polls, u)
		}
		if u.FetchP50S != round4(r.Summary.LatencyP50ms/1e3) || u.FetchP50S <= 0 {
			t.Errorf("fetch p50 %v s, latency p50 %v ms", u.FetchP50S, r.Summary.LatencyP50ms)
		}
		n := 0
		for _, p := range u.Phases {
			n += p.Deliveries
		}
		if n != u.Deliveries {
			t.Errorf("phases hold %d of %d deliveries", n, u.Deliveries)
		}
		for _, d := range r.Deliveries {
			if d.SeenMs < d.InsertMs || d.InsertMs < d.PostMs || (d.Via != "poll" && d.Via != "offer") {
				t.Fatalf("delivery %+v", d)
			}
		}
	}
	l, o := longer.Summary.Subscriptions, old.Summary.Subscriptions
	if l.OfferInterestS != 3600 || o.OfferInterestS != 180 || l.RecentlyFailedS != 180 {
		t.Fatalf("interest %v s and %v s, RecentlyFailed %v s", l.OfferInterestS, o.OfferInterestS, l.RecentlyFailedS)
	}
	if l.ByOffer < 0.5 || l.ByOffer < o.ByOffer+0.1 || l.VisibleP95S >= o.VisibleP95S || l.VisibleP50S > 30 {
		t.Fatalf("offers for an hour: %v by offer, p50 %v s, p95 %v s; for 3 minutes: %v, p95 %v s",
			l.ByOffer, l.VisibleP50S, l.VisibleP95S, o.ByOffer, o.VisibleP95S)
	}
	if p := phase(o, "idle"); p.Deliveries > 0 && p.ByOffer > 0.5 {
		t.Errorf("old rule: %v of idle deliveries by offer", p.ByOffer)
	}
}

func phase(u *SubscriptionSummary, name string) SubscriptionPhase {
	for _, p := range u.Phases {
		if p.Phase == name {
			return p
		}
	}
	return SubscriptionPhase{}
}

// TestSubscribeChurn: followers whose node is offline poll nothing and
// catch up when it returns; publishers insert what they posted offline
// when they return.
func TestSubscribeChurn(t *testing.T) {
	cfg := subConfig(0)
	cfg.Churn = WeibullChurn
	r := run(t, cfg)
	u := r.Summary.Subscriptions
	if r.Summary.Epochs != 2 {
		t.Errorf("%d epochs, want 2 to cover the 1 h window", r.Summary.Epochs)
	}
	if p := phase(u, "offline"); p.Deliveries == 0 {
		t.Errorf("no follower offline at an insert: %+v", u.Phases)
	}
	if u.UnseenOnline > 0.05 || u.Unseen > 0.5 || u.Unpublished != round4(float64(phase(u, "unpublished").Deliveries)/float64(u.Deliveries)) {
		t.Errorf("unseen %v, by followers online at the end %v, unpublished %v", u.Unseen, u.UnseenOnline, u.Unpublished)
	}
	if s := u.ByPoll + u.ByOffer + u.Unseen + u.Unpublished; math.Abs(s-1) > 0.001 {
		t.Errorf("by poll, by offer, unseen and unpublished add up to %v", s)
	}
	late := 0
	for _, d := range r.Deliveries {
		if d.InsertMs > d.PostMs {
			late++
		}
		if d.SeenMs >= 0 && d.SeenMs < d.InsertMs {
			t.Fatalf("delivery %+v", d)
		}
	}
	if late == 0 {
		t.Error("no publisher was offline at a post")
	}
}

// TestSubscribeOff: without feeds nothing of the workload shows.
func TestSubscribeOff(t *testing.T) {
	r := run(t, Config{Nodes: 200, Requests: 50, Seed: 1})
	j, _ := json.Marshal(r.Summary)
	if r.Summary.Subscriptions != nil || r.Deliveries != nil || strings.Contains(string(j), "subscriptions") {
		t.Fatalf("a run without feeds reports subscriptions: %s", j)
	}
	if r.Config.Subscribe != (Subscribe{}) || r.Summary.Epochs != 1 {
		t.Fatalf("defaults %+v, %d epochs", r.Config.Subscribe, r.Summary.Epochs)
	}
}

func TestSubscribeValidate(t *testing.T) {
	for _, s := range []Subscribe{
		{Followers: 3}, {Feeds: -1}, {Feeds: 1, Followers: 100}, {Feeds: 1, Followers: -1},
		{Feeds: 1, PollInterval: -time.Second}, {Feeds: 1, Duration: -time.Hour}, {Feeds: 1, Grace: -1},
		{Feeds: 1, Editions: -2}, {Feeds: 1 << 16, Followers: 50, Editions: 100},
		{Feeds: 1, Duration: 2000 * time.Hour},
	} {
		if err := (Config{Nodes: 100, Subscribe: s}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("%+v: %v", s, err)
		}
	}
	if err := (Config{Nodes: 100, Subscribe: Subscribe{Feeds: 1, Followers: 99}}).Validate(); err != nil {
		t.Errorf("99 followers of 100 nodes: %v", err)
	}
	c := Config{Subscribe: Subscribe{Feeds: 2}}.withDefaults()
	want := Subscribe{Feeds: 2, Followers: 20, PollInterval: 5 * time.Minute, Duration: 2 * time.Hour, Editions: 12, Grace: 10 * time.Minute}
	if c.Subscribe != want || c.Epochs != 5 {
		t.Errorf("defaults %+v, %d epochs", c.Subscribe, c.Epochs)
	}
}

func TestSubscribeCSV(t *testing.T) {
	r := &Result{Deliveries: []Delivery{
		{Feed: 1, Edition: 2, Publisher: 7, Follower: 9, PostMs: 1000, InsertMs: 1500.5, SeenMs: 4000, Via: "offer", Phase: "idle"},
		{Feed: 1, Edition: 3, Publisher: 7, Follower: 9, PostMs: 2000, InsertMs: -1, SeenMs: -1, Phase: "unpublished"},
	}}
	dir := t.TempDir()
	if err := r.WriteCSV(dir); err != nil {
		t.Fatal(err)
	}
	rows := readCSVFile(t, filepath.Join(dir, "subscriptions.csv"))
	want := [][]string{
		{"feed", "edition", "publisher", "follower", "post_ms", "insert_ms", "seen_ms", "visible_ms", "via", "phase"},
		{"1", "2", "7", "9", "1000", "1500.5", "4000", "2499.5", "offer", "idle"},
		{"1", "3", "7", "9", "2000", "-1", "-1", "-1", "", "unpublished"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("subscriptions.csv:\n%q\nwant\n%q", rows, want)
	}
}
