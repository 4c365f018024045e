package routing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Swap protocol defaults (docs/wire.md, Swapping).
const (
	// DefaultSwapInterval is the mean time between a node's swap attempts
	// (Hyphanet: 8 s).
	DefaultSwapInterval = 8 * time.Second
	// DefaultSwapHTL is how many hops a swap request walks (Hyphanet's
	// SWAP_MAX_HTL).
	DefaultSwapHTL = 10
	// DefaultSwapTimeout is how long an endpoint waits for the next step
	// of a swap, and half of how long a relay remembers one.
	DefaultSwapTimeout = 60 * time.Second
	// DefaultAnnealRamp is how many of its own swap attempts a node
	// anneals over (AnnealBeta) before it swaps by Hyphanet's rule.
	DefaultAnnealRamp = 1000
	// DefaultRelocateEvery is how many swap attempts a node makes between
	// two Pitch Black probes (Relocate).
	DefaultRelocateEvery = 20
	// DefaultSwapQueue is how many swap requests may wait for a node that
	// is busy with another swap.
	DefaultSwapQueue = 10
	// maxSwapRelays bounds the walks and probes a node relays at once.
	maxSwapRelays = 1024
)

// SwapConfig configures a Swapper. Zero fields take the defaults.
type SwapConfig struct {
	// Location is the node's location to start from.
	Location Location
	// Seed seeds the Swapper's random source (ChaCha8: nonces must not be
	// predictable to other nodes). The driver draws it from crypto/rand.
	Seed [32]byte
	// Interval is the mean time between this node's swap attempts.
	// Default DefaultSwapInterval.
	Interval time.Duration
	// HTL is how many hops this node's swap requests walk, and the most
	// it lets a request walk on. Default DefaultSwapHTL.
	HTL uint8
	// Timeout: see DefaultSwapTimeout.
	Timeout time.Duration
	// AnnealRamp is how many of its own attempts the node anneals over;
	// negative: none (Hyphanet's rule from the start). Default
	// DefaultAnnealRamp.
	AnnealRamp int
	// AnnealFrom is the inverse temperature annealing starts at. Default
	// DefaultAnnealFrom.
	AnnealFrom float64
	// Done is how many attempts the node made before (kept across
	// restarts), so that it does not anneal again.
	Done int
	// RelocateEvery: see DefaultRelocateEvery; negative: never.
	RelocateEvery int
	// ProbeHTL is how many hops a probe routes. Default DefaultMaxHTL.
	ProbeHTL uint8
	// Queue: see DefaultSwapQueue.
	Queue int

	// Lie is a test knob, never set in a real node: it rewrites each
	// reveal this node draws, before the node commits to it, making it a
	// peer that lies in swaps (the Pitch Black attack) for tests of the
	// defence.
	Lie func(SwapReveal) SwapReveal
}

func (c SwapConfig) withDefaults() SwapConfig {
	if c.Interval == 0 {
		c.Interval = DefaultSwapInterval
	}
	if c.HTL == 0 {
		c.HTL = DefaultSwapHTL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSwapTimeout
	}
	if c.AnnealRamp == 0 {
		c.AnnealRamp = DefaultAnnealRamp
	}
	if c.AnnealFrom == 0 {
		c.AnnealFrom = DefaultAnnealFrom
	}
	if c.RelocateEvery == 0 {
		c.RelocateEvery = DefaultRelocateEvery
	}
	if c.ProbeHTL == 0 {
		c.ProbeHTL = DefaultMaxHTL
	}
	if c.Queue == 0 {
		c.Queue = DefaultSwapQueue
	}
	return c
}

// Validate reports whether c, with defaults applied, is usable.
func (c SwapConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Interval < 0 || c.Timeout < 0:
		return fmt.Errorf("routing: swap config: negative interval or timeout")
	case c.AnnealFrom < 0 || c.AnnealFrom > 1:
		return fmt.Errorf("routing: swap config: AnnealFrom %v is not in [0, 1]", c.AnnealFrom)
	case c.Done < 0 || c.Queue < 0:
		return fmt.Errorf("routing: swap config: negative Done or Queue")
	}
	return nil
}

