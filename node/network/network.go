package network

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/routing"
)

// Files the network keeps in the node's directory.
const (
	// noderefFile is where a node writes its own noderef, for its friends.
	noderefFile = "noderef"
)

// FetchParallelism is how many block requests of a segment a fetch should
// keep in flight on a node with peers (clientlayer.Config.FetchParallelism):
// many at once, so that a segment's slowest routes do not set the pace.
const FetchParallelism = 32

// Network is a node's network engine: its identity, its peers and their
// links, and the router that drives the routing core over them. Start one
// with Start, stop it with Close.
type Network struct {
	cfg   Config
	dir   string
	r     *router
	pm    *peerManager
	store *blockStore
	ln    net.Listener // TransportTCP's; nil without one
	tor   *torRunner   // TransportTor only

	mu   sync.Mutex // guards id's location and self, which change when the node moves
	id   identity
	self noderef.Ref
}

// Start starts a network over ds, keeping its files (identity, peers,
// noderef, tor's state) in dir: it loads or creates the identity, starts
// the transport (in Tor mode, tor and the onion service), writes
// dir/noderef, links to the stored peers and those of cfg.Connect, and
// accepts links. ctx can cut tor's start short.
func Start(ctx context.Context, dir string, ds *datastore.Store, cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.Transport == TransportNone {
		return nil, errors.New("node: transport none runs no network")
	}
	rnd := cfg.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	id, err := loadIdentity(dir, rnd, cfg.Location)
	if err != nil {
		return nil, err
	}
	var seed [8]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("node: routing seed: %w", err)
	}
	rc := cfg.Routing
	rc.Seed, rc.Location = binary.BigEndian.Uint64(seed[:]), id.loc
	core, err := routing.New(rc)
	if err != nil {
		return nil, err
	}
	nw := &Network{cfg: cfg, dir: dir, id: id}
	var addrs, onions []string
	var dial func(context.Context, string) (net.Conn, error)
	switch cfg.Transport {
	case TransportTCP:
		if cfg.Listen != "" {
			if nw.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
				return nil, fmt.Errorf("node: peer listener: %w", err)
			}
			addrs = []string{nw.ln.Addr().String()}
		}
		var d net.Dialer
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	case TransportTor:
		// Tor starts in the background (torRunner): the node serves its
		// clients at once, and links once the onion service is up.
		key, err := loadOnionKey(filepath.Join(dir, onionKeyFile), rnd)
		if err != nil {
			return nil, err
		}
		nw.tor = newTorRunner(cfg, dir, key, cfg.bridges())
		onions, dial = []string{nw.tor.onion}, nw.tor.dial
	}
	pr := cfg.protocol()
	nw.self, err = noderef.New(id.sign, noderef.Ref{Noise: id.noise.Public, Location: id.loc, Name: cfg.Name, TCP: addrs, Onion: onions,
		Protocol: pr.Version, MinProtocol: pr.MinVersion, Features: pr.Features.Names()})
	if err != nil {
		nw.closeListener()
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, noderefFile), nw.self.Marshal()); err != nil {
		nw.closeListener()
		return nil, err
	}
	var sw *routing.Swapper
	if cfg.swaps() {
		if sw, err = nw.newSwapper(rnd); err != nil {
			nw.closeListener()
			return nil, err
		}
	}
	var open *openState
	if cfg.Opennet || cfg.Seed {
		var seed [32]byte
		if _, err := io.ReadFull(rnd, seed[:]); err != nil {
			nw.closeListener()
			return nil, fmt.Errorf("node: opennet seed: %w", err)
		}
		open = newOpenState(cfg.Rules, cfg.Opennet, seed, nw.Noderef, func(msg string, args ...any) { cfg.Logger.Info(msg, args...) }, cfg.Hooks.AnnounceRetry)
		open.traceAnnounce = cfg.Hooks.Announce
	}
	nw.r = newRouter(core, ds, cfg.Logger, cfg.Hooks, sw, nw.moved, open)
	nw.store = &blockStore{ds: ds, r: nw.r, unlinked: nw.unlinked}
	var ready <-chan struct{}
	if nw.tor != nil {
		ready = nw.tor.ready
	}
	nw.pm, err = newPeerManager(dir, cfg, dial, ready, id, nw.self, nw.r)
	if err != nil {
		nw.r.close()
		nw.closeListener()
		return nil, err
	}
	if open != nil {
		nw.r.runOnLoop(func() { open.pm = nw.pm })
	}
	for _, ref := range cfg.Seeds {
		if ref.ID() == nw.pm.selfID {
			continue // a seed's own seednodes list holds it
		}
		if _, err := nw.pm.addPeer(ref, PeerSeed, false, false); err != nil {
			cfg.Logger.Warn("opennet: skipping a seed node", "seed", ref.ID(), "err", err)
		}
	}
	if cfg.Opennet && !cfg.Seed && len(cfg.Seeds) == 0 && len(nw.pm.list()) == 0 {
		cfg.Logger.Warn("opennet: this node knows no seed node and no friend, so it cannot join the network",
			"hint", "put seed nodes' noderefs in DIR/seednodes (or pass --seednodes FILE), or add a friend's noderef with 'hams peer add FILE'")
	}
	for _, f := range cfg.Connect {
		b, err := os.ReadFile(f)
		if err == nil {
			_, err = nw.AddPeer(b)
		}
		if err != nil {
			nw.Close()
			return nil, fmt.Errorf("node: --connect %s: %w", f, err)
		}
	}
	if nw.ln != nil {
		nw.pm.wg.Add(1)
		go nw.pm.serve(nw.ln)
		cfg.Logger.Info("peers link to " + nw.ln.Addr().String())
	}
	if nw.tor != nil {
		nw.tor.start(func(ln net.Listener) {
			nw.pm.wg.Add(1)
			go nw.pm.serve(ln)
		})
	}
	return nw, nil
}

