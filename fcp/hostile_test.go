package fcp

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// fakeTimers is an injected Config.AfterFunc: its timers fire only when the
// test says.
type fakeTimers struct {
	mu sync.Mutex
	ts []*fakeTimer
}

type fakeTimer struct {
	ft      *fakeTimers
	d       time.Duration
	f       func()
	stopped bool
	fired   bool
}

func (ft *fakeTimers) AfterFunc(d time.Duration, f func()) Timer {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	t := &fakeTimer{ft: ft, d: d, f: f}
	ft.ts = append(ft.ts, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.ft.mu.Lock()
	defer t.ft.mu.Unlock()
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}

// pending returns the timers neither stopped nor fired.
func (ft *fakeTimers) pending() []*fakeTimer {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var out []*fakeTimer
	for _, t := range ft.ts {
		if !t.stopped && !t.fired {
			out = append(out, t)
		}
	}
	return out
}

func (ft *fakeTimers) count() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return len(ft.ts)
}

// fire runs t's function, as time.AfterFunc would when its time comes,
// unless it was stopped.
func (t *fakeTimer) fire() {
	t.ft.mu.Lock()
	if t.stopped || t.fired {
		t.ft.mu.Unlock()
		return
	}
	t.fired = true
	t.ft.mu.Unlock()
	t.f()
}

// fireLate runs t's function even though it was stopped: a timer whose
// Stop came too late, its function already on its way.
func (t *fakeTimer) fireLate() { t.f() }

func stallConfig(t *testing.T) (Config, *fakeTimers) {
	cfg := testConfig(t)
	ft := &fakeTimers{}
	cfg.AfterFunc = ft.AfterFunc
	cfg.StallTimeout = time.Minute
	return cfg, ft
}

// TestStallInHeader: a client that stops in the middle of a message's header
// gets a fatal ProtocolError 3 when StallTimeout passes with nothing
// received, and is closed; its half message is forgotten.
func TestStallInHeader(t *testing.T) {
	cfg, ft := stallConfig(t)
	h := newHarness(t, cfg)
	c := h.hello("staller")
	if n := len(ft.pending()); n != 0 {
		t.Fatalf("%d stall timers between messages", n)
	}
	c.conn.Write([]byte("ClientGet\nURI=KSK@a\nIdentif"))
	waitFor(t, "the stall timer", func() bool { return len(ft.pending()) == 1 })
	tm := ft.pending()[0]
	if tm.d != time.Minute {
		t.Fatalf("timer of %v, want StallTimeout", tm.d)
	}
	tm.fire()
	m := c.expectError("3")
	if m.Get("Fatal") != "true" || !strings.Contains(m.Get("ExtraDescription"), "nothing received for 1m0s") {
		t.Fatalf("stall error:\n%s", m)
	}
	c.expectClosed()
	waitFor(t, "connection closed", func() bool { return h.s.NumConns() == 0 })
}

// TestStallProgress: every byte that arrives restarts the stall timeout; a
// timer that fires after its read has returned does nothing; a client idle
// between messages is never timed out.
func TestStallProgress(t *testing.T) {
	cfg, ft := stallConfig(t)
	h := newHarness(t, cfg)
	c := h.hello("slow")
	c.conn.Write([]byte("GenerateSSK\nIdenti"))
	waitFor(t, "the first stall timer", func() bool { return len(ft.pending()) == 1 })
	first := ft.pending()[0]
	c.conn.Write([]byte("fier=k1\n"))
	// The read that got these bytes stopped the first timer; the next read
	// (the message is still incomplete) starts another.
	waitFor(t, "a second stall timer", func() bool { return ft.count() == 2 && len(ft.pending()) == 1 })
	first.fire()     // stopped: nothing
	first.fireLate() // stale: nothing
	c.conn.Write([]byte("EndMessage\n"))
	if m := c.expect("SSKKeypair"); m.Get("Identifier") != "k1" {
		t.Fatalf("reply:\n%s", m)
	}
	// Between messages nothing times out: fire whatever runs, then use the
	// connection.
	for _, tm := range ft.pending() {
		tm.fire()
	}
	c.send("GenerateSSK", "Identifier", "k2")
	c.expect("SSKKeypair")
}

