package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/gateway"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
)

// Version is this release of hams. A node reports it to FCP clients as
// "hams,"+Version: NodeHello's Version and NodeData's version.
const Version = "0.1"

// Datastore memory settings for a node: small enough that the whole node
// stays well under 200 MB of RSS while moving a 256 MiB file (Pebble holds at
// most two memtables and its block cache).
const (
	nodeMemTableBytes   = 16 << 20
	nodeBlockCacheBytes = 16 << 20
)

// Node is a running hams node. Start one with Start, stop it with Close.
type Node struct {
	cfg Config
	ds  *datastore.Store
	srv *fcp.Server
	ln  net.Listener
	net *network.Network // nil with network.TransportNone

	gw      *gateway.Gateway // nil without Config.WebAddr
	webLn   net.Listener     // the gateway's listener
	webDone chan struct{}    // closed when the gateway's Serve returns

	started    time.Time     // when Start began (the status page's uptime)
	statusStop chan struct{} // closed by Close: the status sampler returns
	statusDone chan struct{} // closed when the status sampler has returned (nil: not started)

	serveDone chan struct{} // closed when Serve returns
	memStop   chan struct{} // closed by Close: keepMemoryLimit returns
	memDone   chan struct{} // closed when keepMemoryLimit has returned (nil: not started)
	shutdown  chan struct{} // closed when an FCP client asks for Shutdown
	stopOnce  sync.Once     // guards closing shutdown
	closeOnce sync.Once     // guards Close's work
	closeErr  error         // set by the first Close
}

// Start opens the node's directory and datastore, starts the FCP server and
// returns once it accepts connections, after logging "fcp listening on ADDR".
// In Tor mode tor starts in the background (TorUp, TorStatus): the node
// serves its clients from its own store at once, whatever tor is doing.
func Start(cfg Config) (*Node, error) { return StartContext(context.Background(), cfg) }

// StartContext is Start; ctx can cut tor's start short.
func StartContext(ctx context.Context, cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, _ = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("node: create %s: %w", cfg.Dir, err)
	}
	n := &Node{cfg: cfg, serveDone: make(chan struct{}), shutdown: make(chan struct{}), started: time.Now()}
	// A node without peers stores only its own inserts: no WAL, so a
	// splitfile's blocks are written to disk once, not twice, and the
	// client layer syncs (flushes) before it reports an insert done, so
	// what a user published survives any crash. A node with peers stores
	// the blocks of others' inserts as they pass, and nothing syncs them:
	// without a WAL a killed node lost those of its last 30 s (the soak
	// lost an acknowledged insert whose one stored copy was there). With
	// the WAL (in the page cache, not fsynced) they survive a crash of the
	// process, as a Hyphanet node's store does; the WAL's cost (bulk ingest
	// 410-490 MB/s instead of 550-590) is far above what links carry.
	durability := datastore.DurabilityWAL
	if cfg.Network.Transport == network.TransportNone {
		durability = datastore.DurabilityNoWAL
	}
	ds, err := datastore.Open(filepath.Join(cfg.Dir, "store"), datastore.Config{
		StoreBytes:      cfg.StoreSize,
		CacheBytes:      max(cfg.StoreSize/4, datastore.MinRegionBytes),
		Durability:      durability,
		MemTableBytes:   nodeMemTableBytes,
		BlockCacheBytes: nodeBlockCacheBytes,
		Logger:          cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("node: open datastore: %w", err)
	}
	n.ds = ds
	store, ccfg := clientlayer.NewLocalStore(ds), clientlayer.Config{}
	if cfg.Network.Transport != network.TransportNone {
		if n.net, err = network.Start(ctx, cfg.Dir, ds, cfg.Network); err != nil {
			ds.Close()
			return nil, err
		}
		store = n.net.Store()
		ccfg.FetchParallelism = network.FetchParallelism
	}
	cl, err := clientlayer.New(store, ccfg)
	if err != nil {
		n.closeNetwork()
		ds.Close()
		return nil, err
	}
	var identity string // NodeData's: the noderef's, none without a network
	if n.net != nil {
		identity = n.net.Identity()
	}
	bi, _ := debug.ReadBuildInfo()
	ni := nodeInfo(bi, identity)
	if nw := n.net; nw != nil {
		ni.Opennet = cfg.Network.Opennet || cfg.Network.Seed
		ni.Name = cfg.Network.Name
		ni.Location = func() (float64, bool) { return nw.Location().Float(), true }
	}
	be := n.backend(cl)
	srv, err := fcp.NewServer(fcp.Config{
		NodeInfo:          ni,
		Addr:              cfg.FCPAddr,
		AllowNonLoopback:  cfg.AllowNonLoopbackFCP,
		StateDir:          filepath.Join(cfg.Dir, "fcp"),
		UploadAllowedDirs: cfg.FCPUploadAllowedDirs,
		OnShutdown:        n.requestShutdown,
		USKPollInterval:   cfg.USKPollInterval,
		Logger:            cfg.Logger,
	}, be)
	if err != nil {
		n.closeNetwork()
		ds.Close()
		return nil, err
	}
	n.srv = srv
	ln, err := net.Listen("tcp", cfg.FCPAddr)
	if err != nil {
		srv.Close()
		n.closeNetwork()
		ds.Close()
		return nil, fmt.Errorf("node: FCP: %w", err)
	}
	n.ln = ln
	go func() {
		defer close(n.serveDone)
		srv.Serve(ln)
	}()
	if cfg.WebAddr != "" {
		if err := n.startWeb(be); err != nil {
			srv.Close()
			<-n.serveDone
			n.closeNetwork()
			ds.Close()
			return nil, err
		}
	}
	if cfg.GoMemoryLimit > 0 {
		n.memStop, n.memDone = make(chan struct{}), make(chan struct{})
		go n.keepMemoryLimit()
	}
	cfg.Logger.Info("fcp listening on " + ln.Addr().String())
	return n, nil
}

