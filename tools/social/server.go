package social

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
)

// Run serves the web page on cfg.Listen until ctx ends, then closes the
// App. ready, if not nil, is called with the address once it listens.
func (a *App) Run(ctx context.Context, ready func(addr string)) error {
	addr, err := loopbackAddr(a.cfg.Listen)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("social: %w", err)
	}
	return a.Serve(ctx, ln, ready)
}

// Serve serves the web page on ln (which must be a loopback listener)
// until ctx ends.
func (a *App) Serve(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	if _, err := loopbackAddr(ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler(ln.Addr().String()),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// Handler returns the web page's handler for a server at addr (host:port):
// requests must name that host (or localhost) with that port, so that a
// page on another site cannot reach it through a name it resolves to
// 127.0.0.1 (DNS rebinding).
func (a *App) Handler(addr string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	hosts := map[string]bool{addr: true, "localhost:" + port: true, "127.0.0.1:" + port: true, "[::1]:" + port: true}
	mux := http.NewServeMux()
	a.routes(mux)
	return &guard{app: a, hosts: hosts, next: mux, cookie: "hams_csrf_" + port}
}

// guard checks every request before the handlers: the Host header, and for
// a POST the origin and the CSRF token; it sets the security headers.
type guard struct {
	app    *App
	hosts  map[string]bool
	next   http.Handler
	cookie string // the CSRF cookie's name (per port: cookies are per host)
}

// ctxKey keys the request context's values.
type ctxKey int

const ctxToken ctxKey = iota // the request's CSRF form token

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !g.hosts[r.Host] {
		http.Error(w, "social: this page is served to "+strings.Join(mapKeys(g.hosts), " or ")+" only", http.StatusMisdirectedRequest)
		return
	}
	// The CSRF token: a random cookie, and in forms its MAC under the
	// App's secret. A page on another origin can neither read the cookie
	// nor compute the MAC; SameSite=Strict keeps the cookie off its
	// requests as well.
	tok := ""
	if c, err := r.Cookie(g.cookie); err == nil && len(c.Value) >= 32 {
		tok = c.Value
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, g.app.maxBody())
		sent := r.Header.Get("X-CSRF")
		if sent == "" && g.sameOrigin(r) {
			sent = r.FormValue("csrf") // parses the form (within maxBody)
		}
		if !g.sameOrigin(r) || tok == "" || !hmac.Equal([]byte(sent), []byte(g.mac(tok))) {
			g.app.cfg.Logger.Warn("social: refused a cross-site or stale form", "path", r.URL.Path, "origin", r.Header.Get("Origin"),
				"fetch-site", r.Header.Get("Sec-Fetch-Site"), "cookie", tok != "", "token", sent != "")
			http.Error(w, "social: this form did not come from this page (or the page is too old): go back, reload and send it again", http.StatusForbidden)
			return
		}
	} else if tok == "" && pageRequest(r) {
		// Only pages issue the cookie: the style sheet, script, images
		// and event stream of a first visit load in parallel without
		// one, and each new cookie would replace the page's.
		tok = base64.RawURLEncoding.EncodeToString(randomBytes(32))
		http.SetCookie(w, &http.Cookie{Name: g.cookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	g.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxToken, g.mac(tok))))
}

// maxBody bounds a form: the images of a post and some text.
func (a *App) maxBody() int64 { return int64(1+feed.MaxImages)*a.cfg.MaxImageSize + 1<<20 }

// pageRequest reports whether r asks for a page (which carries forms).
func pageRequest(r *http.Request) bool {
	p := r.URL.Path
	return !strings.HasPrefix(p, "/static/") && p != "/img" && p != "/events"
}

// mac is the form token of cookie value tok.
func (g *guard) mac(tok string) string {
	m := hmac.New(sha256.New, g.app.secret)
	m.Write([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin checks the browser's word on where a request comes from.
// Sec-Fetch-Site, which browsers set and pages cannot, must say this page
// (same-origin) or the person (none); without it, Origin, when present,
// must be this page. (A form sent under a no-referrer policy has Origin
// "null", so Sec-Fetch-Site decides when it is there.)
func (g *guard) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not a browser that says; the token decides
	}
	u, err := url.Parse(o)
	return err == nil && u.Scheme == "http" && g.hosts[u.Host]
}

// formToken is the CSRF token forms of this request carry.
func formToken(r *http.Request) string {
	s, _ := r.Context().Value(ctxToken).(string)
	return s
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

var errMethod = errors.New("social: method not allowed")
