package fcp

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// Defaults for Config.
const (
	DefaultAddr             = "127.0.0.1:9481"
	DefaultMaxDataLength    = 1 << 40
	DefaultMaxConnections   = 16384
	DefaultHandshakeTimeout = 30 * time.Second
	DefaultIdleTimeout      = 0 // FCP clients (FMS, jSite) keep idle connections open for hours
	DefaultUSKPollInterval  = 5 * time.Minute
)

// NodeInfo is what NodeHello and NodeData say about the node.
type NodeInfo struct {
	// Node is the implementation name (default "hams").
	Node string
	// Version is the version string (default "hams,0.1").
	Version string
	// Build is the build number (default 1).
	Build int
	// Revision is the source revision (default "unknown").
	Revision string
	// CompressionCodecs is fred's codec list (default "0 - GZIP").
	CompressionCodecs string
	// NodeLanguage is the UI language (default "ENGLISH").
	NodeLanguage string
	// Identity is a node identity for NodeData (default "").
	Identity string
}

// Config configures a Server. The zero value is usable: every field has a
// documented default.
type Config struct {
	// Addr is where ListenAndServe listens. Default "127.0.0.1:9481".
	Addr string
	// AllowNonLoopback permits a listen address that is not a loopback
	// address. FCP has no authentication: off by default.
	AllowNonLoopback bool
	// StateDir holds persistent requests, spooled direct uploads and the
	// data of completed direct downloads. Empty means a temporary directory
	// removed by Close; then Persistence=forever requests do not survive a
	// restart.
	StateDir string
	// MaxDataLength is the largest DataLength accepted in a message; a
	// larger one closes the connection. Default 1 TiB.
	MaxDataLength int64
	// MaxConnections bounds open connections; one more is closed at once.
	// Default 16384.
	MaxConnections int
	// HandshakeTimeout bounds the wait for ClientHello. Default 30 s;
	// negative means none.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection silent for that long. Default 0: none.
	IdleTimeout time.Duration
	// Now returns the current time for StartupTime, CompletionTime and
	// LastProgress. Default time.Now. (Handshake and idle deadlines are set
	// on the connection and use its clock.)
	Now func() time.Time
	// USKPollInterval is how often a SubscribeUSK subscription looks for a
	// newer edition. Default 5 minutes.
	USKPollInterval time.Duration
	// After waits as time.After does (USK polling). Default time.After.
	After func(time.Duration) <-chan time.Time
	// Rand is the randomness for GenerateSSK and connection identifiers.
	// Default crypto/rand.Reader.
	Rand io.Reader
	// NodeInfo fills NodeHello and NodeData.
	NodeInfo NodeInfo
	// OnShutdown is called (once, in its own goroutine) when a client sends
	// Shutdown. Nil refuses Shutdown with ProtocolError 24 (access denied).
	OnShutdown func()
	// Logger receives connection and request events. Default: discard.
	Logger *slog.Logger
}

// ConfigError is a Config field with an unusable value.
type ConfigError struct {
	Field, Msg string
}

// Error describes e.
func (e *ConfigError) Error() string { return "fcp: config: " + e.Field + ": " + e.Msg }

// Validate checks c and returns a *ConfigError for the first bad field.
func (c Config) Validate() error {
	addr := c.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return &ConfigError{"Addr", err.Error()}
	}
	if !c.AllowNonLoopback {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return &ConfigError{"Addr", fmt.Sprintf("%q is not a loopback address (set AllowNonLoopback)", host)}
		}
	}
	if c.MaxDataLength < 0 {
		return &ConfigError{"MaxDataLength", "negative"}
	}
	if c.MaxConnections < 0 {
		return &ConfigError{"MaxConnections", "negative"}
	}
	if c.IdleTimeout < 0 {
		return &ConfigError{"IdleTimeout", "negative"}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxDataLength == 0 {
		c.MaxDataLength = DefaultMaxDataLength
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.USKPollInterval <= 0 {
		c.USKPollInterval = DefaultUSKPollInterval
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	n := &c.NodeInfo
	if n.Node == "" {
		n.Node = "hams"
	}
	if n.Version == "" {
		n.Version = "hams,0.1"
	}
	if n.Build == 0 {
		n.Build = 1
	}
	if n.Revision == "" {
		n.Revision = "unknown"
	}
	if n.CompressionCodecs == "" {
		n.CompressionCodecs = "0 - GZIP"
	}
	if n.NodeLanguage == "" {
		n.NodeLanguage = "ENGLISH"
	}
	return c
}
