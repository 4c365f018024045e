package network

import (
	"context"
	"testing"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// TestLocalFetchReadsOnce: a fetch from this node reaches the router after
// the block store has read the datastore, so the core routes it at once
// and asks for no second read (no Lookup); a request from a peer is still
// looked up.
func TestLocalFetchReadsOnce(t *testing.T) {
	lr := newLoopRouter(t, routing.Config{Location: tenths(5)[0]})
	id := lr.up(&fakeLink{}, tenths(6)[0])
	var rk keys.RoutingKey
	rk[0] = 0x99 // location about 0.6
	req := &localReq{ctx: context.Background(), key: rk, done: make(chan routing.Result, 1)}
	lr.handle(routerEvent{kind: evLocal, local: req})
	rd := lr.core.Ready()
	if len(rd.Lookups) != 0 || len(rd.Messages) != 1 || rd.Messages[0].Type != routing.MsgRequest || rd.Messages[0].Peer != id {
		t.Fatalf("a local fetch: %d lookups, messages %+v; want no lookup and one request to the peer", len(rd.Lookups), rd.Messages)
	}
	rk[31] = 1
	lr.handle(routerEvent{kind: evMessage, peer: id, msg: routing.Message{Type: routing.MsgRequest, ID: 77, Key: rk, HTL: 10}})
	if rd := lr.core.Ready(); len(rd.Lookups) != 1 {
		t.Fatalf("a peer's request: %d lookups, want 1", len(rd.Lookups))
	}
}
