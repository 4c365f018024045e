package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// Peer link policy.
const (
	peersDir             = "peers"
	minBackoff           = 500 * time.Millisecond // first retry after a failed dial or a lost link
	maxBackoff           = time.Minute
	stableLink           = 30 * time.Second // a link that lived this long resets the backoff
	badPeerBackoff       = 5 * time.Minute  // a peer that sent garbage waits this long
	dialTimeout          = 10 * time.Second
	maxInboundHandshakes = 16
)

// PeerStatus is a peer's state, named as fred's FCP volatile.status.
type PeerStatus string

// Peer states.
const (
	PeerConnected      PeerStatus = "CONNECTED"
	PeerDisconnected   PeerStatus = "DISCONNECTED"
	PeerBackedOff      PeerStatus = "BACKED OFF"
	PeerNeverConnected PeerStatus = "NEVER CONNECTED"
)

// PeerInfo describes one peer.
type PeerInfo struct {
	Ref       noderef.Ref
	Status    PeerStatus
	Since     time.Time // when the current link came up (Status CONNECTED)
	LastError string    // why the last link or dial failed
}

// ErrUnknownPeer is returned for a peer this node does not have.
var ErrUnknownPeer = errors.New("node: unknown peer")

// peerState is one peer. Its fields are guarded by peerManager.mu.
type peerState struct {
	ref       noderef.Ref
	link      *link.Link // the live link, nil when disconnected
	rid       routing.PeerID
	initiated bool // this node dialled the live link
	since     time.Time
	ever      bool // a link came up once
	lastErr   string
	backoff   time.Duration
	retryAt   time.Time
	bad       bool          // backed off for misbehaving
	wake      chan struct{} // pokes the dialer (capacity 1)
	stop      chan struct{} // closed when the peer is removed
}

// peerManager keeps the peer table, dials peers, accepts links, and hands
// every link to the router.
type peerManager struct {
	dir      string
	maxPeers int
	linkCfg  link.Config
	dial     func(ctx context.Context, addr string) (net.Conn, error) // nil: no outbound links
	onion    bool                                                     // dial peers' onion addresses (Tor) rather than their TCP ones
	log      *slog.Logger
	id       identity
	self     noderef.Ref
	selfText []byte
	r        *router

	ctx    context.Context // cancelled by close: ends dialers and handshakes
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the manager starts
	hsSem  chan struct{}  // inbound handshakes in progress

	mu     sync.Mutex // guards peers, closed and every peerState's fields
	peers  map[string]*peerState
	closed bool
}

func newPeerManager(dir string, maxPeers int, cfg link.Config, dial func(context.Context, string) (net.Conn, error), onion bool,
	log *slog.Logger, id identity, self noderef.Ref, r *router) (*peerManager, error) {
	ctx, cancel := context.WithCancel(context.Background())
	pm := &peerManager{dir: filepath.Join(dir, peersDir), maxPeers: maxPeers, linkCfg: cfg, dial: dial, onion: onion, log: log,
		id: id, self: self, selfText: self.Marshal(), r: r, ctx: ctx, cancel: cancel,
		hsSem: make(chan struct{}, maxInboundHandshakes), peers: map[string]*peerState{}}
	if err := os.MkdirAll(pm.dir, 0o700); err != nil {
		cancel()
		return nil, fmt.Errorf("node: %w", err)
	}
	paths, _ := filepath.Glob(filepath.Join(pm.dir, "*.noderef"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			var ref noderef.Ref
			if ref, err = noderef.Parse(b); err == nil {
				_, err = pm.add(ref, false)
			}
		}
		if err != nil {
			log.Warn("skipping a stored peer", "file", p, "err", err)
		}
	}
	return pm, nil
}

// addrs returns the addresses of ref this node dials: onion addresses in
// Tor mode (never a TCP one: no byte leaves but through Tor), TCP ones
// otherwise.
func (pm *peerManager) addrs(ref noderef.Ref) []string {
	if pm.onion {
		return ref.Onion
	}
	return ref.TCP
}

func peerFile(ref noderef.Ref) string { return fmt.Sprintf("%x.noderef", []byte(ref.Identity)) }

