package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/internal/browsertest"
)

// TestSocialConversationBrowser: a conversation that starts between
// strangers, in real (headless) browsers on two `hams social` front-ends
// on different nodes of a `hams testnet`, with the default inbox settings.
// B (English, JavaScript off) follows A, replies to A's post mentioning A
// and attaches a photo with its GPS position in EXIF; A (Arabic), who does
// not follow B, finds the reply under Requests, accepts and answers; B is
// told. A private message goes each way; its text is in no file of any
// node and in no node's log. The photo reaches A without any metadata.
// Finally A blocks B: B's reply disappears from A's timeline.
func TestSocialConversationBrowser(t *testing.T) {
	browsertest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	netDir := t.TempDir()
	tn := startCommand(ctx, "testnet", "--nodes", "4", "--dir", netDir, "--store-size", "32M", "--usk-poll", "250ms")
	addrs := tn.testnetAddrs(t, 4, 60*time.Second)
	urlA, urlB := startSocial(t, ctx, addrs[0]), startSocial(t, ctx, addrs[2])
	t.Cleanup(cancel)

	const gps = "33.5138N 36.2765E"
	photo := filepath.Join(t.TempDir(), "street.jpg")
	if err := os.WriteFile(photo, gpsJPEG(t, gps), 0o600); err != nil {
		t.Fatal(err)
	}
	browserA, browserB := browsertest.Start(t, "ar"), browsertest.Start(t, "en-US")
	a, b := browserA.NewTab(t), browserB.NewTab(t)
	browsertest.DisableJavaScript(t, b)

	browsertest.Do(t, a,
		chromedp.Navigate(urlA),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "ليلى"),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "هل يقرأ أحد هذا؟"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline article`)),
		chromedp.Navigate(urlA+"/people"),
	)
	uriA := browsertest.Run(t, a, chromedp.Value(chromedp.CSS(`input.uri`)))

	// B, a stranger to A: follows A, replies mentioning A, with a photo.
	browsertest.Do(t, b,
		chromedp.Navigate(urlB),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Bob"),
		choosePassphrase(),
		chromedp.Click(chromedp.CSS(`form[action="/identity"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose textarea`)),
		chromedp.Navigate(urlB+"/people"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/follow"] input[name="uri"]`), uriA),
		chromedp.Click(chromedp.CSS(`form[action="/follow"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/unfollow"]`)),
		chromedp.Navigate(urlB),
	)
	waitText(t, b, "#timeline", "هل يقرأ أحد هذا؟", 60*time.Second)
	browsertest.Do(t, b,
		chromedp.Click(chromedp.CSS(`#timeline article a.reply`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose blockquote`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "I do, @ليلى. Here is my street."),
		chromedp.SetUploadFiles(chromedp.CSS(`#compose input[type="file"]`), []string{photo}),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea[name="alt"]`), "A narrow street with lanterns"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline .replies article`)),
		chromedp.Navigate(urlB+"/people"),
	)
	uriB := browsertest.Run(t, b, chromedp.Value(chromedp.CSS(`input.uri`)))

	// A is told, under Requests (in Arabic), and accepts.
	t0 := time.Now()
	browsertest.Do(t, a, chromedp.Navigate(urlA+"/notes"))
	waitReload(t, a, "main", "ردّ على منشورك", 90*time.Second)
	t.Logf("A told of the stranger's reply under requests in %v", time.Since(t0).Round(time.Millisecond))
	if got := innerText(t, a, "main"); !strings.Contains(got, "طلبات") || !strings.Contains(got, "Bob") {
		t.Fatalf("the notice is not under requests: %q", got)
	}
	browsertest.Screenshot(t, a, "1-a-requests")
	browsertest.Do(t, a,
		chromedp.Click(chromedp.CSS(`form[action="/accept"] button.primary`)),
		chromedp.WaitNotPresent(chromedp.CSS(`li.request`)),
	)
	if got := innerText(t, a, "main"); strings.Contains(got, "طلبات") || !strings.Contains(got, "ردّ على منشورك") {
		t.Fatalf("after accepting: %q", got)
	}
	// The reply is in A's timeline; A answers it. The photo came without
	// its metadata, and with its description.
	browsertest.Do(t, a, chromedp.Navigate(urlA))
	waitText(t, a, "#timeline .replies", "Here is my street", 60*time.Second)
	src := browsertest.Run(t, a, chromedp.AttributeValue(chromedp.CSS(`#timeline .replies article .images img`), "src"))
	alt := browsertest.Run(t, a, chromedp.AttributeValue(chromedp.CSS(`#timeline .replies article .images img`), "alt"))
	if alt.Value != "A narrow street with lanterns" {
		t.Errorf("the photo's alt at A: %q", alt.Value)
	}
	got := httpGet(t, urlA+src.Value)
	if bytes.Contains(got, []byte("Exif")) || bytes.Contains(got, []byte(gps)) {
		t.Fatal("the photo reached A with its EXIF block")
	}
	if _, format, err := image.Decode(bytes.NewReader(got)); err != nil || format != "jpeg" {
		t.Fatalf("the photo at A: %v %s", err, format)
	}
	browsertest.Do(t, a,
		chromedp.Click(chromedp.CSS(`#timeline .replies article a.reply`)),
		chromedp.WaitVisible(chromedp.CSS(`#compose blockquote`)),
		chromedp.SendKeys(chromedp.CSS(`#compose textarea`), "أهلًا يا بوب"),
		chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)),
	)
	browsertest.Do(t, b, chromedp.Navigate(urlB+"/notes"))
	waitReload(t, b, "main", "replied to your post.", 90*time.Second)
	if strings.Contains(innerText(t, b, "main"), "Requests") {
		t.Fatal("B follows A, yet A's note waits under B's requests")
	}

	// A private message each way.
	const secret = "meet at the old bridge at nine"
	browsertest.Do(t, a,
		chromedp.Navigate(urlA+"/messages?with="+url.QueryEscape(uriB)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/message"] textarea`), secret),
		chromedp.Click(chromedp.CSS(`form[action="/message"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.messages li.mine`)),
	)
	browsertest.Do(t, b, chromedp.Navigate(urlB+"/messages?with="+url.QueryEscape(uriA)))
	waitReload(t, b, "ol.messages", secret, 90*time.Second)
	browsertest.Do(t, b,
		chromedp.SendKeys(chromedp.CSS(`form[action="/message"] textarea`), "agreed, see you there"),
		chromedp.Click(chromedp.CSS(`form[action="/message"] button`)),
	)
	browsertest.Do(t, a, chromedp.Navigate(urlA+"/messages?with="+url.QueryEscape(uriB)))
	waitReload(t, a, "ol.messages", "agreed, see you there", 90*time.Second)
	browsertest.Screenshot(t, a, "2-a-messages")
	for _, s := range []string{secret, "agreed, see you there"} {
		if strings.Contains(tn.errOut.String(), s) || strings.Contains(tn.out.String(), s) {
			t.Errorf("a node's log holds the message text %q", s)
		}
	}
	filepath.WalkDir(netDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		for _, s := range []string{"old bridge", "see you there"} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s (a node's file) holds the message text %q", path, s)
			}
		}
		return nil
	})

	// A blocks B (from B's page): B's reply leaves A's timeline.
	browsertest.Do(t, a,
		chromedp.Navigate(urlA+"/feed?k="+url.QueryEscape(uriB)),
		chromedp.Click(chromedp.CSS(`form[action="/block"] button`)),
		chromedp.WaitReady(chromedp.CSS(`form[action="/block"] input[name="on"][value="0"]`)), // back, offering Unblock
		chromedp.Navigate(urlA),
	)
	if strings.Contains(innerText(t, a, "#timeline"), "Here is my street") {
		t.Fatal("the blocked person's reply is still in A's timeline")
	}
	browsertest.Screenshot(t, a, "3-a-blocked")
}

