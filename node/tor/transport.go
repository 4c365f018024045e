package tor

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cretz/bine/control"
	bine "github.com/cretz/bine/tor"
	bed25519 "github.com/cretz/bine/torutil/ed25519"
)

// Transport is a running tor with the node's v3 onion service: inbound
// connections arrive on Listener, outbound ones are made with Dial through
// tor's SOCKS port. Create it with Start and stop it with Close.
type Transport struct {
	cfg       Config
	logPath   string
	logOffset int64 // size of tor.log before this run
	proc      *torProcess
	guard     *loopbackDialer

	tor       *bine.Tor
	svc       *bine.OnionService
	ln        *listener
	dialer    contextDialer
	socksAddr string // tor's SOCKS port, 127.0.0.1:N
	addr      string

	// ctx is cancelled by Close; it aborts Dial's retries.
	ctx    context.Context
	cancel context.CancelFunc

	// died is closed when tor exits while the transport is open; diedErr
	// (set before) says so. watchDone is closed when the goroutine that
	// watches for that has returned.
	died      chan struct{}
	diedErr   error
	watchDone chan struct{}

	mu        sync.Mutex // serialises bine's control connection after Start
	closeOnce sync.Once
	closeErr  error
}

// startState is what Start has seen so far, for its error messages.
type startState struct {
	began        time.Time
	phase        string // what Start was doing
	progress     int    // last bootstrap percentage
	summary      string // tor's summary of that phase
	warning      string // last bootstrap warning, if any
	bootstrapped bool
	uploads      int // HS_DESC UPLOAD events for our service
	failures     int // HS_DESC FAILED events for our service
	lastFailure  string
	published    bool
}

