package network

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
)

const (
	// maxSeedClients is how many newcomers a seed node takes at once.
	maxSeedClients = 16
	// maxSeedClientsPerSource is how many of them may come from one source
	// address (TCP; over Tor the node sees none).
	maxSeedClientsPerSource = 4
	// allowFor is how long a node this node asked to link to may take to
	// dial in.
	allowFor = 5 * time.Minute
)

// Seed clients' terms; variables so that tests shorten them (a network
// reads them when it starts).
var (
	// seedClientMinAge is how long a seed client keeps its link before a
	// newcomer may take its place when the seed has no room: long enough
	// to announce and hear the answers (announcements end within
	// announceTimeout, most within seconds).
	seedClientMinAge = 30 * time.Second
	// seedClientLife is how long a seed keeps a newcomer linked at most
	// (Hyphanet's seeds: an hour; a hams announcement is over in two
	// minutes): a newcomer that still needs the seed dials again.
	seedClientLife = 10 * time.Minute
)

// errStranger refuses a dialler this node neither knows nor asked for.
var errStranger = errors.New("node: a node this node does not know, nor asked for")

// allowance lets a node this node asked for dial in (allow).
type allowance struct {
	until time.Time
	noise [32]byte // its link key, to refuse others before reading their noderefs
}

// verifyDialled checks that the node answering is the one whose noderef
// was dialled.
func (pm *peerManager) verifyDialled(want noderef.Ref) link.Verify {
	return func(peerKey [32]byte, payload []byte) error {
		if peerKey != want.Noise {
			return errors.New("node: the peer's link key is not the one in its noderef")
		}
		ref, err := noderef.Parse(payload)
		if err != nil {
			return err
		}
		if ref.ID() != want.ID() {
			return errors.New("node: the peer answered with another identity")
		}
		return nil
	}
}

// verifyInbound checks a node that dialled us (from source, "" when the
// transport shows none): its noderef must be signed, carry the link key it
// uses, and be a peer we have or have room for. A node that takes no
// strangers (opennet, not a seed) refuses a link key it neither knows
// nor asked for before it reads the noderef: a stranger costs it no
// signature check.
func (pm *peerManager) verifyInbound(source string) link.Verify {
	return func(peerKey [32]byte, payload []byte) error {
		pm.mu.Lock()
		maybe := pm.seed || !pm.opennet || pm.knownKey(peerKey)
		pm.mu.Unlock()
		if !maybe {
			return errStranger
		}
		ref, err := noderef.Parse(payload)
		if err != nil {
			return err
		}
		if peerKey != ref.Noise {
			return errors.New("node: the peer's link key is not the one in its noderef")
		}
		if ref.ID() == pm.selfID {
			return errors.New("node: a link from this node's own identity")
		}
		pm.mu.Lock()
		defer pm.mu.Unlock()
		if ps := pm.peers[ref.ID()]; ps != nil {
			if ps.bad && time.Now().Before(ps.retryAt) {
				return errors.New("node: peer is backed off for misbehaving")
			}
			return nil // a known peer: always taken
		}
		kind, ok := pm.strangerKind(ref.ID())
		switch {
		case !ok:
			return errStranger
		case kind == PeerSeedClient:
			_, err := pm.clientRoom(source, time.Now()) // the place is taken when the link is attached (addPeerFrom)
			return err
		case pm.full(kind):
			return errors.New("node: no room for another peer")
		}
		return nil
	}
}

// knownKey reports whether key is the link key of a peer, or of a node
// this node asked to dial in; pm.mu is held.
func (pm *peerManager) knownKey(key [32]byte) bool {
	for _, ps := range pm.peers {
		if ps.ref.Noise == key {
			return true
		}
	}
	now := time.Now()
	for _, a := range pm.allowed {
		if a.noise == key && now.Before(a.until) {
			return true
		}
	}
	return false
}

// clientRoom decides whether a seed takes a newcomer from source, at now.
// When all maxSeedClients are taken, the newcomer takes the place of the
// oldest client linked for at least clientMinAge, of the source that holds
// the most, and clientRoom returns its identity for removal; a source
// that holds maxSeedClientsPerSource (TCP; over Tor there are no sources)
// takes the place of its own oldest. When no client that may go is old
// enough, the newcomer is refused: each client keeps its link for
// clientMinAge at least, time to announce. pm.mu is held.
func (pm *peerManager) clientRoom(source string, now time.Time) (evict string, err error) {
	total, bySource := 0, map[string]int{}
	for _, ps := range pm.peers {
		if ps.kind == PeerSeedClient {
			total++
			bySource[ps.source]++
		}
	}
	own := capped(source) && bySource[source] >= maxSeedClientsPerSource
	if !own && total < maxSeedClients {
		return "", nil
	}
	var oldest *peerState
	for _, ps := range pm.peers {
		if ps.kind != PeerSeedClient || ps.link == nil || now.Sub(ps.termStart()) < pm.clientMinAge || own && ps.source != source {
			continue
		}
		if oldest == nil || bySource[ps.source] > bySource[oldest.source] ||
			bySource[ps.source] == bySource[oldest.source] && ps.termStart().Before(oldest.termStart()) {
			oldest = ps
		}
	}
	if oldest == nil {
		return "", errors.New("node: no room for another newcomer")
	}
	return oldest.ref.ID(), nil
}

