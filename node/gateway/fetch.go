package gateway

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/gateway/contentfilter"
)

// keyPrefixes are the first path components that name a key.
var keyPrefixes = []string{"CHK@", "SSK@", "USK@", "KSK@"}

// isKeyPath reports whether p (an unescaped URL path) names a key.
func isKeyPath(p string) bool {
	for _, k := range keyPrefixes {
		if strings.HasPrefix(p, "/"+k) {
			return true
		}
	}
	return false
}

// parseKeyPath parses the key of a gateway path ("/USK@…/site/5/a.html").
func parseKeyPath(p string) (keys.URI, error) {
	return keys.Parse(strings.TrimPrefix(p, "/"))
}

// keyPath is the gateway path of u, escaped for a URL.
func keyPath(u keys.URI) string {
	return (&url.URL{Path: "/" + u.String()}).EscapedPath()
}

// serveKey answers GET /KEY/…: a USK at an old or negative edition
// redirects to the newest known; anything else is fetched (a progress
// page while it takes long) and shown through the content filter.
func (g *Gateway) serveKey(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "gateway: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	u, err := parseKeyPath(r.URL.Path)
	if err != nil {
		g.errorPage(w, r, http.StatusBadRequest, "This is not a key the gateway can open", err.Error(), fcpwire.FetchInvalidURI)
		return
	}
	if u.IsInsert() {
		g.errorPage(w, r, http.StatusBadRequest, "This is an insert URI (a private key)",
			"It lets anyone publish under this key. Keep it secret; open its request URI instead.", fcpwire.FetchInvalidURI)
		return
	}
	if u.Type == keys.USK && g.uskRedirect(w, r, u) {
		return
	}
	id := "get:" + u.String()
	q := r.URL.Query()
	if q.Has("retry") {
		if j := g.job(id); j != nil {
			g.forget(j)
		}
		http.Redirect(w, r, r.URL.EscapedPath(), http.StatusSeeOther)
		return
	}
	j, err := g.startJob(id, "Fetching "+shortKey(u), func(ctx context.Context, j *job) error { return g.fetch(ctx, j, u) })
	if err != nil {
		g.errorPage(w, r, http.StatusServiceUnavailable, "The gateway is busy", err.Error(), 0)
		return
	}
	if !g.await(r.Context(), j) {
		g.progressPage(w, r, j)
		return
	}
	_, _, res, _, err := j.state()
	if err != nil {
		var fe *fcp.FetchError
		if errors.As(err, &fe) && fe.Code == fcpwire.FetchPermanentRedirect && fe.RedirectURI.Type != 0 {
			g.forget(j)
			http.Redirect(w, r, keyPath(fe.RedirectURI), http.StatusFound)
			return
		}
		// A reload tries again (the node's failure table keeps a
		// repeated miss from costing the network).
		g.forget(j)
		g.fetchFailed(w, r, u, err)
		return
	}
	if res.DefaultDocument && !strings.HasSuffix(r.URL.Path, "/") {
		// A site's root: its relative links resolve against the
		// directory only once the path ends in "/".
		to := r.URL.EscapedPath() + "/"
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return
	}
	if u.Type == keys.USK {
		g.marks.seen(u)
	}
	g.serveResult(w, r, u, j, res)
}

// await waits for j up to ProgressAfter; it reports whether j is done.
func (g *Gateway) await(ctx context.Context, j *job) bool {
	select {
	case <-j.done:
		return true
	default:
	}
	t := time.NewTimer(g.cfg.ProgressAfter)
	defer t.Stop()
	select {
	case <-j.done:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// fetch runs one fetch into a spool file.
func (g *Gateway) fetch(ctx context.Context, j *job, u keys.URI) error {
	name := g.spoolFile()
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return &fcp.FetchError{Code: fcpwire.FetchBucketError, Extra: err.Error()}
	}
	j.file = name
	res, err := g.cfg.Backend.Get(ctx, u, f, fcp.GetOptions{MaxSize: g.cfg.MaxFetchSize, Progress: j.progress})
	if cerr := f.Close(); err == nil && cerr != nil {
		err = &fcp.FetchError{Code: fcpwire.FetchBucketError, Extra: cerr.Error()}
	}
	j.mu.Lock()
	j.res = res
	j.mu.Unlock()
	if err == nil && u.Type == keys.USK {
		g.watch(u)
	}
	return err
}

// serveResult shows a fetched document: through the content filter, or
// (with ?download) as a file to save.
func (g *Gateway) serveResult(w http.ResponseWriter, r *http.Request, u keys.URI, j *job, res fcp.GetResult) {
	f, err := os.Open(j.file)
	if err != nil {
		g.errorPage(w, r, http.StatusInternalServerError, "The fetched file is gone", err.Error()+" — reload to fetch it again", 0)
		return
	}
	defer f.Close()
	ct := res.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	name := downloadName(u)
	if r.URL.Query().Has("download") {
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		h.Set("Cache-Control", "private, no-store")
		http.ServeContent(w, r, "", time.Time{}, f)
		return
	}
	mt, _, _ := mime.ParseMediaType(ct)
	base := r.URL.EscapedPath()
	if filtersInMemory(mt) {
		if res.Size > g.cfg.MaxFilterSize {
			g.downloadPage(w, r, u, ct, res.Size, "It is too large for the gateway to check ("+humanBytes(res.Size)+"; the limit is "+humanBytes(g.cfg.MaxFilterSize)+").")
			return
		}
		var buf bytes.Buffer
		out, err := contentfilter.Filter(&buf, f, ct, contentfilter.Options{Base: base})
		if err != nil {
			g.filterFailed(w, r, u, ct, res.Size, err)
			return
		}
		body := buf.Bytes()
		if mt == "text/html" && u.Type == keys.USK {
			body = injectBanner(body, editionNote(u))
		}
		g.contentHeaders(w, out.ContentType)
		w.Header().Set("Content-Length", itoa(int64(len(body))))
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	// Other types stream through the filter (images: their signature is
	// checked before the first byte goes out).
	lw := &lazyWriter{w: w, ct: mt, onFirst: func(ct string) { g.contentHeaders(w, ct) }}
	out, err := contentfilter.Filter(lw, f, ct, contentfilter.Options{Base: base})
	if err != nil && !lw.started {
		g.filterFailed(w, r, u, ct, res.Size, err)
		return
	}
	if err != nil {
		g.log.Debug("gateway: filter failed mid-way", "err", err)
		return
	}
	if !lw.started {
		g.contentHeaders(w, out.ContentType)
		w.WriteHeader(http.StatusOK)
	}
}

// filtersInMemory reports whether documents of MIME type mt are rebuilt
// whole by the filter (and may be changed in length).
func filtersInMemory(mt string) bool {
	switch mt {
	case "text/html", "text/css", "text/plain":
		return true
	}
	return false
}

// contentHeaders sets the headers of a filtered document.
func (g *Gateway) contentHeaders(w http.ResponseWriter, ct string) {
	h := w.Header()
	h.Set("Content-Security-Policy", cspContent)
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "private, max-age=300")
}

// lazyWriter sends the headers at its first Write: until then an error
// can still become an error page. onFirst is called with ct: the type of
// an image, which the filter passes unchanged.
type lazyWriter struct {
	w       http.ResponseWriter
	ct      string
	started bool
	onFirst func(ct string)
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		ct := l.ct
		if ct == "" {
			ct = "application/octet-stream"
		}
		l.onFirst(ct)
	}
	return l.w.Write(p)
}

