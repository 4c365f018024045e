package routing

import (
	"fmt"
	"testing"
	"time"
)

// TestOverMaxHTLNotStretched: a request or insert arriving with HTL above
// MaxHTL goes on exactly as one arriving at MaxHTL (a peer may not stretch
// it, nor gain a hop by sending more), over links that keep HTL at the
// maximum and links that decrement it there, and nothing is written here
// (the first hops). The Core clamps before it decrements, as Hyphanet's
// node does; clamping after let a request sent at 19 keep 18 over a link
// where one sent at 18 drops to 17.
func TestOverMaxHTLNotStretched(t *testing.T) {
	for _, maxHTL := range []uint8{DefaultMaxHTL, 10} {
		for _, decAtMax := range []bool{false, true} {
			for _, typ := range []MsgType{MsgRequest, MsgInsert} {
				for _, htl := range []uint8{maxHTL, maxHTL + 1, maxHTL + 2, 2 * maxHTL, 255} {
					name := fmt.Sprintf("max=%d/dec-at-max=%v/%v/htl=%d", maxHTL, decAtMax, typ, htl)
					t.Run(name, func(t *testing.T) { checkOverMaxHTL(t, maxHTL, decAtMax, typ, htl) })
				}
			}
		}
	}
}

func checkOverMaxHTL(t *testing.T, maxHTL uint8, decAtMax bool, typ MsgType, htl uint8) {
	c, err := New(Config{Seed: 1, Location: 1 << 62, MaxHTL: maxHTL})
	if err != nil {
		t.Fatal(err)
	}
	c.AddPeer(2, 1<<63)
	c.AddPeer(3, 3<<62)
	c.peer(2).decAtMax = decAtMax // the link the request arrives over
	now := time.Unix(0, 0)
	m := Message{Type: typ, Peer: 2, ID: 7, Key: keyAt(1), HTL: htl}
	if typ == MsgInsert {
		m.Block = []byte("block")
	}
	if err := c.Step(now, m); err != nil {
		t.Fatal(err)
	}
	rd := c.Ready()
	if len(rd.Lookups) != 1 || len(rd.Messages) != 0 {
		t.Fatalf("not accepted: %+v", rd)
	}
	c.LookupDone(now, 7, nil)
	rd = c.Ready()
	if len(rd.Messages) != 1 || rd.Messages[0].Type != typ || rd.Messages[0].Peer != 3 {
		t.Fatalf("not sent on to peer 3: %+v", rd)
	}
	if len(rd.Stores) != 0 {
		t.Fatalf("written at the first hops: %+v", rd.Stores)
	}
	got := rd.Messages[0].HTL
	want := maxHTL // what a request arriving at MaxHTL keeps over this link
	if decAtMax {
		want = maxHTL - 1
	}
	// Exactly as if it had arrived at MaxHTL: more gains no hop.
	if got != want {
		t.Fatalf("sent on at HTL %d, want %d (as one arriving at MaxHTL %d)", got, want, maxHTL)
	}
}

// coreWithTwoPeers returns a Core at 1/4 of the circle with peer 2 at 1/2
// and peer 3 at 3/4.
func coreWithTwoPeers(t *testing.T) *Core {
	t.Helper()
	c, err := New(Config{Seed: 1, Location: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	c.AddPeer(2, 1<<63)
	c.AddPeer(3, 3<<62)
	return c
}

// TestStoreFull: while the driver's datastore is full the Core writes
// nothing, even where it is the closest to the key, passes the insert on,
// and where it can go no further answers RejectedLoop so that the node
// before stores it; once there is room it writes again.
func TestStoreFull(t *testing.T) {
	c := coreWithTwoPeers(t)
	now := time.Unix(0, 0)
	insert := func(id RequestID, from PeerID) Ready {
		t.Helper()
		if err := c.Step(now, Message{Type: MsgInsert, Peer: from, ID: id, Key: keyAt(1 << 62), HTL: 10, Block: []byte("block")}); err != nil {
			t.Fatal(err)
		}
		c.Ready()
		c.LookupDone(now, id, nil)
		return c.Ready()
	}
	c.SetStoreFull(true)
	rd := insert(7, 2)
	if len(rd.Stores) != 0 || len(rd.Messages) != 1 || rd.Messages[0].Type != MsgInsert || rd.Messages[0].Peer != 3 {
		t.Fatalf("full, closest to the key: %+v, want it passed on to peer 3 and nothing written", rd)
	}
	if err := c.Step(now, Message{Type: MsgRejectedLoop, Peer: 3, ID: 7}); err != nil {
		t.Fatal(err)
	}
	rd = c.Ready()
	if len(rd.Stores) != 0 || len(rd.Messages) != 1 || rd.Messages[0].Type != MsgRejectedLoop || rd.Messages[0].Peer != 2 {
		t.Fatalf("full, at a dead end: %+v, want RejectedLoop to peer 2 and nothing written", rd)
	}
	c.SetStoreFull(false)
	rd = insert(8, 2)
	if len(rd.Stores) != 1 || rd.Stores[0].Region != RegionStore {
		t.Fatalf("room again: %+v, want a write to the store region", rd)
	}
}

// TestNoRecentlyFailedWhileInsertRoutes: a request for a key whose insert
// is routing here (it passed on its way to where it will be stored) and
// that finds nothing downstream does not mark the key failed: the next
// request for it is routed, not answered RecentlyFailed. Once the insert
// has ended, a failure marks it as before.
func TestNoRecentlyFailedWhileInsertRoutes(t *testing.T) {
	c := coreWithTwoPeers(t)
	now := time.Unix(0, 0)
	k := keyAt(3 << 62)
	step := func(m Message) Ready {
		t.Helper()
		if err := c.Step(now, m); err != nil {
			t.Fatal(err)
		}
		return c.Ready()
	}
	// An insert from peer 2 goes on to peer 3 and waits for its answer.
	step(Message{Type: MsgInsert, Peer: 2, ID: 10, Key: k, HTL: 18, Block: []byte("block")})
	c.LookupDone(now, 10, nil)
	c.Ready()
	request := func(id RequestID) Ready {
		t.Helper()
		rd := step(Message{Type: MsgRequest, Peer: 2, ID: id, Key: k, HTL: 5})
		if len(rd.Lookups) == 0 {
			return rd // answered at once
		}
		c.LookupDone(now, id, nil)
		return c.Ready()
	}
	rd := request(11)
	if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgRequest || rd.Messages[0].Peer != 3 {
		t.Fatalf("first request: %+v, want it routed to peer 3", rd)
	}
	step(Message{Type: MsgDataNotFound, Peer: 3, ID: 11})
	rd = request(12)
	if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgRequest {
		t.Fatalf("request after a DataNotFound while the insert routes: %+v, want it routed, not RecentlyFailed", rd)
	}
	step(Message{Type: MsgDataNotFound, Peer: 3, ID: 12})
	// The insert ends; a failure now marks the key.
	step(Message{Type: MsgInsertReply, Peer: 3, ID: 10})
	request(13)
	step(Message{Type: MsgDataNotFound, Peer: 3, ID: 13})
	rd = request(14)
	if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgRecentlyFailed {
		t.Fatalf("request after a DataNotFound once the insert ended: %+v, want RecentlyFailed", rd)
	}
}
