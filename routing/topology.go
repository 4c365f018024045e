package routing

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// SmallWorld returns the links of a Kleinberg small world of n nodes
// evenly spaced on the circle (node i at location i/n): the ring (i, i+1)
// plus, from every node, long links to nodes at ring distance d ≥ 2 drawn
// with probability ∝ 1/d, so that greedy routing finds any node in
// O(log² n) hops. A node draws long links until it has made long of its
// own (a draw that repeats a link is redrawn, at most 4·long times). Links
// are undirected pairs (a < b), sorted, without duplicates; the result is
// fixed by seed.
func SmallWorld(n, long int, seed uint64) [][2]int {
	if n < 2 {
		return nil
	}
	set := map[[2]int]bool{}
	add := func(a, b int) bool {
		if a == b {
			return false
		}
		if a > b {
			a, b = b, a
		}
		if set[[2]int{a, b}] {
			return false
		}
		set[[2]int{a, b}] = true
		return true
	}
	for i := range n {
		add(i, (i+1)%n)
	}
	half := n / 2
	if half >= 2 && long > 0 {
		// cum[k] = Σ_{d=2}^{k+2} 1/d: the inverse CDF of the distance.
		cum := make([]float64, half-1)
		s := 0.0
		for d := 2; d <= half; d++ {
			s += 1 / float64(d)
			cum[d-2] = s
		}
		rng := rand.New(rand.NewPCG(seed, 0x736d616c6c))
		for i := range n {
			for made, tries := 0, 0; made < long && tries < 4*long; tries++ {
				d := 2 + sort.SearchFloat64s(cum, rng.Float64()*s)
				if rng.IntN(2) == 0 {
					d = -d
				}
				if add(i, ((i+d)%n+n)%n) {
					made++
				}
			}
		}
	}
	out := make([][2]int, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}
