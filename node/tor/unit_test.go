package tor

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cretz/bine/torutil"
	bed25519 "github.com/cretz/bine/torutil/ed25519"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeScript writes an executable shell script and returns its path.
func writeScript(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "notexec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing"), notExec, dir} {
		if _, err := Find(p); !errors.Is(err, ErrTorNotFound) {
			t.Errorf("Find(%q) = %v, want ErrTorNotFound", p, err)
		}
	}

	good := writeScript(t, "tor", "exit 0\n")
	if got, err := Find(good); err != nil || got != good {
		t.Errorf("Find(%q) = %q, %v", good, got, err)
	}

	t.Setenv("PATH", "")
	if _, err := Find(""); !errors.Is(err, ErrTorNotFound) {
		t.Errorf("Find(\"\") with an empty PATH = %v, want ErrTorNotFound", err)
	}
	if ErrTorNotFound.Error() != "tor: tor not found" {
		t.Errorf("ErrTorNotFound = %q", ErrTorNotFound)
	}
	t.Setenv("PATH", filepath.Dir(good))
	if got, err := Find(""); err != nil || got != good {
		t.Errorf("Find(\"\") with tor on PATH = %q, %v", got, err)
	}
}

func TestConfigValidation(t *testing.T) {
	tor := writeScript(t, "tor", "exit 0\n")
	dir := t.TempDir()
	good := Config{TorPath: tor, DataDir: dir, OnionKey: newKey(t)}
	bad := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no DataDir", func(c *Config) { c.DataDir = "" }, "DataDir is required"},
		{"newline in DataDir", func(c *Config) { c.DataDir = "a\nb" }, "control character"},
		{"no key", func(c *Config) { c.OnionKey = nil }, "OnionKey has 0 bytes"},
		{"short key", func(c *Config) { c.OnionKey = c.OnionKey[:32] }, "OnionKey has 32 bytes"},
		{"negative port", func(c *Config) { c.Port = -1 }, "Port -1"},
		{"big port", func(c *Config) { c.Port = 65536 }, "Port 65536"},
		{"negative timeout", func(c *Config) { c.StartTimeout = -time.Second }, "negative"},
		{"torrc injection", func(c *Config) { c.ExtraTorrc = []string{"Log notice stdout\nSocksPort 0.0.0.0:9050"} }, "line break"},
		{"missing tor", func(c *Config) { c.TorPath = filepath.Join(dir, "nope") }, "tor not found"},
	}
	for _, tc := range bad {
		c := good
		tc.mod(&c)
		_, err := c.withDefaults()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "tor: ") {
			t.Errorf("%s: withDefaults() = %v, want an error containing %q", tc.name, err, tc.want)
		}
		// Start refuses it too, before running anything.
		if _, err := Start(context.Background(), c); err == nil {
			t.Errorf("%s: Start succeeded", tc.name)
		}
	}
	c, err := good.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != DefaultPort || c.StartTimeout != DefaultStartTimeout || c.Logger == nil || c.TorPath != tor {
		t.Errorf("defaults not applied: %+v", c)
	}
	rel := good
	rel.DataDir = "relative/dir"
	if c, err := rel.withDefaults(); err != nil || !filepath.IsAbs(c.DataDir) {
		t.Errorf("relative DataDir: %q, %v", c.DataDir, err)
	}
}

func TestTorrc(t *testing.T) {
	c := Config{DataDir: "/d", ExtraTorrc: []string{"TestingTorNetwork 1", "DirAuthority x"}}
	lines := c.torrcLines()
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"SocksPort 127.0.0.1:auto OnionTrafficOnly",
		"SafeSocks 1",
		"ClientUseIPv6 0",
		"Log notice file /d/tor.log",
		"__OwningControllerProcess ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("torrc lacks %q:\n%s", want, text)
		}
	}
	if lines[1] != "TestingTorNetwork 1" {
		t.Errorf("ExtraTorrc must come first (TestingTorNetwork precedes what depends on it): %q", lines)
	}
}

