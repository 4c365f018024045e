package search

import (
	"fmt"
	"slices"
	"testing"
)

// keys are the keys of hits, people as "key", posts as "key/n".
func keys(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		if h.Post {
			out = append(out, fmt.Sprintf("%s/%d", h.Key, h.N))
		} else {
			out = append(out, h.Key)
		}
	}
	return out
}

func sample() *Index {
	x := NewIndex()
	x.SetPerson("a1", "أحمد علي")
	x.SetPerson("a2", "إحمد")
	x.SetPerson("a3", "احمد")
	x.SetPerson("f", "فاطمة الزهراء")
	x.SetPerson("m", "مُحَمَّد")
	x.SetPerson("e", "Émile Zola")
	x.SetPerson("k", "Karim", "كريم") // known by a second name
	x.SetPosts("a1", []Post{
		{N: 1, Text: "صباح الخير يا أصدقاء #غزة", Time: 10},
		{N: 2, Text: "Reading Zola tonight #Books", Time: 20},
	})
	x.SetPosts("e", []Post{{N: 7, Text: "مرحبا من باريس #غزه", Time: 30}})
	return x
}

// TestArabicNames: a query finds every spelling of a name, and ranks the
// exact name first.
func TestArabicNames(t *testing.T) {
	x := sample()
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"احمد", []string{"a2", "a3", "a1"}}, // exact (إحمد, احمد), then prefix (أحمد علي)
		{"أحمد", []string{"a2", "a3", "a1"}},
		{"إحمد علي", []string{"a1"}},
		{"فاطمه", []string{"f"}},
		{"فاطمة الزهراء", []string{"f"}},
		{"الزهر", []string{"f"}}, // a later word of the name, typed halfway
		{"محمد", []string{"m"}},
		{"مـحـمـد", []string{"m"}},
		{"emile", []string{"e"}},
		{"EMI", []string{"e"}},
		{"zola", []string{"e", "a1/2"}}, // the person, then the post
		{"كريم", []string{"k"}},
		{"کریم", []string{"k"}}, // typed on a Persian keyboard
		{"nobody", nil},
		{"", nil},
	} {
		hits, total := x.Search(c.q, 50, nil)
		if got := keys(hits); !slices.Equal(got, c.want) || total != len(c.want) {
			t.Errorf("Search(%q) = %q (%d in all), want %q", c.q, got, total, c.want)
		}
	}
	hits, _ := x.Search("احمد", 50, nil)
	if hits[0].Rank != ExactName || hits[2].Rank != NamePrefix || hits[0].Name != "إحمد" {
		t.Errorf("ranks: %+v", hits)
	}
}

// TestPostsAndHashtags: words and hashtags of posts are found, newest
// first; a hashtag query finds only hashtags.
func TestPostsAndHashtags(t *testing.T) {
	x := sample()
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"#غزة", []string{"e/7", "a1/1"}},
		{"#غز", []string{"e/7", "a1/1"}},
		{"غزه", []string{"e/7", "a1/1"}}, // the word of a hashtag
		{"#books", []string{"a1/2"}},
		{"#Books zola", []string{"a1/2"}},
		{"#صباح", nil}, // a word, not a hashtag
		{"صباح الخير", []string{"a1/1"}},
		{"الخير صباح", []string{"a1/1"}}, // any order
		{"صباح باريس", nil},              // all words must match
		{"باريس ", []string{"e/7"}},
		{"باري ", nil}, // a space ends the word: no prefix
	} {
		hits, _ := x.Search(c.q, 50, nil)
		if got := keys(hits); !slices.Equal(got, c.want) {
			t.Errorf("Search(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	hits, _ := x.Search("#غزة", 50, func(k string) bool { return k == "e" })
	if got := keys(hits); !slices.Equal(got, []string{"a1/1"}) {
		t.Errorf("skipping e: %q", got)
	}
}

// TestUpdates: replacing a person's name or a feed's posts forgets the
// old ones; the limit bounds the hits but not the total.
func TestUpdates(t *testing.T) {
	x := sample()
	x.SetPerson("a3", "Ahmad")
	x.SetPosts("a1", []Post{{N: 2, Text: "Reading Zola tonight #Books", Time: 20}, {N: 3, Text: "new #غزة", Time: 40}})
	if hits, _ := x.Search("احمد", 50, nil); !slices.Equal(keys(hits), []string{"a2", "a1"}) {
		t.Errorf("after renaming: %q", keys(hits))
	}
	if hits, _ := x.Search("#غزة", 50, nil); !slices.Equal(keys(hits), []string{"a1/3", "e/7"}) {
		t.Errorf("after new posts: %q", keys(hits))
	}
	x.RemovePerson("a2")
	x.SetPosts("e", nil)
	if x.People() != 6 || x.Posts() != 2 {
		t.Errorf("%d people, %d posts", x.People(), x.Posts())
	}
	for i := range 3000 { // enough to compact
		x.SetPerson("p", fmt.Sprintf("name%d", i))
	}
	if hits, total := x.Search("name", 50, nil); !slices.Equal(keys(hits), []string{"p"}) || total != 1 {
		t.Errorf("after many renames: %q %d", keys(hits), total)
	}
	if hits, _ := x.Search("Ahmad", 50, nil); !slices.Equal(keys(hits), []string{"a3"}) {
		t.Errorf("after compaction: %q", keys(hits))
	}
	for i := range 100 {
		x.SetPerson(fmt.Sprint("many", i), "Sam")
	}
	if hits, total := x.Search("sam", 10, nil); len(hits) != 10 || total != 100 {
		t.Errorf("limit: %d hits, %d in all", len(hits), total)
	}
}

// FuzzSearch: any query gives at most limit hits, best rank first, and
// never panics.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"احمد", "#غز", "zola ", "# #", "\u200f", "a b c d", "ـ"} {
		f.Add(q)
	}
	x := sample()
	f.Fuzz(func(t *testing.T, q string) {
		hits, total := x.Search(q, 3, nil)
		if len(hits) > 3 || total < len(hits) {
			t.Fatalf("Search(%q): %d hits, %d in all", q, len(hits), total)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Rank < hits[i-1].Rank {
				t.Fatalf("Search(%q): not ranked: %+v", q, hits)
			}
		}
	})
}
