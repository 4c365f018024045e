package network

import (
	"context"
	"time"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/routing"
)

// Dialling and backoff policy.
const (
	minBackoff     = 500 * time.Millisecond // first retry after a failed dial or a lost link
	maxBackoff     = time.Minute
	stableLink     = 30 * time.Second // a link that lived this long resets the backoff
	badPeerBackoff = 5 * time.Minute  // a peer that sent garbage waits this long
	dialTimeout    = 10 * time.Second
	// incompatibleBackoff is how long a peer whose protocol version does
	// not fit waits before this node dials it again (it may have upgraded;
	// if it dials first, it is linked at once).
	incompatibleBackoff = 30 * time.Minute
)

// dialer keeps ps linked while it has TCP addresses: it dials when ps has
// no link and its backoff has passed.
func (pm *peerManager) dialer(ps *peerState) {
	defer pm.wg.Done()
	for n := 0; ; n++ {
		pm.mu.Lock()
		connected, wait, ref := ps.link != nil, time.Until(ps.retryAt), ps.ref
		pm.mu.Unlock()
		if connected || wait > 0 {
			var timer <-chan time.Time
			if !connected {
				timer = time.After(wait)
			}
			select {
			case <-pm.ctx.Done():
				return
			case <-ps.stop:
				return
			case <-ps.wake:
			case <-timer:
			}
			continue
		}
		addrs := pm.addrs(ref)
		if len(addrs) == 0 {
			return // updated to a ref this transport cannot dial
		}
		if pm.ready != nil { // the transport (tor) is not up yet: no dial, no backoff
			select {
			case <-pm.ready:
			case <-pm.ctx.Done():
				return
			case <-ps.stop:
				return
			}
		}
		addr := addrs[n%len(addrs)]
		l, err := pm.dialOne(addr, ref)
		if err != nil {
			if pm.ctx.Err() != nil {
				return
			}
			pm.failed(ps, err, false)
			continue
		}
		_ = pm.attach(ps, l, true) // a refusal is kept on ps (its status, its next dial)
	}
}

func (pm *peerManager) dialOne(addr string, ref noderef.Ref) (*link.Link, error) {
	ctx, cancel := context.WithTimeout(pm.ctx, dialTimeout)
	defer cancel()
	conn, err := pm.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return link.Handshake(pm.ctx, pm.r.stats.countStream(conn), true, pm.id.noise, pm.selfNoderef(), pm.verifyDialled(ref), pm.linkCfg)
}

// failed records a failed dial or a lost link and sets the next retry.
func (pm *peerManager) failed(ps *peerState, err error, bad bool) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if err != nil {
		ps.lastErr = err.Error()
	}
	now := time.Now()
	switch {
	case bad:
		ps.bad, ps.backoff, ps.retryAt = true, badPeerBackoff, now.Add(badPeerBackoff)
	case ps.bad && now.Before(ps.retryAt):
		// still serving a misbehaviour backoff
	default:
		ps.bad = false
		ps.backoff = min(2*ps.backoff, maxBackoff)
		ps.retryAt = now.Add(ps.backoff)
	}
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

// detached is called when l, a link of ps, has ended.
func (pm *peerManager) detached(ps *peerState, l *link.Link, rid routing.PeerID, err error) {
	pm.r.removePeer(rid, linkSender{pm: pm, ps: ps, l: l})
	pm.mu.Lock()
	if ps.link != l {
		pm.mu.Unlock()
		return // replaced by a newer link
	}
	ps.link = nil
	if time.Since(ps.since) >= stableLink {
		ps.backoff = minBackoff / 2 // doubled to minBackoff by failed
	}
	pm.mu.Unlock()
	if pm.ctx.Err() == nil {
		pm.failed(ps, err, isMisbehaviour(err))
		if err != nil {
			pm.log.Info("peer link lost", "peer", ps.ref.ID(), "name", ps.ref.Name, "err", err)
		}
	}
}
