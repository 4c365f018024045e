package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
)

// TestTorNetwork: three nodes on a private Tor network, linked in a line
// (A–B–C) only through onion services. A 1 MiB file and an SSK inserted
// at A are fetched at C, whose store is empty.
func TestTorNetwork(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	tn := startTornet(ctx, t)
	defer tn.Close()
	t.Logf("private Tor network ready in %v", time.Since(t0).Round(time.Millisecond))

	// No leaks: every connection a node opens goes to its own tor on
	// loopback, by IP address (a host name would show here, unresolved).
	var mu sync.Mutex
	dials := map[string]int{}
	record := func(network, addr string) {
		mu.Lock()
		dials[network+" "+addr]++
		mu.Unlock()
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if len(dials) == 0 {
			t.Error("no dial recorded")
		}
		for d := range dials {
			network, addr, _ := strings.Cut(d, " ")
			host, _, err := net.SplitHostPort(addr)
			if network != "tcp" || err != nil || host != "127.0.0.1" {
				t.Errorf("a node dialled %s %s: not its own tor on loopback", network, addr)
			}
		}
		t.Logf("every connection the nodes opened went to their own tor: %v", dials)
	}()
	var nodes []*Node
	var dirs []string
	start := func(i int) *Node {
		loc := routing.Location(uint64(i) * (^uint64(0) / 3))
		t0 := time.Now()
		n, err := StartContext(ctx, Config{Dir: dirs[i], FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet(),
			Network: network.Config{Transport: network.TransportTor, TorExtraTorrc: tn.ClientTorrc(), Location: &loc, Name: fmt.Sprintf("tor-%d", i),
				Rand: seededRand(uint64(300 + i)), Hooks: network.Hooks{TorDials: record}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("node %d reachable at %s in %v", i, n.net.OnionAddress(), time.Since(t0).Round(time.Millisecond))
		return n
	}
	for i := range 3 {
		dirs = append(dirs, t.TempDir())
		nodes = append(nodes, start(i))
	}
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	link := func(a, b int) {
		t0 := time.Now()
		if _, err := nodes[a].AddPeer(nodes[b].Noderef()); err != nil {
			t.Fatal(err)
		}
		waitConnectedWithin(t, nodes[a], 1, onionLinkWait)
		waitConnectedWithin(t, nodes[b], 1, onionLinkWait)
		t.Logf("onion link %d-%d up in %v", a, b, time.Since(t0).Round(time.Millisecond))
	}
	link(0, 1)
	ca, cc := dial(t, nodes[0]), dial(t, nodes[2])
	defer ca.Close()
	defer cc.Close()
	// Inserted at A while C is not linked yet: C's store stays empty.
	type item struct {
		uri  string
		data []byte
	}
	data := make([]byte, 1<<20)
	seededRand(301).Read(data)
	ins, _, err := ca.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var items []item
	for _, it := range []item{{"CHK@", data}, {ins + "onion-post", []byte("منشور عبر تور")}} {
		uri, err := ca.Put(ctx, bytes.NewReader(it.data), int64(len(it.data)), fcpclient.PutOptions{URI: it.uri})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{uri, it.data})
	}
	// A file held at A only (written to A's store directly): C fetches it
	// over two onion hops, C-B-A.
	far := make([]byte, 1<<20)
	seededRand(302).Read(far)
	local, err := clientlayer.New(clientlayer.NewLocalStore(nodes[0].ds), clientlayer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := local.Insert(ctx, bytes.NewReader(far), clientlayer.InsertOptions{URI: keys.URI{Type: keys.CHK}})
	if err != nil {
		t.Fatal(err)
	}
	items = append(items, item{u.String(), far})
	link(1, 2)
	for _, it := range items {
		u, _ := keys.Parse(it.uri)
		rk, _ := keys.RoutingKeyOf(u)
		if has, _ := nodes[2].ds.Has(rk); has {
			t.Fatalf("C's store holds %s before the fetch", it.uri)
		}
		t0 := time.Now()
		h := sha256.New()
		if _, err := cc.Get(ctx, it.uri, h, fcpclient.GetOptions{}); err != nil {
			t.Fatalf("fetch %s at C: %v", it.uri, err)
		}
		if [32]byte(h.Sum(nil)) != sha256.Sum256(it.data) {
			t.Fatal("data differs")
		}
		t.Logf("fetched %d bytes at C in %v", len(it.data), time.Since(t0).Round(time.Millisecond))
	}
	// Restart C: its tor has the network cached (bootstrapped before), its
	// onion address is the same, and B links to it again.
	addr := nodes[2].net.OnionAddress()
	cc.Close()
	nodes[2].Close()
	nodes[2] = start(2)
	if got := nodes[2].net.OnionAddress(); got != addr {
		t.Fatalf("onion address changed across a restart: %s, then %s", addr, got)
	}
	t0 = time.Now()
	waitConnectedWithin(t, nodes[2], 1, onionLinkWait)
	t.Logf("C linked again %v after its restart", time.Since(t0).Round(time.Millisecond))
}

// startTornet starts a private Tor network for a test (tornet.StartRetrying:
// the test packages run in parallel, each opening ports).
func startTornet(ctx context.Context, t *testing.T) *tornet.Network {
	return startTornetConfig(ctx, t, tornet.Config{})
}
