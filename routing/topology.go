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
	// adj[a] lists the b > a linked to a: membership is a short scan, and
	// a million nodes cost a few bytes each rather than a map entry per link.
	adj := make([][]int32, n)
	add := func(a, b int) bool {
		if a == b {
			return false
		}
		if a > b {
			a, b = b, a
		}
		if slices.Contains(adj[a], int32(b)) {
			return false
		}
		adj[a] = append(adj[a], int32(b))
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
	total := 0
	for _, l := range adj {
		total += len(l)
	}
	out := make([][2]int, 0, total)
	for a, l := range adj {
		slices.Sort(l)
		for _, b := range l {
			out = append(out, [2]int{a, int(b)})
		}
	}
	return out
}
