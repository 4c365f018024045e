package feed

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
)

// identity returns a deterministic feed keypair: the USK insert URI and
// request URI at edition 0.
func identity(t testing.TB, seed byte) (insert, request keys.URI) {
	t.Helper()
	ins, req, err := keys.GenerateSSK(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	ins.Type, ins.Name = keys.USK, SiteName
	req.Type, req.Name = keys.USK, SiteName
	return ins, req
}

func feedURI(t testing.TB, seed byte, edition int64) string {
	_, req := identity(t, seed)
	return req.WithEdition(edition).String()
}

func chkURI(t testing.TB, data string) string {
	t.Helper()
	_, u, err := keys.EncodeCHK([]byte(data), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

func at(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sample is a valid document using every field.
func sample(t testing.TB) *Doc {
	return &Doc{
		Edition: 12, Time: at("2026-12-05T10:00:00Z"),
		Profile: Profile{Name: "ليلى", Bio: "شاعرة.\nPoet.", Avatar: chkURI(t, "avatar")},
		Posts: []Post{
			{N: 17, Time: at("2026-12-05T09:58:00Z"), Text: "صباح الخير ☀️", Images: []string{chkURI(t, "a"), chkURI(t, "b")}},
			{N: 16, Time: at("2026-12-04T21:10:00Z"), Text: "شكراً \u200fOmar\u200f!", ReplyTo: &PostRef{Feed: feedURI(t, 2, 3), N: 5}},
		},
		Likes:   []Like{{PostRef: PostRef{Feed: feedURI(t, 2, 4), N: 2}, Time: at("2026-12-04T20:00:00Z")}},
		Follows: []Follow{{Feed: feedURI(t, 2, 9)}, {Feed: feedURI(t, 3, 0)}},
		Deleted: []int64{4, 9},
		Older:   new(int64(7)),
	}
}

// wantRule fails unless err is an *Error of rule.
func wantRule(t testing.TB, err error, rule string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error of rule %s", err, rule)
	}
	if e.Rule != rule {
		t.Fatalf("got %v, want rule %s", err, rule)
	}
	if !strings.HasPrefix(err.Error(), "feed: "+rule+": ") {
		t.Errorf("message %q lacks the package and rule prefix", err)
	}
}

func TestRoundTrip(t *testing.T) {
	d := sample(t)
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := *d
	want.Version = Version
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, &want)
	}
	b2, err := got.Encode()
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs: %s, %v", b2, err)
	}
}

func TestCanonicalFieldOrder(t *testing.T) {
	b, err := sample(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	last := -1
	for _, k := range []string{`{"format":`, `,"version":`, `,"edition":`, `,"time":`, `,"profile":{"name":`, `,"bio":`, `,"avatar":`,
		`},"posts":[{"n":17,"time":`, `,"text":`, `,"images":[`, `{"n":16`, `,"reply_to":{"feed":`, `,"likes":[{"feed":`,
		`,"follows":[{"feed":`, `,"deleted":[4,9]`, `,"older":7}`} {
		i := strings.Index(s, k)
		if i <= last {
			t.Fatalf("%s at %d, not after %d in\n%s", k, i, last, s)
		}
		last = i
	}
}

func TestEncodeOmitsEmpty(t *testing.T) {
	d := &Doc{Edition: 0, Time: at("2026-01-01T00:00:00Z"), Profile: Profile{Name: "Sam"}, Posts: []Post{}, Deleted: []int64{}}
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"hams-social","version":"1.0","edition":0,"time":"2026-01-01T00:00:00Z","profile":{"name":"Sam"}}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	got, err := Decode(b, 0)
	if err != nil || got.Posts != nil || got.Deleted != nil || got.Older != nil {
		t.Fatalf("%#v, %v", got, err)
	}
}

func TestEncodeEscaping(t *testing.T) {
	d := &Doc{Time: at("2026-01-01T00:00:00Z"), Profile: Profile{Name: `<b>"Sam" & \co/</b>`, Bio: "a\tb\nc \u2028 é"}}
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `"profile":{"name":"<b>\"Sam\" & \\co/</b>","bio":"a\tb\nc ` + "\u2028" + ` é"}`
	if !strings.Contains(string(b), want) {
		t.Fatalf("got %s\nwant it to hold %s", b, want)
	}
	var buf []byte
	buf = appendString(buf, "\x00\x01\x08\x0c\x0d\x1f\x7f")
	if got := string(buf); got != `"\u0000\u0001\b\f\r\u001f`+"\x7f"+`"` {
		t.Errorf("control escapes: %s", got)
	}
}

