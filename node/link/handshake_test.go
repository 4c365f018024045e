package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStaticKeyFromPrivateRFC7748(t *testing.T) {
	// RFC 7748 section 6.1, Alice.
	var priv [32]byte
	hex.Decode(priv[:], []byte("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
	k, err := StaticKeyFromPrivate(priv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(k.Public[:]), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"; got != want {
		t.Errorf("public %s, want %s", got, want)
	}
	if _, err := GenerateStaticKey(strings.NewReader("short")); err == nil || !strings.HasPrefix(err.Error(), "link: ") {
		t.Errorf("GenerateStaticKey from 5 bytes: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
	c := Config{}.withDefaults()
	if c.KeepaliveInterval != 2*time.Second || c.Timeout != 10*time.Second || c.HandshakeTimeout != 10*time.Second || c.SendQueueBytes != 8<<20 ||
		c.FirstMessageTimeout != 3*time.Second {
		t.Errorf("defaults %+v", c)
	}
	for _, c := range []Config{
		{KeepaliveInterval: -1},
		{HandshakeTimeout: -1},
		{FirstMessageTimeout: -1},
		{KeepaliveInterval: time.Second, Timeout: time.Second},
		{Timeout: time.Second}, // below the default keepalive interval
		{SendQueueBytes: MaxFrame - 1},
	} {
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "link: config: ") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// recordConn records what is written through it.
type recordConn struct {
	net.Conn
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// messages splits recorded bytes into message lengths.
func (c *recordConn) messages() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n []int
	for b := c.buf.Bytes(); len(b) >= 2; {
		m := int(binary.BigEndian.Uint16(b))
		n = append(n, m)
		b = b[min(len(b), 2+m):]
	}
	return n
}

func TestHandshakeMessageSizes(t *testing.T) {
	for _, p := range []struct{ ini, res int }{{0, 0}, {100, 300}, {MaxPayload, MaxPayload}} {
		leakCheck(t)
		c1, c2 := net.Pipe()
		r1, r2 := &recordConn{Conn: c1}, &recordConn{Conn: c2}
		ini, res := sides(Config{})
		ini.payload, res.payload = bytes.Repeat([]byte{'i'}, p.ini), bytes.Repeat([]byte{'r'}, p.res)
		ini.verify, res.verify = expectKey(res.key.Public, res.payload), expectKey(ini.key.Public, ini.payload)
		a, b := handshakePair(r1, r2, ini, res)
		if a.err != nil || b.err != nil {
			t.Fatalf("payloads %v: %v, %v", p, a.err, b.err)
		}
		if got, want := r1.messages(), []int{Msg1Size, Msg3Overhead + p.ini}; !equalInts(got, want) {
			t.Errorf("payloads %v: initiator sent %v, want %v", p, got, want)
		}
		if got, want := r2.messages(), []int{Msg2Overhead + p.res, ConfirmSize}; !equalInts(got, want) {
			t.Errorf("payloads %v: responder sent %v, want %v", p, got, want)
		}
		if a.l.RemoteStatic() != res.key.Public || !bytes.Equal(a.l.RemotePayload(), res.payload) ||
			b.l.RemoteStatic() != ini.key.Public || !bytes.Equal(b.l.RemotePayload(), ini.payload) {
			t.Errorf("payloads %v: wrong remote static or payload", p)
		}
		a.l.Close()
		b.l.Close()
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHandshakePayloadTooLarge(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	defer c2.Close()
	k := testKey(t, 1)
	_, err := Handshake(context.Background(), c1, true, k, make([]byte, MaxPayload+1), acceptAll, Config{})
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("err %v, want ErrPayloadTooLarge", err)
	}
	if _, err := c1.Write([]byte{1}); err == nil {
		t.Error("rwc not closed after a failed handshake")
	}
}

func TestVerifyRejects(t *testing.T) {
	for _, rejecter := range []string{"initiator", "responder"} {
		t.Run(rejecter, func(t *testing.T) {
			leakCheck(t)
			ini, res := sides(Config{})
			no := errors.New("not my friend")
			reject := func([32]byte, []byte) error { return no }
			if rejecter == "initiator" {
				ini.verify = reject
			} else {
				res.verify = reject
			}
			c1, c2 := net.Pipe()
			a, b := handshakePair(c1, c2, ini, res)
			if a.l != nil || b.l != nil || a.err == nil || b.err == nil {
				t.Fatalf("initiator %v %v, responder %v %v: want both to fail", a.l, a.err, b.l, b.err)
			}
			rej, other := a.err, b.err
			if rejecter == "responder" {
				rej, other = b.err, a.err
			}
			if !errors.Is(rej, ErrRejected) || !errors.Is(rej, no) {
				t.Errorf("rejecting side: %v, want ErrRejected wrapping the Verify error", rej)
			}
			if !errors.Is(other, io.EOF) || !strings.HasPrefix(other.Error(), "link: handshake") {
				t.Errorf("rejected side: %v, want a link: handshake error wrapping EOF", other)
			}
			t.Logf("rejecter: %v; rejected: %v", rej, other)
		})
	}
}

func TestWrongPrologue(t *testing.T) {
	leakCheck(t)
	ini, res := sides(Config{})
	c1, c2 := net.Pipe()
	var resErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, resErr = handshake(context.Background(), c2, false, res.key, res.payload, acceptAll, res.cfg, []byte("hams/v2/link"))
	}()
	_, err := Handshake(context.Background(), c1, true, ini.key, ini.payload, acceptAll, ini.cfg)
	<-done
	if !errors.Is(err, ErrAuth) {
		t.Errorf("initiator: %v, want ErrAuth", err)
	}
	// The initiator closed the stream on message 2 instead of sending
	// message 3.
	if !errors.Is(resErr, io.EOF) || !strings.HasPrefix(resErr.Error(), "link: handshake: message 3") {
		t.Errorf("responder with another prologue: %v, want EOF at message 3", resErr)
	}
}

// lowOrderPoints are X25519 public keys of low order: the points of order
// 1, 2, 4 and 8 and non-canonical encodings of them (u+p), little-endian.
var lowOrderPoints = []struct{ name, hex string }{
	{"u=0", "0000000000000000000000000000000000000000000000000000000000000000"},
	{"u=1", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"order 8", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"},
	{"u=p-1", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"u=p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"u=p+1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
}

// lowOrderKey decodes a lowOrderPoints entry.
func lowOrderKey(t testing.TB, h string) [32]byte {
	t.Helper()
	var k [32]byte
	if n, err := hex.Decode(k[:], []byte(h)); err != nil || n != 32 {
		t.Fatalf("bad test key %s: %v", h, err)
	}
	return k
}

// TestGarbageHandshake: a responder fails on a bad message 1 by itself,
// with the error for what was wrong; the initiator only closes its end
// when it said so (closeAfter), so a responder that took a bad message for
// a good one would wait for message 3 and fail with ErrSlowInitiator.
func TestGarbageHandshake(t *testing.T) {
	k := testKey(t, 2)
	type testCase struct {
		name       string
		send       []byte
		closeAfter bool // the initiator closes its end after sending
		want       error
	}
	tests := []testCase{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, ErrMalformed},
		{"zero length", []byte{0, 0}, false, ErrMalformed},
		{"msg1 too long", append([]byte{0, 33}, make([]byte, 33)...), false, ErrMalformed},
		{"msg1 too short", append([]byte{0, 31}, make([]byte, 31)...), false, ErrMalformed},
		{"truncated", []byte{0, 32, 1, 2, 3}, true, io.ErrUnexpectedEOF},
	}
	for _, p := range lowOrderPoints {
		pub := lowOrderKey(t, p.hex)
		tests = append(tests, testCase{"low-order ephemeral " + p.name, append([]byte{0, 32}, pub[:]...), false, ErrLowOrderKey})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			c1, c2 := net.Pipe()
			done := make(chan struct{})
			go func() {
				defer close(done)
				c1.Write(tc.send)
				if !tc.closeAfter {
					io.Copy(io.Discard, c1) // take message 2, if any, until the responder closes
				}
				c1.Close()
			}()
			_, err := Handshake(context.Background(), c2, false, k, nil, acceptAll, Config{Rand: seeded(3)})
			<-done
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "link: ") {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if _, werr := c2.Write([]byte{1}); werr == nil {
				t.Error("rwc not closed after a failed handshake")
			}
		})
	}
}

// TestLowOrderKeys: each side refuses a peer whose ephemeral or static key
// is of low order, with ErrLowOrderKey, at the message that carries it.
func TestLowOrderKeys(t *testing.T) {
	ini, res := sides(Config{})
	ini.verify, res.verify = acceptAll, acceptAll
	for _, p := range lowOrderPoints {
		bad := lowOrderKey(t, p.hex)
		t.Run("responder's ephemeral "+p.name, func(t *testing.T) {
			// A raw responder sends message 2 of the right size whose
			// ephemeral key is bad; the rest is never looked at.
			leakCheck(t)
			c1, c2 := net.Pipe()
			done := make(chan struct{})
			go func() {
				defer close(done)
				r := &rawPeer{conn: c2, br: bufioReader(c2)}
				if _, err := r.read(); err != nil {
					t.Errorf("raw responder: message 1: %v", err)
				}
				r.write(append(bad[:], make([]byte, Msg2Overhead+len(res.payload)-len(bad))...))
				r.drain()
				c2.Close()
			}()
			_, err := Handshake(context.Background(), c1, true, ini.key, ini.payload, ini.verify, Config{Rand: seeded(21)})
			<-done
			if !errors.Is(err, ErrLowOrderKey) || !strings.Contains(err.Error(), "message 2") {
				t.Errorf("initiator: %v, want ErrLowOrderKey at message 2", err)
			}
		})
		t.Run("responder's static "+p.name, func(t *testing.T) {
			lowOrderStatic(t, res, ini, false, bad, 22, "message 2")
		})
		t.Run("initiator's static "+p.name, func(t *testing.T) {
			lowOrderStatic(t, ini, res, true, bad, 24, "message 3")
		})
	}
	// A good key is not taken for a bad one.
	if lowOrder(ini.key.Public[:]) || lowOrder(res.key.Public[:]) {
		t.Error("lowOrder reports a generated key as low-order")
	}
}

// lowOrderStatic runs a raw handshake side announcing bad, a low-order key,
// as raw's static key (the initiator when rawInitiates) against other, and
// checks that other refuses it with ErrLowOrderKey at the message that
// carries it (want) and that the raw side does not link.
func lowOrderStatic(t *testing.T, raw, other side, rawInitiates bool, bad [32]byte, seed uint64, want string) {
	leakCheck(t)
	rc, cc := net.Pipe()
	var rawErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, rawErr = rawHandshake(rc, rawInitiates, StaticKey{Private: raw.key.Private, Public: bad}, raw.payload, seeded(seed), Prologue)
		rc.Close()
	}()
	_, err := Handshake(context.Background(), cc, !rawInitiates, other.key, other.payload, other.verify, Config{Rand: seeded(seed + 1)})
	<-done
	if !errors.Is(err, ErrLowOrderKey) || !strings.Contains(err.Error(), want) {
		t.Errorf("the real side: %v, want ErrLowOrderKey at %s", err, want)
	}
	if rawErr == nil {
		t.Error("the raw side linked")
	}
}

func TestGarbageMessage3(t *testing.T) {
	leakCheck(t)
	ini, res := sides(Config{})
	c1, c2 := net.Pipe()
	go func() {
		// A raw initiator that sends message 3 of the right size, but
		// garbled.
		p := &rawPeer{conn: c1}
		p.br = bufioReader(c1)
		msg1 := make([]byte, 32)
		seeded(9).Read(msg1)
		msg1[31] &= 0x7f
		p.write(msg1)
		p.read()
		p.write(make([]byte, Msg3Overhead+len(ini.payload)))
		p.drain()
	}()
	_, err := Handshake(context.Background(), c2, false, res.key, res.payload, acceptAll, res.cfg)
	c1.Close()
	if !errors.Is(err, ErrAuth) {
		t.Errorf("err %v, want ErrAuth", err)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	for _, initiator := range []bool{true, false} {
		leakCheck(t)
		c1, c2 := net.Pipe() // nobody reads or writes c2
		start := time.Now()
		_, err := Handshake(context.Background(), c1, initiator, testKey(t, 1), nil, acceptAll, Config{HandshakeTimeout: 50 * time.Millisecond, Rand: seeded(1)})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "link: handshake timed out") {
			t.Errorf("initiator %v: err %v, want a handshake timeout", initiator, err)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Errorf("initiator %v: returned before the timeout", initiator)
		}
		if _, err := c2.Write([]byte{1}); err == nil {
			t.Error("rwc not closed after the timeout")
		}
	}
}

// TestSlowInitiator: a responder closes a stream whose initiator does not
// send message 1, or message 3, within FirstMessageTimeout, long before
// HandshakeTimeout: an idle connection, one that sends a byte at a time,
// and one that stops after message 1.
func TestSlowInitiator(t *testing.T) {
	const first = 30 * time.Millisecond
	ini, res := sides(Config{HandshakeTimeout: time.Hour, FirstMessageTimeout: first})
	tests := []struct {
		name string
		msg  int // the message the responder gives up on
		send func(c net.Conn)
	}{
		{"idle", 1, func(c net.Conn) {}},
		{"a byte at a time", 1, func(c net.Conn) {
			// Well-formed message 1, one byte per 5 ms, until the
			// responder closes the stream (34 bytes would take 170 ms).
			msg := append([]byte{0, Msg1Size}, make([]byte, Msg1Size)...)
			for _, b := range msg[:Msg1Size/2] {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}},
		{"silent after message 1", 3, func(c net.Conn) {
			p := &rawPeer{conn: c, br: bufioReader(c)}
			msg1 := make([]byte, Msg1Size)
			seeded(9).Read(msg1)
			msg1[31] &= 0x7f
			p.write(msg1)
			p.read() // message 2; message 3 never comes
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			c1, c2 := net.Pipe()
			done := make(chan struct{})
			go func() {
				defer close(done)
				tc.send(c1)
				io.Copy(io.Discard, c1) // until the responder closes
			}()
			_, err := Handshake(context.Background(), c2, false, res.key, res.payload, acceptAll, res.cfg)
			<-done
			c1.Close()
			if !errors.Is(err, ErrSlowInitiator) || !strings.Contains(err.Error(), fmt.Sprintf("message %d", tc.msg)) {
				t.Errorf("err %v, want ErrSlowInitiator at message %d", err, tc.msg)
			}
		})
	}
	// An initiator in time links, and the initiator's side does not use
	// the deadline: a responder that takes longer than it to answer is
	// waited for.
	leakCheck(t)
	slow := res
	slow.verify = func(k [32]byte, p []byte) error {
		time.Sleep(3 * first) // the initiator waits for the confirmation meanwhile
		return res.verify(k, p)
	}
	c1, c2 := net.Pipe()
	r1, r2 := handshakePair(c1, c2, ini, slow)
	if r1.err != nil || r2.err != nil {
		t.Fatalf("initiator %v, responder %v", r1.err, r2.err)
	}
	r1.l.Close()
	r2.l.Close()
}

func TestHandshakeContextCancelled(t *testing.T) {
	leakCheck(t)
	c1, c2 := net.Pipe()
	defer c2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := Handshake(ctx, c1, true, testKey(t, 1), nil, acceptAll, Config{Rand: seeded(1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestHandshakeAgainstRawNoise(t *testing.T) {
	// The raw peer is flynn/noise with its own CipherStates: frames both
	// ways check that the link's transport is Noise's.
	leakCheck(t)
	l, raw := linkAgainstRaw(t, Config{})
	r := newRecorder()
	l.Start(r)
	ini, res := sides(Config{})
	if l.RemoteStatic() != ini.key.Public || string(raw.static) != string(res.key.Public[:]) {
		t.Fatal("wrong static keys")
	}
	raw.conn.Write(raw.frame([]byte("from raw")))
	if got := r.next(t); string(got) != "from raw" {
		t.Errorf("link got %q", got)
	}
	if err := l.Send([]byte("from link")); err != nil {
		t.Fatal(err)
	}
	msg, err := raw.read()
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := raw.recv.Decrypt(nil, nil, msg); err != nil || string(pt) != "from link" {
		t.Errorf("raw got %q, %v", pt, err)
	}
	l.Close()
	raw.conn.Close()
	if err := r.wait(t); err != nil {
		t.Errorf("LinkClosed after Close: %v", err)
	}
}
