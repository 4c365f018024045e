package browsertest_test

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hamsnet/hams/internal/browsertest"
)

// arabic is the text that goes through the form: "peace be upon you, world"
// with an Arabic comma and Arabic-Indic digits, so a lost byte shows.
const arabic = "السلام عليكم، يا عالم ١٢٣"

// fontsDir holds the web font that hams social embeds; the test page uses
// it, so the screenshot shows Arabic letters on a machine without an Arabic
// font, and the test checks that the files load as fonts.
const fontsDir = "../../tools/social/assets/fonts"

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>browsertest</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/fonts/fonts.css">
<style>body { font-family: "Noto Naskh Arabic", sans-serif; margin: 2em; }</style>
</head>
<body>
<h1>browsertest</h1>
<p id="greeting" dir="auto">مرحبا بالعالم: هذه صفحة اختبار.</p>
<form method="post" action="/submit" accept-charset="utf-8">
  <input type="text" id="msg" name="msg" dir="auto" autocomplete="off">
  <button type="submit" id="send">Send</button>
</form>
</body>
</html>
`

const broken = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><p id="broken">broken</p>
<script>console.error("bad", 42); throw new Error("boom");</script>
</body></html>
`

// server is the page's HTTP server on 127.0.0.1. It records what the
// browser sent.
type server struct {
	*httptest.Server
	submitted chan string // the form's value, once per POST

	mu             sync.Mutex
	acceptLanguage string
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{submitted: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.acceptLanguage = r.Header.Get("Accept-Language")
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, broken)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		v := r.PostForm.Get("msg")
		select {
		case s.submitted <- v:
		default:
			t.Errorf("a second POST /submit, with %q", v)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/fonts/fonts.css">
<style>body { font-family: "Noto Naskh Arabic", sans-serif; margin: 2em; }</style></head>
<body><p>received:</p><p id="result" dir="auto">%s</p></body></html>`, html.EscapeString(v))
	})
	mux.Handle("GET /static/fonts/", http.StripPrefix("/static/fonts/", http.FileServerFS(os.DirFS(fontsDir))))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewUnstartedServer(mux)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// TestBrowser drives chromium through a form with Arabic text, then checks
// that the browser's cleanup left no process and no goroutine of chromedp.
func TestBrowser(t *testing.T) {
	browsertest.Require(t)
	srv := newServer(t)

	var (
		b      *browsertest.Browser
		during []int // the browser's processes before its cleanup
	)
	t.Run("page", func(t *testing.T) {
		b = browsertest.Start(t, "ar")
		ctx := b.NewTab(t)
		console := browsertest.Console(t, ctx)
		defer func() { during = b.Processes() }()

		browsertest.Do(t, ctx,
			chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS("#msg")),
		)

		// What the page shows, as the DOM and the browser see it.
		if got, want := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("#greeting"))), "مرحبا بالعالم: هذه صفحة اختبار."; got != want {
			t.Errorf("#greeting text = %q, want %q", got, want)
		}
		if dir := browsertest.Run(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("greeting")).direction`)); dir != "rtl" {
			t.Errorf(`#greeting with dir="auto" and Arabic text: direction %q, want rtl`, dir)
		}
		if lang := browsertest.Run(t, ctx, chromedp.Evaluate[string](`navigator.language`)); lang != "ar" {
			t.Errorf("navigator.language = %q, want ar (from --lang)", lang)
		}
		srv.mu.Lock()
		al := srv.acceptLanguage
		srv.mu.Unlock()
		if !strings.HasPrefix(al, "ar") {
			t.Errorf("Accept-Language = %q, want it to start with ar", al)
		}
		if size := browsertest.Run(t, ctx, chromedp.Evaluate[[]int](`[window.innerWidth, window.innerHeight]`)); len(size) != 2 || size[0] != browsertest.WindowWidth {
			t.Errorf("window inner size = %v, want width %d", size, browsertest.WindowWidth)
		}
		// The web font: both faces are valid WOFF2 that the browser loads
		// for Arabic text (an invalid file would end in status "error").
		loaded := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`(async () => {
			await document.fonts.load('400 16px "Noto Naskh Arabic"', "مرحبا");
			await document.fonts.load('700 16px "Noto Naskh Arabic"', "مرحبا");
			await document.fonts.ready;
			return [...document.fonts].map(f => f.family.replaceAll('"', "") + " " + f.weight + " " + f.status);
		})()`, chromedp.EvalAwaitPromise))
		for _, w := range []string{"Noto Naskh Arabic 400 loaded", "Noto Naskh Arabic 700 loaded"} {
			if !contains(loaded, w) {
				t.Errorf("fonts %q: no %q", loaded, w)
			}
		}

		// Fill the form with Arabic and submit it.
		browsertest.Do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#msg"), arabic),
		)
		if v := browsertest.Run(t, ctx, chromedp.Value(chromedp.CSS("#msg"))); v != arabic {
			t.Errorf("#msg value after typing = %q, want %q", v, arabic)
		}
		browsertest.Screenshot(t, ctx, "form-filled")
		browsertest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS("#result")),
		)
		select {
		case got := <-srv.submitted:
			if got != arabic {
				t.Errorf("server got %q, want %q", got, arabic)
			}
		case <-time.After(browsertest.ActionTimeout):
			t.Fatal("the server saw no POST /submit, yet the page shows #result")
		}
		if got := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("#result"))); got != arabic {
			t.Errorf("#result = %q, want %q", got, arabic)
		}

		path := browsertest.Screenshot(t, ctx, "submitted")
		checkPNG(t, path)
		console.CheckNoErrors(t)

		// The console log sees errors and exceptions.
		bad := browsertest.Console(t, ctx)
		browsertest.Do(t, ctx,
			chromedp.Navigate(srv.URL+"/broken"),
			chromedp.WaitVisible(chromedp.CSS("#broken")),
		)
		var texts []string
		for _, m := range bad.Errors() {
			texts = append(texts, m.String())
		}
		if !contains(texts, "error: bad 42") || !contains(texts, "exception: Uncaught Error: boom") {
			t.Errorf("console errors of /broken = %q, want %q and %q", texts, "error: bad 42", "exception: Uncaught Error: boom")
		}
	})
	if b == nil || t.Failed() {
		return
	}

	// The subtest's cleanup closed the browser: none of the processes it
	// had (main, zygotes, renderers, GPU, network, crash handlers) runs.
	t.Logf("the browser's processes before cleanup: %v", during)
	if len(during) < 3 {
		t.Errorf("Processes() found %d processes of a running browser, want its helpers too", len(during))
	}
	if pids := b.Processes(); len(pids) > 0 {
		t.Errorf("processes of the browser still running after cleanup: %v", pids)
	}
	for _, pid := range during {
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if _, after, _ := strings.Cut(string(stat), ") "); !strings.HasPrefix(after, "Z") {
				t.Errorf("process %d still runs after cleanup: %s", pid, stat)
			}
		}
	}
	if err := syscall.Kill(b.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) after cleanup = %v, want ESRCH (the browser is gone)", b.PID(), err)
	}
	if _, err := os.Stat(b.ProfileDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s after cleanup: %v, want it removed", b.ProfileDir, err)
	}
	// chromedp's goroutines end as the browser's connection closes; wait
	// for that, within a bound.
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := chromedpGoroutines()
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("chromedp goroutines left after cleanup:\n%s", left)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkPNG checks that path is a PNG of the window's width.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.Width != browsertest.WindowWidth || cfg.Height < 100 {
		t.Errorf("%s: %dx%d, want %d wide", path, cfg.Width, cfg.Height, browsertest.WindowWidth)
	}
}

