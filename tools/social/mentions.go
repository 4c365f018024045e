package social

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/hamsnet/hams/tools/social/feed"
)

// Mentions: "@name" in a post names a person the author knows (someone
// they follow, or a suggestion), by their display name without spaces,
// case and diacritics aside; the post carries the person's feed in its
// mentions (feed 1.1), which their front-end is told of through their
// inbox (docs/social-inbox.md). A name that matches nobody, or more than
// one person, mentions nobody and stays plain text.

// mentionRE finds @names: letters, marks, digits, _ and - after an @ that
// starts the text or follows a space or punctuation.
var mentionRE = regexp.MustCompile(`(?:^|[\s(«"'،])@([\p{L}\p{M}\p{N}_\-]+)`)

// mentionName is the form names are compared in: without spaces, marks
// (Arabic diacritics, tatweel) or case.
func mentionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), unicode.Is(unicode.Mn, r), r == 'ـ':
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// mentionTargetsLocked maps the compared form of each known person's name
// to their feed keys. a.mu must be held.
func (a *App) mentionTargetsLocked() map[string][]string {
	m := map[string][]string{}
	hidden := a.hiddenLocked()
	for k, f := range a.feeds {
		if f.Profile.Name == "" || hidden(k) || k == a.me {
			continue
		}
		n := mentionName(f.Profile.Name)
		m[n] = append(m[n], k)
	}
	return m
}

// mentionsLocked returns the feeds text mentions, in order, each once, at
// most feed.MaxMentions. a.mu must be held.
func (a *App) mentionsLocked(text string) []string {
	targets := a.mentionTargetsLocked()
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		ks := targets[mentionName(m[1])]
		if len(ks) == 1 && !slices.Contains(out, ks[0]) && len(out) < feed.MaxMentions {
			out = append(out, ks[0])
		}
	}
	return out
}

// linkMentionsLocked turns the @names of the plain segments that name one
// of the post's mentions into links to that person's page. a.mu must be
// held.
func (a *App) linkMentionsLocked(segs []segment, mentions []string) []segment {
	if len(mentions) == 0 {
		return segs
	}
	byName := map[string]string{}
	for _, k := range mentions {
		name := ""
		if k == a.me {
			name = a.own.Profile.Name
		} else if f := a.feeds[k]; f != nil {
			name = f.Profile.Name
		}
		if name != "" {
			byName[mentionName(name)] = k
		}
	}
	var out []segment
	for _, s := range segs {
		if s.Href != "" {
			out = append(out, s)
			continue
		}
		last := 0
		for _, m := range mentionRE.FindAllStringSubmatchIndex(s.Text, -1) {
			at, end := m[2]-1, m[3] // the @ and the name's end
			k, ok := byName[mentionName(s.Text[m[2]:m[3]])]
			if !ok {
				continue
			}
			if at > last {
				out = append(out, segment{Text: s.Text[last:at]})
			}
			out = append(out, segment{Text: s.Text[at:end], Href: "/feed?k=" + url.QueryEscape(k)})
			last = end
		}
		if last < len(s.Text) {
			out = append(out, segment{Text: s.Text[last:]})
		}
	}
	return out
}
