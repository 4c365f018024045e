package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// Router sizing. Every queue is bounded; what does not fit is done inline
// by the loop (lookups, writes) or refused (local requests).
const (
	routerTick       = 200 * time.Millisecond // how often the core's timeouts are checked
	routerEvents     = 1024                   // events waiting for the loop
	lookupWorkers    = 4                      // goroutines reading the datastore for the core
	lookupQueue      = 1024                   // lookups waiting for a worker
	storeQueue       = 256                    // writes waiting for the writer
	maxPendingLocal  = 8192                   // local requests waiting for the AIMD window
	storeBatchMaxLen = 64                     // writes the writer commits in one batch
)

// sender is what the router needs of a peer's link: queue a frame (the
// link copies it), or drop the link for misbehaving.
type sender interface {
	send(frame []byte) error
	drop(err error)
}

// routerEvent is one input to the router's loop.
type routerEvent struct {
	kind     eventKind
	peer     routing.PeerID
	msg      routing.Message   // evMessage
	link     sender            // evPeerUp, evPeerDown
	ident    string            // evPeerUp: the peer's identity (noderef.Ref.ID)
	peerKind PeerKind          // evPeerUp
	feats    peerwire.Features // evPeerUp: what the link negotiated
	loc      routing.Location
	locs     []routing.Location      // evPeerLocations
	local    *localReq               // evLocal
	swap     routing.SwapMessage     // evSwap
	open     peerwire.OpennetMessage // evOpennet
	run      func()                  // evRun
	reply    chan routing.PeerID
}

type eventKind uint8

const (
	evMessage eventKind = iota + 1
	evPeerUp
	evPeerDown
	evLocal
	evPeerLocations
	evSwap     // a swap message from a peer
	evLocation // a peer moved to loc
	evOpennet  // an opennet message from a peer
	evRun      // run a function on the loop
)

// localReq is a fetch or insert started by this node's client layer.
type localReq struct {
	ctx    context.Context
	insert bool
	signed bool // an SSK insert signed with a key this node's client holds
	key    keys.RoutingKey
	block  []byte
	done   chan routing.Result // buffered: the loop never blocks on it
}

type lookupResult struct {
	id    routing.RequestID
	block []byte
	l     routing.Lookup
}

// router drives a routing.Core: one goroutine (the loop) owns the Core and
// everything below "loop-owned"; link readers and the client layer talk to
// it through channels. It verifies nothing itself: frames are decoded and
// blocks verified in each link's reader before they reach it.
type router struct {
	core   *routing.Core
	ds     *datastore.Store
	log    *slog.Logger
	now    func() time.Time
	events chan routerEvent
	stop   chan struct{} // closed by close
	done   chan struct{} // closed when the loop and its workers have ended
	once   sync.Once     // guards closing stop

	lookups     chan routing.Lookup
	lookupsDone chan lookupResult // capacity lookupQueue+lookupWorkers: workers never block
	stores      chan routing.StoreOp
	workers     sync.WaitGroup // lookup workers and the writer

	// loop-owned
	peers   map[routing.PeerID]*routerPeer
	byIdent map[string]routing.PeerID // the live peers by identity
	nextID  routing.PeerID
	local   map[routing.RequestID]*localReq
	pending []*localReq // waiting for the window, oldest first
	frame   []byte      // encoding buffer
	locsDue time.Time   // when the changed PeerLocations go out; zero: none due
	own     ownBlocks   // this node's signed inserts, for collisions

	// offers holds the blocks handed on to this node's own requests; its
	// methods are safe to call from any goroutine.
	offers *offers
	// links says whether the node has a peer to route through; safe to
	// use from any goroutine, set on the loop.
	links *linkWatch

	// swapper swaps this node's location (nil: it does not swap); loop-
	// owned. onMove, called on the loop, keeps a new location (the
	// identity, the noderef).
	swapper *routing.Swapper
	onMove  func(loc routing.Location, relocated bool)

	// open runs opennet (nil: the node neither runs opennet nor is a
	// seed); loop-owned.
	open *openState

	stats netStats // the figures of Stats (stats.go)

	trace      func(routing.Message)                                // tests: sees every message sent
	traceNbrs  func(peer routing.Location, locs []routing.Location) // tests: sees every PeerLocations the core took
	traceFrame func(peer routing.Location, typ byte)                // tests: sees the type of every message sent
	swapPaused func() bool                                          // tests: pauses the swapper's own attempts
}

