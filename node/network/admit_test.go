package network

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/routing"
)

// seededReader returns a deterministic random source for seed.
func seededReader(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}

// startNode starts a network in a fresh directory with cfg as given (its
// Listen kept: "" makes a node that only dials).
func startNode(t testing.TB, name string, seed uint64, cfg Config) *Network {
	t.Helper()
	dir := t.TempDir()
	ds, err := datastore.Open(filepath.Join(dir, "store"), datastore.Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Transport == "" {
		cfg.Transport = TransportTCP
	}
	cfg.Name, cfg.Logger, cfg.Rand = name, quiet(), seededReader(seed)
	nw, err := Start(context.Background(), dir, ds, cfg)
	if err != nil {
		ds.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close(); ds.Close() })
	return nw
}

// connectedTo reports whether nw has a live link to the node whose
// noderef is ref.
func connectedTo(nw *Network, ref []byte) bool {
	r, err := noderef.Parse(ref)
	if err != nil {
		return false
	}
	for _, p := range nw.ListPeers() {
		if p.Ref.ID() == r.ID() && p.Status == PeerConnected {
			return true
		}
	}
	return false
}

// waitLinked waits until a has a live link to b, at most limit, and
// returns how long it took (limit and false when it did not come up).
func waitLinked(a, b *Network, limit time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	for !connectedTo(a, b.Noderef()) {
		if time.Since(t0) > limit {
			return limit, false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(t0), true
}

// attack is a hostile client of a node's peer port; stop ends it and
// waits for its goroutines.
type attack struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	opened atomic.Int64 // connections (or handshakes) started
	cut    atomic.Int64 // connections the node closed
	linked atomic.Int64 // handshakes the node completed (fresh identities)
	mu     sync.Mutex
	conns  map[io.Closer]struct{}
}

func newAttack() (*attack, context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	return &attack{cancel: cancel, conns: map[io.Closer]struct{}{}}, ctx
}

func (a *attack) track(c io.Closer) {
	a.mu.Lock()
	a.conns[c] = struct{}{}
	a.mu.Unlock()
}

func (a *attack) untrack(c io.Closer) {
	a.mu.Lock()
	delete(a.conns, c)
	a.mu.Unlock()
}

// open counts the connections open now.
func (a *attack) open() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.conns)
}

func (a *attack) stop() {
	a.cancel()
	a.mu.Lock()
	for c := range a.conns {
		c.Close()
	}
	a.mu.Unlock()
	a.wg.Wait()
}

// dialer returns a TCP dialer from the local address from ("" for any).
func attackDialer(from string) *net.Dialer {
	d := &net.Dialer{}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return d
}

// dialLoop runs n clients that each dial addr and run session on the
// connection, again as soon as it ends, until the attack stops.
func (a *attack) dialLoop(ctx context.Context, n int, dial func(context.Context) (net.Conn, error), session func(context.Context, net.Conn)) {
	for range n {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for ctx.Err() == nil {
				c, err := dial(ctx)
				if err != nil {
					select { // the listen backlog is full, or the node is gone
					case <-ctx.Done():
					case <-time.After(10 * time.Millisecond):
					}
					continue
				}
				a.opened.Add(1)
				a.track(c)
				session(ctx, c)
				a.untrack(c)
				c.Close()
			}
		}()
	}
}

// idleFlood opens n connections to addr that never send a byte, and
// opens each again as soon as the node closes it.
func idleFlood(addr, from string, n int) *attack {
	a, ctx := newAttack()
	d := attackDialer(from)
	a.dialLoop(ctx, n, func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) },
		func(ctx context.Context, c net.Conn) {
			var b [1]byte
			if _, err := c.Read(b[:]); err != nil && ctx.Err() == nil {
				a.cut.Add(1)
			}
		})
	return a
}

// slowloris opens n connections to addr that each send a well-formed
// handshake message 1 one byte every interval, and opens each again as
// soon as the node closes it.
func slowloris(addr, from string, n int, interval time.Duration) *attack {
	a, ctx := newAttack()
	d := attackDialer(from)
	a.dialLoop(ctx, n, func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) },
		func(ctx context.Context, c net.Conn) {
			msg := make([]byte, 2+link.Msg1Size)
			binary.BigEndian.PutUint16(msg, link.Msg1Size)
			for i := 2; i < len(msg); i++ {
				msg[i] = byte(i * 7)
			}
			gone := make(chan struct{})
			go func() { // notices the node closing the connection
				io.Copy(io.Discard, c)
				close(gone)
			}()
			defer func() { c.Close(); <-gone }()
			for _, b := range msg {
				if _, err := c.Write([]byte{b}); err != nil {
					break
				}
				select {
				case <-ctx.Done():
					return
				case <-gone:
					a.cut.Add(1)
					return
				case <-time.After(interval):
				}
			}
			select {
			case <-ctx.Done():
			case <-gone:
				a.cut.Add(1)
			}
		})
	return a
}