// fetchFailed explains a failed fetch in words, with fred's code.
func (g *Gateway) fetchFailed(w http.ResponseWriter, r *http.Request, u keys.URI, err error) {
	code := fcpwire.FetchInternalError
	var fc fcp.FetchCoder
	if errors.As(err, &fc) {
		code = fc.FetchCode()
	}
	status, title, words := failureWords(code)
	g.errorPage(w, r, status, title, words+"\n\n"+err.Error(), code)
}

// failureWords says what a fetch failure means to a reader.
func failureWords(code int) (status int, title, words string) {
	switch code {
	case fcpwire.FetchDataNotFound, fcpwire.FetchAllDataNotFound, fcpwire.FetchRouteNotFound, fcpwire.FetchRecentlyFailed:
		return http.StatusNotFound, "Not found",
			"The request went out into the network, up to 18 hops, and no node it reached had the data (or enough of its blocks). It may never have been inserted, it may have dropped out of the network, or this node may not have enough peers yet. Try again later: the node also stays on the lookout, so data that arrives meanwhile is fetched at once."
	case fcpwire.FetchNotInArchive, fcpwire.FetchNotEnoughPathComponents, fcpwire.FetchTooManyPathComponents:
		return http.StatusNotFound, "No such file in this site", "The site was found, but it has no file at this path."
	case fcpwire.FetchTooBig, fcpwire.FetchTooBigMetadata:
		return http.StatusRequestEntityTooLarge, "Too big", "The file is larger than the gateway fetches for a browser (1 GiB unless the node was told otherwise); fetch it with hams get or another FCP client."
	case fcpwire.FetchInvalidURI:
		return http.StatusBadRequest, "Not a valid key", "The address is not a key the gateway can open."
	case fcpwire.FetchCancelled:
		return http.StatusServiceUnavailable, "Cancelled", "The fetch was cancelled (the node is stopping)."
	case fcpwire.FetchRejectedOverload, fcpwire.FetchTransferFailed:
		return http.StatusBadGateway, "The network is busy", "The nodes on the way were overloaded or a transfer broke off. Try again."
	case fcpwire.FetchInvalidMetadata, fcpwire.FetchUnknownMetadata, fcpwire.FetchUnknownSplitfileMetadata, fcpwire.FetchBlockDecodeError, fcpwire.FetchSplitfileError:
		return http.StatusBadGateway, "Damaged data", "The data was found but does not decode: it was inserted by a broken program, or it is not what the key says."
	}
	return http.StatusBadGateway, "The fetch failed", fcpwire.FetchDescription(code)
}

// filterFailed shows why the filter refused a document: an unknown type is
// offered as a download behind a warning; other errors are shown.
func (g *Gateway) filterFailed(w http.ResponseWriter, r *http.Request, u keys.URI, ct string, size int64, err error) {
	if errors.Is(err, contentfilter.ErrUnknownType) {
		g.downloadPage(w, r, u, ct, size, "The gateway cannot show documents of this type safely: it does not know how to check them for scripts and links that would reveal who you are.")
		return
	}
	g.errorPage(w, r, http.StatusUnsupportedMediaType, "The document did not pass the content filter", err.Error(), 0)
}

// downloadName is the file name a download is saved under.
func downloadName(u keys.URI) string {
	n := ""
	if len(u.Meta) > 0 {
		n = u.Meta[len(u.Meta)-1]
	}
	if n == "" {
		n = u.Name
	}
	n = path.Base("/" + n)
	if n == "/" || n == "." || n == "" {
		n = "download"
	}
	return n
}

// shortKey is a key for titles: type, the start of the hash, the name.
func shortKey(u keys.URI) string {
	s := u.String()
	if i := strings.IndexByte(s, ','); i > 0 && i > 12 {
		rest := s[i:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return s[:12] + "…" + rest[j:]
		}
		return s[:12] + "…"
	}
	return s
}
