package link

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/flynn/noise"
	"golang.org/x/crypto/curve25519"
)

// ErrLowOrderKey: the peer sent an X25519 public key, ephemeral or static,
// of low order (a point whose product with every private key is the
// all-zero point), so that Diffie-Hellman with it gives no secret. The
// handshake fails with it at the first message that uses the key: a
// responder on message 1's ephemeral key, an initiator on message 2's keys,
// a responder on message 3's static key. Fatal.
var ErrLowOrderKey = errors.New("link: low-order public key")

// Prologue is mixed into every handshake: two sides with different
// prologues (another protocol, another version) fail to authenticate
// message 2.
const Prologue = "hams/v1/link"

// MaxPayload is the largest handshake payload (a noderef).
const MaxPayload = 4096

// Handshake message sizes for payloads of p bytes (Noise_XX with 25519 and
// ChaChaPoly), without the 2-byte length before each.
const (
	// Msg1Size: -> e. The initiator's ephemeral key, no payload.
	Msg1Size = 32
	// Msg2Overhead: <- e, ee, s, es. Ephemeral key, encrypted static key
	// (32+16), and the payload's tag: message 2 is Msg2Overhead+p bytes.
	Msg2Overhead = 32 + 32 + TagSize + TagSize
	// Msg3Overhead: -> s, se. Encrypted static key and the payload's tag:
	// message 3 is Msg3Overhead+p bytes.
	Msg3Overhead = 32 + TagSize + TagSize
	// ConfirmSize: the responder's first transport message, empty
	// plaintext, which tells the initiator it was accepted.
	ConfirmSize = TagSize
)

// suite is Noise_XX_25519_ChaChaPoly_BLAKE2s's cipher suite.
var suite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)

// Verify checks the peer during the handshake: its static key and the
// payload it sent (a signed noderef, checked by the caller; an initiator
// also checks that remoteStatic is the key of the noderef it dialled).
// payload must not be kept beyond the call except through
// Link.RemotePayload. Returning an error aborts the handshake.
type Verify func(remoteStatic [32]byte, payload []byte) error

// Handshake runs Noise_XX_25519_ChaChaPoly_BLAKE2s over rwc as initiator or
// responder, with the prologue Prologue. key authenticates this side;
// payload (at most MaxPayload bytes) travels encrypted in the handshake
// (responder: message 2, initiator: message 3). verify is called on the
// peer's static key and payload before the handshake completes; then the
// responder sends an empty transport message that the initiator waits for,
// so that both sides fail when either rejects the other.
//
// Handshake honours ctx and cfg.HandshakeTimeout, closing rwc when either
// expires so that a blocked Read or Write returns (rwc.Close must unblock
// them, as net.Conn's does). On failure it closes rwc. The Link it returns
// does nothing until Start; frames may be sent before it.
func Handshake(ctx context.Context, rwc io.ReadWriteCloser, initiator bool, key StaticKey, payload []byte, verify Verify, cfg Config) (*Link, error) {
	return handshake(ctx, rwc, initiator, key, payload, verify, cfg, []byte(Prologue))
}

// handshake is Handshake with the prologue as a parameter, for tests.
func handshake(ctx context.Context, rwc io.ReadWriteCloser, initiator bool, key StaticKey, payload []byte, verify Verify, cfg Config, prologue []byte) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		rwc.Close()
		return nil, err
	}
	cfg = cfg.withDefaults()
	if len(payload) > MaxPayload {
		rwc.Close()
		return nil, fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(payload))
	}
	if verify == nil {
		rwc.Close()
		return nil, errors.New("link: handshake: nil Verify")
	}

	hctx, cancel := context.WithTimeout(ctx, cfg.HandshakeTimeout)
	defer cancel()
	// expired is closed by the watcher after it closed rwc. The watcher is a
	// goroutine context.AfterFunc starts when hctx ends; stop() below
	// either prevents it or, when it already ran, <-expired waits for it.
	expired := make(chan struct{})
	stop := context.AfterFunc(hctx, func() {
		rwc.Close()
		close(expired)
	})

	l, err := runHandshake(rwc, initiator, key, payload, verify, cfg, prologue)
	if !stop() {
		<-expired
		if ctx.Err() != nil {
			return nil, fmt.Errorf("link: handshake: %w", ctx.Err())
		}
		return nil, fmt.Errorf("link: handshake timed out after %v: %w", cfg.HandshakeTimeout, context.DeadlineExceeded)
	}
	if err != nil {
		rwc.Close()
		return nil, err
	}
	return l, nil
}

