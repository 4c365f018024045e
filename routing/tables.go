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
	if f.order.full() {
		delete(f.keys, f.order.pop())
	}
	if f.keys == nil {
		f.keys = make(map[keys.RoutingKey]failure)
	}
	f.keys[k] = e
	f.order.push(k)
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
