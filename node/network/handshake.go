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
)

// maxInboundHandshakes is how many inbound handshakes may run at once; a
// connection beyond them is closed at once.
const maxInboundHandshakes = 16

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
	if ref.ID() == pm.self.ID() {
		return errors.New("node: a link from this node's own identity")
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	ps := pm.peers[ref.ID()]
	switch {
	case ps == nil && len(pm.peers) >= pm.maxPeers:
		return errors.New("node: no room for another peer")
	case ps != nil && ps.bad && time.Now().Before(ps.retryAt):
		return errors.New("node: peer is backed off for misbehaving")
	}
	return nil
}

// accept runs the inbound side of a link on rwc.
func (pm *peerManager) accept(rwc io.ReadWriteCloser) error {
	l, err := link.Handshake(pm.ctx, rwc, false, pm.id.noise, pm.selfText, pm.verifyInbound, pm.linkCfg)
	if err != nil {
		return err
	}
	ref, err := noderef.Parse(l.RemotePayload())
	if err == nil {
		_, err = pm.add(ref, true)
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
	pm.attach(ps, l, false)
	return nil
}

// connect runs the outbound side of a link on rwc to the peer ref (which
// is added). It is how in-memory networks link nodes.
func (pm *peerManager) connect(ctx context.Context, rwc io.ReadWriteCloser, ref noderef.Ref) error {
	if _, err := pm.add(ref, true); err != nil {
		rwc.Close()
		return err
	}
	l, err := link.Handshake(ctx, rwc, true, pm.id.noise, pm.selfText, pm.verifyDialled(ref), pm.linkCfg)
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
	pm.attach(ps, l, true)
	return nil
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

// attach makes l ps's live link. When two links to the same peer exist
// (both dialled at once), both nodes keep the one dialled by the node with
// the smaller link key.
func (pm *peerManager) attach(ps *peerState, l *link.Link, initiated bool) {
	pm.mu.Lock()
	if pm.closed || isStopped(ps) {
		pm.mu.Unlock()
		l.Close()
		return
	}
	old := ps.link
	if old != nil && ps.initiated != initiated &&
		bytes.Compare(pm.initiatorKey(ps, ps.initiated), pm.initiatorKey(ps, initiated)) < 0 {
		pm.mu.Unlock()
		l.Close() // the old link is the one both sides keep
		return
	}
	ps.link, ps.initiated, ps.since, ps.ever, ps.bad, ps.lastErr = l, initiated, time.Now(), true, false, ""
	loc := ps.ref.Location
	pm.mu.Unlock()
	if old != nil {
		go old.Close()
	}
	h := &linkHandler{pm: pm, ps: ps}
	rid, ok := pm.r.addPeer(linkSender{pm: pm, ps: ps, l: l}, loc)
	if !ok {
		l.Close()
		return
	}
	h.rid = rid
	l.Start(h)
}