// SwapReady is what the driver must do after a Swapper's Step or Tick.
type SwapReady struct {
	// Messages to send.
	Messages []SwapMessage
	// Moved: the node's location changed to Location (a swap, or a
	// relocation when Relocated): the driver tells the routing core, its
	// peers and its noderef.
	Moved, Relocated bool
	Location         Location
}

// Empty reports whether there is nothing to do.
func (r *SwapReady) Empty() bool { return len(r.Messages) == 0 && !r.Moved }

// swapPeer is a peer whose link swaps.
type swapPeer struct {
	id     PeerID
	loc    Location
	tokens float64 // swap requests it may still send (rate limit)
	filled time.Time
}

// swapOp is the swap this node takes part in as an endpoint.
type swapOp struct {
	initiator bool
	id        RequestID // its ID on the link to peer
	peer      PeerID
	mine      SwapReveal
	theirs    [32]byte // the other side's commitment
	revealed  bool     // initiator: its SwapCommit went out
	deadline  time.Time
}

// queued is a swap request that waits for this node to be free.
type queued struct {
	m  SwapMessage
	at time.Time
}

// relay is a walk or probe that passes through this node.
type relay struct {
	from, to     PeerID
	inID, outID  RequestID
	probe        bool
	last         time.Time
	closestSoFar Location // a probe's closest location to its target up to here
	target       Location
}

// probeOp is this node's own Pitch Black probe.
type probeOp struct {
	id       RequestID
	peer     PeerID
	target   Location
	deadline time.Time
}

// Swapper is one node's side of location swapping (Sandberg's
// Metropolis–Hastings swaps as Hyphanet runs them, with annealing and the
// Pitch Black defence of SwapDecide and Relocate). Like Core, it does no
// I/O: the driver feeds it messages from the peers whose links swap, and
// time, and does what Ready says. It is not safe for concurrent use.
type Swapper struct {
	cfg   SwapConfig
	rng   *rand.Rand
	loc   Location
	done  int
	peers []swapPeer // sorted by id

	next   time.Time // when the next attempt starts; zero: not yet scheduled
	cur    *swapOp
	queue  []queued
	relays map[RequestID]*relay // by incoming and outgoing ID
	probe  *probeOp
	seen   recentIDs // probe IDs, for loop detection

	totalTokens float64
	totalFilled time.Time

	paused bool // starts no attempt of its own

	// Counters, for the driver's status.
	Attempts, Swaps, Relocations, Rejected int

	ready SwapReady
}

// NewSwapper returns a Swapper for cfg.
func NewSwapper(cfg SwapConfig) (*Swapper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Swapper{cfg: cfg, rng: rand.New(rand.NewChaCha8(cfg.Seed)), loc: cfg.Location, done: cfg.Done,
		relays: map[RequestID]*relay{}, seen: newRecentIDs(4096)}, nil
}

// Location returns the node's location.
func (s *Swapper) Location() Location { return s.loc }

// Interval returns the mean time between the node's attempts.
func (s *Swapper) Interval() time.Duration { return s.cfg.Interval }

// Done returns how many swap attempts the node has made, Config.Done
// included: what the driver keeps across restarts.
func (s *Swapper) Done() int { return s.done }

// Beta returns the node's inverse temperature now (AnnealBeta).
func (s *Swapper) Beta() float64 {
	if s.cfg.AnnealRamp < 0 {
		return 1
	}
	return AnnealBeta(s.done, s.cfg.AnnealRamp, s.cfg.AnnealFrom)
}

// Pause stops (or, with false, resumes) this node's own attempts; it still
// answers and relays others'.
func (s *Swapper) Pause(paused bool) { s.paused = paused }

// Ready returns what the driver must do and clears it.
func (s *Swapper) Ready() SwapReady {
	r := s.ready
	s.ready = SwapReady{}
	return r
}

