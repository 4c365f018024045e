package routing

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hamsnet/hams/keys"
)

// peer is what the Core knows of one peer.
type peer struct {
	id  PeerID
	loc Location
	// decAtMax and decAtMin are this link's HTL decisions, drawn once.
	decAtMax, decAtMin bool
	active             int // requests from this peer running here
	// nbrs are the locations of the peer's own peers as it last told us
	// (friend-of-a-friend routing), without this node's.
	nbrs []Location
	// feats are the optional kinds the link to the peer speaks.
	feats PeerFeatures
}

// phase is where a request stands at this node.
type phase uint8

const (
	phaseLookup  phase = iota + 1 // waiting for the local datastore
	phaseRouting                  // waiting for a peer
)

// gone is the source of a request whose peer was removed while others
// still wait for its answer.
const gone = ^PeerID(0)

// waiter is a request that waits for another one's answer: the request
// itself (source, id) or one coalesced onto it.
type waiter struct {
	source PeerID // 0: this node
	id     RequestID
}

// request is one request or insert running at this node.
type request struct {
	id       RequestID
	insert   bool
	key      keys.RoutingKey
	loc      Location
	htl      uint8
	htl0     uint8  // the HTL it came with (capped at MaxHTL), for Outcomes
	source   PeerID // 0: started here
	block    []byte // an insert's block
	phase    phase
	tried    []PeerID
	current  PeerID // the peer asked, while routing
	deadline time.Time
	waiters  []waiter // coalesced requests for the same key
	// accepted: an insert was taken further by a peer (it answered
	// InsertReply or RouteNotFound), or written here.
	accepted bool
	// took: a peer took the insert further (answered RouteNotFound).
	took bool
	// stored is where an insert was written here (0: not written).
	stored Region
	// fork: an insert that arrived at an HTL where nothing is written and
	// may be written here goes on under a fresh ID (see forkInsert).
	fork bool
	// upID is the ID r's source knows it by, once r goes on under a
	// fresh ID (0: id).
	upID RequestID
}

// upstreamID is the ID r's source knows it by.
func (r *request) upstreamID() RequestID {
	if r.upID != 0 {
		return r.upID
	}
	return r.id
}

// Core is one node's routing logic. It is not safe for concurrent use: the
// driver serialises calls.
type Core struct {
	cfg   Config
	rng   *rand.Rand
	peers []peer // sorted by id; values, so that a Core costs few allocations (the simulator runs a million)

	reqs   map[RequestID]*request        // made on first use: an idle Core holds no maps
	byKey  map[keys.RoutingKey]RequestID // requests (not inserts) routing now, for coalescing
	recent recentIDs
	failed failureTable
	// handed remembers whom blocks were offered to, and which peer's
	// Offer supplied a block taken, for replacements (MsgReplace); made
	// on first use.
	handed *handouts

	// localActive is int32, next to full, so that the Core takes no more
	// memory for handed (the simulator runs a million).
	localActive int32
	full        bool // the driver's datastore takes no new blocks (SetStoreFull)
	window      float64
	outcomes    *Outcomes // nil: not counted (CountOutcomes)

	ready Ready
}

// New returns a Core for cfg.
func New(cfg Config) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Core{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x726f75746572)),
		recent: newRecentIDs(cfg.MaxRecentIDs),
		failed: newFailureTable(cfg.FailureTableSize, cfg.OfferInterestFor),
		window: cfg.InitialWindow,
	}, nil
}

// Location returns this node's location.
func (c *Core) Location() Location { return c.cfg.Location }

// SetLocation changes this node's location (after a swap).
func (c *Core) SetLocation(l Location) { c.cfg.Location = l }

// AddPeer adds or relocates a peer. A new peer's link draws its HTL
// decisions from the Core's random source, and speaks every optional kind
// (AllPeerFeatures) until SetPeerFeatures says otherwise.
func (c *Core) AddPeer(id PeerID, loc Location) error {
	if id == 0 {
		return ErrReservedPeer
	}
	i, found := slices.BinarySearchFunc(c.peers, id, func(p peer, id PeerID) int { return cmpID(p.id, id) })
	if found {
		c.peers[i].loc = loc
		return nil
	}
	p := peer{id: id, loc: loc, feats: AllPeerFeatures,
		decAtMax: c.rng.Float64() < c.cfg.DecrementAtMaxProb,
		decAtMin: c.rng.Float64() < c.cfg.DecrementAtMinProb}
	c.peers = slices.Insert(c.peers, i, p)
	return nil
}

