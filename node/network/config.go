package network

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// DefaultMaxPeers is how many peers a node links to at most.
const DefaultMaxPeers = 32

// Transport names how a node reaches peers.
type Transport string

// Transports.
const (
	// TransportNone: no peers; the node serves local FCP clients from its
	// own datastore. Start refuses it: a node without peers runs no
	// network.
	TransportNone Transport = "none"
	// TransportTCP: peer links over TCP (loopback networks, tests, LANs).
	TransportTCP Transport = "tcp"
	// TransportTor: peer links as Tor onion services: the node's own tor
	// (started and stopped with it) publishes a v3 onion service, and
	// peers are dialled through tor only.
	TransportTor Transport = "tor"
	// TransportMemory: peer links only over streams handed to
	// Network.ConnectStream and Network.AcceptStream (in-process networks).
	TransportMemory Transport = "memory"
)

// Config configures a node's network: its transport and its peers. Zero
// fields take the documented defaults.
type Config struct {
	// Transport is how the node reaches peers. Default TransportNone (no
	// network at all).
	Transport Transport
	// Listen is the TCP address peers link to (TransportTCP): an IP
	// address and port; port 0 picks a free port. Empty: no inbound links
	// (the noderef then carries no address). Never a host name.
	Listen string
	// Connect lists noderef files of peers to add at start (they are kept
	// in DIR/peers, so a restart links to them again).
	Connect []string
	// Name is the node's name in its noderef (fred's myName); optional.
	Name string
	// Location, when set, pins the node's location on the circle (saved
	// with its identity): it does not swap. Default: drawn at random on
	// first start, then kept, and changed by swapping.
	Location *routing.Location
	// Opennet makes the node join strangers' nodes (docs/wire.md,
	// Opennet): it announces itself through Seeds and its peers until it
	// holds Rules.Peers opennet peers, links to the nodes whose answers it
	// chose, and folds paths; it does not swap (its location stays the one
	// drawn at its first start). It links to no stranger that it did not
	// ask for. False: friends only (darknet).
	Opennet bool
	// Seeds are the noderefs of the seed nodes an opennet node announces
	// itself through (hams node --seednodes).
	Seeds []noderef.Ref
	// Seed makes the node a seed: it takes links from newcomers it does
	// not know (at most 16 at once) and passes their announcements on.
	Seed bool
	// Rules are the opennet rules' parameters (routing.Opennet); zero
	// fields take its defaults.
	Rules routing.Opennet
	// SwapInterval is the mean time between the node's swap attempts
	// (docs/wire.md, Swapping); negative: the node does not swap. It swaps
	// only when its location is not pinned. Default
	// routing.DefaultSwapInterval; test networks swap faster.
	SwapInterval time.Duration
	// SwapAnnealRamp is how many of its first swap attempts the node
	// anneals over; negative: none. Default routing.DefaultAnnealRamp.
	SwapAnnealRamp int
	// MaxPeers is the most peers the node links to. Default
	// DefaultMaxPeers.
	MaxPeers int
	// HandshakeSlots is how many inbound connections may be in their
	// handshake at once, before the dialler has named itself; when all are
	// taken, a new connection takes the slot of the one that has waited
	// longest for its dialler (of the source holding the most, where the
	// transport shows sources). Default DefaultHandshakeSlots (256).
	// docs/link.md §9.
	HandshakeSlots int
	// Link configures peer links (keepalives, timeouts); zero fields take
	// link's defaults, but for Link.FirstMessageTimeout in Tor mode, which
	// defaults to DefaultTorFirstMessageTimeout (6 s).
	Link link.Config
	// Routing configures the routing core; the network sets Seed and
	// Location. Zero fields take routing's defaults.
	Routing routing.Config
	// TorPath is the tor binary (TransportTor). Default: tor on PATH.
	TorPath string
	// TorPort is the onion service's port. Default 9482.
	TorPort int
	// TorExtraTorrc are extra torrc lines for the node's tor: a private
	// test network's (internal/tornet) client lines.
	TorExtraTorrc []string
	// TorBridges are the torrc lines that make tor reach the Tor network
	// only through bridges (node/torbridge.Torrc: UseBridges, Bridge and
	// ClientTransportPlugin lines); empty: tor connects directly. They are
	// secret: never logged, never in the noderef.
	TorBridges []string
	// TorAttemptTimeout bounds one attempt at starting tor (bootstrap and
	// onion publication); the node then starts tor again, after a wait
	// that grows from 5 s to 5 minutes, for as long as it runs. Default
	// tor.DefaultStartTimeout (3 minutes).
	TorAttemptTimeout time.Duration
	// Rand is the source of the node's keys, location and routing seed.
	// Default crypto/rand; tests pass a seeded one.
	Rand io.Reader
	// Logger receives the network's log lines. Default: text to stderr
	// (a node passes its own).
	Logger *slog.Logger

	// Protocol, when set, replaces what this node declares it speaks
	// (docs/wire.md, Versions and features): a test knob, so that tests run
	// nodes of other versions, or without a feature, beside current ones.
	// Nil: the current version, minimum and every feature.
	Protocol *Protocol
	// Hooks are test knobs, not settings: they let tests watch what the
	// network does. A node never needs them.
	Hooks Hooks
}

// Protocol is what a node declares it speaks, in its noderef: its protocol
// version, the oldest version it links with, and its optional kinds.
type Protocol struct {
	Version, MinVersion int
	Features            peerwire.Features
}

