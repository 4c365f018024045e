package webguard

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// testGuard guards a handler that echoes the request's form token.
func testGuard(t *testing.T, tweak func(*Config)) (http.Handler, *[]string) {
	t.Helper()
	var refused []string
	cfg := Config{
		Name: "test", Addr: "127.0.0.1:8888",
		Headers: map[string]string{"Content-Security-Policy": "default-src 'none'"},
		Cookie:  "tok", TokenHeader: "X-Token", TokenQuery: "token", TokenField: "token",
		MaxForm:     64,
		IssueCookie: func(r *http.Request) bool { return r.URL.Path == "/" },
		Secret:      bytes.Repeat([]byte{7}, 32),
		Rand:        bytes.NewReader(bytes.Repeat([]byte{1}, 1<<10)),
		Refused:     func(r *http.Request, c, tk bool) { refused = append(refused, r.URL.Path) },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	h := New(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, Token(r))
	}))
	return h, &refused
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestHost: only the server's own address and the loopback names with its
// port are answered; AnyHost answers all.
func TestHost(t *testing.T) {
	h, _ := testGuard(t, nil)
	for host, want := range map[string]int{"127.0.0.1:8888": 200, "localhost:8888": 200, "[::1]:8888": 200,
		"evil.example:8888": 421, "127.0.0.1:9999": 421, "localhost": 421} {
		r := httptest.NewRequest("GET", "http://x/", nil)
		r.Host = host
		if w := serve(h, r); w.Code != want {
			t.Errorf("Host %q: %d, want %d", host, w.Code, want)
		}
	}
	any, _ := testGuard(t, func(c *Config) { c.AnyHost = true })
	r := httptest.NewRequest("GET", "http://evil.example/", nil)
	if w := serve(any, r); w.Code != 200 {
		t.Errorf("AnyHost: %d", w.Code)
	}
	if w := serve(h, httptest.NewRequest("GET", "http://127.0.0.1:8888/", nil)); w.Header().Get("Content-Security-Policy") != "default-src 'none'" {
		t.Errorf("headers %v", w.Header())
	}
}

// TestForms: a form needs the cookie, the token of that cookie and the
// browser's word that it comes from this page.
func TestForms(t *testing.T) {
	h, refused := testGuard(t, nil)
	page := serve(h, httptest.NewRequest("GET", "http://127.0.0.1:8888/", nil))
	cookies := page.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v", cookies)
	}
	tok := page.Body.String()
	if len(serve(h, httptest.NewRequest("GET", "http://127.0.0.1:8888/style.css", nil)).Result().Cookies()) != 0 {
		t.Error("a style sheet issued a cookie")
	}
	post := func(form url.Values, site string, withCookie bool, query string) int {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8888/act"+query, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		if withCookie {
			r.AddCookie(cookies[0])
		}
		return serve(h, r).Code
	}
	cases := []struct {
		name   string
		form   url.Values
		site   string
		cookie bool
		query  string
		want   int
	}{
		{"good", url.Values{"token": {tok}}, "same-origin", true, "", 200},
		{"typed by the person", url.Values{"token": {tok}}, "none", true, "", 200},
		{"in the query", nil, "same-origin", true, "?token=" + url.QueryEscape(tok), 200},
		{"no token", url.Values{"a": {"b"}}, "same-origin", true, "", 403},
		{"wrong token", url.Values{"token": {"x" + tok[1:]}}, "same-origin", true, "", 403},
		{"no cookie", url.Values{"token": {tok}}, "same-origin", false, "", 403},
		{"cross-site", url.Values{"token": {tok}}, "cross-site", true, "", 403},
		{"same-site", url.Values{"token": {tok}}, "same-site", true, "", 403},
		{"too big", url.Values{"pad": {strings.Repeat("x", 100)}, "token": {tok}}, "same-origin", true, "", 403},
	}
	for _, tc := range cases {
		if got := post(tc.form, tc.site, tc.cookie, tc.query); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if len(*refused) != 6 {
		t.Errorf("%d refusals told, want 6", len(*refused))
	}
	// Without Sec-Fetch-Site, Origin decides.
	for origin, want := range map[string]int{"http://127.0.0.1:8888": 200, "http://evil.example": 403, "null": 403} {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8888/act", strings.NewReader("token="+url.QueryEscape(tok)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", origin)
		r.AddCookie(cookies[0])
		if got := serve(h, r).Code; got != want {
			t.Errorf("Origin %q: %d, want %d", origin, got, want)
		}
	}
}

// TestSkipMultipart: a multipart upload is not read by the guard (its
// token comes in the query), and is not bounded by MaxForm.
func TestSkipMultipart(t *testing.T) {
	h, _ := testGuard(t, func(c *Config) { c.SkipMultipart = true })
	page := serve(h, httptest.NewRequest("GET", "http://127.0.0.1:8888/", nil))
	tok, cookie := page.Body.String(), page.Result().Cookies()[0]
	body := "--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" + tok + "\r\n--b--\r\n"
	for query, want := range map[string]int{"": 403, "?token=" + url.QueryEscape(tok): 200} {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8888/up"+query, strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.AddCookie(cookie)
		if got := serve(h, r).Code; got != want {
			t.Errorf("query %q: %d, want %d", query, got, want)
		}
	}
}
