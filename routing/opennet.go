package routing

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Opennet: strangers' nodes link to each other by announcement and path
// folding, as in Hyphanet's opennet (fred's OpennetManager and Announcer).
// A node that joins announces itself through a seed node: the
// announcement is routed like a request towards a target location, the
// nodes it reaches that want the newcomer answer with their noderef, and
// the newcomer links to them; it announces until it has its opennet peers.
// When a request succeeds, the noderef of the node that answered may
// travel back to the requester, and the two may link (path folding). A
// full node makes room by dropping its least useful opennet peer; darknet
// peers (friends) are never dropped for opennet ones.
//
// Greedy routing finds short paths when every node is linked to its
// neighbours on the circle and its other links are spread evenly over the
// scales of distance, link probability ∝ 1/d (Kleinberg, "The small-world
// phenomenon: an algorithmic perspective", STOC 2000). Path folding offers
// links whose length is uniform on the circle (the answering node is near
// a random key), and Hyphanet's LRU replacement keeps what it is offered:
// Roos, Schiller, Hacker and Strufe ("Measuring Freenet in the wild:
// censorship-resilience under observation", PETS 2014) found Hyphanet's
// opennet links uniform rather than 1/d and proposed choosing peers by
// distance. Two rules here differ from Hyphanet's for that reason, each
// chosen by the simulator (docs/simulation.md, Opennet): a full node drops
// the peer that adds least to the spread of its distances (DropSpread)
// rather than the least recently useful, and announcements after the
// first go to points drawn from 1/d (Announcement) rather than to the
// node's own location. Each node applies them to what it knows itself:
// its peers' locations, when each was added and when each was last
// useful.

// OpennetPeer is what a node knows of one of its peers for the opennet
// rules.
type OpennetPeer struct {
	// Loc is the peer's location.
	Loc Location
	// Added is when the link came up.
	Added time.Time
	// LastSuccess is when the peer last answered one of this node's
	// requests with data (zero: never; counts as Added).
	LastSuccess time.Time
	// Darknet marks a friend's node: counted as a peer, never dropped.
	Darknet bool
}

// lastUseful is LastSuccess, or Added for a peer that never answered.
func (p *OpennetPeer) lastUseful() time.Time {
	if p.LastSuccess.After(p.Added) {
		return p.LastSuccess
	}
	return p.Added
}

// DropRule names the rule that picks the opennet peer a full node drops.
type DropRule uint8

// Drop rules.
const (
	// DropSpread keeps the peers' distances spread evenly over the scales
	// of distance (link probability ∝ 1/d): it drops the peer whose log
	// distance is nearest another peer's, the less recently useful of the
	// two. Its Near closest peers on each side are kept.
	DropSpread DropRule = iota
	// DropLRU is Hyphanet's rule: the peer that least recently answered
	// a request successfully (OpennetManager's peersLRU).
	DropLRU
)

// Defaults of Opennet.
const (
	// DefaultOpennetPeers is the number of opennet peers a node keeps
	// and announces for (Hyphanet's nodes keep 10 to 40, by bandwidth).
	// With these rules a 10,000-node opennet finds every request from 8
	// peers up, in 5.7 mean hops at 8 and 3.4 at 20; under Weibull churn
	// 8 peers lose 11% of the requests, 12 lose 0.25%, 20 lose 0.01%
	// (docs/simulation.md, Opennet).
	DefaultOpennetPeers = 20
	// DefaultFoldProb is the probability that a successful request offers
	// the answering node's noderef to the requester. The joins already
	// spread the links: from 0.05 to 1 the simulator's mean hops change
	// by 3%, so few noderefs travel.
	DefaultFoldProb = 0.2
	// DefaultDropMinAge is how long a new opennet peer is kept before it
	// may be dropped (fred's DROP_MIN_AGE, 5 minutes).
	DefaultDropMinAge = 5 * time.Minute
)

