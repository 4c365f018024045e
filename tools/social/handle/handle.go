// Package handle gives every hams social feed a handle: six common words,
// such as "lion bread river box honey star", derived from the feed's key,
// that people can read out, hear and compare. The same handle reads in
// English and in Arabic ("أسد خبز نهر صندوق عسل نجمة"): word i of one list
// is the translation of word i of the other, so a person reading the
// Arabic can check a friend reading the English.
//
// A handle is for checking a person you already know: "is the feed I
// follow the one my friend made?" It is not what is followed: the full
// feed address is (a QR code or a link carries it). Two feeds can share a
// handle, and someone can look for a key whose handle matches a chosen
// person's; what that costs is why a handle has six words:
//
//   - The handle is made of the SHA-256 hash of the feed's public key hash
//     (the first part of its address), not of the whole address: the
//     second part (the crypto key) is chosen freely by whoever makes the
//     feed, so hashing it would let an impostor try billions of addresses
//     a second for the price of a hash. Each try must then make a new
//     signing key pair.
//   - Six words of 256 are 48 bits. Matching a given person's handle takes
//     about 2^48 (2.8 × 10^14) key pairs: with vanity-key tools that make
//     tens of millions of Ed25519 keys a second on one machine, months of
//     a machine's time, where five words (40 bits) would take hours. Seven
//     would be harder to read out for little gain in a check between two
//     people who also know each other's name and face.
//   - 48 bits also keep accidental collisions rare: among a million
//     feeds, two share a handle with a chance of about 0.2%.
//
// Parse reads a handle typed back, in either language (or mixed), with any
// spacing, hyphens or punctuation between the words and the spelling
// variants search.Fold treats as one (أ/إ/ا, ة/ه, ى/ي, a missing final
// hamza, a leading "ال"), so that a person can find a known feed by its
// handle.
//
// The package is pure: no I/O, no clock.
package handle

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/search"
)

// Words is how many words a handle has.
const Words = 6

// Handle is a feed's handle: one byte per word, the index of the word in
// both lists.
type Handle [Words]byte

// domain separates the handle's hash from every other use of SHA-256 over
// a public key hash.
const domain = "hams-social-handle/1\x00"

// The languages a handle is written in.
const (
	English = "en"
	Arabic  = "ar"
)

// ErrKey is returned by Of for a string that is not the request address
// of a feed (an SSK or USK request URI).
var ErrKey = errors.New("social: not a feed's public address")

// ParseError is returned by Parse: the text is not a handle.
type ParseError struct {
	// Word is the first word that is in neither list ("" if every word
	// is, but there are not Words of them).
	Word string
	// Count is how many words the text has.
	Count int
}

func (e *ParseError) Error() string {
	if e.Word != "" {
		return fmt.Sprintf("social: %q is not a handle word", e.Word)
	}
	return fmt.Sprintf("social: a handle has %d words, not %d", Words, e.Count)
}

// Of returns the handle of the feed at uri, a USK or SSK request URI (any
// edition, with or without "freenet:"): the first Words bytes of
// SHA-256(domain || public key hash). An insert URI (which holds the
// private key) is refused.
func Of(uri string) (Handle, error) {
	u, err := keys.Parse(strings.TrimSpace(uri))
	if err != nil || (u.Type != keys.USK && u.Type != keys.SSK) || u.IsInsert() {
		return Handle{}, ErrKey
	}
	sum := sha256.Sum256(append([]byte(domain), u.Key[:]...))
	var h Handle
	copy(h[:], sum[:])
	return h, nil
}

// Words returns the handle's words in lang (English, or Arabic for "ar").
func (h Handle) Words(lang string) []string {
	col := 0
	if lang == Arabic {
		col = 1
	}
	out := make([]string, Words)
	for i, b := range h {
		out[i] = words[b][col]
	}
	return out
}

// In returns the handle in lang, its words separated by spaces.
func (h Handle) In(lang string) string { return strings.Join(h.Words(lang), " ") }

// String is the handle in English.
func (h Handle) String() string { return h.In(English) }

// index maps the matching form of every word (both languages, and a few
// accepted spellings) to its byte.
var index = func() map[string]byte {
	m := make(map[string]byte, 2*len(words)+len(aliases))
	for i, w := range words {
		for _, s := range w {
			k := match(s)
			if _, dup := m[k]; dup {
				panic("social: handle: two words match alike: " + s)
			}
			m[k] = byte(i)
		}
	}
	for a, w := range aliases {
		m[match(a)] = m[match(w)]
	}
	return m
}()

// aliases are other spellings of English words.
var aliases = map[string]string{"harbour": "harbor", "aeroplane": "airplane", "plane": "airplane"}

// match is the form words are compared in: search.Fold, without the hamza
// on the line (ء), which many write and many leave out at a word's end.
func match(s string) string {
	return strings.ReplaceAll(search.Fold(s), "ء", "")
}

// Parse reads a handle: Words words of either list (both may be mixed),
// separated by anything that is not a letter (spaces, hyphens, dots,
// commas). Case, Arabic diacritics and the letter variants of search.Fold
// do not matter; an Arabic word may carry the article "ال".
func Parse(s string) (Handle, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Cf, r) && r != 'ـ'
	})
	var h Handle
	n := 0
	for _, f := range fields {
		k := match(f)
		if k == "" {
			continue // only format characters or tatweel
		}
		b, ok := index[k]
		if !ok && strings.HasPrefix(k, "ال") {
			b, ok = index[strings.TrimPrefix(k, "ال")]
		}
		if !ok {
			return Handle{}, &ParseError{Word: f, Count: len(fields)}
		}
		if n < Words {
			h[n] = b
		}
		n++
	}
	if n != Words {
		return Handle{}, &ParseError{Count: n}
	}
	return h, nil
}
