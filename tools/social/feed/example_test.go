package feed_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
)

// Write edition 1 of a feed, then read it back as a reader that fetched
// edition 1 of the USK. The keypair comes from fixed bytes here; use
// crypto/rand.Reader for a real one, and keep the insert URI secret.
func Example() {
	_, request, err := keys.GenerateSSK(bytes.NewReader(make([]byte, 64))) // not random: an example
	if err != nil {
		panic(err)
	}
	request.Type, request.Name = keys.USK, feed.SiteName
	me := request.WithEdition(1)

	doc := &feed.Doc{
		Edition: 1,
		Time:    time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC),
		Profile: feed.Profile{Name: "ليلى"},
		Posts: []feed.Post{
			{N: 2, Time: time.Date(2026, 12, 5, 9, 58, 0, 0, time.UTC), Text: "أهلاً <world>!",
				ReplyTo: &feed.PostRef{Feed: me.String(), N: 1}},
			{N: 1, Time: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC), Text: "مرحبا"},
		},
		Older: nil, // every post is listed
	}
	b, err := doc.Encode() // insert b under the USK insert URI at edition 1
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	got, err := feed.Decode(b, 1) // the edition the reader fetched
	if err != nil {
		panic(err)
	}
	for _, p := range got.Posts {
		fmt.Println(p.N, p.Text)
	}
	_, err = feed.Decode(b, 2) // the same data offered as edition 2: a replay
	fmt.Println(feed.RuleOf(err))
	// Output:
	// {"format":"hams-social","version":"1.0","edition":1,"time":"2026-12-05T10:00:00Z","profile":{"name":"ليلى"},"posts":[{"n":2,"time":"2026-12-05T09:58:00Z","text":"أهلاً <world>!","reply_to":{"feed":"USK@LmEQsnUQ~yI9p2G1PwgRrNH9OoHNY88yoVA6gM6JMgk,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQABAAE/hams-social/1","n":1}},{"n":1,"time":"2026-12-04T08:00:00Z","text":"مرحبا"}]}
	// 2 أهلاً <world>!
	// 1 مرحبا
	// S11
}

// FeedKey names a feed whatever the edition or spelling of its URI.
func ExampleFeedKey() {
	_, request, err := keys.GenerateSSK(bytes.NewReader(make([]byte, 64)))
	if err != nil {
		panic(err)
	}
	request.Type, request.Name = keys.USK, feed.SiteName
	a, _ := feed.FeedKey(request.WithEdition(7).String())
	b, _ := feed.FeedKey("freenet:" + request.WithEdition(42).String())
	fmt.Println(a == b, a == request.WithEdition(0).String())
	// Output:
	// true true
}

// A document that breaks a rule is rejected with an *Error naming it.
func ExampleDecode_reject() {
	doc := `{"format":"hams-social","version":"2.0","edition":3}`
	_, err := feed.Decode([]byte(doc), 3)
	fmt.Println(err)
	// Output:
	// feed: S7: version: major version 2 is not supported (this reader reads 1.x)
}
