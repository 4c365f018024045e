package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hamsnet/hams/routing"
)

// joinEvery is the virtual time between two joins: the network grows
// by one node a minute, the last joining as the traffic starts, so that
// routing.Opennet.MinAge protects new links as it would in a real
// network (the numbers hardly change from one join a second to one in
// ten minutes).
const joinEvery = time.Minute

// opennet grows and rewires the network by the opennet rules of the
// routing package (routing.Opennet): nodes join by announcing themselves
// through a seed node, and a successful request may link its requester to
// the node that answered (path folding). Every node is an opennet node;
// Config.Degree is every node's number of opennet peers.
type opennet struct {
	e     *engine
	rng   *rand.Rand
	rules routing.Opennet
	peers []routing.OpennetPeer // scratch
	mark  map[int32]bool        // nodes an announcement reached
	path  []int32
}

// buildOpennet makes the seed nodes (seedCount) linked to each other and
// lets the other nodes join one by one (join).
func buildOpennet(e *engine) *opennet {
	o := &opennet{e: e, rng: newRand(e.cfg.Seed, streamOpennet), rules: e.cfg.Opennet, mark: make(map[int32]bool)}
	nw, seeds := e.nw, seedCount(e.cfg)
	for a := range seeds {
		for b := a + 1; b < seeds; b++ {
			nw.connect(int32(a), int32(b), -int64(len(nw.nodes))*int64(joinEvery))
		}
	}
	// Node i joins at -(N-i)·joinEvery: the last one as the traffic starts.
	for i := int32(seeds); int(i) < len(nw.nodes); i++ {
		e.now = -int64(len(nw.nodes)-int(i)) * int64(joinEvery)
		o.join(i, seeds)
	}
	e.now = 0
	return o
}

// seedCount is the number of seed nodes of an opennet: cfg.Seeds, but at
// most Peers+1, so that the seeds are linked to each other with every
// seed keeping at most Peers peers, and at most Nodes. More seeds than
// Peers+1 cannot all be linked to each other: linking them in index order
// while both ends had room made disjoint cliques of Peers+1 (16 seeds at
// 5 peers: 0-5, 6-11, 12-15), which only the joins could bridge, and a
// network of no more nodes than seeds had no join at all (10 nodes at 5
// peers: two cliques, half the keys out of reach).
func seedCount(cfg Config) int {
	return min(cfg.Seeds, cfg.Opennet.Peers+1, cfg.Nodes)
}

// peersOf fills o.peers with what node v knows of its peers.
func (o *opennet) peersOf(v int32) []routing.OpennetPeer {
	o.peers = o.peers[:0]
	for _, l := range o.e.nw.nodes[v].adj {
		p := routing.OpennetPeer{Loc: o.e.nw.nodes[l.peer].loc, Added: time.Unix(int64(l.added), 0)}
		if l.used > 0 {
			p.LastSuccess = time.Unix(0, l.used)
		}
		o.peers = append(o.peers, p)
	}
	return o.peers
}

// join lets node i announce itself while routing.Opennet.Announcing says
// so, at most 2·Peers times: each announcement starts at a random seed
// and is routed towards the target routing.Opennet.Announcement gives,
// like an insert: to the peer closest to the target (with
// friend-of-a-friend lookahead, as the Cores route) not yet reached, for
// HTL hops. The nodes it reached answer, closest to the target first,
// when routing.Opennet.Accept says so, and i links to as many as
// Announcement said while it accepts them too. A node that found no
// peer at all links to its seed.
func (o *opennet) join(i int32, seeds int) {
	nw := o.e.nw
	for a := 0; a < 2*o.rules.Peers && o.rules.Announcing(o.peersOf(i)); a++ {
		s := int32(o.rng.IntN(seeds))
		target, take := o.rules.Announcement(nw.nodes[i].loc, o.peersOf(i), o.rng.Float64())
		path := o.route(s, target, i)
		slices.SortStableFunc(path, func(a, b int32) int {
			return cmp.Compare(nw.nodes[a].loc.DistanceTo(target), nw.nodes[b].loc.DistanceTo(target))
		})
		for _, v := range path {
			if take == 0 {
				break
			}
			if nw.linked(v, i) {
				continue
			}
			if o.link(i, v) {
				take--
			}
		}
	}
	if len(nw.nodes[i].adj) == 0 {
		s := int32(o.rng.IntN(seeds))
		nw.connect(s, i, o.e.now)
	}
}

