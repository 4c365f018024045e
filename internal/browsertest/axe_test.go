package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/hamsnet/hams/internal/browsertest"
)

// axePage breaks three things axe-core and the helpers look for: an image
// without a text alternative, a field without a label, a tiny button and a
// block wider than a phone. Its CSP allows no script: Axe must work anyway.
const axePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>
<meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,"></head>
<body><main><h1>A page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
<input name="q">
<button style="width:20px;height:20px;padding:0">x</button>
<p>Some text with <a href="/x">a link in a sentence</a>, which is exempt.</p>
<div style="width:600px">wide</div>
</main></body></html>`

// TestAxe: Axe finds the image without alt (critical) and the unlabelled
// field; SmallTargets finds the 20 px button but not the link in a
// sentence; PageWidth sees the 600 px block at a 390 px viewport and not
// at 1280.
func TestAxe(t *testing.T) {
	browsertest.Require(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
		fmt.Fprint(w, axePage)
	}))
	defer srv.Close()
	b := browsertest.Start(t, "en-US")
	ctx := b.NewTab(t)
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/"))

	found := map[string]browsertest.AxeViolation{}
	for _, v := range browsertest.Axe(t, ctx) {
		found[v.ID] = v
	}
	if v, ok := found["image-alt"]; !ok || !v.Serious() {
		t.Errorf("image-alt: %+v (found %v)", v, found)
	}
	if _, ok := found["label"]; !ok {
		t.Errorf("no label violation (found %v)", found)
	}
	small := browsertest.SmallTargets(t, ctx, 44)
	if len(small) != 2 || !strings.Contains(strings.Join(small, "\n"), "<button") {
		t.Errorf("small targets %q, want the button and the field", small)
	}
	if c, v := browsertest.PageWidth(t, ctx); c > v {
		t.Errorf("at 1280 px the page is %d px wide in a %d px viewport", c, v)
	}
	browsertest.Do(t, ctx, browsertest.Viewport(390, 844))
	if c, v := browsertest.PageWidth(t, ctx); c <= v || v != 390 {
		t.Errorf("at 390 px the page is %d px wide in a %d px viewport, want wider", c, v)
	}
}
