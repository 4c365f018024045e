package link

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFramesBothWays(t *testing.T) {
	leakCheck(t)
	a, b, ra, rb := pair(t, Config{})
	big := bytes.Repeat([]byte("0123456789abcdef"), MaxFrame/16+1)[:MaxFrame]
	frames := [][]byte{[]byte("x"), []byte("hello"), big, make([]byte, 32<<10), []byte("last")}
	for _, f := range frames {
		if err := a.Send(f); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(f); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range frames {
		if got := rb.next(t); !bytes.Equal(got, f) {
			t.Errorf("a→b frame %d: %d bytes, want %d", i, len(got), len(f))
		}
		if got := ra.next(t); !bytes.Equal(got, f) {
			t.Errorf("b→a frame %d: %d bytes, want %d", i, len(got), len(f))
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ra.wait(t); err != nil {
		t.Errorf("a closed locally: LinkClosed %v, want nil", err)
	}
	if err := rb.wait(t); !errors.Is(err, io.EOF) || !strings.HasPrefix(err.Error(), "link: read: ") {
		t.Errorf("b after a closed: %v, want link: read: EOF", err)
	}
	<-b.Done()
	if b.Err() == nil || a.Err() != nil {
		t.Errorf("Err: a %v, b %v", a.Err(), b.Err())
	}
}

func TestManyFramesInOrder(t *testing.T) {
	leakCheck(t)
	a, _, _, rb := pair(t, Config{})
	const n = 2000
	go func() {
		for i := range n {
			f := fmt.Appendf(nil, "frame %d %s", i, strings.Repeat("x", i%700))
			if err := a.SendWait(context.Background(), f); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range n {
		want := fmt.Sprintf("frame %d %s", i, strings.Repeat("x", i%700))
		if got := rb.next(t); string(got) != want {
			t.Fatalf("frame %d: %.20q, want %.20q", i, got, want)
		}
	}
}

func TestCorruptedCiphertext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bad   func(raw *rawPeer) []byte
		want  error
		first bool // the good frame is delivered first
	}{
		{"flipped bit", func(raw *rawPeer) []byte { m := raw.frame([]byte("evil")); m[5] ^= 1; return m }, ErrAuth, true},
		{"flipped tag", func(raw *rawPeer) []byte { m := raw.frame([]byte("evil")); m[len(m)-1] ^= 0x80; return m }, ErrAuth, true},
		{"replayed", nil, ErrAuth, true},
		{"zero length", func(*rawPeer) []byte { return []byte{0, 0} }, ErrMalformed, true},
		{"shorter than tag", func(*rawPeer) []byte { return []byte{0, 15} }, ErrMalformed, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			l, raw := linkAgainstRaw(t, Config{})
			defer raw.conn.Close()
			r := newRecorder()
			l.Start(r)
			go raw.drain()
			good := raw.frame([]byte("good"))
			bad := good
			if tc.bad != nil {
				bad = tc.bad(raw)
			}
			raw.conn.Write(good)
			raw.conn.Write(append(bad, raw.frame([]byte("after"))...))
			if got := r.next(t); string(got) != "good" {
				t.Errorf("first frame %q", got)
			}
			err := r.wait(t)
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "link: ") {
				t.Errorf("LinkClosed %v, want %v", err, tc.want)
			}
			if len(r.frames) != 0 {
				t.Errorf("%d frames delivered after the bad one", len(r.frames))
			}
			if !errors.Is(l.Err(), tc.want) {
				t.Errorf("Err %v", l.Err())
			}
		})
	}
}

// fakeClock is a link clock (Config.clock) that moves only when the test
// advances it, so that the keepalive and timeout tests decide nothing by
// how fast a loaded machine runs the link's goroutines: between two steps
// the test waits (in real time, generously) for the links to catch up.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	start  time.Time
	timers []*fakeTimer
}

func newFakeClock() *fakeClock {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &fakeClock{now: t0, start: t0}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// elapsed is how far the test advanced the clock.
func (c *fakeClock) elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now.Sub(c.start)
}

func (c *fakeClock) NewTimer(d time.Duration) clockTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1), when: c.now.Add(d), armed: true}
	c.timers = append(c.timers, t)
	return t
}

// advance moves the clock by d and fires the timers that are due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.armed && !t.when.After(c.now) {
			t.armed = false
			select {
			case t.ch <- c.now:
			default:
			}
		}
	}
}

// armed counts the timers that wait to fire: a link's timer loop re-arms
// its timer once it has handled the last tick.
func (c *fakeClock) armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.armed {
			n++
		}
	}
	return n
}

type fakeTimer struct {
	c     *fakeClock
	ch    chan time.Time
	when  time.Time // guarded by c.mu, as armed
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.when, t.armed = t.c.now.Add(d), true
	return was
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = false
	return was
}

// waitUntil polls cond until it holds, failing t after 10 s of real time
// (the links' goroutines only need to be scheduled; nothing else waits).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
	}
}

// isDone reports whether l has stopped.
func isDone(l *Link) bool {
	select {
	case <-l.Done():
		return true
	default:
		return false
	}
}

