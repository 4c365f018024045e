package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/internal/browsertest"
)

// testnetNodes waits for a hams testnet of nodes nodes and returns the
// nodes' FCP addresses and gateway URLs.
func (c *command) testnetNodes(t testing.TB, nodes int, wait time.Duration) (fcp, web []string) {
	t.Helper()
	for _, m := range c.wait(t, regexp.MustCompile(`(?m)^node-(\d+) fcp=(\S+) location=\S+ peers=\d+ dir=\S+ web=(\S+)$`), nodes, wait) {
		fcp, web = append(fcp, m[2]), append(web, strings.TrimSuffix(m[3], "/"))
	}
	return fcp, web
}

// The hostile page of TestGatewayBrowser: every way a page could run a
// script or make the browser ask a host other than the gateway. Were one
// to work, the title would change, #ran would appear or the request log
// would show example.com.
const hostilePage = `<!DOCTYPE html><html><head><title>hostile</title>
<base href="http://example.com/">
<meta http-equiv="refresh" content="2; url=http://example.com/refresh">
<link rel="stylesheet" href="http://example.com/x.css">
<link rel="prefetch" href="http://example.com/prefetch">
<link rel="preconnect" href="https://example.org">
<link rel="dns-prefetch" href="//example.net">
<link rel="icon" href="http://example.com/favicon.ico">
<style>@import url(http://example.com/imp.css); @import "//example.com/imp2.css";
body{background:url(http://example.com/bg.png)} .x{background:u\72l("//example.com/bg2.png")}
@font-face{font-family:f;src:url(https://example.com/f.woff)} p{font-family:f}</style>
<script>document.title='pwned'</script>
<script src="http://example.com/x.js"></script>
</head><body onload="document.title='pwned'">
<p id="ok" class="x">hostile page</p>
<img src="http://example.com/track.gif" alt="">
<img id="local" src="img/dot.png" srcset="http://example.com/a.png 2x, img/dot.png 1x" alt="dot">
<img src="x" onerror="document.title='pwned'" alt="">
<iframe src="http://example.com/frame"></iframe>
<iframe srcdoc="<script>parent.document.title='pwned'</script>"></iframe>
<object data="http://example.com/x.swf"></object><embed src="http://example.com/y.swf">
<video poster="http://example.com/p.jpg" src="http://example.com/v.mp4" autoplay></video>
<audio src="//example.com/a.mp3" autoplay></audio>
<svg><script>document.title='pwned'</script><image href="http://example.com/s.png"/></svg>
<math><mi xlink:href="javascript:document.title='pwned'">x</mi></math>
<div style="background-image:url(http://example.com/div.png)">styled</div>
<form action="http://example.com/post" method="post"><input name="a"><input type="image" src="http://example.com/in.png"></form>
<a id="js" href="javascript:document.title='pwned'">js</a>
<a id="out" href="http://example.com/">external</a>
<a id="proto" href="//example.com/x">protocol-relative</a>
<a id="bs" href="/\example.com/x">backslash</a>
<noscript><img src="http://example.com/noscript.gif"></noscript>
<template><img src="http://example.com/template.gif"></template>
<!--[if IE]><script>document.title='pwned'</script><![endif]-->
</body></html>`

