package network

import (
	"context"
	"testing"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/peerwire"
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

// TestRelink: a second link to a peer (both sides dialled at once)
// replaces the first under the same id, so the core never loses the peer
// and its requests are answered over the new link; the end of the first
// link does not remove the peer.
func TestRelink(t *testing.T) {
	lr := newLoopRouter(t, routing.Config{Location: tenths(5)[0]})
	first, second := &fakeLink{}, &fakeLink{}
	up := func(l *fakeLink) routing.PeerID {
		reply := make(chan routing.PeerID, 1)
		lr.handle(routerEvent{kind: evPeerUp, link: l, ident: "the same peer", loc: tenths(6)[0], feats: peerwire.AllFeatures, reply: reply})
		return <-reply
	}
	id := up(first)
	if again := up(second); again != id || lr.peers[id].link != second || lr.core.Peers() != 1 {
		t.Fatalf("second link: id %d (first %d), %d peers in the core", again, id, lr.core.Peers())
	}
	lr.handle(routerEvent{kind: evPeerDown, peer: id, link: first})
	if lr.core.Peers() != 1 || lr.peers[id] == nil {
		t.Fatal("the end of the replaced link removed the peer")
	}
	lr.handle(routerEvent{kind: evPeerDown, peer: id, link: second})
	if lr.core.Peers() != 0 || lr.peers[id] != nil || len(lr.byIdent) != 0 {
		t.Fatal("the end of the live link did not remove the peer")
	}
}
