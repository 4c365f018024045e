package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hamsnet/hams/node/webguard"
)

// Gateway is the node's web gateway. Create one with New, serve it with
// Serve or ListenAndServe, stop it with Close.
type Gateway struct {
	cfg    Config
	log    *slog.Logger
	secret []byte // keys the form tokens
	spool  string // StateDir/spool: fetched files

	ctx    context.Context // cancelled by Close: every job and look ends
	cancel context.CancelFunc
	wg     sync.WaitGroup // the goroutines the Gateway started

	mu      sync.Mutex           // guards jobs, watches, seq
	jobs    map[string]*job      // fetches by URI, inserts by id
	watches map[string]time.Time // USK (uskID) being watched → until when
	seq     uint64               // numbers spool files and insert jobs

	marks *bookmarks
	sites *sites

	srvMu sync.Mutex     // guards srv
	srv   []*http.Server // the servers Serve runs
	close sync.Once
}

// New checks cfg, prepares StateDir (the spool of an earlier run is
// removed) and starts the bookmark checker. The caller must Close it.
func New(cfg Config) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	spool := filepath.Join(cfg.StateDir, "spool")
	if err := os.RemoveAll(spool); err != nil {
		return nil, fmt.Errorf("gateway: clear the spool: %w", err)
	}
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := io.ReadFull(cfg.Rand, secret); err != nil {
		return nil, fmt.Errorf("gateway: random: %w", err)
	}
	marks, err := openBookmarks(filepath.Join(cfg.StateDir, "bookmarks.json"))
	if err != nil {
		return nil, err
	}
	st, err := openSites(filepath.Join(cfg.StateDir, "sites.json"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{cfg: cfg, log: cfg.Logger, secret: secret, spool: spool, ctx: ctx, cancel: cancel,
		jobs: map[string]*job{}, watches: map[string]time.Time{}, marks: marks, sites: st}
	g.wg.Add(2)
	go g.janitor()
	go g.checkBookmarks()
	return g, nil
}

// Close stops the servers, cancels every fetch and insert, waits for the
// goroutines the Gateway started and removes the spool.
func (g *Gateway) Close() error {
	g.close.Do(func() {
		g.cancel()
		g.srvMu.Lock()
		for _, s := range g.srv {
			s.Close()
		}
		g.srvMu.Unlock()
		g.wg.Wait()
		os.RemoveAll(g.spool)
	})
	return nil
}

// ListenAndServe listens on Config.Addr and serves until Close. ready, if
// not nil, is called with the address once it listens.
func (g *Gateway) ListenAndServe(ready func(addr string)) error {
	addr, err := checkAddr(g.cfg.Addr, g.cfg.AllowNonLoopback)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return g.Serve(ln)
}

// Serve serves on ln until Close; it returns nil after Close.
func (g *Gateway) Serve(ln net.Listener) error {
	srv := &http.Server{
		Handler:           g.Handler(ln.Addr().String()),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return g.ctx },
	}
	g.srvMu.Lock()
	if g.ctx.Err() != nil {
		g.srvMu.Unlock()
		ln.Close()
		return nil
	}
	g.srv = append(g.srv, srv)
	g.srvMu.Unlock()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// Handler returns the gateway's handler for a server at addr (host:port):
// requests must name that host, or a loopback name with that port, so that
// a page elsewhere cannot reach the gateway through a name it resolves to
// 127.0.0.1 (DNS rebinding); a POST must come from the gateway's own page,
// with its form token (webguard; docs/gateway.md G1-G3).
func (g *Gateway) Handler(addr string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	mux := http.NewServeMux()
	g.routes(mux)
	return webguard.New(webguard.Config{
		Name:    "gateway",
		Addr:    addr,
		AnyHost: g.cfg.AllowNonLoopback,
		Headers: map[string]string{
			"Content-Security-Policy":      cspPage,
			"X-Content-Type-Options":       "nosniff",
			"X-Frame-Options":              "SAMEORIGIN",
			"Referrer-Policy":              "no-referrer",
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Resource-Policy": "same-origin",
			"Permissions-Policy":           "camera=(), microphone=(), geolocation=(), interest-cohort=()",
		},
		Cookie:        "hams_gw_" + port,
		TokenHeader:   "X-Form-Token",
		TokenQuery:    "token", // multipart forms carry it in their action
		TokenField:    "token",
		MaxForm:       1 << 20,
		SkipMultipart: true, // uploads: the handler reads them, within MaxUpload
		IssueCookie:   func(r *http.Request) bool { return gatewayPage(r.URL.Path) },
		Secret:        g.secret,
		Rand:          g.cfg.Rand,
		Refused: func(r *http.Request, cookie, token bool) {
			g.log.Warn("gateway: refused a cross-site or stale form", "path", r.URL.Path,
				"fetch-site", r.Header.Get("Sec-Fetch-Site"), "cookie", cookie, "token", token)
		},
	}, mux)
}

// The Content-Security-Policy headers: the second wall behind the filter.
// Neither allows a script or a request to anywhere but the gateway.
const (
	// cspPage is for the gateway's own pages.
	cspPage = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
	// cspContent is for filtered documents: their style attributes and
	// <style> elements were filtered, so inline style may stay.
	cspContent = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; font-src 'self'; media-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)

// gatewayPage reports whether path is one of the gateway's own pages that
// carry forms (not a document from the network, not a style sheet).
func gatewayPage(path string) bool {
	return path == "/" || path == "/publish" || path == "/bookmarks" || path == "/edition-note" || path == "/job"
}

// formToken is the token the forms of this request carry.
func formToken(r *http.Request) string { return webguard.Token(r) }