// freshIdentity returns a new signing key, link key and signed noderef
// drawn from rnd.
func freshIdentity(rnd io.Reader, loc routing.Location) (link.StaticKey, noderef.Ref, error) {
	sk, err := link.GenerateStaticKey(rnd)
	if err != nil {
		return sk, noderef.Ref{}, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rnd, seed); err != nil {
		return sk, noderef.Ref{}, err
	}
	ref, err := noderef.New(ed25519.NewKeyFromSeed(seed), noderef.Ref{Noise: sk.Public, Location: loc, Name: "fresh"})
	return sk, ref, err
}

// holder keeps an attacker's link alive (keepalives) and drops frames.
type holder struct{ done chan struct{} }

func (h holder) HandleFrame(*link.Link, []byte) error { return nil }
func (h holder) LinkClosed(*link.Link, error)         { close(h.done) }

// freshFlood runs n clients that each complete handshakes with addr
// under a fresh identity (a valid, signed noderef) after another, holding
// each link the node takes for as long as the node keeps it.
func freshFlood(addr, from string, n int, seed uint64) *attack {
	a, ctx := newAttack()
	d := attackDialer(from)
	var mu sync.Mutex
	rnd := seededReader(seed)
	a.dialLoop(ctx, n, func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) },
		func(ctx context.Context, c net.Conn) {
			mu.Lock()
			sk, ref, err := freshIdentity(rnd, routing.Location(uint64(a.opened.Load())*0x9e3779b97f4a7c15))
			mu.Unlock()
			if err != nil {
				return
			}
			l, err := link.Handshake(ctx, c, true, sk, ref.Marshal(), func([32]byte, []byte) error { return nil }, link.Config{})
			if err != nil {
				if ctx.Err() == nil {
					a.cut.Add(1)
				}
				return
			}
			a.linked.Add(1)
			h := holder{done: make(chan struct{})}
			l.Start(h)
			select {
			case <-ctx.Done():
			case <-h.done:
				a.cut.Add(1)
			}
			l.Close()
		})
	return a
}

// waitFlooding waits until the attack holds want connections open at once
// (or has opened want), at most 10 s.
func waitFlooding(t testing.TB, a *attack, want int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); a.open() < want && a.opened.Load() < int64(want); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the attack opened %d connections, %d open now; want %d", a.opened.Load(), a.open(), want)
		}
	}
}

// victim is a node under attack (it listens on TCP and runs opennet),
// with a friend and an opennet peer that dial it (they listen nowhere,
// so the node cannot dial them: their links must come in through the
// port under attack).
type victim struct {
	node, friend, open *Network
	addr               string
}

func newVictim(t testing.TB, seed uint64, slots int) *victim {
	t.Helper()
	rules := routing.Opennet{Peers: 4, MinAge: -1}
	v := &victim{node: startNode(t, "victim", seed, Config{Listen: "127.0.0.1:0", Opennet: true, Rules: rules, HandshakeSlots: slots})}
	v.friend = startNode(t, "friend", seed+1, Config{})
	v.open = startNode(t, "opennet", seed+2, Config{Opennet: true, Rules: rules})
	v.addr = v.node.ln.Addr().String()
	if _, err := v.node.AddPeer(v.friend.Noderef()); err != nil {
		t.Fatal(err)
	}
	ref, _ := noderef.Parse(v.open.Noderef())
	if _, err := v.node.pm.addPeer(ref, PeerOpennet, true, false); err != nil {
		t.Fatal(err)
	}
	return v
}

// link makes the friend and the opennet peer dial the node and returns
// how long each took to link (limit, and false, when one did not).
func (v *victim) link(t testing.TB, limit time.Duration) (friend, open time.Duration, ok bool) {
	t.Helper()
	if _, err := v.friend.AddPeer(v.node.Noderef()); err != nil {
		t.Fatal(err)
	}
	ref, _ := noderef.Parse(v.node.Noderef())
	if _, err := v.open.pm.addPeer(ref, PeerOpennet, true, false); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var okF, okO bool
	wg.Add(2)
	go func() { defer wg.Done(); friend, okF = waitLinked(v.friend, v.node, limit) }()
	go func() { defer wg.Done(); open, okO = waitLinked(v.open, v.node, limit) }()
	wg.Wait()
	return friend, open, okF && okO
}

