package node

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// fakeLink is a sender that records the PeerLocations lists it is given.
type fakeLink struct {
	lists   [][]routing.Location
	other   int   // frames of other types
	full    bool  // send fails, as on a full queue
	dropped error // why the router dropped it
}

func (f *fakeLink) send(frame []byte) error {
	if f.full {
		return errors.New("queue full")
	}
	m, err := peerwire.DecodeMessage(frame)
	switch {
	case err != nil:
		panic(err)
	case m.Type == peerwire.TypePeerLocations:
		f.lists = append(f.lists, m.Locations)
	default:
		f.other++
	}
	return nil
}

func (f *fakeLink) drop(err error) { f.dropped = err }

// last returns the last list f was sent and how many it was sent.
func (f *fakeLink) last() ([]routing.Location, int) {
	if len(f.lists) == 0 {
		return nil, 0
	}
	return f.lists[len(f.lists)-1], len(f.lists)
}

// loopRouter is a router driven by hand: no loop, no workers, a clock the
// test moves. Only what does not touch the datastore may be used.
type loopRouter struct {
	*router
	clock time.Time
}

func newLoopRouter(t *testing.T, cfg routing.Config) *loopRouter {
	t.Helper()
	core, err := routing.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lr := &loopRouter{clock: time.Unix(1_000_000, 0)}
	lr.router = &router{core: core, log: quiet(), now: func() time.Time { return lr.clock },
		peers: map[routing.PeerID]*routerPeer{}, local: map[routing.RequestID]*localReq{}}
	return lr
}

func (lr *loopRouter) up(l *fakeLink, loc routing.Location) routing.PeerID {
	reply := make(chan routing.PeerID, 1)
	lr.handle(routerEvent{kind: evPeerUp, link: l, loc: loc, reply: reply})
	return <-reply
}

func (lr *loopRouter) down(id routing.PeerID) { lr.handle(routerEvent{kind: evPeerDown, peer: id}) }

// advance moves the clock by d and runs a tick.
func (lr *loopRouter) advance(d time.Duration) {
	lr.clock = lr.clock.Add(d)
	lr.tick(lr.clock)
}

func tenths(xs ...int) []routing.Location {
	var out []routing.Location
	for _, x := range xs {
		out = append(out, routing.Location(uint64(x)*(^uint64(0)/10)))
	}
	return out
}

// TestRouterPeerLocations drives the router's PeerLocations by hand: a new
// peer hears of the others at once, the others once the delay has passed,
// a burst of changes costs one message per peer, and an unchanged list is
// not sent again.
func TestRouterPeerLocations(t *testing.T) {
	lr := newLoopRouter(t, routing.Config{Location: tenths(5)[0]})
	a, b, c := &fakeLink{}, &fakeLink{}, &fakeLink{}
	lr.up(a, tenths(1)[0])
	idB := lr.up(b, tenths(2)[0])
	lr.up(c, tenths(3)[0])
	check := func(step string, l *fakeLink, want []routing.Location, wantN int) {
		t.Helper()
		got, n := l.last()
		if n != wantN || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: last list %v of %d sent, want %v of %d", step, got, n, want, wantN)
		}
	}
	check("a up", a, nil, 1)
	check("b up", b, tenths(1), 1)
	check("c up", c, tenths(1, 2), 1)

	lr.advance(peerLocationsDelay / 2)
	check("half the delay", a, nil, 1)
	lr.advance(peerLocationsDelay / 2)
	check("after the delay", a, tenths(2, 3), 2)
	check("after the delay", b, tenths(1, 3), 2)
	check("after the delay: unchanged", c, tenths(1, 2), 1)

	// A burst: B goes, D comes and goes, E comes.
	lr.advance(100 * time.Millisecond)
	lr.down(idB)
	d := &fakeLink{}
	idD := lr.up(d, tenths(4)[0])
	check("d up", d, tenths(1, 3), 1)
	lr.down(idD)
	e := &fakeLink{}
	lr.up(e, tenths(6)[0])
	check("e up", e, tenths(1, 3), 1)
	for range 10 {
		lr.advance(peerLocationsDelay / 5)
	}
	check("after the burst", a, tenths(3, 6), 3)
	check("after the burst", c, tenths(1, 6), 2)
	check("after the burst: unchanged", e, tenths(1, 3), 1)
	check("after the burst: gone", b, tenths(1, 3), 2)
	check("after the burst: gone", d, tenths(1, 3), 1)
	if lr.locsDue != (time.Time{}) {
		t.Fatal("a send is still due with nothing changed")
	}

	// A peer whose queue is full when its list is due loses its link.
	c.full = true
	lr.up(&fakeLink{}, tenths(7)[0])
	lr.advance(peerLocationsDelay)
	if c.dropped == nil || a.dropped != nil {
		t.Fatalf("dropped: a %v, c %v; want c only", a.dropped, c.dropped)
	}
}

