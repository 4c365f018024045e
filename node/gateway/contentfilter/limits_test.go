package contentfilter

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// bombs are documents of deep nesting and long repetition, about a
// megabyte each (F36, F37).
func bombs(n int) []struct{ name, ct, in string } {
	return []struct{ name, ct, in string }{
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
	}
}

// TestLimits: the bombs are filtered without an error or a blown stack.
// How long they take is BenchmarkLimits's: about 0.1-0.4 s a megabyte,
// and four times the input takes about four times as long (linear).
func TestLimits(t *testing.T) {
	for _, tc := range bombs(100000) {
		if _, err := Filter(io.Discard, bytes.NewReader([]byte(tc.in)), tc.ct, Options{Base: fuzzBase}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// BenchmarkLimits filters each bomb at two sizes; ns/op per size shows
// whether the time grows linearly (F36).
func BenchmarkLimits(b *testing.B) {
	for _, n := range []int{25000, 100000} {
		for _, tc := range bombs(n) {
			b.Run(fmt.Sprintf("%s-%d", tc.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(tc.in)))
				for range b.N {
					Filter(io.Discard, bytes.NewReader([]byte(tc.in)), tc.ct, Options{Base: fuzzBase})
				}
			})
		}
	}
}