// floodCase is an attack on a node's peer port.
type floodCase struct {
	name  string
	slots int // the node's HandshakeSlots (0: the default)
	start func(addr string) *attack
	want  int // connections the attack holds before the peers dial
}

// floodCases are the attacks TestPeerPortFlood and BenchmarkLinkUnderAttack
// run. "same" attacks come from the peers' own address (127.0.0.1), as
// every inbound stream does over Tor; "other" ones from 127.0.0.2.
var floodCases = []floodCase{
	{"none", 0, nil, 0},
	{"idle16", 0, func(addr string) *attack { return idleFlood(addr, "", 16) }, 16},
	{"idle32", 0, func(addr string) *attack { return idleFlood(addr, "", 32) }, 32},
	{"idle200", 0, func(addr string) *attack { return idleFlood(addr, "", 200) }, 200},
	{"idle600", 0, func(addr string) *attack { return idleFlood(addr, "", 600) }, 600},
	{"idle200/16slots/other", 16, func(addr string) *attack { return idleFlood(addr, "127.0.0.2", 200) }, 200},
	{"slowloris200", 0, func(addr string) *attack { return slowloris(addr, "", 200, time.Second) }, 200},
	{"slowloris600", 0, func(addr string) *attack { return slowloris(addr, "", 600, time.Second) }, 600},
	{"fresh8", 0, func(addr string) *attack { return freshFlood(addr, "", 8, 77) }, 64},
}

// TestPeerPortFlood: while hostile clients hold the peer port of a node
// (idle connections, a slowloris sending a byte a second, handshakes
// under fresh identities; from the peers' own address, as every inbound
// connection over Tor is, or from another), the node's friend and its
// opennet peer still link. (Before admit.go, 16 idle connections kept
// both out for as long as they were held.)
func TestPeerPortFlood(t *testing.T) {
	for i, tc := range floodCases {
		if tc.start == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			v := newVictim(t, uint64(1000+10*i), tc.slots)
			a := tc.start(v.addr)
			defer a.stop()
			waitFlooding(t, a, tc.want)
			f, o, ok := v.link(t, 30*time.Second)
			st := v.node.AdmissionStats()
			t.Logf("%s: friend linked in %v, opennet peer in %v; the attack opened %d connections (%d handshakes done), the node closed %d (%d to make room)",
				tc.name, f.Round(time.Millisecond), o.Round(time.Millisecond), a.opened.Load(), a.linked.Load(), a.cut.Load(), st.Evicted)
			if !ok {
				t.Errorf("%s: a peer did not link within 30 s", tc.name)
			}
			if tc.name == "fresh8" {
				// The node takes no stranger it did not ask for: every
				// fresh identity was refused, none is a peer.
				if n := len(v.node.ListPeers()); n != 2 || a.linked.Load() != 0 {
					t.Errorf("the node has %d peers and completed %d handshakes with fresh identities; want 2 and 0", n, a.linked.Load())
				}
			}
		})
	}
}

// fakeConn is a connection that only records that it was closed.
type fakeConn struct{ closed bool }

func (c *fakeConn) Close() error { c.closed = true; return nil }

