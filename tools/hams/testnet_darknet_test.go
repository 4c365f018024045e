package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// TestTestnetDarknet: a 30-node darknet testnet links its nodes as the
// simulator's friend graph for the same seed, starts from random
// locations, swaps, and then routes about as well as its twin with the
// nodes pinned at i/N (within 1.5 times the hops), and within reach of the
// simulator's prediction for the same graph.
func TestTestnetDarknet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func(twin bool) probeResult {
		t.Helper()
		o := testnetOpts{n: 30, root: t.TempDir(), transport: "tcp", long: 2, seed: 3, size: 64 << 20, topology: topoDarknet,
			swapInterval: 40 * time.Millisecond, swapsPerNode: 200, twin: twin}
		tn, err := startTestnet(ctx, o, quiet)
		defer tn.close()
		if err != nil {
			t.Fatal(err)
		}
		res, err := tn.probe(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		t.Logf("twin %v: %s", twin, b)
		return res
	}
	dark, twin := run(false), run(true)
	if dark.SuccessRate < 0.95 || twin.SuccessRate < 0.95 {
		t.Fatalf("success: darknet %.2f, twin %.2f; want 0.95 or more", dark.SuccessRate, twin.SuccessRate)
	}
	if dark.HopsMean > 1.5*twin.HopsMean {
		t.Fatalf("darknet %.2f hops, its fixed twin %.2f: more than 1.5 times", dark.HopsMean, twin.HopsMean)
	}
	if dark.SwapsPerNode != 200 || dark.SimHopsMean == 0 || dark.PeersMin < 2 {
		t.Fatalf("measurement incomplete: %+v", dark)
	}
}

// TestTestnetFlags: the topology and probe flags are checked.
func TestTestnetFlags(t *testing.T) {
	for _, args := range [][]string{
		{"testnet", "--nodes", "4", "--topology", "moebius"},
		{"testnet", "--nodes", "4", "--json"},
		{"testnet", "--nodes", "4", "--probe", "-1"},
		{"testnet", "--nodes", "4", "--swap-interval", "0s"},
	} {
		r := hams(t, nil, nil, false, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "hams: error:") {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

// TestTestnetOpennet: 30 nodes over TCP, 3 seeds; the 27 others know
// nothing but the seeds' noderefs and join by announcement alone, then
// route 100 keys.
func TestTestnetOpennet(t *testing.T) {
	res := runOpennetTestnet(t, 30, "tcp", 8, 100)
	if res.SuccessRate < 0.95 || res.PeersMin < 1 || res.FirstPeerSecondsMax == 0 {
		t.Fatalf("opennet testnet: %+v", res)
	}
}

// TestTestnetOpennetTor: 6 nodes on the private Tor network join through an
// onion seed.
func TestTestnetOpennetTor(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert")
	res := runOpennetTestnet(t, 6, "tor", 3, 20)
	if res.SuccessRate < 0.95 || res.PeersMin < 1 {
		t.Fatalf("opennet over Tor: %+v", res)
	}
}

func runOpennetTestnet(t *testing.T, n int, transport string, peers, probe int) probeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	seeds := min(3, n/2)
	if transport == "tor" {
		seeds = 1
	}
	o := testnetOpts{n: n, root: t.TempDir(), transport: transport, long: 2, seed: 5, size: 64 << 20, topology: topoOpennet,
		seeds: seeds, openPeers: peers, swapInterval: time.Second}
	tn, err := startTestnet(ctx, o, quiet)
	defer tn.close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := tn.probe(ctx, probe)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	t.Logf("%s", b)
	return res
}
