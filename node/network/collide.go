package network

import (
	"bytes"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// SSK collisions across the network (docs/routing.md, Collisions): an
// insert that meets another block under its key ends with a Collision, and
// the nodes it passed keep the block that was there first. A node checks
// its datastore for every insert that arrives (the core's Lookup), and
// also what it remembers of its own signed inserts, which it never stores:
// two devices of one identity that publish the same edition at once
// through different nodes then learn of each other even where the two
// inserts meet no third node, as at the ends of a small network.
//
// Two such inserts that cross must not both collide, or neither edition
// would be stored anywhere: a remembered block wins over an incoming one
// only when it sorts first (bytes.Compare), so of two devices publishing
// at once exactly one is told of a collision, and the network keeps the
// other's block. A block held in the datastore always wins: it was there
// first.
//
// Only the holder of an SSK's private key can make a second valid block
// under it, so a node answering from this memory tells nothing to anyone
// but the key's owner. A KSK's key anyone can derive: its inserts are not
// remembered (a stranger could otherwise learn who wrote a KSK by
// inserting junk under it at each peer).

const (
	// ownBlocksMax bounds the signed inserts remembered.
	ownBlocksMax = 256
	// ownBlocksFor is how long one is remembered: longer than an insert
	// takes to cross the network, short enough to forget an identity's
	// devices soon after they stop.
	ownBlocksFor = 30 * time.Minute
)

// ownBlock is one remembered signed insert.
type ownBlock struct {
	block []byte
	at    time.Time
}

// ownBlocks remembers this node's own signed inserts; loop-owned.
type ownBlocks struct {
	m map[keys.RoutingKey]ownBlock
}

// add remembers block as this node's insert under k (the newest wins),
// dropping what expired and, when full, the oldest.
func (o *ownBlocks) add(now time.Time, k keys.RoutingKey, block []byte) {
	if o.m == nil {
		o.m = make(map[keys.RoutingKey]ownBlock)
	}
	if _, ok := o.m[k]; !ok && len(o.m) >= ownBlocksMax {
		var oldest keys.RoutingKey
		var at time.Time
		for rk, b := range o.m {
			if now.Sub(b.at) > ownBlocksFor {
				delete(o.m, rk)
				continue
			}
			if at.IsZero() || b.at.Before(at) {
				oldest, at = rk, b.at
			}
		}
		if len(o.m) >= ownBlocksMax {
			delete(o.m, oldest)
		}
	}
	o.m[k] = ownBlock{block: block, at: now}
}

// get returns the block remembered under k, if it has not expired.
func (o *ownBlocks) get(now time.Time, k keys.RoutingKey) ([]byte, bool) {
	b, ok := o.m[k]
	if !ok {
		return nil, false
	}
	if now.Sub(b.at) > ownBlocksFor {
		delete(o.m, k)
		return nil, false
	}
	return b.block, true
}

// forget drops k: the network holds another block under it.
func (o *ownBlocks) forget(k keys.RoutingKey) { delete(o.m, k) }

// lookupDone answers the core's Lookup l with the block the datastore
// holds (nil: none). For an insert from a peer that the datastore does not
// contradict, this node's own signed insert under the key counts as held
// when it sorts first. It runs on the loop, so that it is ordered with the
// loop's own inserts (start) and writes (SSK blocks are written on the
// loop).
func (r *router) lookupDone(l routing.Lookup, held []byte) {
	if l.Insert != nil && held == nil {
		if b, ok := r.own.get(r.now(), l.Key); ok && bytes.Compare(b, l.Insert) < 0 {
			held = b
		}
	}
	r.core.LookupDone(r.now(), l.ID, held)
}

// heldOther returns the block the datastore holds under k when it is not
// block, for an insert this node starts. The loop reads it when it starts
// the insert, ordered with the inserts from peers that the loop writes;
// the block store reads it first, before the insert waits for a link. A
// CHK is never read (named by its content, one held is this one).
func (r *router) heldOther(k keys.RoutingKey, block []byte) []byte {
	if len(block) == keys.CHKBlockSize {
		return nil
	}
	if held := r.lookup(k); held != nil && !bytes.Equal(held, block) {
		return held
	}
	return nil
}
