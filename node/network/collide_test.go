package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
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

// TestCollisionCrossing: two different inserts of one SSK started at
// once on two linked nodes cross (the link holds both nodes' frames until
// each has sent its insert): exactly one is told of a collision, the one
// whose block sorts after the other's, and both nodes keep the block that
// sorts first.
func TestCollisionCrossing(t *testing.T) {
	a := startTestNetwork(t, "a", 1<<62, nil)
	b := startTestNetwork(t, "b", 3<<62, nil)
	g := newGate()
	t.Cleanup(g.open) // before the networks close: no write stays held
	if err, aerr := gatedPipeLink(a, b, g); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 20 {
		rk, x, y := twoEditions(t, fmt.Sprintf("feed-%d", i))
		// Half the rounds the node that sorts first is a, half b.
		first, second := b, a
		if i%2 == 1 {
			first, second = a, b
		}
		g.shut()
		var errX, errY error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); errX = first.store.PutSignedBlock(ctx, rk, x) }()
		go func() { defer wg.Done(); errY = second.store.PutSignedBlock(ctx, rk, y) }()
		if !g.waitBoth(keys.SSKBlockSize, 10*time.Second) {
			t.Fatalf("round %d: the two inserts were not both sent", i)
		}
		g.open()
		wg.Wait()
		if errX != nil || !isCollision(errY) {
			t.Fatalf("round %d: inserts ended %v and %v, want the first to succeed and the second to collide", i, errX, errY)
		}
		for _, n := range []*Network{a, b} {
			if got, err := n.Store().GetBlock(ctx, rk); err != nil || !bytes.Equal(got, x) {
				t.Fatalf("round %d: node %s does not read the block that sorts first (%v)", i, n.cfg.Name, err)
			}
		}
	}
}

// gate holds what is written to the connections it guards while it is
// shut (the writers go on, as over a slow network) and sends it, in order,
// when it opens.
type gate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	closed  bool      // guarded by mu
	pending [2][]byte // guarded by mu: what waits, per direction
	wmu     [2]sync.Mutex
	conns   [2]net.Conn // set before use
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) shut() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// open sends what waits and lets writes through again.
func (g *gate) open() {
	g.mu.Lock()
	g.closed = false
	g.mu.Unlock()
	for dir := range g.pending {
		g.wmu[dir].Lock()
		g.flush(dir)
		g.wmu[dir].Unlock()
	}
}

// flush writes what waits in direction dir; g.wmu[dir] is held.
func (g *gate) flush(dir int) error {
	g.mu.Lock()
	buf := g.pending[dir]
	g.pending[dir] = nil
	g.mu.Unlock()
	if len(buf) == 0 || g.conns[dir] == nil {
		return nil
	}
	_, err := g.conns[dir].Write(buf)
	return err
}

// waitBoth waits until at least n bytes wait in each direction, at most d.
func (g *gate) waitBoth(n int, d time.Duration) bool {
	stop := time.AfterFunc(d, func() { g.mu.Lock(); g.cond.Broadcast(); g.mu.Unlock() })
	defer stop.Stop()
	deadline := time.Now().Add(d)
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.pending[0]) < n || len(g.pending[1]) < n {
		if time.Now().After(deadline) {
			return false
		}
		g.cond.Wait()
	}
	return true
}

// gatedConn is one end of a connection whose writes a gate holds.
type gatedConn struct {
	net.Conn
	g   *gate
	dir int
}

func (c gatedConn) Write(p []byte) (int, error) {
	g := c.g
	g.wmu[c.dir].Lock()
	defer g.wmu[c.dir].Unlock()
	g.mu.Lock()
	if g.closed {
		g.pending[c.dir] = append(g.pending[c.dir], p...)
		g.cond.Broadcast()
		g.mu.Unlock()
		return len(p), nil
	}
	g.mu.Unlock()
	if err := g.flush(c.dir); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// gatedPipeLink is pipeLink over a pipe whose writes g holds while shut.
func gatedPipeLink(a, b *Network, g *gate) (dialErr, acceptErr error) {
	p1, p2 := net.Pipe()
	g.conns = [2]net.Conn{p1, p2}
	accepted := make(chan error, 1)
	go func() { accepted <- b.AcceptStream(gatedConn{p2, g, 1}) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dialErr = a.ConnectStream(ctx, gatedConn{p1, g, 0}, b.Noderef())
	return dialErr, <-accepted
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