// add adds or updates a peer and persists it when save is set.
func (pm *peerManager) add(ref noderef.Ref, save bool) (PeerInfo, error) {
	if ref.ID() == pm.self.ID() {
		return PeerInfo{}, errors.New("node: that noderef is this node's own")
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.closed {
		return PeerInfo{}, errRouterClosed
	}
	ps, ok := pm.peers[ref.ID()]
	if !ok && len(pm.peers) >= pm.maxPeers {
		return PeerInfo{}, fmt.Errorf("node: already %d peers, the most this node takes", pm.maxPeers)
	}
	if save {
		if err := writeFileAtomic(filepath.Join(pm.dir, peerFile(ref)), ref.Marshal()); err != nil {
			return PeerInfo{}, err
		}
	}
	if ok {
		if ref.Noise != ps.ref.Noise && ps.link != nil {
			go ps.link.Close() // the peer changed its link key: relink
		}
		ps.ref = ref
		return pm.info(ps), nil
	}
	ps = &peerState{ref: ref, backoff: minBackoff, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	pm.peers[ref.ID()] = ps
	if pm.dial != nil && len(pm.addrs(ref)) > 0 {
		pm.wg.Add(1)
		go pm.dialer(ps)
	}
	return pm.info(ps), nil
}

// info describes ps; pm.mu is held.
func (pm *peerManager) info(ps *peerState) PeerInfo {
	pi := PeerInfo{Ref: ps.ref, LastError: ps.lastErr}
	switch {
	case ps.link != nil:
		pi.Status, pi.Since = PeerConnected, ps.since
	case ps.bad:
		pi.Status = PeerBackedOff
	case !ps.ever:
		pi.Status = PeerNeverConnected
	default:
		pi.Status = PeerDisconnected
	}
	return pi
}

func (pm *peerManager) list() []PeerInfo {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	out := make([]PeerInfo, 0, len(pm.peers))
	for _, ps := range pm.peers {
		out = append(out, pm.info(ps))
	}
	slices.SortFunc(out, func(a, b PeerInfo) int { return strings.Compare(a.Ref.ID(), b.Ref.ID()) })
	return out
}

// find returns the peer named by its identity, name or an address; pm.mu
// is held.
func (pm *peerManager) find(name string) *peerState {
	if ps, ok := pm.peers[name]; ok {
		return ps
	}
	for _, ps := range pm.peers {
		if ps.ref.Name == name && name != "" || slices.Contains(ps.ref.TCP, name) || slices.Contains(ps.ref.Onion, name) {
			return ps
		}
	}
	return nil
}

func (pm *peerManager) remove(name string) (PeerInfo, error) {
	pm.mu.Lock()
	ps := pm.find(name)
	if ps == nil {
		pm.mu.Unlock()
		return PeerInfo{}, fmt.Errorf("%w: %q", ErrUnknownPeer, name)
	}
	delete(pm.peers, ps.ref.ID())
	close(ps.stop)
	pi := pm.info(ps)
	l := ps.link
	pm.mu.Unlock()
	if l != nil {
		l.Close()
	}
	if err := os.Remove(filepath.Join(pm.dir, peerFile(ps.ref))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return pi, fmt.Errorf("node: remove peer: %w", err)
	}
	return pi, nil
}

// close stops every dialer and handshake and closes every link.
func (pm *peerManager) close() {
	pm.mu.Lock()
	pm.closed = true
	var links []*link.Link
	for _, ps := range pm.peers {
		if ps.link != nil {
			links = append(links, ps.link)
		}
	}
	pm.mu.Unlock()
	pm.cancel()
	for _, l := range links {
		l.Close()
	}
	pm.wg.Wait()
}

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
		addr := addrs[n%len(addrs)]
		l, err := pm.dialOne(addr, ref)
		if err != nil {
			if pm.ctx.Err() != nil {
				return
			}
			pm.failed(ps, err, false)
			continue
		}
		pm.attach(ps, l, true)
	}
}

func (pm *peerManager) dialOne(addr string, ref noderef.Ref) (*link.Link, error) {
	ctx, cancel := context.WithTimeout(pm.ctx, dialTimeout)
	defer cancel()
	conn, err := pm.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return link.Handshake(pm.ctx, conn, true, pm.id.noise, pm.selfText, pm.verifyDialled(ref), pm.linkCfg)
}

// verifyDialled checks that the node answering is the one whose noderef
// was dialled.
func (pm *peerManager) verifyDialled(want noderef.Ref) link.Verify {
	return func(rs [32]byte, payload []byte) error {
		if rs != want.Noise {
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
func (pm *peerManager) verifyInbound(rs [32]byte, payload []byte) error {
	ref, err := noderef.Parse(payload)
	if err != nil {
		return err
	}
	if rs != ref.Noise {
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

func isStopped(ps *peerState) bool {
	select {
	case <-ps.stop:
		return true
	default:
		return false
	}
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
	pm.r.removePeer(rid)
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

// errMisbehaving wraps what a peer did wrong; it costs the peer
// badPeerBackoff.
type errMisbehaving struct{ err error }

func (e errMisbehaving) Error() string { return e.err.Error() }
func (e errMisbehaving) Unwrap() error { return e.err }

func isMisbehaviour(err error) bool {
	var m errMisbehaving
	return errors.As(err, &m) || errors.Is(err, link.ErrAuth) || errors.Is(err, link.ErrMalformed)
}

// linkHandler decodes a link's frames, verifies their blocks and passes
// them, and PeerLocations, to the router.
type linkHandler struct {
	pm  *peerManager
	ps  *peerState
	rid routing.PeerID
}

func (h *linkHandler) HandleFrame(l *link.Link, frame []byte) error {
	wm, err := peerwire.DecodeMessage(frame)
	if err != nil {
		return errMisbehaving{err}
	}
	if wm.Type == peerwire.TypePeerLocations {
		h.pm.r.deliverPeerLocations(h.rid, wm.Locations)
		return nil
	}
	m := wm.Routing
	if m.Block != nil {
		if err := keys.VerifyBlock(m.Key, m.Block); err != nil {
			return errMisbehaving{fmt.Errorf("node: peer sent a block that does not verify: %w", err)}
		}
		m.Block = bytes.Clone(m.Block) // the frame is reused after this call
	}
	h.pm.r.deliver(h.rid, m)
	return nil
}

func (h *linkHandler) LinkClosed(l *link.Link, err error) {
	h.pm.detached(h.ps, l, h.rid, err)
}

// linkSender is how the router sends on a link.
type linkSender struct {
	pm *peerManager
	ps *peerState
	l  *link.Link
}

// send queues frame. A link already closing takes nothing more; its end
// removes the peer from the router, so that is not an error here.
func (s linkSender) send(frame []byte) error {
	if err := s.l.Send(frame); err != nil && !errors.Is(err, link.ErrClosed) {
		return err
	}
	return nil
}

// drop closes the link of a misbehaving peer without waiting (the router's
// loop calls it, and a link's reader may be waiting for that loop).
func (s linkSender) drop(err error) {
	s.pm.failed(s.ps, errMisbehaving{err}, true)
	go s.l.Close()
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}