func TestTimes(t *testing.T) {
	d := sample(t)
	beirut := time.FixedZone("Beirut", 2*3600)
	d.Time = time.Date(2026, 12, 5, 12, 0, 0, 0, beirut)
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"time":"2026-12-05T10:00:00Z"`)) {
		t.Errorf("a time in another zone is not written in UTC: %s", b)
	}
	got, err := Decode(b, 12)
	if err != nil || got.Time.Location() != time.UTC || !got.Time.Equal(d.Time) {
		t.Fatalf("%v, %v", got.Time, err)
	}
	for _, bad := range []time.Time{{}, at("2026-12-05T10:00:00Z").Add(time.Millisecond), at("1970-01-01T00:00:00Z").Add(-time.Second),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		d.Time = bad
		_, err := d.Encode()
		wantRule(t, err, "S12")
	}
}

func TestVersion(t *testing.T) {
	d := sample(t)
	for v, rule := range map[string]string{"": "", "1.0": "", "1.7": "", "1.10": "", "1.01": "S6", "1": "S6", "x": "S6",
		"2.0": "S7", "0.1": "S7", "10.0": "S7", " 1.0": "S6", "1.0 ": "S6", "1.-1": "S6"} {
		d.Version = v
		err := d.Validate()
		if rule == "" {
			if err != nil {
				t.Errorf("%q: %v", v, err)
			}
			continue
		}
		wantRule(t, err, rule)
	}
	d.Version = "1.7"
	b, err := d.Encode()
	if err != nil || !bytes.Contains(b, []byte(`"version":"1.7"`)) {
		t.Errorf("version 1.7 not kept: %s %v", b, err)
	}
}

// decodeRule decodes doc fetched from edition 12 and checks the rule (""
// for success).
func decodeRule(t *testing.T, doc string, rule string) *Doc {
	t.Helper()
	d, err := Decode([]byte(doc), 12)
	if rule == "" {
		if err != nil {
			t.Fatalf("%v\n%.300s", err, doc)
		}
		return d
	}
	wantRule(t, err, rule)
	return nil
}

// minimal is a canonical document of edition 12 with one post.
const minimal = `{"format":"hams-social","version":"1.0","edition":12,"time":"2026-12-05T10:00:00Z","profile":{"name":"ليلى"},` +
	`"posts":[{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا"}]}`

func with(old, new string) string {
	if strings.Count(minimal, old) != 1 {
		panic(old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestTextLimitsCountCodePoints(t *testing.T) {
	arabic := func(n int) string { return strings.Repeat("ب", n) }
	if s := arabic(MaxTextRunes); len(s) != 2*MaxTextRunes || utf8.RuneCountInString(s) != MaxTextRunes {
		t.Fatal("test text")
	}
	decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+arabic(MaxTextRunes)+`"`), "")
	decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+arabic(MaxTextRunes+1)+`"`), "S17")
	// 2000 four-byte emoji: 8000 bytes, 2000 code points.
	decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+strings.Repeat("😀", MaxTextRunes)+`"`), "")
	// An escaped surrogate pair is one code point.
	decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+strings.Repeat(`\ud83d\ude00`, MaxTextRunes)+`"`), "")
	decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+strings.Repeat(`\ud83d\ude00`, MaxTextRunes+1)+`"`), "S17")
	decodeRule(t, with(`"name":"ليلى"`, `"name":"`+arabic(MaxNameRunes)+`"`), "")
	decodeRule(t, with(`"name":"ليلى"`, `"name":"`+arabic(MaxNameRunes+1)+`"`), "S13")
	decodeRule(t, with(`"name":"ليلى"}`, `"name":"ليلى","bio":"`+arabic(MaxBioRunes)+`"}`), "")
	decodeRule(t, with(`"name":"ليلى"}`, `"name":"ليلى","bio":"`+arabic(MaxBioRunes+1)+`"}`), "S14")
}

func TestTextCharacters(t *testing.T) {
	for _, c := range []struct {
		text, rule string
	}{
		{`a\nb\tc`, ""}, {"\u200fعربي\u200f English \u200e", ""}, {"\u061c\u202b\u202c\u2066\u2069\u200b\ufeff\u200d", ""},
		{`a\rb`, "S17"}, {`\u0000`, "S17"}, {`\u001f`, "S17"}, {`\u007f`, "S17"}, {`\u0080`, "S17"}, {`\u009f`, "S17"},
		{`\u00a0`, ""}, {" ", ""}, {`\n`, ""},
	} {
		decodeRule(t, with(`"text":"مرحبا"`, `"text":"`+c.text+`"`), c.rule)
	}
	for _, c := range []struct {
		name, rule string
	}{
		{"Layla \u200fليلى\u200f", ""}, {"a b", ""}, {`a\tb`, "S13"}, {`a\nb`, "S13"}, {" a", "S13"}, {"a ", "S13"},
		{"\u2003a", "S13"}, {"a\u0085", "S13"}, {"\u200f", ""},
	} {
		decodeRule(t, with(`"name":"ليلى"`, `"name":"`+c.name+`"`), c.rule)
	}
}

func TestListLimits(t *testing.T) {
	list := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	post := func(i int) string {
		return fmt.Sprintf(`{"n":%d,"time":"2026-12-05T09:00:00Z","text":"%d"}`, 1000-i, i)
	}
	posts := func(n int) string {
		return with(`"posts":[{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا"}]`, `"posts":[`+list(n, post)+`]`)
	}
	d := decodeRule(t, posts(MaxPosts), "")
	if len(d.Posts) != MaxPosts {
		t.Fatal(len(d.Posts))
	}
	decodeRule(t, posts(MaxPosts+1), "S16")

	img := chkURI(t, "img")
	images := func(n int) string {
		return with(`"text":"مرحبا"`, `"text":"مرحبا","images":[`+list(n, func(int) string { return strconv.Quote(img) })+`]`)
	}
	decodeRule(t, images(MaxImages), "")
	decodeRule(t, images(MaxImages+1), "S18")

	other := feedURI(t, 2, 5)
	likes := func(n int) string {
		return with(`]}`, `],"likes":[`+list(n, func(i int) string {
			return fmt.Sprintf(`{"feed":%q,"n":%d,"time":%q}`, other, i+1, at("2026-12-05T09:00:00Z").Add(-time.Duration(i)*time.Second).Format(TimeLayout))
		})+`]}`)
	}
	decodeRule(t, likes(MaxLikes), "")
	decodeRule(t, likes(MaxLikes+1), "S22")

	var feeds []string
	for i := range MaxFollows + 1 {
		// Feeds of one keypair under different crypto keys are different feeds.
		_, req := identity(t, 9)
		req.CryptoKey[0], req.CryptoKey[1] = byte(i), byte(i>>8)
		feeds = append(feeds, req.WithEdition(int64(i)).String())
	}
	follows := func(n int) string {
		return with(`]}`, `],"follows":[`+list(n, func(i int) string { return fmt.Sprintf(`{"feed":%q}`, feeds[i]) })+`]}`)
	}
	decodeRule(t, follows(MaxFollows), "")
	decodeRule(t, follows(MaxFollows+1), "S23")

	deleted := func(n int) string {
		return with(`]}`, `],"deleted":[`+list(n, func(i int) string { return strconv.Itoa(i + 4) })+`]}`)
	}
	decodeRule(t, deleted(MaxDeleted), "")
	decodeRule(t, deleted(MaxDeleted+1), "S24")
}

