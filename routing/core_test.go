package routing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, c := range []Config{
		{DecrementAtMaxProb: 1.5}, {DecrementAtMinProb: -1}, {MaxHTL: 2, NoStoreHTLs: 2},
		{HopTimeout: -1}, {FailureTableSize: -1}, {PeerRequestLimit: -1}, {InitialWindow: 0.5},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func keyAt(i uint64) keys.RoutingKey {
	var rk keys.RoutingKey
	binary.BigEndian.PutUint64(rk[:8], i*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(rk[8:16], i)
	return rk
}

// TestFloodFromOnePeer: 10,000 requests from one peer leave at most
// PeerRequestLimit of them running, bounded tables, and another peer served.
func TestFloodFromOnePeer(t *testing.T) {
	c, _ := New(Config{Location: 1 << 62, MaxRecentIDs: 1000, FailureTableSize: 100})
	c.AddPeer(2, 1<<63)
	c.AddPeer(3, 3<<62)
	now := time.Unix(0, 0)
	rejected := 0
	for i := uint64(1); i <= 10000; i++ {
		c.Step(now, Message{Type: MsgRequest, Peer: 2, ID: RequestID(i), Key: keyAt(i), HTL: 10})
		for _, m := range c.Ready().Messages {
			if m.Type == MsgRejectedOverload {
				rejected++
			}
		}
	}
	if c.Active() != 64 || rejected != 10000-64 {
		t.Fatalf("%d running, %d rejected", c.Active(), rejected)
	}
	if n := len(c.recent.until); n > 1000 {
		t.Fatalf("%d recent IDs kept, bound 1000", n)
	}
	c.Step(now, Message{Type: MsgRequest, Peer: 3, ID: 99999, Key: keyAt(99999), HTL: 10})
	rd := c.Ready()
	if len(rd.Lookups) != 1 {
		t.Fatalf("peer 3 not served: %+v", rd)
	}
	// Failures fill the table up to its bound only.
	for i := uint64(0); i < 500; i++ {
		c.failed.add(now, keyAt(100000+i), 5, time.Minute)
	}
	if len(c.failed.keys) != 100 {
		t.Fatalf("failure table holds %d, bound 100", len(c.failed.keys))
	}
}

// TestDeterministic drives two Cores with the same seed through the same
// random sequence of events and expects identical output.
func TestDeterministic(t *testing.T) {
	run := func() []string {
		t.Helper()
		c, _ := New(Config{Seed: 42, Location: 1 << 63})
		for p := PeerID(1); p <= 8; p++ {
			c.AddPeer(p, Location(uint64(p)*0x1f3d5b79a1c3e5f7))
		}
		rng := rand.New(rand.NewPCG(7, 7))
		now := time.Unix(0, 0)
		var trace []string
		for i := 0; i < 2000; i++ {
			now = now.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
			switch rng.IntN(4) {
			case 0:
				c.Fetch(now, keyAt(rng.Uint64N(50)))
			case 1:
				c.Step(now, Message{Type: MsgRequest, Peer: PeerID(1 + rng.IntN(8)), ID: RequestID(rng.Uint64N(500) + 1),
					Key: keyAt(rng.Uint64N(50)), HTL: uint8(rng.IntN(19))})
			case 2:
				c.Tick(now)
			case 3:
				types := []MsgType{MsgData, MsgDataNotFound, MsgRouteNotFound, MsgRejectedLoop, MsgRejectedOverload}
				for _, r := range c.sortedRequests() {
					if r.phase == phaseRouting && r.current != 0 && rng.IntN(2) == 0 {
						c.Step(now, Message{Type: types[rng.IntN(len(types))], Peer: r.current, ID: r.id, HTL: uint8(rng.IntN(18)), Block: []byte("b")})
					}
				}
			}
			rd := c.Ready()
			for _, l := range rd.Lookups {
				if rng.IntN(3) == 0 {
					c.LookupDone(now, l.ID, []byte("b"))
				} else {
					c.LookupDone(now, l.ID, nil)
				}
			}
			rd2 := c.Ready()
			trace = append(trace, fmt.Sprint(rd, rd2))
			if err := c.checkCounts(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		return trace
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed and inputs gave different outputs")
	}
}

// checkCounts verifies the Core's bookkeeping: every peer's active count
// and the local count equal the requests and waiters they have running.
func (c *Core) checkCounts() error {
	want := map[PeerID]int{}
	for _, r := range c.reqs {
		want[r.source]++
		for _, w := range r.waiters {
			want[w.source]++
		}
		if r.phase == 0 {
			return fmt.Errorf("request %d ended but still listed", r.id)
		}
	}
	for _, p := range c.peers {
		if p.active != want[p.id] {
			return fmt.Errorf("peer %d: active %d, running %d", p.id, p.active, want[p.id])
		}
	}
	if int(c.localActive) != want[0] {
		return fmt.Errorf("local: active %d, running %d", c.localActive, want[0])
	}
	return nil
}

// TestStepErrors: every error of Step, SetPeerNeighbours and AddPeer
// matches its sentinel, so a driver can tell a race (ErrPeerNotFound) from
// a misbehaving peer.
func TestStepErrors(t *testing.T) {
	c, _ := New(Config{Location: 1 << 62, MaxPeerNeighbours: 1})
	c.AddPeer(2, 1<<63)
	now := time.Unix(0, 0)
	id, _ := c.Fetch(now, keyAt(1))
	c.LookupDone(now, id, nil)
	c.Ready()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"message from an unknown peer", c.Step(now, Message{Type: MsgRequest, Peer: 9, ID: 5, Key: keyAt(2), HTL: 5}), ErrPeerNotFound},
		{"unknown type", c.Step(now, Message{Type: 99, Peer: 2, ID: 6}), ErrUnknownMessage},
		{"Data for another key", c.Step(now, Message{Type: MsgData, Peer: 2, ID: id, Key: keyAt(3), Block: []byte("b")}), ErrWrongKey},
		{"neighbours of an unknown peer", c.SetPeerNeighbours(9, nil), ErrPeerNotFound},
		{"too many neighbours", c.SetPeerNeighbours(2, []Location{1, 2}), ErrTooManyNeighbours},
		{"peer id 0", c.AddPeer(0, 1), ErrReservedPeer},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}