// chromedpGoroutines returns the stacks of the goroutines that run code of
// chromedp, or "".
func chromedpGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/chromedp/") {
			left = append(left, g)
		}
	}
	return strings.Join(left, "\n\n")
}

func TestFindEnv(t *testing.T) {
	t.Setenv(browsertest.EnvChromium, "/nonexistent")
	if p, err := browsertest.Find(); err == nil {
		t.Errorf("Find with %s=/nonexistent = %q, want an error", browsertest.EnvChromium, p)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	t.Setenv(browsertest.EnvChromium, sh)
	if p, err := browsertest.Find(); err != nil || p != sh {
		t.Errorf("Find with %s=%s = %q, %v", browsertest.EnvChromium, sh, p, err)
	}
	t.Setenv(browsertest.EnvChromium, "sh") // a name on PATH
	if p, err := browsertest.Find(); err != nil || p != sh {
		t.Errorf("Find with %s=sh = %q, %v; want %q", browsertest.EnvChromium, p, err, sh)
	}
}

// TestRequireMissing: without chromium, Require skips the test, and in CI it
// fails it. The CI case runs this test binary again, since a failure would
// fail this test.
func TestRequireMissing(t *testing.T) {
	if os.Getenv("BROWSERTEST_CHILD") == "1" {
		browsertest.Require(t)
		t.Log("not skipped")
		return
	}
	t.Setenv(browsertest.EnvChromium, "/nonexistent")

	t.Setenv("CI", "")
	reached := false
	t.Run("skip", func(t *testing.T) {
		browsertest.Require(t)
		reached = true
	})
	if reached {
		t.Error("Require did not skip without chromium and CI")
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestRequireMissing$", "-test.v")
	cmd.Env = append(os.Environ(), "BROWSERTEST_CHILD=1", "CI=true")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !bytes.Contains(out, []byte("CI must install chromium")) || bytes.Contains(out, []byte("not skipped")) {
		t.Errorf("with CI=true and no chromium, Require should fail the test; got %v:\n%s", err, out)
	}
}
