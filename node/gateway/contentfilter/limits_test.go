package contentfilter

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestLimits: bombs of nesting and repetition are filtered in linear time
// (F36, F37): each takes well under a second for about a megabyte.
func TestLimits(t *testing.T) {
	const n = 100000
	for _, tc := range []struct{ name, ct, in string }{
		{"divs", "text/html", strings.Repeat("<div>", n) + strings.Repeat("</div>", n)},
		{"objects", "text/html", strings.Repeat("<object>", n) + "x"},
		{"unclosed tags", "text/html", strings.Repeat("<b><i><a href=x>", n)},
		{"attributes", "text/html", "<p " + strings.Repeat("id=x ", n) + ">"},
		{"long attribute", "text/html", `<a href="` + strings.Repeat("%2e", n) + `">`},
		{"encoded dots", "text/html", strings.Repeat(`<a href="`+strings.Repeat("%2e/", 2000)+`">`, 100)},
		{"srcset", "text/html", `<img srcset="` + strings.Repeat("a.png 1x,", n) + `">`},
		{"style attribute", "text/html", `<p style="` + strings.Repeat("color:red;", n) + `">`},
		{"parens", "text/css", "a{b:" + strings.Repeat("(", n) + "}"},
		{"functions", "text/css", "a{b:" + strings.Repeat("calc(", n) + "}"},
		{"media", "text/css", strings.Repeat("@media screen{", n) + "p{color:red}"},
		{"blocks", "text/css", strings.Repeat("{", n)},
		{"rules", "text/css", strings.Repeat("a{color:red}", n)},
		{"at-rules", "text/css", strings.Repeat("@x;", n)},
		{"style element", "text/html", "<style>" + strings.Repeat("a{b:url(c)}", n) + "</style>"},
	} {
		start := time.Now()
		if _, err := Filter(io.Discard, bytes.NewReader([]byte(tc.in)), tc.ct, Options{Base: fuzzBase}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %d bytes took %v", tc.name, len(tc.in), d)
		} else {
			t.Logf("%s: %d bytes in %v", tc.name, len(tc.in), d)
		}
	}
}
