package routing

import (
	"time"

	"github.com/hamsnet/hams/keys"
)

// recentIDs remembers request IDs for loop detection: a bounded map with
// entries expiring in insertion order (a FIFO ring), so memory stays bounded
// however many requests arrive.
type recentIDs struct {
	until map[RequestID]time.Time
	order []RequestID // ring of IDs in insertion order
	head  int         // index of the oldest entry in order
	n     int
}

func newRecentIDs(max int) recentIDs {
	return recentIDs{until: make(map[RequestID]time.Time), order: make([]RequestID, max)}
}

func (r *recentIDs) has(id RequestID) bool { _, ok := r.until[id]; return ok }

func (r *recentIDs) add(now time.Time, id RequestID, ttl time.Duration) {
	if len(r.order) == 0 {
		return
	}
	if r.n == len(r.order) {
		r.pop()
	}
	r.until[id] = now.Add(ttl)
	r.order[(r.head+r.n)%len(r.order)] = id
	r.n++
}

func (r *recentIDs) pop() {
	id := r.order[r.head]
	delete(r.until, id)
	r.head = (r.head + 1) % len(r.order)
	r.n--
}

// expire drops entries past their time (all entries share one TTL, so the
// oldest expire first).
func (r *recentIDs) expire(now time.Time) {
	for r.n > 0 {
		id := r.order[r.head]
		if t, ok := r.until[id]; ok && now.Before(t) {
			return
		}
		r.pop()
	}
}

// failure is a failure-table entry: the key was not found with htl hops to
// live, until a time.
type failure struct {
	until time.Time
	htl   uint8
}

// failureTable remembers keys recently not found, bounded like recentIDs.
type failureTable struct {
	keys  map[keys.RoutingKey]failure
	order []keys.RoutingKey
	head  int
	n     int
}

func newFailureTable(max int) failureTable {
	return failureTable{keys: make(map[keys.RoutingKey]failure), order: make([]keys.RoutingKey, max)}
}

func (f *failureTable) get(now time.Time, k keys.RoutingKey) (failure, bool) {
	e, ok := f.keys[k]
	if !ok || !now.Before(e.until) {
		return failure{}, false
	}
	return e, true
}

// add records that k was not found at htl. A key already present keeps the
// higher HTL and the later time; its ring slot stays where it was.
func (f *failureTable) add(now time.Time, k keys.RoutingKey, htl uint8, ttl time.Duration) {
	if len(f.order) == 0 {
		return
	}
	e := failure{until: now.Add(ttl), htl: htl}
	if old, ok := f.keys[k]; ok {
		e.htl = max(e.htl, old.htl)
		f.keys[k] = e
		return
	}
	if f.n == len(f.order) {
		f.pop()
	}
	f.keys[k] = e
	f.order[(f.head+f.n)%len(f.order)] = k
	f.n++
}

func (f *failureTable) pop() {
	delete(f.keys, f.order[f.head])
	f.head = (f.head + 1) % len(f.order)
	f.n--
}

// expire drops the oldest entries while they are past their time. A
// refreshed key can hold the head for longer; later keys then wait (their
// lookups check the time anyway).
func (f *failureTable) expire(now time.Time) {
	for f.n > 0 {
		e, ok := f.keys[f.order[f.head]]
		if ok && now.Before(e.until) {
			return
		}
		f.pop()
	}
}
