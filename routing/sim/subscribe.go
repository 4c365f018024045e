package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Subscribe is the subscription workload (Config.Subscribe): live feeds
// and their followers. A feed is a USK whose editions are SSK keys; its
// publisher inserts each new edition from its node. A follower's node
// polls the key of the edition after the newest it has seen, every
// PollInterval, with an ordinary request; a poll that fails leaves
// failure-table entries along its path, so that an insert of the edition
// passing one of them is offered back to the follower (passive requests,
// docs/routing.md, Offers), which sees the edition when its node hands
// the block on in Ready.Offered. Feeds 0 (the default) runs no
// subscriptions; the other fields then must be zero.
type Subscribe struct {
	// Feeds is the number of feeds, each published from a random node.
	Feeds int
	// Followers is the number of followers per feed, on distinct random
	// nodes other than the publisher's. Default 20.
	Followers int
	// PollInterval is the time between a follower's polls, as the node's
	// USKPollInterval. Default 5 minutes. The first poll falls at a random
	// moment of the first interval, and a follower that sees an edition
	// polls for the next one at once (the node's round goes on probing).
	PollInterval time.Duration
	// Duration is the virtual time over which the editions are published,
	// after one PollInterval of polling. Default 2 hours.
	Duration time.Duration
	// Editions is the number of editions of each feed, inserted at
	// uniformly random moments of Duration (in order). Default 12.
	Editions int
	// Grace is how long after Duration the followers go on polling: an
	// edition not seen by then is never seen. Default 2×PollInterval.
	Grace time.Duration
}

// Subscription defaults.
const (
	DefaultFollowers    = 20
	DefaultPollInterval = 5 * time.Minute
	DefaultSubDuration  = 2 * time.Hour
	DefaultEditions     = 12
)

// on reports whether the workload runs.
func (s Subscribe) on() bool { return s.Feeds > 0 }

func (s Subscribe) withDefaults() Subscribe {
	if !s.on() {
		return s
	}
	if s.Followers == 0 {
		s.Followers = DefaultFollowers
	}
	if s.PollInterval == 0 {
		s.PollInterval = DefaultPollInterval
	}
	if s.Duration == 0 {
		s.Duration = DefaultSubDuration
	}
	if s.Editions == 0 {
		s.Editions = DefaultEditions
	}
	if s.Grace == 0 {
		s.Grace = 2 * s.PollInterval
	}
	return s
}

// span is the subscription window: polling from the traffic's start,
// publishing after one PollInterval, the grace period after it.
func (s Subscribe) span() time.Duration { return s.PollInterval + s.Duration + s.Grace }

// validate checks s (defaults applied) for a network of honest nodes.
func (s Subscribe) validate(honest int) error {
	bad := func(f string, a ...any) error { return fmt.Errorf("sim: "+f, a...) }
	switch {
	case s.Feeds < 0 || s.Feeds > 1<<20:
		return bad("--feeds %d: need 0 to 2^20", s.Feeds)
	case !s.on() && s != (Subscribe{}):
		return bad("subscription settings without feeds (--subscriptions)")
	case !s.on():
		return nil
	case s.Followers < 1 || s.Followers >= honest:
		return bad("--followers %d: need 1 to %d (the honest nodes but the publisher)", s.Followers, honest-1)
	case s.Editions < 1 || s.Editions > 1<<20:
		return bad("--editions %d: need 1 to 2^20", s.Editions)
	case int64(s.Feeds)*int64(s.Followers)*int64(s.Editions) > 1<<26:
		return bad("%d feeds × %d followers × %d editions: at most 2^26 deliveries", s.Feeds, s.Followers, s.Editions)
	case int64(s.Feeds)*int64(s.Editions+1) > 1<<30:
		return bad("%d feeds × %d editions: too many keys", s.Feeds, s.Editions)
	case s.PollInterval <= 0 || s.Duration <= 0 || s.Grace < 0:
		return bad("--poll %v, --duration %v, --grace %v: need positive times", s.PollInterval, s.Duration, s.Grace)
	case s.span() > 1000*time.Hour:
		return bad("subscription window %v: at most 1000 hours", s.span())
	}
	return nil
}

// How a follower saw an edition.
const (
	viaNone  uint8 = iota
	viaPoll        // a poll of its node found the block
	viaOffer       // the block was offered to its node (Ready.Offered)
)