func (nw *Network) closeListener() {
	if nw.ln != nil {
		nw.ln.Close()
	}
}

// Close stops accepting, closes every link, then stops the router (local
// requests still waiting end with an error) and, in Tor mode, tor. It
// returns once every goroutine of the network has ended.
func (nw *Network) Close() {
	if nw.ln != nil {
		nw.ln.Close()
	}
	if nw.tor != nil {
		nw.tor.stop() // closes the onion listener: serve returns
	}
	nw.pm.close()
	nw.r.close()
	if sw := nw.r.swapper; sw != nil { // the loop has ended: the swapper is ours
		if err := saveSwapAttempts(nw.dir, sw.Done()); err != nil {
			nw.pm.files.warn("keeping the swap state", err)
		}
	}
}

// Store returns the block store the client layer reads and writes through
// on a node with peers: reads look in the local datastore, then the offered
// blocks, then ask the network; writes go to the network only.
func (nw *Network) Store() clientlayer.BlockStore { return nw.store }

// Arrivals returns a channel closed when a block this node looked for, and
// did not find, arrives later (an Offer from a peer, or an insert or Data
// passing through).
func (nw *Network) Arrivals() <-chan struct{} { return nw.r.offers.arrivals() }

// Noderef returns this node's signed noderef (also in DIR/noderef).
func (nw *Network) Noderef() []byte {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return nw.self.Marshal()
}

// Identity returns this node's identity as its noderef names it
// (noderef.Ref.ID): what its peers show for it.
func (nw *Network) Identity() string { return nw.pm.selfID }

// Location returns the node's location.
func (nw *Network) Location() routing.Location {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return nw.id.loc
}

// OnionAddress returns the node's onion service address ("….onion:port"),
// or "" when the transport is not Tor. It is known before the service is
// up (TorUp).
func (nw *Network) OnionAddress() string {
	if nw.tor == nil {
		return ""
	}
	return nw.tor.onion
}

// TorUp returns a channel closed once the node's onion service is first
// up; nil when the transport is not Tor.
func (nw *Network) TorUp() <-chan struct{} {
	if nw.tor == nil {
		return nil
	}
	return nw.tor.ready
}

// TorStatus returns what the node's tor is doing (State "" when the
// transport is not Tor).
func (nw *Network) TorStatus() TorStatus {
	if nw.tor == nil {
		return TorStatus{}
	}
	return nw.tor.Status()
}

// AddPeer adds (or updates) the peer whose noderef is ref and keeps it in
// DIR/peers. The node links to it when it can: at once if it has an
// address this transport dials, or when it dials this node.
func (nw *Network) AddPeer(ref []byte) (PeerInfo, error) {
	r, err := noderef.Parse(ref)
	if err != nil {
		return PeerInfo{}, err
	}
	return nw.pm.add(r, true)
}

// ListPeers returns every peer, sorted by identity.
func (nw *Network) ListPeers() []PeerInfo { return nw.pm.list() }

// RemovePeer removes the peer whose identity (noderef.Ref.ID) is id, closes
// its link and forgets its noderef. An unknown identity is an error
// matching ErrUnknownPeer.
func (nw *Network) RemovePeer(id string) (PeerInfo, error) { return nw.pm.remove(id) }

// ConnectStream links to the peer whose noderef is ref over rwc, as the
// dialling side, and adds the peer. It returns once the link is up. The
// other end runs AcceptStream.
func (nw *Network) ConnectStream(ctx context.Context, rwc io.ReadWriteCloser, ref []byte) error {
	r, err := noderef.Parse(ref)
	if err != nil {
		rwc.Close()
		return err
	}
	return nw.pm.connect(ctx, rwc, r)
}

// AcceptStream runs the answering side of a link over rwc: the peer is
// added if it presents a valid noderef and there is room.
func (nw *Network) AcceptStream(rwc io.ReadWriteCloser) error { return nw.pm.accept(rwc) }