// nodeInfo returns what the node's NodeHello and NodeData say about it:
// the version "hams,"+Version, identity (NodeData's identity), and the
// build from bi, the binary's build information (debug.ReadBuildInfo; nil
// when there is none). Revision is the commit the binary was built from
// (vcs.revision, with "-dirty" when vcs.modified says the tree had
// uncommitted changes); Build is that commit's date as YYYYMMDD (vcs.time,
// UTC), an integer that grows with the commits as fred's build number
// grows with its releases. A binary without VCS information (go test, a
// build outside a checkout, -buildvcs=false) says Revision "unknown" and
// Build 0.
func nodeInfo(bi *debug.BuildInfo, identity string) fcp.NodeInfo {
	ni := fcp.NodeInfo{Node: "hams", Version: "hams," + Version, Revision: "unknown", Identity: identity}
	if bi == nil {
		return ni
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				ni.Build, _ = strconv.Atoi(t.UTC().Format("20060102"))
			}
		}
	}
	if rev != "" {
		ni.Revision = rev
		if dirty {
			ni.Revision += "-dirty"
		}
	}
	return ni
}

// memoryLimitEvery is how often keepMemoryLimit looks at the FCP server.
const memoryLimitEvery = time.Second

// keepMemoryLimit keeps the Go runtime's soft memory limit at
// Config.GoMemoryLimit plus what the FCP server may hold for its clients,
// rounded up to a MiB, until Close.
func (n *Node) keepMemoryLimit() {
	defer close(n.memDone)
	t := time.NewTicker(memoryLimitEvery)
	defer t.Stop()
	set := int64(-1)
	for {
		const mib = 1 << 20
		want := (n.cfg.GoMemoryLimit + n.srv.ClientMemory() + mib - 1) / mib * mib
		if want != set {
			debug.SetMemoryLimit(want)
			set = want
		}
		select {
		case <-t.C:
		case <-n.memStop:
			return
		}
	}
}

// Dir returns the node's directory (its datastore, identity, peers).
func (n *Node) Dir() string { return n.cfg.Dir }

// FCPAddr returns the address the FCP server listens on.
func (n *Node) FCPAddr() string { return n.ln.Addr().String() }

// ShutdownRequested is closed when an FCP client sends Shutdown.
func (n *Node) ShutdownRequested() <-chan struct{} { return n.shutdown }