func (s *Swapper) send(m SwapMessage) { s.ready.Messages = append(s.ready.Messages, m) }

func (s *Swapper) peerIndex(id PeerID) (int, bool) {
	return slices.BinarySearchFunc(s.peers, id, func(p swapPeer, id PeerID) int { return cmpID(p.id, id) })
}

func (s *Swapper) peer(id PeerID) *swapPeer {
	if i, ok := s.peerIndex(id); ok {
		return &s.peers[i]
	}
	return nil
}

// AddPeer adds a peer whose link swaps (a darknet peer that declared the
// feature), or moves it.
func (s *Swapper) AddPeer(id PeerID, loc Location) {
	i, ok := s.peerIndex(id)
	if ok {
		s.peers[i].loc = loc
		return
	}
	s.peers = slices.Insert(s.peers, i, swapPeer{id: id, loc: loc, tokens: peerSwapBurst})
}

// SetPeerLocation records that peer id moved to loc (its Location message).
func (s *Swapper) SetPeerLocation(id PeerID, loc Location) {
	if p := s.peer(id); p != nil {
		p.loc = loc
	}
}

// RemovePeer forgets a peer: the swaps and probes through it end.
func (s *Swapper) RemovePeer(id PeerID) {
	i, ok := s.peerIndex(id)
	if !ok {
		return
	}
	s.peers = slices.Delete(s.peers, i, i+1)
	if s.cur != nil && s.cur.peer == id {
		s.abandon()
	}
	if s.probe != nil && s.probe.peer == id {
		s.probe = nil
	}
	s.queue = slices.DeleteFunc(s.queue, func(q queued) bool { return q.m.Peer == id })
	for _, r := range s.relayList() {
		switch id {
		case r.from:
			if !r.probe {
				s.send(SwapMessage{Type: SwapRejected, Peer: r.to, ID: r.outID})
			}
			s.forget(r)
		case r.to:
			if r.probe {
				s.send(SwapMessage{Type: SwapProbeReply, Peer: r.from, ID: r.inID, Target: r.closestSoFar})
			} else {
				s.send(SwapMessage{Type: SwapRejected, Peer: r.from, ID: r.inID})
			}
			s.forget(r)
		}
	}
}

// relayList returns the relays, each once, in ID order (so that what a scan
// does never depends on map order).
func (s *Swapper) relayList() []*relay {
	var out []*relay
	for id, r := range s.relays {
		if id == r.inID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *relay) int { return cmpID(PeerID(a.inID), PeerID(b.inID)) })
	return out
}

func (s *Swapper) forget(r *relay) {
	delete(s.relays, r.inID)
	delete(s.relays, r.outID)
}

// reveal draws this node's reveal for a new swap.
func (s *Swapper) reveal() SwapReveal {
	r := SwapReveal{Location: s.loc, Beta: BetaUnits(s.Beta())}
	for i := range r.Nonce {
		r.Nonce[i] = byte(s.rng.Uint32())
	}
	for _, p := range s.peers {
		r.Peers = append(r.Peers, p.loc)
	}
	slices.Sort(r.Peers)
	if n := len(r.Peers); n > MaxSwapPeers {
		for j := range MaxSwapPeers {
			r.Peers[j] = r.Peers[j*n/MaxSwapPeers]
		}
		r.Peers = r.Peers[:MaxSwapPeers]
	}
	if s.cfg.Lie != nil {
		r = s.cfg.Lie(r)
	}
	return r
}

// newID draws an ID not in use here.
func (s *Swapper) newID() RequestID {
	for {
		id := RequestID(s.rng.Uint64())
		if id != 0 && id != ^RequestID(0) && s.relays[id] == nil && s.relays[id+1] == nil {
			return id
		}
	}
}

// randomPeer returns a random peer other than but (0: none), or 0.
func (s *Swapper) randomPeer(but PeerID) PeerID {
	n := len(s.peers)
	if n == 0 || n == 1 && s.peers[0].id == but {
		return 0
	}
	for {
		if p := s.peers[s.rng.IntN(n)]; p.id != but {
			return p.id
		}
	}
}