// Where a follower stood when an edition was inserted.
const (
	phaseCold        uint8 = iota // no failed poll for this edition yet (just subscribed, or behind)
	phaseWarm                     // its last poll failed less than RecentlyFailedFor ago
	phaseIdle                     // its last poll failed RecentlyFailedFor ago or more
	phasePolling                  // a poll for this edition was in flight
	phaseOffline                  // its node was offline
	phaseUnpublished              // never inserted: the publisher's node stayed offline
)

var phaseNames = [...]string{phaseCold: "cold", phaseWarm: "warm", phaseIdle: "idle", phasePolling: "polling",
	phaseOffline: "offline", phaseUnpublished: "unpublished"}

// follower is one subscription.
type follower struct {
	feed, node int32
	want       int32             // the edition after the newest it has seen
	poll       routing.RequestID // its poll in flight; 0: none
	pollEd     int32             // the edition that poll asks for
	pollAt     int64             // when that poll started
	next       int64             // when its next poll is due (an evPoll at another time is stale); -1: none
	asked      int64             // when its last poll for want failed; -1: none yet
	joined     int64             // when its node last came online
}

// subs runs the subscription workload on an engine.
type subs struct {
	e   *engine
	cfg Subscribe
	rng *rand.Rand
	rf  int64 // the Cores' RecentlyFailedFor

	pubStart, pubEnd, end int64 // the publishing period; the end of the grace period

	publisher []int32 // per feed
	eds       int     // editions per feed, plus the one never published
	edKey     []keys.RoutingKey
	edAt      []int64 // when an edition is posted (per feed, then edition)
	inserted  []int64 // when it was inserted; -1: not (yet)
	insertOK  []bool
	pubNext   []int32 // per feed: the next edition to insert
	pubDue    []int32 // per feed: editions posted so far

	fl       []follower                  // feed by feed
	byNode   map[int32][]int32           // node → its followers
	pubNode  map[int32][]int32           // node → the feeds it publishes
	polls    map[routing.RequestID]int32 // poll in flight → follower
	inserts  map[routing.RequestID]int32 // insert running → edition
	pollIDs  map[routing.RequestID]struct{}
	insertID map[routing.RequestID]struct{}

	// Per delivery (follower, then edition).
	seen  []int64 // -1: not seen
	via   []uint8
	phase []uint8

	npolls                          int
	pollTime                        []float64 // how long each poll took, ns
	pollFound                       []float64 // how long the polls that found their edition took, ns
	pollMsgs, insertMsgs, offerMsgs int64
	pollByType                      [16]int64 // poll messages by routing.MsgType
}

// subKeyIndex is the store index of edition g (feed×eds + edition):
// negative, apart from the traffic's keys.
func subKeyIndex(g int32) int32 { return -1 - g }

