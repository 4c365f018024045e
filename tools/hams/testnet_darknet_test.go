package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
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
