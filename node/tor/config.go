package tor

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	// DefaultPort is the onion service's virtual port when Config.Port is 0.
	DefaultPort = 9482
	// DefaultStartTimeout bounds Start when Config.StartTimeout is 0: tor's
	// start, its bootstrap and the publication of the onion service.
	DefaultStartTimeout = 3 * time.Minute
)

// Config configures Start.
type Config struct {
	// TorPath is the tor binary; "" means Find(""), tor on PATH.
	TorPath string
	// DataDir is tor's DataDirectory (a node passes DIR/tor). Start creates
	// it with mode 0700, writes its torrc there and makes tor log at notice
	// level to DataDir/tor.log.
	DataDir string
	// OnionKey is the Ed25519 private key of the v3 onion service. The node
	// generates and saves it, so that Address is stable across restarts.
	OnionKey ed25519.PrivateKey
	// Port is the onion service's virtual port; 0 means DefaultPort.
	Port int
	// ExtraTorrc holds extra torrc lines, one option per line ("Key value"),
	// for instance a private test network's ClientTorrc. They are written
	// before the transport's own options.
	ExtraTorrc []string
	// StartTimeout bounds Start (tor start, bootstrap and onion
	// publication); 0 means DefaultStartTimeout.
	StartTimeout time.Duration
	// Progress, if set, is called during Start, on Start's goroutine, with
	// each new bootstrap percentage and tor's summary of the phase.
	Progress func(percent int, summary string)
	// Warning, if set, is called during Start, on Start's goroutine, with
	// each bootstrap problem tor reports, in its words (its WARNING and
	// REASON, e.g. "Connection refused (CONNECTREFUSED)").
	Warning func(problem string)
	// Logger receives the transport's own log lines; nil discards them.
	Logger *slog.Logger
	// DialRecorder, if set, is called with every outbound TCP connection the
	// transport makes (network and address, before dialling): connections to
	// tor's SOCKS port for Dial, and the transport's second control
	// connection to tor during Start. It exists to prove that nothing leaves
	// the node except through its own tor. (bine's own control connection
	// to 127.0.0.1:<control port> is made by bine and is not recorded.)
	DialRecorder func(network, addr string)
}

// withDefaults validates c and returns it with defaults filled in, the
// tor binary found and DataDir made absolute.
func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		return c, errors.New("tor: Config.DataDir is required")
	}
	if strings.ContainsAny(c.DataDir, "\r\n\x00") {
		return c, fmt.Errorf("tor: Config.DataDir %q contains a control character", c.DataDir)
	}
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("tor: Config.DataDir: %w", err)
	}
	c.DataDir = dir
	if len(c.OnionKey) != ed25519.PrivateKeySize {
		return c, fmt.Errorf("tor: Config.OnionKey has %d bytes, want an Ed25519 private key (%d bytes)", len(c.OnionKey), ed25519.PrivateKeySize)
	}
	switch {
	case c.Port == 0:
		c.Port = DefaultPort
	case c.Port < 1 || c.Port > 65535:
		return c, fmt.Errorf("tor: Config.Port %d is not a TCP port", c.Port)
	}
	switch {
	case c.StartTimeout == 0:
		c.StartTimeout = DefaultStartTimeout
	case c.StartTimeout < 0:
		return c, fmt.Errorf("tor: Config.StartTimeout %v is negative", c.StartTimeout)
	}
	for _, l := range c.ExtraTorrc {
		if strings.ContainsAny(l, "\r\n\x00") {
			return c, fmt.Errorf("tor: Config.ExtraTorrc line %q contains a line break", l)
		}
	}
	if c.Logger == nil {
		c.Logger = discardLogger()
	}
	if c.TorPath, err = Find(c.TorPath); err != nil {
		return c, err
	}
	return c, nil
}

// logFile is tor's notice-level log, in DataDir.
const logFile = "tor.log"

// maxLogSize is the size beyond which Start moves tor.log to tor.log.old
// before starting tor (tor appends to it at every start and never rotates).
const maxLogSize = 4 << 20

// torrcLines returns the torrc Start writes to DataDir/torrc. Options bine
// passes on the command line (DataDirectory, ControlPort auto and the file
// tor writes it to, CookieAuthentication 1) are not repeated here.
func (c Config) torrcLines() []string {
	lines := []string{"# Written by hams at every start of its tor; edits are lost."}
	lines = append(lines, c.ExtraTorrc...)
	lines = append(lines,
		// Tor's SOCKS port, on loopback only. OnionTrafficOnly makes tor
		// itself refuse anything but .onion names (no IPs, no DNS), as a
		// second line of defence behind Dial's own check; ExtendedErrors
		// gives onion-specific SOCKS replies ("descriptor not found", ...).
		"SocksPort 127.0.0.1:auto OnionTrafficOnly ExtendedErrors",
		"SafeSocks 1",
		"ClientUseIPv6 0",
		"AvoidDiskWrites 1",
		"Log notice file "+filepath.Join(c.DataDir, logFile),
		// Tor exits when this process does, even if it is killed before
		// it can stop tor (TAKEOWNERSHIP takes over once connected).
		"__OwningControllerProcess "+strconv.Itoa(os.Getpid()),
	)
	return lines
}

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
