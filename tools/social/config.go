package social

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
)

// Defaults of Config.
const (
	// DefaultListen is the address the web page is served on.
	DefaultListen = "127.0.0.1:8889"
	// DefaultFCPAddr is the node's FCP address.
	DefaultFCPAddr = "127.0.0.1:9481"
	// DefaultMaxImageSize bounds an image a person attaches or fetches.
	DefaultMaxImageSize = 4 << 20
	// DefaultHistory is how many older editions of a feed are fetched when
	// it is first followed (each holds up to feed.MaxPosts posts).
	DefaultHistory = 3
	// DefaultRetry is how long the front-end waits before it tries again
	// to reach the node, republish or refetch after a failure.
	DefaultRetry = 10 * time.Second
	// DefaultDiscover bounds how many people seen in follow lists the
	// front-end fetches a profile for, to suggest them.
	DefaultDiscover = 50
	// DefaultInboxPoll is how often the front-end looks for new notes in
	// the person's inbox (docs/social-inbox.md §3). A failed look leaves a
	// passive request, so a note inserted meanwhile is offered to the node
	// and found at the next look.
	DefaultInboxPoll = 10 * time.Second
	// DefaultUndoDelete is how long a deleted post can be brought back:
	// its deletion is published only after this.
	DefaultUndoDelete = 2 * time.Minute
)

// Config configures an App. The zero value of every field takes the default
// in its comment; Validate checks the result.
type Config struct {
	// Dir holds the identity (mode 0600), the person's own feed and the
	// local copies of followed feeds. Required.
	Dir string
	// FCPAddr is the node's FCP address. Default DefaultFCPAddr.
	FCPAddr string
	// Listen is the web page's address; it must be a loopback address
	// (127.0.0.0/8 or ::1, or "localhost"). Default DefaultListen.
	Listen string
	// MaxImageSize bounds an image (attached or fetched), in bytes.
	// Default DefaultMaxImageSize.
	MaxImageSize int64
	// History is how many older editions of a newly followed feed are
	// fetched for its older posts. Default DefaultHistory; negative: none.
	History int
	// Discover bounds the people, seen in follow lists, whose profiles are
	// fetched to suggest them. Default DefaultDiscover; negative: none.
	Discover int
	// Retry is the wait before trying again after a failed FCP exchange.
	// Default DefaultRetry.
	Retry time.Duration
	// InboxPoll is how often the inbox is looked at. Default
	// DefaultInboxPoll.
	InboxPoll time.Duration
	// InboxWork is the proof of work, in bits, the person's profile asks
	// of a note written to them (inbox_work). Default
	// feed.DefaultInboxWork (20); 16 to 32.
	InboxWork int
	// UndoDelete is how long after a deletion the person can undo it;
	// the deletion is published once it has passed (time by Now).
	// Default DefaultUndoDelete; negative: none (published at once).
	UndoDelete time.Duration
	// Now is the clock of post and like times. Default time.Now.
	Now func() time.Time
	// Logger receives the front-end's log lines. Default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.FCPAddr == "" {
		c.FCPAddr = DefaultFCPAddr
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxImageSize == 0 {
		c.MaxImageSize = DefaultMaxImageSize
	}
	if c.History == 0 {
		c.History = DefaultHistory
	}
	if c.Discover == 0 {
		c.Discover = DefaultDiscover
	}
	if c.Retry == 0 {
		c.Retry = DefaultRetry
	}
	if c.InboxPoll == 0 {
		c.InboxPoll = DefaultInboxPoll
	}
	if c.InboxWork == 0 {
		c.InboxWork = feed.DefaultInboxWork
	}
	if c.UndoDelete == 0 {
		c.UndoDelete = DefaultUndoDelete
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports whether c, with defaults applied, can run.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Dir == "":
		return fmt.Errorf("social: no directory (Dir)")
	case c.MaxImageSize < 1024:
		return fmt.Errorf("social: MaxImageSize %d is below 1 KiB", c.MaxImageSize)
	case c.Retry < 0:
		return fmt.Errorf("social: negative Retry %v", c.Retry)
	case c.InboxPoll < 0:
		return fmt.Errorf("social: negative InboxPoll %v", c.InboxPoll)
	case c.InboxWork < feed.MinInboxWork || c.InboxWork > feed.MaxInboxWork:
		return fmt.Errorf("social: InboxWork %d is not %d to %d bits", c.InboxWork, feed.MinInboxWork, feed.MaxInboxWork)
	}
	if _, err := loopbackAddr(c.Listen); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.FCPAddr); err != nil {
		return fmt.Errorf("social: FCP address %q: %v", c.FCPAddr, err)
	}
	if !filepath.IsAbs(c.Dir) {
		if _, err := filepath.Abs(c.Dir); err != nil {
			return fmt.Errorf("social: directory %q: %v", c.Dir, err)
		}
	}
	return nil
}

// loopbackAddr checks that addr is host:port with a loopback host and
// returns it with "localhost" replaced by 127.0.0.1 (the front-end never
// resolves a name).
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("social: listen address %q: %v", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return "", fmt.Errorf("social: listen address %q is not a loopback address: the page holds your identity, so it is served only to this machine (127.0.0.1 or ::1)", addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}