// capped reports whether a seed holds at most maxSeedClientsPerSource
// clients from source. 127.0.0.1 is no one address among many: it is
// where every node of a test network on one machine dials from (as tor's
// streams are), so it holds no per-source cap.
func capped(source string) bool { return source != "" && source != "127.0.0.1" }

// termStart is when a seed client's term began: its link's start, or the
// term it took over (peerState.term). pm.mu is held.
func (ps *peerState) termStart() time.Time {
	if !ps.term.IsZero() && ps.term.Before(ps.since) {
		return ps.term
	}
	return ps.since
}

// strangerKind returns the kind a node this node has no peer for becomes
// when it dials in, and whether it may: an opennet peer this node asked
// for (its announcement's answer, or a path fold); a seed client, on a
// seed; a friend, on a node that does not run opennet (whoever holds a
// friends-only node's noderef was given it). pm.mu is held.
func (pm *peerManager) strangerKind(id string) (PeerKind, bool) {
	if a, ok := pm.allowed[id]; ok && time.Now().Before(a.until) {
		return PeerOpennet, true
	}
	switch {
	case pm.seed:
		return PeerSeedClient, true
	case !pm.opennet:
		return PeerDarknet, true
	}
	return 0, false
}

// allow lets the node whose noderef is ref dial in as an opennet peer for
// a while (this node answered its announcement, or folded a path to it).
func (pm *peerManager) allow(ref noderef.Ref) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	now := time.Now()
	for k, a := range pm.allowed {
		if now.After(a.until) {
			delete(pm.allowed, k)
		}
	}
	pm.allowed[ref.ID()] = allowance{until: now.Add(allowFor), noise: ref.Noise}
}

// accept runs the inbound side of a link on rwc.
func (pm *peerManager) accept(rwc io.ReadWriteCloser) error { return pm.acceptFrom(rwc, "", nil) }

// acceptFrom runs the inbound side of a link on rwc, from source, holding
// the handshake slot t (nil: none) until the dialler has named itself.
func (pm *peerManager) acceptFrom(rwc io.ReadWriteCloser, source string, t *ticket) error {
	verify := pm.verifyInbound(source)
	if t != nil {
		defer t.release()
		check := verify
		verify = func(peerKey [32]byte, payload []byte) error {
			t.identified()
			return check(peerKey, payload)
		}
	}
	l, err := link.Handshake(pm.ctx, pm.r.stats.countStream(rwc), false, pm.id.noise, pm.selfNoderef(), verify, pm.linkCfg)
	if err != nil {
		return err
	}
	ref, err := noderef.Parse(l.RemotePayload())
	if err == nil {
		pm.mu.Lock()
		kind, ok := PeerDarknet, true
		if ps := pm.peers[ref.ID()]; ps != nil {
			kind = ps.kind
		} else {
			kind, ok = pm.strangerKind(ref.ID())
			delete(pm.allowed, ref.ID())
		}
		pm.mu.Unlock()
		if !ok {
			err = errStranger
		} else {
			_, err = pm.addInbound(ref, kind, source)
		}
	}
	if err != nil {
		l.Close()
		return err
	}
	pm.mu.Lock()
	ps := pm.peers[ref.ID()]
	pm.mu.Unlock()
	if ps == nil { // removed meanwhile
		l.Close()
		return ErrUnknownPeer
	}
	return pm.attach(ps, l, false)
}

// connect runs the outbound side of a link on rwc to the peer ref (which
// is added). It is how in-memory networks link nodes.
func (pm *peerManager) connect(ctx context.Context, rwc io.ReadWriteCloser, ref noderef.Ref) error {
	if _, err := pm.add(ref, true); err != nil {
		rwc.Close()
		return err
	}
	l, err := link.Handshake(ctx, pm.r.stats.countStream(rwc), true, pm.id.noise, pm.selfNoderef(), pm.verifyDialled(ref), pm.linkCfg)
	if err != nil {
		return err
	}
	pm.mu.Lock()
	ps := pm.peers[ref.ID()]
	pm.mu.Unlock()
	if ps == nil {
		l.Close()
		return ErrUnknownPeer
	}
	return pm.attach(ps, l, true)
}

