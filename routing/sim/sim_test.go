package sim

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"github.com/hamsnet/hams/routing"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDeterministic: the same Config gives the same Result, down to the
// JSON bytes; another seed gives another.
func TestDeterministic(t *testing.T) {
	for _, cfg := range []Config{
		{Nodes: 500, Requests: 200, Seed: 7},
		{Nodes: 300, Requests: 150, Seed: 7, Topology: Darknet, SwapsPerNode: 50, Churn: WeibullChurn, Epochs: 4},
		{Nodes: 300, Requests: 150, Seed: 7, Topology: Darknet, SwapsPerNode: 50, Attack: PitchBlack, Mitigation: true, Epochs: 3, EpochSwaps: 20},
		{Nodes: 300, Requests: 100, Seed: 7, Topology: Opennet, Warmup: 300},
	} {
		a, b := run(t, cfg), run(t, cfg)
		ja, _ := json.Marshal(a.Summary)
		jb, _ := json.Marshal(b.Summary)
		if string(ja) != string(jb) {
			t.Fatalf("%s: two runs differ:\n%s\n%s", cfg.Topology, ja, jb)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: same summary, different results", cfg.Topology)
		}
		cfg.Seed++
		c := run(t, cfg)
		if reflect.DeepEqual(a.Records, c.Records) {
			t.Fatalf("%s: the seed changes nothing", cfg.Topology)
		}
	}
}

// TestKleinberg: on the ideal small world nearly every request succeeds,
// in about the hops greedy routing with the same (friend-of-a-friend)
// information takes, and in fewer than plain greedy.
func TestKleinberg(t *testing.T) {
	r := run(t, Config{Nodes: 2000, Requests: 1000, Seed: 1})
	s := r.Summary
	if s.SuccessRate < 0.99 || s.InsertSuccessRate < 0.99 {
		t.Fatalf("success %v, inserts %v", s.SuccessRate, s.InsertSuccessRate)
	}
	if s.HopsMean > 1.1*s.FOAFGreedyHopsMean || s.HopsMean >= s.GreedyHopsMean {
		t.Fatalf("hops %v, FOAF greedy %v, plain greedy %v", s.HopsMean, s.FOAFGreedyHopsMean, s.GreedyHopsMean)
	}
	if s.LatencyP50ms < 1000 || s.LatencyP50ms > 20000 {
		t.Fatalf("median latency %v ms: the Tor-like links are not applied", s.LatencyP50ms)
	}
	if len(r.Records) != 2000 || len(r.Load) != 2000 || s.SimulatedHops == 0 || s.MaxLoadRatio < 1 {
		t.Fatalf("%d records, %d loads, %d hops, load ratio %v", len(r.Records), len(r.Load), s.SimulatedHops, s.MaxLoadRatio)
	}
	// Without friend-of-a-friend lists, the Cores route like plain greedy.
	n := run(t, Config{Nodes: 2000, Requests: 1000, Seed: 1, Routing: routingNoFOAF()})
	if n.Summary.HopsMean <= s.HopsMean || n.Summary.HopsMean > 1.1*n.Summary.GreedyHopsMean {
		t.Fatalf("without FOAF: hops %v (with: %v), plain greedy %v", n.Summary.HopsMean, s.HopsMean, n.Summary.GreedyHopsMean)
	}
}

// TestDarknetSwapping: scrambled locations route badly; swapping recovers
// them (within 1.5x of the Kleinberg hops on the same graph), and the
// curve shows greedy routing improving.
func TestDarknetSwapping(t *testing.T) {
	before := run(t, Config{Nodes: 1000, Requests: 400, Seed: 3, Topology: Darknet})
	after := run(t, Config{Nodes: 1000, Requests: 400, Seed: 3, Topology: Darknet, SwapsPerNode: 1000, CurvePoints: 4})
	k := run(t, Config{Nodes: 1000, Requests: 400, Seed: 3})
	if b, a := before.Summary, after.Summary; b.HopsMean < 1.5*a.HopsMean || b.MessagesMean < 1.8*a.MessagesMean {
		t.Fatalf("hops %v → %v, messages %v → %v: swapping did not help", b.HopsMean, a.HopsMean, b.MessagesMean, a.MessagesMean)
	}
	if after.Summary.SuccessRate < 0.98 || after.Summary.HopsMean > 1.5*k.Summary.HopsMean {
		t.Fatalf("after swapping: success %v, hops %v (kleinberg %v)", after.Summary.SuccessRate, after.Summary.HopsMean, k.Summary.HopsMean)
	}
	c := after.Curve
	if len(c) != 5 || c[0].SwapsPerNode != 0 || c[4].SwapsPerNode != 1000 || c[4].GreedySuccess < 3*c[0].GreedySuccess {
		t.Fatalf("curve %+v", c)
	}
	if reflect.DeepEqual(after.LocationsBefore, after.LocationsAfter) {
		t.Fatal("swapping moved no node")
	}
}

