package routing

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

// coreNet is n Cores linked as routing.SmallWorld, their messages
// delivered at once and in order (no clock passes): enough to follow
// where an insert is written.
type coreNet struct {
	cores  []*Core
	locs   []Location
	stores map[storeAt]Region // the strongest region each node wrote each key to
	now    time.Time
}

type storeAt struct {
	node int
	key  keys.RoutingKey
}

// newCoreNet places node i at i/n of the circle plus a random part of its
// share (a network whose swaps have settled), with friend-of-a-friend
// locations and every feature on each link.
func newCoreNet(t testing.TB, n int, seed uint64) *coreNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	share := ^uint64(0) / uint64(n)
	nw := &coreNet{stores: map[storeAt]Region{}, now: time.Unix(1e9, 0)}
	for i := range n {
		l := Location(uint64(i)*share + rng.Uint64()%share)
		c, err := New(Config{Seed: seed + uint64(i), Location: l})
		if err != nil {
			t.Fatal(err)
		}
		nw.locs = append(nw.locs, l)
		nw.cores = append(nw.cores, c)
	}
	adj := make([][]int, n)
	for _, e := range SmallWorld(n, 2, seed) {
		a, b := e[0], e[1]
		adj[a], adj[b] = append(adj[a], b), append(adj[b], a)
	}
	for a := range adj {
		for _, b := range adj[a] {
			if err := nw.cores[a].AddPeer(PeerID(b+1), nw.locs[b]); err != nil {
				t.Fatal(err)
			}
			var ls []Location
			for _, c := range adj[b] {
				ls = append(ls, nw.locs[c])
			}
			if err := nw.cores[a].SetPeerNeighbours(PeerID(b+1), ls); err != nil {
				t.Fatal(err)
			}
		}
	}
	return nw
}

// run carries out what the Cores ask, starting at node from, until no
// Core asks anything; the datastores hold nothing (every Lookup misses).
// It returns the Results node from reported.
func (nw *coreNet) run(from int) []Result {
	var out []Result
	pending := []int{from}
	for len(pending) > 0 {
		i := pending[0]
		pending = pending[1:]
		rd := nw.cores[i].Ready()
		for _, s := range rd.Stores {
			at := storeAt{i, s.Key}
			if nw.stores[at] != RegionStore {
				nw.stores[at] = s.Region
			}
		}
		for _, l := range rd.Lookups {
			nw.cores[i].LookupDone(nw.now, l.ID, nil)
			pending = append(pending, i)
		}
		if i == from {
			out = append(out, rd.Results...)
		}
		for _, m := range rd.Messages {
			to := int(m.Peer) - 1
			m.Peer = PeerID(i + 1)
			if err := nw.cores[to].Step(nw.now, m); err != nil {
				panic(err)
			}
			pending = append(pending, to)
		}
	}
	return out
}

// TestInsertStoredAtTheClosestNode checks that every insert is written to
// the store region of the node closest to its key (unless that is its
// inserter, which writes nothing of its own inserts), in networks small
// enough that an insert reaches that node on its first hops, where nothing
// is written (a 16-node network wrote 9 of 500 there, and 182 of 500 to no
// store region at all, before an insert went on under a fresh ID where it
// may first be written). In smaller networks an insert may meet every node
// before it may be written (an HTL stays at the maximum over half the
// links): it is then stored where it stops, so it is in some store region.
func TestInsertStoredAtTheClosestNode(t *testing.T) {
	for _, n := range []int{8, 12, 16, 64, 256} {
		nw := newCoreNet(t, n, 7)
		rng := rand.New(rand.NewPCG(3, uint64(n)))
		var copies int
		const inserts = 200
		for range inserts {
			var rk keys.RoutingKey
			binary.BigEndian.PutUint64(rk[:], rng.Uint64())
			binary.BigEndian.PutUint64(rk[8:], rng.Uint64())
			from := rng.IntN(n)
			id, err := nw.cores[from].Insert(nw.now, rk, []byte("block"))
			if err != nil {
				t.Fatal(err)
			}
			res := nw.run(from)
			if len(res) != 1 || res[0].ID != id || res[0].Err != nil {
				t.Fatalf("n=%d: insert from node %d: results %+v", n, from, res)
			}
			nw.now = nw.now.Add(time.Second)
			kl := KeyLocation(rk)
			closest := 0
			for i, l := range nw.locs {
				if l.DistanceTo(kl) < nw.locs[closest].DistanceTo(kl) {
					closest = i
				}
			}
			if n >= 16 && closest != from && nw.stores[storeAt{closest, rk}] != RegionStore {
				t.Errorf("n=%d: insert of %x from node %d: not in the store of node %d, the closest to it", n, rk[:4], from, closest)
			}
			held := 0
			for i := range nw.cores {
				if nw.stores[storeAt{i, rk}] == RegionStore {
					held++
				}
			}
			if held == 0 {
				t.Errorf("n=%d: insert of %x from node %d: in no store region", n, rk[:4], from)
			}
			copies += held
		}
		t.Logf("n=%d: %.1f store copies per insert", n, float64(copies)/inserts)
	}
}
