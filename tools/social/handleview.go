package social

import (
	"slices"
	"strings"

	"github.com/hamsnet/hams/tools/social/handle"
)

// handleView is a feed's check words (tools/social/handle) as a page shows
// them: in the page's language, and in the other, each with its language
// and direction, so that a person reading one can check a friend reading
// the other.
type handleView struct {
	Words, Lang, Dir           string
	Other, OtherLang, OtherDir string
}

// handleViewOf is the check words of feed k on a page in language l; nil
// if k is not a feed's address.
func handleViewOf(l, k string) *handleView {
	h, err := handle.Of(k)
	if err != nil {
		return nil
	}
	o := langAR
	if l == langAR {
		o = langEN
	}
	return &handleView{Words: h.In(l), Lang: l, Dir: dirOf(l), Other: h.In(o), OtherLang: o, OtherDir: dirOf(o)}
}

// handleHitsLocked returns the people known here whose check words are q
// (typed in either language), for the search page: the person, the feeds
// held and the senders of notes, less those hidden. a.mu must be held.
func (a *App) handleHitsLocked(q string, hidden func(string) bool) []string {
	h, err := handle.Parse(q)
	if err != nil {
		return nil
	}
	var out []string
	check := func(k string) {
		if k == "" || hidden(k) || slices.Contains(out, k) {
			return
		}
		if hk, err := handle.Of(k); err == nil && hk == h {
			out = append(out, k)
		}
	}
	check(a.me)
	for k := range a.feeds {
		check(k)
	}
	for _, n := range a.notes.Notices {
		check(n.From)
	}
	slices.Sort(out)
	return out
}

// nameLinksLocked gives the links to feeds in post text the name of the
// person, when it is known here (the person's own, a feed held, or the
// name a note came with); the others show a short form of the address.
// a.mu must be held.
func (a *App) nameLinksLocked(segs []segment) []segment {
	for i := range segs {
		s := &segs[i]
		if s.Feed == "" {
			continue
		}
		if s.Name = a.knownNameLocked(s.Feed); s.Name == "" {
			s.Title, s.Text = s.Text, shortKey(s.Feed)
		}
	}
	return segs
}

// knownNameLocked is the name of feed k as known here, or "". a.mu must be
// held.
func (a *App) knownNameLocked(k string) string {
	if k == a.me && a.id != nil {
		return a.own.Profile.Name
	}
	if f := a.feeds[k]; f != nil && f.Profile.Name != "" {
		return f.Profile.Name
	}
	for i := len(a.notes.Notices) - 1; i >= 0; i-- {
		if n := a.notes.Notices[i]; n.From == k && n.Name != "" {
			return n.Name
		}
	}
	return ""
}

// inviteLocked describes, for the People page opened from an invite
// (?follow=), the person the invite names: their name if known, and their
// check words. nil when uri is not a feed's address. a.mu must be held.
func (a *App) inviteLocked(p *page, uri string) *personView {
	k, err := feedKey(strings.TrimSpace(uri))
	if err != nil {
		return nil
	}
	v := a.personLocked(p, k)
	if v.Name == "" {
		v.Name = a.knownNameLocked(k)
	}
	v.Handle = handleViewOf(p.L, k)
	return v
}
