package network

import (
	"sync"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Offered blocks: what the routing core hands on (routing.Ready.Offered)
// when a block this node's own request asked for, and did not find, turns
// up later (docs/routing.md, Offers).
const (
	offersMax = 256              // blocks held at most
	offersFor = 10 * time.Minute // how long one is held
)

// offers holds offered blocks in memory, never in the datastore (the
// originator writes nothing of what it fetched), for the next local fetch
// of their keys, and wakes whoever waits for an arrival (USK subscriptions).
type offers struct {
	now func() time.Time
	mu  sync.Mutex // guards the fields below
	// blocks by key; order is their arrival, oldest first, for eviction.
	blocks map[keys.RoutingKey]offered
	order  []keys.RoutingKey
	// arrived is closed (and replaced) when a block arrives.
	arrived chan struct{}
}

type offered struct {
	block []byte
	until time.Time
}

func newOffers(now func() time.Time) *offers {
	return &offers{now: now, blocks: map[keys.RoutingKey]offered{}, arrived: make(chan struct{})}
}

// add holds block (which the caller no longer changes) under k and wakes
// the waiters.
func (o *offers) add(k keys.RoutingKey, block []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.blocks[k]; !ok {
		if len(o.order) >= offersMax {
			delete(o.blocks, o.order[0])
			o.order = o.order[1:]
		}
		o.order = append(o.order, k)
	}
	o.blocks[k] = offered{block: block, until: o.now().Add(offersFor)}
	close(o.arrived)
	o.arrived = make(chan struct{})
}

// replace holds block under k in place of the one whose hash is was, if
// that is the block held (it lost in a collision: docs/routing.md,
// Collisions), keeping its time, and wakes the waiters.
func (o *offers) replace(k keys.RoutingKey, block []byte, was routing.BlockHash) {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.blocks[k]
	if !ok || routing.HashBlock(e.block) != was {
		return
	}
	e.block = block
	o.blocks[k] = e
	close(o.arrived)
	o.arrived = make(chan struct{})
}

// get returns the block held under k, if it has not expired.
func (o *offers) get(k keys.RoutingKey) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.blocks[k]
	if !ok || !o.now().Before(e.until) {
		return nil, false
	}
	return e.block, true
}

// arrivals returns a channel closed when the next block arrives.
func (o *offers) arrivals() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.arrived
}
