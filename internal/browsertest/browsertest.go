// Package browsertest runs the tests of the social front-end in a real
// headless Chromium, driven from Go over the DevTools protocol with chromedp.
//
// It uses Debian's chromium package (apt-get install chromium): no Node.js and
// no browser that a tool downloads. A test that needs the browser starts it
// with [Start] (which calls [Require]), opens a tab with [Browser.NewTab], and
// drives the tab with chromedp actions, through [Do] and [Run] here, which add
// a timeout and fail the test with a screenshot:
//
//	func TestHome(t *testing.T) {
//		b := browsertest.Start(t, "ar")
//		ctx := b.NewTab(t)
//		console := browsertest.Console(t, ctx)
//		browsertest.Do(t, ctx,
//			chromedp.Navigate(srv.URL),
//			chromedp.WaitVisible(chromedp.CSS("#feed")),
//		)
//		if got := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("#name"))); got != "Alice" {
//			t.Errorf("#name = %q, want Alice", got)
//		}
//		browsertest.Screenshot(t, ctx, "home")
//		console.CheckNoErrors(t)
//	}
//
// Without chromium, [Require] skips the test, unless the environment variable
// CI is set (as it is when .ci/run runs in CI), where a missing browser fails
// the test: CI installs chromium, so a skip there would hide a broken install.
//
// The environment variable HAMS_CHROMIUM names another browser binary (a path,
// or a name to look up on PATH); set it to a missing path, such as
// /nonexistent, to see the tests skip as on a machine without chromium.
// HAMS_ARTIFACTS names the directory for screenshots (see [ArtifactsDir]).
//
// Each Browser has a fresh profile under t.TempDir(), a window of
// [WindowWidth] x [WindowHeight] (the page's viewport is as wide, and less
// high by what headless Chromium counts for the window's frame: 757 pixels
// in Chromium 156), and the language that Start gets. Its flags keep it off
// the network: no background networking, component updates, sync, QUIC,
// extensions or Google services, and no host name resolves but localhost,
// so pages must be served on 127.0.0.1 or localhost. The test's cleanup kills
// the browser and all its processes.
//
// [Axe] runs axe-core (vendored in axe/, see its README) on a page and returns
// the accessibility rules it breaks; [PageWidth] and [SmallTargets] check a
// page at a phone's width ([Viewport]) for sideways scrolling and controls
// too small to tap.
//
// It is test infrastructure: only tests import it.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// EnvChromium is the environment variable that overrides the browser
	// that Find returns: a path, or a name to look up on PATH.
	EnvChromium = "HAMS_CHROMIUM"
	// EnvArtifacts is the environment variable that overrides the
	// directory where Screenshot saves its files.
	EnvArtifacts = "HAMS_ARTIFACTS"

	// WindowWidth and WindowHeight are the size of the browser window, so
	// that layouts and screenshots are the same on every machine.
	WindowWidth  = 1280
	WindowHeight = 900

	// DefaultLang is the browser's language when Start gets none.
	DefaultLang = "en-US"
)

// Timeouts. They are long for a loaded two-core CI machine; a test that
// passes takes a small part of them.
var (
	// StartTimeout bounds the start of the browser and the opening of a
	// tab.
	StartTimeout = 60 * time.Second
	// ActionTimeout bounds one call of Do, Run or Screenshot.
	ActionTimeout = 30 * time.Second
)

// disableFeatures turns off the features of Chromium 156 that reach Google's
// servers by themselves even with --disable-background-networking (seen in a
// net log: autofill predictions, network time, optimization guide models),
// and keeps chromedp's default Translate and BlinkGenPropertyTrees.
const disableFeatures = "Translate,BlinkGenPropertyTrees," +
	"AutofillServerCommunication,NetworkTimeServiceQuerying," +
	"OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading," +
	"OptimizationTargetPrediction,OptimizationGuideOnDeviceModel," +
	"MediaRouter,DialMediaRouteProvider,CertificateTransparencyComponentUpdater"

// hostResolverRules makes every host name but localhost fail to resolve
// inside the browser, without a DNS query. The tests' servers listen on
// 127.0.0.1, and what the flags above do not stop (Chromium 156 still looks
// for accounts.google.com and update.googleapis.com at start) then ends in
// the browser and not as a query and a refused connection on the machine.
const hostResolverRules = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"

// debianChromium is where Debian's chromium package installs its launcher.
const debianChromium = "/usr/bin/chromium"

