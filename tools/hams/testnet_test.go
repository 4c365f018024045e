package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// syncBuffer is a bytes.Buffer safe to write from one goroutine while
// another reads.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// command is a hams command running in-process in the background.
type command struct {
	out, errOut syncBuffer
	code        chan int // its exit status, once it ends
}

// startCommand runs hams with args in the background until ctx ends.
func startCommand(ctx context.Context, args ...string) *command {
	c := &command{code: make(chan int, 1)}
	env := &Env{Stdin: strings.NewReader(""), Stdout: &c.out, Stderr: &c.errOut, Getenv: func(string) string { return "" }}
	go func() { c.code <- run(ctx, env, args) }()
	return c
}

// wait waits until re matches n times in the command's standard output
// and returns the matches; it fails t if the command exits first or wait
// passes.
func (c *command) wait(t testing.TB, re *regexp.Regexp, n int, wait time.Duration) [][]string {
	t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindAllStringSubmatch(c.out.String(), -1); len(m) >= n {
			return m
		}
		select {
		case code := <-c.code:
			t.Fatalf("exited with %d: %s", code, c.errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d lines matching %s within %v: %s\n%s", n, re, wait, c.out.String(), c.errOut.String())
		}
	}
}

// testnetAddrs waits for a hams testnet of nodes nodes to be ready and
// returns the nodes' FCP addresses.
func (c *command) testnetAddrs(t testing.TB, nodes int, wait time.Duration) []string {
	t.Helper()
	var addrs []string
	for _, m := range c.wait(t, regexp.MustCompile(`(?m)^node-(\d+) fcp=(\S+) location=\S+ peers=\d+ dir=\S+ web=\S+$`), nodes, wait) {
		addrs = append(addrs, m[2])
	}
	if !strings.Contains(c.errOut.String(), fmt.Sprintf("testnet ready: %d nodes", nodes)) {
		t.Fatalf("no ready line: %s", c.errOut.String())
	}
	return addrs
}

// TestTestnet runs `hams testnet --nodes 8`, puts a file on node 0 with
// `hams put`, gets it on node 7 with `hams get`, and stops the testnet as
// Ctrl-C would.
func TestTestnet(t *testing.T) { testTestnet(t, 8, "tcp", 60*time.Second) }

// TestTestnetTor is TestTestnet with four nodes linked by onion services
// on a private Tor network.
func TestTestnetTor(t *testing.T) {
	tornet.Require(t, "tor", "tor-gencert")
	testTestnet(t, 4, "tor", 3*time.Minute)
}

func testTestnet(t *testing.T, nodes int, transport string, wait time.Duration) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn := startCommand(ctx, "testnet", "--nodes", strconv.Itoa(nodes), "--transport", transport, "--dir", dir, "--store-size", "64M")
	addrs := tn.testnetAddrs(t, nodes, wait)
	code, errOut := tn.code, &tn.errOut
	file := filepath.Join(t.TempDir(), "post.bin")
	data := bytes.Repeat([]byte("همس hams testnet "), 100000) // 1.9 MB: a splitfile
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := hams(t, nil, nil, false, "put", "--fcp", addrs[0], file)
	if r.code != 0 {
		t.Fatalf("put on node 0: %+v\ntestnet's log:\n%s", r, errOut.String())
	}
	uri := strings.TrimSpace(r.stdout)
	last := addrs[nodes-1]
	r = hams(t, nil, nil, false, "get", "--fcp", last, uri)
	if r.code != 0 || r.stdout != string(data) {
		t.Fatalf("get on node %d: code %d, %d bytes, stderr %s", nodes-1, r.code, len(r.stdout), r.stderr)
	}
	r = hams(t, nil, nil, false, "peer", "list", "--fcp", last)
	if r.code != 0 || strings.Count(r.stdout, "CONNECTED") < 2 || !regexp.MustCompile(`(?m)^IDENTITY +NAME +LOCATION +KIND +VERSION +STATUS +UP$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m) darknet +1 +CONNECTED +\d+s$`).MatchString(r.stdout) {
		t.Fatalf("peer list on node %d: %+v", nodes-1, r)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("testnet exited with %d after Ctrl-C: %s", c, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("testnet did not stop")
	}
	if !strings.Contains(errOut.String(), "stopping") {
		t.Fatalf("no stopping line: %s", errOut.String())
	}
}

