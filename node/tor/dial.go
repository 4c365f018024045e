package tor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// loopbackDialer is the one dialer through which the transport makes every
// outbound TCP connection of its own (to tor's SOCKS port, and its event
// control connection). It reports each address to the recorder and refuses
// anything that is not a loopback IP address, so that a bug elsewhere can
// not make the transport reach the network except through its own tor.
// bine receives it as DialConf.Forward.
type loopbackDialer struct {
	d      net.Dialer
	record func(network, addr string)
}

// Dial implements golang.org/x/net/proxy.Dialer.
func (l *loopbackDialer) Dial(network, addr string) (net.Conn, error) {
	return l.DialContext(context.Background(), network, addr)
}

// DialContext implements golang.org/x/net/proxy.ContextDialer.
func (l *loopbackDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if l.record != nil {
		l.record(network, addr)
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() || (network != "tcp" && network != "tcp4" && network != "tcp6") {
		return nil, fmt.Errorf("tor: refusing to dial %s %q: the transport only connects to its own tor on loopback", network, addr)
	}
	return l.d.DialContext(ctx, network, addr)
}

// contextDialer is golang.org/x/net/proxy.ContextDialer.
type contextDialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dial backoff between attempts: first retry after dialBackoffMin, doubling
// up to dialBackoffMax.
const (
	dialBackoffMin = 200 * time.Millisecond
	dialBackoffMax = 2 * time.Second
)

// ErrClosed is returned by Dial once the transport is closed.
var ErrClosed = errors.New("tor: transport closed")

// Dial connects to the onion service at addr ("<56 base32 chars>.onion:port")
// through tor's SOCKS port. The name is passed to tor as is, never resolved
// locally. Dial refuses, without connecting anywhere, anything that is not
// a v3 onion address with a valid checksum: a Tor-mode node never dials an
// IP address or resolves a hostname.
//
// A freshly published onion service may be reported as unreachable for a
// few seconds ("descriptor not found", "host unreachable"), so Dial retries
// failed attempts with a short backoff (200 ms doubling to 2 s) until it
// succeeds, ctx ends, tor exits or the transport is closed. Give ctx a
// deadline. The returned error names the last failure and wraps ctx's
// error.
func (t *Transport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	target, err := parseOnionAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("tor: refusing to dial %q: %w", addr, err)
	}
	if t.ctx.Err() != nil {
		return nil, ErrClosed
	}
	if err := t.dead(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(t.ctx, cancel)
	defer stop()

	start := time.Now()
	backoff := dialBackoffMin
	var lastErr error
	for attempt := 1; ; attempt++ {
		c, err := t.dialer.DialContext(ctx, "tcp", target)
		if err == nil {
			if attempt > 1 {
				t.cfg.Logger.Debug("tor: dialled onion", "addr", target, "attempts", attempt, "after", time.Since(start))
			}
			return c, nil
		}
		if ctx.Err() == nil || lastErr == nil {
			lastErr = err
		}
		if t.ctx.Err() != nil {
			return nil, ErrClosed
		}
		if err := t.dead(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tor: dial %s: %s (%d attempts in %v): %w",
				target, describeDialErr(lastErr), attempt, time.Since(start).Round(time.Millisecond), context.Cause(ctx))
		}
		t.cfg.Logger.Debug("tor: dial failed, retrying", "addr", target, "attempt", attempt, "err", describeDialErr(err), "backoff", backoff)
		timer := time.NewTimer(backoff)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
		case <-t.died: // nil, never ready, in a transport that is not running
			timer.Stop()
		}
		backoff = min(2*backoff, dialBackoffMax)
	}
}

// torSocksErrors names tor's extended SOCKS5 replies for onion services
// (SocksPort ExtendedErrors, tor proposal 304), which golang.org/x/net
// reports as "unknown code: N".
var torSocksErrors = map[int]string{
	0xF0: "onion service descriptor not found",
	0xF1: "onion service descriptor is invalid",
	0xF2: "onion service introduction failed",
	0xF3: "onion service rendezvous failed",
	0xF4: "onion service needs client authorization",
	0xF5: "onion service client authorization is wrong",
	0xF6: "invalid onion address",
	0xF7: "onion service introduction timed out",
}

// describeDialErr returns err's text with tor's extended SOCKS codes named.
func describeDialErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, "unknown code: "); i >= 0 {
		rest := s[i+len("unknown code: "):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if code, e := strconv.Atoi(rest[:j]); e == nil {
			if name, ok := torSocksErrors[code]; ok {
				s = s[:i] + name + fmt.Sprintf(" (SOCKS5 reply 0x%X)", code) + rest[j:]
			}
		}
	}
	return s
}
