package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startNode starts a node on a free loopback port in a temporary directory.
func startNode(t testing.TB, dir string) *Node {
	t.Helper()
	n, err := Start(Config{Dir: dir, FCPAddr: "127.0.0.1:0", StoreSize: 2 << 30, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dial(t testing.TB, n *Node) *fcpclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := fcpclient.Dial(ctx, n.FCPAddr(), "node-test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// randReader is a seeded, deterministic stream of n bytes.
func randReader(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

func hashOf(r io.Reader) [32]byte {
	h := sha256.New()
	io.Copy(h, r)
	return [32]byte(h.Sum(nil))
}

func TestNodeRoundTripsOverFCP(t *testing.T) {
	before := runtime.NumGoroutine()
	n := startNode(t, t.TempDir())
	c := dial(t, n)
	ctx := context.Background()
	sizes := []int64{0, 1, 32<<10 - 1, 32 << 10, 32<<10 + 1, 1 << 20}
	if !testing.Short() {
		sizes = append(sizes, 100<<20)
	}
	for i, size := range sizes {
		uri, err := c.Put(ctx, randReader(uint64(i), size), size, fcpclient.PutOptions{ContentType: "application/x-test"})
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		h := sha256.New()
		res, err := c.Get(ctx, uri, h, fcpclient.GetOptions{})
		if err != nil {
			t.Fatalf("get %d bytes (%s): %v", size, uri, err)
		}
		if res.Size != size || [32]byte(h.Sum(nil)) != hashOf(randReader(uint64(i), size)) || res.ContentType != "application/x-test" {
			t.Fatalf("%d bytes: got %d bytes, type %q, or different content", size, res.Size, res.ContentType)
		}
	}
	// SSK and KSK.
	ins, req, err := c.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("همس "), 20000)
	for _, put := range []struct{ insert, request string }{{ins + "site", req + "site"}, {"KSK@hams-node-test", "KSK@hams-node-test"}} {
		got, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: put.insert})
		if err != nil {
			t.Fatalf("put %s: %v", put.insert, err)
		}
		if got != put.request {
			t.Fatalf("put returned %s, want %s", got, put.request)
		}
		var buf bytes.Buffer
		if _, err := c.Get(ctx, put.request, &buf, fcpclient.GetOptions{}); err != nil || !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("get %s: %v", put.request, err)
		}
	}
	c.Close()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, before)
}

// TestNodeRedirects inserts a file, then redirects to it (FCP
// UploadFrom=redirect) under a CHK, an SSK and a KSK; each fetches the file
// with its content type. A redirect to an insert URI is refused.
func TestNodeRedirects(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := dial(t, n)
	defer c.Close()
	ctx := context.Background()
	data := bytes.Repeat([]byte("redirect me "), 10000) // a splitfile
	target, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{ContentType: "text/x-target"})
	if err != nil {
		t.Fatal(err)
	}
	ins, req, err := c.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []struct{ insert, request string }{
		{"CHK@", ""}, {ins + "moved", req + "moved"}, {"KSK@hams-moved", "KSK@hams-moved"},
	} {
		got, err := c.PutRedirect(ctx, target, fcpclient.PutOptions{URI: at.insert})
		if err != nil {
			t.Fatalf("redirect at %s: %v", at.insert, err)
		}
		if at.request != "" && got != at.request {
			t.Fatalf("redirect at %s returned %s, want %s", at.insert, got, at.request)
		}
		if got == target {
			t.Fatal("the CHK redirect has the target's URI")
		}
		var buf bytes.Buffer
		res, err := c.Get(ctx, got, &buf, fcpclient.GetOptions{})
		if err != nil || !bytes.Equal(buf.Bytes(), data) || res.ContentType != "text/x-target" {
			t.Fatalf("get %s: %v (%d bytes, type %q)", got, err, buf.Len(), res.ContentType)
		}
	}
	_, err = c.PutRedirect(ctx, ins+"x", fcpclient.PutOptions{URI: "CHK@"})
	var pe *fcpwire.ProtocolError
	if !errors.As(err, &pe) || pe.Code != 8 {
		t.Fatalf("redirect to an insert URI: %v, want ProtocolError 8", err)
	}
}

func TestNodeDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := dial(t, n)
	ctx := context.Background()
	uri, err := c.Put(ctx, randReader(7, 3<<20), 3<<20, fcpclient.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	n.Close()

	n = startNode(t, dir)
	defer n.Close()
	c = dial(t, n)
	defer c.Close()
	h := sha256.New()
	if _, err := c.Get(ctx, uri, h, fcpclient.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if [32]byte(h.Sum(nil)) != hashOf(randReader(7, 3<<20)) {
		t.Fatal("content changed across a restart")
	}
}

func TestNodeShutdownMessage(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started := make(chan *Node, 1)
	done := make(chan error, 1)
	go func() {
		n, err := Start(Config{Dir: dir, FCPAddr: "127.0.0.1:0", Logger: quiet()})
		if err != nil {
			done <- err
			return
		}
		started <- n
		select {
		case <-n.ShutdownRequested():
		case <-ctx.Done():
		}
		done <- n.Close()
	}()
	var n *Node
	select {
	case n = <-started:
	case err := <-done:
		t.Fatal(err)
	}
	c := dial(t, n)
	defer c.Close()
	if err := c.Shutdown(ctx); err != nil && !errors.Is(err, io.EOF) {
		var ce *fcpclient.ConnectionError
		if !errors.As(err, &ce) {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestStartRefusesBusyAddress: a second node on an FCP address in use fails
// to start because the address is in use (EADDRINUSE, wrapped), not for any
// other reason.
func TestStartRefusesBusyAddress(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	n2, err := Start(Config{Dir: t.TempDir(), FCPAddr: n.FCPAddr(), Logger: quiet()})
	if err == nil {
		n2.Close()
		t.Fatal("second node on the same FCP address started")
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.HasPrefix(err.Error(), "node: FCP: ") {
		t.Fatalf("second node on the same FCP address: %v, want a node: FCP: error wrapping EADDRINUSE", err)
	}
}

// waitGoroutines waits briefly for the goroutine count to return to before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if runtime.NumGoroutine() <= before {
			return
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines left (before: %d)\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}

// TestNodeGetMissing: a fetch of a key nobody inserted fails with fred's
// DATA_NOT_FOUND (13) and the connection stays usable. (The client layer's
// error text spans lines; it once made the reply unsendable and the server
// dropped the connection.)
func TestNodeGetMissing(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := dial(t, n)
	defer c.Close()
	ctx := context.Background()
	missing := "CHK@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQEAAA"
	_, err := c.Get(ctx, missing, io.Discard, fcpclient.GetOptions{})
	var gf *fcpclient.GetFailedError
	if !errors.As(err, &gf) || gf.Code != 13 {
		t.Fatalf("get of a missing key: %v, want GetFailed code 13", err)
	}
	if strings.ContainsAny(gf.ExtraDescription, "\r\n") {
		t.Fatalf("ExtraDescription %q spans lines", gf.ExtraDescription)
	}
	uri, err := c.Put(ctx, strings.NewReader("still here"), 10, fcpclient.PutOptions{})
	if err != nil {
		t.Fatalf("connection unusable after GetFailed: %v", err)
	}
	var buf bytes.Buffer
	if _, err := c.Get(ctx, uri, &buf, fcpclient.GetOptions{}); err != nil || buf.String() != "still here" {
		t.Fatalf("get after GetFailed: %q %v", buf.String(), err)
	}
}

// TestNodeDiskPutGet: after TestDDA the node reads and writes the client's
// files itself (UploadFrom=disk, ReturnType=disk); without it, it refuses.
func TestNodeDiskPutGet(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := dial(t, n)
	defer c.Close()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "in.bin")
	data, _ := io.ReadAll(randReader(5, 3<<20+17))
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var pe *fcpwire.ProtocolError
	if _, err := c.PutFile(ctx, src, fcpclient.PutOptions{}); !errors.As(err, &pe) || pe.Code != fcpwire.CodeDDADenied {
		t.Fatalf("PutFile without TestDDA: %v, want ProtocolError 25", err)
	}
	r, w, err := c.TestDDA(ctx, dir, true, true)
	if err != nil || !r || !w {
		t.Fatalf("TestDDA: read %v write %v err %v", r, w, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "DDACheck-*")); len(left) != 0 {
		t.Fatalf("TestDDA left files behind: %v", left)
	}
	uri, err := c.PutFile(ctx, src, fcpclient.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out.bin")
	res, err := c.GetFile(ctx, uri, dst, fcpclient.GetOptions{})
	if err != nil || res.Size != int64(len(data)) {
		t.Fatalf("GetFile: %+v %v", res, err)
	}
	got, _ := os.ReadFile(dst)
	if !bytes.Equal(got, data) {
		t.Fatal("GetFile wrote different bytes")
	}
	if _, err := c.GetFile(ctx, uri, dst, fcpclient.GetOptions{}); !errors.Is(err, fcpclient.ErrExists) {
		t.Fatalf("GetFile over an existing file: %v", err)
	}
}

// TestNodeUSKAndDirectory: a USK edition and a directory (ClientPutComplexDir)
// round-trip through the Go client and the real node.
func TestNodeUSKAndDirectory(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := dial(t, n)
	defer c.Close()
	ctx := context.Background()
	ins, req, err := c.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uskIns := "USK" + strings.TrimPrefix(ins, "SSK") + "blog/0"
	uskReq := "USK" + strings.TrimPrefix(req, "SSK") + "blog/0"
	for ed, text := range []string{"first post", "ثاني منشور"} {
		in := strings.Replace(uskIns, "/0", "/"+strconv.Itoa(ed), 1)
		got, err := c.Put(ctx, strings.NewReader(text), int64(len(text)), fcpclient.PutOptions{URI: in})
		if err != nil {
			t.Fatalf("put edition %d: %v", ed, err)
		}
		if want := strings.Replace(uskReq, "/0", "/"+strconv.Itoa(ed), 1); got != want {
			t.Fatalf("put edition %d returned %s, want %s", ed, got, want)
		}
	}
	var buf bytes.Buffer
	if _, err := c.Get(ctx, strings.Replace(uskReq, "/0", "/1", 1), &buf, fcpclient.GetOptions{}); err != nil || buf.String() != "ثاني منشور" {
		t.Fatalf("get edition 1: %q %v", buf.String(), err)
	}

	page := []byte("<html dir=\"auto\">مرحبا</html>")
	img, _ := io.ReadAll(randReader(11, 70<<10))
	dirURI, err := c.PutDir(ctx, []fcpclient.DirFile{
		{Name: "index.html", Data: bytes.NewReader(page), Size: int64(len(page)), ContentType: "text/html"},
		{Name: "img/a.png", Data: bytes.NewReader(img), Size: int64(len(img)), ContentType: "image/png"},
	}, fcpclient.PutDirOptions{DefaultName: "index.html"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"/index.html": page, "/img/a.png": img, "": page} {
		buf.Reset()
		res, err := c.Get(ctx, strings.TrimSuffix(dirURI, "/")+name, &buf, fcpclient.GetOptions{})
		if err != nil || !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("get %s%s: %v", dirURI, name, err)
		}
		if name == "/img/a.png" && res.ContentType != "image/png" {
			t.Fatalf("content type %q", res.ContentType)
		}
	}
}