// TestStallInData: a client that stops in the middle of an upload's data is
// closed too, and the upload is cancelled.
func TestStallInData(t *testing.T) {
	cfg, ft := stallConfig(t)
	h := newHarness(t, cfg)
	c := h.hello("upload")
	c.conn.Write([]byte("ClientPut\nURI=CHK@\nIdentifier=u\nDataLength=100\nData\n" + strings.Repeat("x", 40)))
	waitFor(t, "the stall timer", func() bool { return len(ft.pending()) == 1 })
	ft.pending()[0].fire()
	c.expectError("3")
	c.expectClosed()
	waitFor(t, "budget released", func() bool { return h.s.BufferedBytes() == 0 && h.s.NumConns() == 0 })
}

// TestHeaderLimits: a header over MaxHeaderBytes, or with more than
// MaxFields fields, is a fatal ProtocolError 3.
func TestHeaderLimits(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxHeaderBytes = 1000
	cfg.MaxFields = 20
	cfg.FreeHeaderBytes = 500
	h := newHarness(t, cfg)

	c := h.hello("big")
	var lines strings.Builder
	for i := 0; i < 15; i++ {
		lines.WriteString("Junk" + strconv.Itoa(i) + "=" + strings.Repeat("x", 80) + "\n")
	}
	c.conn.Write([]byte("ClientGet\nIdentifier=g\n" + lines.String()))
	m := c.expectError("3")
	if m.Get("Fatal") != "true" || !strings.Contains(m.Get("ExtraDescription"), "header longer than 1000 bytes") {
		t.Fatalf("%s", m)
	}
	c.expectClosed()

	c = h.hello("many")
	var b strings.Builder
	b.WriteString("ClientGet\n")
	for i := 0; i < 21; i++ {
		b.WriteString("F" + string(rune('a'+i)) + "=1\n")
	}
	c.conn.Write([]byte(b.String()))
	m = c.expectError("3")
	if m.Get("Fatal") != "true" || !strings.Contains(m.Get("ExtraDescription"), "more than 20 fields") {
		t.Fatalf("%s", m)
	}
	c.expectClosed()

	// At the limits, a message goes through.
	c = h.hello("fits")
	fields := []string{"Identifier", "k"}
	for i := 0; i < 19; i++ {
		fields = append(fields, "F"+string(rune('a'+i)), "1")
	}
	c.send("GenerateSSK", fields...)
	c.expect("SSKKeypair")
}

// TestHeaderBudget: headers beyond FreeHeaderBytes share MaxBufferedBytes.
// While a half-sent large header holds it, another large header is read,
// dropped and refused (ProtocolError 3, not fatal, naming the request),
// and a small message still goes through; once the first message is done
// the budget is free again.
func TestHeaderBudget(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBufferedBytes = 64 << 10
	cfg.FreeHeaderBytes = 2 << 10
	h := newHarness(t, cfg)
	junk := func(n int) string {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			b.WriteString("Junk" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strconv.Itoa(i) + "=0123456789\n")
		}
		return b.String()
	}

	a := h.hello("holder")
	a.conn.Write([]byte("Void\n" + junk(8<<10)))
	waitFor(t, "the first header charged", func() bool { return h.s.BufferedBytes() == cfg.MaxBufferedBytes })

	b := h.hello("refused")
	b.conn.Write([]byte("GenerateSSK\nIdentifier=big\n" + junk(8<<10) + "EndMessage\n"))
	m := b.expectError("3")
	if m.Get("Fatal") != "false" || m.Get("Identifier") != "big" || !strings.Contains(m.Get("ExtraDescription"), "at most 65536 bytes of client data") {
		t.Fatalf("refusal:\n%s", m)
	}
	b.send("GenerateSSK", "Identifier", "small")
	if m := b.expect("SSKKeypair"); m.Get("Identifier") != "small" {
		t.Fatalf("%s", m)
	}

	// A message with data that the budget cannot cover: its data is
	// skipped and the connection goes on.
	b.conn.Write([]byte("ClientPut\nURI=CHK@\nIdentifier=p\n" + junk(8<<10) + "DataLength=5\nData\nhello"))
	if m := b.expectError("3"); m.Get("Identifier") != "p" {
		t.Fatalf("%s", m)
	}

	a.conn.Write([]byte("EndMessage\n"))
	a.send("GenerateSSK", "Identifier", "after")
	a.expect("SSKKeypair")
	if got := h.s.BufferedBytes(); got != 0 {
		t.Fatalf("%d bytes still charged after the message", got)
	}
	b.conn.Write([]byte("GenerateSSK\nIdentifier=big2\n" + junk(8<<10) + "EndMessage\n"))
	if m := b.expect("SSKKeypair"); m.Get("Identifier") != "big2" {
		t.Fatalf("%s", m)
	}
}