// TestNodeTCP runs two `hams node --transport tcp` in-process: the first
// writes DIR/noderef, the second links to it with --connect, and
// `hams peer list` shows the link.
func TestNodeTCP(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := func(args ...string) (*syncBuffer, chan int) {
		var errOut syncBuffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, env, append([]string{"node", "--fcp", "127.0.0.1:0", "--web", "127.0.0.1:0", "--store-size", "16M"}, args...))
		}()
		return &errOut, code
	}
	fcpAddr := func(log *syncBuffer) string {
		re := regexp.MustCompile(`fcp listening on (\S+)`)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if m := re.FindStringSubmatch(log.String()); m != nil {
				return m[1]
			}
		}
		t.Fatalf("node did not start: %s", log.String())
		return ""
	}
	logA, codeA := start("--dir", dirA, "--transport", "tcp", "--listen", "127.0.0.1:0", "--name", "alice")
	fcpAddr(logA)
	logB, codeB := start("--dir", dirB, "--transport", "tcp", "--connect", filepath.Join(dirA, "noderef"))
	addrB := fcpAddr(logB)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := hams(t, nil, nil, false, "peer", "list", "--fcp", addrB)
		if r.code == 0 && strings.Contains(r.stdout, "alice") && strings.Contains(r.stdout, "CONNECTED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no link: %+v", r)
		}
	}
	r := hams(t, nil, nil, false, "peer", "remove", "--fcp", addrB, "nobody")
	if r.code != exitError || !strings.Contains(r.stderr, `hams: error: no peer "nobody"`) {
		t.Fatalf("remove unknown: %+v", r)
	}
	r = hams(t, nil, nil, false, "peer", "remove", "--fcp", addrB, "alice")
	if r.code != 0 {
		t.Fatalf("remove alice: %+v", r)
	}
	r = hams(t, strings.NewReader("not a noderef"), nil, false, "peer", "add", "--fcp", addrB, "-")
	if r.code != exitError || !strings.Contains(r.stderr, "hams: error:") {
		t.Fatalf("add garbage: %+v", r)
	}
	r = hams(t, nil, nil, false, "peer", "add", "--fcp", addrB, filepath.Join(dirA, "noderef"))
	if r.code != 0 || !strings.Contains(r.stdout, "added") || !strings.Contains(r.stdout, "alice") {
		t.Fatalf("add alice again: %+v", r)
	}
	cancel()
	for _, c := range []chan int{codeA, codeB} {
		if code := <-c; code != 0 {
			t.Fatalf("node exited with %d: %s %s", code, logA.String(), logB.String())
		}
	}
	r = hams(t, nil, nil, false, "node", "--transport", "none", "--listen", "127.0.0.1:1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "hams: hint: add --transport tcp") {
		t.Fatalf("--listen without tcp: %+v", r)
	}
	r = hams(t, nil, nil, false, "node", "--listen", "127.0.0.1:1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "onion service is its only way in") {
		t.Fatalf("--listen in Tor mode: %+v", r)
	}
	// Tor is the default transport: without tor, a clear error and how to
	// get it.
	r = hams(t, nil, nil, false, "node", "--dir", t.TempDir(), "--tor-path", filepath.Join(t.TempDir(), "no-tor"))
	if r.code != exitError || !strings.Contains(r.stderr, "hams: error: tor not found\n") ||
		!strings.Contains(r.stderr, "hams: hint: install it (Debian, Ubuntu: sudo apt-get install tor)") {
		t.Fatalf("node without tor: %+v", r)
	}
}
