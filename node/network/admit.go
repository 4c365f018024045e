package network

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Inbound handshakes: how a node keeps its peer port open to its peers
// while hostile clients hold connections to it (docs/link.md §9).
//
// A connection to the peer port takes a handshake slot until the dialler
// has named itself (the Noise XX message 3 carries its static key and
// noderef); then its identity decides (verifyInbound: a known peer is
// taken, a stranger only where the node takes strangers, and within their
// budgets). Before that the node cannot tell a friend from an attacker, so
// the slots are guarded by what it can see:
//
//   - time: the dialler must send each of its handshake messages within
//     link.Config.FirstMessageTimeout (3 s over TCP, 6 s over Tor), so an
//     idle or slow connection holds a slot for seconds, not for the whole
//     handshake timeout;
//   - numbers: there are many slots (DefaultHandshakeSlots), each cheap (a
//     goroutine and the socket: the handshake's buffers and keys are made
//     only once message 1 is in);
//   - progress: when every slot is taken, a new connection takes the slot
//     of one that has not sent message 1 yet before one that has, and of
//     the one that has waited longest for its dialler's next message
//     first. A connection whose message 1 is in keeps its slot against
//     newcomers of its own source for a tenth of the first-message timeout
//     (minWait) after it: when every slot holds such a connection, the
//     newcomer is closed at once instead. So a peer whose message 1 is in
//     keeps its slot against any number of idle or slow connections, and
//     one whose message 1 is still on its way loses it only when more
//     connections than there are slots open before it arrives;
//   - source, where the transport shows one (TCP: the remote IPv4 address,
//     or the /64 of an IPv6 one): the slot taken is one of the source that
//     holds the most, and a source with fewer slots takes it whatever its
//     age, so one address cannot keep another's handshakes out. Over Tor
//     every inbound stream comes from tor on 127.0.0.1, and the node sees
//     no source.

const (
	// DefaultHandshakeSlots is Config.HandshakeSlots's default: 256 slots
	// held by idle connections cost about 2 MB (BenchmarkIdleHandshakeSlot
	// measures 7.5-8 KB each, the client's side included) and 256
	// descriptors, and an attacker must open 256 connections within one
	// round trip of a peer (over Tor, 0.4 to 1 s) to push out a peer whose
	// message 1 is on its way.
	DefaultHandshakeSlots = 256
	// DefaultTorFirstMessageTimeout is link.Config.FirstMessageTimeout's
	// default in Tor mode. An onion service's stream opens at this node
	// before the dialler's tor hears of it: message 1 arrives one circuit
	// round trip after the stream opens (tor's CONNECTED goes back, then
	// message 1 comes), message 3 one round trip after message 2. A
	// rendezvous circuit has six hops and a round trip of 0.4 to 1 s; 6 s
	// leaves six of the slowest of them, as the TCP default (3 s) leaves
	// many of a TCP one.
	DefaultTorFirstMessageTimeout = 6 * time.Second
	// minWaitShare: a connection's slot is safe from newcomers of its own
	// source for FirstMessageTimeout / minWaitShare after its message 1
	// (300 ms over TCP, 600 ms over Tor: a round trip or more, for message
	// 2 to go and message 3 to come).
	minWaitShare = 10
	// msg1Wire is the bytes of handshake message 1 on the wire, with its
	// length.
	msg1Wire = 2 + 32
	// pressureLogEvery is the least time between two log lines saying the
	// peer port is full.
	pressureLogEvery = time.Minute
)

// admitter holds the handshake slots of a node's inbound connections.
type admitter struct {
	slots   int
	minWait time.Duration
	now     func() time.Time // the clock; tests set their own

	mu       sync.Mutex
	seq      uint64    // counts admissions and messages, to order slots
	pending  []*ticket // holding a slot, in no particular order
	bySource map[string]int
	stats    AdmissionStats
}

// AdmissionStats counts what the peer port's admission did since the
// network started.
type AdmissionStats struct {
	// Admitted counts inbound connections given a handshake slot.
	Admitted uint64
	// Evicted counts connections closed to give their slot to a newer one.
	Evicted uint64
	// Refused counts connections closed at once: every slot was taken, by
	// connections too young to give theirs up.
	Refused uint64
	// Identified counts connections whose dialler named itself (sent
	// message 3) and left the slots for its identity to be judged.
	Identified uint64
	// Pending is how many slots are held now.
	Pending int
}

// ticket is one inbound connection's slot. Its fields are guarded by
// admitter.mu.
type ticket struct {
	a      *admitter
	source string
	conn   io.Closer
	spoken bool      // message 1 is in
	seq    uint64    // when it last started waiting for its dialler, in admitter.seq
	since  time.Time // the same, by the clock
	in     bool      // holds a slot
}