// Tick starts this node's next attempt when it is due, and ends what timed
// out.
func (s *Swapper) Tick(now time.Time) {
	if s.next.IsZero() {
		s.schedule(now)
	}
	if s.cur != nil && now.After(s.cur.deadline) {
		s.send(SwapMessage{Type: SwapRejected, Peer: s.cur.peer, ID: s.cur.id})
		s.abandon()
	}
	for len(s.queue) > 0 && now.Sub(s.queue[0].at) > s.cfg.Timeout/2 {
		q := s.queue[0]
		s.queue = s.queue[1:]
		s.reject(q.m)
	}
	if s.cur == nil {
		s.dequeue(now)
	}
	for _, r := range s.relayList() {
		if now.Sub(r.last) > 2*s.cfg.Timeout {
			s.forget(r)
		}
	}
	if s.probe != nil && now.After(s.probe.deadline) {
		s.probe = nil
	}
	s.seen.expire(now)
	if !now.Before(s.next) {
		s.schedule(now)
		if s.cur == nil && len(s.peers) > 0 && !s.paused {
			s.start(now)
		}
	}
}

// schedule draws the time of the next attempt: uniform in 0.5 to 1.5
// intervals from now.
func (s *Swapper) schedule(now time.Time) {
	s.next = now.Add(time.Duration((0.5 + s.rng.Float64()) * float64(s.cfg.Interval)))
}

// start begins an attempt: a swap request to a random peer, and every
// RelocateEvery attempts a probe.
func (s *Swapper) start(now time.Time) {
	s.done++
	s.Attempts++
	if s.cfg.RelocateEvery > 0 && s.done%s.cfg.RelocateEvery == 0 && s.probe == nil {
		s.startProbe(now)
	}
	to := s.randomPeer(0)
	mine := s.reveal()
	s.cur = &swapOp{initiator: true, id: s.newID(), peer: to, mine: mine, deadline: now.Add(s.cfg.Timeout)}
	s.send(SwapMessage{Type: SwapRequest, Peer: to, ID: s.cur.id, HTL: s.cfg.HTL, Commit: mine.Commitment()})
}

// Step feeds a swap message from peer m.Peer. A message from a peer that
// does not swap is ErrPeerNotFound; a kind it does not know,
// ErrUnknownMessage. Messages for swaps that have ended are ignored.
func (s *Swapper) Step(now time.Time, m SwapMessage) error {
	p := s.peer(m.Peer)
	if p == nil {
		return fmt.Errorf("%w %d sent %v", ErrPeerNotFound, m.Peer, m.Type)
	}
	switch m.Type {
	case SwapRequest:
		s.request(now, p, m)
	case SwapReply:
		s.reply(now, m)
	case SwapCommit:
		s.commit(now, m)
	case SwapComplete:
		s.complete(now, m)
	case SwapRejected:
		s.rejected(m)
	case SwapProbe:
		s.probed(now, m)
	case SwapProbeReply:
		s.probeReply(m)
	default:
		return fmt.Errorf("%w %d from peer %d", ErrUnknownMessage, uint8(m.Type), m.Peer)
	}
	return nil
}

// Per-peer and total rate limits of incoming swap requests, in requests
// per interval: a peer's walks pass through at most peerSwapRate of them on
// average (burst peerSwapBurst), all peers' at most totalSwapRate.
const (
	peerSwapRate   = 4
	peerSwapBurst  = 10
	totalSwapRate  = 16
	totalSwapBurst = 40
)

// take reports whether a request from p fits the rate limits, and counts it.
func (s *Swapper) take(now time.Time, p *swapPeer) bool {
	per := float64(s.cfg.Interval)
	p.tokens = min(peerSwapBurst, p.tokens+float64(now.Sub(p.filled))*peerSwapRate/per)
	p.filled = now
	if s.totalFilled.IsZero() {
		s.totalTokens = totalSwapBurst
	}
	s.totalTokens = min(totalSwapBurst, s.totalTokens+float64(now.Sub(s.totalFilled))*totalSwapRate/per)
	s.totalFilled = now
	if p.tokens < 1 || s.totalTokens < 1 {
		return false
	}
	p.tokens--
	s.totalTokens--
	return true
}

