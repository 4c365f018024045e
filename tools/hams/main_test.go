package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpclient/fcptest"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node"
)

// result is what one in-process run of hams produced.
type result struct {
	code           int
	stdout, stderr string
}

// hams runs the command line in-process with the given stdin and
// environment.
func hams(t *testing.T, stdin io.Reader, envv map[string]string, terminal bool, args ...string) result {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	env := &Env{
		Stdin:          stdin,
		Stdout:         &out,
		Stderr:         &errb,
		Getenv:         func(k string) string { return envv[k] },
		StderrTerminal: terminal,
	}
	code := run(context.Background(), env, args)
	return result{code, out.String(), errb.String()}
}

// fakeNode starts an in-memory FCP node and returns its address.
func fakeNode(t *testing.T) (string, *fcptest.Node) {
	t.Helper()
	node := &fcptest.Node{}
	srv, err := fcptest.NewServer(node.Serve)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.Addr, node
}

// refusedAddr returns a loopback address nobody listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUsage(t *testing.T) {
	r := hams(t, nil, nil, false)
	if r.code != exitUsage || !strings.Contains(r.stderr, "usage: hams COMMAND") {
		t.Errorf("no args: %+v", r)
	}
	r = hams(t, nil, nil, false, "help")
	if r.code != 0 {
		t.Errorf("help: %+v", r)
	}
	for _, name := range []string{"put", "get", "keygen"} {
		if !strings.Contains(r.stdout, "hams "+name+" ") {
			t.Errorf("help does not list %s:\n%s", name, r.stdout)
		}
	}
	for name := range commands {
		if !strings.Contains(r.stdout, "hams "+name) {
			t.Errorf("help does not list registered %s", name)
		}
	}
	r = hams(t, nil, nil, false, "help", "get")
	if r.code != 0 || !strings.Contains(r.stderr, "usage: hams get") || !strings.Contains(r.stderr, "-force") {
		t.Errorf("help get: %+v", r)
	}
	r = hams(t, nil, nil, false, "frobnicate")
	if r.code != exitUsage || !strings.Contains(r.stderr, `hams: error: unknown command "frobnicate"`) ||
		!strings.Contains(r.stderr, "hams: hint: run 'hams help'") {
		t.Errorf("unknown: %+v", r)
	}
	r = hams(t, nil, nil, false, "get")
	if r.code != exitUsage || !strings.Contains(r.stderr, "hams: error: get takes one URI") ||
		!strings.Contains(r.stderr, "usage: hams get") {
		t.Errorf("get without URI: %+v", r)
	}
	r = hams(t, nil, nil, false, "put", "--bogus", "x")
	if r.code != exitUsage || !strings.Contains(r.stderr, "hams: error:") {
		t.Errorf("bad flag: %+v", r)
	}
}

func TestConnectionRefusedHint(t *testing.T) {
	addr := refusedAddr(t)
	for _, args := range [][]string{{"keygen", "--fcp", addr}, {"get", "--fcp", addr, "CHK@x"}} {
		r := hams(t, nil, nil, false, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "hams: error: cannot connect to the node at "+addr) ||
			!strings.Contains(r.stderr, "hams: hint: is the node running? start it with: hams node") {
			t.Errorf("%v: %+v", args, r)
		}
	}
	// $HAMS_FCP is honoured.
	r := hams(t, nil, map[string]string{"HAMS_FCP": addr}, false, "keygen")
	if !strings.Contains(r.stderr, addr) {
		t.Errorf("HAMS_FCP ignored: %+v", r)
	}
}

func TestKeygen(t *testing.T) {
	addr, _ := fakeNode(t)
	r := hams(t, nil, map[string]string{"HAMS_FCP": addr}, false, "keygen")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "SSK@") || !strings.HasPrefix(lines[1], "SSK@") ||
		lines[0] == lines[1] || r.stderr != "" {
		t.Fatalf("keygen: %+v", r)
	}
	// Insert under the new key, fetch by the request URI.
	r = hams(t, strings.NewReader("signed"), nil, false, "put", "-", "--fcp", addr, "--uri", lines[0]+"doc")
	if r.code != 0 || strings.TrimSpace(r.stdout) != lines[1]+"doc" {
		t.Fatalf("put to SSK: %+v", r)
	}
	r = hams(t, nil, nil, false, "get", "--fcp", addr, lines[1]+"doc")
	if r.code != 0 || r.stdout != "signed" {
		t.Fatalf("get SSK: %+v", r)
	}
}

