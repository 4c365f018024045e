package node

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/node/network"
)

// Defaults.
const (
	// DefaultFCPAddr is where FCP clients connect: loopback only.
	DefaultFCPAddr = "127.0.0.1:9481"
	// DefaultWebAddr is where hams node serves the web gateway unless told
	// otherwise: Hyphanet's FProxy port, loopback only.
	DefaultWebAddr = "127.0.0.1:8888"
	// DefaultStoreSize is the datastore budget for blocks this node stores
	// (the cache gets a quarter of it on top).
	DefaultStoreSize = 1 << 30
	// MinStoreSize is the smallest --store-size accepted.
	MinStoreSize = 4 << 20
)

// Config configures a node. Zero fields take the documented defaults.
type Config struct {
	// Dir holds everything the node keeps: the datastore (Dir/store), FCP
	// state (Dir/fcp), and the network's identity, peers, noderef and tor
	// state. Default: $XDG_DATA_HOME/hams, else ~/.local/share/hams.
	Dir string
	// FCPAddr is the FCP listen address. Default DefaultFCPAddr. A
	// non-loopback address is refused unless AllowNonLoopbackFCP is set.
	FCPAddr string
	// AllowNonLoopbackFCP allows FCP on a non-loopback address. FCP has no
	// authentication: anyone who reaches it controls the node.
	AllowNonLoopbackFCP bool
	// FCPUploadAllowedDirs are the directories FCP disk uploads may read
	// from (fcp.Config.UploadAllowedDirs, fred's node.uploadAllowedDirs):
	// absolute paths, or "all". Default nil: any directory (the client
	// still needs TestDDA read access or a ClientPut FileHash); a non-nil
	// empty list allows none.
	FCPUploadAllowedDirs []string
	// USKPollInterval is how often an FCP SubscribeUSK subscription looks
	// for a newer edition. Default fcp.DefaultUSKPollInterval.
	USKPollInterval time.Duration
	// StoreSize is the byte budget of the datastore's store region; the cache
	// region gets StoreSize/4. Default DefaultStoreSize.
	StoreSize int64
	// Logger receives the node's log lines. Default: text to stderr.
	Logger *slog.Logger
	// GoMemoryLimit, when above 0, is the soft limit on the Go runtime's
	// memory (runtime/debug.SetMemoryLimit) for the node's own work: the
	// node keeps the process's limit at this plus what its FCP server may
	// hold for its clients at the moment (fcp.Server.ClientMemory: the
	// client-data budget in use and 16 KiB per open connection), checked
	// every second, so that hostile clients who fill the budget do not
	// leave the collector running without pause. The limit is the
	// process's: set it in one node per process. Default 0: the node
	// leaves the limit alone. hams node sets 100 MiB.
	GoMemoryLimit int64
	// WebAddr is where the web gateway and status page listen
	// (gateway.DefaultAddr, 127.0.0.1:8888, is what hams node passes).
	// Default "": no gateway. A non-loopback address is refused unless
	// AllowNonLoopbackWeb is set.
	WebAddr string
	// AllowNonLoopbackWeb allows the gateway on a non-loopback address.
	// The gateway has no login: anyone who reaches it browses and
	// publishes as this node.
	AllowNonLoopbackWeb bool
	// WebSocialURL is the gateway menu's link to hams social
	// (gateway.Config.SocialURL). Default gateway.DefaultSocialURL.
	WebSocialURL string
	// Network is the node's transport and peers. Its Transport defaults to
	// network.TransportNone: no network, the node serves its own datastore
	// to local FCP clients. Its Logger defaults to the node's.
	Network network.Config
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
	if c.Network.Transport == "" {
		c.Network.Transport = network.TransportNone
	}
	if c.StoreSize == 0 {
		c.StoreSize = DefaultStoreSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Network.Logger == nil {
		c.Network.Logger = c.Logger
	}
	return c, nil
}

// Validate reports whether c (after defaults) can run.
func (c Config) Validate() error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	if err := c.Network.Validate(); err != nil {
		return err
	}
	if err := (fcp.Config{UploadAllowedDirs: c.FCPUploadAllowedDirs}).Validate(); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if c.WebAddr != "" {
		host, _, err := net.SplitHostPort(c.WebAddr)
		if err != nil {
			return fmt.Errorf("node: bad web gateway address %q: %v", c.WebAddr, err)
		}
		if !c.AllowNonLoopbackWeb && !isLoopback(host) {
			return fmt.Errorf("node: web gateway address %q is not loopback; the gateway has no login, so anyone who reaches it browses and publishes as this node", c.WebAddr)
		}
	}
	if c.USKPollInterval < 0 {
		return fmt.Errorf("node: negative USK poll interval %v", c.USKPollInterval)
	}
	if c.GoMemoryLimit < 0 {
		return fmt.Errorf("node: negative Go memory limit %d", c.GoMemoryLimit)
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
