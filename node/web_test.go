package node

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

// getPage fetches a gateway path without following redirects.
func getPage(t *testing.T, base, path string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWebGatewayFreesite: a freesite inserted over FCP (as pyFreenet's
// tools do) opens in the node's gateway: the root gets its "/", pages are
// filtered (no script, the external link rewritten), nested pages and
// images load, an old or negative edition leads to the newest, and a
// hostile document's script never reaches the browser.
func TestWebGatewayFreesite(t *testing.T) {
	n, err := Start(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	base := "http://" + n.WebAddr()
	c := dial(t, n)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ins, _, err := c.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usk := strings.Replace(strings.TrimSuffix(ins, "/"), "SSK@", "USK@", 1) + "/site/0"
	img := pngBytes(t)
	const nested = `<p>nested <a href="../index.html">up</a></p>`
	put := func(edition int, index string) string {
		files := []fcpclient.DirFile{
			{Name: "index.html", Data: strings.NewReader(index), Size: int64(len(index))},
			{Name: "docs/page.html", Data: strings.NewReader(nested), Size: int64(len(nested))},
			{Name: "img/dot.png", Data: bytes.NewReader(img), Size: int64(len(img))},
		}
		u := strings.TrimSuffix(usk, "/0") + "/" + string(rune('0'+edition))
		got, err := c.PutDir(ctx, files, fcpclient.PutDirOptions{PutOptions: fcpclient.PutOptions{URI: u}, DefaultName: "index.html"})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	index := `<html><head><title>Site</title><script>alert(1)</script></head><body>
<p>zero</p><img src="img/dot.png" alt="dot"><img src="http://example.com/track.gif">
<a href="docs/page.html">docs</a> <a href="https://example.com/">out</a></body></html>`
	root := put(0, index)
	if !strings.Contains(root, "/site/0") {
		t.Fatalf("inserted at %s", root)
	}
	resp, _ := getPage(t, base, "/"+root)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/"+root+"/" {
		t.Fatalf("root: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := getPage(t, base, "/"+root+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, "zero") {
		t.Fatalf("index: %d %q", resp.StatusCode, body)
	}
	for _, bad := range []string{"<script", "alert(1)", "http://example.com", `href="https://example.com/"`} {
		if strings.Contains(body, bad) {
			t.Errorf("the filtered page holds %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "/external?url=https%3A%2F%2Fexample.com%2F") {
		t.Errorf("the external link is not sent to the warning page:\n%s", body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
	resp, body = getPage(t, base, "/"+root+"/docs/page.html")
	if resp.StatusCode != 200 || !strings.Contains(body, "nested") {
		t.Fatalf("nested page: %d %q", resp.StatusCode, body)
	}
	resp, body = getPage(t, base, "/"+root+"/img/dot.png")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(img) {
		t.Fatalf("image: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A new edition: the old one and -1 lead to it.
	one := put(1, "<p>one</p>")
	if !strings.Contains(one, "/site/1") {
		t.Fatalf("second insert at %s", one)
	}
	resp, _ = getPage(t, base, "/"+root+"/docs/page.html")
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), "/site/1/docs/page.html") {
		t.Fatalf("old edition: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	neg := strings.Replace(root, "/site/0", "/site/-1", 1)
	resp, _ = getPage(t, base, "/"+neg+"/")
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), "/site/1/") {
		t.Fatalf("-1: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = getPage(t, base, "/"+one+"/"); !strings.Contains(body, "one") {
		t.Fatalf("edition 1: %q", body)
	}
	// The start page and the status page are there.
	if resp, body = getPage(t, base, "/"); resp.StatusCode != 200 || !strings.Contains(body, "Open a key") {
		t.Fatalf("start page: %d", resp.StatusCode)
	}
}

// TestWebOff: without WebAddr there is no gateway; a busy address fails
// the start with a clear error.
func TestWebOff(t *testing.T) {
	n := startNode(t, t.TempDir())
	if n.WebAddr() != "" {
		t.Fatalf("gateway at %s without WebAddr", n.WebAddr())
	}
	n2, err := Start(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", WebAddr: n.FCPAddr(), Logger: quiet()})
	if err == nil {
		n2.Close()
		t.Fatal("a busy web address did not fail the start")
	}
	if !strings.Contains(err.Error(), "web gateway") || !strings.Contains(err.Error(), "--web") {
		t.Fatalf("error %q", err)
	}
	n.Close()
	if _, err := Start(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", WebAddr: "0.0.0.0:0", Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("non-loopback: %v", err)
	}
}
