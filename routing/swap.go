package routing

import "math"

// Location swapping (Sandberg, "Distributed routing in small-world
// networks", 2006; Hyphanet's LocationManager): two nodes exchange their
// locations when that makes the product of the distances to their peers
// smaller, and otherwise with probability before/after, a Metropolis–Hastings
// step whose stationary distribution favours locations close to the
// peers'. Repeated over a friend graph with small-world structure, it
// recovers locations under which greedy routing works.

// SwapAccept reports whether nodes at a and b, whose peers are at pa and
// pb, swap their locations. When a and b are peers of each other, leave
// each out of the other's list: their distance does not change. u is a
// uniform random number in [0,1) drawn by the caller.
func SwapAccept(a Location, pa []Location, b Location, pb []Location, u float64) bool {
	before := logDistances(a, pa) + logDistances(b, pb)
	after := logDistances(b, pa) + logDistances(a, pb)
	if after <= before {
		return true
	}
	return u < math.Exp(before-after)
}

// logDistances returns Σ log d(l, p) over ps, with a distance of 0 counted
// as the smallest non-zero one so that the sum stays finite.
func logDistances(l Location, ps []Location) float64 {
	s := 0.0
	for _, p := range ps {
		s += math.Log(float64(max(l.DistanceTo(p), 1)))
	}
	return s
}

// DefaultRelocateFactor is the factor of Relocate that the simulator and
// docs/simulation.md use: high enough that a healthy network, whose gaps
// vary by a factor of tens, hardly ever moves a node (at 8, a 10,000-node
// network that swaps lost 13% of its requests to needless moves), low
// enough that a node sitting on a clump (peers within 2^-40 of the circle)
// always moves.
const DefaultRelocateFactor = 1000

// Relocate is the Pitch Black defence proposed by Oskar Sandberg and
// simulated by Michael Grube and Arne Babenhauserheide for Hyphanet (2013):
// a node now and then routes to a random location target; found is the
// distance from target to the closest node that routing reached, nearest
// the distance from this node to its closest peer. When found exceeds
// factor×nearest, the keyspace around target is emptier than around this
// node, as when attackers have pulled locations into clumps, and the node
// moves to target. It needs no estimate of the network's size.
func Relocate(found, nearest Distance, factor float64) bool {
	return float64(found) > factor*float64(nearest)
}
