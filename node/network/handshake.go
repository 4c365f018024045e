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
	// maxInboundHandshakes is how many inbound handshakes may run at once;
	// a connection beyond them is closed at once.
	maxInboundHandshakes = 16
	// maxSeedClients is how many newcomers a seed node takes at once.
	maxSeedClients = 16
	// allowFor is how long a node this node asked to link to may take to
	// dial in.
	allowFor = 5 * time.Minute
)

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

// verifyInbound checks a node that dialled us: its noderef must be signed,
// carry the link key it uses, and be a peer we have or have room for.
func (pm *peerManager) verifyInbound(peerKey [32]byte, payload []byte) error {
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
	ps := pm.peers[ref.ID()]
	if ps != nil {
		if ps.bad && time.Now().Before(ps.retryAt) {
			return errors.New("node: peer is backed off for misbehaving")
		}
		return nil
	}
	kind, ok := pm.strangerKind(ref.ID())
	switch {
	case !ok:
		return errors.New("node: a node this node does not know, nor asked for")
	case pm.full(kind):
		return errors.New("node: no room for another peer")
	}
	return nil
}

// strangerKind returns the kind a node this node has no peer for becomes
// when it dials in, and whether it may: an opennet peer this node asked
// for (its announcement's answer, or a path fold); a seed client, on a
// seed; a friend, on a node that does not run opennet (whoever holds a
// friends-only node's noderef was given it). pm.mu is held.
func (pm *peerManager) strangerKind(id string) (PeerKind, bool) {
	if until, ok := pm.allowed[id]; ok && time.Now().Before(until) {
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

// allow lets the node whose identity is id dial in as an opennet peer for a
// while (this node answered its announcement, or folded a path to it).
func (pm *peerManager) allow(id string) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	now := time.Now()
	for k, until := range pm.allowed {
		if now.After(until) {
			delete(pm.allowed, k)
		}
	}
	pm.allowed[id] = now.Add(allowFor)
}

// accept runs the inbound side of a link on rwc.
func (pm *peerManager) accept(rwc io.ReadWriteCloser) error {
	l, err := link.Handshake(pm.ctx, rwc, false, pm.id.noise, pm.selfNoderef(), pm.verifyInbound, pm.linkCfg)
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
			err = errors.New("node: a node this node does not know, nor asked for")
		} else {
			_, err = pm.addInbound(ref, kind)
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
	l, err := link.Handshake(ctx, rwc, true, pm.id.noise, pm.selfNoderef(), pm.verifyDialled(ref), pm.linkCfg)
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

// serve accepts links on ln until it is closed.
func (pm *peerManager) serve(ln net.Listener) {
	defer pm.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		select {
		case pm.hsSem <- struct{}{}:
		default:
			conn.Close() // too many handshakes at once
			continue
		}
		pm.wg.Add(1)
		go func() {
			defer pm.wg.Done()
			defer func() { <-pm.hsSem }()
			if err := pm.accept(conn); err != nil && pm.ctx.Err() == nil {
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
			pm.log.Warn("keeping a peer's noderef", "peer", remote.ID(), "err", err)
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