// startSubscriptions picks the publishers and followers, draws the
// editions' keys and times, and schedules the first polls and the posts.
// Polling starts at t0.
func startSubscriptions(e *engine, t0 int64) *subs {
	c := e.cfg.Subscribe
	rf := e.cfg.Routing.RecentlyFailedFor
	if rf == 0 {
		rf = routing.DefaultRecentlyFailedFor
	}
	s := &subs{e: e, cfg: c, rng: newRand(e.cfg.Seed, streamSubscribe), rf: int64(rf),
		pubStart: t0 + int64(c.PollInterval), eds: c.Editions + 1,
		byNode: make(map[int32][]int32), pubNode: make(map[int32][]int32),
		polls: make(map[routing.RequestID]int32), inserts: make(map[routing.RequestID]int32),
		pollIDs: make(map[routing.RequestID]struct{}), insertID: make(map[routing.RequestID]struct{})}
	s.pubEnd = s.pubStart + int64(c.Duration)
	s.end = s.pubEnd + int64(c.Grace)
	n := int32(len(e.nw.nodes))
	honest := func() int32 {
		for {
			if i := s.rng.Int32N(n); !e.nw.nodes[i].attacker {
				return i
			}
		}
	}
	nk := c.Feeds * s.eds
	s.edKey, s.edAt, s.inserted, s.insertOK = make([]keys.RoutingKey, nk), make([]int64, nk), make([]int64, nk), make([]bool, nk)
	s.publisher, s.pubNext, s.pubDue = make([]int32, c.Feeds), make([]int32, c.Feeds), make([]int32, c.Feeds)
	s.fl = make([]follower, 0, c.Feeds*c.Followers)
	taken := make(map[int32]bool, c.Followers+1)
	for f := range c.Feeds {
		p := honest()
		s.publisher[f] = p
		s.pubNode[p] = append(s.pubNode[p], int32(f))
		clear(taken)
		taken[p] = true
		for range c.Followers {
			i := honest()
			for taken[i] {
				i = honest()
			}
			taken[i] = true
			fi := int32(len(s.fl))
			s.fl = append(s.fl, follower{feed: int32(f), node: i, next: -1, asked: -1, joined: math.MinInt64})
			s.byNode[i] = append(s.byNode[i], fi)
		}
		// The editions' keys, and their posts at uniformly random
		// moments of the publishing period, in order.
		base := f * s.eds
		for ed := range s.eds {
			s.edKey[base+ed] = s.key(subKeyIndex(int32(base + ed)))
			s.inserted[base+ed] = -1
		}
		at := s.edAt[base : base+c.Editions]
		for k := range at {
			at[k] = s.pubStart + int64(s.rng.Float64()*float64(c.Duration))
		}
		slices.Sort(at)
		for _, t := range at {
			e.q.push(event{at: t, kind: evPublish, op: int32(f)})
		}
	}
	for fi := range s.fl {
		s.schedule(int32(fi), t0+int64(s.rng.Float64()*float64(c.PollInterval)))
	}
	nd := len(s.fl) * c.Editions
	s.seen, s.via, s.phase = make([]int64, nd), make([]uint8, nd), make([]uint8, nd)
	for k := range s.seen {
		s.seen[k], s.phase[k] = -1, phaseUnpublished
	}
	return s
}

// key returns a random routing key with store index k.
func (s *subs) key(k int32) keys.RoutingKey {
	var rk keys.RoutingKey
	for i := 0; i < 28; i += 8 {
		binary.BigEndian.PutUint64(rk[i:], s.rng.Uint64())
	}
	binary.BigEndian.PutUint32(rk[28:], uint32(k))
	return rk
}

// schedule makes follower fi's next poll due at at (replacing any other).
func (s *subs) schedule(fi int32, at int64) {
	if at >= s.end {
		s.fl[fi].next = -1
		return
	}
	s.fl[fi].next = at
	s.e.q.push(event{at: at, kind: evPoll, op: fi})
}

// pollDue runs an evPoll: follower fi polls for the edition it wants,
// unless the event is stale, a poll is in flight or its node is offline
// (it polls when the node returns).
func (s *subs) pollDue(ev *event) {
	fl := &s.fl[ev.op]
	if ev.at != fl.next {
		return
	}
	fl.next = -1
	e := s.e
	if fl.poll != 0 || !e.nw.nodes[fl.node].online || e.now >= s.end {
		return
	}
	g := fl.feed*int32(s.eds) + fl.want
	id, err := e.nw.nodes[fl.node].core.Fetch(e.time(), s.edKey[g])
	if errors.Is(err, routing.ErrOverloaded) {
		s.schedule(ev.op, e.now+int64(time.Second)) // its node's window is full
		return
	}
	if err != nil {
		s.schedule(ev.op, e.now+int64(s.cfg.PollInterval))
		return
	}
	fl.poll, fl.pollEd, fl.pollAt = id, fl.want, e.now
	s.polls[id] = ev.op
	s.pollIDs[id] = struct{}{}
	s.npolls++
	e.drive(fl.node)
}

// result takes the Result of a poll or an edition's insert; it reports
// whether r was one.
func (s *subs) result(r routing.Result) bool {
	e := s.e
	if g, ok := s.inserts[r.ID]; ok {
		delete(s.inserts, r.ID)
		s.insertOK[g] = r.Err == nil
		return true
	}
	fi, ok := s.polls[r.ID]
	if !ok {
		return false
	}
	delete(s.polls, r.ID)
	fl := &s.fl[fi]
	fl.poll = 0
	s.pollTime = append(s.pollTime, float64(e.now-fl.pollAt))
	if !e.nw.nodes[fl.node].online {
		return true // it polls again when its node returns
	}
	switch {
	case fl.pollEd != fl.want:
		// Stale: the edition came by an offer meanwhile; the round goes
		// on to the next one.
		s.schedule(fi, e.now)
	case r.Err == nil:
		s.pollFound = append(s.pollFound, float64(e.now-fl.pollAt))
		s.see(fi, viaPoll)
	default:
		fl.asked = e.now
		s.schedule(fi, e.now+int64(s.cfg.PollInterval))
	}
	return true
}

