package network

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hamsnet/hams/node/tor"
)

// Tor's start, retried: the node runs without its onion service until tor
// has bootstrapped and published it, and never gives up.
const (
	torRetryMin = 5 * time.Second // the wait after a first failed attempt
	torRetryMax = 5 * time.Minute // the longest wait between attempts
)

// TorState is where a node's tor is.
type TorState string

// The states of TorStatus.State.
const (
	// TorStarting: tor is starting or bootstrapping (Progress says how far).
	TorStarting TorState = "starting"
	// TorPublishing: tor has bootstrapped and publishes the onion service.
	TorPublishing TorState = "publishing"
	// TorUp: the onion service is published; peers can link.
	TorUp TorState = "up"
	// TorWaiting: the last attempt failed (Problem says why); the next
	// starts at RetryAt.
	TorWaiting TorState = "waiting"
	// TorStopped: the network is closed.
	TorStopped TorState = "stopped"
)

// TorStatus is what a node's tor is doing, for the log, FCP and the status
// page.
type TorStatus struct {
	State TorState
	// Progress is tor's last bootstrap percentage in this attempt, and
	// Summary tor's words for that phase.
	Progress int
	Summary  string
	// Problem is the last problem, in words: a bootstrap warning of tor's
	// ("Connection refused (CONNECTREFUSED)"), or why the last attempt
	// failed. Empty once the onion service is up.
	Problem string
	// Hint says what to try about Problem.
	Hint string
	// Attempts counts the attempts at starting tor so far.
	Attempts int
	// Since is when State began; RetryAt, in TorWaiting, when the next
	// attempt starts.
	Since, RetryAt time.Time
	// Bridges is how many bridges tor uses (0: it connects to the Tor
	// network directly).
	Bridges int
	// Onion is the node's onion service address, known before it is up.
	Onion string
}

// torRunner starts the node's tor in the background, again after each
// failure (with backoff) and again if tor dies, until the network closes.
// Links wait for it: dial blocks until tor is up.
type torRunner struct {
	cfg   Config
	dir   string
	key   ed25519.PrivateKey
	onion string
	onUp  func(net.Listener) // serves a new listener (on the runner's goroutine)

	ready     chan struct{} // closed when tor is first up
	readyOnce sync.Once
	cancel    context.CancelFunc
	done      chan struct{} // closed when run returns

	mu     sync.Mutex // guards t and status
	t      *tor.Transport
	status TorStatus
}

func newTorRunner(cfg Config, dir string, key ed25519.PrivateKey, bridges int) *torRunner {
	onion := tor.OnionAddress(key, cfg.TorPort)
	return &torRunner{cfg: cfg, dir: dir, key: key, onion: onion, ready: make(chan struct{}), done: make(chan struct{}),
		status: TorStatus{State: TorStarting, Since: time.Now(), Bridges: bridges, Onion: onion}}
}

// start runs the runner until stop.
func (tr *torRunner) start(onUp func(net.Listener)) {
	tr.onUp = onUp
	ctx, cancel := context.WithCancel(context.Background())
	tr.cancel = cancel
	go tr.run(ctx)
}

// stop ends the runner and its tor, and waits for both.
func (tr *torRunner) stop() {
	if tr.cancel == nil {
		return
	}
	tr.cancel()
	<-tr.done
	tr.mu.Lock()
	t := tr.t
	tr.t = nil
	tr.status.State, tr.status.Since = TorStopped, time.Now()
	tr.mu.Unlock()
	if t != nil {
		t.Close()
	}
}

// Status returns what tor is doing.
func (tr *torRunner) Status() TorStatus {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.status
}

func (tr *torRunner) update(f func(*TorStatus)) {
	tr.mu.Lock()
	f(&tr.status)
	tr.mu.Unlock()
}

// hint is what to try when tor does not come up.
func (tr *torRunner) hint() string {
	if tr.status.Bridges > 0 {
		return "the bridges may be blocked or gone: get fresh bridge lines (docs/operator.md) and pass them with --bridge or --bridges FILE"
	}
	return "if Tor is blocked where you are, use bridges: hams node --bridge LINE or --bridges FILE (docs/operator.md says how to get them)"
}

func (tr *torRunner) run(ctx context.Context) {
	defer close(tr.done)
	wait := torRetryMin
	for ctx.Err() == nil {
		tr.update(func(s *TorStatus) {
			s.Attempts++
			s.State, s.Since, s.Progress, s.Summary, s.RetryAt = TorStarting, time.Now(), 0, "", time.Time{}
		})
		t, err := startTor(ctx, tr.dir, tr.key, tr.cfg, tr)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			problem, _, _ := strings.Cut(err.Error(), "\n") // the rest is tor's log tail
			problem = strings.TrimPrefix(problem, "node: ")
			at := time.Now().Add(wait)
			tr.update(func(s *TorStatus) {
				s.State, s.Since, s.RetryAt, s.Problem, s.Hint = TorWaiting, time.Now(), at, problem, tr.hint()
			})
			tr.cfg.Logger.Warn("tor did not come up; trying again", "in", wait, "problem", problem, "hint", tr.hint())
			tr.cfg.Logger.Debug("tor did not come up", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, torRetryMax)
			continue
		}
		wait = torRetryMin
		tr.mu.Lock()
		tr.t = t
		tr.status.State, tr.status.Since, tr.status.Problem, tr.status.Hint = TorUp, time.Now(), "", ""
		tr.mu.Unlock()
		tr.readyOnce.Do(func() { close(tr.ready) })
		tr.cfg.Logger.Info("reachable at " + t.Address())
		tr.onUp(t.Listener())
		select {
		case <-ctx.Done():
			return
		case <-t.Died():
		}
		tr.mu.Lock()
		tr.t = nil
		tr.status.Problem, tr.status.Hint = "tor exited unexpectedly", "its log is in the node's directory, tor/tor.log"
		tr.mu.Unlock()
		t.Close()
	}
}

// unlinked says why a node without links has none, as far as tor goes.
func (nw *Network) unlinked() string {
	if nw.tor == nil {
		return ""
	}
	st := nw.tor.Status()
	if st.State == TorUp {
		return "tor is up, and no peer has linked yet"
	}
	return st.Describe()
}

// dial dials addr through tor, once tor is up (waiting for it until ctx
// ends).
func (tr *torRunner) dial(ctx context.Context, addr string) (net.Conn, error) {
	select {
	case <-tr.ready:
	case <-ctx.Done():
		return nil, errTorNotUp
	}
	tr.mu.Lock()
	t := tr.t
	tr.mu.Unlock()
	if t == nil {
		return nil, errTorNotUp
	}
	return t.Dial(ctx, addr)
}

// Describe says in words what tor is doing, for a person ("bootstrapping
// (45%: Loading relay descriptors)", "waiting to try again in 20s: …").
func (s TorStatus) Describe() string {
	var d string
	switch s.State {
	case TorStarting:
		d = fmt.Sprintf("tor is bootstrapping (%d%%", s.Progress)
		if s.Summary != "" {
			d += ": " + s.Summary
		}
		d += ")"
	case TorPublishing:
		d = "tor is publishing the onion service"
	case TorUp:
		return "tor is up"
	case TorWaiting:
		d = fmt.Sprintf("tor did not come up; it tries again in %v", time.Until(s.RetryAt).Round(time.Second))
	case TorStopped:
		return "tor is stopped"
	default:
		return ""
	}
	if s.Problem != "" {
		d += "; last problem: " + s.Problem
	}
	return d
}
