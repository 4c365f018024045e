package network

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// Opennet in the router (docs/wire.md, Opennet): announcements and path
// folding, on the router's loop. The rules (whom to link to, whom to drop,
// where to announce, whether to fold) are routing.Opennet's, the ones the
// simulator measures; this file moves their messages and keeps their
// paths.

const (
	// announceHTL is how many hops an announcement routes.
	announceHTL = routing.DefaultMaxHTL
	// announceTimeout ends an announcement whose AnnounceDone did not come.
	announceTimeout = 2 * time.Minute
	// announceGap is the pause between two announcements of this node.
	announceGap = time.Second
	// openPathFor is how long a relay remembers an announcement's or a
	// request's path, for the answers that follow it.
	openPathFor = 2 * time.Minute
	// openStatusEvery is how often a node short of opennet peers says so.
	openStatusEvery = 30 * time.Second
	// announceRetry is how often a node still short of its opennet peers
	// announces once more after its 2 x Peers announcements: Hyphanet's
	// Announcer looks again every minute (RETRY_DELAY). One at a time, so
	// that nodes short of peers do not set off the cascade the budget
	// prevents.
	announceRetry = time.Minute
)

// openState is the opennet state of a router; loop-owned.
type openState struct {
	rules   routing.Opennet
	join    bool // the node runs opennet (it announces, accepts and folds); a seed that does not only relays
	selfRef func() []byte
	pm      *peerManager // set once the peer manager exists
	rng     *rand.Rand
	log     func(msg string, args ...any)

	own  *announcement
	next time.Time // when this node may announce again
	// sent counts this node's announcements: 2 × Peers in a row (the
	// simulator's rule: a node that announces again whenever it loses a
	// peer sets off a cascade of displaced peers), then one every
	// announceRetry while it is short of peers; counted afresh when it has
	// no opennet peer left.
	sent int
	// retry is when a node that spent its announcements may announce once
	// more (announceRetry; Hooks.AnnounceRetry in tests).
	retry         time.Time
	retryEvery    time.Duration
	traceAnnounce func()    // tests: sees each own announcement
	status        time.Time // when it last said how many peers it has
	hinted        bool      // it said how to get peers

	relays map[routing.RequestID]*openRelay // announcements passing through
	seen   map[routing.RequestID]time.Time  // announcement IDs seen, for loops

	// Path folding: where Data for a request came from (dataFrom), the
	// path of a request this node relayed the Data of (folds), requests of
	// this node that got their Data (asked), and requests this node
	// answered from its store and offered its noderef to (offered).
	dataFrom map[routing.RequestID]hop
	folds    map[routing.RequestID]foldPath
	asked    map[routing.RequestID]hop
	offered  map[routing.RequestID]hop

	lastSuccess map[routing.PeerID]time.Time // when each peer last answered one of this node's requests
}

// hop is a peer, and when a message came from or went to it.
type hop struct {
	peer routing.PeerID
	at   time.Time
}

// foldPath is a relayed request's path: the originator's side and the
// source's side.
type foldPath struct {
	orig, src routing.PeerID
	at        time.Time
}

// openRelay is an announcement passing through: from where it came, to
// where it went.
type openRelay struct {
	from, to routing.PeerID
	at       time.Time
}

// announcement is this node's own announcement in flight.
type announcement struct {
	id       routing.RequestID
	via      routing.PeerID
	target   routing.Location
	links    int
	refs     []noderef.Ref // the nodes that took this node, so far
	deadline time.Time
}

func newOpenState(rules routing.Opennet, join bool, seed [32]byte, selfRef func() []byte, log func(string, ...any), retry time.Duration) *openState {
	if retry <= 0 {
		retry = announceRetry
	}
	return &openState{rules: rules.WithDefaults(), join: join, selfRef: selfRef, rng: rand.New(rand.NewChaCha8(seed)), log: log, retryEvery: retry,
		relays: map[routing.RequestID]*openRelay{}, seen: map[routing.RequestID]time.Time{},
		dataFrom: map[routing.RequestID]hop{}, folds: map[routing.RequestID]foldPath{},
		asked: map[routing.RequestID]hop{}, offered: map[routing.RequestID]hop{},
		lastSuccess: map[routing.PeerID]time.Time{}}
}