// offered takes a block node i's Core handed on for the node's own
// request (Ready.Offered): a follower there waiting for that edition
// sees it.
func (s *subs) offered(i int32, k keys.RoutingKey) {
	idx := keyIndex(k)
	if idx >= 0 {
		return
	}
	g := -1 - idx
	f, ed := g/int32(s.eds), g%int32(s.eds)
	for _, fi := range s.byNode[i] {
		if fl := &s.fl[fi]; fl.feed == f && fl.want == ed {
			s.see(fi, viaOffer)
		}
	}
}

// see records that follower fi sees the edition it wants now; its node
// polls for the next one at once, as the node's round goes on.
func (s *subs) see(fi int32, via uint8) {
	e, fl := s.e, &s.fl[fi]
	if e.now > s.end || int(fl.want) >= s.cfg.Editions {
		return
	}
	g := fl.feed*int32(s.eds) + fl.want
	if s.inserted[g] < 0 {
		return // cannot happen: nothing holds an edition before its insert
	}
	d := int(fi)*s.cfg.Editions + int(fl.want)
	s.seen[d], s.via[d] = e.now, via
	fl.want++
	fl.asked = -1
	s.schedule(fi, e.now)
}

// publish runs an evPublish: the feed's next edition is posted (node 0),
// or a retry (node 1); the posted editions are inserted, in order, while
// the publisher's node is online.
func (s *subs) publish(ev *event) {
	f := ev.op
	if ev.node == 0 {
		s.pubDue[f]++
	}
	e := s.e
	p := s.publisher[f]
	for s.pubNext[f] < s.pubDue[f] && e.nw.nodes[p].online {
		ed := s.pubNext[f]
		g := f*int32(s.eds) + ed
		id, err := e.nw.nodes[p].core.Insert(e.time(), s.edKey[g], e.block)
		if errors.Is(err, routing.ErrOverloaded) {
			e.q.push(event{at: e.now + int64(time.Second), kind: evPublish, op: f, node: 1})
			return
		}
		s.pubNext[f]++
		s.inserted[g] = e.now
		base := int(f) * s.cfg.Followers
		for k := range s.cfg.Followers {
			s.phase[(base+k)*s.cfg.Editions+int(ed)] = s.phaseOf(int32(base+k), ed)
		}
		if err != nil {
			continue
		}
		s.inserts[id] = g
		s.insertID[id] = struct{}{}
		e.drive(p)
	}
}

// phaseOf is where follower fi stands as edition ed is inserted.
func (s *subs) phaseOf(fi, ed int32) uint8 {
	fl := &s.fl[fi]
	switch {
	case !s.e.nw.nodes[fl.node].online:
		return phaseOffline
	case fl.poll != 0 && fl.pollEd == ed:
		return phasePolling
	case fl.want != ed || fl.asked < 0:
		return phaseCold
	case s.e.now-fl.asked < s.rf:
		return phaseWarm
	}
	return phaseIdle
}

// joined: node i came back online; its followers poll at once and its
// feeds' posted editions are inserted.
func (s *subs) joined(i int32) {
	for _, fi := range s.byNode[i] {
		s.fl[fi].joined = s.e.now
		s.schedule(fi, s.e.now)
	}
	for _, f := range s.pubNode[i] {
		s.e.q.push(event{at: s.e.now, kind: evPublish, op: f, node: 1})
	}
}

// count classes a message node sends: poll traffic (requests and their
// answers, every hop), the editions' inserts, and offers of editions.
func (s *subs) count(m *routing.Message) {
	switch {
	case m.Type == routing.MsgOffer:
		if keyIndex(m.Key) < 0 {
			s.offerMsgs++
		}
	case hasID(s.pollIDs, m.ID):
		if s.e.now >= s.pubStart && s.e.now < s.pubEnd {
			s.pollMsgs++
			s.pollByType[m.Type&15]++
		}
	case hasID(s.insertID, m.ID):
		s.insertMsgs++
	}
}

func hasID(m map[routing.RequestID]struct{}, id routing.RequestID) bool {
	_, ok := m[id]
	return ok
}
