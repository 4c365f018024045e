package node

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Where the first block of a collision case is held when the second insert
// starts.
type collisionSpread int

const (
	// spreadInserted: wherever the first insert left it (in 6 nodes, at
	// every node but its inserter).
	spreadInserted collisionSpread = iota
	// spreadNear: at the second and third nodes closest to the key only,
	// as in a larger network, where an insert is stored near its key and
	// the nodes on a far inserter's way hold nothing: the second insert
	// passes nodes that hold nothing before it meets the first block (the
	// closest node's too).
	spreadNear
	// spreadWaited: as spreadNear, and every node asked for the key before
	// the first block was there (readers waiting for it: the nodes on
	// their way remember them, to offer them the block when it passes).
	// The second insert's block reaches them by Offer before it meets the
	// first, which then follows the offers (Replace; docs/routing.md,
	// Collisions).
	spreadWaited
)

func (s collisionSpread) String() string {
	return [...]string{"inserted", "near", "waited"}[s]
}

// TestCollisionTestnet (issue 19): on a 6-node network, a second, different
// insert under an SSK or a KSK that the network already holds fails with
// PutFailed code 9 (collision) and the first copy's URI, whether it comes
// from the node closest to the key or the one farthest from it; afterwards
// no node's datastore holds anything under the key but the first block, and
// a fetch from every node returns the first content. For the SSK the second
// insert is signed with the same private key (a second device); for the
// KSK it is the same keyword (anyone who knows it). Two topologies: a ring,
// where the farthest node is three hops from the closest, and the small
// world hams testnet builds by default (long 2, seed 1); three spreads of
// the first block (collisionSpread).
func TestCollisionTestnet(t *testing.T) {
	for _, topo := range []struct {
		name string
		long int
		seed uint64
	}{{"ring", 0, 1}, {"testnet", 2, 1}} {
		t.Run(topo.name, func(t *testing.T) {
			// A key that was not found is not answered RecentlyFailed
			// (the readers of spreadWaited fetch it at once, one after
			// the other, and every case reads it at every node), while
			// the readers' interest in it stands for an hour.
			tn := startNet(t, 6, topo.long, topo.seed, func(c *Config) { c.Network.Routing.RecentlyFailedFor = time.Millisecond })
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			clients := make([]*fcpclient.Client, len(tn.nodes))
			for i, nd := range tn.nodes {
				clients[i] = dial(t, nd)
				t.Cleanup(func() { clients[i].Close() })
			}
			n := 0
			for _, spread := range []collisionSpread{spreadInserted, spreadNear, spreadWaited} {
				for _, kind := range []string{"SSK", "KSK"} {
					for _, far := range []bool{false, true} {
						n++
						cc := collisionCase{kind: kind, far: far, spread: spread,
							name: fmt.Sprintf("%s-%d", topo.name, n), seed: uint64(topo.long)<<8 + uint64(n)}
						t.Run(cc.String(), func(t *testing.T) { cc.run(ctx, t, tn, clients) })
					}
				}
			}
		})
	}
}

// collisionCase inserts a first block under a fresh key of kind (SSK or
// KSK) from the node fourth closest to the key, waits for a node to hold
// it, spreads it, inserts a different one from the closest (or farthest)
// node, and checks that the second insert collided, that every node holds
// the first block or nothing, and that every node reads the first content.
type collisionCase struct {
	kind   string
	far    bool
	spread collisionSpread
	name   string // a name unique in the network, for the KSK
	seed   uint64
}

func (cc collisionCase) String() string {
	from := "closest"
	if cc.far {
		from = "farthest"
	}
	return cc.kind + "/" + from + "/" + cc.spread.String()
}

