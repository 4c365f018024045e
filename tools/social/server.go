package social

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hamsnet/hams/node/webguard"
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
// 127.0.0.1 (DNS rebinding); a POST must come from the page, with its form
// token (webguard).
func (a *App) Handler(addr string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	mux := http.NewServeMux()
	a.routes(mux)
	return webguard.New(webguard.Config{
		Name: "social",
		Addr: addr,
		Headers: map[string]string{
			"Content-Security-Policy":      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
			"X-Frame-Options":              "DENY",
			"X-Content-Type-Options":       "nosniff",
			"Referrer-Policy":              "same-origin",
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Resource-Policy": "same-origin",
		},
		Cookie:      "hams_csrf_" + port,
		TokenHeader: "X-CSRF",
		TokenField:  "csrf",
		MaxForm:     a.maxBody(),
		IssueCookie: pageRequest,
		Secret:      a.secret,
		Rand:        rand.Reader,
		Refused: func(r *http.Request, cookie, token bool) {
			a.cfg.Logger.Warn("social: refused a cross-site or stale form", "path", r.URL.Path, "origin", r.Header.Get("Origin"),
				"fetch-site", r.Header.Get("Sec-Fetch-Site"), "cookie", cookie, "token", token)
		},
	}, a.gate(mux))
}

// maxBody bounds a form: the images of a post and some text.
func (a *App) maxBody() int64 { return int64(1+feed.MaxImages)*a.cfg.MaxImageSize + 1<<20 }

// pageRequest reports whether r asks for a page (which carries forms): only
// pages issue the form-token cookie.
func pageRequest(r *http.Request) bool {
	p := r.URL.Path
	return !strings.HasPrefix(p, "/static/") && p != "/img" && p != "/events" && p != "/invite.png"
}

// formToken is the token forms of this request carry.
func formToken(r *http.Request) string { return webguard.Token(r) }

var errMethod = errors.New("social: method not allowed")