func TestSilentPeerIsLost(t *testing.T) {
	leakCheck(t)
	fc := newFakeClock()
	cfg := Config{KeepaliveInterval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond, clock: fc}
	l, raw := linkAgainstRaw(t, cfg)
	defer raw.conn.Close()
	go raw.drain() // reads keepalives, never sends
	r := newRecorder()
	l.Start(r)
	// Step the clock by KeepaliveInterval, each time once the link's
	// timer loop has handled the tick (re-armed its timer) or the link
	// is lost.
	waitUntil(t, "the link's timer is not armed", func() bool { return fc.armed() == 1 })
	for !isDone(l) {
		if fc.elapsed() > 2*cfg.Timeout {
			t.Fatalf("still up after %v of silence with Timeout %v", fc.elapsed(), cfg.Timeout)
		}
		fc.advance(cfg.KeepaliveInterval)
		waitUntil(t, "the link's timer loop did not handle the tick", func() bool { return fc.armed() == 1 || isDone(l) })
	}
	err := r.wait(t)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("LinkClosed %v, want ErrTimeout", err)
	}
	if d := fc.elapsed(); d != cfg.Timeout {
		t.Errorf("lost after %v of silence, want Timeout %v", d, cfg.Timeout)
	}
	t.Log(err)
}

