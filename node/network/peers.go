package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// PeerStatus is a peer's state. FCP reports it with fred's names
// (fcp.PeerConnected and the others).
type PeerStatus uint8

// Peer states.
const (
	// PeerNeverConnected: no link to the peer has come up yet.
	PeerNeverConnected PeerStatus = iota
	// PeerConnected: the peer is linked.
	PeerConnected
	// PeerDisconnected: the peer was linked once and is not now.
	PeerDisconnected
	// PeerBackedOff: the peer misbehaved, and waits before it may link
	// again.
	PeerBackedOff
	// PeerTooOld: the peer's protocol version is below this node's
	// minimum: it must upgrade.
	PeerTooOld
	// PeerTooNew: the peer links only with versions newer than this
	// node's: this node must upgrade.
	PeerTooNew
)

var peerStatusNames = [...]string{PeerNeverConnected: "never connected", PeerConnected: "connected",
	PeerDisconnected: "disconnected", PeerBackedOff: "backed off", PeerTooOld: "too old", PeerTooNew: "too new"}

// String names the state in words, for logs.
func (s PeerStatus) String() string {
	if int(s) < len(peerStatusNames) {
		return peerStatusNames[s]
	}
	return fmt.Sprintf("PeerStatus(%d)", uint8(s))
}

// PeerKind is how a node came to have a peer.
type PeerKind uint8

// Peer kinds.
const (
	// PeerDarknet: a friend, added by its noderef (AddPeer, --connect);
	// kept in DIR/peers and never dropped for an opennet peer.
	PeerDarknet PeerKind = iota
	// PeerOpennet: a stranger's node linked by announcement or path
	// folding (docs/wire.md, Opennet); kept in DIR/opennet, dropped when a
	// more useful one comes.
	PeerOpennet
	// PeerSeed: a seed node this node announces itself through; not routed
	// through, and let go once the node has its opennet peers.
	PeerSeed
	// PeerSeedClient: a newcomer announcing itself through this seed
	// node; not routed through.
	PeerSeedClient
)

var peerKindNames = [...]string{PeerDarknet: "darknet", PeerOpennet: "opennet", PeerSeed: "seed", PeerSeedClient: "seed client"}

// String names the kind.
func (k PeerKind) String() string {
	if int(k) < len(peerKindNames) {
		return peerKindNames[k]
	}
	return fmt.Sprintf("PeerKind(%d)", uint8(k))
}

// routable reports whether requests are routed over links of this kind.
func (k PeerKind) routable() bool { return k == PeerDarknet || k == PeerOpennet }

// PeerInfo describes one peer.
type PeerInfo struct {
	// Ref is the peer's noderef: the one it last linked with, or else the
	// one it was added with.
	Ref noderef.Ref
	// Location is where the peer is: its noderef's location, or where it
	// said it moved since (a swap).
	Location routing.Location
	// Kind is how this node came to have the peer.
	Kind   PeerKind
	Status PeerStatus
	// Since is when the current link came up (Status PeerConnected).
	Since time.Time
	// Features are the optional kinds the current link speaks: those both
	// nodes declared (0 when not connected).
	Features peerwire.Features
	// LastError says why the last link or dial failed.
	LastError string
}

// VersionError is why two nodes do not link: one's protocol version is
// below the other's minimum (docs/wire.md, Versions and features). Each
// side finds it from the two noderefs of the handshake.
type VersionError struct {
	// TooOld: the peer's version is below this node's minimum. Otherwise
	// this node's version is below the peer's minimum.
	TooOld bool
	// Peer and PeerMin are the peer's version and minimum; Mine and MyMin
	// this node's.
	Peer, PeerMin, Mine, MyMin int
}

func (e *VersionError) Error() string {
	if e.TooOld {
		return fmt.Sprintf("node: the peer speaks protocol version %d, older than %d, the oldest this node links with: the peer must upgrade", e.Peer, e.MyMin)
	}
	return fmt.Sprintf("node: the peer links only with protocol version %d or later, and this node speaks %d: upgrade hams to link with it", e.PeerMin, e.Mine)
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
	// term, when set, is when a seed client's term began, if earlier than
	// since: taken over from the client of its source it replaced.
	term     time.Time
	ever     bool // a link came up once
	lastErr  string
	backoff  time.Duration
	retryAt  time.Time
	bad      bool          // backed off for misbehaving
	incompat *VersionError // the versions did not fit, last time they met
	feats    peerwire.Features
	loc      routing.Location // where the peer is: its noderef's, then its Location messages
	kind     PeerKind
	source   string        // a seed client's source address (TCP), for the per-source budget
	wake     chan struct{} // pokes the dialer (capacity 1)
	stop     chan struct{} // closed when the peer is removed
}