// deliverOpennet passes a decoded opennet message from peer id; the
// message's noderef is copied (the frame is reused).
func (r *router) deliverOpennet(id routing.PeerID, m peerwire.OpennetMessage) bool {
	m.Ref = append([]byte(nil), m.Ref...)
	return r.post(context.Background(), routerEvent{kind: evOpennet, peer: id, open: m})
}

// openPeers returns the routable peers as the opennet rules see them, and
// their ids in the same order.
func (r *router) openPeers() ([]routing.OpennetPeer, []routing.PeerID) {
	ids := make([]routing.PeerID, 0, len(r.peers))
	for id, p := range r.peers {
		if p.kind.routable() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ps := make([]routing.OpennetPeer, len(ids))
	for i, id := range ids {
		p := r.peers[id]
		ps[i] = routing.OpennetPeer{Loc: p.loc, Added: p.since, LastSuccess: r.open.lastSuccess[id], Darknet: p.kind == PeerDarknet}
	}
	return ps, ids
}

// sendOpen sends an opennet message to peer id, if its link speaks opennet.
func (r *router) sendOpen(id routing.PeerID, m peerwire.OpennetMessage) {
	p, ok := r.peers[id]
	if !ok || !p.feats.Has(peerwire.FeatureOpennet) {
		return
	}
	var err error
	if r.frame, err = peerwire.AppendOpennet(r.frame[:0], &m); err != nil {
		r.log.Error("router: encode", "err", err)
		return
	}
	r.sendFrame(id, p)
}

// dropOpen drops the opennet peer ids[i] to make room (off the loop: a
// link's end waits for its reader, which may wait for the loop).
func (r *router) dropOpen(ids []routing.PeerID, i int) {
	if i < 0 || i >= len(ids) || r.open.pm == nil {
		return
	}
	ident := r.peers[ids[i]].ident
	go r.open.pm.remove(ident) // the peer may be gone already: nothing to do then
}

// openTick announces while the node is short of opennet peers, lets its
// seeds go once it is not, and forgets old paths.
func (r *router) openTick(now time.Time) {
	o := r.open
	for id, rl := range o.relays {
		if now.Sub(rl.at) > openPathFor {
			delete(o.relays, id)
		}
	}
	for id, at := range o.seen {
		if now.Sub(at) > openPathFor {
			delete(o.seen, id)
		}
	}
	for _, m := range []map[routing.RequestID]hop{o.dataFrom, o.asked, o.offered} {
		for id, h := range m {
			if now.Sub(h.at) > openPathFor {
				delete(m, id)
			}
		}
	}
	for id, f := range o.folds {
		if now.Sub(f.at) > openPathFor {
			delete(o.folds, id)
		}
	}
	if o.pm == nil {
		return
	}
	if o.pm.seed {
		r.dropOldClients(now)
	}
	if !o.join {
		return
	}
	peers, ids := r.openPeers()
	if o.own != nil && now.After(o.own.deadline) {
		r.announced(now)
	}
	if !o.rules.Announcing(peers) {
		r.letSeedsGo()
		if i := o.rules.Drop(r.core.Location(), peers, now); i >= 0 && opennetCount(peers) > o.rules.Peers {
			r.dropOpen(ids, i)
		}
		return
	}
	if opennetCount(peers) == 0 && o.sent >= 2*o.rules.Peers {
		o.sent = 0 // alone again: start over
	}
	spent := o.sent >= 2*o.rules.Peers
	if o.own == nil && !now.Before(o.next) && (!spent || !now.Before(o.retry)) {
		r.announce(now, peers)
	}
	if now.Sub(o.status) >= openStatusEvery {
		o.status = now
		o.log("opennet: announcing", "peers", opennetCount(peers), "want", o.rules.Peers, "links", len(r.peers))
	}
}

func opennetCount(ps []routing.OpennetPeer) int {
	n := 0
	for _, p := range ps {
		if !p.Darknet {
			n++
		}
	}
	return n
}

// dropOldClients removes, on a seed, the newcomers linked for longer than
// their term (seedClientLife): their announcements are long over, and a
// newcomer that still needs the seed dials again. So newcomers' links are
// churned, and fresh identities that hold them cannot keep the seed's
// newcomer slots (maxSeedClients) for good.
func (r *router) dropOldClients(now time.Time) {
	for _, p := range r.peers {
		if p.kind == PeerSeedClient && now.Sub(p.since) > r.open.pm.clientLife {
			go r.open.pm.remove(p.ident)
		}
	}
}

// letSeedsGo removes the seed links of a node that has its opennet peers.
func (r *router) letSeedsGo() {
	for _, p := range r.peers {
		if p.kind == PeerSeed {
			go r.open.pm.remove(p.ident)
		}
	}
}

// announce sends this node's next announcement, through a seed if it has
// one linked, else through its peer closest to the target.
func (r *router) announce(now time.Time, peers []routing.OpennetPeer) {
	o := r.open
	target, links := o.rules.Announcement(r.core.Location(), peers, o.rng.Float64())
	var via routing.PeerID
	var viaSeed bool
	for id, p := range r.peers {
		if !p.feats.Has(peerwire.FeatureOpennet) || p.kind == PeerSeedClient {
			continue
		}
		isSeed := p.kind == PeerSeed
		if via == 0 || isSeed && !viaSeed || isSeed == viaSeed && p.loc.DistanceTo(target) < r.peers[via].loc.DistanceTo(target) {
			via, viaSeed = id, isSeed
		}
	}
	if via == 0 {
		if !o.hinted && len(r.peers) == 0 {
			o.hinted = true
			o.log("opennet: no seed node and no peer to announce through")
		}
		o.next = now.Add(announceGap)
		return
	}
	id := routing.RequestID(o.rng.Uint64() | 1)
	o.sent++
	if o.sent >= 2*o.rules.Peers {
		o.retry = now.Add(o.retryEvery) // the next only then, if still short
	}
	o.own = &announcement{id: id, via: via, target: target, links: links, deadline: now.Add(announceTimeout)}
	o.seen[id] = now
	if o.traceAnnounce != nil {
		o.traceAnnounce()
	}
	r.sendOpen(via, peerwire.OpennetMessage{Type: peerwire.TypeAnnounce, ID: id, HTL: announceHTL, Target: target, Ref: o.selfRef()})
}

// announced ends this node's announcement: it links to the nodes that
// took it, the closest to the target first, as many as the rule says.
func (r *router) announced(now time.Time) {
	o := r.open
	a := o.own
	o.own, o.next = nil, now.Add(announceGap)
	slices.SortFunc(a.refs, func(x, y noderef.Ref) int {
		return cmpDistance(x.Location.DistanceTo(a.target), y.Location.DistanceTo(a.target))
	})
	for _, ref := range a.refs[:min(a.links, len(a.refs))] {
		if _, err := o.pm.addPeer(ref, PeerOpennet, true, false); err != nil {
			o.log("opennet: linking to a node that took this one", "peer", ref.ID(), "err", err)
		}
	}
}

// openPeerGone ends the announcements that went through peer id, whose
// link is gone: an AnnounceDone can no longer come back over it, so
// this node's own ends now (it links to the nodes that took it so far)
// instead of at its deadline, and a relayed one is answered upstream.
// (Taking a newcomer drops a peer, which may be the next hop of the very
// announcement: over Tor, waiting out the deadline cost a late joiner
// two minutes.)
func (r *router) openPeerGone(now time.Time, id routing.PeerID) {
	o := r.open
	if o.own != nil && o.own.via == id {
		r.announced(now)
	}
	for rid, rl := range o.relays {
		if rl.to == id {
			delete(o.relays, rid)
			r.sendOpen(rl.from, peerwire.OpennetMessage{Type: peerwire.TypeAnnounceDone, ID: rid})
		} else if rl.from == id {
			delete(o.relays, rid)
		}
	}
}

func cmpDistance(a, b routing.Distance) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// openMessage handles an opennet message from peer from.
func (r *router) openMessage(now time.Time, from routing.PeerID, m peerwire.OpennetMessage) {
	p, ok := r.peers[from]
	if !ok || r.open == nil {
		return
	}
	switch m.Type {
	case peerwire.TypeAnnounce:
		r.announceIn(now, from, p, m)
	case peerwire.TypeAnnounceReply:
		if a := r.open.own; a != nil && a.id == m.ID && a.via == from {
			if ref, err := r.openRef(from, m.Ref); err == nil {
				a.refs = append(a.refs, ref)
			}
		} else if rl := r.open.relays[m.ID]; rl != nil && rl.to == from {
			rl.at = now
			r.sendOpen(rl.from, m)
		}
	case peerwire.TypeAnnounceDone:
		if a := r.open.own; a != nil && a.id == m.ID && a.via == from {
			r.announced(now)
		} else if rl := r.open.relays[m.ID]; rl != nil && rl.to == from {
			delete(r.open.relays, m.ID)
			r.sendOpen(rl.from, m)
		}
	case peerwire.TypeFoldRef:
		r.foldRefIn(now, from, m)
	case peerwire.TypeFoldAck:
		r.foldAckIn(from, m)
	}
}

// openRef parses and checks a noderef a peer passed on: one that is not a
// valid noderef costs the peer its link (as a block that does not verify).
func (r *router) openRef(from routing.PeerID, text []byte) (noderef.Ref, error) {
	ref, err := noderef.Parse(text)
	if err != nil {
		r.dropPeer(from, errMisbehaving{err})
	}
	return ref, err
}

// announceIn handles an announcement: this node takes the newcomer when
// the rules say so (it answers with its noderef and lets it link), and
// routes the announcement on toward its target.
func (r *router) announceIn(now time.Time, from routing.PeerID, p *routerPeer, m peerwire.OpennetMessage) {
	o := r.open
	done := peerwire.OpennetMessage{Type: peerwire.TypeAnnounceDone, ID: m.ID}
	if _, seen := o.seen[m.ID]; seen || o.relays[m.ID] != nil {
		r.sendOpen(from, done)
		return
	}
	o.seen[m.ID] = now
	ref, err := r.openRef(from, m.Ref)
	if err != nil {
		return
	}
	newcomer := ref.ID()
	id, linked := r.byIdent[newcomer]
	client := linked && r.peers[id].kind == PeerSeedClient
	if o.join && (!linked || client) && newcomer != o.pm.selfID {
		peers, ids := r.openPeers()
		if ok, drop := o.rules.Accept(r.core.Location(), peers, ref.Location, now); ok {
			r.dropOpen(ids, drop)
			if client { // it is linked already, through this seed: the link becomes an opennet one
				if _, err := o.pm.addPeer(ref, PeerOpennet, true, false); err != nil {
					o.log("opennet: taking a newcomer", "peer", newcomer, "err", err)
				}
			} else {
				o.pm.allow(ref)
			}
			r.sendOpen(from, peerwire.OpennetMessage{Type: peerwire.TypeAnnounceReply, ID: m.ID, Ref: o.selfRef()})
		}
	}
	htl := min(m.HTL, announceHTL)
	if htl > 0 {
		htl--
	}
	var next routing.PeerID
	for id, q := range r.peers {
		if id == from || !q.kind.routable() || q.ident == newcomer || !q.feats.Has(peerwire.FeatureOpennet) {
			continue
		}
		if next == 0 || q.loc.DistanceTo(m.Target) < r.peers[next].loc.DistanceTo(m.Target) {
			next = id
		}
	}
	if htl == 0 || next == 0 {
		r.sendOpen(from, done)
		return
	}
	o.relays[m.ID] = &openRelay{from: from, to: next, at: now}
	m.HTL = htl
	r.sendOpen(next, m)
}

// Path folding. A node that answers a request from its store offers its
// noderef back along the request's path (with the rule's probability);
// each node that relayed the Data passes it on; the originator, when it
// wants the link, answers with its own, which goes back the same way; the
// two then link.

// openDataIn notes Data for request id from peer from: for a request of
// this node's own, that the peer was useful (and where a fold would come
// from); for a relayed one, where the Data came from.
func (r *router) openDataIn(now time.Time, from routing.PeerID, id routing.RequestID) {
	if _, mine := r.local[id]; mine {
		r.open.lastSuccess[from] = now
		r.open.asked[id] = hop{peer: from, at: now}
		return
	}
	r.open.dataFrom[id] = hop{peer: from, at: now}
}

// openDataOut notes Data for request id going to peer to: relayed, its
// path is kept for a fold; answered from this node's store, the node may
// offer its noderef.
func (r *router) openDataOut(now time.Time, to routing.PeerID, id routing.RequestID) {
	o := r.open
	if h, ok := o.dataFrom[id]; ok {
		delete(o.dataFrom, id)
		o.folds[id] = foldPath{orig: to, src: h.peer, at: now}
		return
	}
	if p := r.peers[to]; o.join && p != nil && p.kind == PeerOpennet && o.rules.Fold(o.rng.Float64()) {
		o.offered[id] = hop{peer: to, at: now}
		r.sendOpen(to, peerwire.OpennetMessage{Type: peerwire.TypeFoldRef, ID: id, Ref: o.selfRef()})
	}
}

// foldRefIn passes a fold offer on toward the originator, or, at the
// originator, links to the offering node when the rules want it.
func (r *router) foldRefIn(now time.Time, from routing.PeerID, m peerwire.OpennetMessage) {
	o := r.open
	if h, ok := o.asked[m.ID]; ok && h.peer == from {
		delete(o.asked, m.ID)
		ref, err := r.openRef(from, m.Ref)
		if err != nil || !o.join {
			return
		}
		if _, linked := r.byIdent[ref.ID()]; linked || ref.ID() == o.pm.selfID {
			return
		}
		peers, ids := r.openPeers()
		if ok, drop := o.rules.Accept(r.core.Location(), peers, ref.Location, now); ok {
			r.dropOpen(ids, drop)
			r.sendOpen(from, peerwire.OpennetMessage{Type: peerwire.TypeFoldAck, ID: m.ID, Ref: o.selfRef()})
			if _, err := o.pm.addPeer(ref, PeerOpennet, true, false); err != nil {
				o.log("opennet: linking to a folded path's node", "peer", ref.ID(), "err", err)
			}
		}
		return
	}
	if f, ok := o.folds[m.ID]; ok && f.src == from {
		f.at = now
		o.folds[m.ID] = f
		r.sendOpen(f.orig, m)
	}
}

// foldAckIn passes the originator's answer back toward the offering node,
// or, there, lets the originator link.
func (r *router) foldAckIn(from routing.PeerID, m peerwire.OpennetMessage) {
	o := r.open
	if h, ok := o.offered[m.ID]; ok && h.peer == from {
		delete(o.offered, m.ID)
		if ref, err := r.openRef(from, m.Ref); err == nil {
			o.pm.allow(ref)
		}
		return
	}
	if f, ok := o.folds[m.ID]; ok && f.orig == from {
		delete(o.folds, m.ID)
		r.sendOpen(f.src, m)
	}
}
