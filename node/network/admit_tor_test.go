package network

import (
	"context"
	"crypto/ed25519"
	"net"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/tor"
)

// startPrivateTor starts a private Tor network on 127.0.0.1 (never the
// public one), again with new ports if one it picked was taken meanwhile.
func startPrivateTor(ctx context.Context, t testing.TB) *tornet.Network {
	t.Helper()
	tn, err := tornet.StartRetrying(ctx, tornet.Config{}, func(int) string { return t.TempDir() })
	if err != nil {
		t.Fatalf("private Tor network: %v", err)
	}
	return tn
}

// waitUp waits for a Tor-mode node's onion service.
func waitUp(ctx context.Context, t testing.TB, nw *Network) {
	t.Helper()
	select {
	case <-nw.TorUp():
	case <-ctx.Done():
		t.Fatalf("tor did not come up: %s", nw.TorStatus().Describe())
	}
}

// TestTorIdleFlood: the idle-connection flood of TestPeerPortFlood over a
// private Tor network, where every inbound stream comes from the node's
// tor on 127.0.0.1 and the node sees no source. An attacker's tor holds
// 200 idle streams to the node's onion service, each opened again as soon
// as the node closes it; a friend (which the node does not dial: it
// links by dialling in) still links. It logs the time to link without
// and with the flood. (Before admit.go the friend did not link.)
func TestTorIdleFlood(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	t0 := time.Now()
	tn := startPrivateTor(ctx, t)
	defer tn.Close()
	t.Logf("private Tor network ready in %v", time.Since(t0).Round(time.Millisecond))

	torCfg := Config{Transport: TransportTor, TorExtraTorrc: tn.ClientTorrc()}
	node := startNode(t, "victim", 60, torCfg) // friends-only: it takes whoever dials it
	friend := startNode(t, "friend", 61, torCfg)
	seed := make([]byte, ed25519.SeedSize)
	seededReader(62).Read(seed)
	attacker, err := tor.Start(ctx, tor.Config{DataDir: t.TempDir(), OnionKey: ed25519.NewKeyFromSeed(seed), ExtraTorrc: tn.ClientTorrc()})
	if err != nil {
		t.Fatal(err)
	}
	defer attacker.Close()
	waitUp(ctx, t, node)
	waitUp(ctx, t, friend)
	t.Logf("nodes and the attacker's tor up in %v", time.Since(t0).Round(time.Millisecond))

	nodeRef, _ := noderef.Parse(node.Noderef())
	friendRef, _ := noderef.Parse(friend.Noderef())
	link := func() time.Duration {
		t.Helper()
		if _, err := friend.AddPeer(node.Noderef()); err != nil {
			t.Fatal(err)
		}
		d, ok := waitLinked(friend, node, 90*time.Second)
		if !ok {
			t.Fatalf("the friend did not link within 90 s (the node's admission: %+v)", node.AdmissionStats())
		}
		friend.RemovePeer(nodeRef.ID())
		node.RemovePeer(friendRef.ID())
		return d
	}
	cold := link() // builds the friend's rendezvous circuit
	calm := link()

	a, actx := newAttack()
	defer a.stop()
	flood := func(streams int) {
		a.dialLoop(actx, streams-a.open(), func(ctx context.Context) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			return attacker.Dial(ctx, node.OnionAddress())
		}, func(ctx context.Context, c net.Conn) {
			var b [1]byte
			if _, err := c.Read(b[:]); err != nil && ctx.Err() == nil {
				a.cut.Add(1)
			}
		})
		for deadline := time.Now().Add(60 * time.Second); a.opened.Load() < int64(streams); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the attacker opened %d streams, %d open; the node holds %d", a.opened.Load(), a.open(), node.AdmissionStats().Pending)
			}
		}
	}
	// 200 idle streams: fewer than the slots (256).
	flood(200)
	held := node.AdmissionStats().Pending
	idle200 := link()
	st200 := node.AdmissionStats()
	// 600: more than the slots; every stream the node closes is opened
	// again at once.
	flood(600)
	idle600 := link()
	st := node.AdmissionStats()
	t.Logf("over Tor, the friend linked in %v (first link, with its rendezvous circuit), %v without a flood, %v with 200 idle streams held (%d in slots; %d closed), %v with 600 (the attacker opened %d streams, the node closed %d to make room)",
		cold.Round(time.Millisecond), calm.Round(time.Millisecond), idle200.Round(time.Millisecond), held, st200.Evicted,
		idle600.Round(time.Millisecond), a.opened.Load(), st.Evicted)
}
