package routing

import (
	"slices"
	"time"

	"github.com/hamsnet/hams/keys"
)

// Replacements (docs/routing.md, Collisions): a block handed on by Offers
// that then loses in a collision is followed, the same way, by the block
// that won.

// remember notes, for handoutsFor, what h says of block under k: whom it
// was offered to (an insert's block, or one taken from an Offer), which
// peer's Offer supplied it and where that made the node write it. Should
// the block lose to another in a collision, the winner follows the same
// way (passOn). A CHK block is not remembered (its key names its
// content: no other block can take its place), nor one handed to nobody
// that no Offer brought.
func (c *Core) remember(now time.Time, k keys.RoutingKey, block []byte, h handout) {
	if (h.n == 0 && !h.local && h.region == 0) || len(block) == keys.CHKBlockSize {
		return
	}
	h.hash = HashBlock(block)
	if old, ok := c.handed.get(now, k); ok && old.hash == h.hash {
		// The same block handed on again: to more peers.
		for _, p := range old.to[:old.n] {
			if !slices.Contains(h.to[:h.n], p) && int(h.n) < len(h.to) {
				h.to[h.n] = p
				h.n++
			}
		}
		h.local = h.local || old.local
		if h.from == 0 {
			h.from, h.region = old.from, old.region
		}
	}
	if c.handed == nil {
		c.handed = &handouts{order: ring[keys.RoutingKey]{max: handoutsMax}}
	}
	c.handed.put(now, k, h)
}

// passOn hands block, which took the place of the block e remembers under
// k (it lost in a collision), to those that block was handed to: a
// Replace to each peer it was offered to (that speaks replacements), and
// an Offered replacing it for this node's own requests. The entry goes.
func (c *Core) passOn(k keys.RoutingKey, e handout, block []byte) {
	for _, p := range e.to[:e.n] {
		if pp := c.peer(p); pp != nil && pp.feats&PeerReplace != 0 {
			c.send(Message{Type: MsgReplace, Peer: p, ID: c.newID(), Key: k, Block: block, Replaces: e.hash})
		}
	}
	if e.local {
		c.ready.Offered = append(c.ready.Offered, Offered{Key: k, Block: block, Held: e.hash})
	}
	c.handed.clear(k)
}

// replaced handles a Replace: a peer that offered this node a block says
// it lost, in a collision, to m.Block (the driver has verified it against
// m.Key). It is taken only from the peer whose Offer supplied the block
// this node took, only for that block (m.Replaces), and only in place of
// what that Offer made the node hold: the peer could have offered the
// other block in the first place, so this gives it no power it did not
// have. The node replaces the copy it wrote (while it still holds that
// block: StoreOp.Held) and the block it handed to its own requests, and
// passes the Replace on to the peers it offered the block to in turn. Any
// other Replace is ignored.
func (c *Core) replaced(now time.Time, m Message) {
	if len(m.Block) == 0 {
		return
	}
	e, ok := c.handed.get(now, m.Key)
	if !ok || e.from != m.Peer || e.hash != m.Replaces || e.hash == HashBlock(m.Block) {
		return
	}
	if e.region != 0 {
		c.ready.Stores = append(c.ready.Stores, StoreOp{Key: m.Key, Block: m.Block, Region: e.region, Replace: true, Held: e.hash})
	}
	c.passOn(m.Key, e, m.Block)
}
