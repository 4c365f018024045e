package link

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Errors. Every error a link reports starts with "link:"; the fatal ones
// wrap one of these where it applies.
var (
	// ErrClosed: Send on a link that is closing or closed.
	ErrClosed = errors.New("link: closed")
	// ErrQueueFull: the frame would take the queued bytes past
	// Config.SendQueueBytes.
	ErrQueueFull = errors.New("link: send queue full")
	// ErrFrameTooLarge: a frame over MaxFrame bytes.
	ErrFrameTooLarge = errors.New("link: frame too large")
	// ErrEmptyFrame: Send of an empty frame (on the wire an empty plaintext
	// is a keepalive, never delivered).
	ErrEmptyFrame = errors.New("link: empty frame")
	// ErrPayloadTooLarge: a handshake payload over MaxPayload bytes.
	ErrPayloadTooLarge = errors.New("link: handshake payload too large")
	// ErrMalformed: a message of length 0, a handshake message of the wrong
	// size, or a transport message shorter than its tag. Fatal.
	ErrMalformed = errors.New("link: malformed message")
	// ErrAuth: a message failed to authenticate (corrupted, forged, or from
	// a peer with another prologue). Fatal.
	ErrAuth = errors.New("link: message failed to authenticate")
	// ErrRejected: Verify rejected the peer; the Verify error is wrapped too.
	ErrRejected = errors.New("link: peer rejected")
	// ErrTimeout: nothing arrived for Config.Timeout. Fatal.
	ErrTimeout = errors.New("link: timeout")
	// ErrSlowInitiator: a responder's Handshake gave up on an initiator
	// whose message 1 or 3 did not arrive within
	// Config.FirstMessageTimeout (an idle or slow connection).
	ErrSlowInitiator = errors.New("link: the initiator's handshake message did not arrive in time")

	errNonceExhausted = errors.New("link: 2^64-1 messages sent or received on one link")
)

// Buffer sizes. The reader's bufio buffer is small so that large messages
// are read straight into the link's message buffer; the writer's holds a
// few small frames or one 32 KiB frame between flushes.
const (
	readBufSize  = 16 << 10
	writeBufSize = 64 << 10
)

// Handler receives what a link delivers.
type Handler interface {
	// HandleFrame gets each frame, in order, on the link's read goroutine.
	// frame is valid only during the call. An error closes the link (a
	// malformed message) with that error. It must not call Close (Close
	// waits for the goroutine it runs on); return an error instead.
	HandleFrame(l *Link, frame []byte) error
	// LinkClosed is called once, after the link's goroutines stopped, with
	// why (nil after a local Close).
	LinkClosed(l *Link, err error)
}

// Link is an established, authenticated link. Make one with Handshake, then
// call Start. Send, Close, Done, Err and the getters are safe for
// concurrent use.
type Link struct {
	rwc           io.ReadWriteCloser
	cfg           Config
	remoteStatic  [32]byte
	remotePayload []byte
	clock         clock     // cfg's clock: the wall clock but in tests
	epoch         time.Time // lastRecv and lastSent count nanoseconds from it (monotonic)

	// Owned by the reader goroutine after Start.
	br   *bufio.Reader
	recv *transport
	hdr  [lengthSize]byte
	// Owned by the writer goroutine after Start.
	bw   *bufio.Writer
	send *transport

	lastRecv atomic.Int64 // when a message last arrived (or HandleFrame returned)
	lastSent atomic.Int64 // when the writer last wrote
	handling atomic.Bool  // the reader is inside HandleFrame
	running  atomic.Int32 // goroutines started by Start not yet stopped
	closing  atomic.Bool  // set under mu together with err; read without mu on fast paths

	handler      Handler       // set by Start before the goroutines start
	wake         chan struct{} // capacity 1: tells the writer there is work
	stop         chan struct{} // closed when the link starts closing
	done         chan struct{} // closed when it stopped and LinkClosed returned
	inLinkClosed atomic.Bool   // LinkClosed is running (or ran): Close does not wait for done
	closeOnce    sync.Once     // closes rwc

	// mu guards the fields below it.
	mu        sync.Mutex
	started   bool          // Start was called
	err       error         // why the link closed; set once, with closing
	queue     []*[]byte     // frames to write, each from getBuf with its length prefix room
	queued    int           // plaintext bytes in queue and in the writer's batch
	keepalive bool          // the timer asks the writer for a keepalive
	space     chan struct{} // closed and replaced when queued bytes are written, if waitSpace > 0
	waitSpace int           // SendWait calls waiting for space
}

func newLink(rwc io.ReadWriteCloser, cfg Config, br *bufio.Reader, bw *bufio.Writer, send, recv *transport, remoteStatic [32]byte, payload []byte) *Link {
	clk := cfg.clockOrWall()
	return &Link{
		rwc:           rwc,
		cfg:           cfg,
		remoteStatic:  remoteStatic,
		remotePayload: payload,
		clock:         clk,
		epoch:         clk.Now(),
		br:            br,
		recv:          recv,
		bw:            bw,
		send:          send,
		wake:          make(chan struct{}, 1),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		space:         make(chan struct{}),
	}
}

