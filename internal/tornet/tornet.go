package tornet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config describes the private network Start brings up.
type Config struct {
	// TorPath is the tor binary. Default: "tor" looked up on PATH.
	// tor-gencert is looked up in the same directory, then on PATH.
	TorPath string
	// Dir is the working directory (required). Start creates one
	// subdirectory per tor in it (auth0, auth1, ..., relay0, ...); those
	// subdirectories must not exist yet. Start never removes anything.
	Dir string
	// Authorities is the number of directory authorities (they also act as
	// relays). Default 3.
	Authorities int
	// Relays is the number of extra, non-authority relays. Default 2; a
	// negative value means none. Onion rendezvous needs at least 4 relays
	// in all, authorities included.
	Relays int
	// Bridge additionally starts an obfs4 bridge, "bridge0": a relay with
	// BridgeRelay 1 that publishes no descriptor (so it is in no
	// consensus) and is reachable only by its bridge line (see
	// Network.BridgeLine and Network.BridgeClientTorrc). It needs
	// obfs4proxy.
	Bridge bool
	// Obfs4Proxy is the obfs4 pluggable transport binary, used only with
	// Bridge. Default: "obfs4proxy" looked up on PATH, then its successor
	// "lyrebird".
	Obfs4Proxy string
	// ReadyTimeout bounds the time from starting the tors to passing the
	// gate (see Start). Default 90s.
	ReadyTimeout time.Duration
	// Logf receives progress lines; nil means silent.
	Logf func(format string, args ...any)
}

// Defaults for the zero values of Config.
const (
	DefaultAuthorities  = 3
	DefaultRelays       = 2
	DefaultReadyTimeout = 90 * time.Second
)

// Network is a running private Tor network. Use ClientTorrc to configure
// clients for it and Close to stop it.
type Network struct {
	cfg     Config
	nodes   []*node
	started time.Time
	ready   time.Duration

	releasePorts func() // unbinds the ports picked for the tors

	closeOnce sync.Once
	closeErr  error
}

// StartRetrying is Start, again up to twice more when a port it picked was
// taken before tor bound it (the error says "Failed to bind"), each time in
// a fresh directory dir(attempt) so that new ports are picked.
func StartRetrying(ctx context.Context, cfg Config, dir func(attempt int) string) (*Network, error) {
	var err error
	for attempt := range 3 {
		cfg.Dir = dir(attempt)
		var tn *Network
		if tn, err = Start(ctx, cfg); err == nil {
			return tn, nil
		}
		if !strings.Contains(err.Error(), "Failed to bind") || ctx.Err() != nil {
			break
		}
		if cfg.Logf != nil {
			cfg.Logf("tornet: a port was taken meanwhile; starting again with new ports")
		}
	}
	return nil, err
}

