package search

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// TestFold: the spellings a reader takes for the same name fold alike.
func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"مُحَمَّد", "محمد"},
		{"محمد", "محمد"},
		{"مـحـمـد", "محمد"},          // tatweel
		{"أحمد", "احمد"},             // hamza above
		{"إحمد", "احمد"},             // hamza below
		{"آمنة", "امنه"},             // madda, taa marbuta
		{"ٱلرحمن", "الرحمن"},         // alef wasla
		{"فاطمة", "فاطمه"},           // taa marbuta
		{"مصطفى", "مصطفي"},           // alef maqsura
		{"علی", "علي"},               // Persian yeh
		{"کریم", "كريم"},             // keheh, Persian yeh
		{"مؤمن", "مومن"},             // waw with hamza
		{"هانئ", "هاني"},             // yeh with hamza
		{"عَلِيٌّ", "علي"},           // harakat, tanwin, shadda
		{"الرَّحْمٰنِ", "الرحمن"},    // sukun, superscript alef
		{"ﻣﺤﻤﺪ", "محمد"},             // presentation forms
		{"٢٠٢٤ ۱۲۳", "2024 123"},     // Arabic-Indic and Eastern digits
		{"\u200fسارة\u200e", "ساره"}, // bidi marks
		{"ن\u200cور\u2067", "نور"},   // ZWNJ, isolate
		{"Émile", "emile"},
		{"Müller", "muller"},
		{"MÜLLER", "muller"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευσ"},
		{"Ｍａｒｙ", "mary"}, // fullwidth
		{"São Paulo", "sao paulo"},
		{"", ""},
	} {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestTokens: words are runs of letters and digits, folded.
func TestTokens(t *testing.T) {
	got := Tokens("مرحبا، يا أحمد! Hello, Émile-Zola 2024 #غزة")
	want := []string{"مرحبا", "يا", "احمد", "hello", "emile", "zola", "2024", "غزه"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

// TestHashtags: hashtags in any script, folded, distinct; not inside
// words or addresses.
func TestHashtags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"#غزة و #غزه و #Gaza #gaza", []string{"غزه", "gaza"}},
		{"يوم #القدس_الدولي.", []string{"القدس_الدولي"}},
		{"(#مـرحبا) «#سلام»", []string{"مرحبا", "سلام"}},
		{"a#b https://x.example/#frag &#123; #123 # ##x", nil},
		{"#Émile's day", []string{"emile"}},
	} {
		if got := Hashtags(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Hashtags(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	text := "قبل #وسم بعد"
	sp := FindHashtags(text)
	if len(sp) != 1 || text[sp[0][0]:sp[0][1]] != "#وسم" {
		t.Errorf("FindHashtags(%q) = %v", text, sp)
	}
}

// FuzzFold: Fold never panics, gives valid UTF-8, and is idempotent.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"مُحَمَّد", "Émile", "ﷺ", "İstanbul", "\xff\xfe", "한국어", "ǅ", "ﬁ", "ㄱㅏ", "ـ", "\u0301a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := Fold(s)
		if !utf8.ValidString(a) {
			t.Fatalf("Fold(%q) = %q: not UTF-8", s, a)
		}
		if b := Fold(a); b != a {
			t.Fatalf("Fold(%q) = %q, but Fold of that = %q", s, a, b)
		}
		Tokens(s)
		Hashtags(s)
	})
}
