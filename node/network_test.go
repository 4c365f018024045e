package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// testNet is an in-process network of full nodes linked by net.Pipe.
type testNet struct {
	t     testing.TB
	nodes []*Node
	links [][2]int
}

// seededRand is a deterministic byte stream for a node's keys.
func seededRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// startNet starts n memory-transport nodes at locations i/n and links them
// as a small world with long long-range links per node.
func startNet(t testing.TB, n, long int, seed uint64, tweak func(*Config)) *testNet {
	t.Helper()
	tn := &testNet{t: t}
	for i := range n {
		loc := routing.Location(uint64(i) * (^uint64(0) / uint64(n)))
		cfg := Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet(),
			Network: network.Config{Transport: network.TransportMemory, Location: &loc, Name: fmt.Sprintf("node-%d", i), Rand: seededRand(seed<<16 + uint64(i))}}
		if tweak != nil {
			tweak(&cfg)
		}
		nd, err := Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tn.nodes = append(tn.nodes, nd)
	}
	t.Cleanup(tn.close)
	for _, e := range routing.SmallWorld(n, long, seed) {
		tn.link(e[0], e[1])
	}
	return tn
}

func (tn *testNet) link(a, b int) {
	tn.t.Helper()
	p1, p2 := net.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- tn.nodes[b].AcceptStream(p2) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tn.nodes[a].ConnectStream(ctx, p1, tn.nodes[b].Noderef()); err != nil {
		tn.t.Fatalf("link %d-%d: %v", a, b, err)
	}
	if err := <-errc; err != nil {
		tn.t.Fatalf("link %d-%d (accept): %v", a, b, err)
	}
	tn.links = append(tn.links, [2]int{a, b})
}

func (tn *testNet) close() {
	for _, n := range tn.nodes {
		if n != nil {
			n.Close()
		}
	}
}

// has reports whether node i's datastore holds the block under rk.
func (tn *testNet) has(i int, rk keys.RoutingKey) bool {
	ok, _ := tn.nodes[i].ds.Has(rk)
	return ok
}