// Start generates authority keys (tor-gencert --create-identity-key; the
// v3ident is the certificate's fingerprint line; relay fingerprints come
// from tor --list-fingerprint), writes the torrcs, starts every tor and
// returns once the network is usable. "Usable" is the gate: every tor of
// the network, authorities and relays alike, serves on its DirPort a
// consensus that lists every relay with the Running, Valid and HSDir
// flags, and serves the microdescriptors of all of them. Clients started
// after the gate bootstrap in about two seconds. With Config.Bridge the
// gate also waits for the bridge: obfs4proxy has written its bridge line,
// tor has registered the obfs4 listener, the bridge has bootstrapped
// ("Bootstrapped 100%" in its log) and it holds a consensus that lists
// every relay as above (its cached-microdesc-consensus), together with
// their microdescriptors, which it serves to bridge clients. The bridge
// itself must not be in the consensus.
//
// Two measures keep the time to the gate short (see the package doc for
// measurements): the tors start outside the authorities' voting window
// (which may delay their start by up to 2.3 s), so that the first
// consensus already lists every relay, and a relay that asked for the
// consensus too early, and now backs off exponentially, gets a SIGHUP,
// which makes it fetch at once.
//
// All ports (ORPort, DirPort, the bridge's obfs4 port) are free ports on
// 127.0.0.1, picked at start and kept bound by Start until just before the
// tors start, so concurrent networks on one machine do not collide.
// Should another program still take one in that instant, the failing
// tor's log tail in the error says "Failed to bind"; Start again with a
// fresh Dir picks new ports.
//
// ctx bounds Start only: cancelling it after Start returns does not stop
// the network. On failure (including ctx cancellation and ReadyTimeout)
// Start stops every tor it started and returns an error that carries the
// tail of the failing tor's log; it wraps ctx's error, or
// context.DeadlineExceeded after ReadyTimeout.
func Start(ctx context.Context, cfg Config) (*Network, error) {
	if cfg.Dir == "" {
		return nil, errors.New("tornet: Config.Dir is required")
	}
	if cfg.Authorities == 0 {
		cfg.Authorities = DefaultAuthorities
	}
	switch {
	case cfg.Relays == 0:
		cfg.Relays = DefaultRelays
	case cfg.Relays < 0:
		cfg.Relays = 0
	}
	if cfg.Authorities < 1 {
		return nil, fmt.Errorf("tornet: bad counts: %d authorities, %d relays", cfg.Authorities, cfg.Relays)
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	tor, gencert, err := findBinaries(cfg.TorPath)
	if err != nil {
		return nil, err
	}
	cfg.TorPath = tor
	if cfg.Bridge {
		if cfg.Obfs4Proxy, err = findObfs4Proxy(cfg.Obfs4Proxy); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("tornet: %w", err)
	}
	cfg.Dir = dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tornet: %w", err)
	}

	n := &Network{cfg: cfg}
	if err := n.prepare(ctx, gencert); err != nil {
		n.Close()
		return nil, err
	}
	if d := voteAlignDelay(time.Now()); d > 0 {
		cfg.Logf("tornet: waiting %v to start outside the authorities' voting window", d.Round(10*time.Millisecond))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			n.Close()
			return nil, fmt.Errorf("tornet: %w", context.Cause(ctx))
		case <-t.C:
		}
	}
	n.started = time.Now()
	gctx, cancel := context.WithTimeoutCause(ctx, cfg.ReadyTimeout,
		fmt.Errorf("not ready after %v: %w", cfg.ReadyTimeout, context.DeadlineExceeded))
	defer cancel()
	err = n.startAll(n.nodes)
	if err == nil {
		bridge := ""
		if cfg.Bridge {
			bridge = " and a bridge"
		}
		cfg.Logf("tornet: started %d authorities and %d relays%s; waiting for the consensus", cfg.Authorities, cfg.Relays, bridge)
		err = n.waitGate(gctx)
	}
	if err != nil {
		n.Close()
		return nil, err
	}
	n.ready = time.Since(n.started)
	cfg.Logf("tornet: network ready after %v", n.ready.Round(100*time.Millisecond))
	return n, nil
}

// ReadyAfter reports how long the network took from starting its tors to
// passing the gate.
func (n *Network) ReadyAfter() time.Duration { return n.ready }

// ClientTorrc returns the torrc lines a client tor needs to use this
// network, one option per line:
//
//	TestingTorNetwork 1
//	DirAuthority auth0 orport=<port> no-v2 v3ident=<hex> 127.0.0.1:<dirport> <fingerprint>
//	... (one DirAuthority line per authority)
//	GeoIPFile
//	GeoIPv6File
//
// TestingTorNetwork must come first: it changes the defaults of options
// that may follow, and it requires the DirAuthority lines. The empty
// GeoIPFile and GeoIPv6File spare each client parsing the 26 MB GeoIP
// database (about a second); they are optional. Nothing else is needed,
// onion services included. The caller adds its own DataDirectory,
// SocksPort, ControlPort and so on. With bine, write the lines into
// StartConf.TorrcFile, or split each at its first space into ExtraArgs
// ("--GeoIPFile", "" for the bare ones).
func (n *Network) ClientTorrc() []string {
	lines := []string{"TestingTorNetwork 1"}
	lines = append(lines, n.dirAuthorityLines()...)
	lines = append(lines,
		"GeoIPFile",
		"GeoIPv6File",
	)
	return lines
}

// Close stops every tor the network started: SIGTERM to each PID, SIGKILL
// to those still running a few seconds later, then waits for all of them.
// It is idempotent and safe to call on a partially started network.
func (n *Network) Close() error {
	n.closeOnce.Do(func() {
		if n.releasePorts != nil {
			n.releasePorts()
		}
		var wg sync.WaitGroup
		errs := make([]error, len(n.nodes))
		for i, nd := range n.nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = nd.stop(stopGrace)
			}()
		}
		wg.Wait()
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

// Pause stops every tor of the network (SIGSTOP, by PID) without closing
// its ports: to a client the network is there but answers nothing, as
// where Tor is blocked by dropping packets. Resume lets it go on.
func (n *Network) Pause() error { return n.signal(syscall.SIGSTOP) }

// Resume continues the tors Pause stopped (SIGCONT).
func (n *Network) Resume() error { return n.signal(syscall.SIGCONT) }

func (n *Network) signal(sig syscall.Signal) error {
	var errs []error
	for _, nd := range n.nodes {
		if pid := nd.pid(); pid != 0 {
			if err := syscall.Kill(pid, sig); err != nil {
				errs = append(errs, fmt.Errorf("tornet: %s (pid %d): %v: %w", nd.name, pid, sig, err))
			}
		}
	}
	return errors.Join(errs...)
}