func pngDot(t testing.TB, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGatewayBrowser: a freesite inserted over FCP on one node of a hams
// testnet, with a nested directory, renders in headless Chromium at
// another node's gateway (image shown, links between pages work); a new
// edition of the site shows there; a hostile page loads with no request to
// anywhere but 127.0.0.1 and no script run, with the Content-Security-Policy
// and without it (the filter alone); the status page renders.
func TestGatewayBrowser(t *testing.T) {
	browsertest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn := startCommand(ctx, "testnet", "--nodes", "4", "--dir", t.TempDir(), "--store-size", "32M", "--usk-poll", "250ms")
	fcps, webs := tn.testnetNodes(t, 4, 60*time.Second)
	t.Cleanup(cancel)

	c, err := fcpclient.Dial(ctx, fcps[0], "gateway-test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ins, _, err := c.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usk := strings.Replace(strings.TrimSuffix(ins, "/"), "SSK@", "USK@", 1) + "/site/"
	dot := pngDot(t, color.RGBA{0, 120, 200, 255})
	publish := func(edition int, headline string) string {
		files := map[string][]byte{
			"index.html": []byte(`<!DOCTYPE html><html><head><title>Site</title><link rel="stylesheet" href="style.css"></head><body>
<h1 id="headline">` + headline + `</h1><img id="dot" src="img/dot.png" alt="a blue square">
<p><a id="docs" href="docs/page.html">Documents</a> · <a id="hostile" href="hostile.html">hostile</a></p></body></html>`),
			"docs/page.html": []byte(`<!DOCTYPE html><html><head><title>Docs</title><link rel="stylesheet" href="../style.css"></head><body><p id="nested">نص عربي في صفحة داخلية</p><a id="up" href="../index.html">back</a></body></html>`),
			"style.css":      []byte(`body{font-family:sans-serif;background:#fafaf0} h1{color:#063}`),
			"img/dot.png":    dot,
			"hostile.html":   []byte(hostilePage),
		}
		var df []fcpclient.DirFile
		for name, data := range files {
			df = append(df, fcpclient.DirFile{Name: name, Data: bytes.NewReader(data), Size: int64(len(data))})
		}
		got, err := c.PutDir(ctx, df, fcpclient.PutDirOptions{PutOptions: fcpclient.PutOptions{URI: fmt.Sprintf("%s%d", usk, edition)}, DefaultName: "index.html"})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	site0 := publish(0, "Edition zero")

	b := browsertest.Start(t, "en-US")
	tab := b.NewTab(t)
	reqs := browsertest.Requests(t, tab)
	far := webs[3]
	browsertest.Do(t, tab,
		browsertest.Navigate(far+"/"+site0),
		chromedp.WaitVisible(chromedp.CSS("#headline")),
	)
	if got := browsertest.Run(t, tab, chromedp.Text(chromedp.CSS("#headline"))); got != "Edition zero" {
		t.Fatalf("headline %q", got)
	}
	if w := browsertest.Run(t, tab, chromedp.Evaluate[int](`new Promise(r => { const i = document.getElementById('dot'); i.complete ? r(i.naturalWidth) : i.onload = () => r(i.naturalWidth) })`, chromedp.EvalAwaitPromise)); w != 16 {
		t.Fatalf("the image did not load: width %d", w)
	}
	browsertest.Screenshot(t, tab, "site")
	browsertest.Do(t, tab,
		chromedp.Click(chromedp.CSS("#docs")),
		chromedp.WaitVisible(chromedp.CSS("#nested")),
	)
	browsertest.Screenshot(t, tab, "nested")
	browsertest.Do(t, tab,
		chromedp.Click(chromedp.CSS("#up")),
		chromedp.WaitVisible(chromedp.CSS("#headline")),
	)

	// The hostile page, with the CSP and then with the filter alone.
	for _, bypass := range []bool{false, true} {
		name := "hostile"
		htab := b.NewTab(t)
		hreqs := browsertest.Requests(t, htab)
		if bypass {
			name = "hostile-no-csp"
			browsertest.BypassCSP(t, htab)
		}
		browsertest.Do(t, htab,
			browsertest.Navigate(far+"/"+site0+"/hostile.html"),
			chromedp.WaitVisible(chromedp.CSS("#ok")),
			chromedp.Sleep(3*time.Second), // past the meta refresh's 2 s
		)
		if title := browsertest.Run(t, htab, chromedp.Title()); title != "hostile" {
			t.Errorf("%s: title %q: a script ran or the page went elsewhere", name, title)
		}
		if w := browsertest.Run(t, htab, chromedp.Evaluate[int](`document.getElementById('local') ? document.getElementById('local').naturalWidth : -1`)); w != 16 {
			t.Errorf("%s: the page's own image did not load: %d", name, w)
		}
		if out := hreqs.Elsewhere(); len(out) > 0 {
			t.Errorf("%s: requests left 127.0.0.1: %q", name, out)
		}
		href := browsertest.Run(t, htab, chromedp.Evaluate[string](`document.getElementById('out') ? document.getElementById('out').getAttribute('href') : ''`))
		if !strings.HasPrefix(href, "/external?url=") {
			t.Errorf("%s: the external link is %q", name, href)
		}
		browsertest.Screenshot(t, htab, name)
	}

	// A new edition, inserted at node 0, shows at node 3's gateway.
	publish(1, "Edition one")
	latest := strings.Replace(site0, "/site/0", "/site/-1", 1) + "/"
	deadline := time.Now().Add(90 * time.Second)
	for {
		browsertest.Do(t, tab, browsertest.Navigate(far+"/"+latest), chromedp.WaitVisible(chromedp.CSS("#headline")))
		if browsertest.Run(t, tab, chromedp.Text(chromedp.CSS("#headline"))) == "Edition one" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("edition 1 never showed at the far node")
		}
		time.Sleep(time.Second)
	}
	browsertest.Screenshot(t, tab, "new-edition")
	if out := reqs.Elsewhere(); len(out) > 0 {
		t.Errorf("requests left 127.0.0.1: %q", out)
	}

	// The start and status pages.
	browsertest.Do(t, tab, browsertest.Navigate(far+"/"), chromedp.WaitVisible(chromedp.CSS("#key")))
	browsertest.Screenshot(t, tab, "start")
	browsertest.Do(t, tab, browsertest.Navigate(far+"/status"), chromedp.WaitVisible(chromedp.CSS("svg")))
	browsertest.Screenshot(t, tab, "status")
}
