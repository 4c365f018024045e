package link

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flynn/noise"
)

// seeded returns a deterministic random source for seed.
func seeded(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}

// testKey returns the static key for seed.
func testKey(t testing.TB, seed uint64) StaticKey {
	t.Helper()
	k, err := GenerateStaticKey(seeded(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// acceptAll is a Verify that accepts every peer.
func acceptAll([32]byte, []byte) error { return nil }

// expectKey is a Verify that accepts only want with payload p.
func expectKey(want [32]byte, p []byte) Verify {
	return func(remoteStatic [32]byte, payload []byte) error {
		if remoteStatic != want {
			return fmt.Errorf("static key %x, want %x", remoteStatic[:4], want[:4])
		}
		if !bytes.Equal(payload, p) {
			return fmt.Errorf("payload %q, want %q", payload, p)
		}
		return nil
	}
}

// recorder is a Handler that keeps copies of frames and the close error.
type recorder struct {
	frames chan []byte   // every frame, copied
	closed chan struct{} // closed by LinkClosed
	fail   func(frame []byte) error
	drop   bool // do not keep frames

	mu    sync.Mutex // guards err and calls
	err   error
	calls int
}

func newRecorder() *recorder {
	return &recorder{frames: make(chan []byte, 1<<12), closed: make(chan struct{})}
}

func (r *recorder) HandleFrame(l *Link, frame []byte) error {
	if !r.drop {
		r.frames <- bytes.Clone(frame)
	}
	if r.fail != nil {
		return r.fail(frame)
	}
	return nil
}

func (r *recorder) LinkClosed(l *Link, err error) {
	r.mu.Lock()
	r.err = err
	r.calls++
	calls := r.calls
	r.mu.Unlock()
	if calls == 1 {
		close(r.closed)
	}
}

// wait waits for LinkClosed and returns its error.
func (r *recorder) wait(t testing.TB) error {
	t.Helper()
	select {
	case <-r.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("LinkClosed not called within 10 s")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls != 1 {
		t.Errorf("LinkClosed called %d times", r.calls)
	}
	return r.err
}

// next returns the next frame delivered.
func (r *recorder) next(t testing.TB) []byte {
	t.Helper()
	select {
	case f := <-r.frames:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10 s")
		return nil
	}
}

// side describes one end of a handshake.
type side struct {
	key     StaticKey
	payload []byte
	verify  Verify
	cfg     Config
}

// result is what Handshake returned.
type result struct {
	l   *Link
	err error
}

// handshakePair runs Handshake on both ends of c1 (initiator) and c2.
func handshakePair(c1, c2 io.ReadWriteCloser, ini, res side) (result, result) {
	var r1, r2 result
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r2.l, r2.err = Handshake(context.Background(), c2, false, res.key, res.payload, res.verify, res.cfg)
	}()
	r1.l, r1.err = Handshake(context.Background(), c1, true, ini.key, ini.payload, ini.verify, ini.cfg)
	wg.Wait()
	return r1, r2
}

// sides returns an initiator and a responder that expect each other.
func sides(cfg Config) (side, side) {
	ki, _ := GenerateStaticKey(seeded(1))
	kr, _ := GenerateStaticKey(seeded(2))
	pi, pr := []byte("initiator noderef"), []byte("responder noderef")
	ci, cr := cfg, cfg
	ci.Rand, cr.Rand = seeded(11), seeded(12)
	return side{ki, pi, expectKey(kr.Public, pr), ci}, side{kr, pr, expectKey(ki.Public, pi), cr}
}

// pair returns two started links over net.Pipe: a initiated, b responded.
func pair(t testing.TB, cfg Config) (a, b *Link, ra, rb *recorder) {
	t.Helper()
	c1, c2 := net.Pipe()
	ini, res := sides(cfg)
	r1, r2 := handshakePair(c1, c2, ini, res)
	if r1.err != nil || r2.err != nil {
		t.Fatalf("handshake: initiator %v, responder %v", r1.err, r2.err)
	}
	ra, rb = newRecorder(), newRecorder()
	r1.l.Start(ra)
	r2.l.Start(rb)
	t.Cleanup(func() { r1.l.Close(); r2.l.Close() })
	return r1.l, r2.l, ra, rb
}

// leakCheck fails t if, at cleanup, goroutines running this package's code
// remain (polling up to 5 s for them to finish).
func leakCheck(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		var left []string
		for deadline := time.Now().Add(5 * time.Second); ; {
			left = linkGoroutines()
			if len(left) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Errorf("%d goroutines left behind:\n%s", len(left), strings.Join(left, "\n\n"))
		}
	})
}

// linkGoroutines returns the stacks of goroutines other than the caller's
// that run a Link method, the handshake watcher or a message watchdog.
func linkGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller
		}
		if strings.Contains(g, "node/link.(*Link).") || strings.Contains(g, "node/link.handshake.func") || strings.Contains(g, "node/link.(*watchdog).") {
			left = append(left, g)
		}
	}
	return left
}

