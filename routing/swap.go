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
	return SwapAcceptAt(a, pa, b, pb, u, 1)
}

// SwapAcceptAt is SwapAccept at inverse temperature beta: a swap that makes
// the product of distances longer is accepted with probability
// (before/after)^beta. Beta 1 is Hyphanet's rule (SwapAccept); below 1
// uphill swaps pass more often, which lets a scrambled network rearrange
// whole stretches of the circle before it settles (see AnnealBeta).
func SwapAcceptAt(a Location, pa []Location, b Location, pb []Location, u, beta float64) bool {
	before := logDistances(a, pa) + logDistances(b, pb)
	after := logDistances(b, pa) + logDistances(a, pb)
	if after <= before {
		return true
	}
	return u < math.Exp(beta*(before-after))
}

// DefaultAnnealFrom is the inverse temperature an annealed node starts
// swapping at (AnnealBeta): low enough that a scrambled 10,000-node
// network orders its locations at large scale before it freezes, high
// enough that the ordering starts at once (docs/simulation.md).
const DefaultAnnealFrom = 0.25

// AnnealBeta returns the inverse temperature of a node's swap attempt
// number done (from 0) when it anneals over its first ramp attempts from
// beta0: rising linearly from beta0 to 1, and 1 (Hyphanet's rule,
// SwapAccept) from attempt ramp on. Started from scrambled locations,
// swapping at beta 1 from the first attempt freezes a large network into
// many locally ordered fragments (a quench); warming it up first and
// cooling slowly leaves far fewer.
func AnnealBeta(done, ramp int, beta0 float64) float64 {
	if done >= ramp || ramp <= 0 {
		return 1
	}
	return beta0 + (1-beta0)*float64(done)/float64(ramp)
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

// DefaultSwapOwnLimit is the own-cost limit (SwapOwnCost) of the Pitch
// Black defence the simulator uses: a node refuses a swap that moves it
// away from its peers by more than a mean factor of e^0.1 ≈ 1.1 per peer.
// Swaps of a settled network hardly ever come near it (a 10,000-node
// Kleinberg network that swaps with it loses nothing); a fabricated
// location far from the node's peers is far above it.
const DefaultSwapOwnLimit = 0.1

// SwapOwnCost is what a node can check about a swap on its own, whatever
// its partner claims: the mean change of the log distances to its peers ps
// when it moves from from to to. Positive means the move takes it away
// from its peers. A distance shorter than the node's present distance to
// its nearest peer counts as that distance, so that moving on top of a
// peer (as onto a clump that has swallowed some of its peers) earns
// nothing.
//
// Hyphanet's rule weighs the partner's claimed gain against this node's
// loss, so a Pitch Black attacker who claims a large gain can make any node
// take any location; a node that also refuses swaps whose own cost exceeds
// a limit (DefaultSwapOwnLimit) takes only locations that suit its own
// peers. With no peers the cost is 0.
func SwapOwnCost(from, to Location, ps []Location) float64 {
	if len(ps) == 0 {
		return 0
	}
	floor := Distance(math.MaxUint64)
	for _, p := range ps {
		floor = min(floor, from.DistanceTo(p))
	}
	floor = max(floor, 1)
	c := 0.0
	for _, p := range ps {
		c += math.Log(float64(max(to.DistanceTo(p), floor))) - math.Log(float64(max(from.DistanceTo(p), floor)))
	}
	return c / float64(len(ps))
}

// SwapOwnRefuses reports whether a node at from with peers ps refuses, by
// what it can check itself whatever its partner claims, to move to to:
// when the move costs it more than limit (SwapOwnCost) or lands it on top
// of a peer (SwapOntoPeer).
func SwapOwnRefuses(from, to Location, ps []Location, limit float64) bool {
	return SwapOwnCost(from, to, ps) > limit || SwapOntoPeer(from, to, ps)
}

// SwapOntoPeer reports whether a node at from with peers ps would land on
// top of one of them by moving to to: within 1/DefaultRelocateFactor of
// its present distance to its nearest peer. Honest locations are hardly
// ever that close (a relocation probe would take such a node for one in
// a clump), but a Pitch Black clump is: a node that has relocated away
// from a clump that holds some of its peers would otherwise gain by
// moving back onto them, and the attacker hands it the location to do so.
func SwapOntoPeer(from, to Location, ps []Location) bool {
	if len(ps) == 0 {
		return false
	}
	nearest := Distance(math.MaxUint64)
	for _, p := range ps {
		nearest = min(nearest, from.DistanceTo(p))
	}
	for _, p := range ps {
		if float64(to.DistanceTo(p))*DefaultRelocateFactor < float64(nearest) {
			return true
		}
	}
	return false
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
