package contentfilter

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// articlePage returns a deterministic Wikipedia-like article of about
// size bytes: a style sheet, a table of contents, sections of paragraphs
// full of links (relative, to other keys, external), images with srcset,
// tables with inline styles, and a script or two to remove.
func articlePage(size int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article</title>
<link rel="stylesheet" href="../style/main.css"><style>body{font-family:sans-serif;margin:0 auto;max-width:60em}
.infobox{float:right;border:1px solid #aaa;background:url(img/bg.png) repeat-x}
@media (max-width:600px){.infobox{float:none}}</style><script>var tracking=1;</script></head>
<body><div id="content"><h1 class="firstHeading">Article</h1><div class="toc"><ul>`)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `<li><a href="#s%d">Section %d</a></li>`, i, i)
	}
	b.WriteString("</ul></div>\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<h2 id="s%d">Section %d</h2>`+"\n", i%20, i)
		fmt.Fprintf(&b, `<table class="infobox" style="width:22em;border-collapse:collapse"><tr><th colspan="2" style="text-align:center;background-color:#ccf">Box %d</th></tr>`, i)
		for r := 0; r < 4; r++ {
			fmt.Fprintf(&b, `<tr><td style="padding:2px">Key %d</td><td><a href="../other/%d.html" title="Other">value</a></td></tr>`, r, r)
		}
		b.WriteString("</table>\n")
		fmt.Fprintf(&b, `<figure><img src="img/f%d.png" srcset="img/f%d.png 1x, img/f%d@2x.png 2x" alt="Figure %d" width="220" height="160" onerror="x()"><figcaption>Figure %d</figcaption></figure>`+"\n", i, i, i, i, i)
		for p := 0; p < 4; p++ {
			fmt.Fprintf(&b, `<p>The <b>article</b> links to <a href="page%d.html">a page</a>, to <a href="freenet:USK@7bux8LQuGSIF0aRM3kck8ZZvNPTKaM4NFfxrDFLESM8,BtdjZ-RC5O7fMVy3E3NTrJIRJcYcpFjhB4Z0439IHqA,AQACAAE/blog/%d/">a blog</a>, to <a href="https://en.wikipedia.org/wiki/Topic_%d">the web</a> and cites<sup><a href="#cite%d">[%d]</a></sup> sources &amp; more text so that the paragraph has a realistic length for an encyclopaedia, with <i>emphasis</i> and <code>code</code>.</p>`+"\n", p, i, i, p, p)
		}
	}
	b.WriteString(`</div><script src="http://evil.example/t.js"></script></body></html>`)
	return []byte(b.String())
}

func BenchmarkFilterHTML(b *testing.B) {
	page := articlePage(200 << 10)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Filter(io.Discard, bytes.NewReader(page), "text/html", Options{Base: fuzzBase}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterCSS(b *testing.B) {
	var s strings.Builder
	for i := 0; s.Len() < 100<<10; i++ {
		fmt.Fprintf(&s, ".c%d > a:hover, #id%d .x{color:#%03x;background:url(img/%d.png) no-repeat;margin:0 %dpx;font:12px/1.5 \"Helvetica\",sans-serif}\n", i, i, i%4096, i, i%10)
		if i%50 == 0 {
			fmt.Fprintf(&s, "@media screen and (min-width:%dpx){.m%d{display:none;width:calc(100%% - 2em)}}\n", 300+i, i)
		}
	}
	sheet := []byte(s.String())
	b.SetBytes(int64(len(sheet)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Filter(io.Discard, bytes.NewReader(sheet), "text/css", Options{Base: fuzzBase}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestArticlePage: the benchmark page is filtered safely and idempotently.
func TestArticlePage(t *testing.T) {
	var out, again bytes.Buffer
	res, err := Filter(&out, bytes.NewReader(articlePage(20<<10)), "text/html", Options{Base: fuzzBase})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Filter(&again, bytes.NewReader(out.Bytes()), res.ContentType, Options{Base: fuzzBase}); err != nil || again.String() != out.String() {
		t.Fatalf("not idempotent: %v", err)
	}
	if p := checkSafeHTML(out.String()); p != "" {
		t.Fatal(p)
	}
	if s := out.String(); strings.Contains(s, "script") || !strings.Contains(s, ExternalPath+"?url=https%3A") {
		t.Fatalf("unexpected output: %.2000s", s)
	}
}
