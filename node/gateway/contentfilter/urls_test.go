package contentfilter

import "testing"

// TestFilterURL: the URL rules (F9-F16) one case at a time.
func TestFilterURL(t *testing.T) {
	const base = "/USK@a,b,AQACAAE/site/5/dir/page.html"
	for _, tc := range []struct {
		rule, raw string
		ctx       urlContext
		want      string // "-" when the URL is dropped
	}{
		{"F9", " \x01 page.html\t", inline, "/USK@a,b,AQACAAE/site/5/dir/page.html"},
		{"F9", "p\na\rg\te.html", inline, "/USK@a,b,AQACAAE/site/5/dir/page.html"},
		{"F9", "page\x01.html", inline, "-"},
		{"F9", `sub\x.html?a\b`, inline, "/USK@a,b,AQACAAE/site/5/dir/sub/x.html"},
		{"F10", "javascript:alert(1)", anchor, "-"},
		{"F10", "JaVa\tScRiPt:x", anchor, "-"},
		{"F10", "data:text/html,<script>", anchor, "-"},
		{"F10", "http:/status", anchor, "-"},
		{"F10", "https:evil.example", anchor, "-"},
		{"F11", "freenet:CHK@x/y", inline, "/CHK@x/y"},
		{"F11", "freenet:///KSK@x", inline, "/KSK@x"},
		{"F11", "HAMS:ssk@x/y", inline, "/ssk@x/y"},
		{"F11", "USK@x/s/1/", inline, "/USK@x/s/1/"},
		{"F11", "freenet:status", inline, "-"},
		{"F12", "../../../../status", anchor, "-"},
		{"F12", "../../../x", anchor, "/USK@a,b,AQACAAE/x"},
		{"F12", "/publish", anchor, "-"},
		{"F12", "/KSK@", anchor, "-"},
		{"F12", "#f", inline, "#f"},
		{"F12", "", inline, ""},
		{"F13", "http://e.example/a b", anchor, "/external?url=http%3A%2F%2Fe.example%2Fa+b"},
		{"F13", "http://e.example/", inline, "-"},
		{"F13", "//e.example/", anchor, "/external?url=http%3A%2F%2Fe.example%2F"},
		{"F13", "/\\e.example/", anchor, "/external?url=http%3A%2F%2Fe.example%2F"},
		{"F13", "/external?url=http%3A%2F%2Fe.example%2F", anchor, "/external?url=http%3A%2F%2Fe.example%2F"},
		{"F13", "/external?url=http%3A%2F%2Fe.example%2F", inline, "-"},
		{"F13", "/external?url=a&url=b", anchor, "-"},
		{"F14", "http://127.0.0.1:8888/CHK@x/", inline, "/CHK@x/"},
		{"F14", "HTTPS://LOCALHOST:8888/KSK@x", inline, "/KSK@x"},
		{"F14", "//[::1]:8888/KSK@x", inline, "/KSK@x"},
		{"F14", "http://127.0.0.1:8888/status", anchor, "-"},
		{"F15", "%2E%2e/%2e%2E/%2e./.%2e/status", anchor, "-"},
		{"F15", "/KSK@x/..%2f..%2fstatus", anchor, "-"},
		{"F15", "/KSK@x/a%5cb", anchor, "-"},
		{"F15", "/KSK@x/ü \"<>%zz%41", anchor, "/KSK@x/%C3%BC%20%22%3C%3E%25zz%41"},
		{"F16", "/KSK@x/a?forcedownload#f", anchor, "/KSK@x/a#f"},
		{"F16", "?q", anchor, "/USK@a,b,AQACAAE/site/5/dir/page.html"},
	} {
		got, ok := filterURL(tc.raw, base, tc.ctx)
		if !ok {
			got = "-"
		}
		if got != tc.want {
			t.Errorf("%s: %q (ctx %d): got %q, want %q", tc.rule, tc.raw, tc.ctx, got, tc.want)
		}
	}
}
