package statuspage

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// The node's metrics (docs/operator.md, "Status page and metrics", lists
// them). Every label takes its values from a small fixed set (labelValues):
// none can carry a key, a URI or a peer's identity, address or location.

// labelValues lists, for each label of the hams_ metrics, the values it may
// take; htl takes "0" to "255" besides (at most the node's MaxHTL).
var labelValues = map[string][]string{
	"kind":      {"darknet", "opennet", "seed", "seed_client", "other", "request", "insert", "fetch"},
	"status":    {"connected", "disconnected", "never_connected", "backed_off", "too_old", "too_new", "other"},
	"region":    {"store", "cache"},
	"result":    {"hit", "miss", "success", "failure", "data_not_found", "recently_failed", "route_not_found", "timed_out", "collision", "other"},
	"direction": {"in", "out"},
	"state":     {"starting", "publishing", "up", "waiting", "stopped", "other"},
	"htl":       nil,
}

var (
	peerKinds    = []string{"darknet", "opennet", "seed", "seed_client", "other"}
	peerStatuses = labelValues["status"]
	torStates    = labelValues["state"]
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descUptime    = desc("hams_uptime_seconds", "How long the node has run.")
	descPeers     = desc("hams_peers", "Peers of the node, by kind and state.", "kind", "status")
	descSwaps     = desc("hams_location_swaps_total", "Moves of the node on the circle of locations (swaps and relocations).")
	descBlocks    = desc("hams_datastore_blocks", "Blocks held in a region of the datastore.", "region")
	descBytes     = desc("hams_datastore_bytes", "Bytes held in a region of the datastore.", "region")
	descBudget    = desc("hams_datastore_budget_bytes", "The byte budget of a region of the datastore.", "region")
	descEvictions = desc("hams_datastore_evictions_total", "Blocks evicted from a region of the datastore.", "region")
	descLookups   = desc("hams_datastore_lookups_total", "Datastore lookups, by whether they found the block.", "result")
	descRunning   = desc("hams_requests_running", "Requests and inserts routing at this node now, its own and relayed.")
	descLocalRun  = desc("hams_local_requests_running", "This node's own requests and inserts running in the network now.")
	descQueued    = desc("hams_local_requests_queued", "This node's own requests and inserts waiting for room.")
	descRouted    = desc("hams_routed_requests_total", "Requests and inserts routed at this node that ended, by kind, the HTL they came with and result.", "kind", "htl", "result")
	descLocal     = desc("hams_local_requests_total", "This node's own fetches and inserts that ended, by result.", "kind", "result")
	descOffers    = desc("hams_offers_total", "Offer messages received from and sent to peers.", "direction")
	descLinkBytes = desc("hams_link_bytes_total", "Bytes read from and written to the links to peers.", "direction")
	descTorProg   = desc("hams_tor_bootstrap_ratio", "Tor's bootstrap progress, from 0 to 1 (only with Tor).")
	descTorState  = desc("hams_tor_state", "1 for the state tor is in, 0 for the others (only with Tor).", "state")
)

var allDescs = []*prometheus.Desc{descUptime, descPeers, descSwaps, descBlocks, descBytes, descBudget, descEvictions,
	descLookups, descRunning, descLocalRun, descQueued, descRouted, descLocal, descOffers, descLinkBytes, descTorProg, descTorState}

// collector is the Page's prometheus.Collector: each scrape takes one
// Snapshot and reports it.
type collector struct{ p *Page }

// Describe sends every metric's description.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect takes a Snapshot and sends its figures.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.cfg.Snapshot()
	collect(&s, ch)
}

// oneOf returns v if it is in set, else "other".
func oneOf(v string, set []string) string {
	for _, s := range set {
		if s == v {
			return v
		}
	}
	return "other"
}

// labelName turns a word of the Snapshot ("seed client", "never
// connected") into a label value ("seed_client", "never_connected").
func labelName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' {
			b[i] = '_'
		}
	}
	return string(b)
}

func collect(s *Snapshot, ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descUptime, s.Uptime.Seconds())

	peers := map[[2]string]int{}
	for _, p := range s.Peers {
		peers[[2]string{oneOf(labelName(p.Kind), peerKinds), oneOf(labelName(p.Status), peerStatuses)}]++
	}
	for _, k := range peerKinds {
		for _, st := range peerStatuses {
			if n, ok := peers[[2]string{k, st}]; ok || (k != "other" && st != "other") {
				gauge(descPeers, float64(n), k, st)
			}
		}
	}
	counter(descSwaps, s.Swaps)

	for _, r := range []struct {
		name string
		reg  Region
	}{{"store", s.Store}, {"cache", s.Cache}} {
		gauge(descBlocks, float64(r.reg.Blocks), r.name)
		gauge(descBytes, float64(r.reg.Bytes), r.name)
		gauge(descBudget, float64(r.reg.Budget), r.name)
		counter(descEvictions, r.reg.Evictions, r.name)
	}
	counter(descLookups, s.Hits, "hit")
	counter(descLookups, s.Misses, "miss")

	gauge(descRunning, float64(s.Running))
	gauge(descLocalRun, float64(s.Local))
	gauge(descQueued, float64(s.Queued))
	for h, o := range s.ByHTL {
		if h > 255 {
			break
		}
		htl := strconv.Itoa(h)
		counter(descRouted, o.RequestSuccess, "request", htl, "success")
		counter(descRouted, o.RequestFailure, "request", htl, "failure")
		counter(descRouted, o.InsertSuccess, "insert", htl, "success")
		counter(descRouted, o.InsertFailure, "insert", htl, "failure")
	}
	for _, l := range []struct {
		kind string
		r    LocalResults
	}{{"fetch", s.LocalFetches}, {"insert", s.LocalInserts}} {
		counter(descLocal, l.r.Success, l.kind, "success")
		counter(descLocal, l.r.DataNotFound, l.kind, "data_not_found")
		counter(descLocal, l.r.RecentlyFailed, l.kind, "recently_failed")
		counter(descLocal, l.r.RouteNotFound, l.kind, "route_not_found")
		counter(descLocal, l.r.TimedOut, l.kind, "timed_out")
		counter(descLocal, l.r.Collision, l.kind, "collision")
		counter(descLocal, l.r.Other, l.kind, "other")
	}
	counter(descOffers, s.OffersIn, "in")
	counter(descOffers, s.OffersOut, "out")
	counter(descLinkBytes, s.BytesIn, "in")
	counter(descLinkBytes, s.BytesOut, "out")

	if s.Tor.State != "" {
		gauge(descTorProg, float64(min(max(s.Tor.Progress, 0), 100))/100)
		state := oneOf(s.Tor.State, torStates)
		for _, st := range torStates {
			v := 0.0
			if st == state {
				v = 1
			}
			gauge(descTorState, v, st)
		}
	}
}
