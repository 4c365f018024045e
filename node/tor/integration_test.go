package tor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// dialLog records every address a transport dials (Config.DialRecorder).
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) record(network, addr string) {
	d.mu.Lock()
	d.addrs = append(d.addrs, network+" "+addr)
	d.mu.Unlock()
}

func (d *dialLog) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// TestIntegration runs two transports on a private Tor network on
// 127.0.0.1: A dials B's onion and they exchange bytes both ways; B's
// address survives a restart with the same key and DataDir; and the only
// connections either transport made were to its own tor on loopback.
func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private Tor network (-short)")
	}
	tornet.Require(t, "tor", "tor-gencert")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	t0 := time.Now()
	network, err := tornet.Start(ctx, tornet.Config{Dir: filepath.Join(t.TempDir(), "net"), Logf: t.Logf})
	if err != nil {
		t.Fatalf("tornet: %v", err)
	}
	defer network.Close()
	t.Logf("private network ready after %v", time.Since(t0).Round(time.Millisecond))
	base := runtime.NumGoroutine()

	dir := t.TempDir()
	var logA, logB dialLog
	cfg := func(name string, log *dialLog) Config {
		return Config{
			DataDir:      filepath.Join(dir, name, "tor"),
			OnionKey:     newKey(t),
			ExtraTorrc:   network.ClientTorrc(),
			StartTimeout: 60 * time.Second,
			DialRecorder: log.record,
			Progress: func(p int, s string) {
				t.Logf("%s: %v bootstrap %d%% (%s)", name, time.Since(t0).Round(time.Millisecond), p, s)
			},
		}
	}
	cfgA, cfgB := cfg("a", &logA), cfg("b", &logB)

	// Start both at once; each reports its own time to ready.
	var a, b *Transport
	var errA, errB error
	var readyA, readyB time.Duration
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s := time.Now()
		a, errA = Start(ctx, cfgA)
		readyA = time.Since(s)
	}()
	go func() {
		defer wg.Done()
		s := time.Now()
		b, errB = Start(ctx, cfgB)
		readyB = time.Since(s)
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		t.Fatalf("Start: A: %v\nB: %v", errA, errB)
	}
	t.Logf("Start to ready (bootstrapped + published): A %v, B %v", readyA.Round(time.Millisecond), readyB.Round(time.Millisecond))
	t.Logf("A is %s, B is %s", a.Address(), b.Address())
	checkAddr(t, b, cfgB)
	checkAddr(t, a, cfgA)
	socksA, ctlA := a.socksAddr, "127.0.0.1:"+strconv.Itoa(a.tor.ControlPort)

	serve := func(tr *Transport) chan error {
		done := make(chan error, 1)
		go func() { done <- serveEcho(tr.Listener()) }()
		return done
	}
	servedB := serve(b)
	firstDial := exchange(t, ctx, a, b.Address(), "first", 45*time.Second)
	t.Logf("A's first successful Dial to B took %v after B was ready", firstDial.Round(time.Millisecond))

	// Restart B with the same key and DataDir: same address, reachable again.
	socksB1, ctlB1 := b.socksAddr, "127.0.0.1:"+strconv.Itoa(b.tor.ControlPort)
	oldAddr := b.Address()
	if err := b.Close(); err != nil {
		t.Fatalf("B.Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second B.Close: %v", err)
	}
	if err := <-servedB; err != nil {
		t.Fatalf("B's listener: %v", err)
	}
	s := time.Now()
	b, err = Start(ctx, cfgB)
	if err != nil {
		a.Close()
		t.Fatalf("restarting B: %v", err)
	}
	t.Logf("B restarted: ready after %v", time.Since(s).Round(time.Millisecond))
	if b.Address() != oldAddr {
		t.Errorf("B's address changed across a restart: %s, then %s", oldAddr, b.Address())
	}
	servedB = serve(b)
	// A still holds the descriptor of B's first tor, whose introduction
	// points died with it: A's tor must find them dead and fetch the new
	// descriptor, which can take longer than a first dial (seen once in
	// CI: no connection within 45 s, general SOCKS failure).
	redial := exchange(t, ctx, a, b.Address(), "after restart", 2*time.Minute)
	t.Logf("A's first Dial to the restarted B took %v", redial.Round(time.Millisecond))
	socksB2, ctlB2 := b.socksAddr, "127.0.0.1:"+strconv.Itoa(b.tor.ControlPort)

	// B's tor dies under it: Accept and Dial say so at once (within
	// slack×1 s: see slack).
	b.proc.kill()
	if err := <-servedB; err == nil || !strings.Contains(err.Error(), "tor exited unexpectedly") || !errors.Is(err, net.ErrClosed) {
		t.Errorf("B's Accept after its tor died: %v", err)
	}
	s = time.Now()
	if _, err := b.Dial(ctx, a.Address()); err == nil || !strings.Contains(err.Error(), "tor exited unexpectedly") || time.Since(s) > slack*time.Second {
		t.Errorf("B's Dial after its tor died: %v (after %v)", err, time.Since(s))
	}
	if err := b.Close(); err != nil {
		t.Errorf("B.Close after its tor died: %v", err)
	}

	s = time.Now()
	if err := a.Close(); err != nil {
		t.Errorf("A.Close: %v", err)
	}
	t.Logf("A.Close took %v", time.Since(s).Round(time.Millisecond))
	if _, err := a.Dial(ctx, oldAddr); err != ErrClosed {
		t.Errorf("Dial after Close = %v, want ErrClosed", err)
	}

	// The no-leak proof: the transports dialled their own tor's SOCKS and
	// control ports on 127.0.0.1, and nothing else.
	checkDials(t, "A", logA.all(), socksA, ctlA)
	checkDials(t, "B", logB.all(), socksB1, ctlB1, socksB2, ctlB2)
	checkGoroutines(t, base)
}