// Opennet holds the opennet rules' parameters. The zero value of every
// field takes the default given in its comment.
type Opennet struct {
	// Peers is the number of opennet peers a node keeps: it announces
	// until it has them, and drops one to take another when it has them.
	// Default DefaultOpennetPeers.
	Peers int
	// FoldProb is the probability of path folding after a successful
	// request (see Fold). Default DefaultFoldProb; negative: never.
	FoldProb float64
	// MinAge is how long a new peer is kept before it may be dropped.
	// Default DefaultDropMinAge; negative: none.
	MinAge time.Duration
	// Near is how many closest peers on each side of the node's location
	// DropSpread keeps, and half the peers the first announcement links
	// to. Default one per 10 Peers, at least 1 (the simulator: at 8
	// peers 1 takes 5.7 hops and 2 take 6.3; at 20, 2 keep 99.7% of the
	// neighbours on the circle linked, 1 98%, none 75%); negative: none.
	Near int
	// Rule picks the peer to drop. Default DropSpread.
	Rule DropRule
	// HyphanetAnnounce makes every announcement go to the node's own
	// location and link to every node that answers, as Hyphanet's do
	// (see Announcement). For comparisons.
	HyphanetAnnounce bool
}

// WithDefaults returns o with every zero field defaulted.
func (o Opennet) WithDefaults() Opennet {
	if o.Peers == 0 {
		o.Peers = DefaultOpennetPeers
	}
	if o.FoldProb == 0 {
		o.FoldProb = DefaultFoldProb
	}
	if o.MinAge == 0 {
		o.MinAge = DefaultDropMinAge
	}
	if o.Near == 0 {
		o.Near = max(1, o.Peers/10)
	}
	return o
}

// Validate reports whether o, with defaults applied, can be used.
func (o Opennet) Validate() error {
	o = o.WithDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("routing: opennet: "+f, a...) }
	switch {
	case o.Peers < 1:
		return bad("Peers %d is not positive", o.Peers)
	case !(o.FoldProb <= 1):
		return bad("FoldProb %v is not a probability", o.FoldProb)
	case o.Rule != DropSpread && o.Rule != DropLRU:
		return bad("unknown Rule %d", o.Rule)
	}
	return nil
}

// opennetCount is the number of opennet peers in peers.
func opennetCount(peers []OpennetPeer) int {
	n := 0
	for i := range peers {
		if !peers[i].Darknet {
			n++
		}
	}
	return n
}

// Announcing reports whether a node with these peers announces itself
// (again): while it has fewer opennet peers than Peers.
func (o Opennet) Announcing(peers []OpennetPeer) bool {
	return opennetCount(peers) < o.WithDefaults().Peers
}

// Announcement returns where a node at own with these peers sends its
// next announcement, and how many of the nodes that answer it links to,
// closest to target first. u is a uniform random number in [0,1) drawn by
// the caller.
//
// A node with fewer than 2·Near opennet peers announces to its own
// location, as Hyphanet's nodes do, and links to the 2·Near closest nodes
// that answer: its neighbours on the circle. After that it announces to a
// point at a distance drawn from 1/d between its closest peer's distance
// (about the spacing of nodes there) and 1/2, on a side chosen by u, and
// links to the one answering node closest to that point, so that its links
// spread evenly over the scales of distance from the start: Kleinberg's
// distribution drawn directly, as Gerard proposed for path folding on
// the Freenet developers' list ("peer finding"). With HyphanetAnnounce every announcement
// goes to the own location and the node links to every node that answers.
func (o Opennet) Announcement(own Location, peers []OpennetPeer, u float64) (target Location, links int) {
	o = o.WithDefaults()
	ring := 2 * max(o.Near, 1)
	if o.HyphanetAnnounce {
		return own, o.Peers
	}
	if opennetCount(peers) < ring {
		return own, ring
	}
	near := Distance(math.MaxUint64)
	for i := range peers {
		near = min(near, own.DistanceTo(peers[i].Loc))
	}
	lo, hi := math.Log(float64(max(near, 1))), math.Log(float64(uint64(1)<<63))
	cw := u < 0.5
	u = 2 * u
	if !cw {
		u--
	}
	d := Location(min(math.Exp(lo+u*(hi-lo)), float64(uint64(1)<<63)))
	if cw {
		return own + d, 1
	}
	return own - d, 1
}

