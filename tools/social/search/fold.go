// Package search finds people and posts of hams social by what a person
// types: names in Arabic and Latin script, words of posts, and hashtags.
//
// Everything is compared in the form Fold gives, so that a query matches
// the spellings an Arabic or Latin reader takes for the same word: "احمد"
// finds "أحمد" and "إحمد", "فاطمه" finds "فاطمة", "محمد" finds "مُحَمَّد",
// "emile" finds "Émile". An Index keeps people and posts in memory, with
// an inverted index from folded words to what holds them: among 5,000
// people and 50,000 posts a name is found in microseconds, and a word that
// is in nearly every post in a few milliseconds at most (BenchmarkSearch).
//
// The package is pure: no I/O, no clock, no goroutines.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the matching form of s: two texts a reader takes for the
// same word fold to the same string. In order:
//
//   - Unicode NFKC: compatibility forms become the plain letter (Arabic
//     presentation forms such as ﻣ become م, fullwidth Ｍ becomes M, ligatures
//     are spelt out);
//   - lower case (Müller and MÜLLER alike; Greek final ς as σ);
//   - NFD, then every combining mark (Unicode category Mn) is dropped:
//     Latin accents (é → e, ü → u), and the Arabic marks: harakat, tanwin,
//     shadda, sukun, hamza and madda above or below (U+064B–U+065F) and the
//     superscript alef U+0670. Since NFD writes أ as ا + hamza above, this
//     also makes أ إ آ plain alef, ؤ plain waw and ئ plain yeh;
//   - Arabic letters readers treat as one:
//     alef wasla ٱ and the wavy-hamza alefs ٲ ٳ ٵ → ا (alef);
//     taa marbuta ة → ه (heh), as names are often written either way;
//     alef maqsura ى → ي (yeh), as in Egyptian spelling;
//     Persian/Urdu yeh ی (U+06CC) and the Pashto and Kurdish yehs ۍ ێ → ي, and
//     keheh ک (U+06A9) → ك (kaf), so text typed on a Persian keyboard
//     matches Arabic text;
//   - dropped: tatweel ـ (U+0640, a letter stretch), the Quranic marks
//     U+06D6–U+06ED, and every format character (category Cf: bidi
//     controls such as U+200F and U+2067, zero-width space and joiners,
//     U+FEFF, soft hyphen);
//   - Arabic-Indic digits ٠–٩ (U+0660–U+0669) and Eastern Arabic-Indic
//     digits ۰–۹ (U+06F0–U+06F9) → 0–9;
//   - NFC at the end, so that scripts NFD splits (Hangul) come back whole.
//
// Fold is idempotent: Fold(Fold(s)) == Fold(s). Invalid UTF-8 becomes
// U+FFFD.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	if isASCII(s) {
		return strings.ToLower(s) // NFKC, NFD and the mappings change no ASCII
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = norm.NFKC.String(s)
	s = strings.ToLower(s)
	s = norm.NFD.String(s)
	s = strings.Map(foldRune, s)
	return norm.NFC.String(s)
}

// isFolded reports whether s is plain lower-case ASCII letters, digits and
// spaces, which Fold leaves as they are (the common case of a query).
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return true
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldRune maps one rune of NFD text; -1 drops it.
func foldRune(r rune) rune {
	switch {
	case r < 0x80:
		return r
	case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640, r >= 0x06D6 && r <= 0x06ED:
		return -1
	case r >= 0x0660 && r <= 0x0669:
		return '0' + r - 0x0660
	case r >= 0x06F0 && r <= 0x06F9:
		return '0' + r - 0x06F0
	}
	switch r {
	case 'ٱ', 'ٲ', 'ٳ', 'ٵ', 'أ', 'إ', 'آ':
		return 'ا'
	case 'ة':
		return 'ه'
	case 'ى', 'ی', 'ۍ', 'ێ', 'ئ':
		return 'ي'
	case 'ک':
		return 'ك'
	case 'ؤ':
		return 'و'
	case 'ς':
		return 'σ'
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) {
		return -1
	}
	return r
}

// maxTokenRunes bounds a word: longer runs are cut, in the index and in
// queries alike.
const maxTokenRunes = 40

// Tokens returns the words of s in matching form: the runs of letters,
// digits and marks of Fold(s), each cut to 40 characters, in order, with
// repeats.
func Tokens(s string) []string {
	var out []string
	f := Fold(s)
	start := -1
	for i, r := range f {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, cut(f[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, cut(f[start:]))
	}
	return out
}

// isWordRune reports whether r belongs in a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// cut shortens a word to maxTokenRunes.
func cut(w string) string {
	if utf8.RuneCountInString(w) <= maxTokenRunes {
		return w
	}
	n := 0
	for i := range w {
		if n == maxTokenRunes {
			return w[:i]
		}
		n++
	}
	return w
}

// FindHashtags returns the byte ranges in text of its hashtags, '#'
// included: a '#' at the start or after a space or punctuation (not after
// a letter, digit, '/', '&' or another '#', so that "a#b" and the "#x" of
// a web address are not tags), followed by letters, digits, marks, '_' or
// tatweel of any script, with at least one letter.
func FindHashtags(text string) [][2]int {
	var out [][2]int
	prev := rune(-1)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '#' && hashOK(prev) {
			j, letter := i+1, false
			for j < len(text) {
				c, n := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(c) && c != 0x0640 && !unicode.Is(unicode.Cf, c) {
					break
				}
				letter = letter || unicode.IsLetter(c) && c != 0x0640
				j += n
			}
			if letter {
				out = append(out, [2]int{i, j})
				prev = 'x'
				i = j
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

// hashOK reports whether a '#' after prev may start a hashtag.
func hashOK(prev rune) bool {
	switch {
	case prev < 0, unicode.IsSpace(prev), unicode.Is(unicode.Cf, prev):
		return true
	case prev == '/' || prev == '&' || prev == '#' || prev == '_':
		return false
	}
	return unicode.IsPunct(prev) || unicode.IsSymbol(prev)
}

// Hashtags returns the distinct hashtags of text in matching form, without
// '#', in order of first appearance: "#Gaza #غزة #غزه" gives "gaza", "غزه".
func Hashtags(text string) []string {
	var out []string
	for _, sp := range FindHashtags(text) {
		t := strings.Join(Tokens(text[sp[0]+1:sp[1]]), "")
		if t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
