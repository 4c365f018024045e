package node

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

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/tor"
	"github.com/hamsnet/hams/routing"
)

// noderefFile is where a node writes its own noderef, for its friends.
const noderefFile = "noderef"

// networkFetchParallelism is how many block requests of a segment a fetch
// keeps in flight on a node with peers.
const networkFetchParallelism = 32

// ErrNoNetwork is returned by the peer methods of a node without peers
// (TransportNone).
var ErrNoNetwork = errors.New("node: this node has no peers (--transport none)")

// network is what a node with peers runs on top of its datastore.
type network struct {
	id   identity
	self noderef.Ref
	r    *router
	pm   *peerManager
	ln   net.Listener   // nil without Listen
	tor  *tor.Transport // TransportTor only
}

func startNetwork(ctx context.Context, cfg Config, ds *datastore.Store) (*network, error) {
	rnd := cfg.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	id, err := loadIdentity(cfg.Dir, rnd, cfg.Location)
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
	nw := &network{id: id}
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
		if nw.tor, err = startTor(ctx, cfg); err != nil {
			return nil, err
		}
		nw.ln, onions, dial = nw.tor.Listener(), []string{nw.tor.Address()}, nw.tor.Dial
	}
	nw.self, err = noderef.New(id.sign, noderef.Ref{Noise: id.noise.Public, Location: id.loc, Name: cfg.Name, TCP: addrs, Onion: onions})
	if err != nil {
		nw.closeListener()
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(cfg.Dir, noderefFile), nw.self.Marshal()); err != nil {
		nw.closeListener()
		return nil, err
	}
	nw.r = newRouter(core, ds, cfg.Logger, routerHooks{send: cfg.traceSend, neighbours: cfg.traceNeighbours})
	nw.pm, err = newPeerManager(cfg.Dir, cfg.MaxPeers, cfg.Link, dial, cfg.Transport == TransportTor, cfg.Logger, id, nw.self, nw.r)
	if err != nil {
		nw.r.close()
		nw.closeListener()
		return nil, err
	}
	for _, f := range cfg.Connect {
		b, err := os.ReadFile(f)
		if err == nil {
			_, err = nw.addPeer(b)
		}
		if err != nil {
			nw.close()
			return nil, fmt.Errorf("node: --connect %s: %w", f, err)
		}
	}
	if nw.ln != nil {
		nw.pm.wg.Add(1)
		go nw.pm.serve(nw.ln)
		if nw.tor != nil {
			cfg.Logger.Info("reachable at " + nw.tor.Address())
		} else {
			cfg.Logger.Info("peers link to " + nw.ln.Addr().String())
		}
	}
	return nw, nil
}

func (nw *network) addPeer(ref []byte) (PeerInfo, error) {
	r, err := noderef.Parse(ref)
	if err != nil {
		return PeerInfo{}, err
	}
	return nw.pm.add(r, true)
}

func (nw *network) closeListener() {
	if nw.ln != nil {
		nw.ln.Close()
	}
	if nw.tor != nil {
		nw.tor.Close()
	}
}

// close stops accepting, closes every link, then stops the router and,
// in Tor mode, tor.
func (nw *network) close() {
	if nw.ln != nil {
		nw.ln.Close()
	}
	nw.pm.close()
	nw.r.close()
	if nw.tor != nil {
		nw.tor.Close()
	}
}

// Noderef returns this node's signed noderef (also in Dir/noderef), or nil
// for a node without peers.
func (n *Node) Noderef() []byte {
	if n.net == nil {
		return nil
	}
	return n.net.self.Marshal()
}

// AddPeer adds (or updates) the peer whose noderef is ref and keeps it in
// Dir/peers. The node links to it when it can: at once if it has a TCP
// address, or when it dials this node.
func (n *Node) AddPeer(ref []byte) (PeerInfo, error) {
	if n.net == nil {
		return PeerInfo{}, ErrNoNetwork
	}
	return n.net.addPeer(ref)
}

// ListPeers returns every peer, sorted by identity.
func (n *Node) ListPeers() []PeerInfo {
	if n.net == nil {
		return nil
	}
	return n.net.pm.list()
}

// RemovePeer removes the peer named by its identity, name or an address,
// and closes its link.
func (n *Node) RemovePeer(id string) (PeerInfo, error) {
	if n.net == nil {
		return PeerInfo{}, ErrNoNetwork
	}
	return n.net.pm.remove(id)
}

// ConnectStream links to the peer whose noderef is ref over rwc, as the
// dialling side, and adds the peer. It returns once the link is up. The
// other end runs AcceptStream.
func (n *Node) ConnectStream(ctx context.Context, rwc io.ReadWriteCloser, ref []byte) error {
	if n.net == nil {
		rwc.Close()
		return ErrNoNetwork
	}
	r, err := noderef.Parse(ref)
	if err != nil {
		rwc.Close()
		return err
	}
	return n.net.pm.connect(ctx, rwc, r)
}

// AcceptStream runs the answering side of a link over rwc: the peer is
// added if it presents a valid noderef and there is room.
func (n *Node) AcceptStream(rwc io.ReadWriteCloser) error {
	if n.net == nil {
		rwc.Close()
		return ErrNoNetwork
	}
	return n.net.pm.accept(rwc)
}

// Location returns the node's location, or 0 without peers.
func (n *Node) Location() routing.Location {
	if n.net == nil {
		return 0
	}
	return n.net.id.loc
}
