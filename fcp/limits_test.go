package fcp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// raiseFDLimit raises the open-file limit to at least n, the hard limit
// too when it is lower: root may do that (given CAP_SYS_RESOURCE, which
// some containers withhold even from root), and .ci/run runs the tests as
// root. When the limit cannot be raised it skips t, or fails it when the
// environment variable CI is set (not "", "0" or "false"): there the test
// must run. The limits are restored when t ends.
func raiseFDLimit(t testing.TB, n uint64) {
	t.Helper()
	cannot := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if ci := strings.ToLower(strings.TrimSpace(os.Getenv("CI"))); ci != "" && ci != "0" && ci != "false" {
			t.Fatalf("%s; CI=%s, where this test must run (.ci/run runs the tests as root, who may raise the hard limit)", msg, os.Getenv("CI"))
		}
		t.Skip(msg)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		cannot("getrlimit: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	old := lim
	lim.Cur = n
	lim.Max = max(lim.Max, n) // above the hard limit: needs CAP_SYS_RESOURCE
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		cannot("open-file limit %d (hard %d), need %d, and setrlimit to %d failed: %v (raising the hard limit needs CAP_SYS_RESOURCE, which root has except in some containers)",
			old.Cur, old.Max, n, n, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func openFDs() int {
	entries, _ := os.ReadDir("/proc/self/fd")
	return len(entries)
}

// waitFor polls cond (the server's own bookkeeping, which has no event to
// wait on) for up to 30 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitForUpTo(t, 30*time.Second, what, cond)
}

// waitForUpTo is waitFor with a longer patience, for work that grows with
// a test's scale.
func waitForUpTo(t testing.TB, patience time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// serveTCP runs h's server on a loopback listener.
func serveTCP(t testing.TB, h *harness) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.s.Serve(l)
	}()
	return l.Addr().String()
}

// TestMain lets the test binary act as a swarm of idle clients (see
// idleSwarm) or of hostile ones (hostileSwarm).
func TestMain(m *testing.M) {
	if addr := os.Getenv("HAMS_FCP_IDLE_SWARM"); addr != "" {
		idleSwarm(addr)
		return
	}
	if addr := os.Getenv("HAMS_FCP_HOSTILE_SWARM"); addr != "" {
		hostileSwarm(addr)
		return
	}
	os.Exit(m.Run())
}

// idleSwarm is the child process of TestTenThousandIdleConnections: it
// opens HAMS_FCP_IDLE_N connections to addr (every other one says
// ClientHello), prints "ready", and holds them until stdin closes.
func idleSwarm(addr string) {
	n, _ := strconv.Atoi(os.Getenv("HAMS_FCP_IDLE_N"))
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Println("dial:", err)
			os.Exit(1)
		}
		if i%2 == 0 {
			fmt.Fprintf(nc, "ClientHello\nName=idle-%d\nExpectedVersion=2.0\nEndMessage\n", i)
		}
		conns = append(conns, nc)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, nc := range conns {
		nc.Close()
	}
}

// TestTenThousandIdleConnections holds 10,000 idle connections (half of
// them after ClientHello, from a child process so each side has its own
// descriptors) while a well-behaved client inserts and fetches; when they
// close, no connection, goroutine or descriptor is left.
func TestTenThousandIdleConnections(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	raiseFDLimit(t, uint64(n+1000))
	fds := openFDs()
	h := newHarness(t, testConfig(t))
	addr := serveTCP(t, h)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HAMS_FCP_IDLE_SWARM="+addr, "HAMS_FCP_IDLE_N="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("swarm: %q", line)
	}
	waitFor(t, "all idle connections accepted", func() bool { return h.s.NumConns() == n })

	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := newTClient(t, nc)
	c.send("ClientHello", "Name", "busy", "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	c.sendData("ClientPut", "still served", "URI", "CHK@", "Identifier", "p")
	uri := c.expect("URIGenerated").Get("URI")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	c.send("ClientGet", "URI", uri, "Identifier", "g")
	c.expect("DataFound")
	if string(mustRead(t, c.expect("AllData").Data)) != "still served" {
		t.Fatal("wrong data")
	}
	nc.Close()
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("swarm: %v", err)
	}
	waitFor(t, "all connections closed", func() bool { return h.s.NumConns() == 0 })
	h.close()
	waitFor(t, "descriptors released", func() bool { return openFDs() <= fds })
}

// TestMaxConnections: beyond MaxConnections a connection is closed at
// once; the others are served.
func TestMaxConnections(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 3
	h := newHarness(t, cfg)
	addr := serveTCP(t, h)
	var cs []*tclient
	for i := 0; i < 3; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		c := newTClient(t, nc)
		c.send("ClientHello", "Name", "c"+strconv.Itoa(i), "ExpectedVersion", "2.0")
		c.expect("NodeHello")
		cs = append(cs, c)
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	extra := newTClient(t, nc)
	extra.expectClosed()
	cs[0].send("GenerateSSK")
	cs[0].expect("SSKKeypair")
}