// newRouter starts a router over core and ds; sw, when not nil, swaps the
// node's location, and onMove keeps each new one.
func newRouter(core *routing.Core, ds *datastore.Store, log *slog.Logger, hooks Hooks, sw *routing.Swapper, onMove func(routing.Location, bool), open *openState) *router {
	r := &router{
		core: core, ds: ds, log: log, now: time.Now,
		events:      make(chan routerEvent, routerEvents),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
		lookups:     make(chan routing.Lookup, lookupQueue),
		lookupsDone: make(chan lookupResult, lookupQueue+lookupWorkers),
		stores:      make(chan routing.StoreOp, storeQueue),
		peers:       make(map[routing.PeerID]*routerPeer),
		byIdent:     make(map[string]routing.PeerID),
		local:       make(map[routing.RequestID]*localReq),
		trace:       hooks.Send,
		traceNbrs:   hooks.Neighbours,
		traceFrame:  hooks.Frame,
		swapPaused:  hooks.SwapPaused,
		swapper:     sw,
		onMove:      onMove,
		open:        open,
		offers:      newOffers(time.Now),
		links:       newLinkWatch(),
	}
	core.CountOutcomes(&r.stats.outcomes)
	for range lookupWorkers {
		r.workers.Add(1)
		go r.lookupWorker()
	}
	r.workers.Add(1)
	go r.writer()
	go r.loop()
	return r
}

// close stops the loop and its workers and waits for them. Local requests
// still waiting end with an error.
func (r *router) close() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

// post hands an event to the loop, waiting while its queue is full (which
// holds a link's reader back: backpressure to that peer). It reports false
// once the router is closed.
func (r *router) post(ctx context.Context, ev routerEvent) bool {
	select {
	case r.events <- ev:
		return true
	case <-r.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// addPeer registers a link that speaks feats to the peer whose identity is
// ident, and returns the id the router knows the peer by. A peer keeps its
// id while it has a link: a second link (both sides dialled at once)
// replaces the first without the core noticing, so requests sent over the
// first are answered over the second.
func (r *router) addPeer(s sender, ident string, loc routing.Location, feats peerwire.Features, kind PeerKind) (routing.PeerID, bool) {
	reply := make(chan routing.PeerID, 1)
	if !r.post(context.Background(), routerEvent{kind: evPeerUp, link: s, ident: ident, loc: loc, feats: feats, peerKind: kind, reply: reply}) {
		return 0, false
	}
	select {
	case id := <-reply:
		return id, true
	case <-r.done:
		return 0, false
	}
}

// removePeer forgets the link s of peer id, unless another link replaced
// it; the peer's requests move on to other routes.
func (r *router) removePeer(id routing.PeerID, s sender) {
	r.post(context.Background(), routerEvent{kind: evPeerDown, peer: id, link: s})
}

// deliver passes a decoded, verified message from peer id to the core.
func (r *router) deliver(id routing.PeerID, m routing.Message) bool {
	return r.post(context.Background(), routerEvent{kind: evMessage, peer: id, msg: m})
}

// deliverPeerLocations passes the locations of peer id's peers (a decoded
// PeerLocations) to the core.
func (r *router) deliverPeerLocations(id routing.PeerID, locs []routing.Location) bool {
	return r.post(context.Background(), routerEvent{kind: evPeerLocations, peer: id, locs: locs})
}

// errRouterClosed is the error of requests cut short by Close.
var errRouterClosed = errors.New("node: router closed")

// request runs a local fetch (block nil, insert false) or insert and waits
// for its result or ctx. A fetch is for a key the caller has already looked
// for in the datastore, and not found (the block store owns that lookup).
func (r *router) request(ctx context.Context, insert bool, rk keys.RoutingKey, block []byte) (routing.Result, error) {
	return r.run(ctx, &localReq{ctx: ctx, insert: insert, key: rk, block: block, done: make(chan routing.Result, 1)})
}

// run hands a local request or insert to the loop and waits for its end.
func (r *router) run(ctx context.Context, lr *localReq) (routing.Result, error) {
	if !r.post(ctx, routerEvent{kind: evLocal, local: lr}) {
		if err := ctx.Err(); err != nil {
			return routing.Result{}, err
		}
		return routing.Result{}, errRouterClosed
	}
	select {
	case res := <-lr.done:
		return res, res.Err
	case <-ctx.Done():
		return routing.Result{}, ctx.Err()
	}
}

func (r *router) loop() {
	defer close(r.done)
	defer r.links.close()
	defer r.workers.Wait()
	defer close(r.stores)
	defer close(r.lookups)
	t := time.NewTicker(r.tickEvery())
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			for _, lr := range r.local {
				lr.done <- routing.Result{Err: errRouterClosed}
			}
			for _, lr := range r.pending {
				lr.done <- routing.Result{Err: errRouterClosed}
			}
			return
		case ev := <-r.events:
			r.handle(ev)
			if ev.kind == evPeerUp || ev.kind == evPeerDown || ev.kind == evRun {
				r.countLinks()
			}
		case lr := <-r.lookupsDone:
			r.lookupDone(lr.l, lr.block)
		case <-t.C:
			r.tick(r.now())
		}
		r.process()
	}
}