func (s *Swapper) reject(m SwapMessage) {
	s.Rejected++
	s.send(SwapMessage{Type: SwapRejected, Peer: m.Peer, ID: m.ID})
}

// request handles a swap request walking through or ending here.
func (s *Swapper) request(now time.Time, p *swapPeer, m SwapMessage) {
	if !s.take(now, p) || s.relays[m.ID] != nil || s.relays[m.ID+1] != nil || len(s.relays) >= 2*maxSwapRelays ||
		s.cur != nil && s.cur.id == m.ID {
		s.reject(m)
		return
	}
	htl := min(m.HTL, s.cfg.HTL)
	if htl > 0 {
		htl--
	}
	if htl == 0 {
		s.arrive(now, m)
		return
	}
	to := s.randomPeer(m.Peer)
	if to == 0 {
		s.reject(m)
		return
	}
	// The ID changes at every hop, so that a walk may pass a node twice
	// (a random walk must be free to) without being taken for a loop.
	r := &relay{from: m.Peer, inID: m.ID, to: to, outID: m.ID + 1, last: now}
	s.relays[r.inID], s.relays[r.outID] = r, r
	s.send(SwapMessage{Type: SwapRequest, Peer: to, ID: r.outID, HTL: htl, Commit: m.Commit})
}

// arrive handles a swap request that ends here. A node with no swap of its
// own is the partner. One that is waiting for the answer to its own
// request would wait for the other initiator while it waits for it, so the
// one of them with the smaller commitment gives its own attempt up and
// partners the other's (in a ring of waiting initiators, at least one
// does). Otherwise the request waits its turn, or is refused when too many
// wait. A node's own walk that comes back to it is refused.
func (s *Swapper) arrive(now time.Time, m SwapMessage) {
	c := s.cur
	switch {
	case c == nil:
		s.partner(now, m)
	case c.initiator && m.Commit == c.mine.Commitment():
		s.reject(m)
	case c.initiator && !c.revealed && lessBytes(c.mine.Commitment(), m.Commit):
		s.send(SwapMessage{Type: SwapRejected, Peer: c.peer, ID: c.id})
		s.endCur()
		s.partner(now, m)
	case len(s.queue) < s.cfg.Queue:
		s.queue = append(s.queue, queued{m: m, at: now})
	default:
		s.reject(m)
	}
}

func lessBytes(a, b [32]byte) bool { return string(a[:]) < string(b[:]) }

// partner takes part in the swap request m as its partner.
func (s *Swapper) partner(now time.Time, m SwapMessage) {
	mine := s.reveal()
	s.cur = &swapOp{id: m.ID, peer: m.Peer, mine: mine, theirs: m.Commit, deadline: now.Add(s.cfg.Timeout)}
	s.send(SwapMessage{Type: SwapReply, Peer: m.Peer, ID: m.ID, Commit: mine.Commitment()})
}

// dequeue takes the oldest waiting request, if any, as this node's swap.
func (s *Swapper) dequeue(now time.Time) {
	for s.cur == nil && len(s.queue) > 0 {
		q := s.queue[0]
		s.queue = s.queue[1:]
		if s.peer(q.m.Peer) != nil {
			s.partner(now, q.m)
		}
	}
}

func (s *Swapper) endCur() {
	s.cur = nil
}

// abandon ends the current swap without its last message. An initiator
// that has revealed cannot tell whether its partner took the swap (and
// its location): the SwapComplete may be lost with a link on the way. So
// that two nodes never keep one location, it moves to a fresh random one,
// as a relocation (the partner, if it moved, holds this node's old one;
// if it did not, the network only lost one location and gained a random
// one).
func (s *Swapper) abandon() {
	c := s.cur
	s.endCur()
	if c.initiator && c.revealed {
		s.move(Location(s.rng.Uint64()), true)
	}
}