// Start starts tor (through bine) with its DataDirectory in cfg.DataDir,
// waits for it to bootstrap, publishes the v3 onion service with
// cfg.OnionKey and returns once a descriptor has been uploaded to at least
// one hidden service directory. cfg.StartTimeout (default 3 minutes) bounds
// all of it, as does ctx.
//
// On failure Start stops tor and returns an error that includes the last
// lines of tor's log (DataDir/tor.log) and of its console output. A tor
// that is not bootstrapped in time gives
// "tor: bootstrap did not finish in 3m0s: last progress 45% (…)". When no
// tor binary is found the error wraps ErrTorNotFound.
//
// ctx bounds Start only: once Start has returned, tor runs until Close (or
// until this process exits: tor then exits too).
func Start(ctx context.Context, cfg Config) (*Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("tor: data directory: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("tor: data directory: %w", err)
	}
	t := &Transport{
		cfg:     cfg,
		logPath: filepath.Join(cfg.DataDir, logFile),
		guard:   &loopbackDialer{record: cfg.DialRecorder},
	}
	t.logOffset = prepareLog(t.logPath)

	startCtx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	t.proc = &torProcess{path: cfg.TorPath, startCtx: startCtx, out: &tailBuffer{}}
	// bine's control calls take no context. Killing tor when startCtx ends
	// makes any of them that is blocked fail at once.
	stopWatchdog := context.AfterFunc(startCtx, t.proc.kill)
	st := &startState{phase: "starting tor", began: time.Now()}
	err = t.start(startCtx, st)
	if !stopWatchdog() && err == nil {
		err = startCtx.Err() // tor was killed just as Start succeeded
	}
	if err != nil {
		t.abort()
		return nil, t.startError(ctx, startCtx, err, st)
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.died, t.watchDone = make(chan struct{}), make(chan struct{})
	go t.watch()
	cfg.Logger.Info("tor: onion service published", "addr", t.addr, "after", time.Since(st.began).Round(time.Millisecond))
	return t, nil
}

// start does Start's work; every blocking step is bounded by ctx.
func (t *Transport) start(ctx context.Context, st *startState) error {
	cfg := t.cfg
	torrc := filepath.Join(cfg.DataDir, "torrc")
	if err := os.WriteFile(torrc, []byte(strings.Join(cfg.torrcLines(), "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("tor: writing torrc: %w", err)
	}
	tt, err := bine.Start(ctx, &bine.StartConf{
		ProcessCreator:  t.proc,
		DataDir:         cfg.DataDir,
		TorrcFile:       torrc,
		NoAutoSocksPort: true, // the torrc's SocksPort line, loopback and onion-only
		// Bootstrap from the first moment (a second sooner than enabling
		// it later over the control port); the torrc is complete by then.
		EnableNetwork: true,
	})
	if err != nil {
		// bine has closed what it opened; the process is stopped by abort.
		return err
	}
	t.tor = tt
	// From here on tor exits when our control connection closes, even if
	// this process dies without stopping it.
	if err := tt.Control.TakeOwnership(); err != nil {
		return fmt.Errorf("tor: TAKEOWNERSHIP: %w", err)
	}
	ev, err := openEventConn(ctx, t.guard.DialContext, tt.ControlPort)
	if err != nil {
		return err
	}
	defer ev.close()

	// Add the onion service while tor bootstraps, so that it builds its
	// introduction circuits as soon as it can.
	st.phase = "adding the onion service"
	svc, err := tt.Listen(ctx, &bine.ListenConf{
		Key:         bed25519.FromCryptoPrivateKey(cfg.OnionKey),
		Version3:    true,
		RemotePorts: []int{cfg.Port},
		NoWait:      true, // publication is awaited below, on our event connection
	})
	if err != nil {
		return fmt.Errorf("tor: ADD_ONION: %w", err)
	}
	t.svc = svc
	t.ln = &listener{t: t, ln: svc.LocalListener, id: svc.ID}
	want := onionID(cfg.OnionKey.Public().(ed25519.PublicKey))
	if svc.ID != want {
		return fmt.Errorf("tor: tor published onion %s, want %s for this key", svc.ID, want)
	}
	t.addr = net.JoinHostPort(svc.ID+".onion", strconv.Itoa(cfg.Port))

	st.phase = "bootstrapping"
	if err := t.setupDialer(ctx); err != nil {
		return err
	}
	// Catch up with what happened before our subscription took effect.
	if kv, err := tt.Control.GetInfo("status/bootstrap-phase"); err == nil && len(kv) == 1 {
		t.bootstrapEvent(parseStatus(kv[0].Val), st)
	}
	for !st.published {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ev.done:
			if t.proc.exited() {
				return &exitError{err: t.proc.Wait()}
			}
			return fmt.Errorf("tor: control connection: %w", ev.err)
		case e := <-ev.events:
			switch e := e.(type) {
			case *control.StatusEvent:
				if e.Action == "BOOTSTRAP" {
					t.bootstrapEvent(parseStatus(e.Raw), st)
				}
			case *control.HSDescEvent:
				if e.Address != svc.ID {
					continue
				}
				switch e.Action {
				case "UPLOAD":
					st.uploads++
				case "FAILED":
					st.failures++
					st.lastFailure = e.Reason
					if st.lastFailure == "" {
						st.lastFailure = e.Raw
					}
					t.cfg.Logger.Debug("tor: descriptor upload failed", "hsdir", e.HSDir, "reason", e.Reason)
				case "UPLOADED":
					st.published = true
				}
			}
		}
	}
	return nil
}

// watch notices tor exiting while the transport is open: Accept and Dial
// then fail at once with diedErr instead of waiting for ever. It returns
// when tor exits or the transport is closed.
func (t *Transport) watch() {
	defer close(t.watchDone)
	select {
	case <-t.ctx.Done():
		return
	case <-t.proc.done:
	}
	if t.ctx.Err() != nil {
		return // Close stopped it
	}
	t.diedErr = fmt.Errorf("tor: tor exited unexpectedly (%v); its log is %s", t.proc.Wait(), t.logPath)
	close(t.died)
	t.cfg.Logger.Error("tor: tor exited unexpectedly", "err", t.proc.Wait(), "log", t.tail())
	t.ln.ln.Close()
}

// Died is closed when tor exits while the transport is open (not when
// Close stops it); Accept and Dial fail from then on.
func (t *Transport) Died() <-chan struct{} { return t.died }

// dead returns diedErr once tor has exited unexpectedly, else nil.
func (t *Transport) dead() error {
	if t.died == nil {
		return nil
	}
	select {
	case <-t.died:
		return t.diedErr
	default:
		return nil
	}
}

// setupDialer makes the SOCKS dialer Dial uses: bine's, for tor's SOCKS
// port on loopback, connecting through the transport's loopback dialer.
func (t *Transport) setupDialer(ctx context.Context) error {
	kv, err := t.tor.Control.GetInfo("net/listeners/socks")
	if err != nil {
		return fmt.Errorf("tor: SOCKS port: %w", err)
	}
	var socks string
	if len(kv) == 1 {
		socks, _, _ = strings.Cut(strings.Trim(kv[0].Val, `"`), `" "`)
	}
	if ap, err := netip.ParseAddrPort(socks); err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("tor: tor's SOCKS port is %q, not a loopback address", socks)
	}
	d, err := t.tor.Dialer(ctx, &bine.DialConf{
		ProxyAddress:      socks,
		ProxyNetwork:      "tcp",
		SkipEnableNetwork: true,
		Forward:           t.guard,
	})
	if err != nil {
		return fmt.Errorf("tor: SOCKS port: %w", err)
	}
	if cd, ok := d.Dialer.(contextDialer); ok {
		t.dialer = cd // golang.org/x/net's SOCKS5 dialer, which honours ctx
	} else {
		t.dialer = d
	}
	t.socksAddr = socks
	return nil
}

// bootstrapEvent records a BOOTSTRAP status and reports progress.
func (t *Transport) bootstrapEvent(s status, st *startState) {
	if s.action != "BOOTSTRAP" {
		return
	}
	if w := s.args["WARNING"]; w != "" && s.severity != "NOTICE" {
		st.warning = w
		if r := s.args["REASON"]; r != "" {
			st.warning += " (" + r + ")"
		}
		if t.cfg.Warning != nil {
			t.cfg.Warning(st.warning)
		}
		return
	}
	p, err := strconv.Atoi(s.args["PROGRESS"])
	if err != nil || p <= st.progress && st.summary != "" {
		return
	}
	st.progress, st.summary = p, s.args["SUMMARY"]
	t.cfg.Logger.Debug("tor: bootstrap", "progress", p, "summary", st.summary)
	if t.cfg.Progress != nil {
		t.cfg.Progress(p, st.summary)
	}
	if p >= 100 && !st.bootstrapped {
		st.bootstrapped = true
		t.cfg.Logger.Info("tor: bootstrapped", "after", time.Since(st.began).Round(time.Millisecond))
		st.phase = "publishing the onion service"
	}
}

// abort stops whatever a failed Start started and waits for tor to exit.
func (t *Transport) abort() {
	if t.ln != nil {
		t.ln.ln.Close()
	}
	if t.tor != nil {
		t.tor.Process = nil // we wait for the process ourselves, below
		t.tor.Close()
	}
	t.proc.stop(2 * time.Second)
}

// startError builds Start's error: what failed, then the tail of tor's log
// and console output.
func (t *Transport) startError(ctx, startCtx context.Context, err error, st *startState) error {
	var msg string
	var exit *exitError
	timedOut := startCtx.Err() != nil && ctx.Err() == nil
	switch {
	case ctx.Err() != nil:
		msg = fmt.Sprintf("tor: start cancelled while %s (bootstrap at %d%%)", st.phase, st.progress)
		err = ctx.Err()
	case timedOut && st.phase == "starting tor":
		msg = fmt.Sprintf("tor: tor did not start in %v", t.cfg.StartTimeout)
		err = context.DeadlineExceeded
	case timedOut && !st.bootstrapped:
		msg = fmt.Sprintf("tor: bootstrap did not finish in %v: last progress %d%% (%s)", t.cfg.StartTimeout, st.progress, st.summary)
		if st.warning != "" {
			msg += "; last warning: " + st.warning
		}
		err = context.DeadlineExceeded
	case timedOut:
		msg = fmt.Sprintf("tor: onion service was not published in %v: %d descriptor uploads started, %d failed", t.cfg.StartTimeout, st.uploads, st.failures)
		if st.lastFailure != "" {
			msg += " (last: " + st.lastFailure + ")"
		}
		err = context.DeadlineExceeded
	case errors.As(err, &exit):
		msg = fmt.Sprintf("%s while %s", exit.Error(), st.phase)
	default:
		msg = err.Error()
		if !strings.HasPrefix(msg, "tor: ") {
			msg = "tor: " + msg
		}
		msg += " (while " + st.phase + ")"
	}
	return &startError{msg: msg + t.tail(), err: err}
}

// tail returns the last lines of tor's log and console output, formatted
// for an error message (or a note that there are none).
func (t *Transport) tail() string {
	const n = 20
	var b strings.Builder
	if lines := readLogTail(t.logPath, t.logOffset, n); len(lines) > 0 {
		fmt.Fprintf(&b, "\ntor log (%s, last %d lines):", t.logPath, len(lines))
		for _, l := range lines {
			b.WriteString("\n  " + l)
		}
	}
	if lines := t.proc.out.lines(n); len(lines) > 0 {
		fmt.Fprintf(&b, "\ntor output (last %d lines):", len(lines))
		for _, l := range lines {
			b.WriteString("\n  " + l)
		}
	}
	if b.Len() == 0 {
		b.WriteString("\n(tor wrote no log lines and no output)")
	}
	return b.String()
}

// startError is Start's error: a message with tor's log tail, wrapping the
// cause (context.DeadlineExceeded on timeout).
type startError struct {
	msg string
	err error
}

func (e *startError) Error() string { return e.msg }
func (e *startError) Unwrap() error { return e.err }

// Listener returns the listener on which inbound connections to the onion
// service arrive (tor forwards them to a listener on 127.0.0.1). Its Addr
// is Address. Closing it removes the onion service from tor; Close does
// that too.
func (t *Transport) Listener() net.Listener { return t.ln }

// Address returns the onion service's address, "<56 base32 chars>.onion:<port>",
// as it goes into the node's noderef. It depends only on Config.OnionKey and
// Config.Port.
func (t *Transport) Address() string { return t.addr }

// Close removes the onion service, stops tor (HALT, then signals if it
// lingers) and waits for the process to exit. Connections made with Dial
// or accepted on Listener die with tor. Close is idempotent: later calls
// return nil. If tor had already exited on its own, Close returns nil: that
// was reported by Accept, Dial and the Logger.
func (t *Transport) Close() error {
	err := ErrClosed
	t.closeOnce.Do(func() {
		t.cancel()
		<-t.watchDone
		if t.dead() != nil {
			// Already reported by Accept, Dial and the logger.
			t.ln.Close()
			t.tor.Process = nil
			t.tor.Control.Close()
			return
		}
		// A tor that does not answer its control port within this time
		// is killed, which unblocks bine.
		watchdog := time.AfterFunc(15*time.Second, t.proc.kill)
		defer watchdog.Stop()
		errs := []error{t.ln.Close()}
		t.mu.Lock()
		t.tor.Process = nil // we wait for the process ourselves, below
		if cerr := t.tor.Close(); cerr != nil {
			errs = append(errs, fmt.Errorf("tor: stopping tor: %v", cerr))
		}
		t.mu.Unlock()
		t.proc.stop(10 * time.Second)
		t.closeErr = errors.Join(errs...)
		err = t.closeErr
	})
	if err == ErrClosed {
		return nil
	}
	return err
}

// listener is Transport.Listener: the onion service's local listener, with
// an idempotent Close that also removes the onion service from tor.
type listener struct {
	t    *Transport
	ln   net.Listener
	id   string
	once sync.Once
	err  error
}

// Accept implements net.Listener. Once tor has exited unexpectedly it
// fails with an error that says so and wraps net.ErrClosed.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.ln.Accept()
	if err != nil {
		if derr := l.t.dead(); derr != nil {
			return nil, fmt.Errorf("%w: %w", derr, net.ErrClosed)
		}
	}
	return c, err
}

// Addr implements net.Listener; its String is Transport.Address.
func (l *listener) Addr() net.Addr { return onionAddr(l.t.addr) }

// Close implements net.Listener: it closes the local listener and removes
// the onion service from tor (DEL_ONION).
func (l *listener) Close() error {
	l.once.Do(func() {
		l.err = l.ln.Close()
		// A tor that does not answer DEL_ONION in this time is broken:
		// killing it unblocks bine.
		watchdog := time.AfterFunc(10*time.Second, l.t.proc.kill)
		defer watchdog.Stop()
		l.t.mu.Lock()
		defer l.t.mu.Unlock()
		if l.t.tor.Control != nil && !l.t.proc.exited() {
			if err := l.t.tor.Control.DelOnion(l.id); err != nil && l.err == nil {
				l.err = fmt.Errorf("tor: DEL_ONION: %w", err)
			}
		}
		l.t.svc.ID = "" // bine must not delete it again
	})
	return l.err
}
