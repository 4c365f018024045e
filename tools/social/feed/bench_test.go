package feed

import (
	"strings"
	"testing"
	"time"
)

// benchDoc is a realistic, well-filled feed: MaxPosts posts of mixed
// Arabic and English text (with newlines and quotes to unescape), a third
// of them replies, some with images, and a few hundred likes and follows.
func benchDoc(tb testing.TB) *Doc {
	tb.Helper()
	t0 := at("2026-12-05T10:00:00Z")
	d := &Doc{Edition: 400, Time: t0, Profile: Profile{Name: "ليلى", Bio: "شاعرة.\nPoet. \"Words\" \\ more", Avatar: chkURI(tb, "avatar")}}
	imgs := []string{chkURI(tb, "a"), chkURI(tb, "b"), chkURI(tb, "c")}
	var others []string
	for i := range 20 {
		others = append(others, feedURI(tb, byte(10+i), int64(i)))
	}
	for i := range MaxPosts {
		p := Post{N: int64(1000 - i), Time: t0.Add(-time.Duration(i) * time.Hour),
			Text: strings.Repeat("صباح الخير ☀️ and a \"quoted\" word,\nthen English text. ", 1+i%5)}
		if i%4 == 0 {
			p.Images = imgs[:1+i%3]
		}
		if i%3 == 0 {
			p.ReplyTo = &PostRef{Feed: others[i%len(others)], N: int64(1 + i)}
		}
		d.Posts = append(d.Posts, p)
	}
	for i := range 300 {
		d.Likes = append(d.Likes, Like{PostRef: PostRef{Feed: others[i%len(others)], N: int64(1 + i)}, Time: t0.Add(-time.Duration(i) * time.Minute)})
	}
	for _, f := range others {
		d.Follows = append(d.Follows, Follow{Feed: f})
	}
	for i := range 50 {
		d.Deleted = append(d.Deleted, int64(1+i))
	}
	return d
}

// BenchmarkDecodeFull decodes benchDoc, in canonical form and with the
// white space of another writer.
func BenchmarkDecodeFull(b *testing.B) {
	doc, err := benchDoc(b).Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("canonical", func(b *testing.B) { benchDecode(b, doc, 400) })
	b.Run("spaced", func(b *testing.B) { benchDecode(b, spaceOut(doc), 400) })
}

// spaceOut adds white space after every ',' ':' '{' '[' outside strings.
func spaceOut(doc []byte) []byte {
	var out []byte
	in := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		out = append(out, c)
		switch {
		case in && c == '\\':
			i++
			out = append(out, doc[i])
		case c == '"':
			in = !in
		case !in && (c == ',' || c == '{' || c == '['):
			out = append(out, "\n  "...)
		case !in && c == ':':
			out = append(out, ' ')
		}
	}
	return out
}

// BenchmarkDecodeVectors decodes the larger parse vectors of
// docs/vectors/social.
func BenchmarkDecodeVectors(b *testing.B) {
	want := map[string]bool{"parse-max-posts": true, "parse-v11-max-alt": true, "parse-v11-max-blocks": true, "parse-unknown-fields": true}
	for _, v := range loadVectors(b) {
		if want[v.Name] {
			b.Run(v.Name, func(b *testing.B) { benchDecode(b, v.bytes(b), v.Edition) })
		}
	}
}

func benchDecode(b *testing.B, doc []byte, edition int64) {
	if _, err := Decode(doc, edition); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(doc, edition); err != nil {
			b.Fatal(err)
		}
	}
}
