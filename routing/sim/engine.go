package sim

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// op is one insert or request.
type op struct {
	key    keys.RoutingKey
	at     int64 // when it is scheduled to start
	began  int64 // when its origin took it
	ended  int64
	id     routing.RequestID
	origin int32
	source int32 // the node whose store answered a request; -1
	hops   int32 // links the answer crossed from the node that had it
	msgs   int32 // Request or Insert messages it caused
	greedy int32 // plain greedy hops to the first holder; -1
	// foafGreedy: the same with friend-of-a-friend lookahead; -1
	foafGreedy int32
	epoch      int32 // -1: warm-up, not measured
	index      int32 // the key's index among the measured keys
	pair       int32 // an insert's request op (told the inserter); -1
	reread     bool  // a request, in a later epoch, for a key of the first
	insert     bool
	running    bool
	done       bool
	ok         bool
	err        string
	retries    int32
	inserter   int32 // a request's key's inserter (not chosen as its origin)
}

// storeKey names a block held by a node.
type storeKey struct{ node, key int32 }

// engine drives the network's Cores with a virtual clock.
type engine struct {
	cfg Config
	nw  *network
	q   queue
	now int64 // virtual ns

	ops     []op // key k: ops[2k] its insert, ops[2k+1] its request
	running map[routing.RequestID]int32
	stored  map[storeKey]struct{}
	block   []byte // every simulated block (the Cores never read it)

	traffic, jitter *rand.Rand
	hopTimeout      int64
	delivered       int64
	// dataHops is, while a Data message is being delivered, the links its
	// block has crossed since a store answered (0 otherwise): what the
	// receiver's own Data messages and results carry on.
	dataHops int32
	pending  int // measured ops not done

	// onData is called when a Data message crosses the link a-b (opennet
	// keeps its LRU order with it); nil otherwise.
	onData func(a, b int32)
	// onFound is called when a request succeeds with the node that
	// answered it (opennet path folding); nil otherwise.
	onFound func(o *op)
	// sub is the subscription workload; nil without one.
	sub *subs
}

func newEngine(cfg Config, nw *network) *engine {
	ht := cfg.Routing.HopTimeout
	if ht == 0 {
		ht = routing.DefaultHopTimeout
	}
	return &engine{
		cfg: cfg, nw: nw,
		running:    make(map[routing.RequestID]int32),
		stored:     make(map[storeKey]struct{}),
		block:      []byte{0x68},
		traffic:    newRand(cfg.Seed, streamTraffic),
		jitter:     newRand(cfg.Seed, streamJitter),
		hopTimeout: int64(ht),
	}
}

// keyFor returns the routing key of key index k: random bytes (its
// location) with k in the last four, so that a store op names its key
// without a lookup table.
func (e *engine) keyFor(k int32) keys.RoutingKey {
	var rk keys.RoutingKey
	for i := 0; i < 28; i += 8 {
		binary.BigEndian.PutUint64(rk[i:], e.traffic.Uint64())
	}
	binary.BigEndian.PutUint32(rk[28:], uint32(k))
	return rk
}

func keyIndex(rk keys.RoutingKey) int32 { return int32(binary.BigEndian.Uint32(rk[28:])) }

// holds reports whether node i stores key k.
func (e *engine) holds(i, k int32) bool {
	_, ok := e.stored[storeKey{i, k}]
	return ok
}

// linkDelay is the base one-way delay of the link a-b, drawn once from
// the link's hash: log-normal with the configured median.
func (e *engine) linkDelay(a, b int32) float64 {
	if a > b {
		a, b = b, a
	}
	h := splitmix64(e.cfg.Seed ^ splitmix64(uint64(a)<<32|uint64(uint32(b))))
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := (float64(splitmix64(h)>>11) + 0.5) / (1 << 53)
	z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	return float64(e.cfg.Latency.Median) * math.Exp(e.cfg.Latency.LinkSigma*z)
}

// send schedules m from node i to its recipient.
func (e *engine) send(i int32, m routing.Message) {
	if !e.nw.nodes[i].online {
		return // a node that left says nothing more
	}
	to := nodeOf(m.Peer)
	if e.sub != nil {
		e.sub.count(&m)
	}
	if oi, ok := e.running[m.ID]; ok {
		switch m.Type {
		case routing.MsgRequest, routing.MsgInsert:
			e.ops[oi].msgs++
		}
	}
	tag := int32(0)
	if m.Type == routing.MsgData {
		tag = e.dataHops + 1 // links the block has crossed when it arrives
	}
	if m.Type == routing.MsgRequest || m.Type == routing.MsgInsert {
		// The Core times the hop out at HopTimeout×(HTL+1): tick it then.
		e.q.push(event{at: e.now + e.hopTimeout*int64(m.HTL+1) + 1, kind: evTick, node: i})
	}
	d := e.linkDelay(i, to) * math.Exp(e.cfg.Latency.JitterSigma*e.jitter.NormFloat64())
	m.Peer = peerID(i)
	e.q.push(event{at: e.now + max(1, int64(d)), kind: evDeliver, node: to, msg: m, op: tag})
}