// TestDarknetAnneal: on a 3,000-node darknet, the same number of swap
// attempts recovers the locations far better when the first ones anneal
// (a warm start, cooling to Hyphanet's rule) than with Hyphanet's rule
// from the first attempt, which freezes the scrambled network in
// fragments.
func TestDarknetAnneal(t *testing.T) {
	cfg := Config{Nodes: 3000, Requests: 1000, Seed: 3, Topology: Darknet, SwapsPerNode: 1000, CurvePoints: 2}
	quench := run(t, cfg)
	cfg.Anneal = 700
	anneal := run(t, cfg)
	k := run(t, Config{Nodes: 3000, Requests: 1000, Seed: 3})
	q, a := quench.Summary, anneal.Summary
	if a.SuccessRate < 0.98 || a.HopsMean > 1.2*k.Summary.HopsMean {
		t.Fatalf("annealed: success %v, hops %v (kleinberg %v)", a.SuccessRate, a.HopsMean, k.Summary.HopsMean)
	}
	if q.SuccessRate > a.SuccessRate-0.05 || q.HopsMean < 1.3*a.HopsMean {
		t.Fatalf("quenched: success %v, hops %v; annealed %v, %v: annealing did not help", q.SuccessRate, q.HopsMean, a.SuccessRate, a.HopsMean)
	}
	if qc, ac := quench.Curve[2], anneal.Curve[2]; ac.GreedySuccess < 1.3*qc.GreedySuccess {
		t.Fatalf("curve ends at %v annealed, %v quenched", ac.GreedySuccess, qc.GreedySuccess)
	}
	if a.Anneal != 700 || q.Anneal != 0 {
		t.Fatalf("summary anneal %d, %d", a.Anneal, q.Anneal)
	}
}

// TestChurn: with Weibull churn some nodes are offline, and requests for
// blocks held only by them fail.
func TestChurn(t *testing.T) {
	r := run(t, Config{Nodes: 1000, Requests: 1000, Seed: 5, Churn: WeibullChurn, Epochs: 10})
	for _, ep := range r.Epochs {
		if ep.Online < 450 || ep.Online > 900 {
			t.Fatalf("epoch %d: %d of 1000 online (expected about 2/3)", ep.Epoch, ep.Online)
		}
	}
	if s := r.Summary.SuccessRate; s < 0.5 || s > 0.995 {
		t.Fatalf("success under churn %v", s)
	}
}

// TestPitchBlack: the attack clumps the honest locations (the widest empty
// arc grows) and what was published before it becomes hard to find; the
// defence keeps the keyspace covered.
func TestPitchBlack(t *testing.T) {
	cfg := Config{Nodes: 1000, Requests: 600, Seed: 2, Topology: Darknet, SwapsPerNode: 300,
		Attack: PitchBlack, Attackers: 20, Epochs: 4, EpochSwaps: 50}
	off := run(t, cfg)
	cfg.Mitigation = true
	on := run(t, cfg)
	last := len(off.Epochs) - 1
	if off.Epochs[last].MaxGap < 20*off.Epochs[0].MaxGap {
		t.Fatalf("the attack did not clump: max gap %v → %v", off.Epochs[0].MaxGap, off.Epochs[last].MaxGap)
	}
	if off.Summary.RereadSuccessRate > 0.9 || off.Epochs[0].SuccessRate < 0.95 {
		t.Fatalf("re-reads under attack %v, first epoch %v", off.Summary.RereadSuccessRate, off.Epochs[0].SuccessRate)
	}
	if on.Epochs[last].MaxGap > off.Epochs[last].MaxGap/4 {
		t.Fatalf("the defence did not help: max gap %v with, %v without", on.Epochs[last].MaxGap, off.Epochs[last].MaxGap)
	}
	relocated := 0
	for _, ep := range on.Epochs {
		relocated += ep.Relocations
	}
	if relocated == 0 {
		t.Fatal("the defence moved no node")
	}
	// Relocation alone keeps the keyspace covered; the own-cost limit also
	// keeps honest nodes from taking the fabricated locations, so what was
	// published stays findable.
	cfg.OwnLimit = -1
	reloc := run(t, cfg)
	if on.Summary.Defence != "relocate+limit" || reloc.Summary.Defence != "relocate" || off.Summary.Defence != "" {
		t.Fatalf("defences %q, %q, %q", on.Summary.Defence, reloc.Summary.Defence, off.Summary.Defence)
	}
	if on.Summary.RereadSuccessRate < 0.95 || on.Summary.RereadSuccessRate < reloc.Summary.RereadSuccessRate+0.3 ||
		on.Summary.SuccessRate < reloc.Summary.SuccessRate {
		t.Fatalf("with the limit: success %v, re-reads %v; relocation alone: %v, %v",
			on.Summary.SuccessRate, on.Summary.RereadSuccessRate, reloc.Summary.SuccessRate, reloc.Summary.RereadSuccessRate)
	}
}

