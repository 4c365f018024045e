package network

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

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
		peers: map[routing.PeerID]*routerPeer{}, byIdent: map[string]routing.PeerID{}, local: map[routing.RequestID]*localReq{}}
	return lr
}

func (lr *loopRouter) up(l *fakeLink, loc routing.Location) routing.PeerID {
	reply := make(chan routing.PeerID, 1)
	lr.handle(routerEvent{kind: evPeerUp, link: l, ident: fmt.Sprintf("%p", l), loc: loc, feats: peerwire.AllFeatures, reply: reply})
	return <-reply
}

func (lr *loopRouter) down(id routing.PeerID) {
	lr.handle(routerEvent{kind: evPeerDown, peer: id, link: lr.peers[id].link})
}

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

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
