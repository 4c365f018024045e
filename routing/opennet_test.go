package routing

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// t0 is an arbitrary moment: the rules read only differences of times.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns the location at distance d (a fraction of the circle) from
// own, clockwise when cw.
func at(own Location, d float64, cw bool) Location {
	x := Location(d * (1 << 64))
	if cw {
		return own + x
	}
	return own - x
}

// spreadPeers: a full node (Peers 10) at 0.5 with two close peers on each
// side and six farther ones, two of which (1e-3 and 1.1e-3) share a scale
// of distance. Everything was added an hour before t0.
func spreadPeers() (Location, []OpennetPeer) {
	own := loc(0.5)
	ds := []struct {
		d  float64
		cw bool
	}{
		{1e-4, true}, {2e-4, true}, {1.5e-4, false}, {3e-4, false}, // the closest, kept
		{1e-3, true}, {1.1e-3, false}, // one scale: index 4 and 5
		{1e-2, true}, {4e-2, false}, {1e-1, true}, {0.45, false},
	}
	peers := make([]OpennetPeer, len(ds))
	for i, x := range ds {
		peers[i] = OpennetPeer{Loc: at(own, x.d, x.cw), Added: t0.Add(-time.Hour)}
	}
	return own, peers
}

func TestOpennetDefaults(t *testing.T) {
	o := Opennet{}.WithDefaults()
	if o.Peers != DefaultOpennetPeers || o.FoldProb != DefaultFoldProb || o.MinAge != DefaultDropMinAge ||
		o.Near != 2 || o.Rule != DropSpread || o.HyphanetAnnounce {
		t.Fatalf("defaults %+v", o)
	}
	if n := (Opennet{Peers: 8}).WithDefaults().Near; n != 1 {
		t.Fatalf("8 peers: Near %d, want 1", n)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	// Negative means none, and stays so however often defaulted.
	n := Opennet{FoldProb: -1, MinAge: -1, Near: -1}.WithDefaults().WithDefaults()
	if n.FoldProb >= 0 || n.MinAge >= 0 || n.Near >= 0 {
		t.Fatalf("negative fields defaulted: %+v", n)
	}
	for _, bad := range []Opennet{{Peers: -1}, {FoldProb: 1.5}, {Rule: 7}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

func TestOpennetAnnouncing(t *testing.T) {
	o := Opennet{Peers: 3}
	peers := []OpennetPeer{{Darknet: true}, {Darknet: true}, {}, {}}
	if !o.Announcing(peers) {
		t.Fatal("2 opennet peers of 3: darknet peers must not count")
	}
	if o.Announcing(append(peers, OpennetPeer{})) {
		t.Fatal("3 opennet peers of 3: still announcing")
	}
}

func TestOpennetAcceptRoom(t *testing.T) {
	own, peers := spreadPeers()
	ok, drop := Opennet{Peers: 11, Near: 2}.Accept(own, peers, at(own, 1.05e-3, true), t0)
	if !ok || drop != -1 {
		t.Fatalf("a free slot: Accept = %v, %d; want true, -1", ok, drop)
	}
}

func TestOpennetSpread(t *testing.T) {
	o := Opennet{Peers: 10, Near: 2}
	own, peers := spreadPeers()
	peers[4].LastSuccess = t0.Add(-time.Minute) // 1e-3 was useful lately
	// A newcomer at a scale no peer covers is taken; the node drops the
	// less recently useful of the two peers that share a scale.
	if ok, drop := o.Accept(own, peers, at(own, 3.5e-3, false), t0); !ok || drop != 5 {
		t.Fatalf("an empty scale: Accept = %v, %d; want true, 5", ok, drop)
	}
	// One at a scale already covered is declined.
	if ok, drop := o.Accept(own, peers, at(own, 1.05e-3, true), t0); ok || drop != -1 {
		t.Fatalf("a covered scale: Accept = %v, %d; want false, -1", ok, drop)
	}
	if d := o.Drop(own, peers, t0); d != 5 {
		t.Fatalf("Drop = %d, want 5", d)
	}
	// A peer younger than MinAge stays: the other of the pair goes.
	peers[5].Added = t0.Add(-time.Minute)
	if d := o.Drop(own, peers, t0); d != 4 {
		t.Fatalf("Drop with 1.1e-3 young = %d, want 4", d)
	}
	// Darknet peers are never dropped: with both of the pair darknet the
	// next crowded pair (4e-2 and 1e-1, gap ln 2.5) goes, the less
	// recently useful one.
	peers[4].Darknet, peers[5].Darknet = true, true
	peers[7].LastSuccess = t0.Add(-time.Second)
	if d := o.Drop(own, peers, t0); d != 8 {
		t.Fatalf("Drop with the pair darknet = %d, want 8", d)
	}
	// A newcomer closer than a node's second-closest peer on its side is
	// one of its neighbours: always taken, even into a crowded scale.
	if ok, _ := o.Accept(own, peers, at(own, 1.2e-4, true), t0); !ok {
		t.Fatal("a new neighbour on the circle was declined")
	}
	// The closest peers on each side are kept however crowded: with Near
	// 0 the crowded 1e-4, 1.5e-4, 2e-4 go first.
	if d := (Opennet{Peers: 10, Near: -1}).Drop(own, peers, t0); d != 1 && d != 2 {
		t.Fatalf("Near none: Drop = %d, want 1 or 2", d)
	}
}

func TestOpennetNothingToDrop(t *testing.T) {
	own, peers := spreadPeers()
	for i := range peers {
		peers[i].Added = t0.Add(-time.Minute) // all younger than MinAge
	}
	o := Opennet{Peers: 10, Near: 2}
	if d := o.Drop(own, peers, t0); d != -1 {
		t.Fatalf("every peer young: Drop = %d", d)
	}
	if ok, _ := o.Accept(own, peers, at(own, 3.5e-3, false), t0); ok {
		t.Fatal("every peer young: a newcomer was taken")
	}
	if d := (Opennet{Peers: 10, Near: 2, MinAge: -1}).Drop(own, peers, t0); d != 5 && d != 4 {
		t.Fatalf("no minimum age: Drop = %d", d)
	}
	for i := range peers {
		peers[i].Darknet = true
	}
	if d := (Opennet{Peers: 10, MinAge: -1}).Drop(own, peers, t0); d != -1 {
		t.Fatalf("only darknet peers: Drop = %d", d)
	}
}

func TestOpennetLRU(t *testing.T) {
	o := Opennet{Peers: 3, Rule: DropLRU}
	own := loc(0.1)
	peers := []OpennetPeer{
		{Loc: loc(0.2), Added: t0.Add(-3 * time.Hour), LastSuccess: t0.Add(-time.Hour)},
		{Loc: loc(0.3), Added: t0.Add(-2 * time.Hour)}, // never useful: counts from Added
		{Loc: loc(0.4), Added: t0.Add(-4 * time.Hour), LastSuccess: t0.Add(-3 * time.Hour), Darknet: true},
		{Loc: loc(0.5), Added: t0.Add(-4 * time.Hour), LastSuccess: t0.Add(-30 * time.Minute)},
	}
	if d := o.Drop(own, peers, t0); d != 1 {
		t.Fatalf("LRU Drop = %d, want 1", d)
	}
	// Hyphanet takes any newcomer when a peer may be dropped.
	if ok, drop := o.Accept(own, peers, loc(0.21), t0); !ok || drop != 1 {
		t.Fatalf("LRU Accept = %v, %d; want true, 1", ok, drop)
	}
	peers[1].LastSuccess = t0.Add(-2 * time.Minute)
	if d := o.Drop(own, peers, t0); d != 0 {
		t.Fatalf("LRU Drop = %d, want 0", d)
	}
}

func TestOpennetAnnouncement(t *testing.T) {
	o := Opennet{}
	own := loc(0.3)
	peers := []OpennetPeer{{Loc: at(own, 1e-4, true)}, {Loc: at(own, 2e-4, false)}, {Loc: at(own, 0.2, true)}}
	if target, links := o.Announcement(own, peers, 0.7); target != own || links != 4 {
		t.Fatalf("3 peers: Announcement = %v, %d; want the own location, 4", target, links)
	}
	if target, links := (Opennet{HyphanetAnnounce: true}).Announcement(own, peers, 0.7); target != own || links != DefaultOpennetPeers {
		t.Fatalf("Hyphanet's: Announcement = %v, %d", target, links)
	}
	peers = append(peers, OpennetPeer{Loc: at(own, 0.01, false)})
	// From then on: log-uniform between the closest peer (1e-4) and 1/2,
	// on either side.
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 10000
	cw, low := 0, 0
	mid := math.Sqrt(1e-4 * 0.5)
	for range n {
		target, links := o.Announcement(own, peers, rng.Float64())
		if links != 1 {
			t.Fatalf("links %d, want 1", links)
		}
		d := own.DistanceTo(target).Float()
		if d < 1e-4*0.999 || d > 0.5 {
			t.Fatalf("target at distance %v", d)
		}
		if uint64(target-own) < 1<<63 {
			cw++
		}
		if d < mid {
			low++
		}
	}
	if cw < n/2-300 || cw > n/2+300 || low < n/2-300 || low > n/2+300 {
		t.Fatalf("%d of %d clockwise, %d below the geometric middle", cw, n, low)
	}
}

func TestOpennetFold(t *testing.T) {
	if !(Opennet{}).Fold(0.19) || (Opennet{}).Fold(0.2) {
		t.Fatal("the default probability is 0.2")
	}
	if (Opennet{FoldProb: -1}).Fold(0) || !(Opennet{FoldProb: 1}).Fold(0.999) {
		t.Fatal("FoldProb -1 never folds, 1 always")
	}
}

// TestSpreadKeepsShortLinks: offered peers at distances uniform on the
// circle (what path folding offers), a node that takes them by DropSpread
// ends with its links spread over the scales of distance, as 1/d wants,
// while Hyphanet's LRU ends with what it was offered: almost only long
// links.
func TestSpreadKeepsShortLinks(t *testing.T) {
	short := func(rule DropRule) int {
		rng := rand.New(rand.NewPCG(3, 4))
		o := Opennet{Peers: 20, Rule: rule}
		own := loc(0.25)
		var peers []OpennetPeer
		now := t0
		for range 5000 {
			now = now.Add(time.Minute)
			cand := Location(rng.Uint64())
			if own.DistanceTo(cand) < 1<<46 { // closer than 1/N at N = 2^18: no node there
				continue
			}
			ok, drop := o.Accept(own, peers, cand, now)
			if !ok {
				continue
			}
			if drop >= 0 {
				peers = append(peers[:drop], peers[drop+1:]...)
			}
			peers = append(peers, OpennetPeer{Loc: cand, Added: now})
			if rng.IntN(4) == 0 { // some peer answers a request
				peers[rng.IntN(len(peers))].LastSuccess = now
			}
		}
		n := 0
		for _, p := range peers {
			if own.DistanceTo(p.Loc).Float() < 0.01 {
				n++
			}
		}
		return n
	}
	// Under 1/d from 2^-18 to 1/2, 8 of 20 links are shorter than 0.01;
	// uniform, 0.4.
	if n := short(DropSpread); n < 6 {
		t.Errorf("DropSpread kept %d of 20 links shorter than 0.01, want ≥ 6", n)
	}
	if n := short(DropLRU); n > 2 {
		t.Errorf("DropLRU kept %d of 20 links shorter than 0.01; expected about 0.4", n)
	}
}
