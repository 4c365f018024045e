package handle

import (
	"strings"
	"testing"
	"unicode"

	"github.com/hamsnet/hams/tools/social/search"
)

// TestWords checks the lists by machine: 256 pairs; English words plain
// lower-case letters, no two within one edit of each other (bee/bed,
// cat/hat); Arabic words letters only, without diacritics, none starting
// with the article, no two alike once folded or once their dots are taken
// away (نحلة/نخلة, تين/بيت); and no word of one list matching a word
// of the other.
func TestWords(t *testing.T) {
	seen := map[string]int{}
	skel := map[string]int{}
	for i, w := range words {
		en, ar := w[0], w[1]
		if len(en) < 3 || len(en) > 11 || strings.ToLower(en) != en || strings.ContainsFunc(en, func(r rune) bool { return r < 'a' || r > 'z' }) {
			t.Errorf("%d: English word %q: want 3-11 lower-case letters", i, en)
		}
		if strings.ContainsFunc(ar, func(r rune) bool { return !unicode.Is(unicode.Arabic, r) || !unicode.IsLetter(r) }) {
			t.Errorf("%d: Arabic word %q: letters only, no diacritics", i, ar)
		}
		if strings.HasPrefix(search.Fold(ar), "ال") {
			t.Errorf("%d: Arabic word %q starts with the article", i, ar)
		}
		for _, s := range w {
			if j, dup := seen[match(s)]; dup {
				t.Errorf("%d: %q matches word %d", i, s, j)
			}
			seen[match(s)] = i
		}
		k := skeleton(match(ar))
		if j, dup := skel[k]; dup {
			t.Errorf("Arabic words %q and %q differ only in dots", ar, words[j][1])
		}
		skel[k] = i
		for j := range i {
			if lev(en, words[j][0]) < 2 {
				t.Errorf("English words %q and %q are one edit apart", en, words[j][0])
			}
		}
	}
}

func TestSkeleton(t *testing.T) {
	for _, p := range [][2]string{{"نحلة", "نخلة"}, {"جبل", "حبل"}, {"تين", "بيت"}} {
		if skeleton(match(p[0])) != skeleton(match(p[1])) {
			t.Errorf("skeleton(%s) != skeleton(%s)", p[0], p[1])
		}
	}
	if lev("kitten", "sitting") != 3 || lev("", "abc") != 3 || lev("أسد", "أسد") != 0 {
		t.Error("lev")
	}
}
