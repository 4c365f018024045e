package link

import (
	"fmt"
	"io"
	"time"
)

// Defaults of Config fields left zero.
const (
	DefaultKeepaliveInterval = 2 * time.Second
	DefaultTimeout           = 10 * time.Second
	DefaultHandshakeTimeout  = 10 * time.Second
	// DefaultFirstMessageTimeout is FirstMessageTimeout's default, sized
	// for TCP: the initiator's message 1 arrives half a round trip after
	// the stream opens, its message 3 one round trip after message 2, and
	// 3 s covers round trips of a few hundred milliseconds with a lost
	// segment or two resent (Linux's first retransmission waits 1 s). A
	// Tor node uses a longer one (network.DefaultTorFirstMessageTimeout).
	DefaultFirstMessageTimeout = 3 * time.Second
	DefaultSendQueueBytes      = 8 << 20
)

// Config configures a link. The zero value of every field takes the default
// given in its comment; Validate checks the result.
type Config struct {
	// KeepaliveInterval: a keepalive (an empty transport message) is sent
	// when nothing else was sent for this long. Default 2 s.
	KeepaliveInterval time.Duration
	// Timeout: the link is lost (ErrTimeout) when nothing at all arrived for
	// this long. Must be more than KeepaliveInterval. Time the local Handler
	// spends in HandleFrame does not count. Default 10 s.
	Timeout time.Duration
	// HandshakeTimeout bounds Handshake from its start to the link being
	// ready. Default 10 s.
	HandshakeTimeout time.Duration
	// FirstMessageTimeout bounds how long a responder waits for each of
	// the initiator's handshake messages: message 1 from the start of
	// Handshake, message 3 from when message 2 was sent. A stream that
	// stays silent (or dribbles bytes) past it is closed with an error
	// wrapping ErrSlowInitiator, so that an idle or slow connection
	// cannot hold a responder's handshake for HandshakeTimeout. The
	// initiator's side does not use it. Default 3 s
	// (DefaultFirstMessageTimeout).
	FirstMessageTimeout time.Duration
	// SendQueueBytes bounds the bytes of frames queued and not yet written:
	// Send fails with ErrQueueFull beyond it. At least MaxFrame, so that
	// any frame fits an empty queue. Default 8 MiB.
	SendQueueBytes int
	// Rand is the source of the handshake's ephemeral keys. Default
	// crypto/rand. Tests set a seeded source to make runs repeatable; in
	// production it must be a cryptographic source.
	Rand io.Reader

	// clock is a test knob, not a setting: the time source of the link's
	// keepalives and Timeout (timerLoop, and the times of the last message
	// sent and received). Nil, as everywhere outside this package's tests,
	// means the wall clock. Tests set a clock they advance by hand, so that
	// those checks do not depend on how fast a loaded machine schedules the
	// link's goroutines. Handshake deadlines always use the wall clock.
	clock clock
}

// clock is a link's time source: the wall clock (wallClock), or a test's.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) clockTimer
}

// clockTimer is a time.Timer from a clock.
type clockTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration) bool
	Stop() bool
}

// wallClock is the clock of every link outside tests.
type wallClock struct{}

func (wallClock) Now() time.Time                      { return time.Now() }
func (wallClock) NewTimer(d time.Duration) clockTimer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ *time.Timer }

func (t wallTimer) C() <-chan time.Time { return t.Timer.C }

// clockOrWall returns c's clock, the wall clock when none is set.
func (c Config) clockOrWall() clock {
	if c.clock == nil {
		return wallClock{}
	}
	return c.clock
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config { return c.withDefaults() }

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.KeepaliveInterval == 0 {
		c.KeepaliveInterval = DefaultKeepaliveInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.FirstMessageTimeout == 0 {
		c.FirstMessageTimeout = DefaultFirstMessageTimeout
	}
	if c.SendQueueBytes == 0 {
		c.SendQueueBytes = DefaultSendQueueBytes
	}
	return c
}

// Validate reports whether c, with defaults applied, is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("link: config: "+f, a...) }
	switch {
	case c.KeepaliveInterval < 0 || c.Timeout < 0 || c.HandshakeTimeout < 0 || c.FirstMessageTimeout < 0:
		return bad("negative duration")
	case c.Timeout <= c.KeepaliveInterval:
		return bad("Timeout %v must be more than KeepaliveInterval %v", c.Timeout, c.KeepaliveInterval)
	case c.SendQueueBytes < MaxFrame:
		return bad("SendQueueBytes %d is below MaxFrame %d", c.SendQueueBytes, MaxFrame)
	}
	return nil
}
