package tornet

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needTor skips the test when tor or tor-gencert is not installed, or
// fails it in CI (see Require).
func needTor(t *testing.T) {
	t.Helper()
	Require(t, "tor", "tor-gencert")
}

// clientTor is a tor started by the test with ClientTorrc lines.
type clientTor struct {
	name string
	dir  string // its DataDirectory
	log  string // its stdout and stderr
	pid  int
}

// startClient starts a client tor with n.ClientTorrc() plus extra lines,
// in a directory of its own under the network's, and stops it in cleanup.
func startClient(t *testing.T, n *Network, name string, extra ...string) *clientTor {
	t.Helper()
	return startClientWith(t, n, name, n.ClientTorrc(), extra...)
}

// startClientWith is startClient with base instead of n.ClientTorrc().
func startClientWith(t *testing.T, n *Network, name string, base []string, extra ...string) *clientTor {
	t.Helper()
	dir := filepath.Join(n.cfg.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := append(slices.Clip(base),
		"DataDirectory "+dir,
		"Log notice stdout",
		fmt.Sprintf("__OwningControllerProcess %d", os.Getpid()),
	)
	lines = append(lines, extra...)
	torrc := filepath.Join(dir, "torrc")
	if err := os.WriteFile(torrc, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &clientTor{name: name, dir: dir, log: filepath.Join(dir, "tor.log")}
	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(n.cfg.TorPath, "-f", torrc, "--defaults-torrc", os.DevNull)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.pid = cmd.Process.Pid
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			data, _ := os.ReadFile(c.log)
			t.Logf("%s log:\n%s", name, data)
		}
	})
	return c
}

// waitBootstrap waits for "Bootstrapped 100%" in the client's log.
func (c *clientTor) waitBootstrap(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		data, _ := os.ReadFile(c.log)
		if strings.Contains(string(data), "Bootstrapped 100%") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no \"Bootstrapped 100%%\" within %v", c.name, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestNetwork(t *testing.T) {
	needTor(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	t0 := time.Now()
	n, err := Start(ctx, Config{Dir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	t.Logf("network ready after %v (Start took %v)", n.ReadyAfter().Round(100*time.Millisecond), time.Since(t0).Round(100*time.Millisecond))

	if len(n.nodes) != DefaultAuthorities+DefaultRelays {
		t.Fatalf("%d tors, want %d", len(n.nodes), DefaultAuthorities+DefaultRelays)
	}
	for _, nd := range n.nodes {
		if st := n.checkNode(ctx, nd); !st.ok {
			t.Errorf("%s does not pass the gate after Start: %s", nd.name, st.why)
		}
	}
	lines := n.ClientTorrc()
	t.Logf("client torrc:\n%s", strings.Join(lines, "\n"))
	if lines[0] != "TestingTorNetwork 1" {
		t.Errorf("first client line %q, want TestingTorNetwork 1", lines[0])
	}

	// A client tor with only ClientTorrc and a SocksPort bootstraps, and
	// so does a second one that publishes an onion service.
	echo := startEcho(t)
	ports, release, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	release()
	tc := time.Now()
	client := startClient(t, n, "client", fmt.Sprintf("SocksPort 127.0.0.1:%d", ports[0]))
	hsDir := filepath.Join(dir, "service", "hs")
	service := startClient(t, n, "service",
		"SocksPort 0",
		"HiddenServiceDir "+hsDir,
		fmt.Sprintf("HiddenServicePort 80 %s", echo))
	client.waitBootstrap(t, 30*time.Second)
	t.Logf("client bootstrapped after %v", time.Since(tc).Round(100*time.Millisecond))
	service.waitBootstrap(t, 30*time.Second)
	t.Logf("service bootstrapped after %v", time.Since(tc).Round(100*time.Millisecond))

	// The client reaches the onion service (dialling with retry: a fresh
	// onion answers "not found" until its descriptor is on the HSDirs).
	host, err := os.ReadFile(filepath.Join(hsDir, "hostname"))
	if err != nil {
		t.Fatal(err)
	}
	onion := strings.TrimSpace(string(host))
	var conn net.Conn
	deadline := time.Now().Add(40 * time.Second)
	for attempt := 1; ; attempt++ {
		conn, err = socksConnect(fmt.Sprintf("127.0.0.1:%d", ports[0]), onion, 80, 20*time.Second)
		if err == nil {
			t.Logf("connected to %s after %v (attempt %d)", onion, time.Since(tc).Round(100*time.Millisecond), attempt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dialling %s: %v", onion, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := fmt.Fprintf(conn, "hello over tor\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line != "hello over tor\n" {
		t.Fatalf("echo: %q, %v", line, err)
	}
	conn.Close()
	t.Logf("onion round trip done after %v", time.Since(tc).Round(100*time.Millisecond))

	// Close stops every tor, and their processes are gone.
	var pids []int
	for _, nd := range n.nodes {
		pids = append(pids, nd.pid())
	}
	tc = time.Now()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(tc).Round(time.Millisecond))
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for i, pid := range pids {
		if pid == 0 {
			t.Errorf("%s was never started", n.nodes[i].name)
			continue
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still there after Close: %v", n.nodes[i].name, pid, err)
		}
	}
}

// startEcho serves a line echo on 127.0.0.1 and returns its address.
func startEcho(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// socksConnect opens a connection to host:port through a SOCKS5 proxy.
func socksConnect(proxy, host string, port int, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", proxy, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	fail := func(err error) (net.Conn, error) { c.Close(); return nil, err }
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		return fail(err)
	}
	var b [4]byte
	if _, err := io.ReadFull(c, b[:2]); err != nil {
		return fail(err)
	}
	if b[0] != 5 || b[1] != 0 {
		return fail(fmt.Errorf("socks: method %x", b[:2]))
	}
	req := append([]byte{5, 1, 0, 3, byte(len(host))}, host...)
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := c.Write(req); err != nil {
		return fail(err)
	}
	if _, err := io.ReadFull(c, b[:4]); err != nil {
		return fail(err)
	}
	if b[1] != 0 {
		return fail(fmt.Errorf("socks: reply %#x", b[1]))
	}
	var skip int
	switch b[3] {
	case 1:
		skip = 4 + 2
	case 4:
		skip = 16 + 2
	case 3:
		if _, err := io.ReadFull(c, b[:1]); err != nil {
			return fail(err)
		}
		skip = int(b[0]) + 2
	default:
		return fail(fmt.Errorf("socks: address type %d", b[3]))
	}
	if _, err := io.CopyN(io.Discard, c, int64(skip)); err != nil {
		return fail(err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// TestStartCancel cancels Start while it waits for the consensus: Start
// returns the context's error and has stopped every tor it started.
func TestStartCancel(t *testing.T) {
	needTor(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pids []int
	logf := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		var name string
		var pid int
		if _, err := fmt.Sscanf(line, "tornet: %s pid %d", &name, &pid); err == nil {
			pids = append(pids, pid)
		}
		if strings.Contains(line, "waiting for the consensus") {
			cancel()
		}
	}
	_, err := Start(ctx, Config{Dir: t.TempDir(), Logf: logf})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start: %v, want context.Canceled", err)
	}
	if len(pids) != DefaultAuthorities+DefaultRelays {
		t.Fatalf("started %d tors (%v), want %d", len(pids), pids, DefaultAuthorities+DefaultRelays)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still there after the cancelled Start: %v", pid, err)
		}
	}
}