// TestAdmitterOrder: which slot a newcomer takes when all are taken.
func TestAdmitterOrder(t *testing.T) {
	now := time.Unix(1000, 0)
	a := newAdmitter(3, 100*time.Millisecond, func() time.Time { return now })
	admit := func(source string) (*ticket, *fakeConn) {
		c := &fakeConn{}
		tk, _ := a.admit(source, c)
		return tk, c
	}
	t1, c1 := admit("")
	t2, c2 := admit("")
	t3, c3 := admit("")
	// The oldest silent connection goes first; one that sent message 1
	// stays, however old.
	t1.spoke()
	t4, c4 := admit("")
	if c1.closed || !c2.closed || c3.closed || t4 == nil {
		t.Fatalf("closed %v %v %v, want only the oldest silent one (2)", c1.closed, c2.closed, c3.closed)
	}
	_, c5 := admit("")
	if !c3.closed || c4.closed {
		t.Fatal("the second newcomer did not take the oldest silent slot (3)")
	}
	// Every slot has spoken, all within minWait: a newcomer from the same
	// source is refused, and takes the oldest once it has waited minWait.
	t4.spoke()
	_ = c5
	for _, tk := range a.pending {
		tk.a.mu.Lock()
		tk.spoken = true
		tk.a.mu.Unlock()
	}
	if tk, _ := a.admit("", &fakeConn{}); tk != nil {
		t.Fatal("a newcomer took a slot that spoke within minWait")
	}
	now = now.Add(100 * time.Millisecond)
	if tk, _ := admit(""); tk == nil || !c1.closed {
		t.Fatal("a newcomer did not take the oldest slot after minWait")
	}
	st := a.Stats()
	if st.Admitted != 6 || st.Evicted != 3 || st.Refused != 1 || st.Pending != 3 {
		t.Fatalf("stats %+v", st)
	}
	// Leaving: identified and released slots are free again.
	for _, tk := range append([]*ticket(nil), a.pending...) {
		tk.identified()
		tk.release()
	}
	if st := a.Stats(); st.Pending != 0 || st.Identified != 3 {
		t.Fatalf("after leaving: %+v", st)
	}
	_, _ = t2, t3

	// Sources: a source with fewer slots takes one of the source with the
	// most, whatever its age; the source with the most replaces its own.
	b := newAdmitter(4, time.Hour, func() time.Time { return now })
	var hog []*fakeConn
	for range 3 {
		c := &fakeConn{}
		tk, _ := b.admit("10.0.0.1", c)
		tk.spoke()
		hog = append(hog, c)
	}
	_, peer := func() (*ticket, *fakeConn) { c := &fakeConn{}; tk, _ := b.admit("10.0.0.2", c); return tk, c }()
	if tk, _ := b.admit("10.0.0.2", &fakeConn{}); tk == nil || !hog[0].closed || peer.closed {
		t.Fatal("a source with fewer slots did not take the oldest of the one with the most")
	}
	if tk, _ := b.admit("10.0.0.1", &fakeConn{}); tk != nil || peer.closed {
		t.Fatal("a source took another's slot, or its own young one")
	}
}