// peerManager keeps the peer table, dials peers, accepts links, and hands
// every link to the router.
type peerManager struct {
	dir      string // friends' noderefs
	openDir  string // opennet peers' noderefs
	opennet  bool   // the node runs opennet: it links to strangers it asked for, not to any
	seed     bool   // the node is a seed: it takes newcomers, for their announcements
	maxPeers int
	linkCfg  link.Config
	dial     func(ctx context.Context, addr string) (net.Conn, error) // nil: no outbound links
	ready    <-chan struct{}                                          // closed once dial works (tor up); nil: at once
	onion    bool                                                     // dial peers' onion addresses (Tor) rather than their TCP ones
	log      *slog.Logger
	files    *fileWarnings // failed writes of the node's own files
	id       identity
	selfID   string // this node's identity, as noderef.Ref.ID
	r        *router
	proto    Protocol // what this node declares

	ctx    context.Context // cancelled by close: ends dialers and handshakes
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the manager starts
	admit  *admitter      // the inbound handshakes' slots

	// Seed clients' terms (seedClientMinAge, seedClientLife); tests
	// shorten them.
	clientMinAge, clientLife time.Duration

	mu       sync.Mutex // guards peers, closed, selfText, allowed and every peerState's fields
	peers    map[string]*peerState
	allowed  map[string]allowance // identities this node asked to link to as opennet peers
	closed   bool
	selfText []byte // this node's noderef, the handshake payload (it changes when the node moves)
}

