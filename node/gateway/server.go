package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
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
// 127.0.0.1 (DNS rebinding).
func (g *Gateway) Handler(addr string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	hosts := map[string]bool{addr: true, "localhost:" + port: true, "127.0.0.1:" + port: true, "[::1]:" + port: true}
	if port == "80" {
		hosts["localhost"], hosts["127.0.0.1"], hosts["[::1]"] = true, true, true
	}
	mux := http.NewServeMux()
	g.routes(mux)
	return &guard{g: g, hosts: hosts, next: mux, cookie: "hams_gw_" + port}
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

// guard checks every request before the handlers: the Host header, and
// for a POST the origin and the form token; it sets the security headers.
type guard struct {
	g      *Gateway
	hosts  map[string]bool
	next   http.Handler
	cookie string // the form-token cookie's name (per port: cookies are per host)
}

// ctxKey keys the request context's values.
type ctxKey int

const ctxToken ctxKey = iota // the request's form token

func (gd *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", cspPage)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if !gd.g.cfg.AllowNonLoopback && !gd.hosts[r.Host] {
		http.Error(w, "gateway: this gateway answers to "+strings.Join(sortedKeys(gd.hosts), " or ")+" only", http.StatusMisdirectedRequest)
		return
	}
	// The form token: a random cookie, and in forms its MAC under the
	// gateway's secret. A page elsewhere can neither read the cookie nor
	// compute the MAC; SameSite=Strict keeps the cookie off its requests.
	tok := ""
	if c, err := r.Cookie(gd.cookie); err == nil && len(c.Value) >= 32 {
		tok = c.Value
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		sent := r.Header.Get("X-Form-Token")
		if sent == "" {
			sent = r.URL.Query().Get("token") // multipart forms carry it in the action
		}
		if sent == "" && sameOrigin(r, gd.hosts) && !isMultipart(r) {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			sent = r.FormValue("token")
		}
		if !sameOrigin(r, gd.hosts) || tok == "" || !hmac.Equal([]byte(sent), []byte(gd.mac(tok))) {
			gd.g.log.Warn("gateway: refused a cross-site or stale form", "path", r.URL.Path,
				"fetch-site", r.Header.Get("Sec-Fetch-Site"), "cookie", tok != "", "token", sent != "")
			http.Error(w, "gateway: this form did not come from the gateway's own page (or the page is too old): go back, reload and send it again", http.StatusForbidden)
			return
		}
	} else if tok == "" && gatewayPage(r.URL.Path) {
		var b [32]byte
		if _, err := io.ReadFull(gd.g.cfg.Rand, b[:]); err != nil {
			http.Error(w, "gateway: no randomness", http.StatusInternalServerError)
			return
		}
		tok = base64.RawURLEncoding.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: gd.cookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	gd.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxToken, gd.mac(tok))))
}

// gatewayPage reports whether path is one of the gateway's own pages that
// carry forms (not a document from the network, not a style sheet).
func gatewayPage(path string) bool {
	return path == "/" || path == "/publish" || path == "/bookmarks" || path == "/edition-note" || path == "/job"
}

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
}

// mac is the form token of cookie value tok.
func (gd *guard) mac(tok string) string {
	m := hmac.New(sha256.New, gd.g.secret)
	m.Write([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin checks the browser's word on where a request comes from:
// Sec-Fetch-Site, which pages cannot set, must say the gateway itself or
// the person; without it, Origin, when present, must be the gateway.
func sameOrigin(r *http.Request, hosts map[string]bool) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true // not a browser that says; the token decides
	}
	u, err := url.Parse(o)
	return err == nil && u.Scheme == "http" && hosts[u.Host]
}

// formToken is the token the forms of this request carry.
func formToken(r *http.Request) string {
	s, _ := r.Context().Value(ctxToken).(string)
	return s
}
