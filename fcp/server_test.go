package fcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{Addr: "127.0.0.1:0"}, true},
		{Config{Addr: "[::1]:9481"}, true},
		{Config{Addr: "localhost:9481"}, true},
		{Config{Addr: "0.0.0.0:9481"}, false},
		{Config{Addr: "192.0.2.1:9481"}, false},
		{Config{Addr: "0.0.0.0:9481", AllowNonLoopback: true}, true},
		{Config{Addr: "nonsense"}, false},
		{Config{MaxDataLength: -1}, false},
		{Config{MaxConnections: -1}, false},
		{Config{IdleTimeout: -1}, false},
		{Config{MaxBufferedBytes: -1}, false},
		{Config{StreamCharge: -1}, false},
		{Config{MaxHeaderBytes: -1}, false},
		{Config{MaxFields: -1}, false},
		{Config{FreeHeaderBytes: -1}, false},
		{Config{StallTimeout: -1}, true}, // none
		{Config{MaxBufferedBytes: 1 << 20, StreamCharge: 1 << 10, MaxHeaderBytes: 1 << 16, MaxFields: 10, FreeHeaderBytes: 100}, true},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
		}
		var ce *ConfigError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("Validate error %T is not a *ConfigError", err)
		}
	}
	if _, err := NewServer(Config{}, nil); err == nil {
		t.Error("NewServer with a nil backend succeeded")
	}
}

// TestListenAndServe runs the server on loopback TCP and stops it through
// the context.
func TestListenAndServe(t *testing.T) {
	checkGoroutines(t)
	cfg := testConfig(t)
	cfg.Addr = "127.0.0.1:0"
	s, err := NewServer(cfg, newFakeBackend())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx) }()
	var addr net.Addr
	for addr == nil {
		addr = s.Addr()
		if addr == nil {
			time.Sleep(time.Millisecond) // waiting for the listener, not for a result
		}
	}
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c := newTClient(t, nc)
	c.send("ClientHello", "Name", "tcp", "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	cancel()
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe = %v", err)
	}
	c.expectClosed()
	nc.Close()
}

// TestHalfMessage: a client that stops in the middle of a message is closed
// cleanly, with nothing left running.
func TestHalfMessage(t *testing.T) {
	for _, half := range []string{
		"ClientHello\nName=x\nExpectedVersion=2.0\nEndMessage\nClientPut\nURI=CHK@\nIdent",
		"ClientHello\nName=x\nExpectedVersion=2.0\nEndMessage\nClientPut\nURI=CHK@\nIdentifier=a\nDataLength=100\nData\nonly a few bytes",
		"ClientHel",
	} {
		h := newHarness(t, testConfig(t))
		c := h.dial()
		io.WriteString(c.conn, half)
		if strings.HasPrefix(half, "ClientHello\n") {
			c.expect("NodeHello")
		}
		c.conn.Close()
		h.close()
		if n := h.s.NumConns(); n != 0 {
			t.Errorf("%d connections left", n)
		}
		entries, _ := os.ReadDir(h.s.spoolDir())
		if len(entries) != 0 {
			t.Errorf("spool files left: %v", entries)
		}
	}
}

// TestStreamedUploadEndsEarly: a direct upload that is not persistent
// forever streams into the insert. When the insert fails before reading the
// data, the node reads and drops the rest: the client gets PutFailed, no
// spool file is left, and the connection carries on.
func TestStreamedUploadEndsEarly(t *testing.T) {
	h := newHarness(t, testConfig(t))
	h.b.mu.Lock()
	h.b.putEarlyErr = &InsertError{Code: fcpwire.InsertInternalError, Extra: "refused at once"}
	h.b.mu.Unlock()
	c := h.hello("early")
	big := strings.Repeat("x", 4<<20) // far more than the socket buffers
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		m := &fcpwire.Message{Name: "ClientPut", Data: strings.NewReader(big), DataLength: int64(len(big))}
		m.Set("URI", "CHK@").Set("Identifier", "early")
		c.w.WriteMessage(m)
	}()
	if m := c.expect("PutFailed"); m.Get("Code") != "3" || m.Get("ExtraDescription") != "refused at once" {
		t.Fatalf("PutFailed:\n%s", m)
	}
	<-sent
	h.b.mu.Lock()
	h.b.putEarlyErr = nil
	h.b.mu.Unlock()
	c.sendData("ClientPut", "after", "URI", "CHK@", "Identifier", "after")
	c.expect("URIGenerated")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	if entries, _ := os.ReadDir(h.s.spoolDir()); len(entries) != 0 {
		t.Errorf("spool files left: %v", entries)
	}
}

