package network

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/routing"
)

// TestWithoutLinks: a node with no peer to route through answers a fetch
// of a block it does not hold, after the wait, with Route not found and
// why; an insert waits for a link and goes out once one is up; a block in
// its own store is read at once.
func TestWithoutLinks(t *testing.T) {
	was := noLinkWait
	noLinkWait = 200 * time.Millisecond
	defer func() { noLinkWait = was }()
	var inserts atomic.Int32
	a := startTestNetworkWith(t, "a", 1<<62, func(c *Config) {
		c.Hooks.Send = func(m routing.Message) {
			if m.Type == routing.MsgInsert {
				inserts.Add(1)
			}
		}
	})
	b := startTestNetwork(t, "b", 3<<62, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	block, uri, err := keys.EncodeCHK([]byte("waits for a link"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk := keys.RoutingKey(uri.Key)
	// A block of the node's own store is read at once.
	own, ouri, _ := keys.EncodeCHK([]byte("held here"), keys.EncodeOptions{})
	ork := keys.RoutingKey(ouri.Key)
	if err := a.store.ds.Put(ork, own, datastore.RegionStore); err != nil {
		t.Fatal(err)
	}
	lctx, lcancel := context.WithTimeout(ctx, noLinkWait/2)
	got, err := a.Store().GetBlock(lctx, ork)
	lcancel()
	if err != nil || string(got) != string(own) {
		t.Fatalf("a local read without a link: %v", err)
	}
	t0 := time.Now()
	_, err = a.Store().GetBlock(ctx, rk)
	var fe *clientlayer.FetchError
	if !errors.As(err, &fe) || fe.Code != fcpwire.FetchRouteNotFound || !strings.Contains(fe.Msg, "no peer is linked") || time.Since(t0) < noLinkWait {
		t.Fatalf("fetch without a link after %v: %v", time.Since(t0), err)
	}

	done := make(chan error, 1)
	go func() { done <- a.Store().PutBlock(ctx, rk, block) }()
	select {
	case err := <-done:
		t.Fatalf("the insert ended without a link: %v", err)
	case <-time.After(3 * noLinkWait):
	}
	if n := inserts.Load(); n != 0 {
		t.Fatalf("%d inserts sent without a link", n)
	}
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	if err := <-done; err != nil {
		t.Fatalf("the insert once a link was up: %v", err)
	}
	if inserts.Load() == 0 {
		t.Fatal("the insert ended without going out")
	}
}

// TestInsertCollisionHeld: inserting an SSK block while this node holds a
// different block under the key (cached as another device's insert
// passed) fails at once with Collision; the same block goes out.
func TestInsertCollisionHeld(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	b := startTestNetwork(t, "b", 3<<62, nil)
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	ins, _, err := keys.GenerateSSK(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	ins.Name = "feed-3"
	x, ux, err := keys.EncodeSSK(ins, []byte("edition 3 from the first phone"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := keys.EncodeSSK(ins, []byte("edition 3 from the second phone"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk, _ := keys.RoutingKeyOf(ux)
	if err := a.store.ds.Put(rk, x, datastore.RegionCache); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Store().PutBlock(ctx, rk, y)
	var ie *clientlayer.InsertError
	if !errors.As(err, &ie) || ie.Code != fcpwire.InsertCollision || !errors.Is(err, clientlayer.ErrCollision) {
		t.Fatalf("a different block over a held one: %v", err)
	}
	if err := a.Store().PutBlock(ctx, rk, x); err != nil {
		t.Fatalf("the held block itself: %v", err)
	}
}
