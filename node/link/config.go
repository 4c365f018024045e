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
