package fcp

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
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

	// Hostile clients (docs/fcp.md, "Memory and hostile clients").
	DefaultMaxBufferedBytes = 32 << 20
	DefaultStreamCharge     = 16 << 20
	DefaultMaxHeaderBytes   = 4 << 20
	DefaultMaxFields        = 65536
	DefaultFreeHeaderBytes  = 4 << 10
	DefaultStallTimeout     = 60 * time.Second
)

// connectionOverhead is what a connection holds beyond its free header
// part: its goroutine's stack (4–8 KiB), its state (about 3 KiB) and its
// read buffer while data arrives (4 KiB).
const connectionOverhead = 12 << 10

// MemoryBound returns the most memory the server holds for its clients
// with conns connections open: MaxBufferedBytes, plus for each connection
// its goroutine, state and read buffer (12 KiB) and FreeHeaderBytes. What
// running requests hold once their data has arrived (the backend's
// inserts and fetches) comes on top. A program that limits the Go
// runtime's memory (GOMEMLIMIT) should leave this much room for as many
// connections as it expects, or the collector runs without pause when
// clients fill it.
func (c Config) MemoryBound(conns int) int64 {
	c = c.withDefaults()
	return c.MaxBufferedBytes + int64(conns)*int64(connectionOverhead+c.FreeHeaderBytes)
}

// Timer is a timer started by Config.AfterFunc; *time.Timer is one.
type Timer interface {
	// Stop prevents the timer from firing; false when it has fired or
	// been stopped already.
	Stop() bool
}

