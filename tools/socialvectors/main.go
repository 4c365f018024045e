// Command socialvectors writes the test vectors of the hams-social feed
// format (docs/social.md) to docs/vectors/social/: one JSON file per case,
// documents that parse (with what they parse to and their canonical form)
// and, for every MUST-reject rule S1…S34, documents that break it and
// nothing else. The vectors of version 1.1 are named parse-v11-…,
// parse-v10-… and reject-S27… (and reject-S8…–S20… for the 1.1 fields). The output is deterministic: keys come from fixed seeds.
// tools/social/feed's vector test loads every file; this command's test
// checks that the committed files are current.
//
// Usage:
//
//	go run ./tools/socialvectors [-out docs/vectors/social]
package main

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
)

// Vector is one test vector file; docs/social.md §12 describes the fields.
// The loader in tools/social/feed/vectors_test.go rejects unknown fields.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Op is "parse" or "reject".
	Op   string `json:"op"`
	Rule string `json:"rule,omitempty"`
	// Edition is the USK edition the document is fetched from.
	Edition int64 `json:"edition"`
	// Doc is the document when it is valid UTF-8, else DocHex.
	Doc    string `json:"doc,omitempty"`
	DocHex string `json:"doc_hex,omitempty"`
	// PadTo, when set, pads the document with spaces to this many bytes.
	PadTo int `json:"pad_to,omitempty"`
	// Summary is feed.Doc.String() of the parsed document.
	Summary string `json:"summary,omitempty"`
	// Canonical is the canonical encoding when it differs from the document.
	Canonical string `json:"canonical,omitempty"`
}