// Find returns the path of the chromium binary that the tests use: the one
// that $HAMS_CHROMIUM names if it is set, else Debian's /usr/bin/chromium, else
// chromium or chromium-browser on PATH. It returns an error that says how to
// install chromium when there is none.
func Find() (string, error) {
	if v := os.Getenv(EnvChromium); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("browsertest: $%s=%q is not an executable: %w", EnvChromium, v, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(debianChromium); err == nil {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browsertest: chromium not found (no " + debianChromium +
		", no chromium or chromium-browser on PATH): install Debian's package with " +
		"`apt-get install chromium`, or set " + EnvChromium + " to a Chromium binary")
}

// inCI reports whether the tests run in CI, where a missing browser is an
// error and not a reason to skip.
func inCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false"
}

// Require returns the path of chromium (see Find). When there is none, it
// skips the test with the reason, or fails it when the environment variable
// CI is set, because CI installs chromium.
func Require(t testing.TB) string {
	t.Helper()
	p, err := Find()
	if err != nil {
		if inCI() {
			t.Fatalf("%v (CI=%s: CI must install chromium, see .ci/run)", err, os.Getenv("CI"))
		}
		t.Skipf("skipping browser test: %v", err)
	}
	return p
}

// Browser is a headless chromium that one test owns. Its tabs are the
// contexts that NewTab returns.
type Browser struct {
	// Path is the binary that runs, Lang the language it was given, and
	// ProfileDir its fresh --user-data-dir.
	Path, Lang, ProfileDir string

	ctx         context.Context // the browser's chromedp context
	cancelAlloc context.CancelFunc
	cancelCtx   context.CancelFunc
	out         *tailBuffer
	pid         int
	procs       *procTree
	closeOnce   sync.Once
}

// Start launches a headless chromium for the test t, with the language lang
// (--lang, which also sets the Accept-Language header and navigator.language;
// "" means DefaultLang). It calls Require first, so it skips or fails the
// test as Require does when there is no chromium. The test's cleanup closes
// the browser (see Close).
func Start(t testing.TB, lang string) *Browser {
	t.Helper()
	path := Require(t)
	if lang == "" {
		lang = DefaultLang
	}
	// t.TempDir before t.Cleanup(b.Close): cleanups run last-in first-out,
	// so the browser is gone before the test removes its profile.
	tmp := t.TempDir()
	b := &Browser{
		Path:       path,
		Lang:       lang,
		ProfileDir: filepath.Join(tmp, "profile"),
		out:        &tailBuffer{max: 64 << 10},
	}
	b.procs = newProcTree(envMark + "=" + b.ProfileDir)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// No traffic of the browser's own: the machines have no network
		// but the loopback, and each attempt would be a refused
		// connection (and noise in the logs).
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("allow-browser-signin", "false"),
		chromedp.Flag("disable-features", disableFeatures),
		chromedp.Flag("host-resolver-rules", hostResolverRules),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.UserDataDir(b.ProfileDir),
		chromedp.WindowSize(WindowWidth, WindowHeight),
		chromedp.CombinedOutput(b.out),
		chromedp.Env(
			b.procs.mark,
			// Chromium's crash handler and caches go to the XDG
			// directories (by default in $HOME), so keep them in the
			// test's temporary directory too.
			"XDG_CONFIG_HOME="+filepath.Join(tmp, "config"),
			"XDG_CACHE_HOME="+filepath.Join(tmp, "cache"),
		),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b.ctx, b.cancelAlloc, b.cancelCtx = ctx, cancelAlloc, cancelCtx
	t.Cleanup(func() {
		b.Close()
		if t.Failed() {
			if out := b.out.String(); out != "" {
				t.Logf("browsertest: chromium's output (last %d bytes):\n%s", len(out), out)
			}
		}
	})

	// The first run starts the process and binds its life to ctx, which
	// has no deadline; a timer bounds the start instead.
	timer := time.AfterFunc(StartTimeout, cancelCtx)
	err := chromedp.Do(ctx)
	stopped := timer.Stop()
	if err != nil {
		if !stopped {
			err = fmt.Errorf("did not start within %v: %w", StartTimeout, err)
		}
		t.Fatalf("browsertest: starting %s: %v\nchromium's output:\n%s", path, err, b.out.String())
	}
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		b.pid = c.Browser.Process().Pid
	}
	b.procs.setRoot(b.pid)
	t.Logf("browsertest: %s (pid %d), lang %s, profile %s", path, b.pid, lang, b.ProfileDir)
	return b
}

// NewTab opens a new tab (a page target in a window of its own) and returns
// its chromedp context; the tab closes in the test's cleanup. The context has
// no deadline, as the tab lives as long as it: run actions with Do and Run,
// which add ActionTimeout, or with chromedp on a context.WithTimeout of it.
func (b *Browser) NewTab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel) // closes the tab and waits for it; runs before b.Close
	timer := time.AfterFunc(StartTimeout, cancel)
	err := chromedp.Do(ctx) // opens the target
	stopped := timer.Stop()
	if err != nil {
		if !stopped {
			err = fmt.Errorf("not open within %v: %w", StartTimeout, err)
		}
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	return ctx
}

// PID returns the process id of the browser's main process.
func (b *Browser) PID() int { return b.pid }

// Close kills the browser and all its processes (helpers and crash
// handlers too), and waits until they are gone and chromedp has let go of
// them. The test's cleanup calls it; calling it again does nothing.
func (b *Browser) Close() {
	b.closeOnce.Do(func() {
		// Chromium's helpers do not all carry a mark of this browser: a
		// zygote's children have neither the profile flag nor the
		// environment, and the crash handlers leave the process tree. So
		// note the whole tree while it stands, then kill.
		b.procs.note()
		b.cancelCtx()   // kills the main process and waits for it
		b.cancelAlloc() // waits for the allocator's goroutines
		b.procs.kill()
	})
}

// Processes returns the ids of the browser's live processes: the main one
// and its helpers (zygotes, renderers, GPU, network, crash handlers). It is
// empty once Close has returned.
func (b *Browser) Processes() []int {
	return b.procs.live()
}

// tailBuffer keeps the last max bytes written to it. It is safe for the
// goroutine of chromedp that copies the browser's output.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