// serve accepts links on ln until it is closed. Each connection takes a
// handshake slot (admit.go); when all are taken, the node closes the
// connection that has waited longest for its dialler, or the newcomer
// when every slot holds a handshake under way.
func (pm *peerManager) serve(ln net.Listener) {
	defer pm.wg.Done()
	var lastLog time.Time
	var logged uint64
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		source := ""
		if !pm.onion { // over Tor, every stream comes from tor on 127.0.0.1
			source = sourceOf(conn.RemoteAddr())
		}
		ac := &admittedConn{Conn: conn}
		t, evicted := pm.admit.admit(source, ac)
		if t == nil {
			conn.Close()
		}
		if (t == nil || evicted) && time.Since(lastLog) >= pressureLogEvery {
			st := pm.admit.Stats()
			pm.log.Warn("peer port full: closing the connections that wait longest for their dialler (an attack, or too many peers dialling at once)",
				"closed", st.Evicted+st.Refused-logged, "slots", pm.admit.slots)
			lastLog, logged = time.Now(), st.Evicted+st.Refused
		}
		if t == nil {
			continue
		}
		ac.t = t
		pm.wg.Add(1)
		go func() {
			defer pm.wg.Done()
			if err := pm.acceptFrom(ac, source, t); err != nil && pm.ctx.Err() == nil {
				pm.log.Debug("inbound link refused", "remote", conn.RemoteAddr(), "err", err)
			}
		}()
	}
}

// initiatorKey returns the link key of the node that dialled a link to ps.
func (pm *peerManager) initiatorKey(ps *peerState, initiated bool) []byte {
	if initiated {
		return pm.id.noise.Public[:]
	}
	return ps.ref.Noise[:]
}

// attach makes l ps's live link, if the two nodes' protocols allow it:
// the features both declared decide what the link speaks, and a peer whose
// version is below this node's minimum (or whose minimum is above this
// node's version) is not linked, and shown as such (a *VersionError). Both
// sides of a link decide the same from the same two noderefs, so each one
// reports the reason itself. When two links to the same peer exist (both
// dialled at once), both nodes keep the one dialled by the node with the
// smaller link key.
func (pm *peerManager) attach(ps *peerState, l *link.Link, initiated bool) error {
	remote, err := noderef.Parse(l.RemotePayload()) // verified in the handshake
	if err != nil {
		l.Close()
		return err
	}
	feats, verr := pm.negotiate(remote)
	pm.mu.Lock()
	if pm.closed || isStopped(ps) {
		pm.mu.Unlock()
		l.Close()
		return errRouterClosed
	}
	if remote.ID() == ps.ref.ID() && !bytes.Equal(remote.Marshal(), ps.ref.Marshal()) {
		// The peer's current noderef (its version, features, addresses):
		// keep it, as AddPeer would.
		ps.ref, ps.loc = remote, remote.Location
		if err := pm.saveIfKept(remote, ps.kind); err != nil {
			pm.files.warn("keeping a peer's noderef", err, "peer", remote.ID())
		}
	}
	ps.loc = remote.Location // where the peer is now
	if verr != nil {
		pm.incompatible(ps, verr)
		pm.mu.Unlock()
		l.Close()
		return verr
	}
	old := ps.link
	if old != nil && ps.initiated != initiated &&
		bytes.Compare(pm.initiatorKey(ps, ps.initiated), pm.initiatorKey(ps, initiated)) < 0 {
		pm.mu.Unlock()
		l.Close() // the old link is the one both sides keep
		return nil
	}
	ps.link, ps.initiated, ps.since, ps.ever, ps.bad, ps.lastErr = l, initiated, time.Now(), true, false, ""
	ps.incompat, ps.feats = nil, feats
	loc, kind := ps.loc, ps.kind
	pm.mu.Unlock()
	if old != nil {
		go old.Close()
	}
	h := &linkHandler{pm: pm, ps: ps, feats: feats}
	rid, ok := pm.r.addPeer(linkSender{pm: pm, ps: ps, l: l}, ps.ref.ID(), loc, feats, kind)
	if !ok {
		l.Close()
		return errRouterClosed
	}
	h.rid = rid
	l.Start(h)
	return nil
}

// negotiate returns the features a link with the node whose current
// noderef is ref speaks (those both declared; a noderef from before
// negotiation declares peerwire.LegacyFeatures), or a *VersionError when
// the two versions do not link.
func (pm *peerManager) negotiate(ref noderef.Ref) (peerwire.Features, *VersionError) {
	ve := &VersionError{Peer: ref.ProtocolVersion(), PeerMin: ref.MinProtocolVersion(), Mine: pm.proto.Version, MyMin: pm.proto.MinVersion}
	switch {
	case ve.Peer < ve.MyMin:
		ve.TooOld = true
		return 0, ve
	case ve.Mine < ve.PeerMin:
		return 0, ve
	}
	theirs := peerwire.LegacyFeatures
	if ref.Negotiates() {
		theirs = peerwire.ParseFeatures(ref.Features)
	}
	return pm.proto.Features & theirs, nil
}

// incompatible records that ps's version and this node's do not link; pm.mu
// is held. The operator hears of it once per change (the log, and the
// peer's status); the peer is dialled again after incompatibleBackoff, and
// linked at once if it dials with a noderef that fits.
func (pm *peerManager) incompatible(ps *peerState, ve *VersionError) {
	if ps.incompat == nil || *ps.incompat != *ve {
		pm.log.Warn("peer not linked: protocol versions do not fit", "peer", ps.ref.ID(), "name", ps.ref.Name, "err", ve)
	}
	ps.incompat, ps.lastErr = ve, ve.Error()
	ps.retryAt = time.Now().Add(incompatibleBackoff)
}
