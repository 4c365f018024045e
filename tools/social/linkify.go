package social

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/hamsnet/hams/tools/social/search"
)

// segment is a piece of post text: plain, or a link (Href set).
type segment struct {
	Text     string
	Href     string
	External bool // a link off this page (the web); opened without referrer
	// Feed is the feed key of a link to a person's page; Name their name
	// when it is known here (nameLinksLocked), else Text is a short form
	// of the address and Title the address as written.
	Feed, Name, Title string
}

// linkRE finds web links and hams social feed addresses in text.
var linkRE = regexp.MustCompile(`https?://[^\s<>"]+|(?:freenet:)?USK@[A-Za-z0-9~\-]+,[A-Za-z0-9~\-]+,[A-Za-z0-9~\-]+/hams-social/-?[0-9]+`)

// trailing is punctuation that ends a sentence rather than a link.
const trailing = `.,;:!?)]}'"»،؛؟…`

// linkify splits post text into plain text and links: http(s) URLs become
// links to the web, feed addresses links to the person's page here, and
// hashtags (#word, in any script) links to the search for them. The
// template escapes every piece.
func linkify(text string) []segment {
	var out []segment
	last := 0
	for _, m := range linkRE.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		for e > s && strings.ContainsRune(trailing, lastRune(text[s:e])) {
			e -= len(string(lastRune(text[s:e])))
		}
		if e <= s {
			continue
		}
		link := text[s:e]
		var seg segment
		if k, ok := localFeedLink(link); ok { // an invite or a person's page here
			k, _ = feedKey(k)
			seg = segment{Text: link, Href: "/feed?k=" + url.QueryEscape(k), Feed: k}
		} else if strings.HasPrefix(link, "http") {
			u, err := url.Parse(link)
			if err != nil || u.Host == "" {
				continue
			}
			seg = segment{Text: link, Href: u.String(), External: true}
		} else {
			k, err := feedKey(link)
			if err != nil {
				continue
			}
			seg = segment{Text: link, Href: "/feed?k=" + url.QueryEscape(k), Feed: k}
		}
		if s > last {
			out = appendPlain(out, text[last:s])
		}
		out = append(out, seg)
		last = e
	}
	if last < len(text) {
		out = appendPlain(out, text[last:])
	}
	return out
}

// appendPlain appends text that has no web or feed link: plain, but with
// its hashtags as links to the search page.
func appendPlain(out []segment, text string) []segment {
	last := 0
	for _, sp := range search.FindHashtags(text) {
		if sp[0] > last {
			out = append(out, segment{Text: text[last:sp[0]]})
		}
		tag := text[sp[0]:sp[1]]
		out = append(out, segment{Text: tag, Href: "/search?q=" + url.QueryEscape(tag)})
		last = sp[1]
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}

func lastRune(s string) rune {
	r := []rune(s)
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1]
}
