package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// twoEditions returns the routing key of an SSK named name and two
// different blocks under it, the one that sorts first first.
func twoEditions(t *testing.T, name string) (keys.RoutingKey, []byte, []byte) {
	t.Helper()
	ins, _, err := keys.GenerateSSK(bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	ins.Name = name
	x, ux, err := keys.EncodeSSK(ins, []byte(name+" from the first phone"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := keys.EncodeSSK(ins, []byte(name+" from the second phone"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := keys.RoutingKeyOf(ux)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Compare(x, y) > 0 {
		x, y = y, x
	}
	return rk, x, y
}

func isCollision(err error) bool {
	var ie *clientlayer.InsertError
	return errors.As(err, &ie) && ie.Code == fcpwire.InsertCollision && errors.Is(err, clientlayer.ErrCollision)
}

// TestCollisionDownstream: an insert that meets another block at a peer
// fails with Collision, and the inserter's next fetch of the key gets the
// block the network keeps, which the peer still holds.
func TestCollisionDownstream(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	b := startTestNetwork(t, "b", 3<<62, nil)
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	rk, x, y := twoEditions(t, "feed-4")
	if err := b.store.ds.Put(rk, x, datastore.RegionCache); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Store().PutBlock(ctx, rk, y); !isCollision(err) {
		t.Fatalf("insert over a block the peer holds: %v, want Collision", err)
	}
	got, err := a.Store().GetBlock(ctx, rk)
	if err != nil || !bytes.Equal(got, x) {
		t.Fatalf("fetch after the collision: %d bytes (the held block: %v), %v", len(got), bytes.Equal(got, x), err)
	}
	if held, err := b.store.ds.Get(rk); err != nil || !bytes.Equal(held, x) {
		t.Fatalf("the peer no longer holds its block: %v", err)
	}
}

// TestCollisionCrossing: two devices of one identity publish the same
// edition at once through two linked nodes, which store neither of their
// own inserts. Exactly one is told of a collision, every time, and both
// nodes then read the other's block.
func TestCollisionCrossing(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	b := startTestNetwork(t, "b", 3<<62, nil)
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	crossed := 0
	for i := range 20 {
		rk, x, y := twoEditions(t, fmt.Sprintf("feed-%d", i))
		// Half the rounds the node that sorts first is a, half b.
		first, second := b, a
		if i%2 == 1 {
			first, second = a, b
		}
		var errX, errY error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); errX = first.store.PutSignedBlock(ctx, rk, x) }()
		go func() { defer wg.Done(); errY = second.store.PutSignedBlock(ctx, rk, y) }()
		wg.Wait()
		// When one insert ended before the other began, the first wins
		// (its block is held where the second starts); when they
		// crossed, the one that sorts first.
		kept := x
		switch {
		case errX == nil && isCollision(errY):
			crossed++
		case isCollision(errX) && errY == nil:
			kept = y
		default:
			t.Fatalf("round %d: inserts ended %v and %v, want one success and one Collision", i, errX, errY)
		}
		for _, n := range []*Network{a, b} {
			if got, err := n.Store().GetBlock(ctx, rk); err != nil || !bytes.Equal(got, kept) {
				t.Fatalf("round %d: node %s does not read the block kept (%v)", i, n.cfg.Name, err)
			}
		}
	}
	t.Logf("%d of 20 rounds: the block that sorts first won (crossed, or it went first)", crossed)
	if crossed == 0 {
		t.Error("the block that sorts first never won: the rounds did not cross")
	}
}

// TestCollisionWithoutFeature: a peer whose link does not speak collisions
// answers an insert that collides there with InsertReply, as before.
func TestCollisionWithoutFeature(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	b := startTestNetwork(t, "b", 3<<62, &Protocol{Version: peerwire.ProtocolVersion, MinVersion: peerwire.MinProtocolVersion,
		Features: peerwire.AllFeatures &^ peerwire.FeatureCollisions &^ peerwire.FeatureSwapping &^ peerwire.FeatureOpennet})
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	rk, x, y := twoEditions(t, "feed-5")
	if err := b.store.ds.Put(rk, x, datastore.RegionCache); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Store().PutBlock(ctx, rk, y); err != nil {
		t.Fatalf("insert through a peer without collisions: %v", err)
	}
}

// TestWriteReplace: a store that replaces puts the block the network kept
// in the place of the one written before.
func TestWriteReplace(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	rk, x, y := twoEditions(t, "feed-6")
	a.r.write([]routing.StoreOp{{Key: rk, Block: y, Region: routing.RegionCache}})
	a.r.write([]routing.StoreOp{{Key: rk, Block: x, Region: routing.RegionCache, Replace: true}})
	if held, err := a.store.ds.Get(rk); err != nil || !bytes.Equal(held, x) {
		t.Fatalf("after the replacing write: %v, the kept block: %v", err, bytes.Equal(held, x))
	}
}

// TestWriteReplaceHeld: a conditional replacement (a peer's Replace of the
// block its Offer supplied) is written only while the datastore holds
// that block; otherwise nothing is written.
func TestWriteReplaceHeld(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	rk, x, y := twoEditions(t, "feed-7")
	replace := routing.StoreOp{Key: rk, Block: x, Region: routing.RegionCache, Replace: true, Held: routing.HashBlock(y)}
	a.r.write([]routing.StoreOp{replace})
	if _, err := a.store.ds.Get(rk); !errors.Is(err, datastore.ErrNotFound) {
		t.Fatalf("a replacement of a block not held was written: %v", err)
	}
	a.r.write([]routing.StoreOp{{Key: rk, Block: x, Region: routing.RegionCache}})
	a.r.write([]routing.StoreOp{{Key: rk, Block: y, Region: routing.RegionCache, Replace: true, Held: routing.HashBlock(bytes.Repeat([]byte{1}, len(x)))}})
	if held, err := a.store.ds.Get(rk); err != nil || !bytes.Equal(held, x) {
		t.Fatalf("a replacement of another block than the one held: %v, kept: %v", err, bytes.Equal(held, x))
	}
	a.r.write([]routing.StoreOp{{Key: rk, Block: y, Region: routing.RegionCache, Replace: true, Held: routing.HashBlock(x)}})
	if held, err := a.store.ds.Get(rk); err != nil || !bytes.Equal(held, y) {
		t.Fatalf("a replacement of the block held: %v, replaced: %v", err, bytes.Equal(held, y))
	}
}

// TestOffersReplace: an offered block is replaced only by a replacement
// of that very block, and the replacement wakes the waiters.
func TestOffersReplace(t *testing.T) {
	o := newOffers(time.Now)
	var rk keys.RoutingKey
	x, y := []byte("the block that won"), []byte("the block that lost")
	o.replace(rk, x, routing.HashBlock(y))
	if _, ok := o.get(rk); ok {
		t.Fatal("a replacement of nothing held a block")
	}
	o.add(rk, y)
	o.replace(rk, x, routing.HashBlock([]byte("another")))
	if b, _ := o.get(rk); !bytes.Equal(b, y) {
		t.Fatalf("replaced by a replacement of another block: %q", b)
	}
	woken := o.arrivals()
	o.replace(rk, x, routing.HashBlock(y))
	if b, _ := o.get(rk); !bytes.Equal(b, x) {
		t.Fatalf("not replaced: %q", b)
	}
	select {
	case <-woken:
	default:
		t.Fatal("the replacement woke nobody")
	}
}