// TestRouterPeerNeighbours: a PeerLocations reaches the core; one the core
// refuses drops the peer; one from a peer already gone is ignored.
func TestRouterPeerNeighbours(t *testing.T) {
	lr := newLoopRouter(t, routing.Config{Location: tenths(5)[0], MaxPeerNeighbours: 2})
	type seen struct {
		peer routing.Location
		locs []routing.Location
	}
	var got []seen
	lr.traceNbrs = func(p routing.Location, locs []routing.Location) { got = append(got, seen{p, locs}) }
	a, b := &fakeLink{}, &fakeLink{}
	idA, idB := lr.up(a, tenths(1)[0]), lr.up(b, tenths(2)[0])
	lr.handle(routerEvent{kind: evPeerLocations, peer: idA, locs: tenths(7, 8)})
	if want := []seen{{tenths(1)[0], tenths(7, 8)}}; !reflect.DeepEqual(got, want) || a.dropped != nil {
		t.Fatalf("core took %v (dropped %v), want %v", got, a.dropped, want)
	}
	lr.handle(routerEvent{kind: evPeerLocations, peer: idB, locs: tenths(6, 7, 8)})
	if len(got) != 1 || b.dropped == nil {
		t.Fatalf("a list over MaxPeerNeighbours: core took %v, dropped %v", got, b.dropped)
	}
	lr.down(idB)
	lr.handle(routerEvent{kind: evPeerLocations, peer: idB, locs: tenths(6)})
	if len(got) != 1 {
		t.Fatalf("a list from a peer gone reached the core: %v", got)
	}
}

func TestPeerLocationsFor(t *testing.T) {
	for _, tc := range []struct {
		all  []routing.Location
		loc  routing.Location
		want []routing.Location
	}{
		{nil, 5, nil},
		{[]routing.Location{5}, 5, nil},
		{[]routing.Location{1, 5, 9}, 5, []routing.Location{1, 9}},
		{[]routing.Location{1, 5, 5, 9}, 5, []routing.Location{1, 5, 9}},
		{[]routing.Location{1, 9}, 5, []routing.Location{1, 9}}, // not in the list: all of it
	} {
		if got := peerLocationsFor(tc.all, tc.loc); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("peerLocationsFor(%v, %v) = %v, want %v", tc.all, tc.loc, got, tc.want)
		}
	}
	// 101 peers: the recipient is left out and 64 of the other 100 are
	// sent, spread evenly: every 100/64th.
	var all []routing.Location
	for i := range 101 {
		all = append(all, routing.Location(i*1000))
	}
	got := peerLocationsFor(all, 50_000)
	if len(got) != peerwire.MaxPeerLocations || !slices.IsSorted(got) || slices.Contains(got, 50_000) {
		t.Fatalf("peerLocationsFor of 101 = %d locations %v", len(got), got)
	}
	if got[0] != 0 || got[32] != 51_000 || got[63] != 99_000 {
		t.Fatalf("not spread evenly: first %d, middle %d, last %d", got[0], got[32], got[63])
	}
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatal("a location sent twice")
	}
}

// neighbourWatch records, per node (by location), the lists its core took
// for each peer (by location).
type neighbourWatch struct {
	mu sync.Mutex // guards m
	m  map[routing.Location]map[routing.Location][]routing.Location
}

func (w *neighbourWatch) hook(self routing.Location) func(routing.Location, []routing.Location) {
	return func(peer routing.Location, locs []routing.Location) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.m[self] == nil {
			w.m[self] = map[routing.Location][]routing.Location{}
		}
		w.m[self][peer] = slices.Clone(locs)
	}
}

// wait waits until every node's core holds want's lists for its peers
// (want[node][peer]); lists of peers not in want are not checked.
func (w *neighbourWatch) wait(t *testing.T, step string, want map[routing.Location]map[routing.Location][]routing.Location) {
	t.Helper()
	var diff string
	start := time.Now()
	for deadline := start.Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		diff = ""
		w.mu.Lock()
		for n, peers := range want {
			for p, locs := range peers {
				if got, ok := w.m[n][p]; !ok || !slices.Equal(got, locs) {
					diff += fmt.Sprintf("\n  node %v, peer %v: core has %v (%v), want %v", n, p, got, ok, locs)
				}
			}
		}
		w.mu.Unlock()
		if diff == "" {
			t.Logf("%s: every core has its peers' lists after %v", step, time.Since(start).Round(time.Millisecond))
			return
		}
	}
	t.Fatalf("%s:%s", step, diff)
}