// SetPeerNeighbours records the locations of peer id's own peers, as the
// peer announced them: routing then sends a request to the peer that is,
// or has a peer, closest to the key (friend-of-a-friend routing, as
// Hyphanet's). This node's own location is left out of the list. A list
// longer than MaxPeerNeighbours is refused (ErrTooManyNeighbours), as is
// one from a peer the Core does not know (ErrPeerNotFound). The Core
// copies locs.
func (c *Core) SetPeerNeighbours(id PeerID, locs []Location) error {
	p := c.peer(id)
	if p == nil {
		return fmt.Errorf("%w %d announced neighbours", ErrPeerNotFound, id)
	}
	if len(locs) > c.cfg.MaxPeerNeighbours {
		return fmt.Errorf("%w: peer %d announced %d, at most %d are allowed", ErrTooManyNeighbours, id, len(locs), c.cfg.MaxPeerNeighbours)
	}
	p.nbrs = p.nbrs[:0]
	for _, l := range locs {
		if l != c.cfg.Location {
			p.nbrs = append(p.nbrs, l)
		}
	}
	if len(p.nbrs) == 0 {
		p.nbrs = nil
	}
	return nil
}

// RemovePeer forgets a peer: requests waiting for it move on to another
// route at once; requests from it end silently.
func (c *Core) RemovePeer(now time.Time, id PeerID) {
	i, found := slices.BinarySearchFunc(c.peers, id, func(p peer, id PeerID) int { return cmpID(p.id, id) })
	if !found {
		return
	}
	c.peers = slices.Delete(c.peers, i, i+1)
	for _, r := range c.sortedRequests() {
		r.waiters = slices.DeleteFunc(r.waiters, func(w waiter) bool { return w.source == id })
		switch {
		case r.source == id && len(r.waiters) == 0:
			c.end(now, r, false)
		case r.source == id:
			r.source = gone // others still wait for the answer
		case r.phase == phaseRouting && r.current == id:
			c.route(now, r)
		}
	}
}

// SetPeerFeatures sets the optional kinds the link to peer id speaks (the
// features both sides declared). The Core never sends the peer a message of
// a kind outside them, and a message of such a kind from the peer is an
// error (ErrUndeclared). A peer without PeerOffers is not remembered as
// having asked for a key (it could not be offered the block).
func (c *Core) SetPeerFeatures(id PeerID, f PeerFeatures) error {
	p := c.peer(id)
	if p == nil {
		return fmt.Errorf("%w %d given features", ErrPeerNotFound, id)
	}
	p.feats = f
	return nil
}

// Peers returns the number of peers.
func (c *Core) Peers() int { return len(c.peers) }

// Active returns the number of requests and inserts running here.
func (c *Core) Active() int { return len(c.reqs) }

// Window returns the current AIMD window for local requests.
func (c *Core) Window() float64 { return c.window }

