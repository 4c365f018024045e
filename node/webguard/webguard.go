// Package webguard guards a web page that a program serves to its own
// machine (the node's web gateway, hams social): every request must name
// the server's own address in its Host header (DNS rebinding), every
// response carries the given security headers, and every form sent to it
// must come from its own pages, which the browser says (Sec-Fetch-Site,
// Origin) and a token proves: a random cookie (SameSite=Strict, HttpOnly)
// and, in the form, its HMAC under the server's secret, which a page
// elsewhere can neither read nor compute.
//
// It imports nothing of the module.
package webguard

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Config configures a guard. Name, Secret and Rand are required.
type Config struct {
	// Name prefixes the guard's error messages ("gateway", "social").
	Name string
	// Addr is the server's host:port: requests must name it, or
	// localhost, 127.0.0.1 or [::1] with its port.
	Addr string
	// AnyHost turns the Host check off (a server the operator put on a
	// non-loopback address on purpose).
	AnyHost bool
	// Headers are set on every response: the Content-Security-Policy and
	// the other security headers.
	Headers map[string]string
	// Cookie is the token cookie's name (make it differ per port: cookies
	// are per host).
	Cookie string
	// TokenHeader is the request header, TokenQuery (if not empty) the
	// query parameter and TokenField the form field that may carry a
	// form's token, looked at in that order.
	TokenHeader, TokenQuery, TokenField string
	// MaxForm bounds the body of every form but the multipart ones
	// SkipMultipart leaves to the handler.
	MaxForm int64
	// SkipMultipart leaves multipart bodies unread (large uploads): their
	// token must come in the header or the query.
	SkipMultipart bool
	// IssueCookie reports whether a GET or HEAD request that comes
	// without the cookie gets one: pages with forms, not the style sheets
	// and images loaded beside them (each new cookie would replace the
	// page's).
	IssueCookie func(*http.Request) bool
	// Secret keys the tokens' MACs (32 random bytes).
	Secret []byte
	// Rand is the source of cookies.
	Rand io.Reader
	// Refused, if not nil, is told of each form refused.
	Refused func(r *http.Request, hadCookie, hadToken bool)
}

// guard is the handler New returns.
type guard struct {
	cfg   Config
	hosts map[string]bool
	next  http.Handler
}

// ctxKey keys the request context's values.
type ctxKey int

const ctxToken ctxKey = iota

// New returns next behind the guard.
func New(cfg Config, next http.Handler) http.Handler {
	return &guard{cfg: cfg, hosts: Hosts(cfg.Addr), next: next}
}

// Hosts returns the Host header values a server at addr (host:port)
// answers: addr itself and the loopback names with its port.
func Hosts(addr string) map[string]bool {
	_, port, _ := net.SplitHostPort(addr)
	hosts := map[string]bool{addr: true, "localhost:" + port: true, "127.0.0.1:" + port: true, "[::1]:" + port: true}
	if port == "80" {
		hosts["localhost"], hosts["127.0.0.1"], hosts["[::1]"] = true, true, true
	}
	return hosts
}

// Token returns the token the forms of the page answering r must carry.
func Token(r *http.Request) string {
	s, _ := r.Context().Value(ctxToken).(string)
	return s
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range g.cfg.Headers {
		h.Set(k, v)
	}
	if !g.cfg.AnyHost && !g.hosts[r.Host] {
		keys := make([]string, 0, len(g.hosts))
		for k := range g.hosts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		http.Error(w, g.cfg.Name+": this page is served to "+strings.Join(keys, " or ")+" only", http.StatusMisdirectedRequest)
		return
	}
	tok := ""
	if c, err := r.Cookie(g.cfg.Cookie); err == nil && len(c.Value) >= 32 {
		tok = c.Value
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !g.formAllowed(r, w, tok) {
			http.Error(w, g.cfg.Name+": this form did not come from this page (or the page is too old): go back, reload and send it again", http.StatusForbidden)
			return
		}
	} else if tok == "" && g.cfg.IssueCookie != nil && g.cfg.IssueCookie(r) {
		var b [32]byte
		if _, err := io.ReadFull(g.cfg.Rand, b[:]); err != nil {
			http.Error(w, g.cfg.Name+": no randomness", http.StatusInternalServerError)
			return
		}
		tok = base64.RawURLEncoding.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: g.cfg.Cookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	g.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxToken, g.mac(tok))))
}

// formAllowed checks a form: from this page, with the token of its cookie.
func (g *guard) formAllowed(r *http.Request, w http.ResponseWriter, tok string) bool {
	same := g.sameOrigin(r)
	sent := r.Header.Get(g.cfg.TokenHeader)
	if sent == "" && g.cfg.TokenQuery != "" {
		sent = r.URL.Query().Get(g.cfg.TokenQuery)
	}
	read := !(g.cfg.SkipMultipart && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/"))
	if read {
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxForm) // also for the handler
	}
	if sent == "" && same && read {
		sent = r.FormValue(g.cfg.TokenField) // parses the form (within MaxForm)
	}
	ok := same && tok != "" && hmac.Equal([]byte(sent), []byte(g.mac(tok)))
	if !ok && g.cfg.Refused != nil {
		g.cfg.Refused(r, tok != "", sent != "")
	}
	return ok
}

// mac is the form token of cookie value tok.
func (g *guard) mac(tok string) string {
	m := hmac.New(sha256.New, g.cfg.Secret)
	m.Write([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin checks the browser's word on where a request comes from.
// Sec-Fetch-Site, which browsers set and pages cannot, must say this page
// (same-origin) or the person (none); without it, Origin, when present,
// must be this page ("null", what a sandboxed frame or a data: page sends,
// is not). A form sent under a no-referrer policy has Origin "null" too,
// so Sec-Fetch-Site decides when it is there (every current browser sends
// it); without either, the token decides.
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
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Scheme == "http" && (g.cfg.AnyHost || g.hosts[u.Host])
}