func TestSizeAndDepthLimits(t *testing.T) {
	pad := func(n int) string { return minimal + strings.Repeat(" ", n-len(minimal)) }
	decodeRule(t, pad(MaxDocSize), "")
	decodeRule(t, pad(MaxDocSize+1), "S1")
	// S1 is checked before anything else.
	decodeRule(t, "\xff"+pad(MaxDocSize), "S1")

	nest := func(depth int) string {
		return with(`]}`, `],"x":`+strings.Repeat(`{"a":`, depth-1)+"0"+strings.Repeat("}", depth-1)+"}")
	}
	decodeRule(t, nest(MaxDepth), "")
	decodeRule(t, nest(MaxDepth+1), "S3")
	// Deep nesting far beyond the limit fails fast, without a deep stack.
	decodeRule(t, with(`]}`, `],"x":`+strings.Repeat("[", 500000)), "S3")

	// Encode refuses a document over MaxDocSize.
	d := &Doc{Edition: 12, Time: at("2026-12-05T10:00:00Z"), Profile: Profile{Name: "big"}}
	for i := range MaxPosts {
		d.Posts = append(d.Posts, Post{N: int64(MaxPosts - i), Time: d.Time, Text: strings.Repeat("😀", MaxTextRunes)})
	}
	for i := range MaxDeleted {
		d.Deleted = append(d.Deleted, int64(100001+i))
	}
	_, req := identity(t, 9)
	for i := range MaxFollows {
		req.CryptoKey[0], req.CryptoKey[1] = byte(i), byte(i>>8)
		d.Follows = append(d.Follows, Follow{Feed: req.WithEdition(int64(i)).String()})
	}
	for i := range MaxLikes {
		d.Likes = append(d.Likes, Like{PostRef: PostRef{Feed: d.Follows[0].Feed, N: int64(i + 1)}, Time: d.Time})
	}
	_, err := d.Encode()
	wantRule(t, err, "S1")
	d.Deleted = nil
	if _, err := d.Encode(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeEdition(t *testing.T) {
	if _, err := Decode([]byte(minimal), 12); err != nil {
		t.Fatal(err)
	}
	for _, ed := range []int64{0, 11, 13, -12} {
		_, err := Decode([]byte(minimal), ed)
		wantRule(t, err, "S11")
	}
}

func TestNull(t *testing.T) {
	decodeRule(t, with(`]}`, `],"older":null}`), "S8")
	decodeRule(t, with(`]}`, `],"likes":null}`), "S8")
	decodeRule(t, with(`"text":"مرحبا"`, `"text":null`), "S8")
	decodeRule(t, with(`]}`, `],"unknown":null}`), "")
}

func TestFieldOrderIrrelevant(t *testing.T) {
	a := decodeRule(t, `{"profile":{"name":"ليلى"},"edition":12,"posts":[{"text":"مرحبا","n":3,"time":"2026-12-05T09:00:00Z"}],`+
		`"time":"2026-12-05T10:00:00Z","version":"1.0","format":"hams-social"}`, "")
	b, _ := a.Encode()
	if string(b) != minimal {
		t.Fatalf("%s", b)
	}
	// The format and version are checked first, wherever they are.
	decodeRule(t, `{"edition":"x","format":"hams-social","version":"3.0"}`, "S7")
	decodeRule(t, `{"edition":"x","version":"1.0","format":"x"}`, "S5")
}

func TestValidate(t *testing.T) {
	_, otherReq := identity(t, 2)
	otherIns, _ := identity(t, 2)
	cases := []struct {
		name string
		mod  func(d *Doc)
		rule string
	}{
		{"ok", func(d *Doc) {}, ""},
		{"negative edition", func(d *Doc) { d.Edition = -1 }, "S11"},
		{"name not UTF-8", func(d *Doc) { d.Profile.Name = "a\xffb" }, "S2"},
		{"text not UTF-8", func(d *Doc) { d.Posts[0].Text = "\xed\xa0\x80" }, "S2"},
		{"avatar SSK", func(d *Doc) { u := otherReq; u.Type, u.Name = keys.SSK, "x"; d.Profile.Avatar = u.String() }, "S15"},
		{"image insert", func(d *Doc) { u := otherIns; u.Type, u.Name = keys.SSK, "x"; d.Posts[0].Images[0] = u.String() }, "S20"},
		{"follow insert", func(d *Doc) { d.Follows[0].Feed = otherIns.WithEdition(1).String() }, "S20"},
		{"reply insert", func(d *Doc) { d.Posts[1].ReplyTo.Feed = otherIns.WithEdition(1).String() }, "S20"},
		{"like not canonical", func(d *Doc) { d.Likes[0].Feed = "freenet:" + d.Likes[0].Feed }, "S19"},
		{"like n", func(d *Doc) { d.Likes[0].N = 0 }, "S21"},
		{"reply n", func(d *Doc) { d.Posts[1].ReplyTo.N = -1 }, "S21"},
		{"post n", func(d *Doc) { d.Posts[1].N = 17 }, "S16"},
		{"likes order", func(d *Doc) {
			d.Likes = append(d.Likes, Like{PostRef: PostRef{Feed: d.Likes[0].Feed, N: 3}, Time: d.Likes[0].Time.Add(time.Second)})
		}, "S22"},
		{"likes tie", func(d *Doc) {
			d.Likes = append(d.Likes, Like{PostRef: PostRef{Feed: d.Likes[0].Feed, N: 3}, Time: d.Likes[0].Time})
		}, ""},
		{"like twice other hint", func(d *Doc) {
			d.Likes = append(d.Likes, Like{PostRef: PostRef{Feed: otherReq.WithEdition(99).String(), N: 2}, Time: d.Likes[0].Time})
		}, "S22"},
		{"follow twice", func(d *Doc) { d.Follows = append(d.Follows, Follow{Feed: otherReq.WithEdition(77).String()}) }, "S23"},
		{"deleted order", func(d *Doc) { d.Deleted = []int64{9, 4} }, "S24"},
		{"deleted post", func(d *Doc) { d.Deleted = []int64{4, 16} }, "S25"},
		{"older", func(d *Doc) { d.Older = new(d.Edition) }, "S26"},
		{"older negative", func(d *Doc) { d.Older = new(int64(-1)) }, "S26"},
		{"no older", func(d *Doc) { d.Older = nil }, ""},
		{"empty name", func(d *Doc) { d.Profile.Name = "" }, "S13"},
		{"empty text", func(d *Doc) { d.Posts[0].Text = "" }, "S17"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sample(t)
			c.mod(d)
			err := d.Validate()
			if c.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRule(t, err, c.rule)
			_, err = d.Encode()
			wantRule(t, err, c.rule)
		})
	}
}

func TestFeedKey(t *testing.T) {
	ins, req := identity(t, 5)
	want := req.WithEdition(0).String()
	if !strings.HasSuffix(want, "/hams-social/0") {
		t.Fatal(want)
	}
	for _, s := range []string{req.WithEdition(0).String(), req.WithEdition(42).String(), "freenet:" + req.WithEdition(3).String(),
		"usk" + req.WithEdition(3).String()[3:], req.WithEdition(-7).String()} {
		got, err := FeedKey(s)
		if err != nil || got != want {
			t.Errorf("FeedKey(%s) = %s, %v; want %s", s, got, err, want)
		}
	}
	_, err := FeedKey(ins.WithEdition(1).String())
	wantRule(t, err, "S20")
	other := req
	other.Name = "blog"
	for _, s := range []string{"", "USK@", other.WithEdition(1).String(), req.WithEdition(1).String() + "/x", chkURI(t, "x")} {
		_, err := FeedKey(s)
		wantRule(t, err, "S19")
	}
	// Another crypto key is another feed.
	req2 := req
	req2.CryptoKey[0] ^= 1
	if k, _ := FeedKey(req2.WithEdition(0).String()); k == want {
		t.Error("crypto key ignored")
	}
}

func TestErrorFormat(t *testing.T) {
	d := sample(t)
	d.Posts[1].Text = strings.Repeat("x", MaxTextRunes+1)
	err := fmt.Errorf("reading feed: %w", d.Validate())
	if got, want := err.Error(), "reading feed: feed: S17: posts[1].text: is 2001 code points, more than 2000"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if RuleOf(err) != "S17" || RuleOf(errors.New("x")) != "" || RuleOf(nil) != "" {
		t.Error("RuleOf")
	}
	e := &Error{Rule: "S1", Msg: "too big"}
	if e.Error() != "feed: S1: too big" {
		t.Error(e.Error())
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b := []byte(minimal)
	d, err := Decode(b, 12)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'x'
	}
	if d.Profile.Name != "ليلى" || d.Posts[0].Text != "مرحبا" {
		t.Error("the document aliases its input")
	}
}

func BenchmarkDecode(b *testing.B) {
	doc, err := sample(b).Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Decode(doc, 12); err != nil {
			b.Fatal(err)
		}
	}
}