func (n *Node) requestShutdown() { n.stopOnce.Do(func() { close(n.shutdown) }) }

// Close stops the FCP server (ending its connections and requests), the
// peer links and the router, and then closes the datastore. It is safe to
// call more than once.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.closeWeb()
		err := n.srv.Close()
		<-n.serveDone
		if n.memDone != nil {
			close(n.memStop)
			<-n.memDone
		}
		n.closeNetwork()
		n.closeErr = errors.Join(err, n.ds.Close())
	})
	return n.closeErr
}

func (n *Node) closeNetwork() {
	if n.net != nil {
		n.net.Close()
	}
}

// Run starts a node and runs it until ctx is cancelled or an FCP client asks
// for Shutdown, then stops it cleanly.
func Run(ctx context.Context, cfg Config) error {
	n, err := StartContext(ctx, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-n.ShutdownRequested():
	}
	n.cfg.Logger.Info("stopping")
	return n.Close()
}

// ErrNoNetwork is returned by the peer methods of a node without peers
// (network.TransportNone).
var ErrNoNetwork = errors.New("node: this node has no peers (--transport none)")

// Noderef returns this node's signed noderef (also in Dir/noderef), or nil
// for a node without peers.
func (n *Node) Noderef() []byte {
	if n.net == nil {
		return nil
	}
	return n.net.Noderef()
}

// TorUp returns a channel closed once the node's onion service is first
// up; nil when the node is not in Tor mode. Start does not wait for it:
// FCP serves at once, and links wait for tor.
func (n *Node) TorUp() <-chan struct{} {
	if n.net == nil {
		return nil
	}
	return n.net.TorUp()
}

// TorStatus returns what the node's tor is doing (State "" when the node
// is not in Tor mode).
func (n *Node) TorStatus() network.TorStatus {
	if n.net == nil {
		return network.TorStatus{}
	}
	return n.net.TorStatus()
}

// AddPeer adds (or updates) the peer whose noderef is ref and keeps it in
// Dir/peers. The node links to it when it can: at once if it has an address
// its transport dials, or when it dials this node.
func (n *Node) AddPeer(ref []byte) (network.PeerInfo, error) {
	if n.net == nil {
		return network.PeerInfo{}, ErrNoNetwork
	}
	return n.net.AddPeer(ref)
}

// ListPeers returns every peer, sorted by identity.
func (n *Node) ListPeers() []network.PeerInfo {
	if n.net == nil {
		return nil
	}
	return n.net.ListPeers()
}

// RemovePeer removes the peer that name names (its identity, its name or an
// address, by fcp.FindPeer's rule) and closes its link. A name that names no
// peer is an error matching network.ErrUnknownPeer.
func (n *Node) RemovePeer(name string) (network.PeerInfo, error) {
	if n.net == nil {
		return network.PeerInfo{}, ErrNoNetwork
	}
	ps := n.net.ListPeers()
	i := fcp.FindPeer(fcpPeers(ps), name)
	if i < 0 {
		return network.PeerInfo{}, fmt.Errorf("%w: %q", network.ErrUnknownPeer, name)
	}
	return n.net.RemovePeer(ps[i].Ref.ID())
}

// ConnectStream links to the peer whose noderef is ref over rwc, as the
// dialling side, and adds the peer. It returns once the link is up. The
// other end runs AcceptStream.
func (n *Node) ConnectStream(ctx context.Context, rwc io.ReadWriteCloser, ref []byte) error {
	if n.net == nil {
		rwc.Close()
		return ErrNoNetwork
	}
	return n.net.ConnectStream(ctx, rwc, ref)
}

// AcceptStream runs the answering side of a link over rwc: the peer is
// added if it presents a valid noderef and there is room.
func (n *Node) AcceptStream(rwc io.ReadWriteCloser) error {
	if n.net == nil {
		rwc.Close()
		return ErrNoNetwork
	}
	return n.net.AcceptStream(rwc)
}

// Location returns the node's location, or 0 without peers.
func (n *Node) Location() routing.Location {
	if n.net == nil {
		return 0
	}
	return n.net.Location()
}