// Bytes returns the document the vector describes.
func (v *Vector) Bytes() ([]byte, error) {
	b := []byte(v.Doc)
	if v.DocHex != "" {
		var err error
		if b, err = hex.DecodeString(v.DocHex); err != nil {
			return nil, err
		}
	}
	if v.PadTo > 0 {
		if v.PadTo < len(b) {
			return nil, fmt.Errorf("%s: pad_to %d below the document's %d bytes", v.Name, v.PadTo, len(b))
		}
		b = append(b, bytes.Repeat([]byte{' '}, v.PadTo-len(b))...)
	}
	return b, nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// identity is a deterministic keypair: its USK insert and request URIs.
type identity struct{ insert, request keys.URI }

func newIdentity(r *rand.ChaCha8) identity {
	ins, req, err := keys.GenerateSSK(r)
	if err != nil {
		panic(err)
	}
	for _, u := range []*keys.URI{&ins, &req} {
		u.Type, u.Name = keys.USK, feed.SiteName
	}
	return identity{ins, req}
}

// at returns the feed's request URI at edition n.
func (id identity) at(n int64) string { return id.request.WithEdition(n).String() }

// chk returns the CHK URI of data (as an insert of a one-block file gives).
func chk(data string) string {
	_, u := must2(keys.EncodeCHK([]byte(data), keys.EncodeOptions{}))
	return u.String()
}

func must2(a []byte, u keys.URI, err error) ([]byte, keys.URI) {
	if err != nil {
		panic(err)
	}
	return a, u
}

func ts(s string) time.Time { return must(time.Parse(feed.TimeLayout, s)) }

func enc(d *feed.Doc) string { return string(must(d.Encode())) }

// mut replaces the one occurrence of old in doc by new.
func mut(doc, old, new string) string {
	if n := strings.Count(doc, old); n != 1 {
		panic(fmt.Sprintf("mut: %q occurs %d times", old, n))
	}
	return strings.Replace(doc, old, new, 1)
}

func repeatRunes(s string, n int) string {
	var b strings.Builder
	for b.Len() == 0 || utf8.RuneCountInString(b.String()) < n {
		b.WriteString(s)
	}
	r := []rune(b.String())
	return string(r[:n])
}

func vectors() []Vector {
	r := rand.NewChaCha8([32]byte{'h', 'a', 'm', 's', '-', 's', 'o', 'c', 'i', 'a', 'l'})
	layla, omar, sam := newIdentity(r), newIdentity(r), newIdentity(r)
	avatar, img1, img2 := chk("avatar of Layla (a PNG in real life)"), chk("photo 1: the sea at Beirut"), chk("photo 2: a cat")

	full := &feed.Doc{
		Edition: 12, Time: ts("2026-12-05T10:00:00Z"),
		Profile: feed.Profile{Name: "ليلى", Bio: "أكتب عن الشعر والمدن.\nI write about poetry and cities.", Avatar: avatar},
		Posts: []feed.Post{
			{N: 17, Time: ts("2026-12-05T09:58:00Z"), Text: "صباح الخير من بيروت ☀️", Images: []string{img1, img2}},
			{N: 16, Time: ts("2026-12-04T21:10:00Z"), Text: "شكراً يا عمر!", ReplyTo: &feed.PostRef{Feed: omar.at(3), N: 5}},
			{N: 15, Time: ts("2026-12-04T20:00:00Z"), Text: "Reading \u200fمحمود درويش\u200f tonight — who else?"},
		},
		Likes: []feed.Like{
			{PostRef: feed.PostRef{Feed: omar.at(4), N: 2}, Time: ts("2026-12-04T20:00:00Z")},
			{PostRef: feed.PostRef{Feed: sam.at(1), N: 1}, Time: ts("2026-11-30T08:15:00Z")},
		},
		Follows: []feed.Follow{{Feed: omar.at(9)}, {Feed: sam.at(2)}},
		Deleted: []int64{4, 9},
		Older:   new(int64(7)),
	}
	fullDoc := enc(full)
	minimal := &feed.Doc{Edition: 0, Time: ts("2026-12-01T00:00:00Z"), Profile: feed.Profile{Name: "Sam"}}
	minDoc := enc(minimal)
	// base is small and canonical; reject vectors break one rule of it.
	base := &feed.Doc{Edition: 12, Time: ts("2026-12-05T10:00:00Z"), Profile: feed.Profile{Name: "ليلى"},
		Posts: []feed.Post{{N: 3, Time: ts("2026-12-05T09:00:00Z"), Text: "مرحبا"}}}
	baseDoc := enc(base)
	const post3 = `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا"}`
	withPost := func(fields string) string {
		return mut(baseDoc, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا",`+fields+`}`)
	}
	withTop := func(fields string) string { return mut(baseDoc, `]}`, `],`+fields+`}`) }
	withProfile := func(fields string) string { return mut(baseDoc, `"ليلى"}`, `"ليلى",`+fields+`}`) }
	name := func(s string) string { return mut(baseDoc, `"name":"ليلى"`, `"name":`+s) }
	text := func(s string) string { return mut(baseDoc, `"text":"مرحبا"`, `"text":`+s) }
	q := func(s string) string { return string(must(json.Marshal(s))) }

	var vs []Vector
	parse := func(name, desc string, ed int64, doc string) {
		vs = append(vs, Vector{Name: "parse-" + name, Description: desc, Op: "parse", Edition: ed, Doc: doc})
	}
	parse("minimal", "the smallest document: format, version, edition 0, time and a profile name", 0, minDoc)
	parse("full", "every field: profile with bio and avatar, posts with images and a reply, likes, follows, deleted, older", 12, fullDoc)
	parse("arabic", "Arabic name, bio and posts with newlines and a tab", 5, enc(&feed.Doc{
		Edition: 5, Time: ts("2026-03-21T18:30:00Z"),
		Profile: feed.Profile{Name: "عمر الحلبي", Bio: "من حلب.\nأحب القهوة والكتب."},
		Posts: []feed.Post{
			{N: 2, Time: ts("2026-03-21T18:29:59Z"), Text: "كل عام وأنتم بخير\nعيد أم سعيد لكل الأمهات"},
			{N: 1, Time: ts("2026-03-20T07:00:00Z"), Text: "السطر الأول\n\tالسطر الثاني"},
		}}))
	parse("bidi-mixed", "mixed Arabic and English with U+200F, U+200E and U+061C marks, in the name and a post", 3, enc(&feed.Doc{
		Edition: 3, Time: ts("2026-06-01T12:00:00Z"), Profile: feed.Profile{Name: "Layla \u200fليلى\u200f"},
		Posts: []feed.Post{{N: 1, Time: ts("2026-06-01T11:00:00Z"),
			Text: "I'm reading \u200fالأيام\u200f by Taha Hussein (\u200eTaha Husayn\u200e), الجزء \u061c2"}}}))
	parse("emoji", "emoji: a skin tone, a ZWJ family, a flag, a keycap, variation selectors", 1, enc(&feed.Doc{
		Edition: 1, Time: ts("2026-06-02T12:00:00Z"), Profile: feed.Profile{Name: "🌙 Noor"},
		Posts: []feed.Post{{N: 1, Time: ts("2026-06-02T11:00:00Z"), Text: "👋🏽 👨‍👩‍👧 🇱🇧 1️⃣ ❤️ 🫶"}}}))
	parse("format-chars", "format characters U+200B and U+FEFF inside a text are allowed", 1, enc(&feed.Doc{
		Edition: 1, Time: ts("2026-06-02T12:00:00Z"), Profile: feed.Profile{Name: "Zed"},
		Posts: []feed.Post{{N: 1, Time: ts("2026-06-02T11:00:00Z"), Text: "a\u200bb\ufeffc"}}}))
	parse("reply", "a reply to post 5 of another feed, found in its edition 3", 2, enc(&feed.Doc{
		Edition: 2, Time: ts("2026-06-03T12:00:00Z"), Profile: feed.Profile{Name: "Layla"},
		Posts: []feed.Post{{N: 2, Time: ts("2026-06-03T12:00:00Z"), Text: "أوافقك تماماً", ReplyTo: &feed.PostRef{Feed: omar.at(3), N: 5}},
			{N: 1, Time: ts("2026-06-03T11:00:00Z"), Text: "a reply to myself", ReplyTo: &feed.PostRef{Feed: layla.at(0), N: 1}}}}))
	parse("likes-tie", "likes newest first; two with the same time in either order", 4, enc(&feed.Doc{
		Edition: 4, Time: ts("2026-06-04T12:00:00Z"), Profile: feed.Profile{Name: "Layla"},
		Likes: []feed.Like{
			{PostRef: feed.PostRef{Feed: omar.at(7), N: 9}, Time: ts("2026-06-04T10:00:00Z")},
			{PostRef: feed.PostRef{Feed: sam.at(7), N: 1}, Time: ts("2026-06-04T10:00:00Z")},
			{PostRef: feed.PostRef{Feed: omar.at(1), N: 8}, Time: ts("2026-06-04T10:00:00Z")},
			{PostRef: feed.PostRef{Feed: sam.at(0), N: 2}, Time: ts("2026-05-01T00:00:00Z")},
		}}))
	parse("follows", "follows with edition hints, in the author's order", 4, enc(&feed.Doc{
		Edition: 4, Time: ts("2026-06-04T12:00:00Z"), Profile: feed.Profile{Name: "Layla"},
		Follows: []feed.Follow{{Feed: sam.at(0)}, {Feed: omar.at(120)}}}))
	parse("deleted-older", "deleted numbers carried forward and an older edition", 30, enc(&feed.Doc{
		Edition: 30, Time: ts("2026-06-05T12:00:00Z"), Profile: feed.Profile{Name: "Layla"},
		Posts:   []feed.Post{{N: 41, Time: ts("2026-06-05T11:00:00Z"), Text: "41"}, {N: 39, Time: ts("2026-06-04T11:00:00Z"), Text: "39"}},
		Deleted: []int64{1, 2, 40, 1000}, Older: new(int64(29))}))
	parse("older-zero", "older may be edition 0", 1, enc(&feed.Doc{
		Edition: 1, Time: ts("2026-06-05T12:00:00Z"), Profile: feed.Profile{Name: "Layla"}, Older: new(int64(0))}))
	parse("time-bounds", "the earliest and latest times allowed", 1, enc(&feed.Doc{
		Edition: 1, Time: ts("9999-12-31T23:59:59Z"), Profile: feed.Profile{Name: "Layla"},
		Posts: []feed.Post{{N: 1, Time: ts("1970-01-01T00:00:00Z"), Text: "epoch"}}}))
	parse("html", "markup is text: '<', '>' and '&' are not escaped (the page escapes them)", 1, enc(&feed.Doc{
		Edition: 1, Time: ts("2026-06-06T12:00:00Z"), Profile: feed.Profile{Name: "<b>Sam</b> & co"},
		Posts: []feed.Post{{N: 1, Time: ts("2026-06-06T12:00:00Z"), Text: `<script>alert("x")</script> a/b & c\d`}}}))
	parse("unknown-fields", "unknown fields at the top level and in every object are ignored; the canonical form drops them", 12,
		mut(mut(mut(mut(mut(fullDoc,
			`"format":"hams-social"`, `"format":"hams-social","client":{"name":"hams","version":[1,2,{"x":null}]}`),
			`"name":"ليلى"`, `"name":"ليلى","pronouns":"she/her"`),
			`"n":17,`, `"n":17,"mood":"☀️","edited":false,`),
			`"n":5}`, `"n":5,"quote":"…"}`),
			`"deleted":`, `"reactions":[{"feed":"x","emoji":"🔥"}],"pinned":17,"deleted":`))
	parse("minor-version", "version 1.7 with a field 1.0 does not know: accepted, the field ignored, the version kept", 0,
		mut(mut(minDoc, `"1.0"`, `"1.7"`), `"profile"`, `"location":{"city":"Tunis"},"profile"`))
	parse("minor-version-10", "version 1.10 (decimal, not a fraction)", 0, mut(minDoc, `"1.0"`, `"1.10"`))
	parse("noncanonical", "white space, another key order and escapes; the canonical form differs", 12,
		"\r\n\t {\n  \"profile\" : { \"name\" : \"\\u0644\\u064a\\u0644\\u0649\" } ,\n  \"time\": \"2026-12-05T10:00:00Z\",\n"+
			"  \"posts\": [ {\"text\":\"\\u0645\\u0631\\u062d\\u0628\\u0627 \\/ \\ud83d\\ude00\", \"time\":\"2026-12-05T09:00:00Z\", \"n\":3} ],\n"+
			"  \"edition\": 12, \"version\": \"1.0\", \"format\": \"hams-\\u0073ocial\"\n} \n")
	parse("escapes", "quotes, backslashes, newline and tab escaped; the other short escapes read as themselves", 12,
		text(`"say \"hi\" \\ \n\tand \u0022bye\u0022"`))
	parse("empty-optional", "an empty bio and empty arrays are the same as leaving them out", 0,
		mut(minDoc, `"Sam"}`, `"Sam","bio":""},"posts":[],"likes":[],"follows":[],"deleted":[]`))
	parse("max-name", "a name of exactly 64 code points (128 bytes of Arabic)", 12, name(q(repeatRunes("ليلى", 64))))
	parse("max-bio", "a bio of exactly 500 code points", 12, withProfile(`"bio":`+q(repeatRunes("سطر\n", 500))))
	parse("max-text", "a post of exactly 2000 code points (4000 bytes of Arabic)", 12, text(q(repeatRunes("مرحبا ", 2000))))
	parse("max-images", "a post with 4 images", 12, withPost(`"images":[`+q(img1)+`,`+q(img2)+`,`+q(avatar)+`,`+q(chk("4"))+`]`))
	manyPosts := func(n int) string {
		d := &feed.Doc{Edition: 200, Time: ts("2026-12-05T10:00:00Z"), Profile: feed.Profile{Name: "Layla"}}
		for i := range n {
			d.Posts = append(d.Posts, feed.Post{N: int64(1000 - i), Time: ts("2026-12-05T09:00:00Z"), Text: strconv.Itoa(1000 - i)})
		}
		d.Posts = d.Posts[:min(n, feed.MaxPosts)]
		b := enc(d)
		for i := feed.MaxPosts; i < n; i++ {
			b = mut(b, `]}`, fmt.Sprintf(`,{"n":%d,"time":"2026-12-05T09:00:00Z","text":"%d"}]}`, 1000-i, 1000-i))
		}
		return b
	}
	parse("max-posts", "exactly 100 posts", 200, manyPosts(feed.MaxPosts))
	likes := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"feed":%q,"n":%d,"time":%q}`, omar.at(int64(i)), i+1, ts("2026-12-05T09:00:00Z").Add(-time.Duration(i)*time.Minute).Format(feed.TimeLayout))
		}
		return `"likes":[` + b.String() + `]`
	}
	others := make([]identity, feed.MaxFollows+1)
	for i := range others {
		others[i] = newIdentity(r)
	}
	follows := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"feed":%q}`, others[i].at(int64(i)))
		}
		return `"follows":[` + b.String() + `]`
	}
	deleted := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i + 10))
		}
		return `"deleted":[` + b.String() + `]`
	}
	nest := func(depth int) string {
		return withTop(`"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1))
	}
	parse("max-depth", "an unknown field nested to exactly 64 levels, counting the document object", 12, nest(feed.MaxDepth))
	vs = append(vs, Vector{Name: "parse-max-size", Description: "exactly 1 MiB: a document padded with spaces", Op: "parse", Edition: 12,
		Doc: baseDoc, PadTo: feed.MaxDocSize})

	rej := func(rule, name, desc string, ed int64, doc string) {
		vs = append(vs, Vector{Name: "reject-" + rule + "-" + name, Description: desc, Op: "reject", Rule: rule, Edition: ed, Doc: doc})
	}
	vs = append(vs, Vector{Name: "reject-S1-size", Description: "1 MiB + 1 byte: a valid document padded with spaces", Op: "reject", Rule: "S1",
		Edition: 12, Doc: baseDoc, PadTo: feed.MaxDocSize + 1})
	rej("S2", "invalid-byte", "a post text with the byte 0xff", 12, text("\"\xffمرحبا\""))
	rej("S2", "encoded-surrogate", "a name with a surrogate encoded in UTF-8 (ED A0 80)", 12, name("\"\xed\xa0\x80\""))
	rej("S2", "overlong", "an overlong encoding of '/' (C0 AF) in an unknown field", 12, withTop("\"x\":\"\xc0\xaf\""))
	rej("S2", "lone-high-surrogate", `a text with \ud83d not followed by a low surrogate`, 12, text(`"a\ud83db"`))
	rej("S2", "lone-low-surrogate", `a text with \ude00 alone`, 12, text(`"a\ude00"`))
	rej("S2", "reversed-surrogates", `a low surrogate escape before a high one, in an unknown field`, 12, withTop(`"x":"\ude00\ud83d"`))
	rej("S3", "empty", "no bytes at all", 12, "")
	rej("S3", "white-space", "white space only", 12, " \n")
	rej("S3", "array", "a JSON array, not an object", 12, "["+baseDoc+"]")
	rej("S3", "bom", "a byte order mark before the object", 12, "\ufeff"+baseDoc)
	rej("S3", "trailing-object", "a second object after the document", 12, baseDoc+"{}")
	rej("S3", "trailing-garbage", "a byte after the document", 12, baseDoc+"x")
	rej("S3", "truncated", "the document cut short", 12, baseDoc[:len(baseDoc)-3])
	rej("S3", "trailing-comma", "a comma before '}'", 12, mut(baseDoc, `]}`, `],}`))
	rej("S3", "raw-newline", "a raw newline inside a string", 12, text("\"مر\nحبا\""))
	rej("S3", "single-quotes", "a string in single quotes", 12, text(`'مرحبا'`))
	rej("S3", "bad-escape", `the escape \x41`, 12, text(`"\x41"`))
	rej("S3", "leading-zero", "a number with a leading zero", 12, mut(baseDoc, `"edition":12`, `"edition":012`))
	rej("S3", "plus", "a number with a plus sign", 12, mut(baseDoc, `"edition":12`, `"edition":+12`))
	rej("S3", "nan", "NaN is not JSON", 12, withTop(`"x":NaN`))
	rej("S3", "comment", "a comment", 12, mut(baseDoc, `{"format"`, `{/* hi */"format"`))
	rej("S3", "depth", "an unknown field nested 65 levels deep, counting the document object", 12, nest(feed.MaxDepth+1))
	rej("S4", "edition-twice", "two edition keys: which is it?", 12, mut(baseDoc, `"edition":12`, `"edition":12,"edition":13`))
	rej("S4", "name-twice", "two names in the profile", 12, name(`"ليلى","name":"Layla"`))
	rej("S4", "escaped-key", `"text" and "t\u0065xt" are the same key`, 12, text(`"مرحبا","t\u0065xt":"hi"`))
	rej("S4", "unknown-field", "a duplicate key inside an unknown field", 12, withTop(`"x":{"a":1,"b":2,"a":3}`))
	rej("S5", "missing", "no format field", 12, mut(baseDoc, `"format":"hams-social",`, ``))
	rej("S5", "other", "another format", 12, mut(baseDoc, `"hams-social"`, `"hams-blog"`))
	rej("S5", "case", "the format in other case", 12, mut(baseDoc, `"hams-social"`, `"Hams-Social"`))
	rej("S5", "null", "format null", 12, mut(baseDoc, `"hams-social"`, `null`))
	rej("S6", "missing", "no version field", 12, mut(baseDoc, `"version":"1.0",`, ``))
	rej("S6", "number", "the version as a JSON number", 12, mut(baseDoc, `"1.0"`, `1.0`))
	rej("S6", "no-minor", `version "1"`, 12, mut(baseDoc, `"1.0"`, `"1"`))
	rej("S6", "leading-zero", `version "1.07"`, 12, mut(baseDoc, `"1.0"`, `"1.07"`))
	rej("S6", "three-parts", `version "1.0.0"`, 12, mut(baseDoc, `"1.0"`, `"1.0.0"`))
	rej("S6", "prefix", `version "v1.0"`, 12, mut(baseDoc, `"1.0"`, `"v1.0"`))
	rej("S7", "major-2", "version 2.0: a 1.x reader cannot know what it means", 12, mut(baseDoc, `"1.0"`, `"2.0"`))
	rej("S7", "major-0", "version 0.9", 12, mut(baseDoc, `"1.0"`, `"0.9"`))
	rej("S7", "major-2-other-fields", "version 2.0 with a different shape: the version is reported, not the shape", 12,
		mut(mut(baseDoc, `"1.0"`, `"2.0"`), `"edition":12`, `"edition":"twelve"`))
	rej("S8", "edition-string", "the edition as a string", 12, mut(baseDoc, `"edition":12`, `"edition":"12"`))
	rej("S8", "profile-null", "profile null (a required field)", 12, mut(baseDoc, `{"name":"ليلى"}`, `null`))
	rej("S8", "bio-null", "bio null (an optional field is left out, never null)", 12, withProfile(`"bio":null`))
	rej("S8", "posts-object", "posts as an object", 12, mut(mut(baseDoc, `"posts":[`, `"posts":{"a":`), `}]}`, `}}}`))
	rej("S8", "post-string", "a post that is a string", 12, mut(baseDoc, post3, `"hello"`))
	rej("S8", "text-number", "a post text that is a number", 12, text(`42`))
	rej("S8", "image-object", "an image that is an object", 12, withPost(`"images":[{"uri":`+q(img1)+`}]`))
	rej("S8", "deleted-string", "a deleted number as a string", 12, withTop(`"deleted":["1"]`))
	rej("S8", "n-bool", "a post number true", 12, mut(baseDoc, `"n":3`, `"n":true`))
	rej("S8", "older-null", "older null", 12, withTop(`"older":null`))
	rej("S9", "edition", "no edition", 12, mut(baseDoc, `"edition":12,`, ``))
	rej("S9", "time", "no time", 12, mut(baseDoc, `"time":"2026-12-05T10:00:00Z",`, ``))
	rej("S9", "profile", "no profile", 12, mut(baseDoc, `"profile":{"name":"ليلى"},`, ``))
	rej("S9", "name", "a profile without a name", 12, mut(baseDoc, `{"name":"ليلى"}`, `{"bio":"no name"}`))
	rej("S9", "post-n", "a post without n", 12, mut(baseDoc, `"n":3,`, ``))
	rej("S9", "post-text", "a post without text", 12, mut(baseDoc, `,"text":"مرحبا"`, ``))
	rej("S9", "reply-n", "a reply_to without n", 12, withPost(`"reply_to":{"feed":`+q(omar.at(3))+`}`))
	rej("S9", "like-time", "a like without time", 12, withTop(`"likes":[{"feed":`+q(omar.at(3))+`,"n":1}]`))
	rej("S9", "follow-feed", "a follow without feed", 12, withTop(`"follows":[{"uri":`+q(omar.at(3))+`}]`))
	rej("S10", "fraction", "edition 12.0", 12, mut(baseDoc, `"edition":12`, `"edition":12.0`))
	rej("S10", "exponent", "a post number 3e0", 12, mut(baseDoc, `"n":3`, `"n":3e0`))
	rej("S10", "range", "edition 2^63, beyond a signed 64-bit integer", 12, mut(baseDoc, `"edition":12`, `"edition":9223372036854775808`))
	rej("S11", "mismatch", "a document of edition 12 fetched from edition 13: a replay", 13, baseDoc)
	rej("S11", "older-edition", "a document of edition 12 fetched from edition 11", 11, baseDoc)
	rej("S11", "negative", "edition -1", -1, mut(baseDoc, `"edition":12`, `"edition":-1`))
	rej("S12", "offset", "a time with +00:00 for Z", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00:00+00:00"`))
	rej("S12", "fraction", "a time with a fraction of a second", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00:00.5Z"`))
	rej("S12", "lower-case", "lower-case t and z", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-12-05t10:00:00z"`))
	rej("S12", "space", "a space for T", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-12-05 10:00:00Z"`))
	rej("S12", "no-seconds", "no seconds", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00Z"`))
	rej("S12", "date", "February 30th", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2026-02-30T10:00:00Z"`))
	rej("S12", "leap-second", "second 60", 12, mut(baseDoc, `"2026-12-05T10:00:00Z"`, `"2016-12-31T23:59:60Z"`))
	rej("S12", "before-1970", "a post time in 1969", 12, mut(baseDoc, `"2026-12-05T09:00:00Z"`, `"1969-12-31T23:59:59Z"`))
	rej("S12", "number", "a time as a Unix timestamp string", 12, mut(baseDoc, `"2026-12-05T09:00:00Z"`, `"1796461200"`))
	rej("S12", "like-time", "a like time with an offset", 12, withTop(`"likes":[{"feed":`+q(omar.at(3))+`,"n":1,"time":"2026-12-05T12:00:00+02:00"}]`))
	rej("S13", "empty", "an empty name", 12, name(`""`))
	rej("S13", "space-only", "a name of one space", 12, name(`" "`))
	rej("S13", "leading-space", "a name with a leading space", 12, name(`" ليلى"`))
	rej("S13", "trailing-nbsp", "a name ending in U+00A0", 12, name("\"ليلى\u00a0\""))
	rej("S13", "ideographic-space", "a name ending in U+3000", 12, name("\"ليلى\u3000\""))
	rej("S13", "long", "a name of 65 code points", 12, name(q(repeatRunes("ليلى", 65))))
	rej("S13", "newline", "a name with a newline", 12, name(`"ليلى\nLayla"`))
	rej("S13", "c1", "a name with U+009B (a C1 control)", 12, name(`"ليلى\u009bLayla"`))
	rej("S14", "long", "a bio of 501 code points", 12, withProfile(`"bio":`+q(repeatRunes("سطر\n", 501))))
	rej("S14", "bell", "a bio with U+0007", 12, withProfile(`"bio":"ding\u0007"`))
	rej("S14", "cr", "a bio with a carriage return", 12, withProfile(`"bio":"line 1\r\nline 2"`))
	rej("S15", "ssk-avatar", "an avatar that is an SSK request URI", 12, withProfile(`"avatar":`+q(mustSSK(omar))))
	rej("S15", "usk-image", "an image that is a feed URI", 12, withPost(`"images":[`+q(omar.at(3))+`]`))
	rej("S15", "prefix", "an image with the freenet: prefix", 12, withPost(`"images":[`+q("freenet:"+img1)+`]`))
	rej("S15", "meta-string", "an image with a file name after the key", 12, withPost(`"images":[`+q(img1+"/cat.png")+`]`))
	rej("S15", "not-uri", "an avatar that is a web address", 12, withProfile(`"avatar":"https://example.com/me.png"`))
	rej("S15", "empty-avatar", "an empty avatar string (no avatar is no avatar field)", 12, withProfile(`"avatar":""`))
	rej("S15", "empty-image", "an empty image string", 12, withPost(`"images":[""]`))
	rej("S16", "count", "101 posts", 200, manyPosts(feed.MaxPosts+1))
	rej("S16", "zero", "post number 0", 12, mut(baseDoc, `"n":3`, `"n":0`))
	rej("S16", "negative", "post number -3", 12, mut(baseDoc, `"n":3`, `"n":-3`))
	rej("S16", "ascending", "posts oldest first", 12, mut(baseDoc, post3, `{"n":2,"time":"2026-12-05T09:00:00Z","text":"a"},`+post3))
	rej("S16", "duplicate", "post 3 twice", 12, mut(baseDoc, post3, post3+","+post3))
	rej("S17", "empty", "an empty post text", 12, text(`""`))
	rej("S17", "long", "a post of 2001 code points", 12, text(q(repeatRunes("مرحبا ", 2001))))
	rej("S17", "nul", "a post text with U+0000", 12, text(`"a\u0000b"`))
	rej("S17", "cr", "a post text with a carriage return", 12, text(`"a\rb"`))
	rej("S17", "del", "a post text with U+007F", 12, text(`"a\u007fb"`))
	rej("S17", "c1", "a post text with U+0085 (NEL, a C1 control)", 12, text(`"a\u0085b"`))
	rej("S17", "backspace", `a post text with \b`, 12, text(`"a\bb"`))
	rej("S18", "five-images", "a post with 5 images", 12, withPost(`"images":[`+q(img1)+`,`+q(img2)+`,`+q(avatar)+`,`+q(chk("4"))+`,`+q(chk("5"))+`]`))
	reply := func(feed string) string { return withPost(`"reply_to":{"feed":` + q(feed) + `,"n":5}`) }
	rej("S19", "site", "a reply to a USK of another site", 12, reply(omar.request.WithEdition(3).String()[:strings.LastIndex(omar.at(3), "/hams-social/")]+"/blog/3"))
	rej("S19", "ssk", "a reply to an SSK", 12, reply(mustSSK(omar)))
	rej("S19", "chk", "a like of a CHK", 12, withTop(`"likes":[{"feed":`+q(img1)+`,"n":1,"time":"2026-12-05T09:00:00Z"}]`))
	rej("S19", "prefix", "a follow with the freenet: prefix", 12, withTop(`"follows":[{"feed":`+q("freenet:"+omar.at(3))+`}]`))
	rej("S19", "lower-case", "a follow with a lower-case key type", 12, withTop(`"follows":[{"feed":`+q("usk"+omar.at(3)[3:])+`}]`))
	rej("S19", "meta-string", "a follow with a meta-string after the edition", 12, withTop(`"follows":[{"feed":`+q(omar.at(3)+"/index.html")+`}]`))
	rej("S19", "negative-edition", "a follow at edition -3 (a search, not an edition)", 12, withTop(`"follows":[{"feed":`+q(omar.at(-3))+`}]`))
	rej("S19", "garbage", "a follow that is not a URI", 12, withTop(`"follows":[{"feed":"@omar"}]`))
	rej("S20", "follow", "a follow holding an insert URI (a private key)", 12, withTop(`"follows":[{"feed":`+q(omar.insert.WithEdition(3).String())+`}]`))
	rej("S20", "reply", "a reply_to holding the author's own insert URI", 12, reply(layla.insert.WithEdition(0).String()))
	rej("S20", "like-ssk-insert", "a like holding an SSK insert URI", 12, withTop(`"likes":[{"feed":`+q(mustSSKInsert(omar))+`,"n":1,"time":"2026-12-05T09:00:00Z"}]`))
	rej("S20", "avatar", "an avatar that is an SSK insert URI", 12, withProfile(`"avatar":`+q(mustSSKInsert(layla))))
	rej("S21", "reply-zero", "a reply to post 0", 12, withPost(`"reply_to":{"feed":`+q(omar.at(3))+`,"n":0}`))
	rej("S21", "like-negative", "a like of post -1", 12, withTop(`"likes":[{"feed":`+q(omar.at(3))+`,"n":-1,"time":"2026-12-05T09:00:00Z"}]`))
	rej("S22", "count", "501 likes", 12, withTop(likes(feed.MaxLikes+1)))
	rej("S22", "order", "likes oldest first", 12, withTop(`"likes":[{"feed":`+q(omar.at(3))+`,"n":1,"time":"2026-12-05T08:00:00Z"},{"feed":`+q(omar.at(3))+`,"n":2,"time":"2026-12-05T09:00:00Z"}]`))
	rej("S22", "duplicate", "the same post liked twice, under two edition hints", 12, withTop(`"likes":[{"feed":`+q(omar.at(4))+`,"n":1,"time":"2026-12-05T09:00:00Z"},{"feed":`+q(omar.at(3))+`,"n":1,"time":"2026-12-05T08:00:00Z"}]`))
	rej("S23", "count", "1001 follows", 12, withTop(follows(feed.MaxFollows+1)))
	rej("S23", "duplicate", "the same feed followed twice, under two edition hints", 12, withTop(`"follows":[{"feed":`+q(omar.at(3))+`},{"feed":`+q(sam.at(1))+`},{"feed":`+q(omar.at(9))+`}]`))
	rej("S24", "count", "10,001 deleted numbers", 12, withTop(deleted(feed.MaxDeleted+1)))
	rej("S24", "zero", "deleted number 0", 12, withTop(`"deleted":[0,4]`))
	rej("S24", "descending", "deleted numbers descending", 12, withTop(`"deleted":[9,4]`))
	rej("S24", "duplicate", "deleted number 4 twice", 12, withTop(`"deleted":[4,4]`))
	rej("S25", "deleted-post", "post 3 listed and deleted", 12, withTop(`"deleted":[1,3]`))
	rej("S26", "equal", "older equal to edition", 12, withTop(`"older":12`))
	rej("S26", "greater", "older above edition", 12, withTop(`"older":13`))
	rej("S26", "negative", "older -1", 12, withTop(`"older":-1`))
	rej("S26", "edition-zero", "edition 0 with older 0", 0, mut(minDoc, `}}`, `},"older":0}`))
	vs = append(vs, vectors11(r, layla, omar, sam, others, baseDoc, post3)...)
	vs = append(vs, vectorsAlt(baseDoc, post3)...)
	return append(vs, vectorsEdit(baseDoc, post3)...)
}

// vectors11 returns the vectors of version 1.1 (docs/social.md §10,
// docs/social-inbox.md §2). It draws its keys from r after every key of
// the 1.0 vectors, so that those stay as they were.
func vectors11(r *rand.ChaCha8, layla, omar, sam identity, others []identity, baseDoc, post3 string) []Vector {
	box := func() string {
		var seed [32]byte
		r.Read(seed[:])
		k := must(ecdh.X25519().NewPrivateKey(seed[:]))
		return feed.EncodeBox([32]byte(k.PublicKey().Bytes()))
	}
	laylaBox, samBox := box(), box()
	spam := newIdentity(r)
	avatar, img1 := chk("avatar of Layla (a PNG in real life)"), chk("photo 1: the sea at Beirut")
	q := func(s string) string { return string(must(json.Marshal(s))) }

	full := &feed.Doc{
		Edition: 13, Time: ts("2026-12-06T10:00:00Z"), Device: 1187,
		Profile: feed.Profile{Name: "ليلى", Bio: "أكتب عن الشعر والمدن.\nI write about poetry and cities.", Avatar: avatar,
			Box: laylaBox, InboxWork: 22},
		Posts: []feed.Post{
			{N: 5283, Time: ts("2026-12-06T09:30:00Z"), Text: "@عمر @Sam شكراً على الدعوة!", Mentions: []string{omar.at(9), sam.at(2)}},
			{N: 17, Time: ts("2026-12-05T09:58:00Z"), Text: "صباح الخير من بيروت ☀️", Images: []string{img1}},
			{N: 16, Time: ts("2026-12-04T21:10:00Z"), Text: "شكراً يا @عمر!", ReplyTo: &feed.PostRef{Feed: omar.at(3), N: 5},
				Mentions: []string{omar.at(3)}},
		},
		Likes:   []feed.Like{{PostRef: feed.PostRef{Feed: omar.at(4), N: 2}, Time: ts("2026-12-04T20:00:00Z")}},
		Follows: []feed.Follow{{Feed: omar.at(9)}, {Feed: sam.at(2)}},
		Blocks:  []feed.Block{{Feed: spam.at(40)}},
		Deleted: []int64{4, 9},
		Older:   new(int64(7)),
	}
	fullDoc := enc(full)
	// base is baseDoc of the 1.0 vectors as version 1.1, without a field
	// of 1.1; reject vectors add one that breaks one rule.
	base := mut(baseDoc, `"version":"1.0"`, `"version":"1.1"`)
	withTop := func(fields string) string { return mut(base, `]}`, `],`+fields+`}`) }
	withDevice := func(v string) string {
		return mut(base, `"time":"2026-12-05T10:00:00Z",`, `"time":"2026-12-05T10:00:00Z","device":`+v+`,`)
	}
	withProfile := func(fields string) string { return mut(base, `"ليلى"}`, `"ليلى",`+fields+`}`) }
	withBox := func(s string) string { return withProfile(`"box":` + s) }
	withPost := func(fields string) string {
		return mut(base, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا",`+fields+`}`)
	}
	list := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	mentions := func(n int) string {
		return `"mentions":[` + list(n, func(i int) string { return q(others[i].at(int64(i))) }) + `]`
	}
	blocks := func(n int) string {
		return `"blocks":[` + list(n, func(i int) string { return `{"feed":` + q(others[i].at(int64(i))) + `}` }) + `]`
	}

	var vs []Vector
	parse := func(name, desc string, ed int64, doc string) {
		vs = append(vs, Vector{Name: "parse-" + name, Description: desc, Op: "parse", Edition: ed, Doc: doc})
	}
	rej := func(rule, name, desc string, doc string) {
		vs = append(vs, Vector{Name: "reject-" + rule + "-" + name, Description: desc, Op: "reject", Rule: rule, Edition: 12, Doc: doc})
	}
	parse("v11-full", "version 1.1: every field of 1.0, and device, the profile's box and inbox_work, mentions in posts, blocks", 13, fullDoc)
	parse("v11-box", "a minimal document with a box is written as version 1.1", 0, enc(&feed.Doc{
		Edition: 0, Time: ts("2026-12-01T00:00:00Z"), Profile: feed.Profile{Name: "Sam", Box: samBox}}))
	parse("v11-bounds-low", "inbox_work 16 and device 1, the lowest allowed", 12, mut(withProfile(`"inbox_work":16`), `"time":"2026-12-05T10:00:00Z",`,
		`"time":"2026-12-05T10:00:00Z","device":1,`))
	parse("v11-bounds-high", "inbox_work 32 and device 4095, the highest allowed", 12, mut(withProfile(`"inbox_work":32`), `"time":"2026-12-05T10:00:00Z",`,
		`"time":"2026-12-05T10:00:00Z","device":4095,`))
	parse("v11-max-mentions", "a post that mentions 10 feeds", 12, withPost(mentions(feed.MaxMentions)))
	parse("v11-max-blocks", "1000 blocks", 12, withTop(blocks(feed.MaxBlocks)))
	parse("v11-overlap", "a feed both followed and blocked, and the author's own feed blocked and mentioned: accepted (a reader takes the block, and ignores its own feed)", 12,
		mut(withTop(`"follows":[{"feed":`+q(omar.at(3))+`}],"blocks":[{"feed":`+q(omar.at(5))+`},{"feed":`+q(layla.at(12))+`}]`),
			`"text":"مرحبا"`, `"text":"مرحبا","mentions":[`+q(layla.at(11))+`]`))
	parse("v11-minor-version", "version 1.2 with the fields of 1.1 and a field 1.1 does not know: the fields of 1.1 are read, the other ignored, the version kept", 13,
		mut(mut(fullDoc, `"1.1"`, `"1.2"`), `"inbox_work":22}`, `"inbox_work":22,"pronouns":"she/her"}`))
	parse("v11-empty", "version 1.1 with empty blocks and mentions, the same as leaving them out; the version is kept", 12,
		mut(withTop(`"blocks":[]`), `"text":"مرحبا"`, `"text":"مرحبا","mentions":[]`))
	parse("v11-noncanonical", "version 1.1 with white space, another key order and escapes; the canonical form differs", 3,
		"{\n  \"version\": \"1.1\", \"blocks\": [ {\"feed\": "+q(spam.at(1))+"} ],\n"+
			"  \"profile\": {\"inbox_\\u0077ork\": 24, \"box\": "+q(samBox)+", \"name\": \"Sam\"},\n"+
			"  \"posts\": [ {\"mentions\": ["+q(omar.at(2))+"], \"text\": \"hi @Omar\", \"n\": 4103, \"time\": \"2026-12-06T09:00:00Z\"} ],\n"+
			"  \"device\": 7, \"time\": \"2026-12-06T10:00:00Z\", \"edition\": 3, \"format\": \"hams-social\"\n}\n")
	parse("v10-ignores-v11-fields", "version 1.0 with the fields of 1.1, each malformed (box, inbox_work 0, device -1, blocks null, a mention that is no URI): "+
		"a 1.0 document has no such fields, so they are unknown fields and ignored; the canonical form drops them and stays 1.0", 12,
		mut(mut(mut(baseDoc, `"ليلى"}`, `"ليلى","box":"x","inbox_work":0}`), `"time":"2026-12-05T10:00:00Z",`, `"time":"2026-12-05T10:00:00Z","device":-1,`),
			`"text":"مرحبا"}]}`, `"text":"مرحبا","mentions":["@omar"]}],"blocks":null}`))

	noncanon := []byte(laylaBox)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	noncanon[len(noncanon)-1] = alphabet[strings.IndexByte(alphabet, noncanon[len(noncanon)-1])|1]
	rej("S27", "empty", "an empty box (no key is no box field)", withBox(`""`))
	rej("S27", "short", "a box of 42 characters", withBox(q(laylaBox[:42])))
	rej("S27", "long", "a box of 44 characters (33 bytes)", withBox(q(laylaBox+"A")))
	rej("S27", "padded", "a box with base64 padding '='", withBox(q(laylaBox+"=")))
	rej("S27", "std-alphabet", "a box in the standard base64 alphabet ('+' and '/' for '-' and '_')", withBox(q("+/"+laylaBox[2:])))
	rej("S27", "noncanonical", "a box whose last character sets the 2 bits beyond the key: the same key, spelled another way", withBox(q(string(noncanon))))
	rej("S27", "newline", "a box of 42 characters and a newline (43 bytes; some base64 decoders skip line breaks)", withBox(q(laylaBox[:42]+"\n")))
	rej("S27", "hex", "a box in hex (64 characters)", withBox(q(hex.EncodeToString(must(base64URL(laylaBox))))))
	rej("S28", "low", "inbox_work 15", withProfile(`"inbox_work":15`))
	rej("S28", "high", "inbox_work 33", withProfile(`"inbox_work":33`))
	rej("S28", "zero", "inbox_work 0 (no value is no inbox_work field)", withProfile(`"inbox_work":0`))
	rej("S29", "zero", "device 0 (no device is no device field)", withDevice(`0`))
	rej("S29", "high", "device 4096", withDevice(`4096`))
	rej("S29", "negative", "device -1", withDevice(`-1`))
	rej("S30", "count", "1001 blocks", withTop(blocks(feed.MaxBlocks+1)))
	rej("S30", "duplicate", "the same feed blocked twice, under two edition hints", withTop(`"blocks":[{"feed":`+q(omar.at(3))+`},{"feed":`+q(sam.at(1))+`},{"feed":`+q(omar.at(9))+`}]`))
	rej("S31", "count", "a post that mentions 11 feeds", withPost(mentions(feed.MaxMentions+1)))
	rej("S31", "duplicate", "a post that mentions the same feed twice, under two edition hints", withPost(`"mentions":[`+q(omar.at(3))+`,`+q(omar.at(9))+`]`))
	rej("S8", "device-string", "device as a string", withDevice(`"7"`))
	rej("S8", "box-bytes", "a box as an array of bytes", withBox(`[1,2,3]`))
	rej("S8", "inbox-work-null", "inbox_work null", withProfile(`"inbox_work":null`))
	rej("S8", "mention-object", "a mention that is an object, not a feed URI string", withPost(`"mentions":[{"feed":`+q(omar.at(3))+`}]`))
	rej("S8", "block-string", "a block that is a feed URI string, not an object", withTop(`"blocks":[`+q(omar.at(3))+`]`))
	rej("S9", "block-feed", "a block without feed", withTop(`"blocks":[{"uri":`+q(omar.at(3))+`}]`))
	rej("S10", "device-fraction", "device 7.0", withDevice(`7.0`))
	rej("S10", "inbox-work-exponent", "inbox_work 2e1", withProfile(`"inbox_work":2e1`))
	rej("S19", "block-ssk", "a block of an SSK", withTop(`"blocks":[{"feed":`+q(mustSSK(omar))+`}]`))
	rej("S19", "mention-site", "a mention of a USK of another site", withPost(`"mentions":[`+q(omar.request.WithEdition(3).String()[:strings.LastIndex(omar.at(3), "/hams-social/")]+"/blog/3")+`]`))
	rej("S19", "mention-name", "a mention that is a name, not a feed URI", withPost(`"mentions":["@omar"]`))
	rej("S20", "mention-insert", "a mention holding an insert URI (a private key)", withPost(`"mentions":[`+q(omar.insert.WithEdition(3).String())+`]`))
	rej("S20", "block-insert", "a block holding the author's own insert URI", withTop(`"blocks":[{"feed":`+q(layla.insert.WithEdition(0).String())+`}]`))
	return vs
}

// vectorsAlt returns the vectors of a post's alt text (1.1, S32). It
// draws no keys (its images are CHKs of fixed data); a key it needs one
// day comes from r after every key of vectors11.
func vectorsAlt(baseDoc, post3 string) []Vector {
	img := []string{chk("photo 1: the sea at Beirut"), chk("photo 2: a cat"), chk("avatar of Layla (a PNG in real life)"), chk("4")}
	q := func(s string) string { return string(must(json.Marshal(s))) }
	list := func(ss ...string) string {
		parts := make([]string, len(ss))
		for i, s := range ss {
			parts[i] = q(s)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	base := mut(baseDoc, `"version":"1.0"`, `"version":"1.1"`)
	// withPost adds fields to post 3 of base (version 1.1).
	withPost := func(fields string) string {
		return mut(base, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا",`+fields+`}`)
	}
	// alt gives post 3 its first n images and the alt field v.
	alt := func(n int, v string) string {
		return withPost(`"images":` + list(img[:n]...) + `,"alt":` + v)
	}

	var vs []Vector
	parse := func(name, desc string, ed int64, doc string) {
		vs = append(vs, Vector{Name: "parse-" + name, Description: desc, Op: "parse", Edition: ed, Doc: doc})
	}
	rej := func(rule, name, desc string, doc string) {
		vs = append(vs, Vector{Name: "reject-" + rule + "-" + name, Description: desc, Op: "reject", Rule: rule, Edition: 12, Doc: doc})
	}
	parse("v11-alt", "version 1.1: posts with 1, 2, 3 and 4 images and one alt text per image, in their order (Arabic, English, "+
		"Arabic and English with bidi marks, emoji, quotes, and an empty one: no description), and a post with an image and no alt", 14, enc(&feed.Doc{
		Edition: 14, Time: ts("2026-12-07T10:00:00Z"), Profile: feed.Profile{Name: "ليلى"},
		Posts: []feed.Post{
			{N: 5, Time: ts("2026-12-07T09:40:00Z"), Text: "البحر اليوم 🌊", Images: img[:1],
				Alt: []string{"البحر عند الغروب في بيروت، وقارب صغير قرب الصخور"}},
			{N: 4, Time: ts("2026-12-07T09:30:00Z"), Text: "Two photos from the corniche", Images: img[:2],
				Alt: []string{"The sea at Beirut under a grey sky, seen from the corniche", ""}},
			{N: 3, Time: ts("2026-12-07T09:20:00Z"), Text: "لافتات المقهى", Images: img[:3],
				Alt: []string{"لافتة مكتوب عليها \u200f«أهلاً وسهلاً»\u200f وتحتها \u200eWelcome\u200e",
					`A sign reading "EXIT \ خروج"`, "فنجان قهوة ☕ وكتاب مفتوح"}},
			{N: 2, Time: ts("2026-12-07T09:10:00Z"), Text: "عيد ميلاد سعيد يا عمر!", Images: img,
				Alt: []string{"كعكة عيد ميلاد 🎂 عليها شمعتان", "عمر يضحك ويمسك بالونًا أحمر", "قطة تنظر إلى الكعكة", "👨‍👩‍👧 العائلة أمام الباب"}},
			{N: 1, Time: ts("2026-12-07T09:00:00Z"), Text: "بلا وصف", Images: img[3:]},
		}}))
	parse("v11-max-alt", "4 images with alt texts of exactly 1000 code points each (2000 bytes of Arabic, 4000 bytes of emoji)", 12,
		alt(4, list(repeatRunes("قطة ", 1000), repeatRunes("😀", 1000), repeatRunes("a cat ", 1000), repeatRunes("ب", 1000))))
	parse("v11-alt-empty", "an empty alt array, on a post with images and on one without: the same as leaving it out; the version is kept", 12,
		withPost(`"images":`+list(img[0])+`,"alt":[]},{"n":2,"time":"2026-12-05T08:00:00Z","text":"a","alt":[]`))
	parse("v11-alt-noncanonical", `alt before images, with escapes (\u0627 for ا, \/ for /) and white space; the canonical form puts alt after images`, 12,
		mut(base, post3, `{ "alt" : [ "\u0627\u0644\u0628\u062d\u0631 \/ the sea" , "" ] ,"n":3,"time":"2026-12-05T09:00:00Z",`+
			`"text":"مرحبا", "images" : `+list(img[:2]...)+` }`))
	parse("v10-ignores-alt", "version 1.0 with alt on three posts, each malformed (more alt texts than images, a newline, alt without images): "+
		"a 1.0 document has no alt field, so it is an unknown field and ignored; the canonical form drops it and stays 1.0", 12,
		mut(baseDoc, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا","images":`+list(img[0])+`,"alt":["a cat","a dog"]},`+
			`{"n":2,"time":"2026-12-05T08:00:00Z","text":"b","images":`+list(img[1])+`,"alt":["one\ntwo"]},`+
			`{"n":1,"time":"2026-12-05T07:00:00Z","text":"c","alt":[""]}`))

	rej("S32", "fewer", "a post with 2 images and 1 alt text", alt(2, list("البحر")))
	rej("S32", "more", "a post with 1 image and 2 alt texts", alt(1, list("البحر", "a cat")))
	rej("S32", "five", "a post with 4 images and 5 alt texts (more than any post has images)", alt(4, list("a", "b", "c", "d", "e")))
	rej("S32", "no-images", "alt text on a post without images", withPost(`"alt":`+list("قطة")))
	rej("S32", "empty-images", "alt text on a post with an empty images array (no images)", withPost(`"images":[],"alt":`+list("قطة")))
	rej("S32", "long", "an alt text of 1001 code points", alt(2, list("", repeatRunes("قطة ", 1001))))
	rej("S32", "newline", "an alt text with a newline (alt text is one line)", alt(1, `["قطة\nنائمة"]`))
	rej("S32", "tab", "an alt text with a tab", alt(1, `["a\tcat"]`))
	rej("S32", "c1", "an alt text with U+0085 (NEL, a C1 control)", alt(1, `["a\u0085cat"]`))
	rej("S8", "alt-string", "alt as a string, not an array", withPost(`"images":`+list(img[0])+`,"alt":"a cat"`))
	rej("S8", "alt-null-entry", "an alt text that is null (an image without a description has \"\")", alt(2, `["a cat",null]`))
	return vs
}

// base64URL decodes unpadded base64url.
func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// mustSSK returns id's key as an SSK request URI.
func mustSSK(id identity) string {
	u := id.request
	u.Type, u.Name, u.Edition = keys.SSK, "profile", 0
	return u.String()
}

// mustSSKInsert returns id's key as an SSK insert URI.
func mustSSKInsert(id identity) string {
	u := id.insert
	u.Type, u.Name, u.Edition = keys.SSK, "profile", 0
	return u.String()
}

// Fill completes parse vectors (summary, canonical form) by running the
// implementation, moves documents that are not UTF-8 to DocHex, and checks
// that every reject vector is rejected under its rule.
func Fill(vs []Vector) error {
	for i := range vs {
		v := &vs[i]
		if !utf8.ValidString(v.Doc) {
			v.DocHex, v.Doc = hex.EncodeToString([]byte(v.Doc)), ""
		}
		b, err := v.Bytes()
		if err != nil {
			return err
		}
		d, err := feed.Decode(b, v.Edition)
		switch v.Op {
		case "parse":
			if err != nil {
				return fmt.Errorf("%s: %v", v.Name, err)
			}
			v.Summary = d.String()
			c, err := d.Encode()
			if err != nil {
				return fmt.Errorf("%s: encode: %v", v.Name, err)
			}
			if !bytes.Equal(c, b) {
				v.Canonical = string(c)
			}
		case "reject":
			if got := feed.RuleOf(err); got != v.Rule {
				return fmt.Errorf("%s: rejected under %q (%v), want %s", v.Name, got, err, v.Rule)
			}
		default:
			return fmt.Errorf("%s: unknown op %q", v.Name, v.Op)
		}
	}
	return nil
}

func main() {
	out := flag.String("out", "docs/vectors/social", "output directory")
	flag.Parse()
	n, err := write(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "socialvectors:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d vectors to %s\n", n, *out)
}

// write generates every vector into dir and removes .json files there that
// no vector writes any more. It returns the number of vectors.
func write(dir string) (int, error) {
	vs := vectors()
	if err := Fill(vs); err != nil {
		return 0, err
	}
	return len(vs), vectorfile.Write(dir, vs, func(v *Vector) string { return v.Name })
}
