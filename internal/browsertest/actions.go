package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Do runs the actions in order in the tab ctx, within ActionTimeout. On an
// error it saves a screenshot named "failure" (see Screenshot) and fails the
// test with t.Fatalf, so call it from the test's goroutine.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	Run(t, ctx, chromedp.Steps(steps...))
}

// Navigate is chromedp.Navigate, tried again (3 times in all) when the
// load is aborted (net::ERR_ABORTED): a navigation the page itself still
// had under way, such as a form's answer, can abort one that starts then.
func Navigate(url string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		for range 3 {
			if _, err = chromedp.Navigate(url)(ctx, t); err == nil {
				return chromedp.Void{}, nil
			}
			var le *chromedp.LoadError
			if !errors.As(err, &le) || le.ErrorText != "net::ERR_ABORTED" {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, err
	}
}

// Run runs the action in the tab ctx within ActionTimeout and returns its
// value, for example Run(t, ctx, chromedp.Text(chromedp.CSS("#name"))). On an
// error it fails the test as Do does.
func Run[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(actx, a)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("not done within %v: %w", ActionTimeout, err)
		}
		// The page may be gone with the browser: do not wait long.
		if path, serr := saveScreenshot(t, ctx, "failure", 10*time.Second); serr == nil {
			t.Logf("browsertest: the page at the failure: %s", path)
		}
		t.Fatalf("browsertest: %v", err)
	}
	return v
}

// Screenshot saves a PNG of the whole page of the tab ctx, beyond the
// viewport, as <name>.png in ArtifactsDir(t), logs its path and returns it.
// A failure to take or save it fails the test.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	path, err := saveScreenshot(t, ctx, name, ActionTimeout)
	if err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	t.Logf("browsertest: screenshot %s", path)
	return path
}

func saveScreenshot(t testing.TB, ctx context.Context, name string, timeout time.Duration) (string, error) {
	dir, err := artifactsDir(t)
	if err != nil {
		return "", err
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The whole document element, clipped to its box: Chromium's
	// CaptureBeyondViewport without a clip shifts right-to-left pages
	// sideways (seen with Chromium 156).
	png, err := chromedp.Run(actx, chromedp.Screenshot(chromedp.CSS("html")))
	if err != nil {
		return "", err
	}
	name = sanitize(strings.TrimSuffix(name, ".png")) + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// ArtifactsDir returns the directory for the files that the test t leaves
// for people to look at, and creates it: <base>/<test name>, where base is
// $HAMS_ARTIFACTS if it is set, else the artifacts directory at the module's
// root (the repository ignores it). A subtest gets a subdirectory of its
// parent's. A failure to create it fails the test.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir, err := artifactsDir(t)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

func artifactsDir(t testing.TB) (string, error) {
	base := os.Getenv(EnvArtifacts)
	if base == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		base = filepath.Join(root, "artifacts")
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = sanitize(p)
	}
	dir := filepath.Join(append([]string{base}, parts...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// sanitize makes s a safe file name: letters, digits, '.', '-' and '_'.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	if s == "" || strings.Trim(s, ".") == "" {
		s = "_" + s
	}
	return s
}

var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// moduleRoot returns the directory of the go.mod above the working
// directory, which go test sets to the package's directory.
func moduleRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("browsertest: no go.mod above the working directory; set " + EnvArtifacts)
				return
			}
			dir = parent
		}
	})
	return root, rootErr
}

// ConsoleLog collects what the page of a tab writes to its console: calls of
// the console API, uncaught exceptions and unhandled rejections, and the
// browser's own log entries (such as a resource that failed to load). Make
// it with Console before the navigation that it must see.
type ConsoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// Console starts collecting the console messages of the tab ctx, until the
// tab closes. It sees a message once the browser sent it: when an action
// returns, the messages that the page wrote before the browser answered the
// action are there.
func Console(t testing.TB, ctx context.Context) *ConsoleLog {
	t.Helper()
	c := &ConsoleLog{}
	if err := chromedp.Listen(ctx, c.event); err != nil {
		t.Fatalf("browsertest: listening to the console: %v", err)
	}
	return c
}

// event runs on chromedp's reader goroutine: it must be quick and must not
// call the browser.
func (c *ConsoleLog) event(ev any) {
	var m chromedp.ConsoleMessage
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		m = chromedp.ConsoleMessage{Type: chromedp.ConsoleType(ev.Type), Text: argsText(ev.Args), Args: ev.Args, Stack: ev.StackTrace}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			m.URL, m.Line, m.Column = f.URL, f.LineNumber, f.ColumnNumber
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		m = chromedp.ConsoleMessage{Type: chromedp.ConsoleException, Text: d.Text, URL: d.URL, Line: d.LineNumber, Column: d.ColumnNumber, Stack: d.StackTrace, Exception: d}
		if d.Exception != nil {
			desc, _, _ := strings.Cut(argsText([]*runtime.RemoteObject{d.Exception}), "\n    at ")
			m.Text = strings.TrimSpace(d.Text + " " + desc)
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil {
			return
		}
		typ := chromedp.ConsoleType(e.Level)
		if e.Level == log.EntryLevelVerbose {
			typ = chromedp.ConsoleDebug
		}
		m = chromedp.ConsoleMessage{Type: typ, Text: e.Text, URL: e.URL, Line: e.LineNumber, Stack: e.StackTrace, Source: string(e.Source)}
	default:
		return
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// argsText renders console arguments roughly as DevTools does: strings as
// they are, other values as JSON or by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString && len(a.Value) > 0:
			var s string
			if err := json.Unmarshal(a.Value, &s); err == nil {
				parts = append(parts, s)
			} else {
				parts = append(parts, string(a.Value))
			}
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.UnserializableValue != "":
			parts = append(parts, string(a.UnserializableValue))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// Messages returns the messages so far, in the order the browser sent them.
func (c *ConsoleLog) Messages() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

// Errors returns the messages so far of type error (console.error, a failed
// load) or exception (an uncaught exception or unhandled rejection).
func (c *ConsoleLog) Errors() []chromedp.ConsoleMessage {
	var errs []chromedp.ConsoleMessage
	for _, m := range c.Messages() {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			errs = append(errs, m)
		}
	}
	return errs
}

// CheckNoErrors reports each message of Errors as an error of the test
// (t.Errorf, so the test goes on).
func (c *ConsoleLog) CheckNoErrors(t testing.TB) {
	t.Helper()
	for _, m := range c.Errors() {
		where := ""
		switch {
		case m.URL != "" && m.Line > 0:
			where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
		case m.URL != "":
			where = " (" + m.URL + ")"
		}
		t.Errorf("browser console: %s%s", m, where)
	}
}

// DisableJavaScript switches off the page's scripts in the tab ctx, as Tor
// Browser's Safest level does, for the pages it loads from then on.
func DisableJavaScript(t testing.TB, ctx context.Context) {
	t.Helper()
	Do(t, ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
}