// runHandshake exchanges the handshake messages and builds the Link.
//
// A responder allocates nothing for a stream until the initiator's
// message 1 has arrived: it reads the 34 bytes straight from rwc into a
// small array, and only then draws its ephemeral key and makes its
// buffers. An idle or slow connection thus costs it a goroutine and the
// stream, and no more than cfg.FirstMessageTimeout (wd).
func runHandshake(rwc io.ReadWriteCloser, initiator bool, key StaticKey, payload []byte, verify Verify, cfg Config, prologue []byte) (*Link, error) {
	wd := &watchdog{rwc: rwc, d: cfg.FirstMessageTimeout}
	var first [Msg1Size]byte
	if !initiator {
		wd.arm()
		_, err := readMessage(rwc, first[:], Msg1Size, Msg1Size)
		if !wd.disarm() {
			return nil, slowInitiator(1, cfg.FirstMessageTimeout)
		}
		if err != nil {
			return nil, fmt.Errorf("link: handshake: message 1: %w", err)
		}
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   suite,
		Random:        cfg.Rand,
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		Prologue:      prologue,
		StaticKeypair: noise.DHKey{Private: key.Private[:], Public: key.Public[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("link: handshake: %w", err)
	}
	br := bufio.NewReaderSize(rwc, readBufSize)
	bw := bufio.NewWriterSize(rwc, writeBufSize)
	buf := make([]byte, lengthSize+Msg2Overhead+MaxPayload)

	// write sends one handshake message built by hs.WriteMessage.
	write := func(n int, payload []byte) (*noise.CipherState, *noise.CipherState, error) {
		msg, cs1, cs2, err := hs.WriteMessage(buf[lengthSize:lengthSize], payload)
		if err != nil {
			if lowOrderPeer(hs) {
				return nil, nil, fmt.Errorf("link: handshake: message %d: %w: %v", n, ErrLowOrderKey, err)
			}
			return nil, nil, fmt.Errorf("link: handshake: message %d: %w", n, err)
		}
		binary.BigEndian.PutUint16(buf, uint16(len(msg)))
		if _, err := bw.Write(buf[:lengthSize+len(msg)]); err != nil {
			return nil, nil, fmt.Errorf("link: handshake: writing message %d: %w", n, err)
		}
		if err := bw.Flush(); err != nil {
			return nil, nil, fmt.Errorf("link: handshake: writing message %d: %w", n, err)
		}
		return cs1, cs2, nil
	}
	// read receives handshake message n, of min to max bytes; a
	// responder waits for it at most cfg.FirstMessageTimeout.
	read := func(n, min, max int) ([]byte, error) {
		if !initiator {
			wd.arm()
		}
		msg, err := readMessage(br, buf, min, max)
		if !initiator && !wd.disarm() {
			return nil, slowInitiator(n, cfg.FirstMessageTimeout)
		}
		if err != nil {
			return nil, fmt.Errorf("link: handshake: message %d: %w", n, err)
		}
		return msg, nil
	}
	// process hands message n to hs and checks the peer.
	process := func(n int, msg []byte) ([]byte, *noise.CipherState, *noise.CipherState, error) {
		p, cs1, cs2, err := hs.ReadMessage(nil, msg)
		if err != nil {
			if lowOrderPeer(hs) {
				return nil, nil, nil, fmt.Errorf("link: handshake: message %d: %w: %v", n, ErrLowOrderKey, err)
			}
			return nil, nil, nil, fmt.Errorf("link: handshake: message %d: %w: %v", n, ErrAuth, err)
		}
		return p, cs1, cs2, nil
	}

	var (
		sendCS, recvCS *noise.CipherState
		remotePayload  []byte
	)
	if initiator {
		if _, _, err := write(1, nil); err != nil {
			return nil, err
		}
		msg, err := read(2, Msg2Overhead, Msg2Overhead+MaxPayload)
		if err != nil {
			return nil, err
		}
		if remotePayload, _, _, err = process(2, msg); err != nil {
			return nil, err
		}
		if err := checkPeer(hs, remotePayload, verify); err != nil {
			return nil, err
		}
		if sendCS, recvCS, err = write(3, payload); err != nil {
			return nil, err
		}
	} else {
		if _, _, _, err = process(1, first[:]); err != nil {
			return nil, err
		}
		if _, _, err := write(2, payload); err != nil {
			return nil, err
		}
		msg, err := read(3, Msg3Overhead, Msg3Overhead+MaxPayload)
		if err != nil {
			return nil, err
		}
		if remotePayload, recvCS, sendCS, err = process(3, msg); err != nil {
			return nil, err
		}
		if err := checkPeer(hs, remotePayload, verify); err != nil {
			return nil, err
		}
	}
	if sendCS == nil || recvCS == nil {
		return nil, errors.New("link: handshake: no keys after message 3")
	}
	send, err := newTransport(sendCS)
	if err != nil {
		return nil, fmt.Errorf("link: handshake: %w", err)
	}
	recv, err := newTransport(recvCS)
	if err != nil {
		return nil, fmt.Errorf("link: handshake: %w", err)
	}

	// The confirmation: the responder accepted the initiator.
	if initiator {
		msg, err := readMessage(br, buf, ConfirmSize, ConfirmSize)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("link: handshake: the peer closed the link instead of confirming it (it may have rejected us): %w", err)
		}
		if err != nil {
			return nil, fmt.Errorf("link: handshake: confirmation: %w", err)
		}
		if _, err := recv.open(msg); err != nil {
			return nil, fmt.Errorf("link: handshake: confirmation: %w", err)
		}
	} else {
		b := buf[:lengthSize+TagSize]
		if _, err := send.seal(b[lengthSize:lengthSize]); err != nil {
			return nil, fmt.Errorf("link: handshake: confirmation: %w", err)
		}
		binary.BigEndian.PutUint16(b, TagSize)
		if _, err := bw.Write(b); err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return nil, fmt.Errorf("link: handshake: writing the confirmation: %w", err)
		}
	}

	var remoteStatic [32]byte
	copy(remoteStatic[:], hs.PeerStatic())
	return newLink(rwc, cfg, br, bw, send, recv, remoteStatic, remotePayload), nil
}