// Accept decides whether a node at own with these peers links to a node
// at cand. With fewer than Peers opennet peers it accepts; otherwise it
// accepts when it would rather drop one of its opennet peers than cand
// (by Rule: with DropSpread, when cand adds more to the spread of its
// distances than the peer it drops; with DropLRU, whenever a peer may be
// dropped), and drop is that peer's index (-1 when it accepts into a free
// slot or declines); the peer goes once the new link is up.
//
// Both ends of every opennet link decide by it: a node an announcement
// reaches answers when it accepts the newcomer, and the newcomer links
// to the answerers it accepts (Announcement says how many); after a
// successful request, the originator takes the answering node's offered
// noderef when it accepts it, and the answering node then takes the
// originator when it accepts it too.
func (o Opennet) Accept(own Location, peers []OpennetPeer, cand Location, now time.Time) (ok bool, drop int) {
	o = o.WithDefaults()
	if opennetCount(peers) < o.Peers {
		return true, -1
	}
	all := make([]OpennetPeer, len(peers)+1)
	copy(all, peers)
	all[len(peers)] = OpennetPeer{Loc: cand, Added: now}
	k := o.leastUseful(own, all, now, len(peers))
	if k < 0 || k == len(peers) {
		return false, -1
	}
	return true, k
}

// Drop returns the index of the opennet peer a full node drops to make
// room (or one with more than Peers drops, one at a time), or -1 when
// none may be dropped: darknet peers, peers younger than MinAge, and
// with DropSpread the Near closest on each side, are kept.
func (o Opennet) Drop(own Location, peers []OpennetPeer, now time.Time) int {
	return o.WithDefaults().leastUseful(own, peers, now, -1)
}

// Fold reports whether a successful request folds the path: the node
// that answered offers its noderef to the requester. u is a uniform
// random number in [0,1) drawn by the caller.
func (o Opennet) Fold(u float64) bool { return u < o.WithDefaults().FoldProb }

// leastUseful returns the index of the peer to drop, -1 if none may go.
// cand, when not -1, is a candidate that is not a peer yet: it may be
// picked whatever its age.
func (o Opennet) leastUseful(own Location, peers []OpennetPeer, now time.Time, cand int) int {
	ok := make([]bool, len(peers))
	used := make([]time.Time, len(peers)) // a candidate has not proved itself yet
	for i := range peers {
		ok[i] = !peers[i].Darknet && (i == cand || now.Sub(peers[i].Added) >= o.MinAge)
		if i != cand {
			used[i] = peers[i].lastUseful()
		}
	}
	if o.Rule == DropLRU {
		best := -1
		for i := range peers {
			if ok[i] && i != cand && (best < 0 || used[i].Before(used[best])) {
				best = i
			}
		}
		return best
	}
	// The Near closest on each side are kept.
	for _, cw := range []bool{true, false} {
		idx := make([]int, 0, len(peers))
		for i := range peers {
			if (uint64(peers[i].Loc-own) < 1<<63) == cw && peers[i].Loc != own {
				idx = append(idx, i)
			}
		}
		slices.SortFunc(idx, func(a, b int) int {
			return cmp.Compare(own.DistanceTo(peers[a].Loc), own.DistanceTo(peers[b].Loc))
		})
		for _, i := range idx[:min(max(o.Near, 0), len(idx))] {
			ok[i] = false
		}
	}
	// Log distances, sorted: the peer nearest another in log distance
	// is the most redundant.
	order := make([]int, len(peers))
	x := make([]float64, len(peers))
	for i := range peers {
		order[i] = i
		x[i] = math.Log(float64(max(own.DistanceTo(peers[i].Loc), 1)))
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	best, bestGap := -1, math.Inf(1)
	for k, i := range order {
		if !ok[i] {
			continue
		}
		gap := math.Inf(1)
		if k > 0 {
			gap = x[i] - x[order[k-1]]
		}
		if k+1 < len(order) {
			gap = min(gap, x[order[k+1]]-x[i])
		}
		if best < 0 || gap < bestGap || (gap == bestGap && used[i].Before(used[best])) {
			best, bestGap = i, gap
		}
	}
	return best
}