// tick checks the core's timeouts and sends the PeerLocations that are due.
func (r *router) tick(now time.Time) {
	if r.ds != nil {
		r.core.SetStoreFull(!r.ds.Accepting(datastore.RegionStore))
	}
	r.core.Tick(now)
	if r.swapper != nil {
		if r.swapPaused != nil {
			r.swapper.Pause(r.swapPaused())
		}
		r.swapper.Tick(now)
	}
	if r.open != nil {
		r.openTick(now)
	}
	r.startPending() // relayed requests may have freed room too
	r.flushPeerLocations(now)
}

func (r *router) handle(ev routerEvent) {
	now := r.now()
	switch ev.kind {
	case evPeerUp:
		if id, ok := r.byIdent[ev.ident]; ok {
			r.relink(now, id, ev)
			return
		}
		r.nextID++
		id := r.nextID
		r.byIdent[ev.ident] = id
		p := &routerPeer{link: ev.link, ident: ev.ident, loc: ev.loc, feats: ev.feats, kind: ev.peerKind, since: now}
		r.peers[id] = p
		if !p.kind.routable() {
			ev.reply <- id // a seed's link carries announcements only
			return
		}
		if err := r.core.AddPeer(id, ev.loc); err != nil { // cannot fail: id > 0
			r.log.Error("router: add peer", "err", err)
		}
		if err := r.core.SetPeerFeatures(id, coreFeatures(ev.feats)); err != nil {
			r.log.Error("router: peer features", "err", err)
		}
		if r.swapper != nil && ev.feats.Has(peerwire.FeatureSwapping) && p.kind == PeerDarknet {
			r.swapper.AddPeer(id, ev.loc)
		}
		ev.reply <- id
		// The new peer hears of the others now; they hear of it with the
		// next batch of changes.
		r.sendPeerLocations(id, p, r.liveLocations())
		r.peerLocationsChanged(now)
	case evPeerDown:
		if p, ok := r.peers[ev.peer]; ok && p.link == ev.link {
			delete(r.peers, ev.peer)
			delete(r.byIdent, p.ident)
			r.core.RemovePeer(now, ev.peer)
			if r.swapper != nil {
				r.swapper.RemovePeer(ev.peer)
			}
			if r.open != nil {
				r.openPeerGone(now, ev.peer)
			}
			r.peerLocationsChanged(now)
		}
	case evMessage:
		p, ok := r.peers[ev.peer]
		if !ok {
			return // the link went down after its reader queued this
		}
		if !p.kind.routable() {
			// A seed's link, which the other side may already route
			// over (it took this node, which has not chosen it yet):
			// refuse at once rather than leave the request to time out.
			if t := ev.msg.Type; t == routing.MsgRequest || t == routing.MsgInsert {
				r.sendMsg(&routing.Message{Type: routing.MsgRejectedLoop, Peer: ev.peer, ID: ev.msg.ID})
			}
			return
		}
		ev.msg.Peer = ev.peer
		r.stats.received(ev.msg.Type)
		if ev.msg.Type == routing.MsgData && r.open != nil {
			r.openDataIn(now, ev.peer, ev.msg.ID)
		}
		r.stepErr(ev.peer, r.core.Step(now, ev.msg))
	case evPeerLocations:
		r.peerNeighbours(ev.peer, ev.locs)
	case evSwap:
		if _, ok := r.peers[ev.peer]; ok && r.swapper != nil {
			ev.swap.Peer = ev.peer
			r.stepErr(ev.peer, r.swapper.Step(now, ev.swap))
		}
	case evLocation:
		r.peerMoved(now, ev.peer, ev.loc)
	case evOpennet:
		r.openMessage(now, ev.peer, ev.open)
	case evRun:
		ev.run()
	case evLocal:
		r.start(now, ev.local)
	}
}

