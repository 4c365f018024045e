package fcpclient_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpclient/fcptest"
	"github.com/hamsnet/hams/fcp/fcpwire"
)

func TestFailures(t *testing.T) {
	c, wait := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "ClientGet")
		if err != nil {
			return err
		}
		if err := sc.Reply("GetFailed", "Identifier", m.Get("Identifier"), "Code", "27", "CodeDescription", "New URI",
			"ShortCodeDescription", "New URI", "ExtraDescription", "newer edition", "Fatal", "true",
			"RedirectURI", "USK@x/site/5"); err != nil {
			return err
		}
		m, err = expect(sc, "ClientPut")
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, m.Data); err != nil {
			return err
		}
		if err := sc.Reply("PutFailed", "Identifier", m.Get("Identifier"), "Code", "9", "CodeDescription", "Collision",
			"Fatal", "true"); err != nil {
			return err
		}
		m, err = expect(sc, "GenerateSSK")
		if err != nil {
			return err
		}
		if err := sc.Send((&fcpwire.ProtocolError{Code: fcpwire.CodeInvalidField, Extra: "nope", Identifier: m.Get("Identifier")}).Message()); err != nil {
			return err
		}
		m, err = expect(sc, "GenerateSSK")
		if err != nil {
			return err
		}
		if err := sc.Reply("IdentifierCollision", "Identifier", m.Get("Identifier")); err != nil {
			return err
		}
		if m, err := sc.Read(); err == nil {
			return fmt.Errorf("unexpected %s", m.Name)
		}
		return nil
	})
	ctx := context.Background()
	_, err := c.Get(ctx, "USK@x/site/4", io.Discard, fcpclient.GetOptions{})
	var gf *fcpclient.GetFailedError
	if !errors.As(err, &gf) || gf.Code != 27 || !gf.Fatal || gf.RedirectURI != "USK@x/site/5" ||
		gf.ExtraDescription != "newer edition" || gf.ShortCodeDescription != "New URI" {
		t.Errorf("get: %#v", err)
	}
	_, err = c.Put(ctx, strings.NewReader("x"), 1, fcpclient.PutOptions{})
	var pf *fcpclient.PutFailedError
	if !errors.As(err, &pf) || pf.Code != 9 || !strings.HasPrefix(err.Error(), "client: put failed: code 9") {
		t.Errorf("put: %v", err)
	}
	_, _, err = c.GenerateSSK(ctx)
	var pe *fcpwire.ProtocolError
	if !errors.As(err, &pe) || pe.Code != fcpwire.CodeInvalidField || pe.Extra != "nope" {
		t.Errorf("protocol error: %v", err)
	}
	_, _, err = c.GenerateSSK(ctx)
	var ic *fcpclient.IdentifierCollisionError
	if !errors.As(err, &ic) {
		t.Errorf("collision: %v", err)
	}
	// The connection survived all of these (the server hangs up only after
	// the client closes, in the cleanup).
	if c.Err() != nil {
		t.Errorf("client error after request failures: %v", c.Err())
	}
	_ = wait
}

// pending starts n GenerateSSK calls and returns their results once the
// server has read all n requests; then act runs on the server.
func failAll(t *testing.T, act func(*fcptest.Conn) error) []error {
	const n = 3
	c, wait := script(t, func(sc *fcptest.Conn) error {
		for range n {
			if _, err := expect(sc, "GenerateSSK"); err != nil {
				return err
			}
		}
		return act(sc)
	})
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := c.GenerateSSK(context.Background())
			errs <- err
		}()
	}
	var out []error
	for range n {
		out = append(out, <-errs)
	}
	wait()
	return out
}

func TestConnectionLossFailsAll(t *testing.T) {
	for _, err := range failAll(t, func(sc *fcptest.Conn) error { return sc.Close() }) {
		var ce *fcpclient.ConnectionError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "connection to node lost") {
			t.Errorf("err = %v", err)
		}
	}
}

func TestProtocolErrorWithoutIdentifierFailsAll(t *testing.T) {
	errs := failAll(t, func(sc *fcptest.Conn) error {
		return sc.Send((&fcpwire.ProtocolError{Code: fcpwire.CodeMessageParseError, Extra: "bad"}).Message())
	})
	for _, err := range errs {
		var pe *fcpwire.ProtocolError
		if !errors.As(err, &pe) || pe.Code != fcpwire.CodeMessageParseError {
			t.Errorf("err = %v", err)
		}
	}
}