func cmpID(a, b PeerID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// peer returns the peer with id, or nil. The pointer is valid until the next
// AddPeer or RemovePeer.
func (c *Core) peer(id PeerID) *peer {
	i, found := slices.BinarySearchFunc(c.peers, id, func(p peer, id PeerID) int { return cmpID(p.id, id) })
	if !found {
		return nil
	}
	return &c.peers[i]
}

// Ready returns what the driver must do and clears it.
func (c *Core) Ready() Ready {
	r := c.ready
	c.ready = Ready{}
	return r
}

func (c *Core) send(m Message) { c.ready.Messages = append(c.ready.Messages, m) }

// newID draws a request ID not in use or remembered here.
func (c *Core) newID() RequestID {
	for {
		id := RequestID(c.rng.Uint64())
		if _, busy := c.reqs[id]; !busy && id != 0 && !c.recent.has(id) {
			return id
		}
	}
}

// Fetch starts a request for rk from this node: the Core first asks the
// driver to look in the local datastore (a Lookup), then routes. Its Result
// arrives in a later Ready. It fails with ErrOverloaded when the local
// window is full.
func (c *Core) Fetch(now time.Time, rk keys.RoutingKey) (RequestID, error) {
	return c.startLocal(now, rk, nil, false, false)
}

// FetchRemote is Fetch for a key the driver has already looked for in its
// local datastore, and not found: the request routes at once, with no
// Lookup. A node's own fetches use it (its block store reads the datastore
// first); the simulator, which holds no store of its own, uses Fetch.
func (c *Core) FetchRemote(now time.Time, rk keys.RoutingKey) (RequestID, error) {
	return c.startLocal(now, rk, nil, false, true)
}

// Insert starts an insert of block under rk from this node.
func (c *Core) Insert(now time.Time, rk keys.RoutingKey, block []byte) (RequestID, error) {
	return c.startLocal(now, rk, block, true, false)
}

// startLocal starts a request or insert from this node; looked says the
// driver has already looked for the key in its datastore.
func (c *Core) startLocal(now time.Time, rk keys.RoutingKey, block []byte, insert, looked bool) (RequestID, error) {
	if float64(c.localActive) >= c.window || len(c.reqs) >= c.cfg.MaxRequests {
		return 0, ErrOverloaded
	}
	id := c.newID()
	c.recent.add(now, id, c.cfg.RecentIDsFor)
	c.localActive++
	if !insert {
		if _, ok := c.failed.get(now, rk); ok {
			c.failed.ask(now, rk, 0)
			c.localActive--
			c.ready.Results = append(c.ready.Results, Result{ID: id, Key: rk, Err: ErrRecentlyFailed})
			return id, nil
		}
		if o := c.coalesceOnto(rk, c.cfg.MaxHTL); o != nil {
			o.waiters = append(o.waiters, waiter{source: 0, id: id})
			return id, nil
		}
	}
	r := &request{id: id, insert: insert, key: rk, loc: KeyLocation(rk), htl: c.cfg.MaxHTL, htl0: c.cfg.MaxHTL, block: block}
	c.track(r)
	if looked {
		c.routeMissing(now, r)
		return id, nil
	}
	c.begin(now, r)
	return id, nil
}

// Step feeds a message from peer m.Peer. Its errors match one of
// ErrPeerNotFound (a race with RemovePeer: ignore it), ErrWrongKey,
// ErrUnknownMessage or ErrUndeclared (the peer misbehaves: drop its link).
func (c *Core) Step(now time.Time, m Message) error {
	p := c.peer(m.Peer)
	if p == nil {
		return fmt.Errorf("%w %d sent %v", ErrPeerNotFound, m.Peer, m.Type)
	}
	switch m.Type {
	case MsgRequest, MsgInsert:
		c.incoming(now, p, m)
		return nil
	case MsgOffer:
		if p.feats&PeerOffers == 0 {
			return fmt.Errorf("%w: peer %d sent an Offer", ErrUndeclared, m.Peer)
		}
		c.offered(now, m)
		return nil
	case MsgReplace:
		if p.feats&PeerReplace == 0 {
			return fmt.Errorf("%w: peer %d sent a Replace", ErrUndeclared, m.Peer)
		}
		c.replaced(now, m)
		return nil
	case MsgData, MsgDataNotFound, MsgRecentlyFailed, MsgRouteNotFound,
		MsgRejectedLoop, MsgRejectedOverload, MsgInsertReply, MsgCollision:
		if m.Type == MsgCollision && p.feats&PeerCollisions == 0 {
			return fmt.Errorf("%w: peer %d sent a Collision", ErrUndeclared, m.Peer)
		}
		r := c.reqs[m.ID]
		if r == nil || r.phase != phaseRouting || r.current != m.Peer {
			return nil // late (timed out) or unsolicited: ignored
		}
		if m.Type == MsgCollision && r.insert && (m.Key != r.key || len(m.Block) == 0) {
			c.route(now, r)
			return fmt.Errorf("%w: peer %d sent a Collision for another key", ErrWrongKey, m.Peer)
		}
		if m.Type == MsgData && !r.insert && (m.Key != r.key || len(m.Block) == 0) {
			// The driver verified the block against m.Key; a block for
			// another key is a peer lying about what it answers.
			c.route(now, r)
			return fmt.Errorf("%w: peer %d sent a block for another key", ErrWrongKey, m.Peer)
		}
		c.reply(now, r, m)
		return nil
	}
	return fmt.Errorf("%w %d from peer %d", ErrUnknownMessage, uint8(m.Type), m.Peer)
}

// incoming handles a request or insert from peer p.
func (c *Core) incoming(now time.Time, p *peer, m Message) {
	reject := func(t MsgType) { c.send(Message{Type: t, Peer: p.id, ID: m.ID, HTL: m.HTL}) }
	if m.ID == 0 || c.recent.has(m.ID) {
		reject(MsgRejectedLoop)
		return
	}
	if _, busy := c.reqs[m.ID]; busy {
		reject(MsgRejectedLoop)
		return
	}
	if p.active >= c.cfg.PeerRequestLimit || len(c.reqs) >= c.cfg.MaxRequests {
		reject(MsgRejectedOverload)
		return
	}
	c.recent.add(now, m.ID, c.cfg.RecentIDsFor)
	// A peer may not stretch a request: an HTL above the maximum counts
	// as the maximum, and is then decremented as that would be (as
	// Hyphanet's node does), so sending more gains no hop.
	htl := c.decrement(min(m.HTL, c.cfg.MaxHTL), p)
	r := &request{id: m.ID, insert: m.Type == MsgInsert, key: m.Key, loc: KeyLocation(m.Key),
		htl: htl, htl0: min(m.HTL, c.cfg.MaxHTL), source: p.id, block: m.Block}
	r.fork = r.insert && !c.writable(min(m.HTL, c.cfg.MaxHTL)) && c.writable(htl)
	if !r.insert {
		if f, ok := c.failed.get(now, m.Key); ok && f.htl >= htl {
			c.ask(now, m.Key, p.id)
			reject(MsgRecentlyFailed)
			return
		}
		if o := c.coalesceOnto(m.Key, htl); o != nil {
			if o.current == p.id {
				// o waits on the very peer this request comes from: were it
				// to wait for o, and o's request at that peer for this
				// one, both would wait until a hop timed out. The peer
				// routes its request elsewhere, as after a loop.
				reject(MsgRejectedLoop)
				return
			}
			o.waiters = append(o.waiters, waiter{source: p.id, id: m.ID})
			p.active++
			return
		}
	}
	c.track(r)
	p.active++
	c.begin(now, r)
}

// coalesceOnto returns a request for k routing now with at least htl hops
// to live, which a new request for k can wait for instead of routing again.
func (c *Core) coalesceOnto(k keys.RoutingKey, htl uint8) *request {
	id, ok := c.byKey[k]
	if !ok {
		return nil
	}
	if o := c.reqs[id]; o != nil && o.htl >= htl {
		return o
	}
	return nil
}

// decrement applies the HTL rules of the link from p: at the maximum and at
// 1 the decision is the link's, drawn once.
func (c *Core) decrement(htl uint8, p *peer) uint8 {
	switch {
	case htl == 0:
		return 0
	case htl >= c.cfg.MaxHTL:
		if p.decAtMax {
			return c.cfg.MaxHTL - 1
		}
		return c.cfg.MaxHTL
	case htl == 1:
		if p.decAtMin {
			return 0
		}
		return 1
	}
	return htl - 1
}

// writable reports whether a request at htl may write to the datastore:
// never at the first hops, nor while the datastore is full.
func (c *Core) writable(htl uint8) bool { return !c.full && htl < c.cfg.MaxHTL-c.cfg.NoStoreHTLs }

// SetStoreFull tells the Core whether the driver's datastore takes new
// blocks. While it does not (a full disk), the node writes nothing and
// passes inserts on as at the first hops, and where one can go no further
// it answers RejectedLoop, so that the node before stores it: otherwise it
// would answer for a block it could not keep, and the insert would count
// a copy that is not there.
func (c *Core) SetStoreFull(full bool) { c.full = full }

// begin starts a new request or insert at this node. An insert from a
// peer first looks for another block under its key (a collision); this
// node's own inserts were checked by the driver.
func (c *Core) begin(now time.Time, r *request) {
	if r.insert && r.source == 0 {
		c.beginInsert(now, r)
		return
	}
	r.phase = phaseLookup
	l := Lookup{ID: r.id, Key: r.key}
	if r.insert {
		l.Insert = r.block
	}
	c.ready.Lookups = append(c.ready.Lookups, l)
}

// beginInsert writes insert r here (where it may), hands its block to
// whoever waits for the key, and routes it on.
func (c *Core) beginInsert(now time.Time, r *request) {
	if c.writable(r.htl) && r.source != 0 && !c.inserting(r.key, r.block) {
		region := RegionCache
		if r.htl <= c.cfg.StoreHTL || c.closestToKey(r.loc) {
			region = RegionStore
		}
		c.ready.Stores = append(c.ready.Stores, StoreOp{Key: r.key, Block: r.block, Region: region})
		r.accepted = true
		r.stored = region
	}
	h := handout{}
	c.offer(now, r.key, r.block, r.source, &h)
	c.remember(now, r.key, r.block, h)
	c.satisfy(now, r.key, r.block, false)
	if r.fork {
		c.forkInsert(now, r)
	}
	r.phase = phaseRouting
	c.route(now, r)
}

// forkInsert gives insert r a fresh ID for the rest of its route, as
// Hyphanet's node forks an insert that becomes cacheable: on its first
// hops, where nothing is written, it may have passed the nodes that are
// to store it (in a small network it reaches the node closest to the key
// within a hop or two), and under its old ID those nodes would refuse it
// as a loop. Under the new ID it can go back to them, its source
// included (which would otherwise be skipped). Its source still
// knows it by the old ID, which stays remembered here, so that the insert
// under either ID coming back is still refused as a loop.
func (c *Core) forkInsert(now time.Time, r *request) {
	r.fork = false
	id := c.newID()
	c.recent.add(now, id, c.cfg.RecentIDsFor)
	delete(c.reqs, r.id)
	r.upID, r.id = r.id, id
	c.reqs[id] = r
}

// recordFailed notes that k was not found from here with htl hops to
// live, so that requests for it are answered RecentlyFailed for a while;
// not while an insert of k is routing here. Such an insert passed this
// node and is still on its way to where it will be stored (at the first
// hops nothing is written on the way), so a request that came after it
// and found nothing downstream raced it: marking k failed would turn
// away, for RecentlyFailedFor, requests that would find it a moment
// later, and no offer would come, as the insert will not pass here again.
// (A USK follower on a four-node test network missed two editions for
// minutes so.) Those who asked are still remembered (watch), as after a
// timeout.
func (c *Core) recordFailed(now time.Time, k keys.RoutingKey, htl uint8) {
	if c.insertRouting(k, func(*request) bool { return true }) {
		c.failed.watch(now, k, htl)
		return
	}
	c.failed.add(now, k, htl, c.cfg.RecentlyFailedFor)
}

// inserting reports whether this node is inserting block under k itself:
// its own insert, forked further on (see forkInsert), may come back to it
// under another ID, and is then relayed as any other but not written here
// (the originator writes nothing of its own inserts). Another block under
// k is another device's insert of the same SSK: a collision, not this.
func (c *Core) inserting(k keys.RoutingKey, block []byte) bool {
	return c.insertRouting(k, func(r *request) bool { return r.source == 0 && bytes.Equal(r.block, block) })
}

// insertRouting reports whether an insert of k that also matches is
// running here.
func (c *Core) insertRouting(k keys.RoutingKey, match func(*request) bool) bool {
	for _, r := range c.reqs {
		if r.insert && r.key == k && match(r) {
			return true
		}
	}
	return false
}

// closestToKey reports whether this node is closer to loc than all its
// peers.
func (c *Core) closestToKey(loc Location) bool {
	mine := c.cfg.Location.DistanceTo(loc)
	for i := range c.peers {
		if c.peers[i].loc.DistanceTo(loc) < mine {
			return false
		}
	}
	return true
}

// LookupDone answers a Lookup: block is the stored block, or nil if the
// local datastore does not hold the key. For an insert's Lookup, a block
// other than the insert's ends the insert with a collision.
func (c *Core) LookupDone(now time.Time, id RequestID, block []byte) {
	r := c.reqs[id]
	if r == nil || r.phase != phaseLookup {
		return
	}
	if r.insert {
		if block != nil && !bytes.Equal(block, r.block) {
			// The key holds another block here: the insert ends, and
			// the inserter learns which block the network keeps.
			c.finish(now, r, Message{Type: MsgCollision, Block: block})
			return
		}
		c.beginInsert(now, r)
		return
	}
	if block != nil {
		c.finish(now, r, Message{Type: MsgData, Block: block})
		return
	}
	c.routeMissing(now, r)
}

// routeMissing routes request r for a key the local datastore does not
// hold; later requests for the key may wait for it (coalescing).
func (c *Core) routeMissing(now time.Time, r *request) {
	r.phase = phaseRouting
	if c.byKey == nil {
		c.byKey = make(map[keys.RoutingKey]RequestID)
	}
	c.byKey[r.key] = r.id
	c.route(now, r)
}

// route sends r to the closest peer not yet tried, or ends it.
func (c *Core) route(now time.Time, r *request) {
	r.current = 0
	if r.htl == 0 {
		if r.insert {
			c.finish(now, r, Message{Type: MsgInsertReply})
		} else {
			c.recordFailed(now, r.key, 0)
			c.askers(now, r)
			c.finish(now, r, Message{Type: MsgDataNotFound})
		}
		return
	}
	var best *peer
	var bestD, bestOwn Distance
	for i := range c.peers {
		p := &c.peers[i]
		if (p.id == r.source && r.upID == 0) || slices.Contains(r.tried, p.id) || r.hasWaiterFrom(p.id) {
			continue
		}
		own := p.loc.DistanceTo(r.loc)
		d := own
		if !c.cfg.NoFOAF {
			for _, n := range p.nbrs {
				d = min(d, n.DistanceTo(r.loc))
			}
		}
		if best == nil || d < bestD || (d == bestD && own < bestOwn) {
			best, bestD, bestOwn = p, d, own
		}
	}
	if best == nil {
		if r.insert && !r.took && r.source != 0 {
			switch {
			case c.full:
				// This node cannot keep it: the node before stores it.
				c.finish(now, r, Message{Type: MsgRejectedLoop})
				return
			case c.inserting(r.key, r.block):
				// This node's own insert came back (forked) and can go
				// no further: the node before stores it, as where it
				// stops.
				c.finish(now, r, Message{Type: MsgRejectedLoop})
				return
			case r.stored != RegionStore:
				// The insert can go no further and nothing downstream
				// took it: it is stored where it stops, even at the
				// first hops (a network too small to hide its inserter
				// behind them), and in the store region even where it
				// was cached (in a small network it may have met every
				// node, the one closest to its key on its first hops).
				c.ready.Stores = append(c.ready.Stores, StoreOp{Key: r.key, Block: r.block, Region: RegionStore})
				r.stored = RegionStore
			}
			r.accepted = true
		}
		if r.insert && r.accepted {
			c.finish(now, r, Message{Type: MsgInsertReply})
			return
		}
		if !r.insert {
			// Every peer was tried: the key is not to be found from here
			// with this HTL, as after DataNotFound (a small network runs
			// out of peers before HTL), and those who asked are offered
			// the block if it turns up.
			c.recordFailed(now, r.key, r.htl)
			c.askers(now, r)
		}
		c.finish(now, r, Message{Type: MsgRouteNotFound, HTL: r.htl})
		return
	}
	r.tried = append(r.tried, best.id)
	r.current = best.id
	r.deadline = now.Add(c.cfg.HopTimeout * time.Duration(int(r.htl)+1))
	t := MsgRequest
	if r.insert {
		t = MsgInsert
	}
	c.send(Message{Type: t, Peer: best.id, ID: r.id, Key: r.key, HTL: r.htl, Block: r.block})
}

// askers records r's source and waiters as having asked for r's key,
// which was not found (see offer).
func (c *Core) askers(now time.Time, r *request) {
	c.ask(now, r.key, r.source)
	for _, w := range r.waiters {
		c.ask(now, r.key, w.source)
	}
}

// ask records that p (0: this node) asked for k, which was not found; a
// peer whose link does not speak offers is left out.
func (c *Core) ask(now time.Time, k keys.RoutingKey, p PeerID) {
	if p != 0 {
		if pp := c.peer(p); pp != nil && pp.feats&PeerOffers == 0 {
			return
		}
	}
	c.failed.ask(now, k, p)
}

// offer hands on a block for key k that reached this node (an insert, or
// Data for a request; from peer from) to whoever asked for k here a short
// while ago and was told it is not to be found: an Offer to each such
// peer, and an Offered for this node's own requests. The failure-table
// entry goes: k is no longer missing. h, unless nil, notes whom the block
// was handed to (see remember).
func (c *Core) offer(now time.Time, k keys.RoutingKey, block []byte, from PeerID, h *handout) {
	e, ok := c.failed.take(now, k)
	if !ok {
		return
	}
	for _, p := range e.askers[:e.n] {
		if pp := c.peer(p); p != from && pp != nil && pp.feats&PeerOffers != 0 {
			c.send(Message{Type: MsgOffer, Peer: p, ID: c.newID(), Key: k, Block: block})
			if h != nil && int(h.n) < len(h.to) {
				h.to[h.n] = p
				h.n++
			}
		}
	}
	if e.local {
		c.ready.Offered = append(c.ready.Offered, Offered{Key: k, Block: block})
		if h != nil {
			h.local = true
		}
	}
}

// offered handles an Offer: a block for a key this node was told a short
// while ago is not to be found, and asked for on someone's behalf. The
// driver has verified the block against the key. It is cached where passing
// Data would be (not at the first hops) and offered on; an Offer for a key
// not in the failure table (unasked, or after the entry expired) is
// dropped.
func (c *Core) offered(now time.Time, m Message) {
	if len(m.Block) == 0 {
		return
	}
	e, ok := c.failed.interested(now, m.Key)
	if !ok {
		// Not failed here (yet): a request for the key may still be
		// routing here, on another route after the one that failed.
		if c.satisfy(now, m.Key, m.Block, true) {
			c.remember(now, m.Key, m.Block, handout{from: m.Peer, region: RegionCache})
		}
		return
	}
	h := handout{from: m.Peer}
	if c.writable(e.htl) {
		c.ready.Stores = append(c.ready.Stores, StoreOp{Key: m.Key, Block: m.Block, Region: RegionCache})
		h.region = RegionCache
	}
	c.offer(now, m.Key, m.Block, m.Peer, &h)
	c.remember(now, m.Key, m.Block, h)
}

// satisfy answers a request for k that is routing here with block, which
// reached the node otherwise (an insert of k passing through, or an
// Offer): the request need not wait for its route, and does not fail when
// the route comes back empty after the block went by. cache: write the
// block where passing Data would be written (an insert writes its own);
// it reports whether it did.
func (c *Core) satisfy(now time.Time, k keys.RoutingKey, block []byte, cache bool) bool {
	r := c.reqs[c.byKey[k]]
	if r == nil || r.insert || r.phase != phaseRouting || r.key != k {
		return false
	}
	wrote := cache && c.writable(r.htl)
	if wrote {
		c.ready.Stores = append(c.ready.Stores, StoreOp{Key: k, Block: block, Region: RegionCache})
	}
	c.finish(now, r, Message{Type: MsgData, Block: block})
	return wrote
}

func (r *request) hasWaiterFrom(p PeerID) bool {
	for _, w := range r.waiters {
		if w.source == p {
			return true
		}
	}
	return false
}

// reply handles the answer of the peer r waits for.
func (c *Core) reply(now time.Time, r *request, m Message) {
	switch m.Type {
	case MsgData:
		if r.insert {
			return // not an answer to an insert
		}
		if c.writable(r.htl) {
			c.ready.Stores = append(c.ready.Stores, StoreOp{Key: r.key, Block: m.Block, Region: RegionCache})
		}
		c.offer(now, r.key, m.Block, m.Peer, nil)
		c.finish(now, r, m)
	case MsgInsertReply:
		if !r.insert {
			return
		}
		c.finish(now, r, m)
	case MsgCollision:
		if !r.insert {
			return
		}
		if bytes.Equal(m.Block, r.block) {
			// Not another block: the insert ran its course.
			c.finish(now, r, Message{Type: MsgInsertReply})
			return
		}
		if r.stored != 0 {
			// What was written here gives way to the block the network
			// held first.
			c.ready.Stores = append(c.ready.Stores, StoreOp{Key: r.key, Block: m.Block, Region: r.stored, Replace: true})
		}
		if e, ok := c.handed.get(now, r.key); ok && e.hash == HashBlock(r.block) {
			// The insert's block was handed on from here, or reached
			// the node before by an Offer too: the block that won takes
			// the place of what that Offer made the node write, and
			// follows the offers.
			if e.region != 0 && e.region != r.stored {
				c.ready.Stores = append(c.ready.Stores, StoreOp{Key: r.key, Block: m.Block, Region: e.region, Replace: true, Held: e.hash})
			}
			c.passOn(r.key, e, m.Block)
		}
		c.finish(now, r, m)
	case MsgDataNotFound, MsgRecentlyFailed:
		if r.insert {
			return
		}
		c.recordFailed(now, r.key, r.htl)
		c.askers(now, r)
		c.finish(now, r, Message{Type: m.Type})
	case MsgRouteNotFound:
		if r.insert {
			r.accepted, r.took = true, true // the peer took it as far as it could
		}
		if m.HTL < r.htl {
			r.htl = m.HTL // the hops spent downstream are spent
		}
		c.route(now, r)
	case MsgRejectedOverload:
		if r.source == 0 || r.hasWaiterFrom(0) {
			c.window = max(1, c.window/2)
		}
		c.route(now, r)
	case MsgRejectedLoop:
		c.route(now, r)
	}
}

// finish answers r's source and waiters with m (its Type, Block and HTL)
// and ends r.
func (c *Core) finish(now time.Time, r *request, m Message) {
	for _, w := range append([]waiter{{source: r.source, id: r.upstreamID()}}, r.waiters...) {
		switch w.source {
		case gone:
		case 0:
			res := c.result(r, m)
			res.ID = w.id
			c.ready.Results = append(c.ready.Results, res)
		default:
			msg := Message{Type: m.Type, Peer: w.source, ID: w.id, HTL: m.HTL, Block: m.Block}
			if m.Type == MsgData || m.Type == MsgCollision {
				msg.Key = r.key
			}
			if p := c.peer(w.source); m.Type == MsgCollision && (p == nil || p.feats&PeerCollisions == 0) {
				// A peer that does not speak collisions hears the
				// insert ran its course.
				msg = Message{Type: MsgInsertReply, Peer: w.source, ID: w.id}
			}
			c.send(msg)
		}
	}
	success := m.Type == MsgData || m.Type == MsgInsertReply || m.Type == MsgCollision
	c.countOutcome(r, success)
	c.end(now, r, success)
}

func (c *Core) result(r *request, m Message) Result {
	res := Result{ID: r.upstreamID(), Insert: r.insert, Key: r.key}
	switch m.Type {
	case MsgData:
		res.Block = m.Block
	case MsgInsertReply:
	case MsgCollision:
		res.Block = m.Block
		res.Err = ErrCollision
	case MsgDataNotFound:
		res.Err = ErrDataNotFound
	case MsgRecentlyFailed:
		res.Err = ErrRecentlyFailed
	case MsgRejectedOverload:
		res.Err = ErrTimedOut
	default:
		res.Err = ErrRouteNotFound
	}
	return res
}

// track records r as running here.
func (c *Core) track(r *request) {
	if c.reqs == nil {
		c.reqs = make(map[RequestID]*request)
	}
	c.reqs[r.id] = r
}

// end forgets r and releases what it held; success grows the local window
// when a local request took part.
func (c *Core) end(now time.Time, r *request, success bool) {
	delete(c.reqs, r.id)
	if id, ok := c.byKey[r.key]; ok && id == r.id {
		delete(c.byKey, r.key)
	}
	if len(c.reqs) == 0 {
		c.reqs, c.byKey = nil, nil // give an idle node's maps back
	}
	local := false
	for _, w := range append([]waiter{{source: r.source, id: r.upstreamID()}}, r.waiters...) {
		switch w.source {
		case gone:
		case 0:
			c.localActive--
			local = true
		default:
			if p := c.peer(w.source); p != nil {
				p.active--
			}
		}
	}
	if local && success {
		c.window = min(c.window+1/c.window, float64(c.cfg.MaxRequests/2))
	}
	r.phase = 0
}

// Tick advances time: attempts past their deadline move on to the next
// route, and old request IDs and failures are forgotten.
func (c *Core) Tick(now time.Time) {
	for _, r := range c.sortedRequests() {
		if r.phase == phaseRouting && r.current != 0 && !now.Before(r.deadline) {
			c.timedOut(now, r)
		}
	}
	c.recent.expire(now)
	c.failed.expire(now)
	c.handed.expire(now)
	if c.handed != nil && c.handed.order.n == 0 {
		c.handed = nil // an idle node holds no table
	}
}

// timedOut handles an attempt whose peer did not answer in time. The
// originator counts it as overload (its window halves) and tries the next
// peer. A relayed request gives up instead: its own source waits on a
// clock too and tries its next peer when told RejectedOverload (an insert
// already written here or taken further answers InsertReply); it keeps
// its askers' interest, so that an offer of the block still reaches them. Were every
// node to route again on a timeout, the attempt that is merely slow would
// go on beside the new one, and on slow links (Tor) the copies multiply
// at every hop: the simulator measured 13 times the messages of a run
// without timeouts.
func (c *Core) timedOut(now time.Time, r *request) {
	if r.source == 0 {
		c.window = max(1, c.window/2)
		c.route(now, r)
		return
	}
	if r.insert && r.accepted {
		c.finish(now, r, Message{Type: MsgInsertReply})
		return
	}
	if !r.insert {
		// Those who asked are still interested: if the block passes here
		// later, it is offered back to them, though nothing here answers
		// RecentlyFailed (the key was not shown missing).
		c.failed.watch(now, r.key, r.htl)
		c.askers(now, r)
	}
	c.finish(now, r, Message{Type: MsgRejectedOverload})
}

// sortedRequests returns the running requests in ID order, so that what a
// scan does never depends on map order.
func (c *Core) sortedRequests() []*request {
	out := make([]*request, 0, len(c.reqs))
	for _, r := range c.reqs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *request) int { return cmp.Compare(a.id, b.id) })
	return out
}