func TestNetworkEightNodes(t *testing.T) {
	before := runtime.NumGoroutine()
	tn := startNet(t, 8, 1, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c0, c7 := dial(t, tn.nodes[0]), dial(t, tn.nodes[7])
	defer c0.Close()
	defer c7.Close()
	data := make([]byte, 1<<20)
	seededRand(99).Read(data)
	uri, err := c0.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := keys.Parse(uri)
	rk, _ := keys.RoutingKeyOf(u)
	if tn.has(0, rk) {
		t.Fatal("the inserting node stored its own insert")
	}
	h := sha256.New()
	if _, err := c7.Get(ctx, uri, h, fcpclient.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if [32]byte(h.Sum(nil)) != sha256.Sum256(data) {
		t.Fatal("fetched data differs")
	}
	c0.Close()
	c7.Close()
	tn.close()
	waitGoroutines(t, before) // links, dialers, routers and workers all stopped
}

// hopCounter counts, per routing key, the Request messages every node
// sends: the hops of the requests for that key, backtracking included.
type hopCounter struct {
	mu sync.Mutex // guards n
	n  map[keys.RoutingKey]int
}

func (h *hopCounter) trace(m routing.Message) {
	if m.Type != routing.MsgRequest {
		return
	}
	h.mu.Lock()
	h.n[m.Key]++
	h.mu.Unlock()
}

func (h *hopCounter) take(rk keys.RoutingKey) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.n[rk]
	delete(h.n, rk)
	return n
}

// TestNetworkFiftyNodes inserts 100 items (CHK splitfiles of 1 MiB, SSKs,
// KSKs) from random nodes of a 50-node small world and fetches each from
// another random node whose store does not hold it. A random third of the
// nodes do not speak offers (as nodes of another version might not): the
// others link with them all the same.
func TestNetworkFiftyNodes(t *testing.T) {
	const nodes, items = 50, 100
	hc := &hopCounter{n: map[keys.RoutingKey]int{}}
	noOffers := map[string]bool{}
	for _, i := range rand.New(rand.NewPCG(7, 8)).Perm(nodes)[:nodes/3] {
		noOffers[fmt.Sprintf("node-%d", i)] = true
	}
	tn := startNet(t, nodes, 2, 7, func(c *Config) {
		c.Network.Hooks.Send = hc.trace
		if noOffers[c.Network.Name] {
			c.Network.Protocol = &network.Protocol{Version: peerwire.ProtocolVersion, MinVersion: peerwire.MinProtocolVersion,
				Features: peerwire.AllFeatures &^ peerwire.FeatureOffers}
		}
	})
	rng := rand.New(rand.NewPCG(7, 7))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clients := make([]*fcpclient.Client, nodes)
	client := func(i int) *fcpclient.Client {
		if clients[i] == nil {
			clients[i] = dial(t, tn.nodes[i])
			t.Cleanup(func() { clients[i].Close() })
		}
		return clients[i]
	}
	type item struct {
		uri  string
		from int
		sum  [32]byte
		kind string
	}
	var all []item
	for j := range items {
		from := rng.IntN(nodes)
		c := client(from)
		var data []byte
		var insertURI, kind string
		switch j % 3 {
		case 0:
			kind, insertURI, data = "CHK", "CHK@", make([]byte, 1<<20)
			seededRand(uint64(1000 + j)).Read(data)
		case 1:
			ins, _, err := c.GenerateSSK(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kind, insertURI = "SSK", ins+"post"
			data = []byte(strings.Repeat(fmt.Sprintf("منشور رقم %d ", j), 30))
		case 2:
			kind, insertURI = "KSK", fmt.Sprintf("KSK@hams-net-test-%d", j)
			data = []byte(fmt.Sprintf("keyword item %d", j))
		}
		uri, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: insertURI})
		if err != nil {
			t.Fatalf("item %d (%s) from node %d: %v", j, kind, from, err)
		}
		all = append(all, item{uri: uri, from: from, sum: sha256.Sum256(data), kind: kind})
	}
	ok := 0
	var hops []int
	for j, it := range all {
		u, err := keys.Parse(it.uri)
		if err != nil {
			t.Fatal(err)
		}
		rk, err := keys.RoutingKeyOf(u)
		if err != nil {
			t.Fatal(err)
		}
		to := -1
		for _, k := range rng.Perm(nodes) {
			if k != it.from && !tn.has(k, rk) {
				to = k
				break
			}
		}
		if to < 0 {
			t.Fatalf("item %d: every node holds it", j)
		}
		hc.take(rk)
		h := sha256.New()
		_, err = client(to).Get(ctx, it.uri, h, fcpclient.GetOptions{})
		switch {
		case err != nil:
			t.Logf("item %d (%s, from node %d) at node %d: %v", j, it.kind, it.from, to, err)
		case [32]byte(h.Sum(nil)) != it.sum:
			t.Errorf("item %d: fetched data differs", j)
		default:
			ok++
			hops = append(hops, hc.take(rk))
		}
	}
	slices.Sort(hops)
	hist := map[int]int{}
	for _, h := range hops {
		hist[h]++
	}
	t.Logf("%d/%d fetched; hops of the first block: min %d, median %d, p90 %d, max %d; histogram %v",
		ok, items, hops[0], hops[len(hops)/2], hops[len(hops)*9/10], hops[len(hops)-1], hist)
	if ok < items*99/100 {
		t.Fatalf("%d/%d fetched, want at least 99%%", ok, items)
	}
	for i, nd := range tn.nodes {
		for _, p := range nd.ListPeers() {
			if p.Status != network.PeerConnected || p.LastError != "" {
				t.Errorf("node %d, peer %s: %v (%q), want connected", i, p.Ref.Name, p.Status, p.LastError)
			}
		}
	}
}

