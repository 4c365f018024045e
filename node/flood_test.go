package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// rawPeer is a hand-driven peer: a real link to a node, but whatever
// messages the test writes. It never sends PeerLocations unless a test
// does, like a peer that predates them, and counts those it gets.
type rawPeer struct {
	l       *link.Link
	replies map[routing.MsgType]*atomic.Int64
	locs    atomic.Int64 // PeerLocations received
	// answer, when set, makes the reply to each request.
	answer func(m routing.Message) routing.Message
	closed chan struct{}
}

func (p *rawPeer) HandleFrame(l *link.Link, frame []byte) error {
	wm, err := peerwire.DecodeMessage(frame)
	if err != nil {
		return err
	}
	if wm.Type == peerwire.TypePeerLocations {
		p.locs.Add(1)
		return nil
	}
	m := wm.Routing
	p.replies[m.Type].Add(1)
	if p.answer != nil && m.Type == routing.MsgRequest {
		b, err := peerwire.Append(nil, ptr(p.answer(m)))
		if err != nil {
			return err
		}
		return l.Send(b)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func (p *rawPeer) LinkClosed(*link.Link, error) { close(p.closed) }

// dialRaw links a raw peer at location loc to n over a pipe.
func dialRaw(t *testing.T, n *Node, seed uint64, loc routing.Location, answer func(routing.Message) routing.Message) *rawPeer {
	t.Helper()
	rnd := seededRand(seed)
	sk, _ := link.GenerateStaticKey(rnd)
	var s [32]byte
	rnd.Read(s[:])
	ref, err := noderef.New(ed25519.NewKeyFromSeed(s[:]), noderef.Ref{Noise: sk.Public, Location: loc, Name: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := net.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- n.AcceptStream(p2) }()
	l, err := link.Handshake(context.Background(), p1, true, sk, ref.Marshal(), func([32]byte, []byte) error { return nil }, link.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{l: l, replies: map[routing.MsgType]*atomic.Int64{}, answer: answer, closed: make(chan struct{})}
	for ty := routing.MsgRequest; ty <= routing.MsgInsertReply; ty++ {
		p.replies[ty] = new(atomic.Int64)
	}
	l.Start(p)
	t.Cleanup(func() { l.Close() })
	return p
}

// TestFloodFromOnePeer: one peer sends 10,000 requests for keys nobody has
// as fast as its link carries them, while another node fetches a file held
// by the flooded node. The flooded node refuses what is over the peer's
// limit, keeps its memory bounded, and serves the other node.
func TestFloodFromOnePeer(t *testing.T) {
	tn := startNet(t, 2, 0, 11, nil)
	x, y := tn.nodes[0], tn.nodes[1]
	// The file lives at x only: insert it into x's datastore directly.
	data := make([]byte, 2<<20)
	seededRand(12).Read(data)
	local, err := clientlayer.New(clientlayer.NewLocalStore(x.ds), clientlayer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := local.Insert(context.Background(), bytes.NewReader(data), clientlayer.InsertOptions{URI: keys.URI{Type: keys.CHK}})
	if err != nil {
		t.Fatal(err)
	}
	uri := u.String()

	flood := dialRaw(t, x, 13, 1<<62, nil)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 10000
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf []byte
		for i := range n {
			var k keys.RoutingKey
			k[0], k[1], k[2] = byte(i>>16), byte(i>>8), byte(i)
			buf, _ = peerwire.Append(buf[:0], &routing.Message{Type: routing.MsgRequest, ID: routing.RequestID(i + 1), HTL: 18, Key: k})
			if err := flood.l.SendWait(context.Background(), buf); err != nil {
				return
			}
		}
	}()
	// Meanwhile y fetches the file from x.
	cy := dial(t, y)
	defer cy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := sha256.New()
	if _, err := cy.Get(ctx, uri, h, fcpclient.GetOptions{}); err != nil {
		t.Fatalf("the other peer was not served during the flood: %v", err)
	}
	if [32]byte(h.Sum(nil)) != sha256.Sum256(data) {
		t.Fatal("data differs")
	}
	<-done
	// Wait for x to answer everything it took.
	deadline := time.Now().Add(30 * time.Second)
	for answered(flood) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("answers to the flooder: %d RejectedOverload, %d DataNotFound, %d RouteNotFound, %d RecentlyFailed; heap in use grew %.1f MiB",
		flood.replies[routing.MsgRejectedOverload].Load(), flood.replies[routing.MsgDataNotFound].Load(),
		flood.replies[routing.MsgRouteNotFound].Load(), flood.replies[routing.MsgRecentlyFailed].Load(), float64(grew)/(1<<20))
	if got := answered(flood); got != n {
		t.Fatalf("%d of %d flood requests answered", got, n)
	}
	if flood.replies[routing.MsgRejectedOverload].Load() == 0 {
		t.Fatal("no request was refused: the per-peer limit did not hold")
	}
	if grew > 64<<20 {
		t.Fatalf("heap grew by %d MiB during the flood", grew>>20)
	}
}

func answered(p *rawPeer) int64 {
	var s int64
	for _, c := range p.replies {
		s += c.Load()
	}
	return s
}

// TestBadBlockDropsPeer: a peer answers a request with a block that does
// not verify. The node drops its link, backs it off, and gets the block
// from another peer; it keeps running.
func TestBadBlockDropsPeer(t *testing.T) {
	tn := startNet(t, 2, 0, 21, nil)
	x, y := tn.nodes[0], tn.nodes[1]
	block, req, err := keys.EncodeSSK(mustSSK(t, 22, "doc"), []byte("the real post"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk, _ := keys.RoutingKeyOf(req)
	if err := y.ds.Put(rk, block, 1); err != nil {
		t.Fatal(err)
	}
	// The liar sits exactly at the key, so x asks it first.
	liar := dialRaw(t, x, 23, routing.KeyLocation(rk), func(m routing.Message) routing.Message {
		bad := bytes.Clone(block)
		bad[len(bad)-100] ^= 1
		return routing.Message{Type: routing.MsgData, ID: m.ID, Key: m.Key, Block: bad}
	})
	cx := dial(t, x)
	defer cx.Close()
	var got bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cx.Get(ctx, req.String(), &got, fcpclient.GetOptions{}); err != nil || got.String() != "the real post" {
		t.Fatalf("fetch: %v (%q)", err, got.String())
	}
	select {
	case <-liar.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the lying peer kept its link")
	}
	if liar.replies[routing.MsgRequest].Load() != 1 {
		t.Fatalf("the liar was asked %d times, want once", liar.replies[routing.MsgRequest].Load())
	}
	for _, p := range x.ListPeers() {
		if p.Ref.Name == "raw" && p.Status != network.PeerBackedOff {
			t.Fatalf("the liar's status is %s, want %s", p.Status, network.PeerBackedOff)
		}
	}
}

func mustSSK(t *testing.T, seed uint64, doc string) keys.URI {
	t.Helper()
	ins, _, err := keys.GenerateSSK(seededRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	u, err := keys.Parse(ins.String() + doc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