// drive carries out what node i's Core asks until it asks nothing more.
func (e *engine) drive(i int32) {
	c := e.nw.nodes[i].core
	for {
		rd := c.Ready()
		if rd.Empty() {
			return
		}
		for _, s := range rd.Stores {
			e.stored[storeKey{i, keyIndex(s.Key)}] = struct{}{}
		}
		for _, m := range rd.Messages {
			e.send(i, m)
		}
		for _, l := range rd.Lookups {
			var blk []byte
			if l.Insert != nil {
				// One block per key: an insert never collides here.
				c.LookupDone(e.time(), l.ID, nil)
				continue
			}
			if e.holds(i, keyIndex(l.Key)) {
				blk = e.block
				if oi, ok := e.running[l.ID]; ok && e.ops[oi].source < 0 {
					e.ops[oi].source = i
				}
			}
			c.LookupDone(e.time(), l.ID, blk)
		}
		for _, r := range rd.Results {
			e.result(r)
		}
		if e.sub != nil {
			for _, o := range rd.Offered {
				e.sub.offered(i, o.Key)
			}
		}
	}
}

// time is the virtual clock as the Cores see it.
func (e *engine) time() time.Time { return time.Unix(0, e.now).UTC() }

// deliver hands a message to its recipient.
func (e *engine) deliver(ev *event) {
	n := &e.nw.nodes[ev.node]
	if !n.online {
		return
	}
	n.load++
	e.delivered++
	if ev.msg.Type == routing.MsgData {
		e.dataHops = ev.op // the event loop clears it before the next event
	}
	if err := n.core.Step(e.time(), ev.msg); err != nil {
		if !errors.Is(err, routing.ErrPeerNotFound) {
			// Simulated nodes are honest: no other error can come.
			panic("sim: " + err.Error())
		}
		return // from a peer no longer linked: the link went down meanwhile
	}
	if ev.msg.Type == routing.MsgData && e.onData != nil {
		e.onData(ev.node, nodeOf(ev.msg.Peer))
	}
	e.drive(ev.node)
}

// tick lets node i's Core time out hops.
func (e *engine) tick(i int32) {
	if e.nw.nodes[i].online {
		e.nw.nodes[i].core.Tick(e.time())
		e.drive(i)
	}
}

// randomOnline draws an online node other than not (-1: any).
func (e *engine) randomOnline(not int32) int32 {
	n := len(e.nw.nodes)
	for range 64 * n {
		i := int32(e.traffic.IntN(n))
		if i != not && e.nw.nodes[i].online && !e.nw.nodes[i].attacker {
			return i
		}
	}
	return -1
}

// start begins op oi at a random online node.
func (e *engine) start(oi int32) {
	o := &e.ops[oi]
	not := int32(-1)
	if !o.insert {
		not = o.inserter
	}
	origin := e.randomOnline(not)
	if origin < 0 {
		e.finish(oi, false, "no node online")
		return
	}
	c := e.nw.nodes[origin].core
	var id routing.RequestID
	var err error
	if o.insert {
		id, err = c.Insert(e.time(), o.key, e.block)
	} else {
		k := keyIndex(o.key)
		holds := func(v int32) bool { return e.holds(v, k) }
		o.greedy, o.foafGreedy = -1, -1
		if hops, ok := e.nw.greedy(origin, routing.KeyLocation(o.key), int(e.cfg.HTL), false, holds); ok {
			o.greedy = int32(hops)
		}
		if hops, ok := e.nw.greedy(origin, routing.KeyLocation(o.key), int(e.cfg.HTL), true, holds); ok {
			o.foafGreedy = int32(hops)
		}
		id, err = c.Fetch(e.time(), o.key)
	}
	if errors.Is(err, routing.ErrOverloaded) && o.retries < 600 {
		o.retries++ // the node's own window is full: try again in a second
		e.q.push(event{at: e.now + int64(time.Second), kind: evStart, op: oi})
		return
	}
	if err != nil {
		e.finish(oi, false, err.Error())
		return
	}
	if o.insert && o.pair >= 0 {
		e.ops[o.pair].inserter = origin
	}
	o.origin, o.began, o.id, o.running, o.source = origin, e.now, id, true, -1
	e.running[id] = oi
	e.drive(origin)
}

// result records the outcome of a request or insert.
func (e *engine) result(r routing.Result) {
	if e.sub != nil && e.sub.result(r) {
		return
	}
	oi, ok := e.running[r.ID]
	if !ok {
		return
	}
	delete(e.running, r.ID)
	e.ops[oi].hops = e.dataHops
	msg := ""
	if r.Err != nil {
		msg = r.Err.Error()
	}
	e.finish(oi, r.Err == nil, msg)
	if o := &e.ops[oi]; o.ok && !o.insert && e.onFound != nil {
		e.onFound(o)
	}
}

func (e *engine) finish(oi int32, ok bool, msg string) {
	o := &e.ops[oi]
	if o.done {
		return
	}
	o.done, o.running, o.ok, o.err, o.ended = true, false, ok, msg, e.now
	if o.epoch >= 0 {
		e.pending--
	}
}