func TestSourceOf(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4000}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 4000}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:3:4:5:6"), Port: 4000}, "2001:db8:1:2::/64"},
		{&net.UnixAddr{Name: "x"}, ""},
	} {
		if got := sourceOf(tc.addr); got != tc.want {
			t.Errorf("sourceOf(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestStrangerRefusedCheaply: an opennet node that is not a seed refuses
// a link key it neither knows nor asked for before it reads the noderef
// (no signature check); one it asked for is let through to the noderef.
func TestStrangerRefusedCheaply(t *testing.T) {
	nw := startNode(t, "open", 5, Config{Opennet: true})
	var stranger [32]byte
	stranger[0] = 1
	if err := nw.pm.verifyInbound("")(stranger, []byte("not a noderef")); !errors.Is(err, errStranger) {
		t.Fatalf("a stranger: %v, want errStranger before parsing", err)
	}
	sk, ref, err := freshIdentity(seededReader(6), 1<<60)
	if err != nil {
		t.Fatal(err)
	}
	nw.pm.allow(ref)
	if err := nw.pm.verifyInbound("")(sk.Public, []byte("not a noderef")); err == nil || errors.Is(err, errStranger) {
		t.Fatalf("a node asked for, with a bad noderef: %v, want a parse error", err)
	}
	if err := nw.pm.verifyInbound("")(sk.Public, ref.Marshal()); err != nil {
		t.Fatalf("a node asked for: %v", err)
	}
}

// withSeedTerms shortens the seed clients' terms for a test.
func withSeedTerms(t *testing.T, minAge, life time.Duration) {
	oldMin, oldLife := seedClientMinAge, seedClientLife
	seedClientMinAge, seedClientLife = minAge, life
	t.Cleanup(func() { seedClientMinAge, seedClientLife = oldMin, oldLife })
}

// seedClients counts a node's linked seed clients.
func seedClients(nw *Network) int {
	n := 0
	for _, p := range nw.ListPeers() {
		if p.Kind == PeerSeedClient && p.Status == PeerConnected {
			n++
		}
	}
	return n
}

// TestSeedFreshIdentities: clients that link to a seed node under one
// fresh identity after another, and hold each link, from four addresses
// with more clients than an address may hold, do not keep a real newcomer
// out: an address holds at most 4 of the seed's 16 newcomer slots (its
// extra clients only take the places of its own older ones), and when
// all 16 are taken, a newcomer from another address takes the place of
// the oldest client once that one has had its minimum term.
func TestSeedFreshIdentities(t *testing.T) {
	withSeedTerms(t, 100*time.Millisecond, time.Hour)
	rules := routing.Opennet{Peers: 4, MinAge: -1}
	seed := startNode(t, "seed", 40, Config{Listen: "127.0.0.1:0", Opennet: true, Seed: true, Rules: rules})
	addr := seed.ln.Addr().String()
	seedRef, _ := noderef.Parse(seed.Noderef())

	var floods []*attack
	for i := range 4 {
		a := freshFlood(addr, fmt.Sprintf("127.0.0.%d", 2+i), maxSeedClientsPerSource+2, uint64(41+i))
		defer a.stop()
		floods = append(floods, a)
	}
	linked := func() (n int64) {
		for _, a := range floods {
			n += a.linked.Load()
		}
		return n
	}
	for deadline := time.Now().Add(20 * time.Second); seedClients(seed) < maxSeedClients || linked() < 2*maxSeedClients; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood linked %d times, holds %d newcomer slots", linked(), seedClients(seed))
		}
	}
	bySource := func() map[string]int {
		m := map[string]int{}
		seed.pm.mu.Lock()
		defer seed.pm.mu.Unlock()
		for _, ps := range seed.pm.peers {
			if ps.kind == PeerSeedClient {
				m[ps.source]++
			}
		}
		return m
	}
	for src, n := range bySource() {
		if n > maxSeedClientsPerSource {
			t.Fatalf("%s holds %d newcomer slots, want at most %d", src, n, maxSeedClientsPerSource)
		}
	}
	t0 := time.Now()
	newcomer := startNode(t, "newcomer", 45, Config{Opennet: true, Seeds: []noderef.Ref{seedRef}, Rules: rules})
	d, ok := waitLinked(newcomer, seed, 30*time.Second)
	if !ok {
		t.Fatalf("the newcomer did not link to the seed within 30 s (newcomer slots by address: %v)", bySource())
	}
	t.Logf("newcomer linked to the flooded seed in %v (%v after it started); the flood linked %d times; newcomer slots by address: %v",
		d.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), linked(), bySource())
}

// TestSeedClientTerm: a seed ends every newcomer's link after its term,
// so that identities that hold links give their slots up.
func TestSeedClientTerm(t *testing.T) {
	withSeedTerms(t, 100*time.Millisecond, 300*time.Millisecond)
	seed := startNode(t, "seed", 46, Config{Listen: "127.0.0.1:0", Opennet: true, Seed: true, Rules: routing.Opennet{Peers: 4, MinAge: -1}})
	a := freshFlood(seed.ln.Addr().String(), "", 2, 47)
	defer a.stop()
	for deadline := time.Now().Add(20 * time.Second); a.cut.Load() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 held links ended after their term (%d linked)", a.cut.Load(), a.linked.Load())
		}
	}
}

// TestClientRoom: who gives a seed's newcomer slot up, with and without
// sources (over Tor there are none), at an injected time.
func TestClientRoom(t *testing.T) {
	now := time.Unix(1000, 0)
	pm := &peerManager{peers: map[string]*peerState{}, clientMinAge: 30 * time.Second}
	add := func(i int, source string, age time.Duration) {
		var id [32]byte
		id[0] = byte(i)
		ref := noderef.Ref{Identity: id[:]}
		pm.peers[ref.ID()] = &peerState{ref: ref, kind: PeerSeedClient, source: source, link: new(link.Link), since: now.Add(-age)}
	}
	idOf := func(i int) string {
		var id [32]byte
		id[0] = byte(i)
		return noderef.Ref{Identity: id[:]}.ID()
	}
	for i := range maxSeedClients {
		add(i, "", time.Duration(i)*time.Second) // client i linked i seconds ago
	}
	// Full, no sources: all younger than the minimum term: refused.
	if _, err := pm.clientRoom("", now); err == nil {
		t.Fatal("a newcomer took the slot of a client within its minimum term")
	}
	// Later, the oldest that has had its term gives way.
	now = now.Add(20 * time.Second) // clients 10 to 15 are 30 s or older
	if evict, err := pm.clientRoom("", now); err != nil || evict != idOf(15) {
		t.Fatalf("evict %q, %v; want the oldest client", evict, err)
	}
	// With sources: an address at its limit replaces its own; another
	// takes from the address that holds the most.
	pm.peers = map[string]*peerState{}
	for i := range maxSeedClientsPerSource {
		add(i, "10.0.0.1", time.Minute+time.Duration(i)*time.Second)
	}
	add(10, "10.0.0.2", 5*time.Minute)
	if evict, err := pm.clientRoom("10.0.0.1", now); err != nil || evict != idOf(maxSeedClientsPerSource-1) {
		t.Fatalf("an address at its limit: evict %q, %v; want its own oldest", evict, err)
	}
	if evict, err := pm.clientRoom("10.0.0.3", now); err != nil || evict != "" {
		t.Fatalf("a newcomer with room: evict %q, %v", evict, err)
	}
}

