package fcpclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpclient/fcptest"
	"github.com/hamsnet/hams/fcp/fcpwire"
)

// script starts a client over an in-memory pipe whose server side runs
// serve (after the hello) in a goroutine; it returns the client and a
// function that waits for serve to return and reports its error.
func script(t *testing.T, serve func(*fcptest.Conn) error) (*fcpclient.Client, func()) {
	t.Helper()
	cc, sc := fcptest.Pipe()
	errc := make(chan error, 1)
	go func() {
		defer sc.Close()
		if _, err := sc.Hello(); err != nil {
			errc <- err
			return
		}
		errc <- serve(sc)
	}()
	c, err := fcpclient.New(context.Background(), cc, "test", fcpclient.Options{Rand: bytes.NewReader(make([]byte, 6))})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	wait := func() {
		once.Do(func() {
			if err := <-errc; err != nil {
				t.Errorf("server: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		c.Close()
		wait()
		checkNoClientGoroutines(t)
	})
	return c, wait
}

// checkNoClientGoroutines fails if any goroutine runs client code. A
// goroutine that has signalled its end may still be unwinding, so the check
// yields and retries a bounded number of times before failing.
func checkNoClientGoroutines(t *testing.T) {
	t.Helper()
	var left []string
	for range 1000 {
		left = left[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "hams/fcp/fcpclient.(*Client)") || strings.Contains(g, "hams/fcp/fcpclient.(*request)") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		runtime.Gosched()
	}
	for _, g := range left {
		t.Errorf("goroutine left running:\n%s", g)
	}
}

func expect(sc *fcptest.Conn, name string) (*fcpwire.Message, error) {
	m, err := sc.Read()
	if err != nil {
		return nil, err
	}
	if m.Name != name {
		return m, fmt.Errorf("got %s, want %s", m.Name, name)
	}
	return m, nil
}

func TestNodeRoundTrip(t *testing.T) {
	node := &fcptest.Node{}
	srv, err := fcptest.NewServer(node.Serve)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c, err := fcpclient.Dial(ctx, srv.Addr, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.NodeHello.Get("FCPVersion") != "2.0" {
		t.Errorf("NodeHello = %v", c.NodeHello)
	}
	data := bytes.Repeat([]byte("hams "), 50000)
	var progress []fcpclient.Progress
	uri, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{
		ContentType: "text/plain",
		Progress:    func(p fcpclient.Progress) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "CHK@") {
		t.Errorf("uri = %q", uri)
	}
	if len(progress) == 0 || progress[len(progress)-1].Succeeded != progress[len(progress)-1].Total {
		t.Errorf("progress = %+v", progress)
	}
	var out bytes.Buffer
	res, err := c.Get(ctx, uri, &out, fcpclient.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) || res.Size != int64(len(data)) || res.ContentType != "text/plain" {
		t.Errorf("get: %d bytes, %+v", out.Len(), res)
	}
	_, err = c.Get(ctx, "CHK@missing", io.Discard, fcpclient.GetOptions{})
	var gf *fcpclient.GetFailedError
	if !errors.As(err, &gf) || gf.Code != 13 {
		t.Errorf("missing: err = %v", err)
	}
	ins, req, err := c.GenerateSSK(ctx)
	if err != nil || !strings.HasPrefix(ins, "SSK@") || !strings.HasPrefix(req, "SSK@") || ins == req {
		t.Fatalf("GenerateSSK = %q, %q, %v", ins, req, err)
	}
	sskURI, err := c.Put(ctx, strings.NewReader("doc"), 3, fcpclient.PutOptions{URI: ins + "doc"})
	if err != nil || sskURI != req+"doc" {
		t.Errorf("SSK put = %q, %v; want %q", sskURI, err, req+"doc")
	}

	dir, err := c.PutDir(ctx, []fcpclient.DirFile{
		{Name: "index.html", Data: strings.NewReader("<p>hi</p>"), Size: 9, ContentType: "text/html"},
		{Name: "a/b.txt", Data: strings.NewReader("bee"), Size: 3},
	}, fcpclient.PutDirOptions{DefaultName: "index.html"})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if res, err := c.Get(ctx, dir+"/a/b.txt", &out, fcpclient.GetOptions{}); err != nil || out.String() != "bee" {
		t.Errorf("dir file: %q %+v %v", out.String(), res, err)
	}
}

func TestMultiplexedConcurrentGets(t *testing.T) {
	const n = 20
	c, wait := script(t, func(sc *fcptest.Conn) error {
		var ids []string
		for range n {
			m, err := expect(sc, "ClientGet")
			if err != nil {
				return err
			}
			ids = append(ids, m.Get("Identifier")+" "+m.Get("URI"))
		}
		// Answer in reverse order, progress for everyone first.
		for i := n - 1; i >= 0; i-- {
			id, _, _ := strings.Cut(ids[i], " ")
			if err := sc.Reply("SimpleProgress", "Identifier", id, "Total", "2", "Succeeded", "1"); err != nil {
				return err
			}
		}
		for i := n - 1; i >= 0; i-- {
			id, uri, _ := strings.Cut(ids[i], " ")
			body := strings.Repeat(uri, 1000)
			m := fcptest.Msg("AllData", "Identifier", id, "Metadata.ContentType", "text/plain")
			m.Data, m.DataLength = strings.NewReader(body), int64(len(body))
			if err := sc.Send(m); err != nil {
				return err
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	ids := map[string]bool{}
	var mu sync.Mutex
	for i := range n {
		wg.Go(func() {
			uri := "KSK@" + strconv.Itoa(i)
			var out bytes.Buffer
			_, err := c.Get(context.Background(), uri, &out, fcpclient.GetOptions{Progress: func(p fcpclient.Progress) {
				mu.Lock()
				ids[uri] = true
				mu.Unlock()
			}})
			if err != nil || out.String() != strings.Repeat(uri, 1000) {
				t.Errorf("%s: %d bytes, %v", uri, out.Len(), err)
			}
		})
	}
	wg.Wait()
	wait()
	if len(ids) != n {
		t.Errorf("progress reached %d requests, want %d", len(ids), n)
	}
}

func TestIdentifiersUnique(t *testing.T) {
	seen := map[string]bool{}
	c, wait := script(t, func(sc *fcptest.Conn) error {
		for range 3 {
			m, err := expect(sc, "GenerateSSK")
			if err != nil {
				return err
			}
			id := m.Get("Identifier")
			if seen[id] || !strings.HasPrefix(id, "000000000000-") {
				return fmt.Errorf("identifier %q reused or without the injected prefix", id)
			}
			seen[id] = true
			if err := sc.Reply("SSKKeypair", "Identifier", id, "InsertURI", "SSK@i/", "RequestURI", "SSK@r/"); err != nil {
				return err
			}
		}
		return nil
	})
	for range 3 {
		if _, _, err := c.GenerateSSK(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	wait()
}
