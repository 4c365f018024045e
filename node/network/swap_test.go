package network

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// swapTestNet starts n memory-transport networks whose locations are not
// pinned (drawn from seeded sources), linked as a small world, swapping
// every interval.
func swapTestNet(t *testing.T, n int, interval time.Duration, dirs []string, paused *atomic.Bool) ([]*Network, [][2]int, []routing.Location) {
	t.Helper()
	return swapTestNetHooks(t, n, interval, dirs, func(int) Hooks { return Hooks{SwapPaused: paused.Load} })
}

// swapTestNetHooks is swapTestNet with node i's hooks from hooks(i).
func swapTestNetHooks(t *testing.T, n int, interval time.Duration, dirs []string, hooks func(i int) Hooks) ([]*Network, [][2]int, []routing.Location) {
	t.Helper()
	nws := make([]*Network, n)
	for i := range nws {
		ds, err := datastore.Open(filepath.Join(dirs[i], "store"), datastore.Config{Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		var seed [32]byte
		seed[0], seed[1] = byte(i), 77
		nw, err := Start(context.Background(), dirs[i], ds, Config{Transport: TransportMemory, Logger: quiet(),
			Rand: rand.NewChaCha8(seed), SwapInterval: interval, SwapAnnealRamp: 50, Hooks: hooks(i)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nw.Close(); ds.Close() })
		nws[i] = nw
	}
	var start []routing.Location // before any link, so before any swap
	for _, nw := range nws {
		start = append(start, nw.Location())
	}
	edges := routing.SmallWorld(n, 1, 3)
	for _, e := range edges {
		if err, aerr := pipeLink(nws[e[0]], nws[e[1]]); err != nil || aerr != nil {
			t.Fatalf("link %v: %v, %v", e, err, aerr)
		}
	}
	return nws, edges, start
}

func energyOf(nws []*Network, edges [][2]int) float64 {
	e := 0.0
	for _, ed := range edges {
		e += math.Log(float64(max(nws[ed[0]].Location().DistanceTo(nws[ed[1]].Location()), 1)))
	}
	return e
}

// TestNetworkSwaps: twenty nodes whose locations were drawn at random swap
// over their links until the ring orders: the energy falls, no location is
// lost or doubled, each node's peers know where it is, and its noderef
// and identity carry its new location.
func TestNetworkSwaps(t *testing.T) {
	const n = 20
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	var paused atomic.Bool
	nws, edges, start := swapTestNet(t, n, 20*time.Millisecond, dirs, &paused)
	for _, nw := range nws {
		for _, p := range nw.ListPeers() {
			if !p.Features.Has(peerwire.FeatureSwapping | peerwire.FeatureLocation) {
				t.Fatalf("a link between swapping nodes speaks %v", p.Features)
			}
		}
	}
	before := 0.0 // the energy of the locations drawn at start
	for _, ed := range edges {
		before += math.Log(float64(max(start[ed[0]].DistanceTo(start[ed[1]]), 1)))
	}
	time.Sleep(4 * time.Second)
	after := energyOf(nws, edges)
	var end []routing.Location
	for _, nw := range nws {
		end = append(end, nw.Location())
	}
	moved := 0
	for i := range start {
		if start[i] != end[i] {
			moved++
		}
	}
	ideal := 0.0
	for _, ed := range edges {
		ideal += math.Log(float64(routing.Location(uint64(ed[0]) * (^uint64(0) / n)).DistanceTo(routing.Location(uint64(ed[1]) * (^uint64(0) / n)))))
	}
	t.Logf("energy %.1f → %.1f (the ring in order: %.1f); %d of %d nodes moved", before, after, ideal, moved, n)
	if after > before-5 || moved == 0 { // measured: 1688.3 → 1665 to 1675
		t.Fatalf("energy %.1f → %.1f, %d nodes moved: the nodes did not swap their way to order", before, after, moved)
	}
	// Stop new attempts, let the last ones finish, then check the
	// bookkeeping everywhere.
	paused.Store(true)
	time.Sleep(time.Second)
	final := make([]routing.Location, n)
	for i, nw := range nws {
		final[i] = nw.Location()
	}
	for i, nw := range nws {
		for _, p := range nw.ListPeers() {
			j := slices.IndexFunc(nws, func(o *Network) bool { return o.pm.selfID == p.Ref.ID() })
			if p.Location != final[j] {
				t.Fatalf("node %d sees peer %d at %v, it is at %v", i, j, p.Location, final[j])
			}
		}
	}
	// A swap exchanges two locations; a relocation (the Pitch Black
	// defence, which a small network drawn at random may set off) takes a
	// new one. Either way no two nodes end at one location, and without
	// relocations the locations are the ones the nodes started with.
	for _, nw := range nws {
		nw.Close()
	}
	relocations := 0
	for _, nw := range nws {
		relocations += nw.r.swapper.Relocations // the loop has ended
	}
	a, b := slices.Clone(start), slices.Clone(final)
	slices.Sort(a)
	slices.Sort(b)
	if len(slices.Compact(slices.Clone(b))) != n || relocations == 0 && !slices.Equal(a, b) {
		t.Fatalf("locations lost or doubled (%d relocations):\n%v\n%v", relocations, a, b)
	}
	for i, nw := range nws {
		ref, err := noderef.Parse(nw.Noderef())
		if err != nil || ref.Location != final[i] {
			t.Fatalf("node %d's noderef at %v, it is at %v (%v)", i, ref.Location, final[i], err)
		}
		id, err := loadIdentity(dirs[i], nil, nil)
		if err != nil || id.loc != final[i] {
			t.Fatalf("node %d's identity file at %v, it is at %v (%v)", i, id.loc, final[i], err)
		}
		if done, err := loadSwapAttempts(dirs[i]); err != nil || done == 0 {
			t.Fatalf("node %d's swap state: %d attempts, %v", i, done, err)
		}
	}
	// A restart keeps the location and the attempts (it does not anneal
	// again).
	ds, err := datastore.Open(filepath.Join(t.TempDir(), "store"), datastore.Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	again, err := Start(context.Background(), dirs[0], ds, Config{Transport: TransportMemory, Logger: quiet(), SwapAnnealRamp: 50})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := loadSwapAttempts(dirs[0])
	again.Close()
	if again.Location() != final[0] || again.r.swapper.Done() != done {
		t.Fatalf("restarted at %v after %d attempts (beta %v), was at %v after %d", again.Location(), again.r.swapper.Done(), again.r.swapper.Beta(), final[0], done)
	}
}
