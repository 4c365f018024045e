package contentfilter_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/hamsnet/hams/node/gateway/contentfilter"
)

func ExampleFilter() {
	page := `<p onclick="steal()">See <a href="other.html">the next page</a>,
<a href="http://example.com/">the web</a> and <img src="http://tracker.example/pixel.png" alt="a pixel">.</p>
<script>steal()</script>`
	res, err := contentfilter.Filter(os.Stdout, strings.NewReader(page), "text/html; charset=utf-8",
		contentfilter.Options{Base: "/USK@abc,def,AQACAAE/site/5/index.html"})
	fmt.Println()
	fmt.Println(res.ContentType, err)
	// Output:
	// <meta charset="utf-8"><p>See <a href="/USK@abc,def,AQACAAE/site/5/other.html">the next page</a>,
	// <a href="/external?url=http%3A%2F%2Fexample.com%2F">the web</a> and <img alt="a pixel">.</p>
	//
	// text/html; charset=utf-8 <nil>
}
