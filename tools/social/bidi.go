package social

import (
	"strings"
	"unicode"

	"github.com/hamsnet/hams/tools/social/feed"
)

// Bidirectional controls that embed, override or isolate a run of text
// (U+202A–U+202E, U+2066–U+2069) let a post disguise what it shows:
// "http://good.example/<RLO>gnp.exe" displays as ".../exe.png". Every
// string a person or a feed writes loses them before it is kept or shown;
// the marks U+200E and U+200F, which only set the direction of neutral
// characters (as Arabic text needs around punctuation), stay. Each piece
// of user text is isolated on its own (dir="auto" in the page), so
// nothing is lost by dropping them.

// stripBidi removes the embedding, override and isolate controls from s.
func stripBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// decodeFeed is feed.Decode for a document fetched from the network, with
// every text a reader shows cleaned of bidirectional controls.
func decodeFeed(b []byte, ed int64) (*feed.Doc, error) {
	d, err := feed.Decode(b, ed)
	if err != nil {
		return d, err
	}
	d.Profile.Name, d.Profile.Bio = stripBidi(d.Profile.Name), stripBidi(d.Profile.Bio)
	for i := range d.Posts {
		p := &d.Posts[i]
		p.Text = stripBidi(p.Text)
		for j := range p.Alt {
			p.Alt[j] = stripBidi(p.Alt[j])
		}
	}
	return d, nil
}

// textLang guesses the language of a post from the script most of its
// letters are in, so that a screen reader speaks it with the right voice
// (issue 21): Arabic script "ar", Latin "en", anything else, or no
// letters, "" (the page's language applies). A guess by script: Persian in
// Arabic script is read as Arabic, French as English; better than an
// Arabic voice reading English, or the reverse.
func textLang(s string) string {
	var arabic, latin, other int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
			arabic++
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.IsLetter(r):
			other++
		}
	}
	switch {
	case arabic > latin && arabic > other:
		return "ar"
	case latin > arabic && latin > other:
		return "en"
	}
	return ""
}
