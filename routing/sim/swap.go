package sim

import (
	"math/rand/v2"

	"github.com/hamsnet/hams/routing"
)

// swapper runs location swapping over a network: honest nodes by the
// Metropolis–Hastings rule (routing.SwapAccept), Pitch Black attackers by
// handing out fabricated locations, and the defence (routing.Relocate).
type swapper struct {
	cfg    Config
	nw     *network
	rng    *rand.Rand
	points []routing.Location // the attackers' chosen locations
	// attacking: the attackers fabricate locations (from the first epoch
	// on; before, while the darknet converges, they swap honestly).
	attacking bool
	// beta is the inverse temperature of the honest swaps (1: Hyphanet's
	// rule; lower while a darknet anneals).
	beta float64

	attempts, accepted, relocations int
	pa, pb                          []routing.Location // scratch
}

func newSwapper(cfg Config, nw *network) *swapper {
	s := &swapper{cfg: cfg, nw: nw, rng: newRand(cfg.Seed, streamSwap), beta: 1}
	if cfg.Attack == PitchBlack {
		ar := newRand(cfg.Seed, streamAttack)
		for range cfg.AttackPoints {
			s.points = append(s.points, routing.Location(ar.Uint64()))
		}
	}
	return s
}

// round makes every online node start one swap attempt on average
// (attackers AttackRate each), in random order.
func (s *swapper) round() {
	n := len(s.nw.nodes)
	for range n {
		a := int32(s.rng.IntN(n))
		if !s.nw.nodes[a].online {
			continue
		}
		times := 1
		if s.attacking && s.nw.nodes[a].attacker {
			times = s.cfg.AttackRate
		}
		for range times {
			s.attempt(a)
		}
	}
}

// walk returns the end of a random walk of SwapWalk steps from a over live
// links (not stepping straight back when another choice exists), or -1.
func (s *swapper) walk(a int32) int32 {
	cur, prev := a, int32(-1)
	for range s.cfg.SwapWalk {
		adj := s.nw.nodes[cur].adj
		live := 0
		for _, l := range adj {
			if s.nw.nodes[l.peer].online && l.peer != prev {
				live++
			}
		}
		if live == 0 {
			if prev < 0 || !s.nw.nodes[prev].online {
				return -1
			}
			cur, prev = prev, cur
			continue
		}
		k := s.rng.IntN(live)
		for _, l := range adj {
			if s.nw.nodes[l.peer].online && l.peer != prev {
				if k == 0 {
					cur, prev = l.peer, cur
					break
				}
				k--
			}
		}
	}
	return cur
}

// peerLocs returns a's live peers' locations, without b.
func (s *swapper) peerLocs(dst []routing.Location, a, b int32) []routing.Location {
	dst = dst[:0]
	for _, l := range s.nw.nodes[a].adj {
		if l.peer != b && s.nw.nodes[l.peer].online {
			dst = append(dst, s.nw.nodes[l.peer].loc)
		}
	}
	return dst
}

// attempt makes node a start one swap attempt.
func (s *swapper) attempt(a int32) {
	b := s.walk(a)
	if b < 0 || b == a {
		return
	}
	s.attempts++
	na, nb := &s.nw.nodes[a], &s.nw.nodes[b]
	switch {
	case s.attacking && na.attacker && nb.attacker:
	case s.attacking && (na.attacker || nb.attacker):
		// The attacker claims a location next to one of its points and
		// peers that make the swap look good: the honest node takes the
		// fabricated location, the attacker keeps its own.
		honest, attacker := a, b
		if na.attacker {
			honest, attacker = b, a
		}
		f := s.fabricated()
		if s.limited() {
			s.pa = s.peerLocs(s.pa, honest, attacker)
			if routing.SwapOwnRefuses(s.nw.nodes[honest].loc, f, s.pa, s.cfg.OwnLimit) {
				break // the honest node refuses to move away from its peers
			}
		}
		s.accepted++
		s.nw.setLocation(honest, f)
	default:
		s.pa = s.peerLocs(s.pa, a, b)
		s.pb = s.peerLocs(s.pb, b, a)
		if s.limited() && (routing.SwapOwnRefuses(na.loc, nb.loc, s.pa, s.cfg.OwnLimit) ||
			routing.SwapOwnRefuses(nb.loc, na.loc, s.pb, s.cfg.OwnLimit)) {
			break
		}
		if routing.SwapAcceptAt(na.loc, s.pa, nb.loc, s.pb, s.rng.Float64(), s.beta) {
			s.accepted++
			la, lb := na.loc, nb.loc
			s.nw.setLocation(a, lb)
			s.nw.setLocation(b, la)
		}
	}
	if s.cfg.Mitigation && !(s.attacking && na.attacker) {
		na.swaps++
		if int(na.swaps) >= s.cfg.MitigationEvery {
			na.swaps = 0
			s.probe(a)
		}
	}
}

// limited reports whether nodes refuse swaps by their own cost: the
// defence is on with its limit, and annealing is over.
func (s *swapper) limited() bool {
	return s.cfg.Mitigation && s.cfg.OwnLimit >= 0 && s.beta == 1
}

// fabricated returns a location within 2^-40 of the circle of one of the
// attackers' points.
func (s *swapper) fabricated() routing.Location {
	p := s.points[s.rng.IntN(len(s.points))]
	return p + routing.Location(s.rng.Uint64()>>40) - 1<<23
}

// probe runs the Pitch Black defence at a: route greedily to a random
// location and move there when the keyspace around it is empty
// (routing.Relocate).
func (s *swapper) probe(a int32) {
	target := routing.Location(s.rng.Uint64())
	found := s.nw.nodes[a].loc.DistanceTo(target)
	s.nw.greedy(a, target, int(s.cfg.HTL), !s.cfg.Routing.NoFOAF, func(v int32) bool {
		found = min(found, s.nw.nodes[v].loc.DistanceTo(target))
		return false
	})
	nearest, any := routing.Distance(0), false
	for _, l := range s.nw.nodes[a].adj {
		if s.nw.nodes[l.peer].online {
			d := s.nw.nodes[a].loc.DistanceTo(s.nw.nodes[l.peer].loc)
			if !any || d < nearest {
				nearest, any = d, true
			}
		}
	}
	if any && routing.Relocate(found, nearest, routing.DefaultRelocateFactor) {
		s.relocations++
		s.nw.setLocation(a, target)
	}
}

// curvePoint measures greedy routing (with friend-of-a-friend lookahead
// when foaf) between sample random pairs of online honest nodes, with rng
// (so that measuring does not change the swaps).
func curvePoint(nw *network, htl int, foaf bool, sample int, rng *rand.Rand) (hopsMean, success float64) {
	n := len(nw.nodes)
	total, ok, tried := 0, 0, 0
	for draws := 0; tried < sample && draws < 100*sample; draws++ {
		a, b := int32(rng.IntN(n)), int32(rng.IntN(n))
		na, nb := &nw.nodes[a], &nw.nodes[b]
		if a == b || !na.online || !nb.online || na.attacker || nb.attacker {
			continue
		}
		tried++
		if hops, reached := nw.greedy(a, nb.loc, htl, foaf, func(v int32) bool { return v == b }); reached {
			ok++
			total += hops
		}
	}
	if ok > 0 {
		hopsMean = float64(total) / float64(ok)
	}
	if tried > 0 {
		success = float64(ok) / float64(tried)
	}
	return hopsMean, success
}
