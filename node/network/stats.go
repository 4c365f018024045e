package network

import (
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hamsnet/hams/routing"
)

// The network's figures for a status page and metrics (Stats). The hooks in
// the other files are one line each: the router counts offers and local
// results and keeps its moves (router.go, swap.go), the routing core counts
// how requests end (routing.Outcomes), and every link's stream is counted
// (countStream, at each link.Handshake). Nothing here names a peer.

// swapHistory is how many of the node's last moves Stats returns.
const swapHistory = 32

// Stats is a snapshot of the network's figures. Counters count since Start.
type Stats struct {
	// Location is the node's location now.
	Location routing.Location
	// Peers are the node's peers, by location, without their identities.
	Peers []PeerStats

	// BytesIn and BytesOut count the bytes read from and written to every
	// link's stream (handshakes and encryption included, the transport's
	// own framing, such as Tor's cells, not).
	BytesIn, BytesOut uint64
	// OffersIn and OffersOut count Offer messages received from and sent
	// to peers.
	OffersIn, OffersOut uint64

	// Running is how many requests and inserts are routing at this node
	// now, its own and relayed (routing.Core.Active). Local is how many
	// of its own are running (coalesced ones included), Queued how many
	// wait for the local window.
	Running, Local, Queued int
	// MaxHTL is the HTL requests start with: Outcomes' indices run from 0
	// to MaxHTL.
	MaxHTL uint8
	// Outcomes counts how requests and inserts routed here ended, by HTL
	// (routing.Outcomes).
	Outcomes routing.Outcomes
	// LocalFetches and LocalInserts count how this node's own fetches and
	// inserts that reached the network ended.
	LocalFetches, LocalInserts LocalResults

	// Swaps counts the node's moves (location swaps and relocations);
	// RecentSwaps are the last ones, oldest first.
	Swaps       uint64
	RecentSwaps []Swap

	// Tor is what the node's tor does (State "" without Tor).
	Tor TorStatus
}

// PeerStats is one peer, without its identity.
type PeerStats struct {
	// Location is where the peer is.
	Location routing.Location
	// Kind is how the node came to have it; Status its state.
	Kind   PeerKind
	Status PeerStatus
	// Since is when its link came up (Status PeerConnected).
	Since time.Time
	// Backoff is how long until the node may dial it again (0: it may, or
	// it is linked).
	Backoff time.Duration
}

// LocalResults counts how local requests ended.
type LocalResults struct {
	// Success: the block was found, or the insert ran its course.
	Success uint64
	// DataNotFound and RecentlyFailed: the key was not found, now or
	// recently.
	DataNotFound, RecentlyFailed uint64
	// RouteNotFound: no peer was left to try.
	RouteNotFound uint64
	// TimedOut: the peers were too slow or overloaded.
	TimedOut uint64
	// Collision: the insert met another block held under the key.
	Collision uint64
	// Other: any other error (the router closed, a context ended).
	Other uint64
}

// Swap is one move of the node.
type Swap struct {
	// Time is when it moved; From and To its locations before and after.
	Time     time.Time
	From, To routing.Location
	// Relocated: the node took a fresh location rather than swap with a
	// peer.
	Relocated bool
}

// netStats holds the router's counters. The atomic ones may be read from
// any goroutine; outcomes is loop-owned (the core counts into it).
type netStats struct {
	bytesIn, bytesOut   atomic.Uint64
	offersIn, offersOut atomic.Uint64
	outcomes            routing.Outcomes

	mu       sync.Mutex // guards the fields below
	fetches  LocalResults
	inserts  LocalResults
	swaps    uint64
	lastMove []Swap // at most swapHistory, oldest first
}

// sent counts a message the router sends.
func (s *netStats) sent(t routing.MsgType) {
	if t == routing.MsgOffer {
		s.offersOut.Add(1)
	}
}

// received counts a message from a peer.
func (s *netStats) received(t routing.MsgType) {
	if t == routing.MsgOffer {
		s.offersIn.Add(1)
	}
}

// result counts the end of a local request.
func (s *netStats) result(insert bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := &s.fetches
	if insert {
		lr = &s.inserts
	}
	switch {
	case err == nil:
		lr.Success++
	case errors.Is(err, routing.ErrDataNotFound):
		lr.DataNotFound++
	case errors.Is(err, routing.ErrRecentlyFailed):
		lr.RecentlyFailed++
	case errors.Is(err, routing.ErrRouteNotFound):
		lr.RouteNotFound++
	case errors.Is(err, routing.ErrTimedOut):
		lr.TimedOut++
	case errors.Is(err, routing.ErrCollision):
		lr.Collision++
	default:
		lr.Other++
	}
}

// moved records a move of the node from one location to another.
func (s *netStats) moved(now time.Time, from, to routing.Location, relocated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.swaps++
	if len(s.lastMove) == swapHistory {
		s.lastMove = slices.Delete(s.lastMove, 0, 1)
	}
	s.lastMove = append(s.lastMove, Swap{Time: now, From: from, To: to, Relocated: relocated})
}

// countStream counts the bytes read from and written to rwc.
func (s *netStats) countStream(rwc io.ReadWriteCloser) io.ReadWriteCloser {
	return countedStream{ReadWriteCloser: rwc, s: s}
}

type countedStream struct {
	io.ReadWriteCloser
	s *netStats
}

func (c countedStream) Read(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(p)
	c.s.bytesIn.Add(uint64(n))
	return n, err
}

func (c countedStream) Write(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Write(p)
	c.s.bytesOut.Add(uint64(n))
	return n, err
}

// Stats returns the network's figures now. It asks the router's loop for
// the figures it owns, and so waits for the loop's current event.
func (nw *Network) Stats() Stats {
	r := nw.r
	st := Stats{
		Location:  nw.Location(),
		BytesIn:   r.stats.bytesIn.Load(),
		BytesOut:  r.stats.bytesOut.Load(),
		OffersIn:  r.stats.offersIn.Load(),
		OffersOut: r.stats.offersOut.Load(),
		MaxHTL:    nw.cfg.Routing.MaxHTL,
		Tor:       nw.TorStatus(),
	}
	if st.MaxHTL == 0 {
		st.MaxHTL = routing.DefaultMaxHTL
	}
	r.runOnLoop(func() {
		st.Running, st.Local, st.Queued = r.core.Active(), len(r.local), len(r.pending)
		st.Outcomes = r.stats.outcomes
	})
	r.stats.mu.Lock()
	st.LocalFetches, st.LocalInserts = r.stats.fetches, r.stats.inserts
	st.Swaps, st.RecentSwaps = r.stats.swaps, slices.Clone(r.stats.lastMove)
	r.stats.mu.Unlock()
	st.Peers = nw.pm.peerStats(time.Now())
	return st
}

// peerStats returns the peers as Stats shows them, by location.
func (pm *peerManager) peerStats(now time.Time) []PeerStats {
	pm.mu.Lock()
	out := make([]PeerStats, 0, len(pm.peers))
	for _, ps := range pm.peers {
		pi := pm.info(ps)
		p := PeerStats{Location: pi.Location, Kind: pi.Kind, Status: pi.Status, Since: pi.Since}
		if ps.link == nil && ps.retryAt.After(now) {
			p.Backoff = ps.retryAt.Sub(now)
		}
		out = append(out, p)
	}
	pm.mu.Unlock()
	slices.SortFunc(out, func(a, b PeerStats) int {
		switch {
		case a.Location < b.Location:
			return -1
		case a.Location > b.Location:
			return 1
		}
		return int(a.Kind) - int(b.Kind)
	})
	return out
}
