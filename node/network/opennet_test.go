package network

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/routing"
)

// startTCP starts a TCP network on loopback with cfg's opennet settings.
func startTCP(t *testing.T, name string, seed uint64, cfg Config) (*Network, *datastore.Store) {
	t.Helper()
	return startTCPIn(t, t.TempDir(), name, seed, cfg)
}

// startTCPIn is startTCP in dir.
func startTCPIn(t *testing.T, dir, name string, seed uint64, cfg Config) (*Network, *datastore.Store) {
	t.Helper()
	ds, err := datastore.Open(filepath.Join(dir, "store"), datastore.Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	cfg.Transport, cfg.Listen, cfg.Name, cfg.Logger, cfg.Rand = TransportTCP, "127.0.0.1:0", name, quiet(), rand.NewChaCha8(s)
	nw, err := Start(context.Background(), dir, ds, cfg)
	if err != nil {
		ds.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close(); ds.Close() })
	return nw, ds
}

func opennetPeers(nw *Network) (opennet, seeds int) {
	for _, p := range nw.ListPeers() {
		if p.Status != PeerConnected {
			continue
		}
		switch p.Kind {
		case PeerOpennet:
			opennet++
		case PeerSeed:
			seeds++
		}
	}
	return opennet, seeds
}

// TestOpennetJoin: three seed nodes linked to each other, and nine nodes
// that know nothing but the seeds' noderefs: each announces itself through
// a seed and soon holds opennet peers (here at least 2 of the 4 it wants:
// twelve nodes that want 4 each leave some short, as full nodes keep the
// peers their rule prefers); a block stored at one is then fetched at
// another.
func TestOpennetJoin(t *testing.T) {
	rules := routing.Opennet{Peers: 4, MinAge: -1}
	var seeds []*Network
	var seedRefs []noderef.Ref
	for i := range 3 {
		nw, _ := startTCP(t, fmt.Sprintf("seed-%d", i), uint64(i), Config{Opennet: true, Seed: true, Rules: rules})
		seeds = append(seeds, nw)
		ref, _ := noderef.Parse(nw.Noderef())
		seedRefs = append(seedRefs, ref)
	}
	for i := range seeds {
		for j := range seeds {
			if i != j {
				if _, err := seeds[i].AddPeer(seeds[j].Noderef()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var joiners []*Network
	var stores []*datastore.Store
	dirs := make([]string, 9)
	for i := range 9 {
		dirs[i] = t.TempDir()
		nw, ds := startTCPIn(t, dirs[i], fmt.Sprintf("node-%d", i), uint64(100+i), Config{Opennet: true, Seeds: seedRefs, Rules: rules})
		joiners = append(joiners, nw)
		stores = append(stores, ds)
	}
	start := time.Now()
	for deadline := start.Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		done := 0
		for _, nw := range joiners {
			if o, _ := opennetPeers(nw); o >= 2 {
				done++
			}
		}
		if done == len(joiners) {
			break
		}
		if time.Now().After(deadline) {
			for i, nw := range joiners {
				o, s := opennetPeers(nw)
				t.Logf("node %d: %d opennet peers, %d seeds", i, o, s)
			}
			t.Fatalf("%d of %d nodes joined within a minute", done, len(joiners))
		}
	}
	t.Logf("every node joined in %v", time.Since(start).Round(time.Millisecond))
	for i, nw := range joiners {
		o, s := opennetPeers(nw)
		t.Logf("node %d: %d opennet peers, %d seeds", i, o, s)
	}
	block, uri, err := keys.EncodeCHK([]byte("opennet"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk := keys.RoutingKey(uri.Key)
	if err := stores[0].Put(rk, block, datastore.RegionStore); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := joiners[8].Store().GetBlock(ctx, rk); err != nil {
		t.Fatalf("a block stored at one joiner, fetched at another: %v", err)
	}

	// A node restarted without its seeds links again to the opennet
	// peers it had (DIR/opennet), at the same location.
	before := joiners[3]
	loc := before.Location()
	had := map[string]bool{}
	for _, p := range before.ListPeers() {
		if p.Status == PeerConnected && p.Kind == PeerOpennet {
			had[p.Ref.ID()] = true
		}
	}
	before.Close()
	stores[3].Close()
	again, _ := startTCPIn(t, dirs[3], "node-3", 103, Config{Opennet: true, Rules: rules})
	if again.Location() != loc {
		t.Fatalf("restarted at %v, was at %v", again.Location(), loc)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		back := 0
		for _, p := range again.ListPeers() {
			if p.Status == PeerConnected && p.Kind == PeerOpennet && had[p.Ref.ID()] {
				back++
			}
		}
		if back >= 2 {
			t.Logf("restarted: linked again to %d of its %d opennet peers", back, len(had))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted: %d of its %d opennet peers linked again within 30 s", back, len(had))
		}
	}
}

// TestOpennetAnnouncesWhileShort: a node that spent its 2 x Peers
// announcements and is still short of its opennet peers (here it wants 8 in
// a network of 3) announces again, one at a time every AnnounceRetry (a
// minute outside tests), instead of falling silent.
func TestOpennetAnnouncesWhileShort(t *testing.T) {
	rules := routing.Opennet{Peers: 8, MinAge: -1}
	seedNw, _ := startTCP(t, "seed", 1, Config{Opennet: true, Seed: true, Rules: rules})
	ref, _ := noderef.Parse(seedNw.Noderef())
	var mu sync.Mutex
	var sent []time.Time
	hooks := Hooks{AnnounceRetry: 300 * time.Millisecond, Announce: func() {
		mu.Lock()
		sent = append(sent, time.Now())
		mu.Unlock()
	}}
	startTCP(t, "other", 3, Config{Opennet: true, Seeds: []noderef.Ref{ref}, Rules: rules})
	startTCP(t, "short", 2, Config{Opennet: true, Seeds: []noderef.Ref{ref}, Rules: rules, Hooks: hooks})
	budget := 2 * rules.Peers
	// The first round takes about 20 s: one announcement a second.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(sent)
		mu.Unlock()
		if n >= budget+3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d announcements in two minutes; want more than the %d of the first round", n, budget)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := budget + 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 250*time.Millisecond {
			t.Errorf("announcement %d came %v after the one before: the retries are not spaced", i, gap)
		}
	}
}