func contentType(t *testing.T, addr, uri string) string {
	t.Helper()
	c, err := fcpclient.Dial(context.Background(), addr, "probe")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Get(context.Background(), uri, io.Discard, fcpclient.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.ContentType
}

// TestPutGetFiles runs put FILE and get -o FILE against the fake node, which
// refuses direct disk access (so the data crosses the connection), and
// against a real node, which grants it (so the node reads and writes the
// files itself).
func TestPutGetFiles(t *testing.T) {
	t.Run("fake-node", func(t *testing.T) {
		addr, _ := fakeNode(t)
		if dda := testPutGetFiles(t, addr); dda != "" {
			t.Errorf("direct disk access used with the fake node: %q", dda)
		}
	})
	t.Run("real-node", func(t *testing.T) {
		n, err := node.Start(node.Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if dda := testPutGetFiles(t, n.FCPAddr()); dda != "put get put get get" {
			t.Errorf("direct disk access used for %q, want every put and get -o", dda)
		}
	})
}

// testPutGetFiles returns the operations that used direct disk access.
func testPutGetFiles(t *testing.T, addr string) string {
	var dda []string
	testHookDDA = func(op string) { dda = append(dda, op) }
	defer func() { testHookDDA = nil }()
	dir := t.TempDir()
	src := filepath.Join(dir, "page.html")
	data := bytes.Repeat([]byte("<p>hams</p>\n"), 1000)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Flags after the positional argument work too.
	r := hams(t, nil, nil, false, "put", src, "--fcp", addr)
	uri := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(uri, "CHK@") || r.stderr != "" {
		t.Fatalf("put: %+v", r)
	}

	dst := filepath.Join(dir, "out", "copy.html")
	os.Mkdir(filepath.Dir(dst), 0o755)
	r = hams(t, nil, nil, false, "get", "--fcp", addr, "-o", dst, uri)
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("get -o: %+v", r)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get -o wrote %d bytes, %v", len(got), err)
	}
	// The content type was guessed from the extension; --type overrides it.
	if ct := contentType(t, addr, uri); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q", ct)
	}
	r = hams(t, nil, nil, false, "put", "--fcp", addr, "--type", "application/x-test", src)
	if ct := contentType(t, addr, strings.TrimSpace(r.stdout)); r.code != 0 || ct != "application/x-test" {
		t.Errorf("--type: content type %q, %+v", ct, r)
	}

	// Refuses to overwrite without --force.
	r = hams(t, nil, nil, false, "get", "--fcp", addr, "-o", dst, uri)
	if r.code == 0 || !strings.Contains(r.stderr, "already exists") || !strings.Contains(r.stderr, "hams: hint: use --force") {
		t.Errorf("overwrite: %+v", r)
	}
	os.WriteFile(dst, []byte("old"), 0o644)
	r = hams(t, nil, nil, false, "get", "--force", "--fcp", addr, "-o", dst, uri)
	if got, _ := os.ReadFile(dst); r.code != 0 || !bytes.Equal(got, data) {
		t.Errorf("--force: %+v", r)
	}

	// A failed fetch leaves no file, not even a temporary one.
	missing := filepath.Join(dir, "out", "missing.bin")
	_, absent, _ := keys.EncodeCHK([]byte("never inserted"), keys.EncodeOptions{})
	r = hams(t, nil, nil, false, "get", "--fcp", addr, "-o", missing, absent.String())
	if r.code != exitError || !strings.Contains(r.stderr, "hams: error: client: get failed: code 13") ||
		!strings.Contains(r.stderr, "hams: hint:") {
		t.Errorf("missing: %+v", r)
	}
	ents, _ := os.ReadDir(filepath.Dir(dst))
	if len(ents) != 1 || ents[0].Name() != "copy.html" {
		t.Errorf("directory holds %v, want only copy.html", ents)
	}
	return strings.Join(dda, " ")
}

