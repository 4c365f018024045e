package social

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
)

const rlo = "\u202e"

// TestBidiControls: a post, a name and a message cannot carry the
// controls that disguise a link's target, whether typed here or read from
// another person's feed.
func TestBidiControls(t *testing.T) {
	disguised := "http://good.example/" + rlo + "gnp.exe"
	if got := stripBidi(disguised + "\u2066x\u2069\u202a\u202b\u202c\u202d\u2067\u2068"); got != "http://good.example/gnp.exex" {
		t.Fatalf("stripBidi = %q", got)
	}
	if got := stripBidi("مرحبا\u200f!"); got != "مرحبا\u200f!" {
		t.Fatalf("the right-to-left mark was dropped: %q", got)
	}

	// Read from a feed.
	d := &feed.Doc{Edition: 0, Time: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC),
		Profile: feed.Profile{Name: "Mallory" + rlo + "gnp", Bio: rlo + "bio"},
		Posts:   []feed.Post{{N: 1, Time: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), Text: "see " + disguised}}}
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeFeed(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{got.Profile.Name, got.Profile.Bio, got.Posts[0].Text} {
		if strings.Contains(s, rlo) {
			t.Fatalf("a control survived reading a feed: %q", s)
		}
	}

	// Typed here.
	nodes := startNodes(t, 1)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	a.createIdentity("Name" + rlo + "evil")
	a.mustPost("/post", map[string]string{"text": "look " + disguised})
	_, body := a.get("/")
	if strings.Contains(body, rlo) || strings.Contains(body, "&#8238;") {
		t.Fatal("the page shows a right-to-left override")
	}
	if !strings.Contains(body, "http://good.example/gnp.exe") {
		t.Fatal("the link is not shown as it leads")
	}
}

// TestBackRedirect: a form's "back" target is followed only when it is a
// path on this site as the browser will read it.
func TestBackRedirect(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" : refused
	}{
		{"/people", "/people"},
		{"/feed?k=USK%40x", "/feed?k=USK%40x"},
		{"  /notes\n", "/notes"},
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"\t//evil.example", ""},
		{"//evil.example", ""},
		{"/\\evil.example", ""},
		{"\\\\evil.example", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"/a\x00b", ""},
		{"people", ""},
		{"", ""},
	} {
		got, ok := sameOriginPath(c.in)
		if (c.want == "") == ok || ok && got != c.want {
			t.Errorf("sameOriginPath(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}

	nodes := startNodes(t, 1)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	a.createIdentity("Back")
	if code, loc, _ := a.post("/lang", map[string]string{"lang": "en", "back": "/people"}); code != http.StatusSeeOther || loc != "/people" {
		t.Fatalf("back=/people: %d to %q", code, loc)
	}
	for _, to := range []string{"/\t/evil.example", "/\\evil.example"} {
		code, loc, _ := a.post("/lang", map[string]string{"lang": "en", "back": to})
		if code != http.StatusSeeOther || loc != "/" {
			t.Errorf("back=%q: %d to %q, want 303 to /", to, code, loc)
		}
		if u, _ := url.Parse(loc); u != nil && u.Host != "" {
			t.Errorf("back=%q redirects off the site: %q", to, loc)
		}
	}
}

// TestTextLang: a post's language by the script of most of its letters.
func TestTextLang(t *testing.T) {
	for in, want := range map[string]string{
		"مرحبا بالعالم":                  "ar",
		"hello world":                    "en",
		"مرحبا hello بالعالم":            "ar",
		"see https://example.com/ مرحبا": "en",
		"12345 !!":                       "",
		"Привет":                         "",
		"":                               "",
	} {
		if got := textLang(in); got != want {
			t.Errorf("textLang(%q) = %q, want %q", in, got, want)
		}
	}
}
