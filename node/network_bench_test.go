package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
)

// BenchmarkTwoNodeFetch64MiB: node B holds a 64 MiB file; node A, linked
// to B over loopback TCP (Noise links), fetches it. A stores nothing of it
// (the originator caches nothing), so every iteration crosses the link.
func BenchmarkTwoNodeFetch64MiB(b *testing.B) {
	const size = 64 << 20
	dirB := b.TempDir()
	// Insert on B alone first (a node without peers stores locally).
	nb := startNode(b, dirB)
	cb := dial(b, nb)
	uri, err := cb.Put(context.Background(), randReader(64, size), size, fcpclient.PutOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cb.Close()
	nb.Close()
	start := func(dir string) *Node {
		n, err := Start(Config{Dir: dir, FCPAddr: "127.0.0.1:0", StoreSize: 1 << 30, Logger: quiet(),
			Network: network.Config{Transport: network.TransportTCP, Listen: "127.0.0.1:0"}})
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	nb = start(dirB)
	defer nb.Close()
	na := start(b.TempDir())
	defer na.Close()
	if _, err := na.AddPeer(nb.Noderef()); err != nil {
		b.Fatal(err)
	}
	waitConnected(b, na, 1)
	ca := dial(b, na)
	defer ca.Close()
	want := hashOf(randReader(64, size))
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		h := sha256.New()
		if _, err := ca.Get(context.Background(), uri, h, fcpclient.GetOptions{}); err != nil {
			b.Fatal(err)
		}
		if [32]byte(h.Sum(nil)) != want {
			b.Fatal("data differs")
		}
	}
}

// waitConnected waits until n has at least want connected peers.
func waitConnected(t testing.TB, n *Node, want int) {
	t.Helper()
	waitConnectedWithin(t, n, want, 20*time.Second)
}

// onionLinkWait is how long a test waits for a link between two nodes of
// the private Tor network: the dialling node must fetch the other's onion
// descriptor, which a small network's directories may serve only after
// their next publication round (CI saw more than 20 s once).
const onionLinkWait = 90 * time.Second

// waitConnectedWithin is waitConnected with its own patience.
func waitConnectedWithin(t testing.TB, n *Node, want int, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		up := 0
		for _, p := range n.ListPeers() {
			if p.Status == network.PeerConnected {
				up++
			}
		}
		if up >= want {
			return
		}
	}
	t.Fatalf("fewer than %d peers connected: %+v", want, n.ListPeers())
}

// BenchmarkSSKFetchLatency8: an eight-node ring on loopback TCP (nodes at
// i/8, each linked to its two neighbours). Each iteration makes an SSK of
// 1000 bytes whose key lies near node 0 (location 0), stores its block at
// node 0 only, and fetches it through node 4's FCP: the far side, four hops
// away. Reports the median and p99 fetch latency.
func BenchmarkSSKFetchLatency8(b *testing.B) {
	nodes := make([]*Node, 8)
	for i := range nodes {
		l := routing.Location(uint64(i) * (^uint64(0) / 8))
		n, err := Start(Config{Dir: b.TempDir(), FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet(),
			Network: network.Config{Transport: network.TransportTCP, Listen: "127.0.0.1:0", Location: &l, Rand: seededRand(uint64(100 + i))}})
		if err != nil {
			b.Fatal(err)
		}
		defer n.Close()
		nodes[i] = n
	}
	for i := range nodes {
		if _, err := nodes[i].AddPeer(nodes[(i+1)%8].Noderef()); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range nodes {
		waitConnected(b, n, 2)
	}
	c4 := dial(b, nodes[4])
	defer c4.Close()
	rng := seededRand(8)
	data := make([]byte, 1000)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ins, _, err := keys.GenerateSSK(rng)
		if err != nil {
			b.Fatal(err)
		}
		var block []byte
		var req keys.URI
		for j := 0; ; j++ { // a document name whose key lies within 1/16 of node 0
			u, err := keys.Parse(fmt.Sprintf("%s%d-%d", ins, i, j))
			if err != nil {
				b.Fatal(err)
			}
			if block, req, err = keys.EncodeSSK(u, data, keys.EncodeOptions{}); err != nil {
				b.Fatal(err)
			}
			rk, _ := keys.RoutingKeyOf(req)
			if routing.KeyLocation(rk).DistanceTo(0) < routing.Distance(^uint64(0)/16) {
				if err := nodes[0].ds.Put(rk, block, datastore.RegionStore); err != nil {
					b.Fatal(err)
				}
				break
			}
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := c4.Get(context.Background(), req.String(), io.Discard, fcpclient.GetOptions{}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
}