func TestPutStdinGetStdout(t *testing.T) {
	addr, _ := fakeNode(t)
	data := bytes.Repeat([]byte{0, 1, 2, 250}, 100000)
	r := hams(t, bytes.NewReader(data), nil, false, "put", "--fcp", addr, "-")
	uri := strings.TrimSpace(r.stdout)
	if r.code != 0 || uri == "" {
		t.Fatalf("put -: %+v", r)
	}
	r = hams(t, nil, nil, false, "get", "--fcp", addr, uri)
	if r.code != 0 || r.stdout != string(data) {
		t.Fatalf("get to stdout: code %d, %d bytes, %s", r.code, len(r.stdout), r.stderr)
	}

	// Standard input that is a regular file is sent without spooling.
	f, err := os.CreateTemp(t.TempDir(), "in")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("skip:file body"))
	f.Seek(5, io.SeekStart)
	r = hams(t, f, nil, false, "put", "--fcp", addr, "-")
	f.Close()
	uri = strings.TrimSpace(r.stdout)
	if r2 := hams(t, nil, nil, false, "get", "--fcp", addr, uri); r.code != 0 || r2.stdout != "file body" {
		t.Errorf("stdin file: %+v %+v", r, r2)
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	addr, _ := fakeNode(t)
	big := bytes.Repeat([]byte("x"), 2<<20)
	r := hams(t, bytes.NewReader(big), nil, false, "put", "--fcp", addr, "-")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("no terminal: %+v", r)
	}
	uri := strings.TrimSpace(r.stdout)
	r = hams(t, bytes.NewReader(big), nil, true, "put", "--fcp", addr, "-")
	if r.code != 0 || r.stderr == "" || strings.TrimSpace(r.stdout) != uri {
		t.Errorf("terminal, big put: code %d, stderr %q", r.code, r.stderr)
	}
	r = hams(t, nil, nil, true, "get", "--fcp", addr, uri)
	if r.code != 0 || r.stderr == "" || len(r.stdout) != len(big) {
		t.Errorf("terminal, big get: code %d, stderr %q", r.code, r.stderr)
	}
	r = hams(t, strings.NewReader("small"), nil, true, "put", "--fcp", addr, "-")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("terminal, small put: %+v", r)
	}
}

// TestFollowRedirects: get follows GetFailed redirects (code 27, e.g. a newer
// USK edition), stops on a redirect to itself, and gives up after
// maxRedirects.
func TestFollowRedirects(t *testing.T) {
	env := &Env{Stderr: io.Discard}
	redirect := func(to string) error {
		e := &fcpclient.GetFailedError{RedirectURI: to}
		e.Code = 27
		return e
	}
	var asked []string
	uri := "USK@a/site/1"
	err := followRedirects(env, &uri, func(u string, _ fcpclient.GetOptions) error {
		asked = append(asked, u)
		if u == "USK@a/site/1" {
			return redirect("USK@a/site/3")
		}
		return nil
	})
	if err != nil || uri != "USK@a/site/3" || strings.Join(asked, " ") != "USK@a/site/1 USK@a/site/3" {
		t.Fatalf("err %v, uri %s, asked %v", err, uri, asked)
	}
	n := 0
	err = followRedirects(env, &uri, func(u string, _ fcpclient.GetOptions) error {
		n++
		return redirect(fmt.Sprintf("USK@a/site/%d", 10+n))
	})
	if err == nil || !strings.Contains(err.Error(), "more than 5 redirects") || n != maxRedirects+1 {
		t.Fatalf("endless redirects: %v after %d gets", err, n)
	}
	uri = "USK@a/site/7"
	err = followRedirects(env, &uri, func(u string, _ fcpclient.GetOptions) error { return redirect(u) })
	var gf *fcpclient.GetFailedError
	if !errors.As(err, &gf) {
		t.Fatalf("redirect to itself: %v, want the GetFailed", err)
	}
}

// TestPackageDocListsCommands: the command list in the package doc names
// every registered command, so it cannot fall behind again.
func TestPackageDocListsCommands(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := strings.Cut(string(src), "\npackage main")
	for name := range commands {
		if !strings.Contains(doc, "//\thams "+name+" ") {
			t.Errorf("main.go's package doc does not list hams %s", name)
		}
	}
}