func (s *Swapper) reply(now time.Time, m SwapMessage) {
	if c := s.cur; c != nil && c.initiator && !c.revealed && c.id == m.ID && c.peer == m.Peer {
		c.theirs, c.revealed = m.Commit, true
		c.deadline = now.Add(s.cfg.Timeout)
		s.send(SwapMessage{Type: SwapCommit, Peer: c.peer, ID: c.id, Reveal: c.mine})
		return
	}
	if r := s.relays[m.ID]; r != nil && !r.probe && r.outID == m.ID && r.to == m.Peer {
		r.last = now
		s.send(SwapMessage{Type: SwapReply, Peer: r.from, ID: r.inID, Commit: m.Commit})
	}
}

func (s *Swapper) commit(now time.Time, m SwapMessage) {
	if c := s.cur; c != nil && !c.initiator && c.id == m.ID && c.peer == m.Peer {
		s.endCur()
		if m.Reveal.Commitment() != c.theirs {
			s.reject(m) // the initiator did not keep its commitment
			s.dequeue(now)
			return
		}
		s.send(SwapMessage{Type: SwapComplete, Peer: m.Peer, ID: m.ID, Reveal: c.mine})
		if SwapDecide(m.Reveal, c.mine, SwapRandom(m.Reveal.Nonce, c.mine.Nonce)) {
			s.move(m.Reveal.Location, false)
		}
		s.dequeue(now)
		return
	}
	if r := s.relays[m.ID]; r != nil && !r.probe && r.inID == m.ID && r.from == m.Peer {
		r.last = now
		s.send(SwapMessage{Type: SwapCommit, Peer: r.to, ID: r.outID, Reveal: m.Reveal})
	}
}

func (s *Swapper) complete(now time.Time, m SwapMessage) {
	if c := s.cur; c != nil && c.initiator && c.revealed && c.id == m.ID && c.peer == m.Peer {
		s.endCur()
		if m.Reveal.Commitment() == c.theirs && SwapDecide(c.mine, m.Reveal, SwapRandom(c.mine.Nonce, m.Reveal.Nonce)) {
			s.move(m.Reveal.Location, false)
		}
		s.dequeue(now)
		return
	}
	if r := s.relays[m.ID]; r != nil && !r.probe && r.outID == m.ID && r.to == m.Peer {
		s.forget(r)
		s.send(SwapMessage{Type: SwapComplete, Peer: r.from, ID: r.inID, Reveal: m.Reveal})
	}
}

func (s *Swapper) rejected(m SwapMessage) {
	if c := s.cur; c != nil && c.id == m.ID && c.peer == m.Peer {
		s.abandon()
		return
	}
	if i := slices.IndexFunc(s.queue, func(q queued) bool { return q.m.ID == m.ID && q.m.Peer == m.Peer }); i >= 0 {
		s.queue = slices.Delete(s.queue, i, i+1) // its initiator gave up
		return
	}
	r := s.relays[m.ID]
	switch {
	case r == nil || r.probe:
	case r.outID == m.ID && r.to == m.Peer:
		s.forget(r)
		s.send(SwapMessage{Type: SwapRejected, Peer: r.from, ID: r.inID})
	case r.inID == m.ID && r.from == m.Peer:
		s.forget(r)
		s.send(SwapMessage{Type: SwapRejected, Peer: r.to, ID: r.outID})
	}
}

// move takes loc as the node's location.
func (s *Swapper) move(loc Location, relocated bool) {
	s.loc = loc
	if relocated {
		s.Relocations++
	} else {
		s.Swaps++
	}
	s.ready.Moved, s.ready.Relocated, s.ready.Location = true, relocated, loc
}

// closestPeer returns the peer closest to target other than but, or nil.
func (s *Swapper) closestPeer(target Location, but PeerID) *swapPeer {
	var best *swapPeer
	for i := range s.peers {
		p := &s.peers[i]
		if p.id != but && (best == nil || p.loc.DistanceTo(target) < best.loc.DistanceTo(target)) {
			best = p
		}
	}
	return best
}

