package network

import (
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