// start starts a local request, or queues it while the window is full.
func (r *router) start(now time.Time, lr *localReq) {
	if lr.ctx.Err() != nil {
		lr.done <- routing.Result{Err: lr.ctx.Err()}
		return
	}
	var id routing.RequestID
	var err error
	if lr.insert {
		if held := r.heldOther(lr.key, lr.block); held != nil {
			lr.done <- routing.Result{Key: lr.key, Insert: true, Block: held, Err: routing.ErrCollision}
			return
		}
		if lr.signed {
			r.own.add(now, lr.key, lr.block)
		}
		id, err = r.core.Insert(now, lr.key, lr.block)
	} else {
		// The block store looked in the datastore before it asked: the
		// core routes at once rather than ask for a second read.
		id, err = r.core.FetchRemote(now, lr.key)
	}
	switch {
	case errors.Is(err, routing.ErrOverloaded) && len(r.pending) < maxPendingLocal:
		r.pending = append(r.pending, lr)
	case err != nil:
		lr.done <- routing.Result{Key: lr.key, Err: err}
	default:
		r.local[id] = lr
	}
}

// stepErr acts on an error of the core about a peer's input: a peer the
// core no longer knows is a race with the link's end, not the peer's fault;
// anything else (a block for another key, a message the core does not
// handle, too many neighbours) is misbehaviour, and costs the peer its link.
func (r *router) stepErr(id routing.PeerID, err error) {
	switch {
	case err == nil:
	case errors.Is(err, routing.ErrPeerNotFound):
		r.log.Debug("router: input from a peer already gone", "peer", id, "err", err)
	default:
		r.dropPeer(id, err)
	}
}

// dropPeer closes a misbehaving peer's link. The link's end removes the
// peer from the core.
func (r *router) dropPeer(id routing.PeerID, err error) {
	if p, ok := r.peers[id]; ok {
		r.log.Warn("dropping peer link", "peer", id, "err", err)
		p.link.drop(err)
	}
}

