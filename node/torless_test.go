package node

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/torbridge"
)

// torNode starts a Tor-mode node in dir on the private network tn, with
// the extra network settings of more.
func torNode(ctx context.Context, t testing.TB, tn *tornet.Network, dir, name string, seed uint64, more func(*network.Config)) *Node {
	t.Helper()
	nc := network.Config{Transport: network.TransportTor, TorExtraTorrc: tn.ClientTorrc(), Name: name, Rand: seededRand(seed)}
	if more != nil {
		more(&nc)
	}
	n, err := StartContext(ctx, Config{Dir: dir, FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet(), Network: nc})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitTorUp waits for n's onion service, at most limit.
func waitTorUp(t testing.TB, n *Node, limit time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	select {
	case <-n.TorUp():
		return time.Since(t0)
	case <-time.After(limit):
		t.Fatalf("tor did not come up in %v: %s", limit, n.TorStatus().Describe())
		return 0
	}
}

// TestNodeBeforeTor: a Tor-mode node whose tor cannot reach the Tor
// network (the private network's tors are stopped: their ports take
// connections and answer nothing, as where Tor is blocked) serves FCP at
// once: it answers a fetch of a block in its own store, says in NodeData
// what its tor is doing, and takes a persistent insert, which survives a
// restart and goes out, to the one peer it knows, once the network
// answers again.
func TestNodeBeforeTor(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	tn := startTornetConfig(ctx, t, tornet.Config{})
	defer tn.Close()
	b := torNode(ctx, t, tn, t.TempDir(), "b", 410, nil)
	defer b.Close()
	waitTorUp(t, b, 2*time.Minute)
	if err := tn.Pause(); err != nil {
		t.Fatal(err)
	}
	defer tn.Resume() // before Close (deferred calls run last first)

	dirA := t.TempDir()
	startA := func(attempt time.Duration) (*Node, time.Duration) {
		t0 := time.Now()
		a := torNode(ctx, t, tn, dirA, "a", 411, func(c *network.Config) { c.TorAttemptTimeout = attempt })
		c, err := fcpclient.Dial(ctx, a.FCPAddr(), "before-tor")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return a, time.Since(t0)
	}
	a, open := startA(4 * time.Second) // short attempts: the test sees one fail
	defer func() { a.Close() }()
	if st := a.TorStatus(); st.State == network.TorUp {
		t.Fatalf("tor is up on a blocked network: %+v", st)
	}
	t.Logf("FCP served %v after the start, tor %s", open.Round(time.Microsecond), a.TorStatus().Describe())

	// A file in the node's own store: fetched at once.
	local, err := clientlayer.New(clientlayer.NewLocalStore(a.ds), clientlayer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	kept := []byte("كتب محفوظة على العقدة")
	ku, err := local.Insert(ctx, bytes.NewReader(kept), clientlayer.InsertOptions{URI: keys.URI{Type: keys.CHK}})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, a)
	var got bytes.Buffer
	t0 := time.Now()
	if _, err := c.Get(ctx, ku.String(), &got, fcpclient.GetOptions{}); err != nil || !bytes.Equal(got.Bytes(), kept) {
		t.Fatalf("a local fetch before tor is up: %v (%q)", err, got.Bytes())
	}
	t.Logf("a block of its own store fetched in %v", time.Since(t0).Round(time.Microsecond))
	nd, err := c.GetNode(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := nd.Lookup("volatile.tor.state"); s == "" || s == "up" {
		t.Fatalf("NodeData volatile.tor.state = %q", s)
	}
	if d, _ := nd.Lookup("volatile.tor.description"); !strings.Contains(d, "tor") {
		t.Fatalf("NodeData volatile.tor.description = %q", d)
	}
	if on, _ := nd.Lookup("volatile.tor.onion"); on != a.net.OnionAddress() || !strings.HasSuffix(on, ".onion:9482") {
		t.Fatalf("NodeData volatile.tor.onion = %q, the node's address is %q", on, a.net.OnionAddress())
	}

	// The attempt fails; the node says why and when it tries again, and
	// does.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if st := a.TorStatus(); st.State == network.TorWaiting && st.Problem != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed attempt in a minute: %+v", a.TorStatus())
		}
	}
	nd, err = c.GetNode(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"volatile.tor.problem", "volatile.tor.hint", "volatile.tor.retryInSeconds"} {
		if v, _ := nd.Lookup(f); v == "" {
			t.Fatalf("NodeData lacks %s after a failed attempt", f)
		}
	}
	if h, _ := nd.Lookup("volatile.tor.hint"); !strings.Contains(h, "--bridge") {
		t.Fatalf("the hint does not say to try bridges: %q", h)
	}
	p, _ := nd.Lookup("volatile.tor.problem")
	t.Logf("after a failed attempt: problem %q", p)
	for deadline := time.Now().Add(time.Minute); a.TorStatus().Attempts < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no second attempt: %+v", a.TorStatus())
		}
	}

	// A persistent insert, with a peer that cannot be reached yet.
	if _, err := a.AddPeer(b.Noderef()); err != nil {
		t.Fatal(err)
	}
	post := []byte("منشور ينتظر الشبكة: a post that waits for the network")
	uri, err := c.Put(ctx, bytes.NewReader(post), int64(len(post)), fcpclient.PutOptions{GetCHKOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	go c.Put(ctx, bytes.NewReader(post), int64(len(post)), fcpclient.PutOptions{Global: true, Persistence: fcpclient.PersistenceForever}) // ends with the node
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if recs, _ := filepath.Glob(filepath.Join(dirA, "fcp", "requests", "*.json")); len(recs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the persistent insert was not recorded")
		}
	}
	time.Sleep(500 * time.Millisecond)
	if st := a.TorStatus(); st.State == network.TorUp {
		t.Fatalf("tor came up on a blocked network: %+v", st)
	}
	c.Close()
	a.Close()
	a, open = startA(0)
	t.Logf("restarted: FCP served %v after the start", open.Round(time.Microsecond))

	resumed := time.Now()
	if err := tn.Resume(); err != nil {
		t.Fatal(err)
	}
	up := waitTorUp(t, a, 4*time.Minute)
	t.Logf("the network answers again: the node's onion up %v later (attempt %d)", up.Round(time.Millisecond), a.TorStatus().Attempts)
	cb := dial(t, b)
	defer cb.Close()
	for {
		got.Reset()
		gctx, gcancel := context.WithTimeout(ctx, 20*time.Second)
		_, err := cb.Get(gctx, uri, &got, fcpclient.GetOptions{})
		gcancel()
		if err == nil {
			if !bytes.Equal(got.Bytes(), post) {
				t.Fatal("the post arrived changed")
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the queued insert never reached the peer: %v", err)
		}
		time.Sleep(time.Second)
	}
	t.Logf("the insert queued before the restart reached the peer %v after the network came back", time.Since(resumed).Round(time.Millisecond))
}

// TestNodeThroughBridge: a node that knows the Tor network only through an
// obfs4 bridge line (as a person where Tor is blocked has it: parsed by
// torbridge, run by Debian's obfs4proxy) bootstraps through the bridge,
// publishes its onion service and links to a peer; its tor and the
// obfs4proxy it runs connect nowhere but to the bridge; the bridge is in
// neither its noderef nor NodeData.
func TestNodeThroughBridge(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert", "obfs4proxy")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tn := startTornetConfig(ctx, t, tornet.Config{Bridge: true})
	defer tn.Close()
	br, lines := bridgeTorrc(t, tn)
	b := torNode(ctx, t, tn, t.TempDir(), "b", 420, nil)
	defer b.Close()
	plain := waitTorUp(t, b, 2*time.Minute)
	dirA := t.TempDir()
	a := torNode(ctx, t, tn, dirA, "a", 421, func(c *network.Config) { c.TorBridges = lines })
	defer a.Close()
	bridged := waitTorUp(t, a, 2*time.Minute)
	t.Logf("bootstrapped and published: %v through the bridge, %v directly", bridged.Round(time.Millisecond), plain.Round(time.Millisecond))
	if _, err := a.AddPeer(b.Noderef()); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, a, 1)
	waitConnected(t, b, 1)

	pids := tornet.FindProcesses(os.Getpid(), filepath.Join(dirA, "tor"))
	if len(pids) != 1 {
		t.Fatalf("found %d tors of the node (pids %v)", len(pids), pids)
	}
	socks, err := tornet.BridgeOnly(pids[0], tn.BridgePort(), os.Getpid())
	t.Logf("the node's tor and its obfs4proxy: %s", strings.Join(socks, ", "))
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(tn.BridgePort())
	if bytes.Contains(a.Noderef(), []byte(port)) || bytes.Contains(a.Noderef(), []byte(br.Fingerprint)) {
		t.Fatalf("the noderef gives the bridge away: %s", a.Noderef())
	}
	c := dial(t, a)
	defer c.Close()
	nd, err := c.GetNode(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := nd.Lookup("volatile.tor.bridges"); n != "1" {
		t.Fatalf("NodeData volatile.tor.bridges = %q", n)
	}
	if s, _ := nd.Lookup("volatile.tor.state"); s != "up" {
		t.Fatalf("NodeData volatile.tor.state = %q", s)
	}
	var all bytes.Buffer
	fcpwire.NewWriter(&all).WriteMessage(nd)
	if bytes.Contains(all.Bytes(), []byte(port)) || bytes.Contains(all.Bytes(), []byte(br.Fingerprint)) {
		t.Fatalf("NodeData gives the bridge away: %s", all.String())
	}
	for _, f := range []string{"torrc", "tor.log"} { // the bridge is in both
		fi, err := os.Stat(filepath.Join(dirA, "tor", f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v", f, err, fi.Mode())
		}
	}
}

// startTornetConfig is startTornet with cfg (its Dir is the test's).
func startTornetConfig(ctx context.Context, t testing.TB, cfg tornet.Config) *tornet.Network {
	t.Helper()
	cfg.Logf = t.Logf
	tn, err := tornet.StartRetrying(ctx, cfg, func(int) string { return t.TempDir() })
	if err != nil {
		t.Fatalf("private Tor network: %v", err)
	}
	return tn
}

// bridgeTorrc returns the private network's bridge, read from its line as
// a person would give it, and the torrc lines (node/torbridge) that make a
// node's tor use only it, through Debian's obfs4proxy.
func bridgeTorrc(t testing.TB, tn *tornet.Network) (torbridge.Bridge, []string) {
	t.Helper()
	br, err := torbridge.Parse(tn.BridgeLine())
	if err != nil {
		t.Fatalf("the private bridge's line: %v", err)
	}
	obfs4, err := torbridge.Find("obfs4", "")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := torbridge.Torrc([]torbridge.Bridge{br}, map[string]string{"obfs4": obfs4})
	if err != nil {
		t.Fatal(err)
	}
	return br, lines
}
