package tornet

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// needBridgeTools skips the test when tor, tor-gencert or obfs4proxy is
// missing, or fails it in CI, where the test must run (see Require).
func needBridgeTools(t *testing.T) {
	t.Helper()
	Require(t, "tor", "tor-gencert", "obfs4proxy")
}

// TestBridge starts the network with an obfs4 bridge, then a client tor
// that knows the private authorities but reaches the network only through
// the bridge's obfs4 line. It checks that the client bootstraps, reaches
// an onion service, and made every connection of its own to the bridge:
// tor's ORCONN events from the first moment (the client starts with
// DisableNetwork), its guards and circuits, and the TCP sockets of it and
// its obfs4proxy. It logs the bootstrap time through the bridge and that
// of a plain client on the same network.
func TestBridge(t *testing.T) {
	needBridgeTools(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	t0 := time.Now()
	n, err := Start(ctx, Config{Dir: dir, Bridge: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	t.Logf("network with bridge ready after %v (Start took %v)", n.ReadyAfter().Round(100*time.Millisecond), time.Since(t0).Round(100*time.Millisecond))
	br := n.bridgeNode()

	// The bridge line: obfs4proxy's cert (both of its files agree), the
	// bridge's fingerprint and its obfs4 port.
	line := n.BridgeLine()
	t.Logf("bridge line: %s", line)
	t.Logf("plain bridge line: %s", n.PlainBridgeLine())
	m := regexp.MustCompile(`^obfs4 127\.0\.0\.1:(\d+) ([0-9A-F]{40}) cert=([A-Za-z0-9+/]{70}) iat-mode=0$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("bridge line %q not in the expected form", line)
	}
	if m[1] != strconv.Itoa(br.ptPort) || m[2] != br.fpr {
		t.Errorf("bridge line %q: want port %d, fingerprint %s", line, br.ptPort, br.fpr)
	}
	if fpr, err := os.ReadFile(filepath.Join(br.dir, "fingerprint")); err != nil || !strings.Contains(string(fpr), br.fpr) {
		t.Errorf("bridge's fingerprint file %q (%v) lacks %s", fpr, err, br.fpr)
	}
	state, err := os.ReadFile(filepath.Join(br.dir, ptStateDir, obfs4StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if cert, iat, err := obfs4StateCert(state); err != nil || cert != m[3] || iat != "0" {
		t.Errorf("cert from %s: %q iat-mode %q, %v; bridge line has %q", obfs4StateFile, cert, iat, err, m[3])
	}
	// tor (0.4.8 and later) writes its own bridge lines: ours is one.
	if data, err := os.ReadFile(filepath.Join(br.dir, "bridgelines")); err == nil {
		if !slices.Contains(strings.Split(strings.TrimSpace(string(data)), "\n"), "Bridge "+line) {
			t.Errorf("tor's bridgelines file %q lacks %q", data, "Bridge "+line)
		}
	} else {
		t.Logf("no bridgelines file from tor: %v", err)
	}
	if n.PlainBridgeLine() != fmt.Sprintf("127.0.0.1:%d %s", br.orPort, br.fpr) {
		t.Errorf("plain bridge line %q", n.PlainBridgeLine())
	}

	// Every authority serves a consensus with every relay but not the
	// bridge.
	for _, nd := range n.nodes {
		if !nd.auth {
			continue
		}
		doc, err := dirGet(ctx, nd.dirPort, "/tor/status-vote/current/consensus-microdesc")
		if err != nil {
			t.Fatalf("%s: %v", nd.name, err)
		}
		c, err := parseMicrodescConsensus(doc)
		if err != nil {
			t.Fatalf("%s: %v", nd.name, err)
		}
		if len(c.routers) != DefaultAuthorities+DefaultRelays {
			t.Errorf("%s: %d routers in the consensus, want %d", nd.name, len(c.routers), DefaultAuthorities+DefaultRelays)
		}
		for _, r := range c.routers {
			if r.identity == br.fpr {
				t.Errorf("%s: the bridge is in the consensus", nd.name)
			}
		}
	}

	torrc := n.BridgeClientTorrc("")
	t.Logf("bridge client torrc:\n%s", strings.Join(torrc, "\n"))
	if !slices.Contains(torrc, "UseBridges 1") || !slices.Contains(torrc, "Bridge "+line) ||
		!slices.Contains(torrc, "ClientTransportPlugin obfs4 exec "+n.Obfs4Proxy()) || torrc[0] != "TestingTorNetwork 1" {
		t.Errorf("BridgeClientTorrc lacks lines")
	}

	// A plain client and a client that only has the obfs4 bridge; each
	// publishes an onion service, and each reaches the other's.
	echo := startEcho(t)
	ports, release, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	release()
	onionLines := func(name string) []string {
		return []string{
			"HiddenServiceDir " + filepath.Join(dir, name, "hs"),
			"HiddenServicePort 80 " + echo,
		}
	}
	_, plainCtl := startControlled(t, n, "plain", n.ClientTorrc(),
		append(onionLines("plain"), fmt.Sprintf("SocksPort 127.0.0.1:%d", ports[0]))...)
	plainTime := plainCtl.enableAndBootstrap(t, 60*time.Second)
	t.Logf("plain client bootstrapped %v after DisableNetwork 0", plainTime.Round(10*time.Millisecond))
	plainORConns := plainCtl.orconnTargets()

	client, ctl := startControlled(t, n, "bridgeclient", torrc,
		append(onionLines("bridgeclient"), fmt.Sprintf("SocksPort 127.0.0.1:%d", ports[1]))...)
	bridgeTime := ctl.enableAndBootstrap(t, 60*time.Second)
	t.Logf("bridge client bootstrapped %v after DisableNetwork 0 (plain client: %v)", bridgeTime.Round(10*time.Millisecond), plainTime.Round(10*time.Millisecond))

	onionRoundTrip(t, "bridge client", ports[1], filepath.Join(dir, "plain", "hs"))
	onionRoundTrip(t, "plain client", ports[0], filepath.Join(dir, "bridgeclient", "hs"))

	// Every OR connection the bridge client launched went to the bridge.
	bridgeAddr := fmt.Sprintf("127.0.0.1:%d", br.ptPort)
	targets := ctl.orconnTargets()
	t.Logf("bridge client OR connections: %v (the plain client's: %v)", targets, plainORConns)
	if len(targets) == 0 {
		t.Error("no ORCONN event from the bridge client")
	}
	for _, tg := range targets {
		if !strings.Contains(strings.ToUpper(tg), br.fpr) && tg != bridgeAddr {
			t.Errorf("bridge client connected to %s, not the bridge", tg)
		}
	}
	// Its guards and the first hop of its circuits are the bridge.
	guards := ctl.getinfo(t, "entry-guards")
	t.Logf("bridge client entry-guards: %q", guards)
	if fprs := hexFingerprints(guards); len(fprs) == 0 || slices.ContainsFunc(fprs, func(f string) bool { return f != br.fpr }) {
		t.Errorf("bridge client's guards %q, want the bridge %s only", guards, br.fpr)
	}
	circs := ctl.getinfo(t, "circuit-status")
	built := 0
	for l := range strings.Lines(circs) {
		f := strings.Fields(l)
		if len(f) < 3 || !strings.HasPrefix(f[2], "$") {
			continue
		}
		built++
		if first := strings.ToUpper(strings.Split(f[2], ",")[0]); !strings.Contains(first, br.fpr) {
			t.Errorf("circuit %s starts at %s, not the bridge", f[0], first)
		}
	}
	if built == 0 {
		t.Errorf("no circuit in %q", circs)
	}
	t.Logf("bridge client: %d circuits, all through the bridge", built)
	// Its TCP sockets, and those of its obfs4proxy, lead only to itself,
	// to each other, and to the bridge's obfs4 port.
	checkSockets(t, client.pid, br.ptPort)

	// Close stops the bridge's obfs4proxy with it.
	pts := ChildrenOf(br.pid())
	if len(pts) == 0 {
		t.Errorf("bridge (pid %d) has no obfs4proxy child", br.pid())
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	// obfs4proxy exits once its tor is gone; orphaned, it is reaped by
	// PID 1, or stays a zombie where PID 1 does not reap (ProcessGone
	// counts that as gone). The deadline is generous for a loaded machine.
	deadline := time.Now().Add(60 * time.Second)
	for _, pid := range pts {
		for !ProcessGone(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !ProcessGone(pid) {
			t.Errorf("the bridge's obfs4proxy (pid %d) is still there 60 s after Close", pid)
		}
	}
}

// onionRoundTrip dials the onion service of hsDir through the SOCKS port
// of a client tor (with retry: a fresh onion answers "not found" until its
// descriptor is on the HSDirs) and exchanges a line with its echo server.
func onionRoundTrip(t *testing.T, who string, socksPort int, hsDir string) {
	t.Helper()
	host, err := os.ReadFile(filepath.Join(hsDir, "hostname"))
	if err != nil {
		t.Fatal(err)
	}
	onion := strings.TrimSpace(string(host))
	t0 := time.Now()
	var conn net.Conn
	for attempt := 1; ; attempt++ {
		conn, err = socksConnect(fmt.Sprintf("127.0.0.1:%d", socksPort), onion, 80, 20*time.Second)
		if err == nil {
			t.Logf("%s connected to %s after %v (attempt %d)", who, onion, time.Since(t0).Round(100*time.Millisecond), attempt)
			break
		}
		if time.Since(t0) > 40*time.Second {
			t.Fatalf("%s dialling %s: %v", who, onion, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "hello from the %s\n", who)
	if got, err := bufio.NewReader(conn).ReadString('\n'); err != nil || got != "hello from the "+who+"\n" {
		t.Fatalf("%s: echo over %s: %q, %v", who, onion, got, err)
	}
}

var hexFprRE = regexp.MustCompile(`[0-9A-Fa-f]{40}`)

// hexFingerprints returns the 40-hex-digit fingerprints in s, upper-case.
func hexFingerprints(s string) []string {
	var out []string
	for _, f := range hexFprRE.FindAllString(s, -1) {
		out = append(out, strings.ToUpper(f))
	}
	return out
}

// startControlled starts a client tor with base plus extra lines, with
// its network disabled and a control port, and connects to that port.
func startControlled(t *testing.T, n *Network, name string, base []string, extra ...string) (*clientTor, *ctlConn) {
	t.Helper()
	ports, release, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	release()
	extra = append(extra,
		"DisableNetwork 1",
		fmt.Sprintf("ControlPort 127.0.0.1:%d", ports[0]),
		"CookieAuthentication 1")
	c := startClientWith(t, n, name, base, extra...)
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0]), time.Second)
		if err == nil {
			return c, newCtlConn(t, conn, filepath.Join(c.dir, "control_auth_cookie"))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: control port: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctlConn is a minimal tor control connection.
type ctlConn struct {
	conn    net.Conn
	replies chan []string
	mu      sync.Mutex
	events  []string // every asynchronous (650) line so far
}

func newCtlConn(t *testing.T, conn net.Conn, cookiePath string) *ctlConn {
	t.Helper()
	c := &ctlConn{conn: conn, replies: make(chan []string, 1)}
	t.Cleanup(func() { conn.Close() })
	go c.read()
	cookie, err := os.ReadFile(cookiePath)
	if err != nil {
		t.Fatal(err)
	}
	c.do(t, "AUTHENTICATE "+hex.EncodeToString(cookie))
	c.do(t, "SETEVENTS ORCONN STATUS_CLIENT")
	return c
}

// read splits what tor sends into replies and events.
func (c *ctlConn) read() {
	defer close(c.replies)
	r := bufio.NewReader(c.conn)
	var reply []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		l = strings.TrimRight(l, "\r\n")
		if len(l) < 4 {
			continue
		}
		if l[3] == '+' { // a data block follows, up to "."
			for {
				d, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if d = strings.TrimRight(d, "\r\n"); d == "." {
					break
				}
				l += "\n" + d
			}
		}
		reply = append(reply, l)
		if l[3] != ' ' {
			continue
		}
		if strings.HasPrefix(reply[0], "650") {
			c.mu.Lock()
			c.events = append(c.events, reply...)
			c.mu.Unlock()
		} else {
			c.replies <- reply
		}
		reply = nil
	}
}

// do sends a command and returns its reply, failing the test unless tor
// answers 250.
func (c *ctlConn) do(t *testing.T, cmd string) []string {
	t.Helper()
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", cmd); err != nil {
		t.Fatalf("control %q: %v", cmd, err)
	}
	select {
	case reply, ok := <-c.replies:
		if !ok || !strings.HasPrefix(reply[len(reply)-1], "250") {
			t.Fatalf("control %q: %q", cmd, reply)
		}
		return reply
	case <-time.After(10 * time.Second):
		t.Fatalf("control %q: no reply", cmd)
		return nil
	}
}

// getinfo returns the value of one GETINFO key.
func (c *ctlConn) getinfo(t *testing.T, key string) string {
	t.Helper()
	v := c.do(t, "GETINFO "+key)[0][4:]
	return strings.TrimPrefix(strings.TrimPrefix(v, key+"="), "\n")
}

// enableAndBootstrap enables the network and returns the time until tor
// reports BOOTSTRAP PROGRESS=100.
func (c *ctlConn) enableAndBootstrap(t *testing.T, timeout time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	c.do(t, "SETCONF DisableNetwork=0")
	for time.Since(t0) < timeout {
		c.mu.Lock()
		done := slices.ContainsFunc(c.events, func(e string) bool { return strings.Contains(e, "BOOTSTRAP PROGRESS=100 ") })
		c.mu.Unlock()
		if done {
			return time.Since(t0)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no BOOTSTRAP PROGRESS=100 within %v; events:\n%s", timeout, strings.Join(c.events, "\n"))
	return 0
}

// orconnTargets returns the distinct targets of the ORCONN events so far.
func (c *ctlConn) orconnTargets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.events {
		if f := strings.Fields(e); len(f) >= 3 && f[1] == "ORCONN" && !slices.Contains(out, f[2]) {
			out = append(out, f[2])
		}
	}
	return out
}

// checkSockets checks that the tor pid and its children (its obfs4proxy)
// hold no TCP connection but to the bridge's obfs4 port and their own
// (BridgeOnly).
func checkSockets(t *testing.T, pid, ptPort int) {
	t.Helper()
	desc, err := BridgeOnly(pid, ptPort, os.Getpid())
	t.Logf("sockets of pid %d and its children: %s", pid, strings.Join(desc, ", "))
	if err != nil {
		t.Error(err)
	}
}