// TestNetworkPeerLocations: on a six-node small world over net.Pipe, each
// node's core learns its peers' peers; after one link is removed, the
// nodes next to its ends learn the new lists.
func TestNetworkPeerLocations(t *testing.T) {
	w := &neighbourWatch{m: map[routing.Location]map[routing.Location][]routing.Location{}}
	var locs []routing.Location
	tn := startNet(t, 6, 1, 9, func(c *Config) {
		locs = append(locs, *c.Location)
		c.traceNeighbours = w.hook(*c.Location)
	})
	adj := make([]map[int]bool, len(tn.nodes))
	for i := range adj {
		adj[i] = map[int]bool{}
	}
	for _, e := range tn.links {
		adj[e[0]][e[1]], adj[e[1]][e[0]] = true, true
	}
	want := func() map[routing.Location]map[routing.Location][]routing.Location {
		m := map[routing.Location]map[routing.Location][]routing.Location{}
		for i := range adj {
			m[locs[i]] = map[routing.Location][]routing.Location{}
			for j := range adj[i] {
				var l []routing.Location
				for k := range adj[j] {
					if k != i {
						l = append(l, locs[k])
					}
				}
				slices.Sort(l)
				m[locs[i]][locs[j]] = l
			}
		}
		return m
	}
	t.Logf("links %v", tn.links)
	w.wait(t, "after the links came up", want())

	// Remove a link whose ends keep other peers: 0-1 (a ring edge).
	a, b := 0, 1
	if _, err := tn.nodes[a].RemovePeer(fmt.Sprintf("node-%d", b)); err != nil {
		t.Fatal(err)
	}
	delete(adj[a], b)
	delete(adj[b], a)
	w.wait(t, "after node 0 removed node 1", want())
}

// TestPeerLocationsRouteAndReject: a node routes by what its peers
// announce. Two raw peers that announce nothing are routed to by their own
// locations; once the far one announces a peer at the key, requests go to
// it. Then malformed PeerLocations cost each raw peer its link.
func TestPeerLocationsRouteAndReject(t *testing.T) {
	w := &neighbourWatch{m: map[routing.Location]map[routing.Location][]routing.Location{}}
	tn := startNet(t, 1, 0, 31, func(c *Config) { c.traceNeighbours = w.hook(*c.Location) })
	x := tn.nodes[0]
	keyLoc := tenths(3)[0]
	dnf := func(m routing.Message) routing.Message {
		return routing.Message{Type: routing.MsgDataNotFound, ID: m.ID}
	}
	near := dialRaw(t, x, 32, keyLoc+keyLoc/6, dnf) // 0.35: the closest peer
	far := dialRaw(t, x, 33, tenths(9)[0], dnf)     // 0.9, with a peer at the key
	fetch := func(salt byte) {
		t.Helper()
		var rk keys.RoutingKey
		binary.BigEndian.PutUint64(rk[:8], uint64(keyLoc))
		rk[31] = salt // another key at the same location: no RecentlyFailed
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := x.net.r.request(ctx, false, rk, nil); !errors.Is(err, routing.ErrDataNotFound) {
			t.Fatalf("fetch: %v, want DataNotFound", err)
		}
	}
	fetch(1)
	if n, f := near.replies[routing.MsgRequest].Load(), far.replies[routing.MsgRequest].Load(); n != 1 || f != 0 {
		t.Fatalf("without PeerLocations: near asked %d times, far %d; want 1, 0", n, f)
	}

	b, err := peerwire.AppendPeerLocations(nil, []routing.Location{keyLoc, tenths(8)[0]})
	if err != nil {
		t.Fatal(err)
	}
	if err := far.l.Send(b); err != nil {
		t.Fatal(err)
	}
	w.wait(t, "far's list", map[routing.Location]map[routing.Location][]routing.Location{
		x.Location(): {tenths(9)[0]: {keyLoc, tenths(8)[0]}}})
	fetch(2)
	if n, f := near.replies[routing.MsgRequest].Load(), far.replies[routing.MsgRequest].Load(); n != 1 || f != 1 {
		t.Fatalf("with far's PeerLocations: near asked %d times, far %d; want 1, 1", n, f)
	}
	if near.locs.Load() == 0 || far.locs.Load() == 0 {
		t.Fatalf("PeerLocations received: near %d, far %d; want some", near.locs.Load(), far.locs.Load())
	}

	for _, tc := range []struct {
		p   *rawPeer
		msg string
	}{
		{near, "0a41"},  // count 65 [W7]
		{far, "0a0201"}, // count 2, one byte [W8]
	} {
		b, _ := hex.DecodeString("01" + tc.msg)
		if err := tc.p.l.Send(b); err != nil {
			t.Fatal(err)
		}
		select {
		case <-tc.p.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("the link of a peer that sent %s stayed up", tc.msg)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		backedOff := 0
		for _, p := range x.ListPeers() {
			if p.Status == PeerBackedOff {
				backedOff++
			}
		}
		if backedOff == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers %+v: want both raw peers backed off", x.ListPeers())
		}
	}
}
