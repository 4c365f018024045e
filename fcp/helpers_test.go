package fcp

import (
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// harness is a server over a fake backend, with pipe connections.
type harness struct {
	t   testing.TB
	s   *Server
	b   *fakeBackend
	cfg Config
	wg  sync.WaitGroup
}

// checkGoroutines fails t if, at cleanup, more goroutines run than now.
func checkGoroutines(t testing.TB) {
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		var n int
		for i := 0; i < 2000; i++ {
			if n = runtime.NumGoroutine(); n <= base {
				return
			}
			runtime.Gosched()
			if i > 1000 {
				time.Sleep(time.Millisecond) // let exiting goroutines be reaped
			}
		}
		buf := make([]byte, 1<<16)
		t.Errorf("goroutine leak: %d before, %d after\n%s", base, n, buf[:runtime.Stack(buf, true)])
	})
}

func newHarness(t testing.TB, cfg Config) *harness {
	return newHarnessWith(t, cfg, newFakeBackend())
}

// newHarnessWith is newHarness over a backend prepared by the caller.
func newHarnessWith(t testing.TB, cfg Config, b *fakeBackend) *harness {
	checkGoroutines(t)
	h := &harness{t: t, b: b, cfg: cfg}
	s, err := NewServer(cfg, h.b)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	t.Cleanup(h.close)
	return h
}

func (h *harness) close() {
	h.s.Close()
	h.wg.Wait()
}

// tclient is the test side of one connection. A pump goroutine reads
// everything the node sends, so the node never blocks on the test.
type tclient struct {
	t    testing.TB
	conn net.Conn
	w    *fcpwire.Writer
	in   chan readResult
}

type readResult struct {
	m   *fcpwire.Message
	err error
}

func (h *harness) dial() *tclient {
	a, b := net.Pipe()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.s.ServeConn(a)
	}()
	c := newTClient(h.t, b)
	h.t.Cleanup(func() { b.Close() })
	return c
}

// newTClient wraps the client end of a connection and starts its pump,
// which ends when the connection does.
func newTClient(t testing.TB, nc net.Conn) *tclient {
	c := &tclient{t: t, conn: nc, w: fcpwire.NewWriter(nc), in: make(chan readResult, 1<<16)}
	go func() {
		r := fcpwire.NewReader(nc, fcpwire.Limits{})
		for {
			m, err := r.ReadMessage()
			if err == nil && m.Data != nil {
				b, derr := io.ReadAll(m.Data)
				m.Data, err = strings.NewReader(string(b)), derr
			}
			c.in <- readResult{m, err}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// hello dials and completes the handshake as name.
func (h *harness) hello(name string) *tclient {
	c := h.dial()
	c.send("ClientHello", "Name", name, "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	return c
}

func (c *tclient) send(name string, kv ...string) {
	c.t.Helper()
	m := &fcpwire.Message{Name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	c.sendMsg(m)
}

func (c *tclient) sendData(name string, data string, kv ...string) {
	c.t.Helper()
	m := &fcpwire.Message{Name: name, Data: strings.NewReader(data), DataLength: int64(len(data))}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	c.sendMsg(m)
}

func (c *tclient) sendMsg(m *fcpwire.Message) {
	c.t.Helper()
	if err := c.w.WriteMessage(m); err != nil {
		c.t.Fatalf("send %s: %v", m.Name, err)
	}
}

// read returns the next message (its data, if any, as a *strings.Reader).
func (c *tclient) read() *fcpwire.Message {
	c.t.Helper()
	select {
	case r := <-c.in:
		if r.err != nil {
			c.t.Fatalf("read: %v", r.err)
		}
		return r.m
	case <-time.After(10 * time.Second):
		c.t.Fatalf("read: nothing from the node in 10 s")
	}
	return nil
}

func (c *tclient) expect(name string) *fcpwire.Message {
	c.t.Helper()
	m := c.read()
	if m.Name != name {
		c.t.Fatalf("got %s, want %s:\n%s", m.Name, name, m)
	}
	return m
}

// expectError expects a ProtocolError with code.
func (c *tclient) expectError(code string) *fcpwire.Message {
	c.t.Helper()
	m := c.expect("ProtocolError")
	if got := m.Get("Code"); got != code {
		c.t.Fatalf("ProtocolError code %s, want %s:\n%s", got, code, m)
	}
	return m
}

// expectClosed expects the server to close the connection.
func (c *tclient) expectClosed() {
	c.t.Helper()
	select {
	case r := <-c.in:
		if r.err == nil {
			c.t.Fatalf("want close, got message:\n%s", r.m)
		}
		if !errors.Is(r.err, io.EOF) && !errors.Is(r.err, io.ErrClosedPipe) && !errors.Is(r.err, fcpwire.ErrHalfMessage) {
			c.t.Fatalf("want close, got %v", r.err)
		}
	case <-time.After(10 * time.Second):
		c.t.Fatalf("want close: still open after 10 s")
	}
}