// rawPeer speaks the wire format with flynn/noise directly, to send what a
// Link never would.
type rawPeer struct {
	conn       net.Conn
	br         *bufio.Reader
	send, recv *noise.CipherState
	static     []byte // the peer's static key
	payload    []byte // the peer's payload
}

// rawHandshake runs the handshake (with the confirmation) as the initiator
// or responder, with prologue.
func rawHandshake(conn net.Conn, initiator bool, key StaticKey, payload []byte, rnd io.Reader, prologue string) (*rawPeer, error) {
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite: suite, Random: rnd, Pattern: noise.HandshakeXX, Initiator: initiator,
		Prologue: []byte(prologue), StaticKeypair: noise.DHKey{Private: key.Private[:], Public: key.Public[:]},
	})
	if err != nil {
		return nil, err
	}
	p := &rawPeer{conn: conn, br: bufio.NewReader(conn)}
	write := func(payload []byte) (*noise.CipherState, *noise.CipherState, error) {
		msg, c1, c2, err := hs.WriteMessage(nil, payload)
		if err == nil {
			err = p.write(msg)
		}
		return c1, c2, err
	}
	read := func() ([]byte, *noise.CipherState, *noise.CipherState, error) {
		msg, err := p.read()
		if err != nil {
			return nil, nil, nil, err
		}
		return hs.ReadMessage(nil, msg)
	}
	if initiator {
		if _, _, err := write(nil); err != nil {
			return nil, err
		}
		if p.payload, _, _, err = read(); err != nil {
			return nil, err
		}
		if p.send, p.recv, err = write(payload); err != nil {
			return nil, err
		}
		msg, err := p.read()
		if err != nil {
			return nil, err
		}
		if pt, err := p.recv.Decrypt(nil, nil, msg); err != nil || len(pt) != 0 {
			return nil, fmt.Errorf("confirmation %x: %v", msg, err)
		}
	} else {
		if _, _, _, err := read(); err != nil {
			return nil, err
		}
		if _, _, err := write(payload); err != nil {
			return nil, err
		}
		if p.payload, p.recv, p.send, err = read(); err != nil {
			return nil, err
		}
		msg, _ := p.send.Encrypt(nil, nil, nil)
		if err := p.write(msg); err != nil {
			return nil, err
		}
	}
	p.static = hs.PeerStatic()
	return p, nil
}

// write sends msg with its length.
func (p *rawPeer) write(msg []byte) error {
	_, err := p.conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...))
	return err
}

// read receives one message.
func (p *rawPeer) read() ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(p.br, hdr[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(p.br, msg)
	return msg, err
}

// frame encrypts pt as the next transport message, with its length.
func (p *rawPeer) frame(pt []byte) []byte {
	msg, err := p.send.Encrypt(nil, nil, pt)
	if err != nil {
		panic(err)
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
}

// drain reads and discards what the peer sends until the connection fails.
func (p *rawPeer) drain() {
	io.Copy(io.Discard, p.br)
}

// linkAgainstRaw runs Handshake as responder against a raw initiator over
// net.Pipe, with the keys and seeds of sides.
func linkAgainstRaw(t testing.TB, cfg Config) (*Link, *rawPeer) {
	t.Helper()
	c1, c2 := net.Pipe()
	ini, res := sides(cfg)
	res.verify = acceptAll
	var raw *rawPeer
	var rawErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		raw, rawErr = rawHandshake(c1, true, ini.key, ini.payload, ini.cfg.Rand, Prologue)
	}()
	l, err := Handshake(context.Background(), c2, false, res.key, res.payload, res.verify, res.cfg)
	<-done
	if err != nil || rawErr != nil {
		t.Fatalf("handshake: link %v, raw %v", err, rawErr)
	}
	return l, raw
}

// isAny reports whether err is one of targets.
func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// bufioReader wraps r for rawPeer.
func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