// TestUploadOverBudgetSpools: a direct upload streams into its insert while
// MaxBufferedBytes covers its StreamCharge (streams get half the budget);
// one the budget cannot cover is spooled to a file under StateDir first
// (fred's RAM buckets spill to disk the same way) and inserted from there.
// A stream's charge is held while its data arrives. Both uploads succeed.
func TestUploadOverBudgetSpools(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBufferedBytes = 2 << 20
	cfg.StreamCharge = 1 << 20
	b := newFakeBackend()
	b.hold = make(chan struct{})
	b.started = make(chan string, 4)
	h := newHarnessWith(t, cfg, b)
	spooled := func() int {
		es, _ := os.ReadDir(h.s.spoolDir())
		return len(es)
	}

	big := strings.Repeat("s", 2<<20)
	a := h.hello("streamer")
	a.conn.Write([]byte("ClientPut\nURI=CHK@\nIdentifier=streamed\nDataLength=" + strconv.Itoa(len(big)) + "\nData\n" + big[:1<<20]))
	waitFor(t, "the stream charged", func() bool { return h.s.BufferedBytes() == 1<<20 })
	if n := spooled(); n != 0 {
		t.Fatalf("%d spool files for a streamed upload", n)
	}

	c := h.hello("spooler")
	c.sendData("ClientPut", "spilled to disk", "URI", "CHK@", "Identifier", "spooled")
	<-b.started // the spooled upload's insert has read its file
	if n := spooled(); n != 1 {
		t.Fatalf("%d spool files, want the over-budget upload's", n)
	}

	a.conn.Write([]byte(big[1<<20:]))
	<-b.started // the streamed upload's insert has read it all
	waitFor(t, "the stream's charge given back", func() bool { return h.s.BufferedBytes() == 0 })
	close(b.hold)
	for _, cl := range []*tclient{a, c} {
		cl.expect("URIGenerated")
		cl.expect("PutFetchable")
		cl.expect("PutSuccessful")
	}
	waitFor(t, "spool file removed", func() bool { return spooled() == 0 })
}

// TestLimitErrorsTyped: the Reader's limit errors wrap typed causes.
func TestLimitErrorsTyped(t *testing.T) {
	cases := []struct {
		in   string
		lim  fcpwire.Limits
		want error
	}{
		{"A\nx=" + strings.Repeat("y", 100) + "\nEnd\n", fcpwire.Limits{MaxHeaderBytes: 50}, fcpwire.ErrHeaderTooLarge},
		{"A\nx=1\ny=2\nEnd\n", fcpwire.Limits{MaxFields: 1}, fcpwire.ErrTooManyFields},
	}
	for _, tc := range cases {
		_, err := fcpwire.NewReader(strings.NewReader(tc.in), tc.lim).ReadMessage()
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, err, tc.want)
		}
	}
}
