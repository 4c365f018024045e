package gateway

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/node/statuspage"
)

// Defaults of Config.
const (
	// DefaultAddr is where the gateway listens: Hyphanet's FProxy port,
	// what its users type.
	DefaultAddr = "127.0.0.1:8888"
	// DefaultSocialURL is where hams social serves its page by default.
	DefaultSocialURL = "http://127.0.0.1:8889/"
	// DefaultProgressAfter is how long a request waits for its fetch
	// before the browser gets a progress page instead.
	DefaultProgressAfter = 2 * time.Second
	// DefaultMaxFilterSize bounds a document the content filter rebuilds
	// in memory (HTML, CSS); a larger one is offered as a download.
	DefaultMaxFilterSize = 8 << 20
	// DefaultKeepResult is how long a finished fetch stays ready for the
	// browser (the progress page's refresh, a reload, the page's images).
	DefaultKeepResult = 5 * time.Minute
	// DefaultMaxJobs bounds fetches and inserts running at once.
	DefaultMaxJobs = 64
	// DefaultBookmarkCheck is how often bookmarked sites are looked at
	// for new editions (a local insert of one is seen at once).
	DefaultBookmarkCheck = 30 * time.Minute
	// DefaultEditionLook bounds one background look for a USK's newest
	// edition.
	DefaultEditionLook = 2 * time.Minute
	// DefaultWatchFor is how long after a USK page was shown the gateway
	// keeps looking for its newer editions.
	DefaultWatchFor = 15 * time.Minute
	// DefaultPollEvery is how often a watched USK is looked at when no
	// block the node waits for arrives meanwhile.
	DefaultPollEvery = time.Minute
	// DefaultArrivalGap is the least time between two looks at a watched
	// USK that arrivals woke: arrivals come in bursts, and each wakes
	// every watched USK.
	DefaultArrivalGap = 10 * time.Second
	// DefaultMaxUpload bounds what one publish form may send.
	DefaultMaxUpload = 1 << 30
	// DefaultMaxFetchSize bounds a document the gateway fetches (it is
	// spooled to disk): larger ones fail with fred's code 21, Too big;
	// hams get has no limit.
	DefaultMaxFetchSize = 1 << 30
)

// Config configures a Gateway. The zero value of every field but Backend
// and StateDir takes the default in its comment; Validate checks the
// result.
type Config struct {
	// Backend fetches and inserts: the node's client layer, as the FCP
	// server sees it. If it implements fcp.EditionWatcher, USK pages and
	// bookmarks learn of local inserts at once. Required.
	Backend fcp.Backend
	// StateDir keeps the bookmarks, the keys of sites published from the
	// browser (mode 0600) and the spool of fetched files. Required.
	StateDir string
	// Addr is the listen address, used by ListenAndServe and to check
	// the Host header. It must be a loopback address unless
	// AllowNonLoopback. Default DefaultAddr.
	Addr string
	// AllowNonLoopback lets Addr be any address. The gateway has no
	// login: anyone who reaches it can browse and publish as this node.
	AllowNonLoopback bool
	// Status, when not nil, serves /status and /metrics.
	Status *statuspage.Page
	// SocialURL is the link to hams social in the menu; "-" for none.
	// Default DefaultSocialURL.
	SocialURL string
	// ProgressAfter is how long a request waits for its fetch before the
	// progress page. Default DefaultProgressAfter.
	ProgressAfter time.Duration
	// MaxFilterSize bounds a document the filter rebuilds. Default
	// DefaultMaxFilterSize.
	MaxFilterSize int64
	// KeepResult is how long a finished fetch is kept. Default
	// DefaultKeepResult.
	KeepResult time.Duration
	// MaxJobs bounds fetches and inserts at once. Default DefaultMaxJobs.
	MaxJobs int
	// BookmarkCheck is how often bookmarks are checked for new editions.
	// Default DefaultBookmarkCheck; negative: never (only local inserts).
	BookmarkCheck time.Duration
	// EditionLook bounds a background look for a newer edition. Default
	// DefaultEditionLook.
	EditionLook time.Duration
	// WatchFor is how long after a USK page was shown its newer editions
	// are looked for. Default DefaultWatchFor.
	WatchFor time.Duration
	// PollEvery is how often a watched USK is looked at, besides at each
	// arrival. Default DefaultPollEvery.
	PollEvery time.Duration
	// ArrivalGap is the least time between a look at a watched USK and the
	// next one an arrival wakes (a local insert of the USK still wakes it
	// at once). Default DefaultArrivalGap.
	ArrivalGap time.Duration
	// MaxUpload bounds one publish form, in bytes. Default
	// DefaultMaxUpload.
	MaxUpload int64
	// MaxFetchSize bounds a fetched document, in bytes. Default
	// DefaultMaxFetchSize.
	MaxFetchSize int64
	// Logger receives the gateway's log lines. Default slog.Default().
	Logger *slog.Logger

	// Test knobs.

	// Rand is the source of keys and form tokens. Default crypto/rand.
	Rand io.Reader
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Validate reports the first problem with c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Backend == nil {
		return errors.New("gateway: Config.Backend is required")
	}
	if c.StateDir == "" {
		return errors.New("gateway: Config.StateDir is required")
	}
	if _, err := checkAddr(c.Addr, c.AllowNonLoopback); err != nil {
		return err
	}
	if c.ProgressAfter < 0 || c.MaxFilterSize < 0 || c.KeepResult < 0 || c.MaxJobs < 0 || c.EditionLook < 0 || c.MaxUpload < 0 || c.WatchFor < 0 || c.PollEvery < 0 || c.MaxFetchSize < 0 || c.ArrivalGap < 0 {
		return errors.New("gateway: negative limit in Config")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.SocialURL == "" {
		c.SocialURL = DefaultSocialURL
	}
	if c.ProgressAfter == 0 {
		c.ProgressAfter = DefaultProgressAfter
	}
	if c.MaxFilterSize == 0 {
		c.MaxFilterSize = DefaultMaxFilterSize
	}
	if c.KeepResult == 0 {
		c.KeepResult = DefaultKeepResult
	}
	if c.MaxJobs == 0 {
		c.MaxJobs = DefaultMaxJobs
	}
	if c.BookmarkCheck == 0 {
		c.BookmarkCheck = DefaultBookmarkCheck
	}
	if c.EditionLook == 0 {
		c.EditionLook = DefaultEditionLook
	}
	if c.WatchFor == 0 {
		c.WatchFor = DefaultWatchFor
	}
	if c.PollEvery == 0 {
		c.PollEvery = DefaultPollEvery
	}
	if c.ArrivalGap == 0 {
		c.ArrivalGap = DefaultArrivalGap
	}
	if c.MaxUpload == 0 {
		c.MaxUpload = DefaultMaxUpload
	}
	if c.MaxFetchSize == 0 {
		c.MaxFetchSize = DefaultMaxFetchSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// checkAddr checks a listen address: host:port, and loopback unless
// allowed otherwise ("localhost" counts as 127.0.0.1).
func checkAddr(addr string, anyAddr bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("gateway: listen address %q: %v", addr, err)
	}
	if anyAddr {
		return addr, nil
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return "", fmt.Errorf("gateway: listen address %q is not a loopback address: the gateway browses and publishes as this node without a login, so it is served only to this machine (127.0.0.1 or ::1) unless allowed otherwise", addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}