func TestOnionID(t *testing.T) {
	for range 20 {
		k := newKey(t)
		id := onionID(k.Public().(ed25519.PublicKey))
		if want := torutil.OnionServiceIDFromPrivateKey(bed25519.FromCryptoPrivateKey(k)); id != want {
			t.Fatalf("onionID = %s, bine says %s", id, want)
		}
		if len(id) != 56 || strings.ToLower(id) != id {
			t.Fatalf("onionID = %q", id)
		}
		addr := id + ".onion:9482"
		if got, err := parseOnionAddr(strings.ToUpper(id) + ".ONION:9482"); err != nil || got != addr {
			t.Fatalf("parseOnionAddr(upper) = %q, %v", got, err)
		}
	}
}

// validOnion is a syntactically valid v3 onion address (fresh key).
func validOnion(t testing.TB) string {
	return onionID(newKey(t).Public().(ed25519.PublicKey)) + ".onion:9482"
}

func badOnions(t testing.TB) []string {
	id := onionID(newKey(t).Public().(ed25519.PublicKey))
	flipped := []byte(id) // another key, same checksum: a checksum mismatch
	flipped[10] = 'a'
	if id[10] == 'a' {
		flipped[10] = 'b'
	}
	v2 := id[:52] + "aaaa" // version byte 0
	return []string{
		"127.0.0.1:80",
		"[::1]:80",
		"10.1.2.3:9482",
		"example.org:80",
		"localhost:9050",
		"abc.onion:80",
		"expyuzz4wqqyqhjn.onion:80", // v2
		id + ".onion",               // no port
		id + ".onion:0",
		id + ".onion:65536",
		id + ".onion:http",
		"x." + id + ".onion:80", // subdomain
		string(flipped) + ".onion:80",
		v2 + ".onion:80",
		id + ".onion.example.org:80",
		id + ":80",
		"",
	}
}

// fakeDialer stands in for tor's SOCKS dialer.
type fakeDialer struct {
	mu    sync.Mutex
	addrs []string
	fail  int   // fail this many times first
	err   error // with this error
}

func (f *fakeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addrs = append(f.addrs, addr)
	if len(f.addrs) <= f.fail {
		return nil, f.err
	}
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil
}

func (f *fakeDialer) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.addrs...)
}

// fakeTransport is a Transport with just what Dial needs.
func fakeTransport(d contextDialer) *Transport {
	t := &Transport{cfg: Config{Logger: discardLogger()}, dialer: d}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

func TestDialRefusesNonOnion(t *testing.T) {
	d := &fakeDialer{}
	tr := fakeTransport(d)
	for _, a := range badOnions(t) {
		c, err := tr.Dial(context.Background(), a)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", a)
			continue
		}
		if !errors.Is(err, errNotOnion) || !strings.HasPrefix(err.Error(), "tor: refusing to dial") {
			t.Errorf("Dial(%q) = %v", a, err)
		}
	}
	if calls := d.calls(); len(calls) != 0 {
		t.Fatalf("Dial dialled %q for refused addresses", calls)
	}

	good := validOnion(t)
	c, err := tr.Dial(context.Background(), strings.ToUpper(good))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if calls := d.calls(); len(calls) != 1 || calls[0] != good {
		t.Fatalf("dialled %q, want [%s]", calls, good)
	}
}

func TestDialRetries(t *testing.T) {
	d := &fakeDialer{fail: 2, err: errors.New("socks connect tcp 127.0.0.1:9050->x.onion:1: unknown code: 240")}
	tr := fakeTransport(d)
	addr := validOnion(t)
	start := time.Now()
	c, err := tr.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if n := len(d.calls()); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	if e := time.Since(start); e < dialBackoffMin+2*dialBackoffMin {
		t.Errorf("retried without backoff: %v", e)
	}

	// An onion that never answers: Dial gives up when ctx ends and names
	// tor's reason.
	d = &fakeDialer{fail: 1 << 30, err: d.err}
	tr = fakeTransport(d)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = tr.Dial(ctx, addr)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "descriptor not found (SOCKS5 reply 0xF0)") {
		t.Fatalf("Dial = %v", err)
	}
	t.Logf("gave up with: %v", err)

	// Close aborts a retrying Dial.
	errc := make(chan error, 1)
	go func() {
		_, err := tr.Dial(context.Background(), addr)
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond)
	tr.cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Dial after close = %v", err)
		}
	case <-time.After(slack * 5 * time.Second):
		t.Fatal("Dial did not return after the transport closed")
	}
	if _, err := tr.Dial(context.Background(), addr); !errors.Is(err, ErrClosed) {
		t.Fatalf("Dial on a closed transport = %v", err)
	}
}