// route returns the nodes an announcement from s towards target reaches
// (s included, i left out).
func (o *opennet) route(s int32, target routing.Location, i int32) []int32 {
	nw := o.e.nw
	clear(o.mark)
	o.mark[i] = true
	o.path = append(o.path[:0], s)
	o.mark[s] = true
	cur := s
	for range o.e.cfg.HTL {
		next := int32(-1)
		var nd, nown routing.Distance
		for _, l := range nw.nodes[cur].adj {
			if o.mark[l.peer] {
				continue
			}
			own := nw.nodes[l.peer].loc.DistanceTo(target)
			d := own
			if !o.e.cfg.Routing.NoFOAF {
				for _, l2 := range nw.nodes[l.peer].adj {
					if !o.mark[l2.peer] {
						d = min(d, nw.nodes[l2.peer].loc.DistanceTo(target))
					}
				}
			}
			if next < 0 || d < nd || (d == nd && own < nown) {
				next, nd, nown = l.peer, d, own
			}
		}
		if next < 0 {
			break
		}
		cur = next
		o.mark[cur] = true
		o.path = append(o.path, cur)
	}
	return o.path
}

// link links a and b when both accept the other by routing.Opennet.Accept,
// each dropping the peer it names; it reports whether they linked.
func (o *opennet) link(a, b int32) bool {
	nw, now := o.e.nw, o.e.time()
	okA, dropA := o.rules.Accept(nw.nodes[a].loc, o.peersOf(a), nw.nodes[b].loc, now)
	if !okA {
		return false
	}
	okB, dropB := o.rules.Accept(nw.nodes[b].loc, o.peersOf(b), nw.nodes[a].loc, now)
	if !okB {
		return false
	}
	pa, pb := int32(-1), int32(-1)
	if dropA >= 0 {
		pa = nw.nodes[a].adj[dropA].peer
	}
	if dropB >= 0 {
		pb = nw.nodes[b].adj[dropB].peer
	}
	if pa >= 0 {
		o.disconnect(a, pa)
	}
	if pb >= 0 && nw.linked(b, pb) {
		o.disconnect(b, pb)
	}
	nw.connect(a, b, o.e.now)
	return true
}

// disconnect removes the link a-b from both lists and Cores.
func (o *opennet) disconnect(a, b int32) {
	nw, now := o.e.nw, o.e.time()
	nw.nodes[a].adj = slices.DeleteFunc(nw.nodes[a].adj, func(l link) bool { return l.peer == b })
	nw.nodes[b].adj = slices.DeleteFunc(nw.nodes[b].adj, func(l link) bool { return l.peer == a })
	if nw.nodes[a].online && nw.nodes[b].online {
		nw.nodes[a].core.RemovePeer(now, peerID(b))
		o.e.drive(a)
		nw.nodes[b].core.RemovePeer(now, peerID(a))
		o.e.drive(b)
		nw.announce(a)
		nw.announce(b)
	}
}

// touch records that node a got a block from its peer b now: b was
// useful to a (routing.OpennetPeer.LastSuccess; fred's
// OpennetManager.onSuccess promotes the peer that returned the data).
func (o *opennet) touch(a, b int32) {
	adj := o.e.nw.nodes[a].adj
	for k := range adj {
		if adj[k].peer == b {
			adj[k].used = o.e.now
		}
	}
}

// fold: when a request succeeds, the node that answered offers its
// noderef to the requester with routing.Opennet.Fold's probability, and
// the two link if both accept (link).
func (o *opennet) fold(op *op) {
	a, b := op.origin, op.source
	nw := o.e.nw
	if b < 0 || a == b || nw.linked(a, b) || !nw.nodes[a].online || !nw.nodes[b].online {
		return
	}
	if !o.rules.Fold(o.rng.Float64()) {
		return
	}
	o.link(a, b)
}
