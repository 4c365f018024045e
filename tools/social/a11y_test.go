package social

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/internal/browsertest"
)

// a11yWidths are the viewport widths the pages are checked at: a laptop
// and a common phone.
var a11yWidths = []int64{1280, 390}

// a11yPage is one page the accessibility test visits.
type a11yPage struct {
	name, path string
	ready      string // a selector that is on the page once it is drawn
}

// TestAccessibility visits every page of hams social, with content in it
// (an Arabic and an English person who follow each other, posts with an
// image, a hashtag, a content warning, a reply, a like, notes and a private
// message; the edit and delete-confirmation pages, and a locked
// front-end's unlock and wipe pages, too), in
// Arabic and in English, at 1280 and 390 px wide, in headless Chromium,
// and checks on each: no serious or critical violation of axe-core's WCAG
// 2.2 A/AA rules and best practices; the page no wider than the screen;
// every control at least 44×44 px (links inside sentences excepted).
// The table of results is logged (go test -v) and screenshots saved.
func TestAccessibility(t *testing.T) {
	browsertest.Require(t)
	nodes := startNodes(t, 1)
	fcp := nodes[0].FCPAddr()
	fast := func(c *Config) { c.InboxPoll = 100 * time.Millisecond }
	a, b, fresh := startApp(t, fcp, fast), startApp(t, fcp, fast), startApp(t, fcp, nil)
	lockedDir := t.TempDir() // a front-end after a restart: locked
	first := startApp(t, fcp, func(c *Config) { c.Dir = lockedDir })
	first.createIdentity("Locked")
	first.app.Close()
	locked := startApp(t, fcp, func(c *Config) { c.Dir = lockedDir })
	uriA := a.createIdentity("ليلى الحسن")
	uriB := b.createIdentity("Bob Smith")
	keyA, _ := feedKey(uriA)
	keyB, _ := feedKey(uriB)
	a.mustPost("/post", map[string]string{"text": "مرحبًا من همس! أول منشور لي هنا #تجربة https://example.org/", "alt": "صورة برتقالية"},
		file{"image", "photo.png", pngImage(0xd9, 0x6c, 0x1e)})
	a.mustPost("/post", map[string]string{"text": "تفاصيل الحادث كما رأيتها", "warning": "عنف"})
	a.mustPost("/follow", map[string]string{"uri": uriB})
	a.waitPublished(10 * time.Second)
	b.mustPost("/post", map[string]string{"text": "Hello from Bob, a longer post in English to wrap on a phone screen #test"})
	b.mustPost("/follow", map[string]string{"uri": uriA})
	b.waitFor("/", "أول منشور لي هنا", 30*time.Second)
	nA := a.postNumbers()[0]
	b.mustPost("/post", map[string]string{"text": "Welcome, Layla! أهلًا بكِ", "reply_feed": keyA, "reply_n": nA})
	b.mustPost("/like", map[string]string{"feed": keyA, "n": nA, "on": "1"})
	b.waitPublished(10 * time.Second)
	a.mustPost("/message", map[string]string{"k": keyB, "text": "أهلًا يا بوب"})
	a.waitFor("/", "Welcome, Layla!", 30*time.Second)
	a.waitFor("/notes", "Bob Smith", 30*time.Second)

	pages := []a11yPage{
		{"home", "/", "#compose"},
		{"people", "/people", "main"},
		{"profile", "/profile", "main"},
		{"notes", "/notes", "main"},
		{"messages", "/messages", "main"},
		{"conversation", "/messages?with=" + url.QueryEscape(keyB), "main"},
		{"feed", "/feed?k=" + url.QueryEscape(keyB), "main"},
		{"search", "/search?q=" + url.QueryEscape("#تجربة"), "main"},
		{"search-empty", "/search", "main"},
		{"invite", "/people?follow=" + url.QueryEscape(uriB), "main"},
		{"edit", "/edit?n=" + a.postNumbers()[0], "main form"},
		{"delete", "/delete?n=" + a.postNumbers()[0], "main form"},
	}
	var table []string
	for _, lang := range []string{"ar", "en-US"} {
		br := browsertest.Start(t, lang)
		ctx := br.NewTab(t)
		for _, w := range a11yWidths {
			browsertest.Do(t, ctx, browsertest.Viewport(w, 844))
			visit := func(base string, pg a11yPage) {
				t.Helper()
				browsertest.Do(t, ctx, browsertest.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready)))
				name := fmt.Sprintf("%s-%s-%d", pg.name, lang[:2], w)
				browsertest.Screenshot(t, ctx, name)
				var serious, other []string
				for _, v := range browsertest.Axe(t, ctx) {
					if v.Serious() {
						serious = append(serious, v.String())
					} else {
						other = append(other, v.ID+"("+v.Impact+")")
					}
				}
				content, view := browsertest.PageWidth(t, ctx)
				small := browsertest.SmallTargets(t, ctx, 44)
				table = append(table, fmt.Sprintf("%-13s %s %4d px: content %4d px, serious/critical %d, other %v, small targets %d",
					pg.name, lang[:2], w, content, len(serious), other, len(small)))
				for _, s := range serious {
					t.Errorf("%s: axe: %s", name, s)
				}
				if content > view {
					t.Errorf("%s: the page is %d px wide in a %d px viewport", name, content, view)
				}
				for _, s := range small {
					t.Errorf("%s: a control smaller than 44×44 px: %s", name, s)
				}
			}
			visit(fresh.base, a11yPage{"new", "/", "form[action=\"/identity\"]"})
			visit(locked.base, a11yPage{"unlock", "/unlock", "main form"})
			visit(locked.base, a11yPage{"wipe", "/wipe", "main form"})
			for _, pg := range pages {
				visit(a.base, pg)
			}
		}
	}
	t.Logf("accessibility, page by page:\n%s", strings.Join(table, "\n"))

	// The address box has a Copy button (the script adds it) that copies.
	br := browsertest.Start(t, "en-US")
	ctx := br.NewTab(t)
	browsertest.Do(t, ctx, browsertest.Navigate(a.base+"/people"),
		chromedp.WaitVisible(chromedp.CSS("input.uri[readonly] + button.copy")),
		chromedp.Click(chromedp.CSS("button.copy")))
	waitText(t, ctx, "button.copy", "Copied", 10*time.Second)
}

// waitText waits until the element sel contains text.
func waitText(t *testing.T, ctx context.Context, sel, text string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS(sel)))
		if strings.Contains(got, text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q did not appear within %v (it holds %q)", sel, text, within, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
