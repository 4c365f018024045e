package network

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/routing"
)

// blockStore is the client layer's BlockStore on a node with peers: reads
// look in the local datastore first, then among the blocks offered to this
// node, and then ask the network; writes go to the network only. The
// originator writes nothing of its own inserts (docs/routing.md), so its
// store does not reveal what its owner published.
//
// It owns the local lookup of this node's own fetches: it reads the
// datastore once, into the caller's buffer (unverified for splitfile
// blocks), and a miss goes to the router as a fetch the core routes at once
// (routing.Core.FetchRemote), with no second read.
type blockStore struct {
	ds *datastore.Store
	r  *router
	// unlinked says why the node has no link (its tor's state), for the
	// error of a fetch that found none; nil: no reason known.
	unlinked func() string
}

// noLinkWait is how long a fetch waits for the node's first link when it
// has none (tor starting, every peer down) before it fails: as long as a
// request at the most hops may take (routing.Config.HopTimeout × 19).
var noLinkWait = routing.DefaultHopTimeout * time.Duration(routing.DefaultMaxHTL+1)

// waitLinked waits until the node has a link to route through, at most
// limit (0: until ctx ends). It returns a RouteNotFound error saying why
// when none came.
func (s *blockStore) waitLinked(ctx context.Context, limit time.Duration) error {
	if s.r.links.linked() {
		return nil
	}
	wctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	if s.r.links.wait(wctx) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	why := "no peer is linked"
	if s.unlinked != nil {
		if w := s.unlinked(); w != "" {
			why += ": " + w
		}
	}
	return &clientlayer.FetchError{Code: fcpwire.FetchRouteNotFound, Msg: fmt.Sprintf("%s (waited %v)", why, limit)}
}

var (
	_ clientlayer.BlockStore            = (*blockStore)(nil)
	_ clientlayer.BlockGetterInto       = (*blockStore)(nil)
	_ clientlayer.BlockGetterUnverified = (*blockStore)(nil)
	_ clientlayer.BlockBatchPutter      = (*blockStore)(nil)
)

func (s *blockStore) GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error) {
	return s.GetBlockInto(ctx, nil, rk)
}

func (s *blockStore) GetBlockInto(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.get(ctx, dst, rk, s.ds.GetInto)
}

// GetBlockUnverified skips the hash only for a local block; a block from
// the network was verified in the link's reader.
func (s *blockStore) GetBlockUnverified(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.get(ctx, dst, rk, s.ds.GetIntoUnverified)
}

func (s *blockStore) get(ctx context.Context, dst []byte, rk keys.RoutingKey, read func([]byte, keys.RoutingKey) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	b, err := read(dst, rk)
	if err == nil || !errors.Is(err, datastore.ErrNotFound) {
		return b, err
	}
	if blk, ok := s.r.offers.get(rk); ok { // verified by the link that brought it
		return append(dst, blk...), nil
	}
	if err := s.waitLinked(ctx, noLinkWait); err != nil {
		return dst, err
	}
	res, err := s.r.request(ctx, false, rk, nil)
	switch {
	case errors.Is(err, routing.ErrDataNotFound), errors.Is(err, routing.ErrRecentlyFailed),
		errors.Is(err, routing.ErrRouteNotFound), errors.Is(err, routing.ErrOverloaded),
		errors.Is(err, routing.ErrTimedOut):
		return dst, errors.Join(clientlayer.ErrBlockNotFound, err)
	case err != nil:
		return dst, err
	}
	return append(dst, res.Block...), nil
}

// PutBlock inserts block into the network and waits for the insert to
// end. The block is copied: the core may still route it after a cancelled
// caller has reused its buffer.
//
// With no link to route through (tor still starting, every peer down) it
// waits for one for as long as ctx lets it: an insert made before the
// network is up goes out when it is (a persistent one survives a restart
// in the FCP server's queue).
//
// A different block already held here under the same key (an SSK edition
// this node stored or cached as it passed: another device of the same
// identity published it) is a collision, reported before anything is
// sent, as Hyphanet's node checks its own store before an SSK insert; one
// held further on ends the insert there with a collision too
// (docs/routing.md, Collisions).
func (s *blockStore) PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	return s.put(ctx, rk, block, false)
}

// PutSignedBlock is PutBlock for an SSK block signed with a key this
// node's client holds: the node remembers it for a while, so that an
// insert of another block under the key (another device of the same
// identity, through another node) that reaches it collides here
// (clientlayer.SignedBlockPutter).
func (s *blockStore) PutSignedBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	return s.put(ctx, rk, block, true)
}

func (s *blockStore) put(ctx context.Context, rk keys.RoutingKey, block []byte, signed bool) error {
	if err := s.heldElse(rk, block); err != nil {
		return err
	}
	if err := s.waitLinked(ctx, 0); err != nil {
		return err
	}
	lr := &localReq{ctx: ctx, insert: true, signed: signed, key: rk, block: append([]byte(nil), block...), done: make(chan routing.Result, 1)}
	_, err := s.r.run(ctx, lr)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, routing.ErrCollision):
		return &clientlayer.InsertError{Code: fcpwire.InsertCollision, Msg: "another block is held in the network under " + rk.String(),
			Err: errors.Join(clientlayer.ErrCollision, err)}
	case errors.Is(err, routing.ErrRouteNotFound):
		return &clientlayer.InsertError{Code: fcpwire.InsertRouteNotFound, Msg: "no peer took the insert of " + rk.String(), Err: err}
	case errors.Is(err, routing.ErrOverloaded):
		return &clientlayer.InsertError{Code: fcpwire.InsertRejectedOverload, Msg: "too many inserts waiting", Err: err}
	case errors.Is(err, routing.ErrTimedOut):
		return &clientlayer.InsertError{Code: fcpwire.InsertRejectedOverload, Msg: "the insert of " + rk.String() + " timed out downstream", Err: err}
	}
	return err
}

// heldElse returns a Collision error when this node holds a block other
// than block under rk (router.heldOther, read here before the insert waits
// for a link; the loop reads again when it starts the insert).
func (s *blockStore) heldElse(rk keys.RoutingKey, block []byte) error {
	if s.r.heldOther(rk, block) != nil {
		return &clientlayer.InsertError{Code: fcpwire.InsertCollision, Msg: "a different block is held here under " + rk.String(),
			Err: errors.Join(clientlayer.ErrCollision, datastore.ErrCollision)}
	}
	return nil
}

// PutBlocks inserts the blocks in parallel (the router's AIMD window
// decides how many are in flight) and returns the first error.
func (s *blockStore) PutBlocks(ctx context.Context, rks []keys.RoutingKey, blocks [][]byte) error {
	errs := make([]error, len(rks))
	var wg sync.WaitGroup
	for i := range rks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.PutBlock(ctx, rks[i], blocks[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