// checkPeer calls verify on the peer's static key and payload.
func checkPeer(hs *noise.HandshakeState, payload []byte, verify Verify) error {
	var remoteStatic [32]byte
	if copy(remoteStatic[:], hs.PeerStatic()) != len(remoteStatic) {
		return errors.New("link: handshake: no peer static key")
	}
	if err := verify(remoteStatic, payload); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return nil
}

// lowOrderPeer reports whether a key the peer has sent so far, ephemeral or
// static, is of low order. It is asked only after hs failed: flynn/noise
// fails the Diffie-Hellman with such a key (X25519 returns an error for an
// all-zero result) and leaves the key in hs.
func lowOrderPeer(hs *noise.HandshakeState) bool {
	return lowOrder(hs.PeerEphemeral()) || lowOrder(hs.PeerStatic())
}

// lowOrder reports whether pub is a 32-byte X25519 public key of low order
// (in any of its encodings): X25519 of it with any private key is all zeros,
// which curve25519.X25519 reports as its only error for 32-byte inputs.
func lowOrder(pub []byte) bool {
	if len(pub) != curve25519.PointSize {
		return false
	}
	_, err := curve25519.X25519(curve25519.Basepoint, pub)
	return err != nil
}

// readMessage reads one length-prefixed message of min to max bytes into buf
// (at least max long) and returns it. A length outside the range is
// ErrMalformed, and nothing more is read.
func readMessage(r io.Reader, buf []byte, min, max int) ([]byte, error) {
	var hdr [lengthSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n == 0 {
		return nil, fmt.Errorf("%w: zero length", ErrMalformed)
	}
	if n < min || n > max {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrMalformed, n, min, max)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// slowInitiator is the error of a responder whose initiator did not send
// message n within d.
func slowInitiator(n int, d time.Duration) error {
	return fmt.Errorf("link: handshake: message %d: %w (%v)", n, ErrSlowInitiator, d)
}

// watchdog closes a stream when a message it waits for is late: arm starts
// the wait (d), disarm ends it and reports whether the message was in
// time. A late message's stream is closed by a goroutine of time.AfterFunc,
// which disarm waits for, so none outlives the handshake.
type watchdog struct {
	rwc   io.Closer
	d     time.Duration
	timer *time.Timer
	fired chan struct{}
}

func (w *watchdog) arm() {
	fired := make(chan struct{})
	w.fired = fired
	w.timer = time.AfterFunc(w.d, func() {
		w.rwc.Close()
		close(fired)
	})
}

// disarm stops the wait; false when it had expired (the stream is closed).
func (w *watchdog) disarm() bool {
	if w.timer.Stop() {
		return true
	}
	<-w.fired
	return false
}