func TestCloseFailsPending(t *testing.T) {
	onWire := make(chan struct{})
	c, wait := script(t, func(sc *fcptest.Conn) error {
		if _, err := expect(sc, "GenerateSSK"); err != nil {
			return err
		}
		close(onWire)
		if _, err := sc.Read(); err == nil { // until the client closes
			return errors.New("unexpected message")
		}
		return nil
	})
	errc := make(chan error)
	go func() {
		_, _, err := c.GenerateSSK(context.Background())
		errc <- err
	}()
	<-onWire
	c.Close()
	if err := <-errc; !errors.Is(err, fcpclient.ErrClosed) {
		t.Errorf("err = %v", err)
	}
	wait()
	if _, _, err := c.GenerateSSK(context.Background()); !errors.Is(err, fcpclient.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	checkNoClientGoroutines(t)
}

func TestCancelSendsRemoveRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 1)
	c, wait := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "ClientGet")
		if err != nil {
			return err
		}
		cancel()
		rm, err := expect(sc, "RemoveRequest")
		if err != nil {
			return err
		}
		if rm.Get("Identifier") != m.Get("Identifier") {
			return fmt.Errorf("RemoveRequest for %q, want %q", rm.Get("Identifier"), m.Get("Identifier"))
		}
		got <- rm.Get("Identifier")
		// A late reply for the removed request is ignored.
		return sc.Reply("GetFailed", "Identifier", m.Get("Identifier"), "Code", "25", "CodeDescription", "Cancelled")
	})
	_, err := c.Get(ctx, "CHK@x", io.Discard, fcpclient.GetOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	<-got
	wait()
}

// pattern is an endless deterministic byte stream.
type pattern struct{ i byte }

func (p *pattern) Read(b []byte) (int, error) {
	for k := range b {
		b[k] = p.i
		p.i = p.i*7 + 3
	}
	return len(b), nil
}

// heapWatch is a writer that hashes and records the largest heap seen.
type heapWatch struct {
	h       hash.Hash
	n, next int64
	maxHeap uint64
}

func (w *heapWatch) Write(p []byte) (int, error) {
	w.h.Write(p)
	w.n += int64(len(p))
	if w.n >= w.next {
		w.next += 4 << 20
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.maxHeap = max(w.maxHeap, ms.HeapAlloc)
	}
	return len(p), nil
}

func baseHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestBigDataStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB transfer")
	}
	const size = 64 << 20
	const slack = 16 << 20
	want := sha256.New()
	io.CopyN(want, &pattern{}, size)
	wantSum := fmt.Sprintf("%x", want.Sum(nil))

	server := &heapWatch{h: sha256.New(), next: 1}
	c, wait := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "ClientPut")
		if err != nil {
			return err
		}
		if m.DataLength != size {
			return fmt.Errorf("DataLength %d", m.DataLength)
		}
		if _, err := io.Copy(server, m.Data); err != nil {
			return err
		}
		if err := sc.Reply("PutSuccessful", "Identifier", m.Get("Identifier"), "URI", "CHK@big"); err != nil {
			return err
		}
		m, err = expect(sc, "ClientGet")
		if err != nil {
			return err
		}
		if err := sc.Reply("DataFound", "Identifier", m.Get("Identifier"), "DataLength", "67108864"); err != nil {
			return err
		}
		all := fcptest.Msg("AllData", "Identifier", m.Get("Identifier"))
		all.Data, all.DataLength = io.LimitReader(&pattern{}, size), size
		return sc.Send(all)
	})
	base := baseHeap()
	uri, err := c.Put(context.Background(), io.LimitReader(&pattern{}, size), size, fcpclient.PutOptions{})
	if err != nil || uri != "CHK@big" {
		t.Fatalf("put: %q %v", uri, err)
	}
	if got := fmt.Sprintf("%x", server.h.Sum(nil)); got != wantSum {
		t.Errorf("server got different data")
	}
	if server.maxHeap > base+slack {
		t.Errorf("put: heap grew to %d MiB (base %d MiB): data is buffered", server.maxHeap>>20, base>>20)
	}

	base = baseHeap()
	w := &heapWatch{h: sha256.New(), next: 1}
	res, err := c.Get(context.Background(), "CHK@big", w, fcpclient.GetOptions{})
	if err != nil || res.Size != size {
		t.Fatalf("get: %+v %v", res, err)
	}
	if got := fmt.Sprintf("%x", w.h.Sum(nil)); got != wantSum {
		t.Errorf("client got different data")
	}
	if w.maxHeap > base+slack {
		t.Errorf("get: heap grew to %d MiB (base %d MiB): data is buffered", w.maxHeap>>20, base>>20)
	}
	wait()
}

