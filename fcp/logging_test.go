package fcp

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// logRecord is one record a captureHandler took.
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (r logRecord) String() string {
	return fmt.Sprintf("%v %s %v", r.level, r.msg, r.attrs)
}

// captureHandler is a slog.Handler that keeps every record at or above
// its level.
type captureHandler struct {
	level slog.Level
	mu    sync.Mutex
	recs  []logRecord
}

func (h *captureHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}

func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

func (h *captureHandler) records() []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]logRecord(nil), h.recs...)
}

// find returns the first record with message msg whose attributes include
// want, or fails t.
func (h *captureHandler) find(t *testing.T, msg string, want map[string]string) logRecord {
	t.Helper()
	for _, r := range h.records() {
		if r.msg != msg {
			continue
		}
		ok := true
		for k, v := range want {
			if r.attrs[k] != v {
				ok = false
			}
		}
		if ok {
			return r
		}
	}
	t.Fatalf("no %q record with %v; records:\n%s", msg, want, h.dump())
	return logRecord{}
}

func (h *captureHandler) dump() string {
	var b strings.Builder
	for _, r := range h.records() {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

// TestRefusalsLogged: what the node refuses a client or fails for it
// (ProtocolError, IdentifierCollision, GetFailed, PutFailed, closed
// connections) reaches the log at Debug, Warn for the node's own
// failures, with the message name, identifier, code and descriptions;
// never a private key, nor a file's content.
func TestRefusalsLogged(t *testing.T) {
	logs := &captureHandler{level: slog.LevelDebug}
	cfg := testConfig(t)
	cfg.Logger = slog.New(logs)
	b := newFakeBackend()
	h := newHarnessWith(t, cfg, b)

	ins, req, err := keys.GenerateSSK(cfg.Rand)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(strings.TrimSuffix(strings.TrimPrefix(ins.String(), "SSK@"), "/"), ",")
	priv := fields[0]
	const secretContent = "the content of a file nobody may read in the log"

	c := h.hello("logged")

	// A URI that does not parse: ProtocolError 4.
	c.send("ClientGet", "URI", "SSK@nonsense", "Identifier", "g1")
	c.expectError("4")
	r := logs.find(t, "fcp: ProtocolError", map[string]string{"message": "ClientGet", "identifier": "g1", "code": "4"})
	if r.level != slog.LevelDebug || r.attrs["description"] != fcpwire.CodeDescription(4) ||
		r.attrs["client"] != "logged" || r.attrs["fatal"] != "false" || r.attrs["extra"] == "" {
		t.Errorf("bad URI: %s", r)
	}

	// An insert URI that does not parse: the client is told the part that
	// is wrong, the private key with it; the log is not.
	broken := "SSK@" + priv + "," + fields[1] + "/site"
	c.send("ClientPut", "URI", broken, "Identifier", "p1", "UploadFrom", "redirect", "TargetURI", "KSK@x")
	if m := c.expectError("4"); !strings.Contains(m.Get("ExtraDescription"), priv) {
		t.Fatalf("the client's ProtocolError does not quote the key, the test proves nothing: %s", m)
	}
	r = logs.find(t, "fcp: ProtocolError", map[string]string{"message": "ClientPut", "identifier": "p1", "code": "4"})
	if !strings.Contains(r.attrs["extra"], "…") {
		t.Errorf("broken insert URI: %s", r)
	}

	// A PutFailed whose description names the insert URI: logged with the
	// request URI, at Warn (an internal error).
	b.mu.Lock()
	b.putErr = &InsertError{Code: fcpwire.InsertInternalError, Extra: "could not insert " + ins.String() + "doc."}
	b.mu.Unlock()
	c.sendData("ClientPut", "data", "URI", ins.String()+"doc", "Identifier", "p2")
	c.expect("URIGenerated")
	c.expect("PutFailed")
	r = logs.find(t, "fcp: PutFailed", map[string]string{"identifier": "p2"})
	if r.level != slog.LevelWarn || r.attrs["code"] != "3" || r.attrs["fatal"] != "false" ||
		!strings.Contains(r.attrs["extra"], req.String()+"doc.") {
		t.Errorf("PutFailed: %s (want the request URI %s)", r, req)
	}
	b.mu.Lock()
	b.putErr = nil
	b.getErr = &FetchError{Code: fcpwire.FetchDataNotFound, Extra: "nobody has it"}
	b.mu.Unlock()

	// A GetFailed: Debug.
	c.send("ClientGet", "URI", "KSK@missing", "Identifier", "g2", "Persistence", "reboot")
	c.expect("GetFailed")
	r = logs.find(t, "fcp: GetFailed", map[string]string{"identifier": "g2", "code": "13"})
	if r.level != slog.LevelDebug || r.attrs["extra"] != "nobody has it" || r.attrs["description"] == "" {
		t.Errorf("GetFailed: %s", r)
	}

	// The same identifier again: IdentifierCollision.
	c.send("ClientGet", "URI", "KSK@missing", "Identifier", "g2", "Persistence", "reboot")
	c.expect("IdentifierCollision")
	logs.find(t, "fcp: IdentifierCollision", map[string]string{"identifier": "g2", "client": "logged"})

	// A wrong FileHash: 25.
	dir := t.TempDir()
	file := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(file, []byte(secretContent), 0o600); err != nil {
		t.Fatal(err)
	}
	c.send("ClientPut", "URI", "CHK@", "Identifier", "p3", "UploadFrom", "disk", "Filename", file, "FileHash", "AAAA")
	c.expectError("25")
	r = logs.find(t, "fcp: ProtocolError", map[string]string{"message": "ClientPut", "identifier": "p3", "code": "25"})
	if !strings.Contains(r.attrs["extra"], "The hash doesn't match!") {
		t.Errorf("FileHash: %s", r)
	}

	// Another connection under the same name takes over: the first is
	// closed, and the log says why.
	c2 := h.hello("logged")
	c.expect("CloseConnectionDuplicateClientName")
	logs.find(t, "fcp: connection closed: a new connection took its client name", map[string]string{"client": "logged"})

	// A connection that does not start with ClientHello: fatal 1.
	c3 := h.dial()
	c3.send("ClientGet", "URI", "KSK@a", "Identifier", "early")
	c3.expectError("1")
	c3.expectClosed()
	r = logs.find(t, "fcp: ProtocolError", map[string]string{"hello": "false", "code": "1", "fatal": "true"})
	if r.attrs["message"] != "ClientGet" {
		t.Errorf("no hello: %s", r)
	}
	c2.send("Void")

	for _, r := range logs.records() {
		text := r.String()
		for _, secret := range []string{priv, secretContent} {
			if strings.Contains(text, secret) {
				t.Errorf("the log holds %q: %s", secret, text)
			}
		}
		if r.level != slog.LevelDebug && !(r.level == slog.LevelWarn && r.msg == "fcp: PutFailed") && r.level != slog.LevelInfo {
			t.Errorf("unexpected level: %s", r)
		}
	}
}

// TestRefusalsNotLoggedAtInfo: a node logging at Info (hams node's
// default) does not log what clients get wrong.
func TestRefusalsNotLoggedAtInfo(t *testing.T) {
	logs := &captureHandler{level: slog.LevelInfo}
	cfg := testConfig(t)
	cfg.Logger = slog.New(logs)
	h := newHarness(t, cfg)
	c := h.hello("quiet")
	c.send("ClientGet", "URI", "SSK@nonsense", "Identifier", "g1")
	c.expectError("4")
	c.send("Void")
	if recs := logs.records(); len(recs) != 0 {
		t.Errorf("records at Info: %v", recs)
	}
}

// TestLogSafe: insert URIs become request URIs, keys that do not parse
// and long base64 runs are elided; the rest stays as it is.
func TestLogSafe(t *testing.T) {
	ins, req, err := keys.GenerateSSK(&detRand{})
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(strings.TrimSuffix(strings.TrimPrefix(ins.String(), "SSK@"), "/"), ",")
	uskIns, err := keys.Parse(strings.Replace(ins.String(), "SSK@", "USK@", 1) + "site/4")
	if err != nil {
		t.Fatal(err)
	}
	uskReq, _ := uskIns.RequestURI()
	for _, tc := range []struct{ in, want string }{
		{"inserting " + ins.String() + "doc failed.", "inserting " + req.String() + "doc failed."},
		{"freenet:" + ins.String() + "doc", "freenet:" + req.String() + "doc"},
		{"at " + uskIns.String(), "at " + uskReq.String()},
		{"request " + req.String() + "doc", "request " + req.String() + "doc"},
		{"URI: SSK@" + fields[0] + "/x", "URI: SSK@…"},
		{`keys: invalid URI: "` + fields[0] + "," + fields[1] + `": want 3 comma-separated fields`, `keys: invalid URI: "…,…": want 3 comma-separated fields`},
		{"KSK@hello and CHK@ and SSK@/name and /tmp/some dir/file.txt", "KSK@hello and CHK@ and SSK@/name and /tmp/some dir/file.txt"},
		{`(salt used : "af5570f5a1810b7af78caf4bc70a660f-fh4-")`, `(salt used : "af5570f5a1810b7af78caf4bc70a660f-fh4-")`},
		{"plain text", "plain text"},
	} {
		if got := logSafe(tc.in); got != tc.want {
			t.Errorf("logSafe(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
		if strings.Contains(logSafe(tc.in), fields[0]) {
			t.Errorf("logSafe(%q) keeps the private key", tc.in)
		}
	}
}