// newPeerManager returns the peer manager of a network over dir, with the
// settings of cfg, dialling with dial (nil: no outbound links), and loads
// the peers kept there.
func newPeerManager(dir string, cfg Config, dial func(context.Context, string) (net.Conn, error), ready <-chan struct{},
	id identity, self noderef.Ref, r *router) (*peerManager, error) {
	slots := cfg.HandshakeSlots
	if slots == 0 {
		slots = DefaultHandshakeSlots
	}
	linkCfg := cfg.Link
	if cfg.Transport == TransportTor && linkCfg.FirstMessageTimeout == 0 {
		linkCfg.FirstMessageTimeout = DefaultTorFirstMessageTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	pm := &peerManager{dir: filepath.Join(dir, peersDir), openDir: filepath.Join(dir, opennetDir), maxPeers: cfg.MaxPeers,
		linkCfg: linkCfg, dial: dial, ready: ready, onion: cfg.Transport == TransportTor, opennet: cfg.Opennet, seed: cfg.Seed, log: cfg.Logger,
		id: id, selfID: self.ID(), selfText: self.Marshal(), r: r, proto: cfg.protocol(), ctx: ctx, cancel: cancel,
		admit: newAdmitter(slots, linkCfg.WithDefaults().FirstMessageTimeout/minWaitShare, time.Now), clientMinAge: seedClientMinAge, clientLife: seedClientLife,
		peers: map[string]*peerState{}, allowed: map[string]allowance{}, files: newFileWarnings(cfg.Logger, time.Now)}
	for _, d := range []string{pm.dir, pm.openDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			cancel()
			return nil, fmt.Errorf("node: %w", err)
		}
	}
	pm.loadStored()
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

// add adds or updates a friend's peer (darknet) and persists it when save
// is set.
func (pm *peerManager) add(ref noderef.Ref, save bool) (PeerInfo, error) {
	return pm.addPeer(ref, PeerDarknet, save, false)
}

// addInbound adds or updates the peer of kind whose link is being attached
// now (it dialled this node, from source): its dialer waits rather than
// dial a second link to it, which one side would close at once.
func (pm *peerManager) addInbound(ref noderef.Ref, kind PeerKind, source string) (PeerInfo, error) {
	return pm.addPeerFrom(ref, kind, true, true, source)
}

// addPeer adds or updates a peer of kind. A friend stays a friend: a peer
// added as darknet is never made another kind, and an opennet peer added
// as darknet becomes one. Darknet and opennet peers are kept (when save
// is set), seeds and seed clients are not. A friend the operator adds
// (darknet, not inbound) always has room: MaxPeers bounds the peers the
// node takes by itself (opennet peers, seeds, and the strangers that dial
// a friends-only node), so that nobody who dials in can crowd out a
// friend.
func (pm *peerManager) addPeer(ref noderef.Ref, kind PeerKind, save, inbound bool) (PeerInfo, error) {
	return pm.addPeerFrom(ref, kind, save, inbound, "")
}

// addPeerFrom is addPeer for a peer that dialled in from source: a seed
// client takes a newcomer slot (clientRoom), in place of an older client
// when the seed has no room.
func (pm *peerManager) addPeerFrom(ref noderef.Ref, kind PeerKind, save, inbound bool, source string) (PeerInfo, error) {
	if ref.ID() == pm.selfID {
		return PeerInfo{}, errors.New("node: that noderef is this node's own")
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.closed {
		return PeerInfo{}, errRouterClosed
	}
	ps, ok := pm.peers[ref.ID()]
	if ok && ps.kind == PeerDarknet {
		kind = PeerDarknet
	}
	var term time.Time // a seed client's term, taken over from its source's client it replaces
	switch {
	case ok:
	case kind == PeerSeedClient && inbound:
		evict, err := pm.clientRoom(source, time.Now())
		if err != nil {
			return PeerInfo{}, err
		}
		if old := pm.peers[evict]; old != nil {
			if capped(source) && old.source == source {
				// A source cycling identities through its own places
				// gains no fresh minimum terms: the newcomer goes on
				// with the term of the client it replaces, so a real
				// newcomer from elsewhere can still take the place.
				term = old.termStart()
			}
			pm.dropLocked(old)
		}
	case (kind != PeerDarknet || inbound) && pm.full(kind):
		return PeerInfo{}, fmt.Errorf("node: already %d peers, the most this node takes", pm.maxPeers)
	}
	if ok && ps.kind != kind && ps.kind.routable() {
		if err := pm.forget(ps.ref, ps.kind); err != nil { // it moves to the other folder
			return PeerInfo{}, err
		}
	}
	if save && kind.routable() {
		if err := pm.save(ref, kind); err != nil {
			return PeerInfo{}, err
		}
	}
	if ok {
		if ps.kind != kind && ps.link != nil {
			// A seed (client) becomes an opennet peer, or a stranger a
			// friend: the router starts routing over the live link.
			ident := ref.ID()
			go pm.r.setKind(ident, kind)
		}
		ps.kind = kind
		if ref.Noise != ps.ref.Noise && ps.link != nil {
			go ps.link.Close() // the peer changed its link key: relink
		}
		ps.ref, ps.loc = ref, ref.Location
		if inbound && ps.link == nil {
			ps.retryAt = later(ps.retryAt, time.Now().Add(dialTimeout))
		}
		return pm.info(ps), nil
	}
	ps = &peerState{ref: ref, loc: ref.Location, kind: kind, source: source, term: term, backoff: minBackoff, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	if inbound {
		ps.retryAt = time.Now().Add(dialTimeout)
	}
	pm.peers[ref.ID()] = ps
	if pm.dial != nil && len(pm.addrs(ref)) > 0 && kind != PeerSeedClient {
		pm.wg.Add(1)
		go pm.dialer(ps)
	}
	return pm.info(ps), nil
}

// full reports whether a new peer of kind has no room; pm.mu is held. Seed
// clients have a budget of their own; every other peer counts against
// maxPeers.
func (pm *peerManager) full(kind PeerKind) bool {
	clients := 0
	for _, ps := range pm.peers {
		if ps.kind == PeerSeedClient {
			clients++
		}
	}
	if kind == PeerSeedClient {
		return clients >= maxSeedClients
	}
	return len(pm.peers)-clients >= pm.maxPeers
}

// info describes ps; pm.mu is held.
func (pm *peerManager) info(ps *peerState) PeerInfo {
	pi := PeerInfo{Ref: ps.ref, Location: ps.loc, Kind: ps.kind, LastError: ps.lastErr}
	switch {
	case ps.link != nil:
		pi.Status, pi.Since, pi.Features = PeerConnected, ps.since, ps.feats
	case ps.incompat != nil && ps.incompat.TooOld:
		pi.Status = PeerTooOld
	case ps.incompat != nil:
		pi.Status = PeerTooNew
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

// remove removes the peer whose identity is id, closes its link and
// forgets its noderef.
func (pm *peerManager) remove(id string) (PeerInfo, error) {
	pm.mu.Lock()
	ps := pm.peers[id]
	if ps == nil {
		pm.mu.Unlock()
		return PeerInfo{}, fmt.Errorf("%w: %q", ErrUnknownPeer, id)
	}
	delete(pm.peers, ps.ref.ID())
	close(ps.stop)
	pi := pm.info(ps)
	l := ps.link
	pm.mu.Unlock()
	if l != nil {
		l.Close()
	}
	return pi, pm.forget(ps.ref, ps.kind)
}

// dropLocked removes ps, a peer that is not kept on disk (a seed client),
// and closes its link in the background; pm.mu is held.
func (pm *peerManager) dropLocked(ps *peerState) {
	delete(pm.peers, ps.ref.ID())
	close(ps.stop)
	if ps.link != nil {
		go ps.link.Close()
	}
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

func isStopped(ps *peerState) bool {
	select {
	case <-ps.stop:
		return true
	default:
		return false
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// peerMoved records that ps moved to loc (its Location message).
func (pm *peerManager) peerMoved(ps *peerState, loc routing.Location) {
	pm.mu.Lock()
	ps.loc = loc
	pm.mu.Unlock()
}

// selfNoderef returns this node's noderef, for a handshake.
func (pm *peerManager) selfNoderef() []byte {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.selfText
}

// setSelf replaces this node's noderef (it moved).
func (pm *peerManager) setSelf(ref noderef.Ref) {
	pm.mu.Lock()
	pm.selfText = ref.Marshal()
	pm.mu.Unlock()
}
