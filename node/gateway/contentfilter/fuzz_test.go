package contentfilter

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
)

const fuzzBase = "/USK@7bux8LQuGSIF0aRM3kck8ZZvNPTKaM4NFfxrDFLESM8,BtdjZ-RC5O7fMVy3E3NTrJIRJcYcpFjhB4Z0439IHqA,AQACAAE/site/5/dir/page.html"

// seedVectors adds the inputs of the vectors of type prefix to f.
func seedVectors(f *testing.F, prefix string) {
	for _, v := range loadVectors(f) {
		if strings.HasPrefix(v.ContentType, prefix) {
			f.Add(v.input(f))
		}
	}
}

// FuzzFilterHTML: for any input the output is a fixed point (F35) and
// holds nothing that runs or leaves the gateway.
func FuzzFilterHTML(f *testing.F) {
	seedVectors(f, "text/html")
	f.Fuzz(func(t *testing.T, in []byte) { fuzzFilter(t, in, "text/html", checkSafeHTML) })
}

// FuzzFilterCSS: the same for style sheets, and no url() but to keys.
func FuzzFilterCSS(f *testing.F) {
	seedVectors(f, "text/css")
	f.Add([]byte(`a{background:url(x.png)} @media screen{b{color:red}}`))
	f.Fuzz(func(t *testing.T, in []byte) { fuzzFilter(t, in, "text/css", checkSafeCSS) })
}

// fuzzFilter filters in as ct, checks that filtering the output again
// changes nothing, and that check finds nothing unsafe in it. (Time is
// left to BenchmarkLimits: a slow input shows as a slow fuzzer.)
func fuzzFilter(t *testing.T, in []byte, ct string, check func(string) string) {
	var out bytes.Buffer
	res, err := Filter(&out, bytes.NewReader(in), ct, Options{Base: fuzzBase})
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if _, err := Filter(&again, bytes.NewReader(out.Bytes()), res.ContentType, Options{Base: fuzzBase}); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Fatalf("not idempotent:\n%q\n%q", out.String(), again.String())
	}
	if p := check(out.String()); p != "" {
		t.Fatalf("%s in\n%q", p, out.String())
	}
}

var forbidden = map[string]bool{"script": true, "object": true, "embed": true, "applet": true, "svg": true,
	"math": true, "base": true, "form": true, "template": true, "noscript": true}

// checkSafeCSS lexes a filtered style sheet as a browser would and returns
// a problem, or "".
func checkSafeCSS(s string) string {
	if strings.Contains(s, "<") {
		return "a < in CSS"
	}
	toks := lexCSS(s)
	for i, t := range toks {
		switch t.tt {
		case css.URLToken:
			if u := urlTokenValue(t.data); !checkURL(u, false) || u == "" {
				return "url() not to a key: " + t.data
			}
		case css.FunctionToken:
			name := strings.ToLower(unescapeIdent(t.data))
			if name == "url(" || name == "expression(" || name == "image-set(" || name == "image(" || name == "var(" || name == "attr(" {
				return "function " + name
			}
		case css.IdentToken:
			// a property name: after "{", ";" or at the start, before ":"
			prev, next := css.SemicolonToken, css.ErrorToken
			for j := i - 1; j >= 0; j-- {
				if toks[j].tt != css.WhitespaceToken {
					prev = toks[j].tt
					break
				}
			}
			for j := i + 1; j < len(toks); j++ {
				if toks[j].tt != css.WhitespaceToken {
					next = toks[j].tt
					break
				}
			}
			name := strings.ToLower(unescapeIdent(t.data))
			if (prev == css.SemicolonToken || prev == css.LeftBraceToken) && next == css.ColonToken && (cssDenied[name] || strings.HasPrefix(name, "--")) {
				return "property " + name
			}
		case css.AtKeywordToken:
			if name := strings.ToLower(unescapeIdent(t.data)); name == "@charset" || name == "@namespace" {
				return name
			}
		}
	}
	return ""
}

// checkURL reports whether a filtered URL attribute value is allowed.
func checkURL(v string, anchorCtx bool) bool {
	if v == "" || v[0] == '#' {
		return true
	}
	if anchorCtx && strings.HasPrefix(v, ExternalPath+"?url=") {
		return true
	}
	path, _, _ := strings.Cut(v, "#") // a fragment may hold "?"
	return len(path) > 5 && v[0] == '/' && hasKeyPrefix(v[1:]) && !strings.ContainsAny(path, "?") &&
		!strings.ContainsAny(v, "\\ \t\n\"<>")
}

// checkSafeHTML parses out as a browser would and returns a problem, or "".
func checkSafeHTML(out string) string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return err.Error()
	}
	var problem string
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if problem != "" || depth > 2000 {
			return
		}
		if n.Type == html.ElementNode {
			if forbidden[n.Data] || n.Namespace != "" {
				problem = "element " + n.Data
				return
			}
			for _, a := range n.Attr {
				k := a.Key
				switch {
				case strings.HasPrefix(k, "on") || a.Namespace != "" || k == "srcdoc" || k == "action" || k == "formaction":
					problem = "attribute " + k
				case k == "href" || k == "src" || k == "cite" || k == "background" || k == "usemap" || k == "longdesc":
					if !checkURL(a.Val, k == "href" && (n.Data == "a" || n.Data == "area")) {
						problem = "URL " + k + "=" + a.Val
					}
				case k == "srcset":
					for _, c := range strings.Split(a.Val, ", ") {
						if u, _, _ := strings.Cut(c, " "); !checkURL(u, false) {
							problem = "srcset " + a.Val
						}
					}
				case k == "style":
					if p := checkSafeCSS(a.Val); p != "" {
						problem = "style: " + p
					}
				case k == "content" && n.Data == "meta":
					if _, u, ok := strings.Cut(a.Val, "url="); ok && !checkURL(u, false) {
						problem = "refresh " + a.Val
					}
				}
			}
			if n.Data == "style" && n.FirstChild != nil {
				if p := checkSafeCSS(n.FirstChild.Data); p != "" {
					problem = "<style>: " + p
				}
			}
			if (n.Data == "iframe" || n.Data == "frame") && !checkURL(attr(n, "src"), false) {
				problem = "frame without a key src"
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return problem
}

func attr(n *html.Node, k string) string {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val
		}
	}
	return "missing:"
}