// RemoteStatic returns the peer's static public key, as checked by Verify.
func (l *Link) RemoteStatic() [32]byte { return l.remoteStatic }

// RemotePayload returns the payload the peer sent in the handshake. The
// caller must not modify it.
func (l *Link) RemotePayload() []byte { return l.remotePayload }

// Done returns a channel closed when the link has stopped: its goroutines
// ended and LinkClosed returned (or, before Start, when Close was called).
func (l *Link) Done() <-chan struct{} { return l.done }

// Err returns why the link closed: nil while it is open and after a local
// Close, otherwise the first error (ErrTimeout, ErrAuth, a read or write
// error, a HandleFrame error).
func (l *Link) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Start starts the reader, writer and keepalive goroutines, which hand
// frames to h and stop when the link closes. On a link already closed it
// calls h.LinkClosed at once. Start panics when called twice.
func (l *Link) Start(h Handler) {
	if h == nil {
		panic("link: Start with a nil Handler")
	}
	l.mu.Lock()
	if l.started {
		l.mu.Unlock()
		panic("link: Start called twice")
	}
	l.started = true
	l.handler = h
	if l.closing.Load() {
		err := l.err
		l.mu.Unlock()
		h.LinkClosed(l, err)
		return
	}
	now := l.now()
	l.lastRecv.Store(now)
	l.lastSent.Store(now)
	l.running.Store(3)
	l.mu.Unlock()
	go l.readLoop()
	go l.writeLoop()
	go l.timerLoop()
}

// Send queues a copy of frame (1 to MaxFrame bytes) for the writer and
// returns at once. It fails with ErrClosed, ErrEmptyFrame,
// ErrFrameTooLarge, or ErrQueueFull when the queued bytes would exceed
// Config.SendQueueBytes.
func (l *Link) Send(frame []byte) error {
	return l.enqueue(frame)
}

