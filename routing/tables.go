package routing

import (
	"slices"
	"time"

	"github.com/hamsnet/hams/keys"
)

// ring is a FIFO of at most max entries that grows on demand (doubling, up
// to max), so that an idle Core costs a few bytes rather than max entries:
// the simulator runs a million of them.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest entry in buf
	n    int
	max  int
}

func (r *ring[T]) full() bool { return r.n == r.max }

// push appends v; the caller pops first when the ring is full.
func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		grown := make([]T, min(max(2*len(r.buf), 8), r.max))
		for i := range r.n {
			grown[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

func (r *ring[T]) oldest() T { return r.buf[r.head] }

func (r *ring[T]) pop() T {
	v := r.buf[r.head]
	var zero T
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if r.n == 0 {
		r.buf, r.head = nil, 0 // an emptied ring gives its memory back
	}
	return v
}

// recentIDs remembers request IDs for loop detection: a bounded map with
// entries expiring in insertion order (a FIFO ring), so memory stays bounded
// however many requests arrive.
type recentIDs struct {
	until map[RequestID]time.Time // made on first use
	order ring[RequestID]
}

func newRecentIDs(max int) recentIDs { return recentIDs{order: ring[RequestID]{max: max}} }

func (r *recentIDs) has(id RequestID) bool { _, ok := r.until[id]; return ok }

func (r *recentIDs) add(now time.Time, id RequestID, ttl time.Duration) {
	if r.order.max == 0 {
		return
	}
	if r.order.full() {
		delete(r.until, r.order.pop())
	}
	if r.until == nil {
		r.until = make(map[RequestID]time.Time)
	}
	r.until[id] = now.Add(ttl)
	r.order.push(id)
}

// expire drops entries past their time (all entries share one TTL, so the
// oldest expire first).
func (r *recentIDs) expire(now time.Time) {
	for r.order.n > 0 {
		if t, ok := r.until[r.order.oldest()]; ok && now.Before(t) {
			return
		}
		delete(r.until, r.order.pop())
	}
	r.until = nil
}

// maxAskers bounds the peers a failure-table entry remembers as having
// asked for its key (to offer them the block if it turns up).
const maxAskers = 4

// failure is a failure-table entry: the key was not found with htl hops to
// live; until then a request for it is answered RecentlyFailed. Who asked
// for it (askers, and local for this node's own requests) is offered the
// block if it turns up before interest, which each ask renews (Hyphanet
// keeps its requestors an hour, far longer than its RecentlyFailed).
type failure struct {
	until    time.Time
	interest time.Time
	htl      uint8
	local    bool
	n        uint8
	askers   [maxAskers]PeerID
}

// live reports whether the entry still means anything at now.
func (e *failure) live(now time.Time) bool { return now.Before(e.until) || now.Before(e.interest) }

// failureTable remembers keys recently not found, bounded like recentIDs.
type failureTable struct {
	keys     map[keys.RoutingKey]failure // made on first use
	order    ring[keys.RoutingKey]
	interest time.Duration // how long an ask is remembered
}

func newFailureTable(max int, interest time.Duration) failureTable {
	return failureTable{order: ring[keys.RoutingKey]{max: max}, interest: interest}
}

// get returns k's entry while requests for k are answered RecentlyFailed.
func (f *failureTable) get(now time.Time, k keys.RoutingKey) (failure, bool) {
	e, ok := f.keys[k]
	if !ok || !now.Before(e.until) {
		return failure{}, false
	}
	return e, true
}

// interested returns k's entry while someone's ask for k stands (or it is
// answered RecentlyFailed).
func (f *failureTable) interested(now time.Time, k keys.RoutingKey) (failure, bool) {
	e, ok := f.keys[k]
	if !ok || !e.live(now) {
		return failure{}, false
	}
	return e, true
}

// add records that k was not found at htl. A key already present keeps the
// higher HTL, the later time and its askers while their interest stands;
// its ring slot stays where it was.
func (f *failureTable) add(now time.Time, k keys.RoutingKey, htl uint8, ttl time.Duration) {
	if f.order.max == 0 {
		return
	}
	e := failure{until: now.Add(ttl), htl: htl}
	if old, ok := f.keys[k]; ok {
		if !old.live(now) {
			old = failure{} // stale, waiting for its ring slot to go
		}
		old.until, old.htl = e.until, max(e.htl, old.htl)
		f.keys[k] = old
		return
	}
	putBounded(&f.keys, &f.order, k, e)
}

// putBounded adds the new key k to m, whose keys order holds oldest first,
// making room by forgetting the oldest when order is full.
func putBounded[V any](m *map[keys.RoutingKey]V, order *ring[keys.RoutingKey], k keys.RoutingKey, v V) {
	if order.full() {
		delete(*m, order.pop())
	}
	if *m == nil {
		*m = make(map[keys.RoutingKey]V)
	}
	(*m)[k] = v
	order.push(k)
}

// watch makes sure k has an entry for askers to be recorded in, without
// answering RecentlyFailed: a request for k that timed out downstream
// did not show k missing, but those who asked still want it.
func (f *failureTable) watch(now time.Time, k keys.RoutingKey, htl uint8) {
	if e, ok := f.keys[k]; ok && e.live(now) {
		return
	}
	f.add(now, k, htl, 0)
	if e, ok := f.keys[k]; ok {
		e.interest = now.Add(f.interest)
		f.keys[k] = e
	}
}

// ask records that who (0: this node) asked for k, which is in the table,
// and was told it is not to be found: if the block turns up within the
// table's interest time of the last ask, who is offered it. At most
// maxAskers peers are kept.
func (f *failureTable) ask(now time.Time, k keys.RoutingKey, who PeerID) {
	e, ok := f.keys[k]
	if !ok || who == gone || !e.live(now) {
		return
	}
	e.interest = now.Add(f.interest)
	switch {
	case who == 0:
		e.local = true
	case slices.Contains(e.askers[:e.n], who) || int(e.n) == maxAskers:
	default:
		e.askers[e.n] = who
		e.n++
	}
	f.keys[k] = e
}

// take removes k's entry and returns it, while someone's ask for it
// stands. (Its ring slot goes when it reaches the head: a lookup finds no
// entry.)
func (f *failureTable) take(now time.Time, k keys.RoutingKey) (failure, bool) {
	e, ok := f.interested(now, k)
	if ok {
		delete(f.keys, k)
	}
	return e, ok
}

// expire drops the oldest entries while they are past their times. A
// refreshed key can hold the head for longer; later keys then wait (their
// lookups check the times anyway).
func (f *failureTable) expire(now time.Time) {
	for f.order.n > 0 {
		if e, ok := f.keys[f.order.oldest()]; ok && e.live(now) {
			return
		}
		delete(f.keys, f.order.pop())
	}
	f.keys = nil
}

// Replacements (docs/routing.md, Collisions): a node remembers, for a
// while, which peers it offered a block to and which peer's Offer
// supplied a block it took, so that when the block loses to the one the
// network held first, the block that won follows the offers (MsgReplace).
const (
	// handoutsMax bounds the keys remembered (as node/network holds at
	// most 256 offered blocks).
	handoutsMax = 256
	// handoutsFor is how long a key is remembered after its block was
	// offered or taken: far longer than an insert takes to end, as
	// node/network holds an offered block 10 minutes.
	handoutsFor = 10 * time.Minute
	// maxOfferedTo bounds the peers remembered per key.
	maxOfferedTo = 2 * maxAskers
)

// handout is what a node remembers of the block under one key that it
// offered on, or took from a peer's Offer.
type handout struct {
	until time.Time
	hash  BlockHash // the block's
	// from is the peer whose Offer supplied the block (0: it reached the
	// node otherwise, as an insert); region is where the node wrote it
	// because of that Offer (0: nowhere).
	from   PeerID
	region Region
	// local: the block was handed to this node's own requests (Offered).
	local bool
	// to are the peers it was offered to.
	n  uint8
	to [maxOfferedTo]PeerID
}

// handouts remembers handouts by key, bounded like recentIDs. A used
// entry is cleared, not deleted, so that the ring and the map agree.
type handouts struct {
	m     map[keys.RoutingKey]handout // made on first use
	order ring[keys.RoutingKey]
}

// get returns k's entry while it stands. A nil table has none.
func (h *handouts) get(now time.Time, k keys.RoutingKey) (handout, bool) {
	if h == nil {
		return handout{}, false
	}
	e, ok := h.m[k]
	if !ok || !now.Before(e.until) || e.hash == (BlockHash{}) {
		return handout{}, false
	}
	return e, true
}

// put stores e under k, for handoutsFor from now.
func (h *handouts) put(now time.Time, k keys.RoutingKey, e handout) {
	e.until = now.Add(handoutsFor)
	if _, ok := h.m[k]; ok {
		h.m[k] = e
		return
	}
	putBounded(&h.m, &h.order, k, e)
}

// clear ends k's entry.
func (h *handouts) clear(k keys.RoutingKey) {
	if h == nil {
		return
	}
	if _, ok := h.m[k]; ok {
		h.m[k] = handout{}
	}
}

// expire drops the oldest entries while they are past their time.
func (h *handouts) expire(now time.Time) {
	if h == nil {
		return
	}
	for h.order.n > 0 {
		if e, ok := h.m[h.order.oldest()]; ok && now.Before(e.until) {
			return
		}
		delete(h.m, h.order.pop())
	}
	h.m = nil
}