// waitReload reloads the page until sel contains text (a page without
// JavaScript does not update itself).
func waitReload(t *testing.T, ctx context.Context, sel, text string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if strings.Contains(innerText(t, ctx, sel), text) {
			return
		}
		if time.Now().After(deadline) {
			browsertest.Screenshot(t, ctx, "timeout")
			t.Fatalf("%q did not show in %s within %v (it holds %q)", text, sel, within, innerText(t, ctx, sel))
		}
		time.Sleep(500 * time.Millisecond)
		browsertest.Do(t, ctx, chromedp.Reload())
	}
}

func innerText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, _ := chromedp.Run(cctx, chromedp.Evaluate[string](`(function(){var e=document.querySelector(`+jsString(sel)+`);return e?e.innerText:""})()`))
	return got
}

func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return b
}

// gpsJPEG is a small JPEG with an APP1 EXIF block whose text holds pos
// (standing for a GPS position) and a comment.
func gpsJPEG(t *testing.T, pos string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var raw bytes.Buffer
	if err := jpeg.Encode(&raw, img, nil); err != nil {
		t.Fatal(err)
	}
	seg := func(marker byte, body []byte) []byte {
		s := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(s[2:], uint16(len(body)+2))
		return append(s, body...)
	}
	exif := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"), pos...)
	out := append([]byte{}, raw.Bytes()[:2]...)
	out = append(out, seg(0xE1, exif)...)
	out = append(out, seg(0xFE, []byte("taken at "+pos))...)
	return append(out, raw.Bytes()[2:]...)
}