func TestSubscribeUSK(t *testing.T) {
	unsub := make(chan string, 1)
	c, wait := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "SubscribeUSK")
		if err != nil {
			return err
		}
		id := m.Get("Identifier")
		if err := sc.Reply("SubscribedUSK", "Identifier", id, "URI", m.Get("URI")); err != nil {
			return err
		}
		for _, ed := range []string{"3", "4"} {
			if err := sc.Reply("SubscribedUSKUpdate", "Identifier", id, "Edition", ed, "URI", "USK@k/site/"+ed,
				"NewKnownGood", "true"); err != nil {
				return err
			}
		}
		u, err := expect(sc, "UnsubscribeUSK")
		if err != nil {
			return err
		}
		unsub <- u.Get("Identifier")
		return nil
	})
	ch, cancel, err := c.SubscribeUSK(context.Background(), "USK@k/site/0")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int64{3, 4} {
		u := <-ch
		if u.Edition != want || u.URI != fmt.Sprintf("USK@k/site/%d", want) || !u.NewKnownGood {
			t.Errorf("update %+v, want edition %d", u, want)
		}
	}
	cancel()
	cancel()
	if _, ok := <-ch; ok {
		t.Error("channel not closed after cancel")
	}
	if id := <-unsub; !strings.HasPrefix(id, "000000000000-") {
		t.Errorf("UnsubscribeUSK for %q", id)
	}
	wait()
}