// TestHandshakeTimeout: a connection that never says ClientHello is closed.
func TestHandshakeTimeout(t *testing.T) {
	cfg := testConfig(t)
	cfg.HandshakeTimeout = 20 * time.Millisecond
	h := newHarness(t, cfg)
	c := h.dial()
	c.expectClosed()
}

// TestDuplicateClientName: a second connection with the same name takes
// over; the first gets CloseConnectionDuplicateClientName and is closed.
func TestDuplicateClientName(t *testing.T) {
	h := newHarness(t, testConfig(t))
	a := h.hello("same")
	b := h.hello("same")
	a.expect("CloseConnectionDuplicateClientName")
	a.expectClosed()
	b.send("GenerateSSK")
	b.expect("SSKKeypair")
}

// TestPersistenceAcrossRestart: a Persistence=forever insert cut by Close
// runs again on the next start, and its result is kept.
func TestPersistenceAcrossRestart(t *testing.T) {
	cfg := testConfig(t)
	h := newHarness(t, cfg)
	h.b.hold = make(chan struct{})
	h.b.started = make(chan string, 1)
	c := h.hello("restarter")
	c.sendData("ClientPut", "survive", "URI", "CHK@", "Identifier", "r1", "Persistence", "forever")
	c.sendData("ClientPut", "vanish", "URI", "CHK@", "Identifier", "r2", "Persistence", "reboot")
	<-h.b.started
	h.close()

	b2 := newFakeBackend()
	b2.hold = make(chan struct{})
	h2 := newHarnessWith(t, cfg, b2)
	c2 := h2.hello("restarter")
	c2.send("ListPersistentRequests")
	m := c2.expect("PersistentPut")
	if m.Get("Identifier") != "r1" {
		t.Fatalf("listed %s", m)
	}
	c2.expect("EndListPersistentRequests")
	close(h2.b.hold)
	c2.expect("URIGenerated")
	c2.expect("PutFetchable")
	got := c2.expect("PutSuccessful")
	if !strings.HasPrefix(got.Get("URI"), "CHK@") {
		t.Fatalf("PutSuccessful %s", got)
	}
	h2.close()

	// A third start: the finished request is listed with its result.
	h3 := newHarness(t, cfg)
	c3 := h3.hello("restarter")
	c3.send("ListPersistentRequests")
	c3.expect("PersistentPut")
	c3.expect("URIGenerated")
	c3.expect("PutFetchable")
	if m := c3.expect("PutSuccessful"); m.Get("URI") != got.Get("URI") {
		t.Fatalf("kept URI %s, want %s", m.Get("URI"), got.Get("URI"))
	}
	c3.expect("EndListPersistentRequests")
	entries, _ := os.ReadDir(h3.s.spoolDir())
	if len(entries) != 0 {
		t.Errorf("spool files left after the insert finished: %v", entries)
	}
}

// TestRemoveRunning cancels a running request; nothing more is sent for it.
func TestRemoveRunning(t *testing.T) {
	h := newHarness(t, testConfig(t))
	h.b.hold = make(chan struct{})
	h.b.started = make(chan string, 1)
	c := h.hello("remover")
	c.send("ClientGet", "URI", "KSK@slow", "Identifier", "slow", "Persistence", "reboot")
	<-h.b.started
	c.send("RemoveRequest", "Identifier", "slow")
	c.expect("PersistentRequestRemoved")
	c.send("ListPersistentRequests")
	c.expect("EndListPersistentRequests")
}

// TestConnectionRequestsEndWithConnection: a connection's requests are
// cancelled when it closes.
func TestConnectionRequestsEndWithConnection(t *testing.T) {
	h := newHarness(t, testConfig(t))
	h.b.hold = make(chan struct{})
	h.b.started = make(chan string, 1)
	c := h.hello("leaver")
	c.send("ClientGet", "URI", "KSK@slow", "Identifier", "slow")
	<-h.b.started
	c.sendData("ClientPut", "spooled", "URI", "CHK@", "Identifier", "up")
	<-h.b.started
	c.conn.Close()
	h.close() // waits for the cancelled requests' goroutines
	for _, d := range []string{h.s.spoolDir(), h.s.dataDir()} {
		if entries, _ := os.ReadDir(d); len(entries) != 0 {
			t.Errorf("files left in %s: %v", d, entries)
		}
	}
}

func TestShutdown(t *testing.T) {
	called := make(chan struct{})
	cfg := testConfig(t)
	cfg.OnShutdown = func() { close(called) }
	h := newHarness(t, cfg)
	c := h.hello("admin")
	c.send("Shutdown")
	<-called

	h2 := newHarness(t, testConfig(t))
	c2 := h2.hello("admin")
	c2.send("Shutdown")
	c2.expectError("24")
}

