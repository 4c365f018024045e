package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hamsnet/hams/routing"
)

// link is one entry of a node's peer list.
type link struct {
	peer  int32
	added int32 // virtual second the link came up (opennet)
	used  int64 // virtual ns the peer last brought this node a block (opennet); 0: never
}

// node is one simulated node.
type node struct {
	core     *routing.Core
	loc      routing.Location
	adj      []link // peers, kept while either end is offline
	online   bool
	attacker bool
	load     uint32 // routing messages received
	swaps    int32  // swap attempts started since the last mitigation probe
}

// network is the simulated graph: nodes, their links and locations. Links
// are symmetric; a link is live (known to both Cores) while both ends are
// online.
type network struct {
	cfg   Config
	nodes []node
	// foaf: the Cores' friend-of-a-friend lists are kept current (set once
	// the traffic starts; before, announceAll makes them in one pass).
	foaf    bool
	scratch []routing.Location
}

// peerID is the routing.PeerID of node i.
func peerID(i int32) routing.PeerID { return routing.PeerID(i) + 1 }

// nodeOf is the node of a routing.PeerID.
func nodeOf(p routing.PeerID) int32 { return int32(p - 1) }

// splitmix64 is a bijective mixer for deriving seeds and per-link values.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newRand returns a random source for one purpose of a run.
func newRand(seed uint64, purpose uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix64(seed), splitmix64(purpose)))
}

// Purposes of the random streams, so that adding draws to one part of the
// simulator does not change another's.
const (
	streamTopology = iota + 1
	streamLocations
	streamTraffic
	streamSwap
	streamCurve
	streamChurn
	streamJitter
	streamAttack
	streamOpennet
	streamSubscribe
)

// newNetwork makes n nodes with Cores at the given locations (no links).
func newNetwork(cfg Config, locs []routing.Location) (*network, error) {
	nw := &network{cfg: cfg, nodes: make([]node, len(locs))}
	for i, l := range locs {
		rc := cfg.Routing
		rc.Seed = splitmix64(cfg.Seed ^ splitmix64(uint64(i)+0x6e6f6465))
		rc.Location = l
		rc.MaxHTL = cfg.HTL
		c, err := routing.New(rc)
		if err != nil {
			return nil, err
		}
		nw.nodes[i] = node{core: c, loc: l, online: true}
	}
	return nw, nil
}

// linked reports whether a and b are peers.
func (nw *network) linked(a, b int32) bool {
	return slices.ContainsFunc(nw.nodes[a].adj, func(l link) bool { return l.peer == b })
}

// connect links a and b (both lists) and, when both are online, tells
// their Cores.
func (nw *network) connect(a, b int32, now int64) {
	if a == b || nw.linked(a, b) {
		return
	}
	added := int32(now / int64(time.Second))
	nw.nodes[a].adj = append(nw.nodes[a].adj, link{peer: b, added: added})
	nw.nodes[b].adj = append(nw.nodes[b].adj, link{peer: a, added: added})
	if nw.nodes[a].online && nw.nodes[b].online {
		nw.nodes[a].core.AddPeer(peerID(b), nw.nodes[b].loc)
		nw.nodes[b].core.AddPeer(peerID(a), nw.nodes[a].loc)
		nw.announce(a) // a's peers (b among them) learn a's new list
		nw.announce(b)
	}
}

// liveDegree is the number of a's peers that are online.
func (nw *network) liveDegree(a int32) int {
	n := 0
	for _, l := range nw.nodes[a].adj {
		if nw.nodes[l.peer].online {
			n++
		}
	}
	return n
}

// kleinbergLinks returns the Kleinberg friend graph for cfg: the ring plus
// (Degree-2)/2 long links made by each node, so that the mean degree is
// Degree (an odd remainder is made by every other node).
func kleinbergLinks(cfg Config) [][2]int {
	long := (cfg.Degree - 2) / 2
	links := routing.SmallWorld(cfg.Nodes, long, splitmix64(cfg.Seed^streamTopology))
	if (cfg.Degree-2)%2 == 1 {
		// One more long link from every other node: the same 1/d law.
		extra := routing.SmallWorld(cfg.Nodes, 1, splitmix64(cfg.Seed^streamTopology^0xe7))
		seen := make(map[[2]int]bool, len(links))
		for _, l := range links {
			seen[l] = true
		}
		for _, l := range extra {
			ring := l[1]-l[0] == 1 || (l[0] == 0 && l[1] == cfg.Nodes-1)
			if !ring && !seen[l] && l[0]%2 == 0 {
				links = append(links, l)
			}
		}
	}
	return links
}

