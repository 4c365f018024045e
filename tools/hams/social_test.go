package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/internal/browsertest"
)

// startSocial runs `hams social` on the node at fcp and returns its URL.
func startSocial(t *testing.T, ctx context.Context, fcp string) string {
	t.Helper()
	c := startCommand(ctx, "social", "--fcp", fcp, "--listen", "127.0.0.1:0", "--dir", t.TempDir())
	m := c.wait(t, regexp.MustCompile(`open (http://127\.0\.0\.1:\d+) in your browser`), 1, 20*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hams social on %s:\n%s", fcp, c.errOut.String())
		}
		select {
		case <-c.code:
		case <-time.After(20 * time.Second):
			t.Error("hams social did not stop")
		}
	})
	return m[0][1]
}

// TestSocialBrowser: two people in real (headless) browsers, on two `hams
// social` front-ends on different nodes of a `hams testnet`. A (Arabic
// interface) creates an identity with a picture and posts Arabic text with
// an image; B (English interface, JavaScript off as at Tor Browser's
// Safest level: plain forms only) follows A by address and sees the post
// and the image; B replies; A follows B and sees the reply under the post;
// B's next reply appears on A's open page without a reload. No page logs an
// error (a blocked resource would). Screenshots are saved as artifacts.
func TestSocialBrowser(t *testing.T) {
	browsertest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn := startCommand(ctx, "testnet", "--nodes", "4", "--dir", t.TempDir(), "--store-size", "32M", "--usk-poll", "250ms")
	addrs := tn.testnetAddrs(t, 4, 60*time.Second)
	urlA, urlB := startSocial(t, ctx, addrs[0]), startSocial(t, ctx, addrs[2])
	t.Cleanup(cancel) // before the front-ends' cleanups wait for them

	pics := t.TempDir()
	for _, p := range []struct {
		name string
		png  []byte
	}{{"avatar.png", solidPNG(t, 96, 96, 0x0b, 0x6e, 0x4f)}, {"photo.png", solidPNG(t, 320, 200, 0xd9, 0x6c, 0x1e)}} {
		if err := os.WriteFile(filepath.Join(pics, p.name), p.png, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	browserA, browserB := browsertest.Start(t, "ar"), browsertest.Start(t, "en-US")
	a, b := browserA.NewTab(t), browserB.NewTab(t)
	browsertest.DisableJavaScript(t, b)
	consoleA, consoleB := browsertest.Console(t, a), browsertest.Console(t, b)

	// A: an identity with a picture, then a post in Arabic with an image.
	post := "مرحبًا من همس! أول منشور لي هنا، mixed with English and a link https://example.org."
	browsertest.Do(t, a,
		chromedp.Navigate(urlA),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/identity"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "ليلى"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="bio"]`), "أكتب عن مدينتي"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="avatar"]`), []string{filepath.Join(pics, "avatar.png")}),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), post),
		chromedp.SetUploadFiles(chromedp.CSS(`#compose input[type="file"]`), []string{filepath.Join(pics, "photo.png")}),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline article .images img`)),
	)
	if dir := browsertest.Run(t, a, chromedp.AttributeValue(chromedp.CSS("html"), "dir")); dir.Value != "rtl" {
		t.Errorf("A's page dir %q, want rtl", dir.Value)
	}
	waitImages(t, a)
	browsertest.Screenshot(t, a, "1-a-posted")
	browsertest.Do(t, a, chromedp.Navigate(urlA+"/people"))
	uriA := browsertest.Run(t, a, chromedp.Value(chromedp.CSS(`input.uri`)))
	if !strings.HasPrefix(uriA, "USK@") {
		t.Fatalf("A's address %q", uriA)
	}

	// B: an identity, follows A, sees the post and the image.
	browsertest.Do(t, b,
		chromedp.Navigate(urlB),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Bob"),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.Navigate(urlB+"/people"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/follow"] input[name="uri"]`), uriA),
		chromedp.Click(chromedp.CSS(`form[action="/follow"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/unfollow"]`)), // back on People, following A
		chromedp.Navigate(urlB),
	)
	waitText(t, b, "#timeline", "أول منشور لي هنا", 60*time.Second)
	browsertest.Do(t, b, chromedp.WaitVisible(chromedp.CSS(`#timeline article .images img`)))
	waitImages(t, b)
	if lang := browsertest.Run(t, b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); lang.Value != "en" {
		t.Errorf("B's page lang %q, want en", lang.Value)
	}
	if js := browsertest.Run(t, b, chromedp.AttributeValue(chromedp.CSS("html"), "data-js")); js.Exists {
		t.Error("B's page ran its script, though JavaScript is off")
	}
	if js := browsertest.Run(t, a, chromedp.AttributeValue(chromedp.CSS("html"), "data-js")); js.Value != "on" {
		t.Error("A's page did not run its script")
	}
	browsertest.Screenshot(t, b, "2-b-sees-a")

	// B replies to A's post.
	browsertest.Do(t, b,
		chromedp.Click(chromedp.CSS(`#timeline article a.reply`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose blockquote`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "Welcome, Layla! أهلًا بكِ"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline .replies article`)),
	)
	browsertest.Do(t, b, chromedp.Navigate(urlB+"/people"))
	uriB := browsertest.Run(t, b, chromedp.Value(chromedp.CSS(`input.uri`)))

	// A follows B and sees the reply, threaded under the post.
	browsertest.Do(t, a,
		chromedp.Navigate(urlA+"/people"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/follow"] input[name="uri"]`), uriB),
		chromedp.Click(chromedp.CSS(`form[action="/follow"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/unfollow"]`)),
		chromedp.Navigate(urlA),
	)
	waitText(t, a, "#timeline .replies", "Welcome, Layla!", 60*time.Second)
	browsertest.Screenshot(t, a, "3-a-sees-reply")

	// With A's page open, B replies again: it appears without a reload.
	browsertest.Do(t, b,
		chromedp.Navigate(urlB),
		chromedp.Click(chromedp.CSS(`#timeline article a.reply`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose blockquote`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "Second reply, live"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
	)
	browsertest.Run(t, a, chromedp.Evaluate[bool](`window.__noReload = true`))
	waitText(t, a, "#timeline .replies", "Second reply, live", 60*time.Second)
	if !browsertest.Run(t, a, chromedp.Evaluate[bool](`window.__noReload === true`)) {
		t.Error("A's page reloaded instead of updating in place")
	}
	browsertest.Screenshot(t, a, "4-a-live-update")
	consoleA.CheckNoErrors(t)
	consoleB.CheckNoErrors(t)
}

// waitText waits until the element sel contains text.
// socialPassphrase is the passphrase the tests' identities are sealed
// with.
const socialPassphrase = "a passphrase for the tests"

// choosePassphrase fills the identity form's two passphrase fields.
func choosePassphrase() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(chromedp.CSS(`form[action="/identity"] input[name="passphrase"]`), socialPassphrase),
		chromedp.SendKeys(chromedp.CSS(`form[action="/identity"] input[name="passphrase2"]`), socialPassphrase),
	)
}

func waitText(t *testing.T, ctx context.Context, sel, text string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := chromedp.Run(cctx, chromedp.Evaluate[string](`(function(){var e=document.querySelector(`+jsString(sel)+`);return e?e.innerText:""})()`))
		cancel()
		if err == nil && strings.Contains(got, text) {
			return
		}
		if time.Now().After(deadline) {
			browsertest.Screenshot(t, ctx, "timeout")
			t.Fatalf("%q did not show in %s within %v (it holds %q, err %v)", text, sel, within, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitImages waits until every image on the page has loaded and has a size.
func waitImages(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if browsertest.Run(t, ctx, chromedp.Evaluate[bool](`Array.from(document.images).every(function(i){return i.complete && i.naturalWidth > 0})`)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("images did not load")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

// solidPNG is a w×h PNG of one colour.
func solidPNG(t *testing.T, w, h int, r, g, b byte) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSocialFlags: the page is served on loopback only; bad flags are usage
// errors.
func TestSocialFlags(t *testing.T) {
	for _, args := range [][]string{
		{"social", "--listen", "0.0.0.0:8888", "--dir", t.TempDir()},
		{"social", "--listen", "192.0.2.1:8888", "--dir", t.TempDir()},
		{"social", "--listen", "example.org:80", "--dir", t.TempDir()},
		{"social", "--dir", t.TempDir(), "extra"},
	} {
		r := hams(t, nil, nil, false, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "usage: hams social") {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := hams(t, nil, nil, false, "social", "--listen", "0.0.0.0:8888", "--dir", t.TempDir()); !strings.Contains(r.stderr, "loopback") {
		t.Errorf("no word of loopback: %q", r.stderr)
	}
}
