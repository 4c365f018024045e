package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"

	"github.com/hamsnet/hams/routing"
)

// opennet grows and rewires the network the way Hyphanet's opennet does:
// nodes join by announcing themselves through a seed node, and a
// successful request lets its requester link to the node that answered
// (path folding); a node with no free slot drops its least recently
// useful peer. Degree is every node's maximum of peers.
type opennet struct {
	e   *engine
	rng *rand.Rand
}

// buildOpennet makes cfg.Seeds seed nodes linked to each other and lets
// the other nodes join one by one, as Hyphanet's announcements do: the
// newcomer's announcement goes from a random seed greedily towards the
// newcomer's location, going on to the closest peer not yet visited for
// HTL hops like an insert, and the nodes closest to the newcomer's location link to it
// until it has Degree peers. A full node takes it by dropping its least
// recently used peer, half the time.
func buildOpennet(e *engine) *opennet {
	o := &opennet{e: e, rng: newRand(e.cfg.Seed, streamOpennet)}
	nw, seeds := e.nw, min(e.cfg.Seeds, len(e.nw.nodes))
	for a := range seeds {
		for b := a + 1; b < seeds && len(nw.nodes[a].adj) < e.cfg.Degree; b++ {
			if len(nw.nodes[b].adj) < e.cfg.Degree {
				nw.connect(int32(a), int32(b), 0)
			}
		}
	}
	var cands []int32
	mark := make(map[int32]bool)
	for i := int32(seeds); int(i) < len(nw.nodes); i++ {
		target := nw.nodes[i].loc
		s := int32(o.rng.IntN(seeds))
		cands = cands[:0]
		clear(mark)
		add := func(v int32) {
			if !mark[v] && v != i {
				mark[v] = true
				cands = append(cands, v)
			}
		}
		// The announcement goes like an insert: to the closest peer not yet
		// visited, for HTL hops, so that it ends among the nodes around
		// target; they and their peers are the candidates.
		cur := s
		add(cur)
		for range e.cfg.HTL {
			next := int32(-1)
			var nd routing.Distance
			for _, l := range nw.nodes[cur].adj {
				if d := nw.nodes[l.peer].loc.DistanceTo(target); !mark[l.peer] && (next < 0 || d < nd) {
					next, nd = l.peer, d
				}
			}
			if next < 0 {
				break
			}
			cur = next
			add(cur)
		}
		for _, v := range slices.Clone(cands) {
			for _, l := range nw.nodes[v].adj {
				add(l.peer)
			}
		}
		slices.SortStableFunc(cands, func(a, b int32) int {
			return cmp.Compare(nw.nodes[a].loc.DistanceTo(target), nw.nodes[b].loc.DistanceTo(target))
		})
		for _, v := range cands {
			if len(nw.nodes[i].adj) >= e.cfg.Degree {
				break
			}
			o.offer(v, i)
		}
		if len(nw.nodes[i].adj) == 0 {
			o.makeRoom(s)
			nw.connect(s, i, 0)
		}
	}
	return o
}

// offer asks v to link to newcomer i.
func (o *opennet) offer(v, i int32) {
	nw := o.e.nw
	if len(nw.nodes[v].adj) < o.e.cfg.Degree {
		nw.connect(v, i, o.e.now)
		return
	}
	if o.rng.IntN(2) == 0 && o.makeRoom(v) {
		nw.connect(v, i, o.e.now)
	}
}

// makeRoom drops v's least recently used peer among those with more than
// Degree/2 peers (so that nobody is stranded), when v is full. It reports
// whether v has a free slot.
func (o *opennet) makeRoom(v int32) bool {
	nw := o.e.nw
	if len(nw.nodes[v].adj) < o.e.cfg.Degree {
		return true
	}
	drop := -1
	for k, l := range nw.nodes[v].adj {
		if len(nw.nodes[l.peer].adj) > o.e.cfg.Degree/2 && (drop < 0 || l.used < nw.nodes[v].adj[drop].used) {
			drop = k
		}
	}
	if drop < 0 {
		return false
	}
	o.disconnect(v, nw.nodes[v].adj[drop].peer)
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

// touch marks the link a-b as having carried a block now.
func (o *opennet) touch(a, b int32) {
	for _, x := range [2][2]int32{{a, b}, {b, a}} {
		adj := o.e.nw.nodes[x[0]].adj
		for k := range adj {
			if adj[k].peer == x[1] {
				adj[k].used = o.e.now
			}
		}
	}
}

// fold links a successful request's requester to the node that answered,
// with probability FoldProb, making room on both sides.
func (o *opennet) fold(op *op) {
	a, b := op.origin, op.source
	nw := o.e.nw
	if b < 0 || a == b || nw.linked(a, b) || !nw.nodes[a].online || !nw.nodes[b].online {
		return
	}
	if o.rng.Float64() >= o.e.cfg.FoldProb {
		return
	}
	if o.makeRoom(a) && o.makeRoom(b) {
		nw.connect(a, b, o.e.now)
	}
}