// NodeInfo is what NodeHello and NodeData say about the node. The server
// knows none of it by itself: the node fills it in (node.Start does), and
// the defaults say that it is not known rather than claim a version.
type NodeInfo struct {
	// Node is the implementation name (default "hams").
	Node string
	// Version is the version string, fred's "name,version" shape: NodeHello's
	// Version and NodeData's version (default "hams,unknown").
	Version string
	// Build is the build number, an integer as fred's (0, the default: none).
	Build int
	// Revision is the source revision (default "unknown").
	Revision string
	// CompressionCodecs is fred's codec list (default "0 - GZIP").
	CompressionCodecs string
	// NodeLanguage is the UI language (default "ENGLISH").
	NodeLanguage string
	// Identity is the node's identity for NodeData's identity field: for
	// hams, its noderef identity as Peer messages give it (default "": a
	// node without one, which is not on any network).
	Identity string
	// Opennet says whether the node links to strangers (opennet or seed
	// node): NodeData's opennet and ConfigData's node.opennet.enabled
	// (default false).
	Opennet bool
	// Name is the name in the node's noderef (fred's myName), sent in
	// NodeData only when GetNode asks WithPrivate=true: it may name the
	// person who runs the node (default "": none).
	Name string
	// Location, when not nil, returns the node's current location in
	// [0, 1) and true (false: it has none), sent in NodeData only when
	// GetNode asks WithPrivate=true (default nil: none).
	Location func() (float64, bool)
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

	// MaxBufferedBytes is the node-wide budget for client data held in
	// memory, whose lifetime the client controls: message headers beyond
	// FreeHeaderBytes each, from their first line until they have been
	// handled, and direct uploads streamed into their insert while their
	// data arrives (StreamCharge each; streams take at most half the
	// budget). A direct upload the budget cannot cover is spooled to a file
	// under StateDir and inserted once it has arrived, as fred puts client
	// data in a temporary file when its RAM buckets are full; a header it
	// cannot cover is read, dropped and refused with a non-fatal
	// ProtocolError 3. Default 32 MiB: fred gives its RAM buckets a tenth of
	// its heap, hams node's Go memory limit is 100 MiB, and at that size
	// one large upload at a time still streams.
	MaxBufferedBytes int64
	// StreamCharge is what one streamed upload of more than 64 KiB takes
	// of MaxBufferedBytes while its data arrives, whatever its size (a
	// smaller one takes 64 KiB). Default 16 MiB: hams's client layer sets
	// up two buffers of one segment (128 data and 128 check blocks of
	// 32 KiB) for any file larger than its 64 KiB sample.
	StreamCharge int64
	// MaxHeaderBytes bounds the field lines of one message (and so what one
	// connection has in a header at a time); more is a fatal ProtocolError
	// 3. Default 4 MiB: a ClientPutComplexDir of about 15,000 files.
	MaxHeaderBytes int
	// MaxFields bounds the fields of one message; more is a fatal
	// ProtocolError 3. Default 65536.
	MaxFields int
	// FreeHeaderBytes is the part of each message's header (bytes plus 128
	// per field, fcpwire.HeaderCost) not charged to MaxBufferedBytes, so
	// that ordinary messages are never refused for want of it. Default
	// 4 KiB; each connection can hold that much outside the budget.
	FreeHeaderBytes int
	// StallTimeout closes a connection that sends nothing for that long in
	// the middle of a message (its header or its data), after a fatal
	// ProtocolError 3 when the connection takes it. Between messages only
	// IdleTimeout applies. Default 60 s (nginx's client_body_timeout);
	// negative means none.
	StallTimeout time.Duration
	// AfterFunc starts the StallTimeout timers, as time.AfterFunc does.
	// Default time.AfterFunc; tests inject a fake clock here.
	AfterFunc func(d time.Duration, f func()) Timer
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
	// UploadAllowedDirs are the directories disk uploads (ClientPut
	// UploadFrom=disk, ClientPutDiskDir, ClientPutComplexDir's disk files)
	// may read from, as fred's node.uploadAllowedDirs: absolute paths
	// (a file under one, symbolic links resolved, is allowed), or "all"
	// for any directory. A file outside them is refused with ProtocolError
	// 24 whatever TestDDA or FileHash say. Default nil: any directory, as
	// fred's default "all" (a client still needs TestDDA read access to the
	// directory, or a FileHash proving it knows the file's content). A
	// non-nil empty list allows no disk upload, as fred's empty value.
	UploadAllowedDirs []string
	// OnShutdown is called (once, in its own goroutine) when a client sends
	// Shutdown. Nil refuses Shutdown with ProtocolError 24 (access denied).
	OnShutdown func()
	// Logger receives connection and request events. What the server
	// refuses a client or fails for it (ProtocolError, IdentifierCollision,
	// GetFailed, PutFailed, connections it closes) is logged at Debug, at
	// Warn when the node is at fault (internal and disk errors), naming the
	// message, identifier, code and descriptions, with key material taken
	// out (docs/fcp.md, Logging). Default: discard.
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
	if c.MaxBufferedBytes < 0 {
		return &ConfigError{"MaxBufferedBytes", "negative"}
	}
	if c.StreamCharge < 0 {
		return &ConfigError{"StreamCharge", "negative"}
	}
	if c.MaxHeaderBytes < 0 {
		return &ConfigError{"MaxHeaderBytes", "negative"}
	}
	if c.MaxFields < 0 {
		return &ConfigError{"MaxFields", "negative"}
	}
	if c.FreeHeaderBytes < 0 {
		return &ConfigError{"FreeHeaderBytes", "negative"}
	}
	for _, d := range c.UploadAllowedDirs {
		if d != "all" && !filepath.IsAbs(d) {
			return &ConfigError{"UploadAllowedDirs", fmt.Sprintf("%q is neither an absolute path nor \"all\"", d)}
		}
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
	if c.MaxBufferedBytes == 0 {
		c.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if c.StreamCharge == 0 {
		c.StreamCharge = DefaultStreamCharge
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxFields == 0 {
		c.MaxFields = DefaultMaxFields
	}
	if c.FreeHeaderBytes == 0 {
		c.FreeHeaderBytes = DefaultFreeHeaderBytes
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	if c.AfterFunc == nil {
		c.AfterFunc = func(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
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
		n.Version = "hams,unknown"
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