func TestNodeInfoMessages(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("info")
	c.send("GetNode", "Identifier", "n", "WithVolatile", "true")
	if m := c.expect("NodeData"); m.Get("Identifier") != "n" {
		t.Fatalf("NodeData %s", m)
	}
	c.send("ListPeers", "Identifier", "p")
	c.expect("EndListPeers")
	c.send("GetNode", "WithPrivate", "perhaps")
	c.expectError("8")
}

func TestSubscribeUSK(t *testing.T) {
	cfg := testConfig(t)
	ticks := make(chan time.Time)
	cfg.After = func(time.Duration) <-chan time.Time { return ticks }
	h := newHarness(t, cfg)
	c := h.hello("sub")
	c.send("GenerateSSK")
	kp := c.expect("SSKKeypair")
	usk := "USK" + strings.TrimPrefix(kp.Get("RequestURI"), "SSK") + "feed/0"
	h.b.mu.Lock()
	h.b.editions[usk] = 5
	h.b.mu.Unlock()
	c.send("SubscribeUSK", "URI", usk, "Identifier", "s1")
	if m := c.expect("SubscribedUSK"); m.Get("Identifier") != "s1" || m.Get("DontPoll") != "false" {
		t.Fatal(m)
	}
	up := c.expect("SubscribedUSKUpdate")
	if up.Get("Edition") != "5" || !strings.HasSuffix(up.Get("URI"), "/feed/5") {
		t.Fatalf("update %s", up)
	}
	c.expect("SubscribedUSKRoundFinished")
	// Nothing new: only the round.
	ticks <- time.Time{}
	c.expect("SubscribedUSKRoundFinished")
	h.b.mu.Lock()
	h.b.editions[usk] = 7
	h.b.mu.Unlock()
	ticks <- time.Time{}
	if up := c.expect("SubscribedUSKUpdate"); up.Get("Edition") != "7" {
		t.Fatalf("update %s", up)
	}
	c.expect("SubscribedUSKRoundFinished")
	c.send("SubscribeUSK", "URI", usk, "Identifier", "s1")
	c.expect("IdentifierCollision")
	c.send("UnsubscribeUSK", "Identifier", "s1")
	c.send("UnsubscribeUSK", "Identifier", "s1")
	c.expectError("15")
	c.send("SubscribeUSK", "URI", "KSK@x", "Identifier", "s2")
	c.expectError("8")
}