// nearestPeer returns the distance from this node to its closest peer, and
// whether it has one.
func (s *Swapper) nearestPeer() (Distance, bool) {
	if len(s.peers) == 0 {
		return 0, false
	}
	d := s.loc.DistanceTo(s.peers[0].loc)
	for _, p := range s.peers[1:] {
		d = min(d, s.loc.DistanceTo(p.loc))
	}
	return d, true
}

// closer returns whichever of a and b is closer to target.
func closer(a, b, target Location) Location {
	if b.DistanceTo(target) < a.DistanceTo(target) {
		return b
	}
	return a
}

// startProbe starts the Pitch Black defence's probe: greedily toward a
// random location, to learn how close to it the network reaches.
func (s *Swapper) startProbe(now time.Time) {
	target := Location(s.rng.Uint64())
	p := s.closestPeer(target, 0)
	if p == nil || p.loc.DistanceTo(target) >= s.loc.DistanceTo(target) {
		s.relocateIf(target, s.loc.DistanceTo(target)) // this node is the closest it can reach
		return
	}
	id := s.newID()
	s.seen.add(now, id, 2*s.cfg.Timeout)
	s.probe = &probeOp{id: id, peer: p.id, target: target, deadline: now.Add(s.cfg.Timeout)}
	s.send(SwapMessage{Type: SwapProbe, Peer: p.id, ID: id, HTL: s.cfg.ProbeHTL - 1, Target: target})
}

// probed routes a probe on toward its target, or answers it with this
// node's location: when no peer is closer to the target, its hops ran
// out, or it came here before (a loop).
func (s *Swapper) probed(now time.Time, m SwapMessage) {
	answer := func() { s.send(SwapMessage{Type: SwapProbeReply, Peer: m.Peer, ID: m.ID, Target: s.loc}) }
	if s.seen.has(m.ID) || s.relays[m.ID] != nil {
		answer()
		return
	}
	s.seen.add(now, m.ID, 2*s.cfg.Timeout)
	p := s.closestPeer(m.Target, m.Peer)
	if m.HTL == 0 || p == nil || p.loc.DistanceTo(m.Target) >= s.loc.DistanceTo(m.Target) || len(s.relays) >= 2*maxSwapRelays {
		answer()
		return
	}
	r := &relay{from: m.Peer, inID: m.ID, to: p.id, outID: m.ID, probe: true, last: now, closestSoFar: s.loc, target: m.Target}
	s.relays[m.ID] = r
	s.send(SwapMessage{Type: SwapProbe, Peer: p.id, ID: m.ID, HTL: min(m.HTL, s.cfg.ProbeHTL) - 1, Target: m.Target})
}

// probeReply passes a probe's answer back, or, for this node's own probe,
// moves to its target when the network reached no closer to it than
// Relocate allows.
func (s *Swapper) probeReply(m SwapMessage) {
	if pr := s.probe; pr != nil && pr.id == m.ID && pr.peer == m.Peer {
		s.probe = nil
		s.relocateIf(pr.target, closer(m.Target, s.loc, pr.target).DistanceTo(pr.target))
		return
	}
	if r := s.relays[m.ID]; r != nil && r.probe && r.to == m.Peer {
		s.forget(r)
		s.send(SwapMessage{Type: SwapProbeReply, Peer: r.from, ID: r.inID, Target: closer(m.Target, r.closestSoFar, r.target)})
	}
}

// relocateIf moves the node to target when the closest the network reached
// to it, found, is Relocate's factor farther than this node's closest peer:
// the keyspace there is empty while this node sits in a crowd. Never in
// the middle of a swap.
func (s *Swapper) relocateIf(target Location, found Distance) {
	if nearest, ok := s.nearestPeer(); ok && s.cur == nil && Relocate(found, nearest, DefaultRelocateFactor) {
		s.move(target, true)
	}
}