// TestNetworkLoss inserts from node 0 of eight, stops the two nodes that
// hold the most of the inserted top blocks, and fetches everything at
// node 0, whose store holds none of it: FEC and the remaining routes carry
// it.
func TestNetworkLoss(t *testing.T) {
	tn := startNet(t, 8, 1, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c0 := dial(t, tn.nodes[0])
	defer c0.Close()
	type item struct {
		uri string
		sum [32]byte
		rks []keys.RoutingKey // the top block
	}
	var items []item
	for j := range 4 {
		data := make([]byte, 1<<20+j*1000)
		seededRand(uint64(500 + j)).Read(data)
		insertURI := "CHK@"
		if j == 3 {
			ins, _, err := c0.GenerateSSK(ctx)
			if err != nil {
				t.Fatal(err)
			}
			insertURI, data = ins+"small", data[:900]
		}
		uri, err := c0.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: insertURI})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := keys.Parse(uri)
		rk, _ := keys.RoutingKeyOf(u)
		items = append(items, item{uri: uri, sum: sha256.Sum256(data), rks: []keys.RoutingKey{rk}})
	}
	// Which nodes hold the most? Count the top blocks at each node.
	held := make([]int, 8)
	for i := range 8 {
		for _, it := range items {
			if tn.has(i, it.rks[0]) {
				held[i]++
			}
		}
	}
	// The inserter writes nothing of its own inserts: it is the fetcher
	// with an empty store.
	const fetcher = 0
	order := []int{1, 2, 3, 4, 5, 6, 7}
	slices.SortStableFunc(order, func(a, b int) int { return held[b] - held[a] })
	stopped := order[:2]
	t.Logf("top blocks held per node %v; stopping nodes %v; fetching at node %d", held, stopped, fetcher)
	if held[fetcher] != 0 {
		t.Fatal("the inserting node stored its own inserts")
	}
	for _, i := range stopped {
		tn.nodes[i].Close()
	}
	cf := dial(t, tn.nodes[fetcher])
	defer cf.Close()
	for j, it := range items {
		h := sha256.New()
		if _, err := cf.Get(ctx, it.uri, h, fcpclient.GetOptions{}); err != nil {
			t.Fatalf("item %d after stopping %v: %v", j, stopped, err)
		}
		if [32]byte(h.Sum(nil)) != it.sum {
			t.Fatalf("item %d: data differs", j)
		}
	}
}

// TestPeersPersistAndReconnect: node B adds node A from the noderef file A
// wrote (--connect); B's peer survives B's restart, and B links again after
// A restarts on the same address.
func TestPeersPersistAndReconnect(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	startTCP := func(dir, listen string, connect ...string) *Node {
		n, err := Start(Config{Dir: dir, FCPAddr: "127.0.0.1:0", StoreSize: 16 << 20, Logger: quiet(),
			Network: network.Config{Transport: network.TransportTCP, Listen: listen, Connect: connect}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := startTCP(dirA, "127.0.0.1:0")
	refFile := filepath.Join(dirA, "noderef")
	ref, err := os.ReadFile(refFile)
	if err != nil || !bytes.Equal(ref, a.Noderef()) {
		t.Fatalf("DIR/noderef: %v", err)
	}
	parsed, err := noderef.Parse(ref)
	if err != nil || len(parsed.TCP) != 1 {
		t.Fatalf("noderef %s: %v", ref, err)
	}
	b := startTCP(dirB, "", refFile)
	waitConnected(t, b, 1)
	waitConnected(t, a, 1) // A learnt B from the handshake
	b.Close()

	b = startTCP(dirB, "") // no --connect: the peer was kept
	defer b.Close()
	if ps := b.ListPeers(); len(ps) != 1 || ps[0].Ref.ID() != parsed.ID() {
		t.Fatalf("peers after restart: %+v", ps)
	}
	waitConnected(t, b, 1)
	a.Close()
	a = startTCP(dirA, parsed.TCP[0]) // same identity, same address
	defer a.Close()
	waitConnected(t, b, 1)
	if _, err := b.RemovePeer("no-such-peer"); !errors.Is(err, network.ErrUnknownPeer) {
		t.Fatalf("RemovePeer(unknown) = %v", err)
	}
	if _, err := b.RemovePeer(parsed.TCP[0]); err != nil {
		t.Fatal(err)
	}
	if len(b.ListPeers()) != 0 {
		t.Fatal("peer not removed")
	}
	if m, _ := filepath.Glob(filepath.Join(dirB, "peers", "*")); len(m) != 0 {
		t.Fatalf("removed peer still stored: %v", m)
	}
}