// evenLocations places n nodes at i/n.
func evenLocations(n int) []routing.Location {
	out := make([]routing.Location, n)
	step := math.MaxUint64/uint64(n) + 1
	for i := range out {
		out[i] = routing.Location(uint64(i) * step)
	}
	return out
}

// randomLocations draws n uniform locations.
func randomLocations(n int, rng *rand.Rand) []routing.Location {
	out := make([]routing.Location, n)
	for i := range out {
		out[i] = routing.Location(rng.Uint64())
	}
	return out
}

// setLocation moves node a and tells its live peers' Cores.
func (nw *network) setLocation(a int32, l routing.Location) {
	n := &nw.nodes[a]
	n.loc = l
	n.core.SetLocation(l)
	if !n.online {
		return
	}
	for _, p := range n.adj {
		if nw.nodes[p.peer].online {
			nw.nodes[p.peer].core.AddPeer(peerID(a), l)
		}
	}
}

// greedy walks from a towards target over live links, for at most htl
// hops, moving to the peer closest to target while that is closer than the
// current node; with foaf, a peer counts as close as the closest of its
// own live peers (friend-of-a-friend, as the Cores route). It calls stop
// at every node reached (a included) and ends when stop returns true; it
// returns the hops taken and whether stop ended it.
func (nw *network) greedy(a int32, target routing.Location, htl int, foaf bool, stop func(int32) bool) (int, bool) {
	cur := a
	for hops := 0; ; hops++ {
		if stop(cur) {
			return hops, true
		}
		if hops == htl {
			return hops, false
		}
		best, bestD, bestOwn := int32(-1), nw.nodes[cur].loc.DistanceTo(target), routing.Distance(0)
		for _, l := range nw.nodes[cur].adj {
			p := &nw.nodes[l.peer]
			if !p.online {
				continue
			}
			own := p.loc.DistanceTo(target)
			d := own
			if foaf {
				for _, l2 := range p.adj {
					if q := &nw.nodes[l2.peer]; q.online && l2.peer != cur {
						d = min(d, q.loc.DistanceTo(target))
					}
				}
			}
			if d < bestD || (best >= 0 && d == bestD && own < bestOwn) {
				best, bestD, bestOwn = l.peer, d, own
			}
		}
		if best < 0 {
			return hops, false
		}
		cur = best
	}
}

// announce tells node p's live peers where p's live peers are (the
// friend-of-a-friend lists of their Cores).
func (nw *network) announce(p int32) {
	if !nw.foaf || !nw.nodes[p].online {
		return
	}
	nw.scratch = nw.scratch[:0]
	for _, l := range nw.nodes[p].adj {
		if nw.nodes[l.peer].online {
			nw.scratch = append(nw.scratch, nw.nodes[l.peer].loc)
		}
	}
	for _, l := range nw.nodes[p].adj {
		if nw.nodes[l.peer].online {
			nw.nodes[l.peer].core.SetPeerNeighbours(peerID(p), nw.scratch)
		}
	}
}

// announceAll refreshes every friend-of-a-friend list (after locations
// changed by swapping) and keeps them current from then on.
func (nw *network) announceAll() {
	nw.foaf = !nw.cfg.Routing.NoFOAF
	for i := range nw.nodes {
		nw.announce(int32(i))
	}
}

// announceAround refreshes the lists that changed when node a's links did:
// a's own and its live peers'.
func (nw *network) announceAround(a int32) {
	if !nw.foaf {
		return
	}
	nw.announce(a)
	for _, l := range nw.nodes[a].adj {
		nw.announce(l.peer)
	}
}

// maxGap returns the widest arc without an honest node, in units of
// 1/len(honest nodes).
func (nw *network) maxGap() float64 {
	locs := make([]uint64, 0, len(nw.nodes))
	for i := range nw.nodes {
		if !nw.nodes[i].attacker {
			locs = append(locs, uint64(nw.nodes[i].loc))
		}
	}
	if len(locs) < 2 {
		return 0
	}
	slices.Sort(locs)
	gap := locs[0] - locs[len(locs)-1] // wraps around
	for i := 1; i < len(locs); i++ {
		gap = max(gap, locs[i]-locs[i-1])
	}
	return float64(gap) / (1 << 64) * float64(len(locs))
}

// honestLocations returns the honest nodes' locations as fractions.
func (nw *network) honestLocations() []float64 {
	out := make([]float64, 0, len(nw.nodes))
	for i := range nw.nodes {
		if !nw.nodes[i].attacker {
			out = append(out, nw.nodes[i].loc.Float())
		}
	}
	return out
}