func (cc collisionCase) run(ctx context.Context, t *testing.T, tn *testNet, clients []*fcpclient.Client) {
	var insertURI string
	var first, second []byte
	switch cc.kind {
	case "SSK":
		// Larger than an SSK block: the SSK holds a redirect to a CHK,
		// which the second insert inserts (and succeeds) before its SSK
		// block collides.
		ins, _, err := keys.GenerateSSK(seededRand(1000 + cc.seed))
		if err != nil {
			t.Fatal(err)
		}
		ins.Name = "post"
		insertURI = ins.String()
		first, second = make([]byte, 3000), make([]byte, 3000)
		seededRand(2000 + cc.seed).Read(first)
		seededRand(3000 + cc.seed).Read(second)
	case "KSK":
		insertURI = "KSK@hams-collision-" + cc.name
		first = []byte("the first content of " + insertURI)
		second = []byte("someone else's content for " + insertURI)
	}
	u, err := keys.Parse(insertURI)
	if err != nil {
		t.Fatal(err)
	}
	if u.Type == keys.SSK {
		if u, err = u.RequestURI(); err != nil {
			t.Fatal(err)
		}
	}
	rk, err := keys.RoutingKeyOf(u)
	if err != nil {
		t.Fatal(err)
	}
	// The nodes by their distance to the key, closest first.
	kl := routing.KeyLocation(rk)
	order := make([]int, len(tn.nodes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(tn.nodes[a].Location().DistanceTo(kl), tn.nodes[b].Location().DistanceTo(kl))
	})
	from, again := order[3], order[0]
	if cc.far {
		again = order[len(order)-1]
	}

	reqURI, err := clients[from].Put(ctx, bytes.NewReader(first), int64(len(first)), fcpclient.PutOptions{URI: insertURI})
	if err != nil {
		t.Fatalf("first insert from node %d: %v", from, err)
	}
	// A node writes an SSK block as the insert's answer passes back:
	// wait for one.
	var held []int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		held = held[:0]
		for i := range tn.nodes {
			if tn.has(i, rk) {
				held = append(held, i)
			}
		}
		if len(held) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no node holds the first insert")
		}
	}
	firstBlock, err := tn.nodes[held[0]].ds.Get(rk)
	if err != nil {
		t.Fatal(err)
	}
	if cc.spread != spreadInserted {
		for _, nd := range tn.nodes {
			if err := nd.ds.Delete(rk); err != nil && !errors.Is(err, datastore.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if cc.spread == spreadWaited {
			for i := range tn.nodes {
				if _, err := clients[i].Get(ctx, reqURI, io.Discard, fcpclient.GetOptions{}); err == nil {
					t.Fatalf("node %d read the key after it was deleted everywhere", i)
				}
			}
		}
		held = []int{order[1], order[2]}
		for _, i := range held {
			if err := tn.nodes[i].ds.Put(rk, firstBlock, datastore.RegionStore); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("key at %v: nodes by distance %v; first insert from node %d, held at %v; second from node %d", kl, order, from, held, again)

	_, err = clients[again].Put(ctx, bytes.NewReader(second), int64(len(second)), fcpclient.PutOptions{URI: insertURI})
	var pf *fcpclient.PutFailedError
	switch {
	case err == nil:
		t.Errorf("the conflicting insert from node %d succeeded", again)
	case !errors.As(err, &pf) || pf.Code != fcpwire.InsertCollision:
		t.Errorf("the conflicting insert from node %d: %v, want PutFailed code %d", again, err, fcpwire.InsertCollision)
	case pf.ExpectedURI != reqURI:
		t.Errorf("the conflicting insert's ExpectedURI %q, want %q", pf.ExpectedURI, reqURI)
	}

	// No node holds anything but the first block once the writes the
	// collision's answer caused are done (it may still be passing back
	// when the inserter hears of it).
	check := func() []string {
		var bad []string
		for i, nd := range tn.nodes {
			b, err := nd.ds.Get(rk)
			switch {
			case errors.Is(err, datastore.ErrNotFound):
			case err != nil:
				bad = append(bad, fmt.Sprintf("node %d: %v", i, err))
			case !bytes.Equal(b, firstBlock):
				bad = append(bad, fmt.Sprintf("node %d holds the second block", i))
			}
		}
		return bad
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		bad := check()
		if len(bad) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the conflicting insert: %v", bad)
		}
	}
	for i, c := range clients {
		var got bytes.Buffer
		if _, err := c.Get(ctx, reqURI, &got, fcpclient.GetOptions{}); err != nil {
			t.Errorf("fetch from node %d: %v", i, err)
			continue
		}
		if !bytes.Equal(got.Bytes(), first) {
			t.Errorf("fetch from node %d: not the first content (the second's: %v)", i, bytes.Equal(got.Bytes(), second))
		}
	}
	if bad := check(); len(bad) > 0 {
		t.Errorf("after the fetches: %v", bad)
	}
}
