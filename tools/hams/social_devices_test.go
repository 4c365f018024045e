package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/internal/browsertest"
)

// TestSocialDevicesBrowser: one identity on two devices, in real
// (headless) browsers on three `hams social` front-ends on different nodes
// of a `hams testnet`, with default settings. The first phone exports the
// identity from its page and the second imports the file; both then post
// at the same moments, three times. A follower on a third node sees every
// post of both phones, and the phone that lost a race is told that another
// device is active.
func TestSocialDevicesBrowser(t *testing.T) {
	browsertest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn := startCommand(ctx, "testnet", "--nodes", "4", "--dir", t.TempDir(), "--store-size", "32M", "--usk-poll", "250ms")
	addrs := tn.testnetAddrs(t, 4, 60*time.Second)
	url1, url2, urlC := startSocial(t, ctx, addrs[0]), startSocial(t, ctx, addrs[2]), startSocial(t, ctx, addrs[1])
	t.Cleanup(cancel)

	b1, b2, bc := browsertest.Start(t, "ar"), browsertest.Start(t, "ar"), browsertest.Start(t, "en-US")
	p1, p2, c := b1.NewTab(t), b2.NewTab(t), bc.NewTab(t)
	browsertest.DisableJavaScript(t, p2)

	browsertest.Do(t, p1,
		chromedp.Navigate(url1),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "سلمى"),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "من الهاتف الأول"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline article`)),
		chromedp.Navigate(url1+"/people"),
	)
	uri := browsertest.Run(t, p1, chromedp.Value(chromedp.CSS(`input.uri`)))
	// The export button's download, fetched by the page itself (with its
	// session and form token), becomes the file the second phone imports.
	exported := browsertest.Run(t, p1, chromedp.Evaluate[string](`fetch("/identity/export", {method: "POST",
		body: new URLSearchParams({csrf: document.querySelector('form[action="/identity/export"] input[name="csrf"]').value,
		passphrase: "`+socialPassphrase+`"})}).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if !strings.Contains(exported, `"hams-social-sealed"`) || strings.Contains(exported, "insert_uri") {
		t.Fatalf("the export is not a sealed identity: %.200q", exported)
	}
	idFile := filepath.Join(t.TempDir(), "identity.json")
	if err := os.WriteFile(idFile, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, p2,
		chromedp.Navigate(url2),
		chromedp.SetUploadFiles(chromedp.CSS(`form[action="/identity/import"] input[type="file"]`), []string{idFile}),
		chromedp.SendKeys(chromedp.CSS(`form[action="/identity/import"] input[name="passphrase"]`), socialPassphrase),
		chromedp.Click(chromedp.CSS(`form[action="/identity/import"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
	)
	waitReload(t, p2, "#timeline", "من الهاتف الأول", 60*time.Second)

	// Both phones post at the same moments.
	const rounds = 3
	for i := range rounds {
		var wg sync.WaitGroup
		for n, tab := range []context.Context{p1, p2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tctx, cancel := context.WithTimeout(tab, 30*time.Second)
				defer cancel()
				text := fmt.Sprintf("phone %d, post %d", n+1, i)
				// Wait for the post in the page the form's answer loads:
				// the next round's Navigate must not race the form's
				// navigation (net::ERR_ABORTED lost a post that way).
				_, err := chromedp.Run(tctx, chromedp.Steps(
					browsertest.Navigate([]string{url1, url2}[n]),
					chromedp.SendKeys(chromedp.CSS(`#compose textarea`), text),
					chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
				))
				if err == nil {
					err = untilShown(tctx, "#timeline", text)
				}
				if err != nil {
					t.Errorf("phone %d, post %d: %v", n+1, i, err)
				}
			}()
		}
		wg.Wait()
	}

	// A follower on a third node sees every post of both phones.
	browsertest.Do(t, c,
		chromedp.Navigate(urlC),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Carol"),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.Navigate(urlC+"/people"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/follow"] input[name="uri"]`), uri),
		chromedp.Click(chromedp.CSS(`form[action="/follow"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/unfollow"]`)),
		chromedp.Navigate(urlC),
	)
	want := []string{"من الهاتف الأول"}
	for i := range rounds {
		want = append(want, fmt.Sprintf("phone 1, post %d", i), fmt.Sprintf("phone 2, post %d", i))
	}
	t0 := time.Now()
	for _, w := range want {
		waitText(t, c, "#timeline", w, 90*time.Second)
	}
	t.Logf("the follower saw all %d posts of both phones %v after following", len(want), time.Since(t0).Round(time.Millisecond))
	browsertest.Screenshot(t, c, "1-follower")

	// The phone that found its edition taken says another device is active.
	told := 0
	for n, tab := range []context.Context{p1, p2} {
		browsertest.Do(t, tab, chromedp.Navigate([]string{url1, url2}[n]))
		if strings.Contains(innerText(t, tab, "body"), "جهازٌ آخر") {
			told++
		}
	}
	if told == 0 {
		t.Error("neither phone says that another device is active")
	}
}

// untilShown waits, within ctx, until the element sel of the tab ctx shows
// text; the page may be loading another meanwhile (a form's answer). It
// may be called from any goroutine.
func untilShown(ctx context.Context, sel, text string) error {
	js := `(function(){var e=document.querySelector(` + jsString(sel) + `);return !!e&&e.innerText.includes(` + jsString(text) + `)})()`
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%q did not show in %s: %w (last: %v)", text, sel, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