// TestOpennet: nodes join by the opennet rules (routing.Opennet) and path
// folding rewires them; with the default 20 peers per node every request
// succeeds with hardly any backtracking.
func TestOpennet(t *testing.T) {
	r := run(t, Config{Nodes: 1000, Requests: 500, Seed: 4, Topology: Opennet, Warmup: 1000})
	s := r.Summary
	if s.Degree != routing.DefaultOpennetPeers {
		t.Fatalf("opennet degree %d by default, want %d", s.Degree, routing.DefaultOpennetPeers)
	}
	if s.SuccessRate < 0.99 || s.MessagesMean > 1.5*s.HopsMean {
		t.Fatalf("opennet success %v, %v messages per request for %v hops", s.SuccessRate, s.MessagesMean, s.HopsMean)
	}
	for i, l := range r.Load {
		if l == 0 {
			t.Fatalf("node %d never received a message: not joined", i)
		}
	}
}

// TestOpennetJoin: after the joins every node is linked to its neighbours
// on the circle, has nearly all its peers, and its links are spread over
// the scales of distance (about as many shorter than 1/100 of the circle
// as longer, where uniform link lengths would give 2%).
func TestOpennetJoin(t *testing.T) {
	cfg := Config{Nodes: 2000, Seed: 3, Topology: Opennet}.withDefaults()
	nw, err := newNetwork(cfg, randomLocations(cfg.Nodes, newRand(cfg.Seed, streamLocations)))
	if err != nil {
		t.Fatal(err)
	}
	buildOpennet(newEngine(cfg, nw))
	order := make([]int32, cfg.Nodes)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(nw.nodes[a].loc, nw.nodes[b].loc) })
	ring, links, short := 0, 0, 0
	for k, i := range order {
		if nw.linked(i, order[(k+1)%len(order)]) {
			ring++
		}
		for _, l := range nw.nodes[i].adj {
			links++
			if nw.nodes[i].loc.DistanceTo(nw.nodes[l.peer].loc).Float() < 0.01 {
				short++
			}
		}
	}
	if ring < cfg.Nodes*98/100 {
		t.Errorf("%d of %d nodes linked to the next one on the circle", ring, cfg.Nodes)
	}
	if mean := float64(links) / float64(cfg.Nodes); mean < 0.9*float64(cfg.Degree) || mean > float64(cfg.Degree) {
		t.Errorf("mean degree %.1f, want at least 90%% of %d", mean, cfg.Degree)
	}
	if f := float64(short) / float64(links); f < 0.3 || f > 0.7 {
		t.Errorf("%.0f%% of the links shorter than 0.01", 100*f)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Nodes: 1}, {Degree: 1}, {Nodes: 10, Degree: 10}, {Topology: "ring"}, {Requests: -1},
		{HTL: 2}, {SwapsPerNode: -1}, {Topology: Opennet, SwapsPerNode: 5}, {Churn: "poisson"},
		{Attack: "sybil"}, {Attack: PitchBlack, Attackers: 1000}, {Attackers: 3},
		{Attack: PitchBlack, Topology: Opennet}, {Topology: Opennet, Opennet: routing.Opennet{FoldProb: 2}}, {RequestDelay: time.Hour},
		{Weibull: Weibull{Shape: -1}}, {Topology: Darknet, SwapsPerNode: 10, Anneal: 11},
		{Anneal: -1}, {AnnealFrom: 1.5}, {AnnealFrom: -0.1},
	} {
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("%+v: %v", c, err)
		}
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("Run(%+v) accepted", c)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Config{Nodes: 500, Requests: 100, Topology: Darknet, SwapsPerNode: 10}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
}

// BenchmarkKleinberg runs the scale points: b.N runs of N nodes
// with 10,000 keys, reporting simulated hops per second, and the live heap
// per node of the network (every Core linked, friend-of-a-friend lists
// filled) measured after a GC.
func BenchmarkKleinberg10k(b *testing.B)  { benchRun(b, 10_000, 10_000) }
func BenchmarkKleinberg100k(b *testing.B) { benchRun(b, 100_000, 10_000) }

func benchRun(b *testing.B, nodes, requests int) {
	var hops int64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r, err := Run(context.Background(), Config{Nodes: nodes, Requests: requests, Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		hops += r.Summary.SimulatedHops
	}
	b.ReportMetric(float64(hops)/time.Since(start).Seconds(), "hops/s")
	b.ReportMetric(liveBytesPerNode(b, nodes), "liveB/node")
}

// liveBytesPerNode builds a Kleinberg network as Run does and returns its
// live heap per node.
func liveBytesPerNode(tb testing.TB, nodes int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cfg := Config{Nodes: nodes}.withDefaults()
	nw, err := newNetwork(cfg, evenLocations(nodes))
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range kleinbergLinks(cfg) {
		nw.connect(int32(l[0]), int32(l[1]), 0)
	}
	nw.announceAll()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(nw)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(nodes)
}

func routingNoFOAF() (c routing.Config) { c.NoFOAF = true; return c }