// process does what the core asked for, until it asks for nothing more.
func (r *router) process() {
	r.processSwap()
	for {
		rd := r.core.Ready()
		if rd.Empty() {
			return
		}
		for i := range rd.Messages {
			r.sendMsg(&rd.Messages[i])
		}
		for _, l := range rd.Lookups {
			if len(l.Insert) == keys.CHKBlockSize {
				// A CHK is named by its content: no other block can be
				// held under it.
				r.core.LookupDone(r.now(), l.ID, nil)
				continue
			}
			select {
			case r.lookups <- l:
			default: // workers busy: read inline rather than queue without bound
				r.lookupDone(l, r.lookup(l.Key))
			}
		}
		for _, st := range rd.Stores {
			if len(st.Block) != keys.CHKBlockSize {
				// An SSK block is written at once, so that the loop's
				// next collision check sees it (collide.go).
				r.write([]routing.StoreOp{st})
				continue
			}
			select {
			case r.stores <- st:
			default:
				r.write([]routing.StoreOp{st})
			}
		}
		for _, o := range rd.Offered {
			if o.Held != (routing.BlockHash{}) {
				// The block handed on lost in a collision: the one that
				// won takes its place, if it is still held.
				r.offers.replace(o.Key, o.Block, o.Held)
				continue
			}
			r.offers.add(o.Key, o.Block)
		}
		ended := false
		for _, res := range rd.Results {
			if errors.Is(res.Err, routing.ErrCollision) {
				// The network keeps another block: the next local fetch
				// of the key gets it at once.
				r.own.forget(res.Key)
				r.offers.add(res.Key, res.Block)
			}
			if lr, ok := r.local[res.ID]; ok {
				r.stats.result(lr.insert, res.Err)
				delete(r.local, res.ID)
				lr.done <- res
				ended = true
			}
		}
		if ended {
			r.startPending()
		}
	}
}

// startPending starts queued local requests while the window has room.
func (r *router) startPending() {
	now := r.now()
	for len(r.pending) > 0 {
		lr := r.pending[0]
		before := len(r.pending)
		r.pending = r.pending[1:]
		r.start(now, lr)
		if len(r.pending) == before { // requeued at the back: window full
			r.pending = append([]*localReq{lr}, r.pending[:len(r.pending)-1]...)
			return
		}
	}
}

func (r *router) sendMsg(m *routing.Message) {
	p, ok := r.peers[m.Peer]
	if !ok {
		return
	}
	if r.trace != nil {
		r.trace(*m)
	}
	var err error
	r.frame, err = peerwire.Append(r.frame[:0], m)
	if err != nil {
		r.log.Error("router: encode", "err", err)
		return
	}
	r.stats.sent(m.Type)
	if r.sendFrame(m.Peer, p) && m.Type == routing.MsgData && r.open != nil {
		r.openDataOut(r.now(), m.Peer, m.ID)
	}
}

// setKind records that the peer whose identity is ident is now of kind: a
// link that was not routed over (a seed's) is from now on.
func (r *router) setKind(ident string, kind PeerKind) {
	r.runOnLoop(func() {
		id, ok := r.byIdent[ident]
		if !ok {
			return
		}
		p := r.peers[id]
		was := p.kind
		p.kind = kind
		if was.routable() || !kind.routable() {
			return
		}
		now := r.now()
		p.since = now
		if err := r.core.AddPeer(id, p.loc); err != nil {
			r.log.Error("router: add peer", "err", err)
		}
		if err := r.core.SetPeerFeatures(id, coreFeatures(p.feats)); err != nil {
			r.log.Error("router: peer features", "err", err)
		}
		r.sendPeerLocations(id, p, r.liveLocations())
		r.peerLocationsChanged(now)
	})
}

// runOnLoop runs f on the loop, and reports whether it did.
func (r *router) runOnLoop(f func()) bool {
	done := make(chan struct{})
	if !r.post(context.Background(), routerEvent{kind: evRun, run: func() { f(); close(done) }}) {
		return false
	}
	select {
	case <-done:
		return true
	case <-r.done:
		return false
	}
}

// sendFrame sends r.frame to peer id, unless its kind is one the link did
// not negotiate (the core and the router never make one: a bug, logged).
func (r *router) sendFrame(id routing.PeerID, p *routerPeer) bool {
	typ := r.frame[1]
	if need := peerwire.Needs(typ); !p.feats.Has(need) {
		r.log.Error("router: not sending a kind the link did not negotiate", "type", peerwire.TypeName(typ), "peer", id)
		return false
	}
	if err := p.link.send(r.frame); err != nil {
		// The queue is full (a peer that does not read) or the link is
		// closing: either way the link goes, and its requests reroute.
		r.dropPeer(id, fmt.Errorf("node: send to peer: %w", err))
		return false
	}
	if r.traceFrame != nil {
		r.traceFrame(p.loc, typ)
	}
	return true
}

