package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
)

// MaxBookmarks bounds the bookmarks a gateway keeps.
const MaxBookmarks = 1000

// bookmark is one bookmarked key. A USK's bookmark follows its editions:
// Seen is the newest edition the person opened through the gateway.
type bookmark struct {
	ID   string `json:"id"`   // the URI, without edition for a USK
	Name string `json:"name"` // what the person called it
	URI  string `json:"uri"`  // the request URI (a USK at the edition bookmarked)
	Seen int64  `json:"seen"` // USK: the newest edition opened; -1 none
}

// bookmarks are kept in one JSON file, rewritten whole on each change.
type bookmarks struct {
	file string
	mu   sync.Mutex // guards list and the file
	list []bookmark
}

func openBookmarks(file string) (*bookmarks, error) {
	b := &bookmarks{file: file}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gateway: bookmarks: %w", err)
	}
	if err := json.Unmarshal(data, &b.list); err != nil {
		return nil, fmt.Errorf("gateway: bookmarks: %s is damaged (%v): move it away to start with none", file, err)
	}
	return b, nil
}

// add bookmarks u under name; a second bookmark of the same site renames
// the first.
func (b *bookmarks) add(u keys.URI, name string) error {
	id := bookmarkID(u)
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := int64(-1)
	if u.Type == keys.USK {
		seen = u.Edition
	}
	for i := range b.list {
		if b.list[i].ID == id {
			b.list[i].Name = name
			return b.save()
		}
	}
	if len(b.list) >= MaxBookmarks {
		return fmt.Errorf("gateway: %d bookmarks are the most the gateway keeps", MaxBookmarks)
	}
	b.list = append(b.list, bookmark{ID: id, Name: name, URI: u.String(), Seen: seen})
	return b.save()
}

// remove removes the bookmark id.
func (b *bookmarks) remove(id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.list {
		if b.list[i].ID == id {
			b.list = append(b.list[:i], b.list[i+1:]...)
			return b.save()
		}
	}
	return nil
}

// has reports whether id is bookmarked.
func (b *bookmarks) has(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.list {
		if m.ID == id {
			return true
		}
	}
	return false
}

// seen records that the person opened edition n of the USK u.
func (b *bookmarks) seen(u keys.URI) {
	id := bookmarkID(u)
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.list {
		if b.list[i].ID == id && u.Edition > b.list[i].Seen {
			b.list[i].Seen = u.Edition
			b.save()
		}
	}
}

// all returns a copy of the bookmarks.
func (b *bookmarks) all() []bookmark {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]bookmark(nil), b.list...)
}

// save writes the list (b.mu held): a temporary file renamed over the old.
func (b *bookmarks) save() error {
	return writeJSON(b.file, b.list)
}

// writeJSON writes v to file atomically, mode 0600.
func writeJSON(file string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("gateway: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// bookmarkID names the site u belongs to (a USK whatever its edition).
func bookmarkID(u keys.URI) string {
	if u.Type == keys.USK {
		return uskID(u)
	}
	return u.String()
}

// checkBookmarks looks for new editions of bookmarked USKs every
// BookmarkCheck, until Close.
func (g *Gateway) checkBookmarks() {
	defer g.wg.Done()
	if g.cfg.BookmarkCheck < 0 {
		return
	}
	t := time.NewTicker(g.cfg.BookmarkCheck)
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		for _, m := range g.marks.all() {
			u, err := keys.Parse(m.URI)
			if err != nil || u.Type != keys.USK {
				continue
			}
			from := max(m.Seen, g.knownEdition(u)) + 1
			ctx, cancel := context.WithTimeout(g.ctx, g.cfg.EditionLook)
			u.Meta = nil
			g.cfg.Backend.LatestEdition(ctx, u.WithEdition(-from))
			cancel()
			if g.ctx.Err() != nil {
				return
			}
		}
	}
}

// bookmarkView is one bookmark on the start page.
type bookmarkView struct {
	ID, Name, Link string
	Edition        int64 // newest known (USK), else -1
	New            bool  // newer than the person opened
}

func (g *Gateway) bookmarkViews() []bookmarkView {
	var out []bookmarkView
	for _, m := range g.marks.all() {
		u, err := keys.Parse(m.URI)
		if err != nil {
			continue
		}
		v := bookmarkView{ID: m.ID, Name: m.Name, Link: keyPath(u), Edition: -1}
		if u.Type == keys.USK {
			known := max(g.knownEdition(u), u.Edition, m.Seen)
			v.Edition, v.New = known, known > m.Seen
			v.Link = keyPath(u.WithEdition(known))
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].New && !out[j].New })
	return out
}

// serveBookmarkAdd bookmarks the form's key.
func (g *Gateway) serveBookmarkAdd(w http.ResponseWriter, r *http.Request) {
	k := strings.TrimPrefix(strings.TrimLeft(strings.TrimSpace(r.FormValue("uri")), "/"), "freenet:")
	u, err := keys.Parse(k)
	if err != nil || u.IsInsert() {
		if err == nil {
			err = errors.New("an insert URI is a private key; bookmark its request URI")
		}
		g.errorPage(w, r, http.StatusBadRequest, "This key cannot be bookmarked", err.Error(), 0)
		return
	}
	if u.Type == keys.USK && u.Edition < 0 {
		u = u.WithEdition(max(g.knownEdition(u), 0))
	}
	name := strings.TrimSpace(r.FormValue("name"))
	if name == "" {
		name = u.Name
	}
	if name == "" {
		name = shortKey(u)
	}
	if !utf8.ValidString(name) || len(name) > 200 {
		g.errorPage(w, r, http.StatusBadRequest, "This name cannot be used", "A bookmark's name is text of at most 200 bytes.", 0)
		return
	}
	if err := g.marks.add(u, name); err != nil {
		g.errorPage(w, r, http.StatusInternalServerError, "The bookmark was not saved", err.Error(), 0)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveBookmarkRemove removes the form's bookmark.
func (g *Gateway) serveBookmarkRemove(w http.ResponseWriter, r *http.Request) {
	if err := g.marks.remove(r.FormValue("id")); err != nil {
		g.errorPage(w, r, http.StatusInternalServerError, "The bookmark was not removed", err.Error(), 0)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveHome is the start page: the key box, bookmarks, the person's sites.
func (g *Gateway) serveHome(w http.ResponseWriter, r *http.Request) {
	d := struct {
		Bookmarks []bookmarkView
		Sites     []siteView
		Token     string
	}{Bookmarks: g.bookmarkViews(), Sites: g.siteViews(), Token: formToken(r)}
	g.render(w, http.StatusOK, "home", d)
}

// statePath is a file in the gateway's state directory.
func (g *Gateway) statePath(name string) string { return filepath.Join(g.cfg.StateDir, name) }