func TestMiscMessages(t *testing.T) {
	c, wait := script(t, func(sc *fcptest.Conn) error {
		if _, err := expect(sc, "GetNode"); err != nil {
			return err
		}
		if err := sc.Reply("NodeData", "identity", "abc"); err != nil {
			return err
		}
		if _, err := expect(sc, "ListPeers"); err != nil {
			return err
		}
		for _, p := range []string{"p1", "p2"} {
			if err := sc.Reply("Peer", "identity", p); err != nil {
				return err
			}
		}
		if err := sc.Reply("EndListPeers"); err != nil {
			return err
		}
		if _, err := expect(sc, "ListPersistentRequests"); err != nil {
			return err
		}
		if err := sc.Reply("PersistentGet", "Identifier", "other", "URI", "CHK@a"); err != nil {
			return err
		}
		if err := sc.Reply("EndListPersistentRequests"); err != nil {
			return err
		}
		m, err := expect(sc, "RemoveRequest")
		if err != nil {
			return err
		}
		if err := sc.Reply("PersistentRequestRemoved", "Identifier", m.Get("Identifier")); err != nil {
			return err
		}
		if _, err := expect(sc, "WatchGlobal"); err != nil {
			return err
		}
		_, err = expect(sc, "Shutdown")
		return err
	})
	ctx := context.Background()
	if n, err := c.GetNode(ctx, true); err != nil || n.Get("identity") != "abc" {
		t.Errorf("GetNode: %v %v", n, err)
	}
	if p, err := c.ListPeers(ctx); err != nil || len(p) != 2 {
		t.Errorf("ListPeers: %v %v", p, err)
	}
	if p, err := c.ListPersistentRequests(ctx); err != nil || len(p) != 1 || p[0].Get("URI") != "CHK@a" {
		t.Errorf("ListPersistentRequests: %v %v", p, err)
	}
	if err := c.RemoveRequest(ctx, "other", false); err != nil {
		t.Errorf("RemoveRequest: %v", err)
	}
	if err := c.WatchGlobal(ctx, true, 1); err != nil {
		t.Error(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	wait()
}

// cancelAfter is a writer (or reader) that cancels a context once n bytes
// have passed.
type cancelAfter struct {
	n      int64
	cancel context.CancelFunc
	r      io.Reader
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.n -= int64(len(p))
	if c.n <= 0 {
		c.cancel()
	}
	return len(p), nil
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestCancelDuringDownloadKeepsConnection(t *testing.T) {
	const size = 8 << 20
	c, _ := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "ClientGet")
		if err != nil {
			return err
		}
		id := m.Get("Identifier")
		all := fcptest.Msg("AllData", "Identifier", id)
		all.Data, all.DataLength = io.LimitReader(&pattern{}, size), size
		if err := sc.Send(all); err != nil {
			return err
		}
		// RemoveRequest (sent in the background) and the next request
		// arrive in either order; answer once both are in.
		var removed bool
		var gen string
		for range 2 {
			m, err := sc.Read()
			if err != nil {
				return err
			}
			switch m.Name {
			case "RemoveRequest":
				removed = m.Get("Identifier") == id
			case "GenerateSSK":
				gen = m.Get("Identifier")
			}
		}
		if !removed {
			return errors.New("no RemoveRequest for the cancelled get")
		}
		if err := sc.Reply("SSKKeypair", "Identifier", gen, "InsertURI", "SSK@i/", "RequestURI", "SSK@r/"); err != nil {
			return err
		}
		_, err = sc.Read() // until the client closes
		_ = err
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Get(ctx, "CHK@big", &cancelAfter{n: 1 << 20, cancel: cancel}, fcpclient.GetOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("get: %v", err)
	}
	if _, _, err := c.GenerateSSK(context.Background()); err != nil {
		t.Fatalf("connection unusable after a cancelled download: %v", err)
	}
}

func TestCancelDuringUploadBreaksConnection(t *testing.T) {
	c, wait := script(t, func(sc *fcptest.Conn) error {
		m, err := expect(sc, "ClientPut")
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, m.Data); err == nil {
			return errors.New("upload completed despite cancellation")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	const size = 8 << 20
	_, err := c.Put(ctx, &cancelAfter{n: 1 << 20, cancel: cancel, r: io.LimitReader(&pattern{}, size)}, size, fcpclient.PutOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("put: %v", err)
	}
	var ce *fcpclient.ConnectionError
	if !errors.As(c.Err(), &ce) {
		t.Errorf("client error = %v, want a ConnectionError", c.Err())
	}
	wait()
}

func TestShortPutReaderFails(t *testing.T) {
	c, _ := script(t, func(sc *fcptest.Conn) error {
		// The header may or may not have left the client's buffer when the
		// connection closes: read until it does.
		if m, err := sc.Read(); err == nil && m.Data != nil {
			io.Copy(io.Discard, m.Data)
		}
		return nil
	})
	_, err := c.Put(context.Background(), strings.NewReader("short"), 100, fcpclient.PutOptions{})
	var ce *fcpclient.ConnectionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "wrote 5 of 100") {
		t.Errorf("err = %v", err)
	}
}

func TestUnsolicited(t *testing.T) {
	cc, sc := fcptest.Pipe()
	done := make(chan error, 1)
	go func() {
		defer sc.Close()
		if _, err := sc.Hello(); err != nil {
			done <- err
			return
		}
		if _, err := expect(sc, "WatchGlobal"); err != nil {
			done <- err
			return
		}
		m := fcptest.Msg("AllData", "Identifier", "someone-else", "Global", "true")
		m.Data, m.DataLength = strings.NewReader("skipped"), 7
		if err := sc.Send(m); err != nil {
			done <- err
			return
		}
		done <- sc.Reply("SimpleProgress", "Identifier", "someone-else", "Global", "true", "Succeeded", "1")
	}()
	got := make(chan string, 2)
	c, err := fcpclient.New(context.Background(), cc, "watcher", fcpclient.Options{
		Unsolicited: func(m *fcpwire.Message) { got <- m.Name },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WatchGlobal(context.Background(), true, 1); err != nil {
		t.Fatal(err)
	}
	if a, b := <-got, <-got; a != "AllData" || b != "SimpleProgress" {
		t.Errorf("unsolicited %s, %s", a, b)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}
