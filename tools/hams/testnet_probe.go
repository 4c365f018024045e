package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
	"github.com/hamsnet/hams/routing/sim"
)

// probeResult is what hams testnet --probe prints: the formed network, its
// traffic, and what the simulator predicts for the same topology and seed.
type probeResult struct {
	Topology  string `json:"topology"`
	Transport string `json:"transport"`
	Nodes     int    `json:"nodes"`
	Degree    int    `json:"degree"`
	Seed      uint64 `json:"seed"`
	Requests  int    `json:"requests"`
	// SwapsPerNode is the attempts each node of a darknet made before the
	// traffic (0 for fixed).
	SwapsPerNode int `json:"swaps_per_node"`
	// InsertSuccessRate is the fraction of the inserts that succeeded;
	// SuccessRate the fraction of the requests (one per inserted key, from
	// another node) that got their block.
	InsertSuccessRate float64 `json:"insert_success_rate"`
	SuccessRate       float64 `json:"success_rate"`
	// HopsMean is the mean number of links the block of a successful
	// request crossed, counted by the testnet's own tracing (the Data
	// messages for the key), never carried on the wire.
	HopsMean float64 `json:"hops_mean"`
	// PeersMin and PeersMean count each node's connected peers.
	PeersMin  int     `json:"peers_min"`
	PeersMean float64 `json:"peers_mean"`
	// JoinSeconds*: how long the nodes took to link to all their peers
	// (opennet: to reach their opennet peers, or as many as they got).
	JoinSecondsP50 float64 `json:"join_seconds_p50"`
	JoinSecondsMax float64 `json:"join_seconds_max"`
	// FirstPeerSeconds* (opennet): how long the joining nodes took to
	// their first opennet peer.
	FirstPeerSecondsP50 float64 `json:"first_peer_seconds_p50,omitempty"`
	FirstPeerSecondsMax float64 `json:"first_peer_seconds_max,omitempty"`
	// FullNodes (opennet) is how many joining nodes reached the target
	// number of opennet peers (--opennet-peers, at most nodes-1) while the
	// testnet waited, and FullSeconds* how long they took to it.
	FullNodes      int     `json:"full_nodes,omitempty"`
	FullSecondsP50 float64 `json:"full_seconds_p50,omitempty"`
	FullSecondsMax float64 `json:"full_seconds_max,omitempty"`
	// SimHopsMean and SimSuccessRate are the simulator's run of the same
	// topology, nodes, degree and seed (hams sim).
	SimHopsMean    float64 `json:"sim_hops_mean"`
	SimSuccessRate float64 `json:"sim_success_rate"`
}

// hopTracer counts, per routing key, the Data messages the nodes send: the
// links a block crosses on its way back to a requester.
type hopTracer struct {
	mu sync.Mutex // guards n
	n  map[keys.RoutingKey]int
}

// trace is every node's Hooks.Send.
func (h *hopTracer) trace(m routing.Message) {
	if m.Type != routing.MsgData {
		return
	}
	h.mu.Lock()
	h.n[m.Key]++
	h.mu.Unlock()
}

// take returns and forgets the count of rk.
func (h *hopTracer) take(rk keys.RoutingKey) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.n[rk]
	delete(h.n, rk)
	return n
}