// swaps reports whether the node swaps its location: a friends-only node
// whose location is not pinned, and swapping is not off.
// torrc returns the extra torrc lines of the node's tor: the test
// network's, then the bridges'.
func (c Config) torrc() []string {
	return append(append([]string(nil), c.TorExtraTorrc...), c.TorBridges...)
}

// bridges counts the bridges of TorBridges.
func (c Config) bridges() int {
	n := 0
	for _, l := range c.TorBridges {
		if strings.HasPrefix(l, "Bridge ") {
			n++
		}
	}
	return n
}

func (c Config) swaps() bool { return c.Location == nil && c.SwapInterval >= 0 && !c.Opennet }

// validate reports whether p can be declared.
func (p Protocol) validate() error {
	switch {
	case p.Version < 1 || p.Version > 65535:
		return fmt.Errorf("node: protocol version %d is not in 1 to 65535", p.Version)
	case p.MinVersion < 1 || p.MinVersion > p.Version:
		return fmt.Errorf("node: minimum protocol version %d is not in 1 to %d", p.MinVersion, p.Version)
	case !peerwire.AllFeatures.Has(p.Features):
		return fmt.Errorf("node: features %#x include some this build does not speak", uint32(p.Features))
	}
	return nil
}

// Hooks let tests watch a network; nil fields are skipped.
type Hooks struct {
	// Send sees every routing message the router sends (on its loop).
	Send func(routing.Message)
	// Neighbours sees every peer's PeerLocations list the routing core
	// took, with the peer's location (on the router's loop).
	Neighbours func(peer routing.Location, locs []routing.Location)
	// TorDials sees every TCP connection the Tor transport opens.
	TorDials func(network, addr string)
	// Frame sees the wire type of every message the router sends a peer,
	// with the peer's location (on the router's loop).
	Frame func(peer routing.Location, typ byte)
	// SwapPaused, polled at every tick, pauses the node's own swap
	// attempts while it returns true (it still answers others').
	SwapPaused func() bool
	// SwapReveal sees each of the node's swap reveals before the node
	// commits to it, on the router's loop, and returns what the node
	// reveals: the reveal itself, or a lie (routing.SwapConfig.Lie; a
	// Pitch Black attacker).
	SwapReveal func(routing.SwapReveal) routing.SwapReveal
	// AnnounceRetry, when above 0, replaces the minute between the
	// announcements of an opennet node short of peers after its first
	// 2 x Peers.
	AnnounceRetry time.Duration
	// Announce sees each announcement of this node's own as it is sent
	// (not those it relays), on the router's loop.
	Announce func()
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Transport == "" {
		c.Transport = TransportNone
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return c
}

// Validate reports whether c (after defaults) can run. TransportNone is
// valid here (it is how a node says it has no network), though Start
// refuses it.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Transport {
	case TransportNone, TransportMemory:
		if c.Listen != "" {
			return fmt.Errorf("node: --listen needs --transport tcp")
		}
	case TransportTCP:
		if c.Listen != "" {
			ap, err := netip.ParseAddrPort(c.Listen)
			if err != nil {
				return fmt.Errorf("node: bad listen address %q: want IP:port, e.g. 127.0.0.1:9482 (never a host name)", c.Listen)
			}
			if ap.Addr().IsUnspecified() {
				return fmt.Errorf("node: listen address %q: give the IP address peers dial (it goes into the noderef), not %s", c.Listen, ap.Addr())
			}
		}
	case TransportTor:
		if c.Listen != "" {
			return fmt.Errorf("node: --listen is for --transport tcp; in Tor mode the onion service is the only way in")
		}
	default:
		return fmt.Errorf("node: unknown transport %q (want none, tcp or tor)", c.Transport)
	}
	if c.Transport == TransportNone && len(c.Connect) > 0 {
		return fmt.Errorf("node: --connect needs a transport with peers (--transport tcp)")
	}
	if c.MaxPeers < 1 {
		return fmt.Errorf("node: MaxPeers %d is below 1", c.MaxPeers)
	}
	if err := validateSlots(c.HandshakeSlots); err != nil {
		return err
	}
	if n := c.Routing.MaxPeerNeighbours; n != 0 && n < peerwire.MaxPeerLocations {
		// A peer may send up to 64 (docs/wire.md); the core refuses a longer
		// list, and a refused list costs the peer its link.
		return fmt.Errorf("node: Routing.MaxPeerNeighbours %d is below %d, the most locations a peer may send", n, peerwire.MaxPeerLocations)
	}
	if c.Protocol != nil {
		if err := c.Protocol.validate(); err != nil {
			return err
		}
	}
	if err := c.Rules.Validate(); err != nil {
		return err
	}
	return c.Link.Validate()
}

// protocol returns what the node declares: every feature of this build it
// runs (swapping only when it swaps, opennet only when it runs opennet or
// is a seed).
func (c Config) protocol() Protocol {
	if c.Protocol != nil {
		return *c.Protocol
	}
	p := Protocol{Version: peerwire.ProtocolVersion, MinVersion: peerwire.MinProtocolVersion, Features: peerwire.AllFeatures}
	if !c.swaps() {
		p.Features &^= peerwire.FeatureSwapping
	}
	if !c.Opennet && !c.Seed {
		p.Features &^= peerwire.FeatureOpennet
	}
	return p
}
