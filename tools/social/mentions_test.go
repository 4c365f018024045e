package social

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMentionName(t *testing.T) {
	for _, tc := range [][2]string{
		{"Layla Hassan", "laylahassan"},
		{"لَيْلى", "ليلى"},  // diacritics aside
		{"ليـــلى", "ليلى"}, // tatweel aside
		{"  Ali ", "ali"},
	} {
		if got := mentionName(tc[0]); got != tc[1] {
			t.Errorf("mentionName(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
}

// TestMentions: "@name" of a person the author follows is carried in the
// post's mentions and shown as a link to their page; an unknown or
// ambiguous name stays text.
func TestMentions(t *testing.T) {
	nodes := startNodes(t, 1)
	fcp := nodes[0].FCPAddr()
	a, b, c, d := startApp(t, fcp, nil), startApp(t, fcp, nil), startApp(t, fcp, nil), startApp(t, fcp, nil)
	a.createIdentity("Author")
	uriB := b.createIdentity("ليلى حسن")
	uriC := c.createIdentity("Sam")
	uriD := d.createIdentity("sam")
	keyB, _ := feedKey(uriB)
	for _, u := range []string{uriB, uriC, uriD} {
		a.mustPost("/follow", map[string]string{"uri": u})
	}
	a.waitFor("/people", "ليلى حسن", 20*time.Second)
	a.waitFor("/people", ">Sam<", 20*time.Second)
	a.waitFor("/people", ">sam<", 20*time.Second)
	a.mustPost("/post", map[string]string{"text": "شكراً @ليلىحسن and hello @sam and @nobody"})
	a.app.mu.Lock()
	got := slices.Clone(a.app.own.Posts[0].Mentions)
	a.app.mu.Unlock()
	if !slices.Equal(got, []string{keyB}) {
		t.Fatalf("mentions %v, want only B (Sam is two people, nobody is none)", got)
	}
	_, body := a.get("/")
	if !strings.Contains(body, `>@ليلىحسن</a>`) || strings.Contains(body, `>@sam</a>`) {
		t.Fatalf("the mention is not a link, or the ambiguous one is: %s", body)
	}
}
