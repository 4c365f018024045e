package routing

import (
	"reflect"
	"testing"
)

func TestSmallWorld(t *testing.T) {
	e := SmallWorld(100, 2, 1)
	if !reflect.DeepEqual(e, SmallWorld(100, 2, 1)) {
		t.Fatal("not deterministic")
	}
	if reflect.DeepEqual(e, SmallWorld(100, 2, 2)) {
		t.Fatal("the seed changes nothing")
	}
	deg := make([]int, 100)
	ring := 0
	for i, l := range e {
		if l[0] >= l[1] || l[1] >= 100 || (i > 0 && !less(e[i-1], l)) {
			t.Fatalf("link %v out of order or out of range", l)
		}
		if l[1]-l[0] == 1 || (l[0] == 0 && l[1] == 99) {
			ring++
		}
		deg[l[0]]++
		deg[l[1]]++
	}
	if ring != 100 {
		t.Fatalf("%d ring links, want 100", ring)
	}
	if n := len(e); n < 100+150 || n > 100+200 {
		t.Fatalf("%d links, want the ring and about 2 long links per node", n)
	}
	// Short long links are the likeliest: more at distance 2..5 than at
	// 26..49 (the same number of distances, weights 1/d).
	near, far := 0, 0
	for _, l := range e {
		d := min(l[1]-l[0], 100-(l[1]-l[0]))
		switch {
		case d >= 2 && d <= 5:
			near++
		case d >= 26:
			far++
		}
	}
	if near <= far {
		t.Fatalf("%d links at distance 2..5, %d at 26..50: not ∝ 1/d", near, far)
	}
	if SmallWorld(1, 2, 1) != nil || len(SmallWorld(2, 2, 1)) != 1 || len(SmallWorld(3, 4, 1)) != 3 {
		t.Fatal("tiny networks")
	}
}

func less(a, b [2]int) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }
