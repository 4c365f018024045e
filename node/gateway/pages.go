package gateway

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/statuspage"
)

// routes registers the gateway's pages.
func (g *Gateway) routes(mux *http.ServeMux) {
	mux.HandleFunc("/", g.serveRoot)
	mux.HandleFunc("GET /open", g.serveOpen)
	mux.HandleFunc("GET /external", g.serveExternal)
	mux.HandleFunc("GET /edition-note", g.serveEditionNote)
	mux.HandleFunc("GET /publish", g.servePublish)
	mux.HandleFunc("POST /publish/file", g.servePublishFile)
	mux.HandleFunc("POST /publish/site", g.servePublishSite)
	mux.HandleFunc("GET /job", g.serveJob)
	mux.HandleFunc("POST /bookmarks/add", g.serveBookmarkAdd)
	mux.HandleFunc("POST /bookmarks/remove", g.serveBookmarkRemove)
	mux.HandleFunc("GET /static/gateway.css", serveCSS(gatewayCSS))
	if p := g.cfg.Status; p != nil {
		mux.HandleFunc("GET /static/status.css", serveCSS(statuspage.StyleSheet))
		mux.HandleFunc("GET /status", p.ServeStatus)
		mux.HandleFunc("GET /metrics", p.ServeMetrics)
	}
}

// serveRoot is the start page at "/", and every key path below it.
func (g *Gateway) serveRoot(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "gateway: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		g.serveHome(w, r)
	case isKeyPath(p):
		g.serveKey(w, r)
	case strings.HasPrefix(p, "/freenet:") || strings.HasPrefix(p, "/hams:"):
		// Links written for Hyphanet's FProxy (freenet:KEY).
		k := p[strings.IndexByte(p, ':')+1:]
		http.Redirect(w, r, (&url.URL{Path: "/" + strings.TrimLeft(k, "/")}).EscapedPath(), http.StatusMovedPermanently)
	case p == "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
	default:
		g.errorPage(w, r, http.StatusNotFound, "No such page", "The gateway has no page at "+p+". Keys start with CHK@, SSK@, USK@ or KSK@.", 0)
	}
}

// serveOpen takes the start page's "open a key" box: a key, freenet:KEY,
// or a gateway address of one.
func (g *Gateway) serveOpen(w http.ResponseWriter, r *http.Request) {
	k := strings.TrimSpace(r.URL.Query().Get("key"))
	if u, err := url.Parse(k); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		k = u.Path
	}
	k = strings.TrimPrefix(strings.TrimPrefix(k, "freenet:"), "hams:")
	k = strings.TrimLeft(k, "/")
	u, err := keys.Parse(k)
	if err != nil {
		g.errorPage(w, r, http.StatusBadRequest, "This is not a key", err.Error(), fcpwire.FetchInvalidURI)
		return
	}
	http.Redirect(w, r, keyPath(u), http.StatusSeeOther)
}

// serveExternal is the warning page every link that leaves the gateway
// leads to.
func (g *Gateway) serveExternal(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("url")
	u, err := url.Parse(raw)
	d := struct {
		URL      string
		Linkable bool
	}{URL: raw, Linkable: err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""}
	g.render(w, http.StatusOK, "external", d)
}

// errorPage explains a failure; code, when not 0, is fred's fetch code.
func (g *Gateway) errorPage(w http.ResponseWriter, r *http.Request, status int, title, detail string, code int) {
	d := struct {
		Title, Detail, Path string
		Code                int
		Short               string
	}{Title: title, Detail: detail, Path: r.URL.EscapedPath(), Code: code}
	if code != 0 {
		d.Short = fcpwire.FetchShortDescription(code)
	}
	g.render(w, status, "error", d)
}

// progressPage shows a running job; it reloads itself, and the reload
// waits up to ProgressAfter for the job, so the page appears as soon as
// it is there.
func (g *Gateway) progressPage(w http.ResponseWriter, r *http.Request, j *job) {
	p, _, _, _, _ := j.state()
	d := struct {
		Title                        string
		Found, Needed, Total, Failed int
		Final                        bool
		Percent                      int
		Retry                        string
	}{Title: j.title, Found: p.Succeeded, Needed: p.Required, Total: p.Total, Failed: p.Failed, Final: p.FinalizedTotal}
	if p.Required > 0 {
		d.Percent = min(100, 100*p.Succeeded/p.Required)
	}
	w.Header().Set("Cache-Control", "no-store")
	g.render(w, http.StatusOK, "progress", d)
}

// downloadPage offers a document the gateway will not show, as a file to
// save, behind a warning.
func (g *Gateway) downloadPage(w http.ResponseWriter, r *http.Request, u keys.URI, ct string, size int64, why string) {
	d := struct {
		Why, Type, Size, Name, Link string
	}{Why: why, Type: ct, Size: humanBytes(size), Name: downloadName(u), Link: r.URL.EscapedPath() + "?download=1"}
	g.render(w, http.StatusOK, "download", d)
}

// render executes page name with d inside the layout.
func (g *Gateway) render(w http.ResponseWriter, status int, name string, d any) {
	var buf bytes.Buffer
	err := pages.ExecuteTemplate(&buf, name, layoutData{Menu: g.menu(), Page: d})
	if err != nil {
		g.log.Error("gateway: page", "page", name, "err", err)
		http.Error(w, "gateway: the page could not be drawn", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// layoutData is what every page gets.
type layoutData struct {
	Menu menu
	Page any
}

// menu is the gateway's menu bar.
type menu struct {
	Social string // link to hams social, "" for none
	Status bool
}

func (g *Gateway) menu() menu {
	m := menu{Status: g.cfg.Status != nil}
	if g.cfg.SocialURL != "-" {
		m.Social = g.cfg.SocialURL
	}
	return m
}

func serveCSS(css string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write([]byte(css))
	}
}

// humanBytes writes n bytes for people.
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"human": humanBytes,
}).Parse(pageTemplates))