// checkAddr checks Address against the key, and Listener().Addr().
func checkAddr(t *testing.T, tr *Transport, cfg Config) {
	t.Helper()
	id, port, _ := strings.Cut(tr.Address(), ".onion:")
	if id != onionID(cfg.OnionKey.Public().(ed25519.PublicKey)) || port != strconv.Itoa(DefaultPort) {
		t.Errorf("Address %s does not match the key and port %d", tr.Address(), DefaultPort)
	}
	if got := tr.Listener().Addr().String(); got != tr.Address() {
		t.Errorf("Listener().Addr() = %s, want %s", got, tr.Address())
	}
	if _, err := parseOnionAddr(tr.Address()); err != nil {
		t.Errorf("Address does not parse: %v", err)
	}
}

// serveEcho answers each connection: it reads a line, answers
// "B got <line>", then echoes everything until EOF. It returns nil when
// the listener is closed, and Accept's error if it fails otherwise.
func serveEcho(ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if err.Error() == "accept tcp "+ln.(*listener).ln.Addr().String()+": use of closed network connection" {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			var line []byte
			buf := make([]byte, 1)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if buf[0] == '\n' {
					break
				}
				line = append(line, buf[0])
			}
			if _, err := fmt.Fprintf(c, "B got %s\n", line); err != nil {
				return
			}
			io.Copy(c, c)
		}()
	}
}

// exchange dials addr from tr, sends a line and 256 KiB, and checks B's
// answer and echo. It returns how long Dial took.
func exchange(t *testing.T, ctx context.Context, tr *Transport, addr, what string, within time.Duration) time.Duration {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	s := time.Now()
	c, err := tr.Dial(dctx, addr)
	took := time.Since(s)
	if err != nil {
		t.Fatalf("Dial %s (%s): %v", addr, what, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c, "hello from A (%s)\n", what); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("B got hello from A (%s)\n", what)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	payload := make([]byte, 256<<10)
	rand.Read(payload)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		errc <- err
	}()
	echo := make([]byte, len(payload))
	if _, err := io.ReadFull(c, echo); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("writing: %v", err)
	}
	if !bytes.Equal(echo, payload) {
		t.Fatal("echo differs from what A sent")
	}
	return took
}

// checkDials checks that every recorded dial went to one of allowed, all on
// 127.0.0.1, and that the SOCKS port was used.
func checkDials(t *testing.T, name string, dials []string, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok["tcp "+a] = true
	}
	for _, d := range dials {
		if !ok[d] || !strings.HasPrefix(d, "tcp 127.0.0.1:") {
			t.Errorf("%s dialled %q, not its own tor (%v)", name, d, allowed)
		}
	}
	t.Logf("%s dialled %d times: %v", name, len(dials), dedup(dials))
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