// sample11 is sample with every field of version 1.1.
func sample11(t testing.TB) *Doc {
	d := sample(t)
	d.Device = 1187
	d.Profile.Box = EncodeBox([32]byte{1, 2, 3, 31: 0xff})
	d.Profile.InboxWork = 22
	d.Posts[0].Mentions = []string{feedURI(t, 2, 9), feedURI(t, 3, 1)}
	d.Posts[0].Alt = []string{"شروق الشمس فوق البحر", ""}
	d.Blocks = []Block{{Feed: feedURI(t, 4, 40)}, {Feed: feedURI(t, 5, 0)}}
	return d
}

func TestRoundTrip11(t *testing.T) {
	d := sample11(t)
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"version":"1.1"`)) {
		t.Fatalf("a document with fields of 1.1 is not written as 1.1: %s", b)
	}
	got, err := Decode(b, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := *d
	want.Version = Version11
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, &want)
	}
	b2, err := got.Encode()
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs: %s, %v", b2, err)
	}
}

func TestCanonicalFieldOrder11(t *testing.T) {
	b, err := sample11(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	last := -1
	for _, k := range []string{`{"format":`, `,"version":"1.1"`, `,"edition":`, `,"time":`, `,"device":1187`, `,"profile":{"name":`, `,"bio":`,
		`,"avatar":`, `,"box":`, `,"inbox_work":22}`, `,"posts":[{"n":17,"time":`, `,"text":`, `,"images":[`, `],"alt":["شروق`, `"],"mentions":[`, `]},{"n":16`,
		`,"reply_to":{"feed":`, `,"likes":[{"feed":`, `,"follows":[{"feed":`, `,"blocks":[{"feed":`, `,"deleted":[4,9]`, `,"older":7}`} {
		i := strings.Index(s, k)
		if i <= last {
			t.Fatalf("%s at %d, not after %d in\n%s", k, i, last, s)
		}
		last = i
	}
}

// TestVersionWritten checks the version Encode writes: 1.0 unless a field
// of 1.1 is set, a version read from a document kept.
func TestVersionWritten(t *testing.T) {
	for _, c := range []struct {
		name, version string
		mod           func(d *Doc)
		want          string
	}{
		{"1.0 fields", "", func(d *Doc) {}, "1.0"},
		{"1.0 fields, 1.0", "1.0", func(d *Doc) {}, "1.0"},
		{"device", "", func(d *Doc) { d.Device = 1 }, "1.1"},
		{"box", "", func(d *Doc) { d.Profile.Box = EncodeBox([32]byte{9}) }, "1.1"},
		{"inbox_work", "", func(d *Doc) { d.Profile.InboxWork = 16 }, "1.1"},
		{"mentions", "", func(d *Doc) { d.Posts[1].Mentions = []string{feedURI(t, 7, 0)} }, "1.1"},
		{"blocks", "", func(d *Doc) { d.Blocks = []Block{{Feed: feedURI(t, 7, 0)}} }, "1.1"},
		{"blocks labelled 1.0", "1.0", func(d *Doc) { d.Blocks = []Block{{Feed: feedURI(t, 7, 0)}} }, "1.1"},
		{"alt", "", func(d *Doc) { d.Posts[0].Alt = []string{"a cat", "a dog"} }, "1.1"},
		{"alt empty strings", "", func(d *Doc) { d.Posts[0].Alt = []string{"", ""} }, "1.1"},
		{"alt labelled 1.0", "1.0", func(d *Doc) { d.Posts[0].Alt = []string{"a cat", ""} }, "1.1"},
		{"empty lists", "", func(d *Doc) { d.Blocks = []Block{}; d.Posts[0].Mentions = []string{}; d.Posts[0].Alt = []string{} }, "1.0"},
		{"1.1 kept without its fields", "1.1", func(d *Doc) {}, "1.1"},
		{"1.7 kept", "1.7", func(d *Doc) { d.Device = 3 }, "1.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := sample(t)
			d.Version = c.version
			c.mod(d)
			b, err := d.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(`"version":"`+c.want+`"`)) {
				t.Fatalf("want version %s: %s", c.want, b)
			}
			if !strings.HasPrefix(d.String(), "hams-social "+c.want+" ") {
				t.Errorf("String says another version: %s", d)
			}
			got, err := Decode(b, 12)
			if err != nil {
				t.Fatal(err)
			}
			if b2, err := got.Encode(); err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("re-encoding differs: %s, %v", b2, err)
			}
		})
	}
}

// TestVersion10StaysAndIgnores11 checks that a 1.0 document stays 1.0 byte
// for byte after Decode and Encode, and that the fields of 1.1 in a 1.0
// document are unknown fields: not read, not checked, dropped.
func TestVersion10StaysAndIgnores11(t *testing.T) {
	b, err := sample(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b, 12)
	if err != nil || d.Version != "1.0" {
		t.Fatalf("%v, %v", d, err)
	}
	if b2, err := d.Encode(); err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("a 1.0 document changed:\n%s\n%s %v", b, b2, err)
	}

	for _, valid := range []bool{false, true} {
		top, profile, mention := `"device":0,"blocks":[{"feed":"x"},{"feed":"x"}],`, `,"box":"not a key","inbox_work":null`, `"mentions":[1,2],`
		if valid {
			top = `"device":7,"blocks":[{"feed":"` + feedURI(t, 4, 0) + `"}],`
			profile = `,"box":"` + EncodeBox([32]byte{1}) + `","inbox_work":20`
			mention = `"mentions":["` + feedURI(t, 4, 0) + `"],`
		}
		doc := with(`"profile":{"name":"ليلى"}`, top+`"profile":{"name":"ليلى"`+profile+`}`)
		doc = strings.Replace(doc, `{"n":3,`, `{`+mention+`"n":3,`, 1)
		d := decodeRule(t, doc, "")
		if d.Device != 0 || d.Profile.Box != "" || d.Profile.InboxWork != 0 || d.Blocks != nil || d.Posts[0].Mentions != nil {
			t.Fatalf("fields of 1.1 read from a 1.0 document: %#v", d)
		}
		if b, _ := d.Encode(); string(b) != minimal {
			t.Fatalf("got %s\nwant %s", b, minimal)
		}
		// The same fields in a 1.1 document are read (valid) or rejected.
		doc11 := strings.Replace(doc, `"version":"1.0"`, `"version":"1.1"`, 1)
		if valid {
			d := decodeRule(t, doc11, "")
			if d.Device != 7 || d.Profile.InboxWork != 20 || d.Profile.Box == "" || len(d.Blocks) != 1 || len(d.Posts[0].Mentions) != 1 {
				t.Fatalf("fields of 1.1 not read from a 1.1 document: %#v", d)
			}
		} else {
			if _, err := Decode([]byte(doc11), 12); RuleOf(err) == "" {
				t.Fatalf("malformed fields of 1.1 accepted in a 1.1 document: %v", err)
			}
		}
	}
}

// with11 is with on minimal as version 1.1.
func with11(old, new string) string {
	return strings.Replace(with(old, new), `"version":"1.0"`, `"version":"1.1"`, 1)
}

func TestRules11Decode(t *testing.T) {
	box := EncodeBox([32]byte{0xde, 0xad, 0xbe, 0xef, 31: 0x0f})
	if len(box) != BoxLen || box[BoxLen-1] != '8' {
		t.Fatalf("test box %s", box)
	}
	other, third := feedURI(t, 2, 3), feedURI(t, 3, 0)
	_, otherReq := identity(t, 2)
	otherIns, _ := identity(t, 2)
	ssk := otherReq
	ssk.Type, ssk.Name = keys.SSK, "x"
	profile := func(f string) string { return with11(`"name":"ليلى"`, `"name":"ليلى",`+f) }
	device := func(v string) string {
		return with11(`"time":"2026-12-05T10:00:00Z",`, `"time":"2026-12-05T10:00:00Z","device":`+v+`,`)
	}
	mentions := func(uris ...string) string {
		q := make([]string, len(uris))
		for i, u := range uris {
			q[i] = strconv.Quote(u)
		}
		return with11(`"text":"مرحبا"`, `"text":"مرحبا","mentions":[`+strings.Join(q, ",")+`]`)
	}
	blocks := func(uris ...string) string {
		q := make([]string, len(uris))
		for i, u := range uris {
			q[i] = `{"feed":` + strconv.Quote(u) + `}`
		}
		return with11(`]}`, `],"blocks":[`+strings.Join(q, ",")+`]}`)
	}
	for _, c := range []struct {
		name, doc, rule string
	}{
		{"box", profile(`"box":"` + box + `"`), ""},
		{"box empty", profile(`"box":""`), "S27"},
		{"box short", profile(`"box":"` + box[:42] + `"`), "S27"},
		{"box long", profile(`"box":"` + box + `A"`), "S27"},
		{"box padded", profile(`"box":"` + box + `="`), "S27"},
		{"box padded short", profile(`"box":"` + box[:42] + `="`), "S27"},
		{"box plus", profile(`"box":"+` + box[1:] + `"`), "S27"},
		{"box slash", profile(`"box":"/` + box[1:] + `"`), "S27"},
		{"box spare bits", profile(`"box":"` + box[:42] + `9"`), "S27"},
		{"box newline", profile(`"box":"` + box[:42] + `\n"`), "S27"},
		{"box carriage return", profile(`"box":"` + box[:21] + `\r` + box[22:] + `"`), "S27"},
		{"box space", profile(`"box":"` + box[:21] + ` ` + box[22:] + `"`), "S27"},
		{"box escaped", profile(`"box":"\u0033` + box[1:] + `"`), ""},
		{"box number", profile(`"box":3`), "S8"},
		{"box null", profile(`"box":null`), "S8"},
		{"inbox_work 16", profile(`"inbox_work":16`), ""},
		{"inbox_work 32", profile(`"inbox_work":32`), ""},
		{"inbox_work 15", profile(`"inbox_work":15`), "S28"},
		{"inbox_work 33", profile(`"inbox_work":33`), "S28"},
		{"inbox_work 0", profile(`"inbox_work":0`), "S28"},
		{"inbox_work -20", profile(`"inbox_work":-20`), "S28"},
		{"inbox_work 2^32+20", profile(`"inbox_work":4294967316`), "S28"},
		{"inbox_work 20.0", profile(`"inbox_work":20.0`), "S10"},
		{"inbox_work string", profile(`"inbox_work":"20"`), "S8"},
		{"device 1", device("1"), ""},
		{"device 4095", device("4095"), ""},
		{"device 0", device("0"), "S29"},
		{"device 4096", device("4096"), "S29"},
		{"device -1", device("-1"), "S29"},
		{"device 2^32+1", device("4294967297"), "S29"},
		{"device 2^63", device("9223372036854775808"), "S10"},
		{"device 1e3", device("1e3"), "S10"},
		{"device bool", device("true"), "S8"},
		{"mentions", mentions(other, third), ""},
		{"mentions empty", mentions(), ""},
		{"mention twice", mentions(other, third, feedURI(t, 2, 99)), "S31"},
		{"mention own feed", mentions(feedURI(t, 1, 12)), ""},
		{"mention ssk", mentions(ssk.String()), "S19"},
		{"mention chk", mentions(chkURI(t, "x")), "S19"},
		{"mention prefix", mentions("freenet:" + other), "S19"},
		{"mention negative edition", mentions(feedURI(t, 2, -1)), "S19"},
		{"mention name", mentions("@Omar"), "S19"},
		{"mention insert", mentions(otherIns.WithEdition(1).String()), "S20"},
		{"mention object", with11(`"text":"مرحبا"`, `"text":"مرحبا","mentions":[{"feed":"`+other+`"}]`), "S8"},
		{"mentions string", with11(`"text":"مرحبا"`, `"text":"مرحبا","mentions":"`+other+`"`), "S8"},
		{"mentions null", with11(`"text":"مرحبا"`, `"text":"مرحبا","mentions":null`), "S8"},
		{"blocks", blocks(other, third), ""},
		{"blocks empty", blocks(), ""},
		{"block twice", blocks(other, third, feedURI(t, 2, 0)), "S30"},
		{"block own feed", blocks(feedURI(t, 1, 0)), ""},
		{"block ssk", blocks(ssk.String()), "S19"},
		{"block insert", blocks(otherIns.WithEdition(1).String()), "S20"},
		{"block without feed", with11(`]}`, `],"blocks":[{"uri":"`+other+`"}]}`), "S9"},
		{"block string", with11(`]}`, `],"blocks":["`+other+`"]}`), "S8"},
		{"blocks null", with11(`]}`, `],"blocks":null}`), "S8"},
		{"follow and block", with11(`]}`, `],"follows":[{"feed":"`+other+`"}],"blocks":[{"feed":"`+feedURI(t, 2, 7)+`"}]}`), ""},
		{"unknown minor", strings.Replace(profile(`"box":"`+box+`","new":{"x":[]}`), `"1.1"`, `"1.9"`, 1), ""},
		{"minor 10", strings.Replace(device("9"), `"1.1"`, `"1.10"`, 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			decodeRule(t, c.doc, c.rule)
		})
	}
}

func TestRules11Validate(t *testing.T) {
	otherIns, _ := identity(t, 2)
	box := EncodeBox([32]byte{7})
	cases := []struct {
		name string
		mod  func(d *Doc)
		rule string
	}{
		{"ok", func(d *Doc) {}, ""},
		{"no 1.1 fields", func(d *Doc) { *d = *sample(t) }, ""},
		{"device negative", func(d *Doc) { d.Device = -1 }, "S29"},
		{"device 4096", func(d *Doc) { d.Device = MaxDevice + 1 }, "S29"},
		{"device 4095", func(d *Doc) { d.Device = MaxDevice }, ""},
		{"box short", func(d *Doc) { d.Profile.Box = box[:42] }, "S27"},
		{"box spare bits", func(d *Doc) { d.Profile.Box = box[:42] + "B" }, "S27"},
		{"box not UTF-8", func(d *Doc) { d.Profile.Box = "\xff" + box[1:] }, "S27"},
		{"inbox_work 15", func(d *Doc) { d.Profile.InboxWork = MinInboxWork - 1 }, "S28"},
		{"inbox_work 33", func(d *Doc) { d.Profile.InboxWork = MaxInboxWork + 1 }, "S28"},
		{"inbox_work negative", func(d *Doc) { d.Profile.InboxWork = -20 }, "S28"},
		{"mentions 10", func(d *Doc) {
			d.Posts[0].Mentions = nil
			for i := range MaxMentions {
				d.Posts[0].Mentions = append(d.Posts[0].Mentions, feedURI(t, byte(10+i), 0))
			}
		}, ""},
		{"mentions 11", func(d *Doc) {
			d.Posts[1].Mentions = nil
			for i := range MaxMentions + 1 {
				d.Posts[1].Mentions = append(d.Posts[1].Mentions, feedURI(t, byte(10+i), 0))
			}
		}, "S31"},
		{"mention twice", func(d *Doc) { d.Posts[0].Mentions = append(d.Posts[0].Mentions, feedURI(t, 2, 0)) }, "S31"},
		{"mention insert", func(d *Doc) { d.Posts[0].Mentions[1] = otherIns.WithEdition(0).String() }, "S20"},
		{"mention not canonical", func(d *Doc) { d.Posts[0].Mentions[1] = "freenet:" + d.Posts[0].Mentions[1] }, "S19"},
		{"block twice", func(d *Doc) { d.Blocks = append(d.Blocks, Block{Feed: feedURI(t, 4, 1)}) }, "S30"},
		{"block insert", func(d *Doc) { d.Blocks[0].Feed = otherIns.WithEdition(0).String() }, "S20"},
		{"block empty", func(d *Doc) { d.Blocks[1].Feed = "" }, "S19"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sample11(t)
			c.mod(d)
			err := d.Validate()
			if c.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRule(t, err, c.rule)
			_, err = d.Encode()
			wantRule(t, err, c.rule)
		})
	}
}

func TestListLimits11(t *testing.T) {
	list := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	var feeds []string
	for i := range MaxBlocks + 1 {
		_, req := identity(t, 9)
		req.CryptoKey[0], req.CryptoKey[1] = byte(i), byte(i>>8)
		feeds = append(feeds, req.WithEdition(int64(i)).String())
	}
	mentions := func(n int) string {
		return with11(`"text":"مرحبا"`, `"text":"مرحبا","mentions":[`+list(n, func(i int) string { return strconv.Quote(feeds[i]) })+`]`)
	}
	d := decodeRule(t, mentions(MaxMentions), "")
	if len(d.Posts[0].Mentions) != MaxMentions {
		t.Fatal(len(d.Posts[0].Mentions))
	}
	decodeRule(t, mentions(MaxMentions+1), "S31")
	blocks := func(n int) string {
		return with11(`]}`, `],"blocks":[`+list(n, func(i int) string { return fmt.Sprintf(`{"feed":%q}`, feeds[i]) })+`]}`)
	}
	d = decodeRule(t, blocks(MaxBlocks), "")
	if len(d.Blocks) != MaxBlocks {
		t.Fatal(len(d.Blocks))
	}
	decodeRule(t, blocks(MaxBlocks+1), "S30")
	// An overlong list is refused before its entries are read: the 1001st
	// block is no object, yet the count is reported.
	decodeRule(t, with11(`]}`, `],"blocks":[`+list(MaxBlocks, func(i int) string { return fmt.Sprintf(`{"feed":%q}`, feeds[i]) })+`,7]}`), "S30")
}

func TestBox(t *testing.T) {
	var k [32]byte
	for i := range k {
		k[i] = byte(255 - i)
	}
	s := EncodeBox(k)
	if len(s) != BoxLen || strings.ContainsAny(s, "+/=") {
		t.Fatalf("EncodeBox %q", s)
	}
	if got, ok := (Profile{Box: s}).BoxKey(); !ok || got != k {
		t.Fatalf("BoxKey: %x %v", got, ok)
	}
	for _, bad := range []string{"", s[:42], s + "A", s[:42] + "=", "+" + s[1:]} {
		if _, ok := (Profile{Box: bad}).BoxKey(); ok {
			t.Errorf("BoxKey(%q) ok", bad)
		}
	}
	// The last character of every valid box is one of 16.
	for c := range 64 {
		last := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[c]
		_, ok := (Profile{Box: s[:42] + string(last)}).BoxKey()
		if ok != strings.ContainsRune("AEIMQUYcgkosw048", rune(last)) {
			t.Errorf("last character %c: ok %v", last, ok)
		}
	}
}

// TestAlt checks post alt text (1.1, S32) in Decode: one string per image,
// each one line of at most MaxAltRunes code points, read only from a 1.1
// document.
func TestAlt(t *testing.T) {
	img := chkURI(t, "img")
	q := func(ss ...string) string {
		for i, x := range ss {
			ss[i] = strconv.Quote(x)
		}
		return strings.Join(ss, ",")
	}
	// post gives post 3 n images (-1: an empty images array) and the alt
	// field alt (none when "").
	post := func(version string, n int, alt string) string {
		f := ""
		if n < 0 {
			f = `,"images":[]`
		} else if n > 0 {
			f += `,"images":[` + q(slices.Repeat([]string{img}, n)...) + `]`
		}
		if alt != "" {
			f += `,"alt":` + alt
		}
		doc := with(`"text":"مرحبا"`, `"text":"مرحبا"`+f)
		return strings.Replace(doc, `"version":"1.0"`, `"version":"`+version+`"`, 1)
	}
	arabic := func(n int) string { return strings.Repeat("ب", n) }
	for _, c := range []struct {
		name   string
		images int
		alt    string
		rule   string
		want   []string
	}{
		{"one", 1, `["قطة نائمة على كرسي"]`, "", []string{"قطة نائمة على كرسي"}},
		{"four, escaped", 4, `["a","\u0628","","\"quoted\" \\ \/"]`, "", []string{"a", "ب", "", `"quoted" \ /`}},
		{"empty string", 2, `["",""]`, "", []string{"", ""}},
		{"empty list", 3, `[]`, "", nil},
		{"empty list without images", 0, `[]`, "", nil},
		{"format characters", 1, `["` + "\u200fليلى\u200f on a \u200bbike 👩‍🦰" + `"]`, "", []string{"\u200fليلى\u200f on a \u200bbike 👩‍🦰"}},
		{"spaces at the ends", 1, `["  a cat "]`, "", []string{"  a cat "}},
		{"longest", 1, `["` + arabic(MaxAltRunes) + `"]`, "", []string{arabic(MaxAltRunes)}},
		{"longest in emoji", 1, `["` + strings.Repeat(`\ud83d\ude00`, MaxAltRunes) + `"]`, "", []string{strings.Repeat("😀", MaxAltRunes)}},
		{"too long", 1, `["` + arabic(MaxAltRunes+1) + `"]`, "S32", nil},
		{"too long, second", 2, `["a","` + strings.Repeat("x", MaxAltRunes+1) + `"]`, "S32", nil},
		{"fewer", 2, `["a cat"]`, "S32", nil},
		{"more", 1, `["a cat","a dog"]`, "S32", nil},
		{"five for four", 4, `["a","b","c","d","e"]`, "S32", nil},
		{"five, the fifth no string", 4, `["a","b","c","d",5]`, "S32", nil},
		{"without images", 0, `["a cat"]`, "S32", nil},
		{"with empty images", -1, `["a cat"]`, "S32", nil},
		{"newline", 1, `["a cat\nsleeping"]`, "S32", nil},
		{"tab", 1, `["a\tcat"]`, "S32", nil},
		{"carriage return", 1, `["a cat\r"]`, "S32", nil},
		{"nul", 1, `["\u0000"]`, "S32", nil},
		{"del", 1, `["a\u007f"]`, "S32", nil},
		{"c1", 1, `["a\u0085"]`, "S32", nil},
		{"string", 1, `"a cat"`, "S8", nil},
		{"null", 1, `null`, "S8", nil},
		{"null entry", 1, `[null]`, "S8", nil},
		{"number entry", 2, `["a",7]`, "S8", nil},
		{"lone surrogate", 1, `["\ud83d"]`, "S2", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := decodeRule(t, post("1.1", c.images, c.alt), c.rule)
			if c.rule != "" {
				return
			}
			if !slices.Equal(d.Posts[0].Alt, c.want) {
				t.Fatalf("alt %q, want %q", d.Posts[0].Alt, c.want)
			}
			b, err := d.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if d2, err := Decode(b, 12); err != nil || !reflect.DeepEqual(d2, d) {
				t.Fatalf("round trip: %v\n%s\n%s", err, d2, d)
			}
			if hasAlt := bytes.Contains(b, []byte(`"alt":[`)); hasAlt != (len(c.want) > 0) {
				t.Fatalf("canonical form %s", b)
			}
		})
		// In a 1.0 document alt is an unknown field: not read, not checked,
		// dropped, and the document stays 1.0.
		t.Run(c.name+" in 1.0", func(t *testing.T) {
			if c.rule == "S2" {
				return // a lone surrogate breaks any document
			}
			d := decodeRule(t, post("1.0", c.images, c.alt), "")
			if d.Posts[0].Alt != nil {
				t.Fatalf("alt read from a 1.0 document: %q", d.Posts[0].Alt)
			}
			b, err := d.Encode()
			if err != nil || !bytes.HasPrefix(b, []byte(`{"format":"hams-social","version":"1.0",`)) || bytes.Contains(b, []byte(`"alt"`)) {
				t.Fatalf("%s, %v", b, err)
			}
		})
	}
}

func TestAltValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(d *Doc)
		rule string
	}{
		{"one per image", func(d *Doc) { d.Posts[0].Alt = []string{"البحر", "a cat"} }, ""},
		{"empty strings", func(d *Doc) { d.Posts[0].Alt = []string{"", ""} }, ""},
		{"empty list", func(d *Doc) { d.Posts[0].Alt = []string{} }, ""},
		{"longest", func(d *Doc) { d.Posts[0].Alt = []string{strings.Repeat("😀", MaxAltRunes), ""} }, ""},
		{"too long", func(d *Doc) { d.Posts[0].Alt = []string{"", strings.Repeat("ب", MaxAltRunes+1)} }, "S32"},
		{"fewer", func(d *Doc) { d.Posts[0].Alt = []string{"a cat"} }, "S32"},
		{"more", func(d *Doc) { d.Posts[0].Alt = []string{"a", "b", "c"} }, "S32"},
		{"without images", func(d *Doc) { d.Posts[1].Alt = []string{"a cat"} }, "S32"},
		{"images removed", func(d *Doc) { d.Posts[0].Alt = []string{"a", "b"}; d.Posts[0].Images = nil }, "S32"},
		{"newline", func(d *Doc) { d.Posts[0].Alt = []string{"a\nb", "c"} }, "S32"},
		{"tab", func(d *Doc) { d.Posts[0].Alt = []string{"a", "b\tc"} }, "S32"},
		{"c1", func(d *Doc) { d.Posts[0].Alt = []string{"a\u009b", "c"} }, "S32"},
		{"not UTF-8", func(d *Doc) { d.Posts[0].Alt = []string{"a\xff", "c"} }, "S2"},
		{"image bad before alt", func(d *Doc) { d.Posts[0].Alt = []string{"a"}; d.Posts[0].Images[1] = "x" }, "S15"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sample(t)
			c.mod(d)
			err := d.Validate()
			if c.rule == "" {
				if err != nil {
					t.Fatal(err)
				}
				b, err := d.Encode()
				if err != nil {
					t.Fatal(err)
				}
				got, err := Decode(b, 12)
				if err != nil {
					t.Fatal(err)
				}
				want := d.Posts[0].Alt
				if len(want) == 0 {
					want = nil // an empty Alt is none
				}
				if !reflect.DeepEqual(got.Posts[0].Alt, want) {
					t.Fatalf("alt %q, want %q", got.Posts[0].Alt, want)
				}
				return
			}
			wantRule(t, err, c.rule)
			_, err = d.Encode()
			wantRule(t, err, c.rule)
		})
	}
}
