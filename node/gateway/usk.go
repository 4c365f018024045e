package gateway

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/html"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// knownEdition is the newest edition of the USK u the node knows, or -1.
func (g *Gateway) knownEdition(u keys.URI) int64 {
	if ew, ok := g.cfg.Backend.(fcp.EditionWatcher); ok {
		return ew.KnownEdition(u)
	}
	return -1
}

// uskID names a USK whatever its edition and path.
func uskID(u keys.URI) string {
	v := u.WithEdition(0)
	v.Meta = nil
	return v.String()
}

// uskRedirect answers a USK request whose edition is negative or older
// than the newest known: it redirects to the newest known edition (same
// path) and keeps looking in the background, or, when none is known,
// looks first (progress page). It reports whether it answered.
func (g *Gateway) uskRedirect(w http.ResponseWriter, r *http.Request, u keys.URI) bool {
	known := g.knownEdition(u)
	if u.Edition >= 0 {
		if known <= u.Edition {
			return false
		}
		g.watch(u.WithEdition(known))
		http.Redirect(w, r, keyPath(u.WithEdition(known)), http.StatusFound)
		return true
	}
	from := -u.Edition
	if u.Edition == -1 {
		from = 0 // as fred: -1 also looks at edition 0
	}
	if known >= from {
		g.watch(u.WithEdition(known))
		http.Redirect(w, r, keyPath(u.WithEdition(known)), http.StatusFound)
		return true
	}
	id := "usk:" + u.String()
	j, err := g.startJob(id, "Looking for the newest edition of "+shortKey(u), func(ctx context.Context, j *job) error {
		n, err := g.cfg.Backend.LatestEdition(ctx, u)
		if err == nil {
			j.mu.Lock()
			j.uri = u.WithEdition(n)
			j.mu.Unlock()
		}
		return err
	})
	if err != nil {
		g.errorPage(w, r, http.StatusServiceUnavailable, "The gateway is busy", err.Error(), 0)
		return true
	}
	if !g.await(r.Context(), j) {
		g.progressPage(w, r, j)
		return true
	}
	_, _, _, to, err := j.state()
	g.forget(j) // the next visit looks again from what is known then
	if err != nil {
		g.fetchFailed(w, r, u, err)
		return true
	}
	http.Redirect(w, r, keyPath(to), http.StatusFound)
	return true
}

// watch looks for editions after u's in the background for WatchFor
// from now (a later call extends it): at once, then at every arrival of a
// block the node had looked for (no sooner than ArrivalGap after the last
// look), every local insert of the USK, and every PollEvery. What it finds becomes known to the node: the edition note,
// the bookmarks and the next visit show it.
func (g *Gateway) watch(u keys.URI) {
	id := uskID(u)
	until := g.cfg.Now().Add(g.cfg.WatchFor)
	g.mu.Lock()
	_, running := g.watches[id]
	if g.ctx.Err() != nil || (!running && len(g.watches) >= MaxWatches) {
		g.mu.Unlock()
		return
	}
	g.watches[id] = until
	if running {
		g.mu.Unlock()
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	v := u
	v.Meta = nil
	go func() {
		defer g.wg.Done()
		g.watchUSK(id, v)
	}()
}

// MaxWatches bounds the USKs watched at once.
const MaxWatches = 256

// watchUSK is watch's goroutine.
func (g *Gateway) watchUSK(id string, u keys.URI) {
	aw, _ := g.cfg.Backend.(fcp.ArrivalWatcher)
	ew, _ := g.cfg.Backend.(fcp.EditionWatcher)
	for {
		var arrived, local <-chan struct{}
		stop := func() {}
		if aw != nil {
			arrived = aw.Arrivals() // before looking: an arrival during the look wakes the next
		}
		if ew != nil {
			local, stop = ew.WatchEdition(u)
		}
		from := max(u.Edition, g.knownEdition(u)) + 1
		ctx, cancel := context.WithTimeout(g.ctx, g.cfg.EditionLook)
		g.cfg.Backend.LatestEdition(ctx, u.WithEdition(-from))
		cancel()
		looked := time.Now()
		t := time.NewTimer(g.cfg.PollEvery)
		select {
		case <-g.ctx.Done():
		case <-arrived:
			// A burst of arrivals (each wakes every watched USK) must not
			// turn into a burst of looks: wait out the gap, unless the
			// USK itself is inserted here meanwhile.
			if wait := g.cfg.ArrivalGap - time.Since(looked); wait > 0 {
				gap := time.NewTimer(wait)
				select {
				case <-g.ctx.Done():
				case <-local:
				case <-gap.C:
				}
				gap.Stop()
			}
		case <-local:
		case <-t.C:
		}
		t.Stop()
		stop()
		g.mu.Lock()
		if g.ctx.Err() != nil || g.cfg.Now().After(g.watches[id]) {
			delete(g.watches, id)
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}

// looking reports whether the gateway watches u's USK for new editions.
func (g *Gateway) looking(u keys.URI) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.watches[uskID(u)]
	return ok
}

// editionNote is the frame a USK page carries at its top: the gateway's
// own small page that says when a newer edition turns up.
func editionNote(u keys.URI) []byte {
	src := "/edition-note?key=" + url.QueryEscape(u.String())
	return []byte(`<iframe class="hams-edition-note" src="` + template.HTMLEscapeString(src) +
		`" title="hams: editions of this site" style="display:block;width:100%;height:2.8em;border:0;margin:0;padding:0"></iframe>`)
}

// injectBanner puts note (trusted HTML) at the start of the filtered
// document's body; in a document without a body tag, after the doctype
// and the charset the filter writes first.
func injectBanner(doc, note []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(doc))
	off, at, afterMeta := 0, -1, -1
	for at < 0 {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := len(z.Raw())
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			name, _ := z.TagName()
			switch {
			case string(name) == "body":
				at = off + raw
			case string(name) == "meta" && afterMeta < 0:
				afterMeta = off + raw
			}
		}
		off += raw
	}
	if at < 0 {
		at = max(afterMeta, 0)
	}
	out := make([]byte, 0, len(doc)+len(note))
	out = append(out, doc[:at]...)
	out = append(out, note...)
	return append(out, doc[at:]...)
}

// serveEditionNote is the frame of injectBanner: which edition is the
// newest known, a link to it, whether the node is still looking, and a
// bookmark button.
func (g *Gateway) serveEditionNote(w http.ResponseWriter, r *http.Request) {
	u, err := keys.Parse(r.URL.Query().Get("key"))
	if err != nil || u.Type != keys.USK || u.IsInsert() || u.Edition < 0 {
		g.errorPage(w, r, http.StatusBadRequest, "Not a USK", "The edition note needs a USK request URI at an edition.", fcpwire.FetchInvalidURI)
		return
	}
	known := g.knownEdition(u)
	looking := g.looking(u)
	refresh := 60
	if looking {
		refresh = 15
	}
	d := noteData{
		Edition: u.Edition, Known: known, Looking: looking, Refresh: refresh,
		Newer:  keyPath(u.WithEdition(known)),
		Marked: g.marks.has(uskID(u)), Key: u.String(), Name: u.Name, Token: formToken(r),
	}
	g.render(w, http.StatusOK, "note", d)
}

// noteData fills the edition note.
type noteData struct {
	Edition, Known int64
	Looking        bool
	Refresh        int
	Newer          string
	Marked         bool
	Key, Name      string
	Token          string
}
