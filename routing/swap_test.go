package routing

import (
	"math"
	"testing"
)

func loc(f float64) Location { l, _ := LocationOf(f); return l }

func TestSwapAccept(t *testing.T) {
	// a at 0.1 with peers near 0.6; b at 0.6 with peers near 0.1: both
	// gain, so they always swap.
	a, b := loc(0.1), loc(0.6)
	pa := []Location{loc(0.58), loc(0.62)}
	pb := []Location{loc(0.09), loc(0.12)}
	if !SwapAccept(a, pa, b, pb, 0.999) {
		t.Fatal("a swap that halves the distances was refused")
	}
	// The reverse swap makes every distance worse: refused unless u is
	// below before/after, which is tiny here.
	if SwapAccept(b, pa, a, pb, 1e-3) {
		t.Fatal("a swap that lengthens every distance was accepted at u=1e-3")
	}
	if !SwapAccept(b, pa, a, pb, 0) {
		t.Fatal("u=0 must accept every swap")
	}
	// Equal products: accepted.
	if !SwapAccept(a, nil, b, nil, 0.5) {
		t.Fatal("no peers: nothing changes, the swap is accepted")
	}
	// A peer at the same location does not make the sum infinite.
	if !SwapAccept(a, []Location{a}, b, []Location{a}, 0.5) {
		t.Fatal("swapping onto the peers' location was refused")
	}
}

func TestSwapAcceptProbability(t *testing.T) {
	// One peer each: before = d(a,pa)·d(b,pb) = 0.1·0.1, after = d(b,pa)·
	// d(a,pb) = 0.3·0.3: accepted with probability 1/9.
	a, b := loc(0.5), loc(0.7)
	pa, pb := []Location{loc(0.4)}, []Location{loc(0.8)}
	n := 0
	for i := range 1000 {
		if SwapAccept(a, pa, b, pb, float64(i)/1000) {
			n++
		}
	}
	if n < 108 || n > 114 {
		t.Fatalf("accepted %d of 1000 evenly spaced u, want 111", n)
	}
}

func TestSwapAcceptAt(t *testing.T) {
	// The swap of TestSwapAcceptProbability at beta 1/2: accepted with
	// probability (1/9)^(1/2) = 1/3; at beta 1 as SwapAccept.
	a, b := loc(0.5), loc(0.7)
	pa, pb := []Location{loc(0.4)}, []Location{loc(0.8)}
	for _, c := range []struct {
		beta   float64
		lo, hi int
	}{{0.5, 330, 337}, {1, 108, 114}, {0.25, 574, 580}} {
		n := 0
		for i := range 1000 {
			if SwapAcceptAt(a, pa, b, pb, float64(i)/1000, c.beta) {
				n++
			}
		}
		if n < c.lo || n > c.hi {
			t.Errorf("beta %v: accepted %d of 1000, want %d..%d", c.beta, n, c.lo, c.hi)
		}
	}
	// A swap that shortens the distances passes at every temperature.
	if !SwapAcceptAt(b, pa, a, pb, 0.999, 0.25) {
		t.Fatal("a downhill swap was refused")
	}
}

func TestAnnealBeta(t *testing.T) {
	for _, c := range []struct {
		done, ramp int
		want       float64
	}{{0, 100, 0.25}, {50, 100, 0.625}, {99, 100, 0.9925}, {100, 100, 1}, {5000, 100, 1}, {0, 0, 1}} {
		if got := AnnealBeta(c.done, c.ramp, 0.25); got != c.want {
			t.Errorf("AnnealBeta(%d, %d, 0.25) = %v, want %v", c.done, c.ramp, got, c.want)
		}
	}
}

func TestRelocate(t *testing.T) {
	if !Relocate(1<<40, 1<<25, DefaultRelocateFactor) {
		t.Fatal("an empty region far wider than the node's own was ignored")
	}
	if Relocate(100<<20, 1<<20, DefaultRelocateFactor) {
		t.Fatal("a healthy network made the node move")
	}
	if !Relocate(1, 0, DefaultRelocateFactor) {
		t.Fatal("a node on top of its peer must move to any gap")
	}
}

func TestSwapOwnCost(t *testing.T) {
	ps := []Location{loc(0.4), loc(0.6)}
	// From 0.5 (0.1 from each peer) to 0.9 (0.5 and 0.3): the mean log
	// change is (ln 5 + ln 3)/2.
	want := (math.Log(5) + math.Log(3)) / 2
	if got := SwapOwnCost(loc(0.5), loc(0.9), ps); math.Abs(got-want) > 1e-9 {
		t.Fatalf("cost %v, want %v", got, want)
	}
	if SwapOwnCost(loc(0.5), loc(0.9), nil) != 0 {
		t.Fatal("a node without peers pays for a move")
	}
	// Back from 0.9 to 0.5: the floor is 0.3 (0.9's nearest peer), so the
	// gain is ln(0.3/0.5)/2, not the full way down to 0.1.
	if got, want := SwapOwnCost(loc(0.9), loc(0.5), ps), math.Log(0.3/0.5)/2; math.Abs(got-want) > 1e-9 {
		t.Fatalf("the way back costs %v, want %v", got, want)
	}
	// Onto a peer: no gain below the node's nearest-peer distance, so a
	// clump that swallowed one peer does not pull the node in.
	qs := []Location{loc(0.49), loc(0.51), loc(0.2)}
	if got := SwapOwnCost(loc(0.5), loc(0.2)+1, qs); got <= DefaultSwapOwnLimit {
		t.Fatalf("moving onto the far peer costs %v, under the limit", got)
	}
	// A fabricated location far from the peers is far above the default
	// limit; a small step along the circle is below it.
	if SwapOwnCost(loc(0.5), loc(0.0001), ps) <= DefaultSwapOwnLimit || SwapOwnCost(loc(0.5), loc(0.505), ps) > DefaultSwapOwnLimit {
		t.Fatal("the default limit does not separate a far move from a near one")
	}
}