func TestLoopbackDialer(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	d := &loopbackDialer{record: func(network, addr string) {
		mu.Lock()
		seen = append(seen, network+" "+addr)
		mu.Unlock()
	}}
	for _, a := range []string{"10.0.0.1:80", "localhost:9050", "example.org:80", "[2001:db8::1]:80", "0.0.0.0:80"} {
		if c, err := d.DialContext(context.Background(), "tcp", a); err == nil {
			c.Close()
			t.Errorf("loopbackDialer dialled %s", a)
		}
	}
	if c, err := d.Dial("udp", "127.0.0.1:53"); err == nil {
		c.Close()
		t.Errorf("loopbackDialer dialled udp")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(seen) != 7 || seen[6] != "tcp "+ln.Addr().String() {
		t.Fatalf("recorded %q", seen)
	}
}

func TestParseStatus(t *testing.T) {
	s := parseStatus(`NOTICE BOOTSTRAP PROGRESS=45 TAG=loading_descriptors SUMMARY="Loading relay \"descriptors\"" COUNT=3`)
	if s.severity != "NOTICE" || s.action != "BOOTSTRAP" || s.args["PROGRESS"] != "45" ||
		s.args["SUMMARY"] != `Loading relay "descriptors"` || s.args["COUNT"] != "3" || s.args["TAG"] != "loading_descriptors" {
		t.Fatalf("parseStatus = %+v", s)
	}
	s = parseStatus(`WARN BOOTSTRAP PROGRESS=5 WARNING="Connection refused" REASON=CONNECTREFUSED HOSTADDR="127.0.0.1:1"`)
	if s.args["WARNING"] != "Connection refused" || s.args["HOSTADDR"] != "127.0.0.1:1" {
		t.Fatalf("parseStatus = %+v", s)
	}
	for _, raw := range []string{"", "NOTICE", `NOTICE BOOTSTRAP SUMMARY="unterminated`, "NOTICE X a b =c"} {
		parseStatus(raw) // must not panic
	}
}

func TestDescribeDialErr(t *testing.T) {
	for in, want := range map[string]string{
		"socks connect tcp a->b: unknown code: 242": "socks connect tcp a->b: onion service introduction failed (SOCKS5 reply 0xF2)",
		"socks connect tcp a->b: host unreachable":  "socks connect tcp a->b: host unreachable",
		"unknown code: 17 x":                        "unknown code: 17 x",
	} {
		if got := describeDialErr(errors.New(in)); got != want {
			t.Errorf("describeDialErr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLastLines(t *testing.T) {
	var b tailBuffer
	for i := range 5000 {
		b.Write([]byte(strings.Repeat("x", i%7) + "line\n\n"))
	}
	l := b.lines(20)
	if len(l) != 20 || !strings.HasSuffix(l[19], "line") {
		t.Fatalf("lines = %q", l)
	}
	if len(b.buf) > tailBufferSize {
		t.Fatalf("buffer grew to %d", len(b.buf))
	}

	p := filepath.Join(t.TempDir(), "tor.log")
	os.WriteFile(p, []byte("old 1\nold 2\n"), 0o600)
	off := prepareLog(p)
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("new 1\nnew 2\n")
	f.Close()
	if got := readLogTail(p, off, 20); strings.Join(got, "|") != "new 1|new 2" {
		t.Fatalf("readLogTail = %q", got)
	}
	if got := readLogTail(p+".missing", 0, 20); got != nil {
		t.Fatalf("readLogTail(missing) = %q", got)
	}
}