// probe measures the formed network: r keys (one block each) inserted from
// random nodes and fetched each from another random node, one at a time,
// with the darknet's swapping paused.
func (tn *testnet) probe(ctx context.Context, r int) (probeResult, error) {
	o := tn.o
	res := probeResult{Topology: o.topology, Transport: o.transport, Nodes: o.n, Degree: o.degree(), Seed: o.seed, Requests: r}
	if o.topology == topoDarknet && !o.twin {
		res.SwapsPerNode = o.swapsPerNode
	}
	tn.swapPaused.Store(true)
	defer tn.swapPaused.Store(false)
	time.Sleep(4 * o.swapInterval) // the attempts under way end
	clients := make([]*fcpclient.Client, o.n)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	client := func(i int) (*fcpclient.Client, error) {
		if clients[i] == nil {
			c, err := fcpclient.Dial(ctx, tn.nodes[i].FCPAddr(), "testnet-probe")
			if err != nil {
				return nil, err
			}
			clients[i] = c
		}
		return clients[i], nil
	}
	rng := mrand.New(mrand.NewPCG(o.seed, 0x70726f6265))
	type item struct {
		uri  string
		rk   keys.RoutingKey
		from int
		data []byte
	}
	var items []item
	for range r {
		from := rng.IntN(o.n)
		data := make([]byte, 1024)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		c, err := client(from)
		if err != nil {
			return res, err
		}
		uri, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: "CHK@"})
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			tn.log.Debug("probe insert failed", "node", from, "err", err)
			continue
		}
		u, err := keys.Parse(uri)
		if err != nil {
			return res, err
		}
		rk, err := keys.RoutingKeyOf(u)
		if err != nil {
			return res, err
		}
		items = append(items, item{uri: uri, rk: rk, from: from, data: data})
	}
	res.InsertSuccessRate = float64(len(items)) / float64(r)
	ok, hops := 0, 0
	for _, it := range items {
		to := rng.IntN(o.n - 1)
		if to >= it.from {
			to++
		}
		c, err := client(to)
		if err != nil {
			return res, err
		}
		tn.hops.take(it.rk)
		var got bytes.Buffer
		_, err = c.Get(ctx, it.uri, &got, fcpclient.GetOptions{})
		h := tn.hops.take(it.rk)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err == nil && bytes.Equal(got.Bytes(), it.data) {
			ok++
			hops += h
		}
	}
	res.SuccessRate = float64(ok) / float64(r)
	if ok > 0 {
		res.HopsMean = float64(hops) / float64(ok)
	}
	res.PeersMin = -1
	total := 0
	for _, nd := range tn.nodes {
		n := 0
		for _, p := range nd.ListPeers() {
			if p.Status == network.PeerConnected {
				n++
			}
		}
		total += n
		if res.PeersMin < 0 || n < res.PeersMin {
			res.PeersMin = n
		}
	}
	res.PeersMean = float64(total) / float64(o.n)
	res.JoinSecondsP50, res.JoinSecondsMax = p50max(tn.joined)
	if len(tn.firstPeer) > 0 {
		res.FirstPeerSecondsP50, res.FirstPeerSecondsMax = p50max(tn.firstPeer)
	}
	var full []time.Duration
	for _, d := range tn.full {
		if d > 0 {
			full = append(full, d)
		}
	}
	res.FullNodes = len(full)
	res.FullSecondsP50, res.FullSecondsMax = p50max(full)

	sc := sim.Config{Nodes: o.n, Degree: o.degree(), Topology: sim.Kleinberg, Seed: o.seed, Requests: r}
	switch {
	case o.topology == topoDarknet && !o.twin:
		sc.Topology, sc.SwapsPerNode, sc.Anneal = sim.Darknet, o.swapsPerNode, o.swapsPerNode/2
	case o.topology == topoOpennet:
		// A node of n can hold n-1 peers at most.
		sc.Topology, sc.Degree = sim.Opennet, o.wantOpen()
		res.Degree = sc.Degree
	}
	sr, err := sim.Run(ctx, sc)
	if err != nil {
		return res, fmt.Errorf("simulating the same network: %w", err)
	}
	res.SimHopsMean, res.SimSuccessRate = sr.Summary.HopsMean, sr.Summary.SuccessRate
	return res, nil
}

// joinOpennet waits for the nodes that join an opennet testnet (all but the
// seeds) to reach their opennet peers: until every one has them, or until
// none has gained a peer for openSettle once each has at least one (at most
// openJoinWait). It records each node's time to its first peer and to its
// last gain (its peers, or as many as it got).
func (tn *testnet) joinOpennet(ctx context.Context) error {
	o := tn.o
	start := time.Now()
	n := len(tn.nodes)
	tn.firstPeer, tn.joined, tn.full = make([]time.Duration, n), make([]time.Duration, n), make([]time.Duration, n)
	want := o.wantOpen()
	last := make([]int, n)
	lastGain := start
	for {
		now := time.Now()
		all, full := true, true
		for i := o.seeds; i < n; i++ {
			// The links' own start times, not this loop's polls: the
			// nodes started one after another (over Tor, seconds apart)
			// and the early ones linked before the loop began.
			got := 0
			var first, latest time.Time
			for _, p := range tn.nodes[i].ListPeers() {
				if p.Status == network.PeerConnected && p.Kind == network.PeerOpennet {
					got++
					if first.IsZero() || p.Since.Before(first) {
						first = p.Since
					}
					if p.Since.After(latest) {
						latest = p.Since
					}
				}
			}
			if got > 0 && tn.firstPeer[i] == 0 {
				tn.firstPeer[i] = max(first.Sub(tn.started[i]), time.Millisecond)
			}
			if got > last[i] {
				last[i], tn.joined[i], lastGain = got, max(latest.Sub(tn.started[i]), time.Millisecond), now
			}
			if got >= want && tn.full[i] == 0 {
				tn.full[i] = max(latest.Sub(tn.started[i]), time.Millisecond)
			}
			all = all && got > 0
			full = full && got >= want
		}
		if full || all && now.Sub(lastGain) >= openSettle {
			tn.joined, tn.firstPeer, tn.full = tn.joined[o.seeds:], tn.firstPeer[o.seeds:], tn.full[o.seeds:]
			tn.log.Info(fmt.Sprintf("opennet: the nodes joined (%d want %d peers each)", n-o.seeds, o.openPeers))
			return nil
		}
		if now.Sub(start) > openJoinWait {
			return fmt.Errorf("opennet: not every node found a peer within %v", openJoinWait)
		}
		select {
		case <-ctx.Done():
			return errors.New("interrupted while the nodes joined")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// wantOpen is the number of opennet peers a joining node can reach: its
// target, at most the other nodes.
func (o *testnetOpts) wantOpen() int { return min(o.openPeers, o.n-1) }

// p50max returns the median and the largest of ds, in seconds.
func p50max(ds []time.Duration) (float64, float64) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Seconds(), s[len(s)-1].Seconds()
}