// SendWait is Send, but waits while the queue is full, until ctx ends
// (returning ctx.Err()) or the link closes (ErrClosed).
func (l *Link) SendWait(ctx context.Context, frame []byte) error {
	for {
		err := l.enqueue(frame)
		if !errors.Is(err, ErrQueueFull) {
			return err
		}
		l.mu.Lock()
		if l.queued+len(frame) <= l.cfg.SendQueueBytes || l.closing.Load() {
			l.mu.Unlock()
			continue
		}
		space := l.space
		l.waitSpace++
		l.mu.Unlock()
		select {
		case <-space:
		case <-l.stop:
		case <-ctx.Done():
		}
		l.mu.Lock()
		l.waitSpace--
		l.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// enqueue is Send.
func (l *Link) enqueue(frame []byte) error {
	switch {
	case len(frame) == 0:
		return ErrEmptyFrame
	case len(frame) > MaxFrame:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrFrameTooLarge, len(frame), MaxFrame)
	case l.closing.Load():
		return ErrClosed
	}
	b := getBuf(len(frame))
	copy((*b)[lengthSize:], frame)
	l.mu.Lock()
	if l.closing.Load() {
		l.mu.Unlock()
		putBuf(b)
		return ErrClosed
	}
	if l.queued+len(frame) > l.cfg.SendQueueBytes {
		l.mu.Unlock()
		putBuf(b)
		return ErrQueueFull
	}
	l.queue = append(l.queue, b)
	l.queued += len(frame)
	l.mu.Unlock()
	l.poke()
	return nil
}

// poke wakes the writer.
func (l *Link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Close closes the link: it closes rwc, waits for every goroutine the link
// started, and LinkClosed gets nil (unless the link had already failed).
// Frames still queued are dropped.
// Close is idempotent and safe concurrently with Send; it must not be
// called from HandleFrame. Called from LinkClosed, or while LinkClosed
// runs, it returns without waiting for LinkClosed to return.
func (l *Link) Close() error {
	l.shutdown(nil)
	if !l.inLinkClosed.Load() {
		<-l.done
	}
	return nil
}

// shutdown starts closing the link for err (nil for a local Close), unless
// it is closing already: it records err, wakes every goroutine and closes
// rwc so that blocked reads and writes return.
func (l *Link) shutdown(err error) {
	l.mu.Lock()
	first := !l.closing.Load()
	if first {
		l.err = err
		l.closing.Store(true)
		close(l.stop)
		if !l.started {
			// No goroutines to wait for, nor a handler to tell.
			l.releaseQueue()
			close(l.done)
		}
	}
	l.mu.Unlock()
	l.closeOnce.Do(func() { l.rwc.Close() })
}

// releaseQueue returns queued buffers to the pool. l.mu is held.
func (l *Link) releaseQueue() {
	for i, b := range l.queue {
		putBuf(b)
		l.queue[i] = nil
	}
	l.queue = l.queue[:0]
	l.queued = 0
}

// exit is deferred by each goroutine Start starts; the last one out tells
// the handler and closes done.
func (l *Link) exit() {
	if l.running.Add(-1) != 0 {
		return
	}
	l.mu.Lock()
	err := l.err
	l.releaseQueue()
	l.mu.Unlock()
	l.inLinkClosed.Store(true)
	l.handler.LinkClosed(l, err)
	close(l.done)
}

// now is the monotonic time since the link was made, in nanoseconds, on
// the link's clock.
func (l *Link) now() int64 { return int64(l.clock.Now().Sub(l.epoch)) }

// readLoop reads, authenticates and delivers messages until the link
// closes.
func (l *Link) readLoop() {
	defer l.exit()
	buf := make([]byte, MaxMessage) // reused: messages are decrypted in place
	for {
		if _, err := io.ReadFull(l.br, l.hdr[:]); err != nil {
			l.shutdown(fmt.Errorf("link: read: %w", err))
			return
		}
		n := int(binary.BigEndian.Uint16(l.hdr[:]))
		if n < TagSize {
			l.shutdown(fmt.Errorf("%w: %d-byte transport message", ErrMalformed, n))
			return
		}
		msg := buf[:n]
		if _, err := io.ReadFull(l.br, msg); err != nil {
			l.shutdown(fmt.Errorf("link: read: %w", err))
			return
		}
		frame, err := l.recv.open(msg)
		if err != nil {
			l.shutdown(err)
			return
		}
		l.lastRecv.Store(l.now())
		if len(frame) == 0 {
			continue // keepalive
		}
		if l.closing.Load() {
			return // buffered messages are not delivered after Close
		}
		l.handling.Store(true)
		err = l.handler.HandleFrame(l, frame)
		l.lastRecv.Store(l.now())
		l.handling.Store(false)
		if err != nil {
			l.shutdown(err)
			return
		}
		if l.closing.Load() {
			return
		}
	}
}

// writeLoop encrypts queued frames in place and writes them through bw,
// flushing when the queue is empty, until the link closes.
func (l *Link) writeLoop() {
	defer l.exit()
	var batch []*[]byte
	var ka [overhead]byte // a keepalive: length, then the tag of nothing
	for {
		l.mu.Lock()
		batch, l.queue = l.queue, batch[:0]
		keepalive := l.keepalive
		l.keepalive = false
		l.mu.Unlock()

		if len(batch) == 0 && !keepalive {
			if l.bw.Buffered() > 0 {
				if err := l.bw.Flush(); err != nil {
					l.shutdown(fmt.Errorf("link: write: %w", err))
					return
				}
				l.lastSent.Store(l.now())
			}
			select {
			case <-l.wake:
				continue
			case <-l.stop:
				return
			}
		}
		if l.closing.Load() {
			for i, b := range batch {
				putBuf(b)
				batch[i] = nil
			}
			return
		}

		sent := 0
		var err error
		for i, b := range batch {
			batch[i] = nil
			if err == nil {
				err = l.writeFrame(*b)
				sent += len(*b) - lengthSize
			}
			putBuf(b)
		}
		if err == nil && keepalive && len(batch) == 0 {
			var msg []byte
			if msg, err = l.send.seal(ka[lengthSize:lengthSize]); err == nil {
				binary.BigEndian.PutUint16(ka[:], uint16(len(msg)))
				_, err = l.bw.Write(ka[:])
			}
		}
		if err != nil {
			l.shutdown(fmt.Errorf("link: write: %w", err))
			return
		}
		l.lastSent.Store(l.now())
		l.mu.Lock()
		l.queued -= sent
		if l.waitSpace > 0 {
			close(l.space)
			l.space = make(chan struct{})
		}
		l.mu.Unlock()
	}
}

// writeFrame encrypts b (length prefix room, then the frame) in place and
// writes it.
func (l *Link) writeFrame(b []byte) error {
	msg, err := l.send.seal(b[lengthSize:])
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(b, uint16(len(msg)))
	_, err = l.bw.Write(b[:lengthSize+len(msg)])
	return err
}

// timerLoop asks for keepalives when the writer was idle for
// KeepaliveInterval and closes the link when nothing arrived for Timeout.
func (l *Link) timerLoop() {
	defer l.exit()
	ka, timeout := int64(l.cfg.KeepaliveInterval), int64(l.cfg.Timeout)
	t := l.clock.NewTimer(l.cfg.KeepaliveInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C():
		}
		now := l.now()
		silent := now - l.lastRecv.Load()
		if l.handling.Load() {
			silent = 0 // the local handler is slow, not the peer
		}
		if silent >= timeout {
			l.shutdown(fmt.Errorf("%w: nothing received for %v", ErrTimeout, time.Duration(silent).Round(time.Millisecond)))
			return
		}
		next := timeout - silent
		idle := now - l.lastSent.Load()
		if idle >= ka {
			l.mu.Lock()
			l.keepalive = true
			l.mu.Unlock()
			l.poke()
			idle = 0
		}
		next = min(next, ka-idle)
		t.Reset(time.Duration(next))
	}
}
