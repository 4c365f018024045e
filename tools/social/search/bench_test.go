package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var (
	arabicNames = []string{"محمد", "أحمد", "علي", "فاطمة", "عائشة", "مريم", "يوسف", "إبراهيم", "خديجة", "حسن", "حسين",
		"زينب", "عمر", "ليلى", "سارة", "نور", "آمنة", "مصطفى", "هدى", "رنا", "كريم", "سلمى", "طارق", "ياسمين"}
	arabicFamilies = []string{"الحسيني", "العلي", "الخطيب", "النجار", "الحداد", "عبد الله", "المصري", "الشامي", "البغدادي", "القاسم"}
	latinNames     = []string{"Émile", "Müller", "Anna", "John", "Sofia", "Lucas", "Amélie", "Noah", "Léa", "Mateo", "Zoë", "Omar", "Yusuf"}
	latinFamilies  = []string{"Dubois", "Schmidt", "García", "Rossi", "Smith", "Nowak", "Öztürk", "Costa", "Haddad", "Ibrahim"}
	postWords      = []string{"صباح", "الخير", "اليوم", "الشمس", "مدينة", "كتاب", "قهوة", "سوق", "البحر", "الطريق",
		"morning", "coffee", "market", "reading", "tonight", "river", "music", "garden", "news", "bread"}
	postTags = []string{"#غزة", "#القدس", "#كتب", "#music", "#news", "#قهوة", "#Books"}
)

// benchIndex is an index of 5,000 people with names drawn from Arabic and
// Latin lists (seeded) and 50,000 posts (10 each) of 12 words, one in
// three with a hashtag.
func benchIndex() *Index {
	r := rand.New(rand.NewPCG(21, 5000))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	x := NewIndex()
	for i := range 5000 {
		key := fmt.Sprintf("USK@person%04d", i)
		name := pick(arabicNames) + " " + pick(arabicFamilies)
		if i%2 == 1 {
			name = pick(latinNames) + " " + pick(latinFamilies)
		}
		posts := make([]Post, 10)
		for j := range posts {
			var b strings.Builder
			for k := range 12 {
				if k > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(pick(postWords))
			}
			if r.IntN(3) == 0 {
				b.WriteString(" " + pick(postTags))
			}
			posts[j] = Post{N: int64(j + 1), Text: b.String(), Time: int64(i*10 + j)}
		}
		x.SetPerson(key, name)
		x.SetPosts(key, posts)
	}
	return x
}

// BenchmarkSearch: the time of one query among 5,000 people and 50,000
// posts, for names (exact, Arabic variants, typed halfway), post words and
// hashtags.
func BenchmarkSearch(b *testing.B) {
	x := benchIndex()
	x.Search("warm up", 50, nil)
	for _, q := range []string{"احمد", "فاطمه الحسيني", "mu", "emile dubois", "م", "قهوة", "coffee tonight", "#غزه", "nobody"} {
		b.Run(q, func(b *testing.B) {
			total := 0
			for b.Loop() {
				_, total = x.Search(q, 50, nil)
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
}

// BenchmarkBuild: indexing 5,000 people and 50,000 posts.
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		benchIndex()
	}
}
