package node

import (
	"context"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/node/network"
)

// BenchmarkTorUp measures, on the private Tor network, the time from a
// node's start to its onion service being up (tor bootstrapped and the
// service published): directly, and through the network's obfs4 bridge
// only, each from a new directory (cold: what a new user meets) and
// restarted in the same one (warm: tor has the network cached).
//
//	go test ./node -run '^$' -bench TorUp -benchtime 5x
func BenchmarkTorUp(b *testing.B) {
	tornet.Require(b, "tor", "tor-gencert", "obfs4proxy")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	tn := startTornetConfig(ctx, b, tornet.Config{Bridge: true})
	defer tn.Close()
	_, bridged := bridgeTorrc(b, tn)
	for _, way := range []struct {
		name    string
		bridges []string
	}{{"direct", nil}, {"bridge", bridged}} {
		for _, warm := range []bool{false, true} {
			name := way.name + "/cold"
			if warm {
				name = way.name + "/warm"
			}
			b.Run(name, func(b *testing.B) {
				dir := b.TempDir()
				seed := uint64(500)
				start := func() *Node {
					seed++
					if !warm {
						dir = b.TempDir()
					}
					return torNode(ctx, b, tn, dir, "bench", seed, func(c *network.Config) { c.TorBridges = way.bridges })
				}
				if warm { // tor's state in dir before the measured starts
					n := start()
					waitTorUp(b, n, 3*time.Minute)
					n.Close()
				}
				b.ResetTimer()
				for range b.N {
					n := start()
					waitTorUp(b, n, 3*time.Minute)
					b.StopTimer()
					n.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// BenchmarkFCPOpenTorBlocked measures the time from a Tor-mode node's
// start to its FCP server answering ClientHello while its tor cannot reach
// the network (the private network's tors are stopped): the wait of a
// person where Tor is blocked, before they can read what their node holds.
//
//	go test ./node -run '^$' -bench FCPOpenTorBlocked -benchtime 20x
func BenchmarkFCPOpenTorBlocked(b *testing.B) {
	tornet.Require(b, "tor", "tor-gencert")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tn := startTornetConfig(ctx, b, tornet.Config{})
	defer tn.Close()
	if err := tn.Pause(); err != nil {
		b.Fatal(err)
	}
	defer tn.Resume()
	b.ResetTimer()
	for i := range b.N {
		n := torNode(ctx, b, tn, b.TempDir(), "blocked", uint64(600+i), nil)
		c, err := fcpclient.Dial(ctx, n.FCPAddr(), "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n.TorStatus().State == network.TorUp {
			b.Fatal("tor is up on a blocked network")
		}
		c.Close()
		n.Close()
		b.StartTimer()
	}
}