// TestFriendsOnlyFreshIdentities: a friends-only node takes whoever dials
// it (a noderef is an invitation), up to MaxPeers; a flood of fresh
// identities fills that room, and is then refused, but the operator's own
// friends always have room: one added afterwards links.
func TestFriendsOnlyFreshIdentities(t *testing.T) {
	node := startNode(t, "friends-only", 50, Config{Listen: "127.0.0.1:0", MaxPeers: 6})
	a := freshFlood(node.ln.Addr().String(), "", 8, 51)
	defer a.stop()
	for deadline := time.Now().Add(10 * time.Second); a.linked.Load() < 6 || a.cut.Load() < 20; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood linked %d times, was refused %d times", a.linked.Load(), a.cut.Load())
		}
	}
	if n := len(node.ListPeers()); n != 6 {
		t.Fatalf("%d invited strangers, want MaxPeers (6)", n)
	}
	friend := startNode(t, "friend", 52, Config{})
	if _, err := node.AddPeer(friend.Noderef()); err != nil {
		t.Fatalf("adding a friend to a node full of invited strangers: %v", err)
	}
	if _, err := friend.AddPeer(node.Noderef()); err != nil {
		t.Fatal(err)
	}
	d, ok := waitLinked(friend, node, 30*time.Second)
	if !ok {
		t.Fatal("the friend did not link within 30 s")
	}
	t.Logf("the friend linked in %v; the flood linked %d times and was refused %d times", d.Round(time.Millisecond), a.linked.Load(), a.cut.Load())
}

// BenchmarkLinkUnderAttack measures how long a friend takes to link to a
// node (from its first dial to the link being up, on loopback TCP) while
// each of floodCases runs against the node's peer port: ms/link.
//
//	go test ./node/network -run X -bench LinkUnderAttack -benchtime 5x
func BenchmarkLinkUnderAttack(b *testing.B) {
	for i, tc := range floodCases {
		b.Run(tc.name, func(b *testing.B) {
			v := newVictim(b, uint64(2000+10*i), tc.slots)
			if tc.start != nil {
				a := tc.start(v.addr)
				defer a.stop()
				waitFlooding(b, a, tc.want)
			}
			var total time.Duration
			b.ResetTimer()
			for n := range b.N {
				b.StopTimer()
				f := startNode(b, "friend", uint64(3000+100*i+n), Config{})
				if _, err := v.node.AddPeer(f.Noderef()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := f.AddPeer(v.node.Noderef()); err != nil {
					b.Fatal(err)
				}
				d, ok := waitLinked(f, v.node, 30*time.Second)
				if !ok {
					b.Fatal("the friend did not link within 30 s")
				}
				total += d
				b.StopTimer()
				f.Close()
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/link")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkIdleHandshakeSlot measures what a handshake slot held by an
// idle connection costs the node: heap and goroutine stacks per
// connection (B/slot), the client's side of each connection included, so
// an upper bound.
func BenchmarkIdleHandshakeSlot(b *testing.B) {
	const conns = 256
	v := startNode(b, "victim", 90, Config{Listen: "127.0.0.1:0", HandshakeSlots: conns, Link: link.Config{FirstMessageTimeout: time.Hour, HandshakeTimeout: time.Hour}})
	addr := v.ln.Addr().String()
	var perSlot float64
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		cs := make([]net.Conn, 0, conns)
		for range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			cs = append(cs, c)
		}
		for v.AdmissionStats().Pending < conns {
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSlot = float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / conns
		for _, c := range cs {
			c.Close()
		}
		for v.AdmissionStats().Pending > 0 {
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(perSlot, "B/slot")
}
