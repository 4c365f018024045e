package social

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	qr "github.com/piglig/go-qr"

	"github.com/hamsnet/hams/tools/social/handle"
)

// TestHandlesAndInvites: the check words show on a person's page and on
// the profile, in the page's language and the other, with lang and dir;
// the profile offers an invite link and its QR code; the invite opens the
// People page with the follow form filled in and the words to check, and
// following from it works; search finds a known person by their words;
// an address pasted in a post shows as the person's name, and one of
// nobody known as a short address, left to right.
func TestHandlesAndInvites(t *testing.T) {
	nd := startNodes(t, 1)[0]
	a := startApp(t, nd.FCPAddr(), nil)
	b := startApp(t, nd.FCPAddr(), nil)
	uriA := a.createIdentity("ليلى")
	uriB := b.createIdentity("Sam")
	kA, _ := feedKey(uriA)
	hA, err := handle.Of(uriA)
	if err != nil {
		t.Fatal(err)
	}
	en, ar := hA.In(handle.English), hA.In(handle.Arabic)

	// A's profile: the words, the invite link and its QR code.
	_, body := a.get("/profile")
	for _, want := range []string{
		`<bdi class="words" lang="en" dir="ltr">` + en + `</bdi>`,
		`<bdi class="words other" lang="ar" dir="rtl">` + ar + `</bdi>`,
		`<img class="qr" src="/invite.png" alt="QR code of the invite link to follow ليلى">`,
		`value="http://127.0.0.1:8889/people?follow=USK@`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("profile lacks %s", want)
		}
	}
	resp, err := a.hc.Get(a.base + "/invite.png")
	if err != nil {
		t.Fatal(err)
	}
	pngBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("/invite.png: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	link, err := qr.Decode(img)
	if err != nil || fromInvite(link) == link {
		t.Fatalf("the QR code reads %q, %v: not an invite", link, err)
	}
	if k, _ := feedKey(fromInvite(link)); k != kA {
		t.Fatalf("the invite names %s, want %s", fromInvite(link), kA)
	}
	if !strings.Contains(body, `value="`+link+`"`) {
		t.Error("the QR code and the link shown differ")
	}
	a.lang = "ar"
	if _, body := a.get("/profile"); !strings.Contains(body, `<bdi class="words" lang="ar" dir="rtl">`+ar+`</bdi>`) || !strings.Contains(body, "ادعُ الآخرين لمتابعتك") {
		t.Error("the Arabic profile lacks the Arabic words or the invite")
	}

	// B opens the invite: the form is filled in, nothing is followed yet.
	path := pathOf(link)
	_, body = b.get(path)
	if !strings.Contains(body, `name="uri" required dir="ltr" value="`+fromInvite(link)+`"`) || !strings.Contains(body, en) || !strings.Contains(body, "Check the words") {
		t.Fatalf("the invite page does not offer to follow with the words to check:\n%s", body)
	}
	if strings.Contains(body, "USK@…") || strings.Contains(body, "(…@USK)") {
		t.Error("the follow label still shows the address's jargon")
	}
	b.app.mu.Lock()
	followed := b.app.feeds[kA] != nil && b.app.feeds[kA].Followed
	b.app.mu.Unlock()
	if followed {
		t.Fatal("opening an invite followed the person")
	}
	// Pasting the whole invite link in the follow box follows.
	b.mustPost("/follow", map[string]string{"uri": link})
	b.waitFor("/feed?k="+url.QueryEscape(kA), "ليلى", 20*time.Second)
	if _, body := b.get(path); !strings.Contains(body, "You follow this person already.") {
		t.Error("the invite page does not say the person is followed already")
	}

	// B sees A's words on A's page, and finds A by them, typed in Arabic
	// with other spellings and hyphens.
	_, body = b.get("/feed?k=" + url.QueryEscape(kA))
	if !strings.Contains(body, `lang="en" dir="ltr">`+en+`</bdi>`) || !strings.Contains(body, "Ask this person to read you") {
		t.Error("the person's page lacks their check words")
	}
	typed := strings.ReplaceAll(strings.ReplaceAll(ar, "ة", "ه"), " ", " - ")
	_, body = b.get("/search?q=" + url.QueryEscape(typed))
	if !strings.Contains(body, ">ليلى</a>") {
		t.Errorf("search by the words %q does not find the person", typed)
	}
	if _, body = b.get("/search?q=" + url.QueryEscape(strings.Fields(en)[0])); strings.Contains(body, ">ليلى</a>") {
		t.Error("one check word alone finds the person")
	}

	// A post with A's address, A's invite, and an unknown address.
	unknown := testFeed
	b.mustPost("/post", map[string]string{"text": "Follow " + uriA + " and " + link + " and " + unknown + " too"})
	_, body = b.get("/")
	feedA := `<a href="/feed?k=` + url.QueryEscape(kA) + `"><bdi dir="auto">ليلى</bdi></a>`
	if strings.Count(body, feedA) != 2 {
		t.Errorf("the post does not show the person's name for their address and invite (want 2 of %s)", feedA)
	}
	kU, _ := feedKey(unknown)
	if want := `title="` + unknown + `"><bdi dir="ltr">` + shortKey(kU) + `</bdi></a>`; !strings.Contains(body, want) {
		t.Errorf("an unknown address is not shown short and left to right: want %s", want)
	}
	if strings.Contains(body, ">"+uriA) || strings.Contains(body, ">"+link) {
		t.Error("the post shows an address where a name is known")
	}
	_ = uriB

	// A note whose sender's feed is held shows the name the signed feed
	// gives, not the one the note claims; a note from a stranger without
	// a name shows the short address.
	b.app.mu.Lock()
	b.app.notes.Notices = append(b.app.notes.Notices,
		notice{Type: "like", From: kA, Name: "Impostor", N: 1, Time: time.Now()},
		notice{Type: "follow", From: kU, Time: time.Now()})
	b.app.mu.Unlock()
	_, body = b.get("/notes")
	if !strings.Contains(body, "<bdi>ليلى</bdi></a> liked your post.") || strings.Contains(body, "Impostor") {
		t.Error("a note does not show the name from the sender's feed")
	}
	if !strings.Contains(body, "<bdi>"+shortKey(kU)+"</bdi></a> follows you.") {
		t.Error("a note from someone without a name does not show the short address")
	}

	// Someone followed whose feed has not come yet: their card shows the
	// short address, left to right, not a blank or the whole key.
	b.mustPost("/follow", map[string]string{"uri": unknown})
	b.lang = "ar"
	_, body = b.get("/people")
	if want := `dir="auto"><bdi dir="ltr">` + shortKey(kU) + `</bdi></a>`; !strings.Contains(body, want) {
		t.Errorf("a card without a name lacks %s", want)
	}
	if !strings.Contains(body, "تابِع شخصًا بعنوانه أو برابط دعوته") || strings.Contains(body, "(USK@…)") {
		t.Error("the Arabic follow label is not the new one")
	}
}