func newAdmitter(slots int, minWait time.Duration, now func() time.Time) *admitter {
	return &admitter{slots: slots, minWait: minWait, now: now, bySource: map[string]int{}}
}

// admit gives conn, from source ("" when the transport shows none), a
// slot, or refuses it (nil: the caller closes conn). When every slot is
// taken, it closes the connection whose slot conn takes (victim).
func (a *admitter) admit(source string, conn io.Closer) (t *ticket, evicted bool) {
	a.mu.Lock()
	now := a.now()
	var v *ticket
	if len(a.pending) >= a.slots {
		if v = a.victim(source, now); v == nil {
			a.stats.Refused++
			a.mu.Unlock()
			return nil, false
		}
		a.remove(v)
		a.stats.Evicted++
	}
	a.seq++
	t = &ticket{a: a, source: source, conn: conn, seq: a.seq, since: now, in: true}
	a.pending = append(a.pending, t)
	a.bySource[source]++
	a.stats.Admitted++
	a.mu.Unlock()
	if v != nil {
		v.conn.Close() // its handshake fails at once, and its goroutine ends
	}
	return t, v != nil
}

// victim returns the slot a newcomer from source takes when every slot is
// taken, or nil. The slot is one of the source that holds the most
// (counting the newcomer; on a tie, the newcomer's own, so that a source
// replaces its own before another's, and takes another's whatever its
// age): of those, one whose dialler has not sent message 1 before one
// whose has, and the one that has waited longest for its dialler's next
// message. A slot of the newcomer's own source whose message 1 is in is
// taken only when it has waited minWait since. a.mu is held.
func (a *admitter) victim(source string, now time.Time) *ticket {
	best, bestN := "", -1
	for s, n := range a.bySource {
		if s == source {
			n++
		}
		if n > bestN || n == bestN && s == source {
			best, bestN = s, n
		}
	}
	var v *ticket
	for _, t := range a.pending {
		if t.source != best {
			continue
		}
		if v == nil || !t.spoken && v.spoken || t.spoken == v.spoken && t.seq < v.seq {
			v = t
		}
	}
	if v != nil && v.spoken && best == source && now.Sub(v.since) < a.minWait {
		return nil
	}
	return v
}

// remove takes t out of the slots; a.mu is held.
func (a *admitter) remove(t *ticket) {
	if !t.in {
		return
	}
	t.in = false
	for i, p := range a.pending {
		if p == t {
			last := len(a.pending) - 1
			a.pending[i], a.pending[last] = a.pending[last], nil
			a.pending = a.pending[:last]
			break
		}
	}
	if a.bySource[t.source]--; a.bySource[t.source] <= 0 {
		delete(a.bySource, t.source)
	}
}

// spoke records that the dialler sent message 1: the connection waits
// for its message 3 from now.
func (t *ticket) spoke() {
	t.a.mu.Lock()
	if t.in {
		t.a.seq++
		t.spoken, t.seq, t.since = true, t.a.seq, t.a.now()
	}
	t.a.mu.Unlock()
}

// identified records that the dialler named itself: the connection leaves
// the slots (its identity decides from here).
func (t *ticket) identified() {
	t.a.mu.Lock()
	if t.in {
		t.a.stats.Identified++
	}
	t.a.remove(t)
	t.a.mu.Unlock()
}

// release frees t's slot, if it still holds one (the handshake ended).
func (t *ticket) release() {
	t.a.mu.Lock()
	t.a.remove(t)
	t.a.mu.Unlock()
}

// Stats returns the admission's counts.
func (a *admitter) Stats() AdmissionStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.stats
	s.Pending = len(a.pending)
	return s
}

// admittedConn is an inbound connection holding a slot: it tells the slot
// when the dialler's message 1 is in.
type admittedConn struct {
	net.Conn
	t    *ticket
	read int // bytes read, counted up to msg1Wire
}

func (c *admittedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.read < msg1Wire {
		if c.read += n; c.read >= msg1Wire {
			c.t.spoke()
		}
	}
	return n, err
}

// sourceOf returns the source an inbound TCP connection's slot counts
// against: its IPv4 address, or the /64 of its IPv6 one (a single host is
// commonly given a whole /64). "" for any other address.
func sourceOf(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return ""
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return ""
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return ""
	}
	return p.String()
}

// AdmissionStats returns what the peer port's admission did so far.
func (nw *Network) AdmissionStats() AdmissionStats { return nw.pm.admit.Stats() }

// validateSlots checks Config.HandshakeSlots.
func validateSlots(n int) error {
	if n < 0 {
		return fmt.Errorf("node: HandshakeSlots %d is negative", n)
	}
	return nil
}
