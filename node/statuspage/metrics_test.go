package statuspage

import (
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape serves /metrics for s and parses it.
func scrape(t *testing.T, s Snapshot) map[string]*dto.MetricFamily {
	t.Helper()
	p := New(Config{Snapshot: func() Snapshot { return s }, Now: func() time.Time { return t0 }})
	w := get(t, p.ServeMetrics, "/metrics")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// value returns the value of the series of family name with labels.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no family %s", name)
	}
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		match := len(got) == len(labels)/2
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && got[labels[i]] == labels[i+1]
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
		return m.Untyped.GetValue()
	}
	t.Fatalf("%s: no series %v", name, labels)
	return 0
}

// TestMetrics: the text parses, and holds the snapshot's figures with the
// right types.
func TestMetrics(t *testing.T) {
	mfs := scrape(t, fixedSnapshot())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
		typ    dto.MetricType
	}{
		{"hams_uptime_seconds", nil, 26 * 3600, dto.MetricType_GAUGE},
		{"hams_peers", []string{"kind", "opennet", "status", "connected"}, 1, dto.MetricType_GAUGE},
		{"hams_peers", []string{"kind", "opennet", "status", "disconnected"}, 1, dto.MetricType_GAUGE},
		{"hams_peers", []string{"kind", "seed_client", "status", "backed_off"}, 1, dto.MetricType_GAUGE},
		{"hams_peers", []string{"kind", "darknet", "status", "too_new"}, 0, dto.MetricType_GAUGE},
		{"hams_location_swaps_total", nil, 3, dto.MetricType_COUNTER},
		{"hams_datastore_blocks", []string{"region", "cache"}, 20, dto.MetricType_GAUGE},
		{"hams_datastore_bytes", []string{"region", "store"}, 10 << 15, dto.MetricType_GAUGE},
		{"hams_datastore_budget_bytes", []string{"region", "store"}, 1 << 30, dto.MetricType_GAUGE},
		{"hams_datastore_evictions_total", []string{"region", "cache"}, 7, dto.MetricType_COUNTER},
		{"hams_datastore_lookups_total", []string{"result", "hit"}, 40, dto.MetricType_COUNTER},
		{"hams_datastore_lookups_total", []string{"result", "miss"}, 60, dto.MetricType_COUNTER},
		{"hams_requests_running", nil, 5, dto.MetricType_GAUGE},
		{"hams_local_requests_running", nil, 2, dto.MetricType_GAUGE},
		{"hams_local_requests_queued", nil, 1, dto.MetricType_GAUGE},
		{"hams_routed_requests_total", []string{"kind", "request", "htl", "18", "result", "success"}, 11, dto.MetricType_COUNTER},
		{"hams_routed_requests_total", []string{"kind", "request", "htl", "17", "result", "failure"}, 5, dto.MetricType_COUNTER},
		{"hams_routed_requests_total", []string{"kind", "insert", "htl", "17", "result", "failure"}, 1, dto.MetricType_COUNTER},
		{"hams_routed_requests_total", []string{"kind", "request", "htl", "0", "result", "success"}, 0, dto.MetricType_COUNTER},
		{"hams_local_requests_total", []string{"kind", "fetch", "result", "timed_out"}, 1, dto.MetricType_COUNTER},
		{"hams_local_requests_total", []string{"kind", "insert", "result", "collision"}, 1, dto.MetricType_COUNTER},
		{"hams_offers_total", []string{"direction", "out"}, 8, dto.MetricType_COUNTER},
		{"hams_link_bytes_total", []string{"direction", "in"}, 123456, dto.MetricType_COUNTER},
		{"hams_link_bytes_total", []string{"direction", "out"}, 654321, dto.MetricType_COUNTER},
		{"hams_tor_bootstrap_ratio", nil, 0.45, dto.MetricType_GAUGE},
		{"hams_tor_state", []string{"state", "starting"}, 1, dto.MetricType_GAUGE},
		{"hams_tor_state", []string{"state", "up"}, 0, dto.MetricType_GAUGE},
	} {
		if got := value(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
		if typ := mfs[c.name].GetType(); typ != c.typ {
			t.Errorf("%s is a %v, want a %v", c.name, typ, c.typ)
		}
	}
	if n := len(mfs["hams_routed_requests_total"].GetMetric()); n != 19*4 {
		t.Errorf("%d routed series, want 4 for each HTL from 0 to 18", n)
	}
	if mfs["go_goroutines"] == nil || mfs["go_info"] == nil {
		t.Error("no Go runtime metrics")
	}
	// Without Tor, no Tor metric.
	none := scrape(t, Snapshot{})
	if none["hams_tor_state"] != nil || none["hams_tor_bootstrap_ratio"] != nil {
		t.Error("Tor metrics without Tor")
	}
}

// TestMetricsDocumentedAndAnonymous: every family /metrics serves is in
// docs/operator.md (the hams_ ones by name with their type, the Go
// runtime's and the process's by prefix), and every label value comes from
// a fixed set: none can be a key, a URI or a peer's identity.
func TestMetricsDocumentedAndAnonymous(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operator.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Status page and metrics")
	if !ok {
		t.Fatal(`docs/operator.md has no "## Status page and metrics"`)
	}
	s := fixedSnapshot()
	// A peer of a kind and state not in the sets becomes "other".
	s.Peers = append(s.Peers, Peer{Location: 0.5, Kind: "some peer's name", Status: "pk-abc123"})
	s.Tor.State = "an unknown state"
	s.ByHTL = make([]HTLOutcomes, 300) // more than an HTL can be
	mfs := scrape(t, s)
	if value(t, mfs, "hams_peers", "kind", "other", "status", "other") != 1 {
		t.Error("a peer of an unknown kind and state is not counted as other")
	}
	htlRe := regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	for name, mf := range mfs {
		switch {
		case strings.HasPrefix(name, "hams_"):
			row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(name) + "` \\| " + strings.ToLower(mf.GetType().String()) + " \\|")
			if !row.MatchString(section) {
				t.Errorf("%s (%v) is not in docs/operator.md's table of metrics", name, mf.GetType())
			}
		case strings.HasPrefix(name, "go_"), strings.HasPrefix(name, "process_"):
			if !strings.Contains(section, "`"+name[:strings.IndexByte(name, '_')+1]+"`") {
				t.Errorf("%s: its prefix is not in docs/operator.md", name)
			}
		default:
			t.Errorf("%s: an unexpected family", name)
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				k, v := lp.GetName(), lp.GetValue()
				switch {
				case strings.HasPrefix(name, "hams_") && k == "htl":
					n, err := strconv.Atoi(v)
					if !htlRe.MatchString(v) || err != nil || n > 255 {
						t.Errorf("%s: htl=%q", name, v)
					}
				case strings.HasPrefix(name, "hams_"):
					if !slices.Contains(labelValues[k], v) {
						t.Errorf("%s: %s=%q is not in the fixed set", name, k, v)
					}
				case name == "go_info" && k == "version":
					if v != runtime.Version() {
						t.Errorf("go_info version=%q", v)
					}
				case k == "quantile" || k == "le":
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("%s: %s=%q", name, k, v)
					}
				default:
					t.Errorf("%s: label %s=%q not known to be anonymous", name, k, v)
				}
			}
		}
	}
	// Every label value of the table is documented too.
	for k, vs := range labelValues {
		for _, v := range vs {
			if !strings.Contains(section, "`"+v+"`") {
				t.Errorf("label %s value %q is not in docs/operator.md", k, v)
			}
		}
	}
}