func TestKeepalivesKeepIdleLinkAlive(t *testing.T) {
	leakCheck(t)
	fc := newFakeClock()
	cfg := Config{KeepaliveInterval: 25 * time.Millisecond, Timeout: 250 * time.Millisecond, clock: fc}
	a, b, ra, rb := pair(t, cfg)
	// Idle for 3 Timeouts, in steps of KeepaliveInterval. After each step
	// the test waits until both timer loops handled the tick and each
	// side heard from the other at most one interval ago: a keepalive can
	// be one tick late (the writer may note its flush after the clock
	// moved on), never two, so a working link never comes near Timeout,
	// while a link that sent no keepalives stalls here or is lost.
	waitUntil(t, "the links' timers are not armed", func() bool { return fc.armed() == 2 })
	heard := func(l *Link) bool { return l.now()-l.lastRecv.Load() <= int64(cfg.KeepaliveInterval) }
	for fc.elapsed() < 3*cfg.Timeout {
		fc.advance(cfg.KeepaliveInterval)
		waitUntil(t, fmt.Sprintf("%v idle: no keepalive went both ways", fc.elapsed()), func() bool {
			return fc.armed() == 2 && heard(a) && heard(b) || isDone(a) || isDone(b)
		})
		select {
		case <-a.Done():
			t.Fatalf("a lost after %v idle: %v", fc.elapsed(), a.Err())
		case <-b.Done():
			t.Fatalf("b lost after %v idle: %v", fc.elapsed(), b.Err())
		default:
		}
	}
	if err := a.Send([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	if got := rb.next(t); string(got) != "still here" {
		t.Errorf("got %q", got)
	}
	if len(ra.frames) != 0 {
		t.Error("a keepalive was delivered as a frame")
	}
}

// slowHandler blocks in HandleFrame until released.
type slowHandler struct {
	*recorder
	in      chan struct{}
	release chan struct{}
}

func (h *slowHandler) HandleFrame(l *Link, frame []byte) error {
	h.in <- struct{}{}
	<-h.release
	return h.recorder.HandleFrame(l, frame)
}

func TestSlowHandlerIsNotPeerSilence(t *testing.T) {
	leakCheck(t)
	fc := newFakeClock()
	cfg := Config{KeepaliveInterval: 25 * time.Millisecond, Timeout: 250 * time.Millisecond, clock: fc}
	l, raw := linkAgainstRaw(t, cfg)
	defer raw.conn.Close()
	go raw.drain()
	h := &slowHandler{newRecorder(), make(chan struct{}, 1), make(chan struct{})}
	l.Start(h)
	raw.conn.Write(raw.frame([]byte("slow")))
	<-h.in
	// step advances the clock by KeepaliveInterval and waits until the
	// link's timer loop has handled the tick, or the link is lost.
	step := func() {
		fc.advance(cfg.KeepaliveInterval)
		waitUntil(t, "the link's timer loop did not handle the tick", func() bool { return fc.armed() == 1 || isDone(l) })
	}
	waitUntil(t, "the link's timer is not armed", func() bool { return fc.armed() == 1 })
	for fc.elapsed() < 3*cfg.Timeout {
		step()
		if l.Err() != nil {
			t.Fatalf("lost after %v while the handler was busy: %v", fc.elapsed(), l.Err())
		}
	}
	close(h.release)
	if got := h.next(t); string(got) != "slow" {
		t.Errorf("got %q", got)
	}
	// The raw peer sends no keepalives: now the link is lost, Timeout
	// after the handler returned (the reader notes that time, then clears
	// handling).
	waitUntil(t, "the reader did not note the handler's return", func() bool { return !l.handling.Load() })
	returned := fc.elapsed()
	for !isDone(l) && fc.elapsed()-returned <= 2*cfg.Timeout {
		step()
	}
	if err := h.wait(t); !errors.Is(err, ErrTimeout) {
		t.Errorf("LinkClosed %v, want ErrTimeout", err)
	}
	if d := fc.elapsed() - returned; d != cfg.Timeout {
		t.Errorf("lost %v after the handler returned, want Timeout %v", d, cfg.Timeout)
	}
}

func TestSendErrors(t *testing.T) {
	leakCheck(t)
	a, _, ra, _ := pair(t, Config{})
	if err := a.Send(nil); !errors.Is(err, ErrEmptyFrame) {
		t.Errorf("empty: %v", err)
	}
	if err := a.Send(make([]byte, MaxFrame+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("MaxFrame+1: %v", err)
	}
	if err := a.Send(make([]byte, MaxFrame)); err != nil {
		t.Errorf("MaxFrame: %v", err)
	}
	a.Close()
	a.Close() // idempotent
	if err := ra.wait(t); err != nil {
		t.Errorf("LinkClosed %v", err)
	}
	if err := a.Send([]byte("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if err := a.SendWait(context.Background(), []byte("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("SendWait after Close: %v", err)
	}
}

func TestQueueFull(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	ini, res := sides(Config{SendQueueBytes: MaxFrame + 10})
	a, b := handshakePair(c1, c2, ini, res)
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	// Not started: nothing drains the queue.
	if err := a.l.Send(make([]byte, MaxFrame)); err != nil {
		t.Fatal(err)
	}
	if err := a.l.Send(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := a.l.Send([]byte{1}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("over SendQueueBytes: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if err := a.l.SendWait(ctx, []byte{1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendWait on a full queue: %v", err)
	}
	cancel()
	// A SendWait waiting for space goes through once the writer drains.
	waited := make(chan error)
	go func() { waited <- a.l.SendWait(context.Background(), []byte("waited")) }()
	ra, rb := newRecorder(), newRecorder()
	b.l.Start(rb)
	a.l.Start(ra)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{MaxFrame, 10, 6} {
		if got := rb.next(t); len(got) != n {
			t.Errorf("frame of %d bytes, want %d", len(got), n)
		}
	}
	a.l.Close()
	b.l.Close()
}

func TestCloseConcurrentWithSend(t *testing.T) {
	leakCheck(t)
	a, b, ra, rb := pair(t, Config{SendQueueBytes: 1 << 20})
	rb.drop = true
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := bytes.Repeat([]byte{byte(i)}, 1000)
			for {
				err := a.Send(f)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil && !errors.Is(err, ErrQueueFull) {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	var cw sync.WaitGroup
	for range 3 {
		cw.Add(1)
		go func() { defer cw.Done(); a.Close() }()
	}
	cw.Wait()
	wg.Wait()
	if err := ra.wait(t); err != nil {
		t.Errorf("LinkClosed %v", err)
	}
	<-b.Done()
}

func TestHandlerErrorClosesLink(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	ini, res := sides(Config{})
	a, b := handshakePair(c1, c2, ini, res)
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	bad := errors.New("malformed message")
	ra, rb := newRecorder(), newRecorder()
	rb.fail = func(f []byte) error {
		if string(f) == "bad" {
			return bad
		}
		return nil
	}
	a.l.Start(ra)
	b.l.Start(rb)
	a.l.Send([]byte("ok"))
	a.l.Send([]byte("bad"))
	a.l.Send([]byte("never"))
	if err := rb.wait(t); err != bad {
		t.Errorf("b: LinkClosed %v, want the handler's error itself", err)
	}
	if err := ra.wait(t); err == nil {
		t.Error("a: LinkClosed nil after b dropped the link")
	}
	if len(rb.frames) != 2 {
		t.Errorf("%d frames delivered, want 2", len(rb.frames))
	}
}

// closer calls Close from LinkClosed.
type closer struct{ *recorder }

func (c closer) LinkClosed(l *Link, err error) {
	l.Close()
	c.recorder.LinkClosed(l, err)
}

func TestCloseFromLinkClosed(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	ini, res := sides(Config{})
	x, y := handshakePair(c1, c2, ini, res)
	if x.err != nil || y.err != nil {
		t.Fatal(x.err, y.err)
	}
	rx, ry := closer{newRecorder()}, newRecorder()
	x.l.Start(rx)
	y.l.Start(ry)
	y.l.Close()
	if err := rx.wait(t); err == nil {
		t.Error("x: nil after the peer closed")
	}
	<-x.l.Done()
}

func TestStartAfterClose(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	ini, res := sides(Config{})
	a, b := handshakePair(c1, c2, ini, res)
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	a.l.Send([]byte("dropped"))
	a.l.Close()
	<-a.l.Done()
	r := newRecorder()
	a.l.Start(r)
	if err := r.wait(t); err != nil {
		t.Errorf("LinkClosed %v", err)
	}
	rb := newRecorder()
	b.l.Start(rb)
	if err := rb.wait(t); !errors.Is(err, io.EOF) {
		t.Errorf("b: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("second Start did not panic")
		}
	}()
	a.l.Start(r)
}