// coreFeatures maps the features a link negotiated to the routing core's.
func coreFeatures(f peerwire.Features) routing.PeerFeatures {
	var cf routing.PeerFeatures
	if f.Has(peerwire.FeatureOffers) {
		cf |= routing.PeerOffers
	}
	if f.Has(peerwire.FeatureCollisions) {
		cf |= routing.PeerCollisions
	}
	if f.Has(peerwire.FeatureReplace) {
		cf |= routing.PeerReplace
	}
	return cf
}

// holds reports whether a conditional replacement (StoreOp.Held, a peer's
// Replace of the block its Offer supplied) is to be written: the datastore
// still holds that block under the key. Any other write is.
func (r *router) holds(op routing.StoreOp) bool {
	if op.Held == (routing.BlockHash{}) {
		return true
	}
	b, err := r.ds.Get(op.Key)
	return err == nil && routing.HashBlock(b) == op.Held
}

// lookup reads the datastore for the core, for a request from a peer (this
// node's own fetches are looked up by the block store): the block, or nil
// on a miss. The datastore verifies what it returns.
func (r *router) lookup(rk keys.RoutingKey) []byte {
	b, err := r.ds.Get(rk)
	if err != nil {
		if !errors.Is(err, datastore.ErrNotFound) {
			r.log.Warn("datastore read", "key", rk, "err", err)
		}
		return nil
	}
	return b
}

func (r *router) lookupWorker() {
	defer r.workers.Done()
	for l := range r.lookups {
		r.lookupsDone <- lookupResult{id: l.ID, block: r.lookup(l.Key), l: l}
	}
}

// writer applies the core's writes in batches. The blocks were verified
// against their keys in the link's reader, so the datastore need not hash
// them again.
func (r *router) writer() {
	defer r.workers.Done()
	batch := make([]routing.StoreOp, 0, storeBatchMaxLen)
	for st := range r.stores {
		batch = append(batch[:0], st)
	more:
		for len(batch) < storeBatchMaxLen {
			select {
			case st, ok := <-r.stores:
				if !ok {
					break more
				}
				batch = append(batch, st)
			default:
				break more
			}
		}
		r.write(batch)
	}
}

func (r *router) write(ops []routing.StoreOp) {
	if slices.ContainsFunc(ops, func(op routing.StoreOp) bool { return op.Held != (routing.BlockHash{}) }) {
		ops = slices.DeleteFunc(slices.Clone(ops), func(op routing.StoreOp) bool { return !r.holds(op) })
	}
	for _, op := range ops {
		if op.Replace {
			// The block the network held first takes the place of the
			// one written here.
			if err := r.ds.Delete(op.Key); err != nil && !errors.Is(err, datastore.ErrNotFound) {
				r.log.Warn("datastore delete", "key", op.Key, "err", err)
			}
		}
	}
	for _, region := range []routing.Region{routing.RegionStore, routing.RegionCache} {
		var es []datastore.Entry
		for _, op := range ops {
			if op.Region == region {
				es = append(es, datastore.Entry{Key: op.Key, Block: op.Block})
			}
		}
		if len(es) == 0 {
			continue
		}
		dr := datastore.RegionCache
		if region == routing.RegionStore {
			dr = datastore.RegionStore
		}
		err := r.ds.PutBatchEncoded(es, dr)
		if errors.Is(err, datastore.ErrCollision) && len(es) > 1 {
			// One SSK slot holds another block: write the others alone.
			for _, e := range es {
				if err := r.ds.PutBatchEncoded([]datastore.Entry{e}, dr); err != nil && !errors.Is(err, datastore.ErrCollision) && !errors.Is(err, datastore.ErrDiskFull) {
					r.log.Warn("datastore write", "key", e.Key, "err", err)
				}
			}
			continue
		}
		if err != nil && !errors.Is(err, datastore.ErrCollision) && !errors.Is(err, datastore.ErrDiskFull) {
			// (A full disk is logged by the datastore, once a minute.)
			r.log.Warn("datastore write", "blocks", len(es), "err", err)
		}
	}
}
