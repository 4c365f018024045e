package node

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// Defaults.
const (
	// DefaultFCPAddr is where FCP clients connect: loopback only.
	DefaultFCPAddr = "127.0.0.1:9481"
	// DefaultStoreSize is the datastore budget for blocks this node stores
	// (the cache gets a quarter of it on top).
	DefaultStoreSize = 1 << 30
	// MinStoreSize is the smallest --store-size accepted.
	MinStoreSize = 4 << 20
	// DefaultMaxPeers is how many peers a node links to at most.
	DefaultMaxPeers = 32
)

// Transport names how a node reaches peers.
type Transport string

// Transports.
const (
	// TransportNone: no peers; the node serves local FCP clients from its
	// own datastore.
	TransportNone Transport = "none"
	// TransportTCP: peer links over TCP (loopback networks, tests, LANs).
	TransportTCP Transport = "tcp"
	// TransportTor: peer links as Tor onion services: the node's own tor
	// (started and stopped with it) publishes a v3 onion service, and
	// peers are dialled through tor only.
	TransportTor Transport = "tor"
	// TransportMemory: peer links only over streams handed to
	// Node.ConnectStream and Node.AcceptStream (in-process networks).
	TransportMemory Transport = "memory"
)

// Config configures a node. Zero fields take the documented defaults.
type Config struct {
	// Dir holds everything the node keeps: the datastore (Dir/store), FCP
	// state (Dir/fcp). Default: $XDG_DATA_HOME/hams, else ~/.local/share/hams.
	Dir string
	// FCPAddr is the FCP listen address. Default DefaultFCPAddr. A
	// non-loopback address is refused unless AllowNonLoopbackFCP is set.
	FCPAddr string
	// AllowNonLoopbackFCP allows FCP on a non-loopback address. FCP has no
	// authentication: anyone who reaches it controls the node.
	AllowNonLoopbackFCP bool
	// Transport is how the node reaches peers. Default TransportNone.
	Transport Transport
	// Listen is the TCP address peers link to (TransportTCP): an IP
	// address and port; port 0 picks a free port. Empty: no inbound links
	// (the noderef then carries no address). Never a host name.
	Listen string
	// Connect lists noderef files of peers to add at start (they are kept
	// in Dir/peers, so a restart links to them again).
	Connect []string
	// Name is the node's name in its noderef (fred's myName); optional.
	Name string
	// Location, when set, is the node's location on the circle (saved with
	// its identity). Default: drawn at random on first start, then kept.
	Location *routing.Location
	// MaxPeers is the most peers the node links to. Default
	// DefaultMaxPeers.
	MaxPeers int
	// Link configures peer links (keepalives, timeouts); zero fields take
	// link's defaults.
	Link link.Config
	// Routing configures the routing core; the node sets Seed and
	// Location. Zero fields take routing's defaults.
	Routing routing.Config
	// TorPath is the tor binary (TransportTor). Default: tor on PATH.
	TorPath string
	// TorPort is the onion service's port. Default 9482.
	TorPort int
	// TorExtraTorrc are extra torrc lines for the node's tor: a private
	// test network's (internal/tornet) client lines.
	TorExtraTorrc []string
	// Rand is the source of the node's keys, location and routing seed.
	// Default crypto/rand; tests pass a seeded one.
	Rand io.Reader

	// traceSend, in tests, sees every routing message the node sends.
	traceSend func(routing.Message)
	// traceNeighbours, in tests, sees every peer's PeerLocations list the
	// routing core took, with the peer's location.
	traceNeighbours func(peer routing.Location, locs []routing.Location)
	// torDials, in tests, sees every TCP connection the node's Tor
	// transport opens.
	torDials func(network, addr string)
	// USKPollInterval is how often an FCP SubscribeUSK subscription looks
	// for a newer edition. Default fcp.DefaultUSKPollInterval.
	USKPollInterval time.Duration
	// StoreSize is the byte budget of the datastore's store region; the cache
	// region gets StoreSize/4. Default DefaultStoreSize.
	StoreSize int64
	// Logger receives the node's log lines. Default: text to stderr.
	Logger *slog.Logger
}

// DefaultDir returns the default node directory: $XDG_DATA_HOME/hams, or
// ~/.local/share/hams.
func DefaultDir() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "hams"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("node: no home directory for the default --dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "hams"), nil
}

// withDefaults fills zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return c, err
		}
		c.Dir = d
	}
	if c.FCPAddr == "" {
		c.FCPAddr = DefaultFCPAddr
	}
	if c.Transport == "" {
		c.Transport = TransportNone
	}
	if c.StoreSize == 0 {
		c.StoreSize = DefaultStoreSize
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return c, nil
}

// Validate reports whether c (after defaults) can run.
func (c Config) Validate() error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
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
	if c.USKPollInterval < 0 {
		return fmt.Errorf("node: negative USK poll interval %v", c.USKPollInterval)
	}
	if n := c.Routing.MaxPeerNeighbours; n != 0 && n < peerwire.MaxPeerLocations {
		// A peer may send up to 64 (docs/peerwire.md); the core refuses a longer
		// list, and a refused list costs the peer its link.
		return fmt.Errorf("node: Routing.MaxPeerNeighbours %d is below %d, the most locations a peer may send", n, peerwire.MaxPeerLocations)
	}
	if err := c.Link.Validate(); err != nil {
		return err
	}
	if c.StoreSize < MinStoreSize {
		return fmt.Errorf("node: store size %d is below the minimum %d", c.StoreSize, MinStoreSize)
	}
	host, _, err := net.SplitHostPort(c.FCPAddr)
	if err != nil {
		return fmt.Errorf("node: bad FCP address %q: %v", c.FCPAddr, err)
	}
	if !c.AllowNonLoopbackFCP && !isLoopback(host) {
		return fmt.Errorf("node: FCP address %q is not loopback; FCP has no authentication, so anyone who reaches it controls the node", c.FCPAddr)
	}
	return nil
}

// isLoopback reports whether host is a loopback IP or "localhost". It never
// resolves a name.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseSize parses a byte size: a number of bytes, optionally with a unit
// K, M, G or T, written with or without "B" or "iB" and in any case. All
// units are binary (1K = 1024). Examples: "500M", "10GiB", "1.5g", "4096".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || f < 0 {
		return 0, fmt.Errorf("node: bad size %q (want e.g. 500M, 10GiB or a number of bytes)", s)
	}
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "b"), "i")
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("node: bad size unit in %q (want K, M, G or T)", s)
	}
	v := f * mult
	if v > 1<<62 {
		return 0, fmt.Errorf("node: size %q is too large", s)
	}
	return int64(v), nil
}
