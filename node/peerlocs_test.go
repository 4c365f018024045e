package node

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// neighbourWatch records, per node (by location), the lists its core took
// for each peer (by location).
type neighbourWatch struct {
	mu sync.Mutex // guards m
	m  map[routing.Location]map[routing.Location][]routing.Location
}

func (w *neighbourWatch) hook(self routing.Location) func(routing.Location, []routing.Location) {
	return func(peer routing.Location, locs []routing.Location) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.m[self] == nil {
			w.m[self] = map[routing.Location][]routing.Location{}
		}
		w.m[self][peer] = slices.Clone(locs)
	}
}

// wait waits until every node's core holds want's lists for its peers
// (want[node][peer]); lists of peers not in want are not checked.
func (w *neighbourWatch) wait(t *testing.T, step string, want map[routing.Location]map[routing.Location][]routing.Location) {
	t.Helper()
	var diff string
	start := time.Now()
	for deadline := start.Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		diff = ""
		w.mu.Lock()
		for n, peers := range want {
			for p, locs := range peers {
				if got, ok := w.m[n][p]; !ok || !slices.Equal(got, locs) {
					diff += fmt.Sprintf("\n  node %v, peer %v: core has %v (%v), want %v", n, p, got, ok, locs)
				}
			}
		}
		w.mu.Unlock()
		if diff == "" {
			t.Logf("%s: every core has its peers' lists after %v", step, time.Since(start).Round(time.Millisecond))
			return
		}
	}
	t.Fatalf("%s:%s", step, diff)
}

// TestNetworkPeerLocations: on a six-node small world over net.Pipe, each
// node's core learns its peers' peers; after one link is removed, the
// nodes next to its ends learn the new lists.
func TestNetworkPeerLocations(t *testing.T) {
	w := &neighbourWatch{m: map[routing.Location]map[routing.Location][]routing.Location{}}
	var locs []routing.Location
	tn := startNet(t, 6, 1, 9, func(c *Config) {
		locs = append(locs, *c.Network.Location)
		c.Network.Hooks.Neighbours = w.hook(*c.Network.Location)
	})
	adj := make([]map[int]bool, len(tn.nodes))
	for i := range adj {
		adj[i] = map[int]bool{}
	}
	for _, e := range tn.links {
		adj[e[0]][e[1]], adj[e[1]][e[0]] = true, true
	}
	want := func() map[routing.Location]map[routing.Location][]routing.Location {
		m := map[routing.Location]map[routing.Location][]routing.Location{}
		for i := range adj {
			m[locs[i]] = map[routing.Location][]routing.Location{}
			for j := range adj[i] {
				var l []routing.Location
				for k := range adj[j] {
					if k != i {
						l = append(l, locs[k])
					}
				}
				slices.Sort(l)
				m[locs[i]][locs[j]] = l
			}
		}
		return m
	}
	t.Logf("links %v", tn.links)
	w.wait(t, "after the links came up", want())

	// Remove a link whose ends keep other peers: 0-1 (a ring edge).
	a, b := 0, 1
	if _, err := tn.nodes[a].RemovePeer(fmt.Sprintf("node-%d", b)); err != nil {
		t.Fatal(err)
	}
	delete(adj[a], b)
	delete(adj[b], a)
	w.wait(t, "after node 0 removed node 1", want())
}

// TestPeerLocationsRouteAndReject: a node routes by what its peers
// announce. Two raw peers that announce nothing are routed to by their own
// locations; once the far one announces a peer at the key, requests go to
// it. Then malformed PeerLocations cost each raw peer its link.
func TestPeerLocationsRouteAndReject(t *testing.T) {
	w := &neighbourWatch{m: map[routing.Location]map[routing.Location][]routing.Location{}}
	tn := startNet(t, 1, 0, 31, func(c *Config) { c.Network.Hooks.Neighbours = w.hook(*c.Network.Location) })
	x := tn.nodes[0]
	keyLoc := tenth(3)
	dnf := func(m routing.Message) routing.Message {
		return routing.Message{Type: routing.MsgDataNotFound, ID: m.ID}
	}
	near := dialRaw(t, x, 32, keyLoc+keyLoc/6, dnf) // 0.35: the closest peer
	far := dialRaw(t, x, 33, tenth(9), dnf)         // 0.9, with a peer at the key
	fetch := func(salt byte) {
		t.Helper()
		var rk keys.RoutingKey
		binary.BigEndian.PutUint64(rk[:8], uint64(keyLoc))
		rk[31] = salt // another key at the same location: no RecentlyFailed
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := x.net.Store().GetBlock(ctx, rk); !errors.Is(err, routing.ErrDataNotFound) {
			t.Fatalf("fetch: %v, want DataNotFound", err)
		}
	}
	fetch(1)
	if n, f := near.replies[routing.MsgRequest].Load(), far.replies[routing.MsgRequest].Load(); n != 1 || f != 0 {
		t.Fatalf("without PeerLocations: near asked %d times, far %d; want 1, 0", n, f)
	}

	b, err := peerwire.AppendPeerLocations(nil, []routing.Location{keyLoc, tenth(8)})
	if err != nil {
		t.Fatal(err)
	}
	if err := far.l.Send(b); err != nil {
		t.Fatal(err)
	}
	w.wait(t, "far's list", map[routing.Location]map[routing.Location][]routing.Location{
		x.Location(): {tenth(9): {keyLoc, tenth(8)}}})
	fetch(2)
	if n, f := near.replies[routing.MsgRequest].Load(), far.replies[routing.MsgRequest].Load(); n != 1 || f != 1 {
		t.Fatalf("with far's PeerLocations: near asked %d times, far %d; want 1, 1", n, f)
	}
	if near.locs.Load() == 0 || far.locs.Load() == 0 {
		t.Fatalf("PeerLocations received: near %d, far %d; want some", near.locs.Load(), far.locs.Load())
	}

	for _, tc := range []struct {
		p   *rawPeer
		msg string
	}{
		{near, "0a41"},  // count 65 [W7]
		{far, "0a0201"}, // count 2, one byte [W8]
	} {
		b, _ := hex.DecodeString("01" + tc.msg)
		if err := tc.p.l.Send(b); err != nil {
			t.Fatal(err)
		}
		select {
		case <-tc.p.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("the link of a peer that sent %s stayed up", tc.msg)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		backedOff := 0
		for _, p := range x.ListPeers() {
			if p.Status == network.PeerBackedOff {
				backedOff++
			}
		}
		if backedOff == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers %+v: want both raw peers backed off", x.ListPeers())
		}
	}
}

// tenth returns the location x/10.
func tenth(x int) routing.Location { return routing.Location(uint64(x) * (^uint64(0) / 10)) }
