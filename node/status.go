package node

import (
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/statuspage"
)

// statusSnapshot fills the status page's Snapshot from the network (nil:
// the node runs none) and the datastore, for a node started at start. It
// copies no identity, key or address: peers go by location, kind and state.
func statusSnapshot(nw *network.Network, ds *datastore.Store, start time.Time) statuspage.Snapshot {
	d := ds.Stats()
	s := statuspage.Snapshot{
		Version: Version,
		Uptime:  time.Since(start),
		Store:   statusRegion(d.Store),
		Cache:   statusRegion(d.Cache),
		Hits:    d.Hits,
		Misses:  d.Misses,
		Space:   d.Space,
	}
	if nw == nil {
		return s
	}
	st := nw.Stats()
	s.Network = true
	s.Location = st.Location.Float()
	for _, p := range st.Peers {
		s.Peers = append(s.Peers, statuspage.Peer{Location: p.Location.Float(), Kind: p.Kind.String(),
			Status: p.Status.String(), Since: p.Since, Backoff: p.Backoff})
	}
	s.Swaps = st.Swaps
	for _, sw := range st.RecentSwaps {
		s.RecentSwaps = append(s.RecentSwaps, statuspage.Swap{Time: sw.Time, From: sw.From.Float(), To: sw.To.Float(), Relocated: sw.Relocated})
	}
	s.Running, s.Local, s.Queued = st.Running, st.Local, st.Queued
	s.ByHTL = make([]statuspage.HTLOutcomes, int(st.MaxHTL)+1)
	for h := range s.ByHTL {
		rq, in := st.Outcomes.Requests[h], st.Outcomes.Inserts[h]
		s.ByHTL[h] = statuspage.HTLOutcomes{RequestSuccess: rq.Success, RequestFailure: rq.Failure,
			InsertSuccess: in.Success, InsertFailure: in.Failure}
	}
	s.LocalFetches, s.LocalInserts = statusLocal(st.LocalFetches), statusLocal(st.LocalInserts)
	s.OffersIn, s.OffersOut = st.OffersIn, st.OffersOut
	s.BytesIn, s.BytesOut = st.BytesIn, st.BytesOut
	if t := st.Tor; t.State != "" {
		s.Tor = statuspage.Tor{State: string(t.State), Progress: t.Progress, Summary: t.Summary, Problem: t.Problem,
			Hint: t.Hint, Attempts: t.Attempts, Bridges: t.Bridges}
	}
	return s
}

func statusRegion(r datastore.RegionStats) statuspage.Region {
	return statuspage.Region{Blocks: r.Blocks, Bytes: r.Bytes, Budget: r.Budget, Evictions: r.Evictions}
}

func statusLocal(r network.LocalResults) statuspage.LocalResults {
	return statuspage.LocalResults{Success: r.Success, DataNotFound: r.DataNotFound, RecentlyFailed: r.RecentlyFailed,
		RouteNotFound: r.RouteNotFound, TimedOut: r.TimedOut, Collision: r.Collision, Other: r.Other}
}

// newStatusPage returns the node's status page over nw (nil: none) and
// ds, for a node started at start. The caller samples it from a ticker it
// owns (runStatusSampler).
func newStatusPage(nw *network.Network, ds *datastore.Store, start time.Time) *statuspage.Page {
	return statuspage.New(statuspage.Config{Snapshot: func() statuspage.Snapshot { return statusSnapshot(nw, ds, start) }})
}

// runStatusSampler samples p every statuspage.DefaultFineEvery until stop
// is closed; the node runs it on a goroutine it waits for in Close.
func runStatusSampler(p *statuspage.Page, stop <-chan struct{}) {
	t := time.NewTicker(statuspage.DefaultFineEvery)
	defer t.Stop()
	p.Sample(time.Now())
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			p.Sample(now)
		}
	}
}