// testDDA runs the TestDDA exchange for dir as a well-behaved client.
func testDDA(t *testing.T, c *tclient, dir string, read, write bool) {
	t.Helper()
	c.send("TestDDARequest", "Directory", dir, "WantReadDirectory", boolStr(read), "WantWriteDirectory", boolStr(write))
	reply := c.expect("TestDDAReply")
	resp := []string{"Directory", dir}
	if read {
		b, err := os.ReadFile(reply.Get("ReadFilename"))
		if err != nil {
			t.Fatal(err)
		}
		resp = append(resp, "ReadContent", string(b))
	}
	if write {
		if err := os.WriteFile(reply.Get("WriteFilename"), []byte(reply.Get("ContentToWrite")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.send("TestDDAResponse", resp...)
	done := c.expect("TestDDAComplete")
	if read && done.Get("ReadDirectoryAllowed") != "true" || write && done.Get("WriteDirectoryAllowed") != "true" {
		t.Fatalf("TestDDAComplete %s", done)
	}
	if write {
		os.Remove(reply.Get("WriteFilename"))
	}
}

// TestDiskUploadDownload: TestDDA, then a disk upload and a disk download.
func TestDiskUploadDownload(t *testing.T) {
	h := newHarness(t, testConfig(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "in.txt")
	os.WriteFile(src, []byte("from disk"), 0o600)
	c := h.hello("disk")
	c.send("ClientPut", "URI", "CHK@", "Identifier", "d1", "UploadFrom", "disk", "Filename", src)
	c.expectError("25")
	c.send("TestDDAResponse", "Directory", dir)
	c.expectError("7")
	testDDA(t, c, dir, true, true)
	c.send("ClientPut", "URI", "CHK@", "Identifier", "d1", "UploadFrom", "disk", "Filename", src)
	uri := c.expect("URIGenerated").Get("URI")
	if !strings.HasSuffix(uri, "/in.txt") {
		t.Fatalf("URI %s has no target filename", uri)
	}
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	c.send("ClientPut", "URI", "CHK@", "Identifier", "d2", "UploadFrom", "disk", "Filename", filepath.Join(dir, "missing"))
	c.expectError("9")

	dst := filepath.Join(dir, "out.txt")
	c.send("ClientGet", "URI", uri, "Identifier", "d3", "ReturnType", "disk", "Filename", dst)
	c.expect("DataFound")
	if b, err := os.ReadFile(dst); err != nil || string(b) != "from disk" {
		t.Fatalf("downloaded %q, %v", b, err)
	}
	c.send("ClientGet", "URI", uri, "Identifier", "d4", "ReturnType", "disk", "Filename", dst)
	c.expectError("10")
	c.send("ClientGet", "URI", uri, "Identifier", "d5", "ReturnType", "disk", "Filename", filepath.Join(t.TempDir(), "x"))
	c.expectError("25")
}

func TestPutDirs(t *testing.T) {
	h := newHarness(t, testConfig(t))
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o700)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi</p>"), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("a"), 0o600)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("h"), 0o600)
	c := h.hello("dirs")
	testDDA(t, c, dir, true, false)
	c.send("ClientPutDiskDir", "URI", "CHK@", "Identifier", "site", "Filename", dir, "DefaultName", "index.html")
	uri := c.expect("URIGenerated").Get("URI")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	c.send("ClientGet", "URI", uri+"/sub/a.txt", "Identifier", "g")
	c.expect("DataFound")
	if string(mustRead(t, c.expect("AllData").Data)) != "a" {
		t.Fatal("wrong file data")
	}
	c.send("ClientGet", "URI", uri+"/.hidden", "Identifier", "g2")
	c.expect("GetFailed")

	m := &fcpwire.Message{Name: "ClientPutComplexDir", Data: strings.NewReader("onetwo!"), DataLength: 7}
	m.Set("URI", "CHK@").Set("Identifier", "cx").Set("DefaultName", "one").
		Set("Files.0.Name", "one").Set("Files.0.DataLength", "3").
		Set("Files.1.Name", "two").Set("Files.1.UploadFrom", "direct").Set("Files.1.DataLength", "4").Set("Files.1.Metadata.ContentType", "text/x-two").
		Set("Files.2.Name", "link").Set("Files.2.UploadFrom", "redirect").Set("Files.2.TargetURI", uri)
	c.sendMsg(m)
	uri2 := c.expect("URIGenerated").Get("URI")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	c.send("ClientGet", "URI", uri2+"/two", "Identifier", "g3")
	if ct := c.expect("DataFound").Get("Metadata.ContentType"); ct != "text/x-two" {
		t.Fatalf("content type %q", ct)
	}
	if string(mustRead(t, c.expect("AllData").Data)) != "two!" {
		t.Fatal("wrong file data")
	}
	bad := &fcpwire.Message{Name: "ClientPutComplexDir", Data: strings.NewReader("xx"), DataLength: 2}
	bad.Set("URI", "CHK@").Set("Identifier", "cx2").Set("Files.0.Name", "one").Set("Files.0.DataLength", "3")
	c.sendMsg(bad)
	c.expectError("8")
	c.send("ClientPutComplexDir", "URI", "CHK@", "Identifier", "cx3")
	c.expectError("5")
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIdleTimeout(t *testing.T) {
	cfg := testConfig(t)
	cfg.IdleTimeout = 20 * time.Millisecond
	h := newHarness(t, cfg)
	c := h.hello("sleepy")
	c.expectClosed()
}

// codedErr is a client-layer error type the server knows only through
// FetchCode / InsertCode.
type codedErr struct{ fetch, insert int }

func (e codedErr) Error() string   { return "coded" }
func (e codedErr) FetchCode() int  { return e.fetch }
func (e codedErr) InsertCode() int { return e.insert }

func TestBackendErrorCodes(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("errs")
	h.b.getErr = fmt.Errorf("wrapped: %w", codedErr{fetch: 28})
	c.send("ClientGet", "URI", "KSK@x", "Identifier", "g")
	m := c.expect("GetFailed")
	if m.Get("Code") != "28" || m.Get("Fatal") != "false" || m.Get("ShortCodeDescription") != "All data not found" {
		t.Fatalf("GetFailed %s", m)
	}
	h.b.getErr = errors.New("disk on fire")
	c.send("ClientGet", "URI", "KSK@x", "Identifier", "g")
	if m := c.expect("GetFailed"); m.Get("Code") != "17" || m.Get("ExtraDescription") != "disk on fire" {
		t.Fatalf("GetFailed %s", m)
	}
	h.b.putErr = codedErr{insert: 9}
	c.sendData("ClientPut", "x", "URI", "KSK@taken", "Identifier", "p")
	c.expect("URIGenerated")
	m = c.expect("PutFailed")
	if m.Get("Code") != "9" || m.Get("Fatal") != "true" || m.Get("ExpectedURI") != "KSK@taken" {
		t.Fatalf("PutFailed %s", m)
	}
}
