package network

import (
	"fmt"
	"slices"
	"time"

	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// peerLocationsDelay is how long the router gathers changes to its set of
// live peers before it sends each peer its new PeerLocations
// (docs/peerwire.md): a burst of links coming up or going down costs one
// message per peer. The router's tick checks it, so a change reaches the
// peers 1 to 1.2 s later.
const peerLocationsDelay = time.Second

// routerPeer is a live peer as the router's loop knows it.
type routerPeer struct {
	link  sender
	ident string   // the peer's identity
	kind  PeerKind // seeds and seed clients are not routed through
	since time.Time
	loc   routing.Location
	feats peerwire.Features // what the link negotiated
	// sent is the PeerLocations list last sent to the peer; announced says
	// one was sent (sent is nil for an empty list too).
	sent      []routing.Location
	announced bool
}

// peerLocationsChanged notes that the set of live peers changed: every
// peer whose list differs from the one it was sent gets the new one at
// the first tick peerLocationsDelay from now. Changes meanwhile join it.
func (r *router) peerLocationsChanged(now time.Time) {
	if r.locsDue.IsZero() {
		r.locsDue = now.Add(peerLocationsDelay)
	}
}

// flushPeerLocations sends the lists that are due.
func (r *router) flushPeerLocations(now time.Time) {
	if r.locsDue.IsZero() || now.Before(r.locsDue) {
		return
	}
	r.locsDue = time.Time{}
	all := r.liveLocations()
	for id, p := range r.peers {
		if p.kind.routable() {
			r.sendPeerLocations(id, p, all)
		}
	}
}

// liveLocations returns the locations of every live peer, in ascending
// order.
func (r *router) liveLocations() []routing.Location {
	all := make([]routing.Location, 0, len(r.peers))
	for _, p := range r.peers {
		if p.kind.routable() {
			all = append(all, p.loc)
		}
	}
	slices.Sort(all)
	return all
}

// peerLocationsFor returns the list for the peer at loc: all (ascending,
// holding loc) without loc once, and of a longer list
// peerwire.MaxPeerLocations locations spread evenly over it.
func peerLocationsFor(all []routing.Location, loc routing.Location) []routing.Location {
	i, found := slices.BinarySearch(all, loc)
	others := make([]routing.Location, 0, len(all))
	others = append(others, all[:i]...)
	if found {
		i++
	}
	others = append(others, all[i:]...)
	if n := len(others); n > peerwire.MaxPeerLocations {
		// j*n/max >= j: each read is of a place not yet written.
		for j := range peerwire.MaxPeerLocations {
			others[j] = others[j*n/peerwire.MaxPeerLocations]
		}
		others = others[:peerwire.MaxPeerLocations]
	}
	if len(others) == 0 {
		return nil
	}
	return others
}

// sendPeerLocations sends peer id its list, made from all (the live
// peers' locations, ascending), unless it was sent that list last.
func (r *router) sendPeerLocations(id routing.PeerID, p *routerPeer, all []routing.Location) {
	if !p.feats.Has(peerwire.FeaturePeerLocations) {
		return // the link does not speak them: the peer routes by locations alone
	}
	locs := peerLocationsFor(all, p.loc)
	if p.announced && slices.Equal(locs, p.sent) {
		return
	}
	var err error
	r.frame, err = peerwire.AppendPeerLocations(r.frame[:0], locs)
	if err != nil {
		r.log.Error("router: encode", "err", err)
		return
	}
	if !r.sendFrame(id, p) {
		return
	}
	p.sent, p.announced = locs, true
}

// peerNeighbours records the PeerLocations peer id sent. A list the core
// refuses is a protocol violation: the peer's link is dropped.
func (r *router) peerNeighbours(id routing.PeerID, locs []routing.Location) {
	p, ok := r.peers[id]
	if !ok {
		return // the link went down after its reader queued this
	}
	if err := r.core.SetPeerNeighbours(id, locs); err != nil {
		r.stepErr(id, fmt.Errorf("node: peer's PeerLocations: %w", err))
		return
	}
	if r.traceNbrs != nil {
		r.traceNbrs(p.loc, locs)
	}
}

// relink makes ev's link the live link of peer id, which had one: the core
// keeps the peer (its requests are answered over the new link), and the
// peer hears the lists again on it.
func (r *router) relink(now time.Time, id routing.PeerID, ev routerEvent) {
	p := r.peers[id]
	p.link, p.feats, p.sent, p.announced = ev.link, ev.feats, nil, false
	if !p.kind.routable() {
		ev.reply <- id
		return
	}
	if err := r.core.SetPeerFeatures(id, coreFeatures(ev.feats)); err != nil {
		r.log.Error("router: peer features", "err", err)
	}
	if p.loc != ev.loc {
		r.peerMoved(now, id, ev.loc)
	}
	if r.swapper != nil {
		if ev.feats.Has(peerwire.FeatureSwapping) && p.kind == PeerDarknet {
			r.swapper.AddPeer(id, p.loc)
		} else {
			r.swapper.RemovePeer(id)
		}
	}
	ev.reply <- id
	r.sendPeerLocations(id, p, r.liveLocations())
}
