package clientlayer

import (
	"context"
	"errors"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// BlockStore is where blocks go and come from: the local datastore
// (NewLocalStore) on a node without peers, the network (network.Network's
// Store) on a node with peers. Implementations must be safe for concurrent
// use.
type BlockStore interface {
	// PutBlock stores block under rk. The caller's encoder made the block,
	// so it verifies; the store must not keep block after returning (the
	// client reuses the buffer). A different block already stored under an
	// SSK key is reported with an error matching ErrCollision (or an
	// *InsertError of code fcpwire.InsertCollision).
	PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error
	// GetBlock returns the block stored under rk, or an error matching
	// ErrBlockNotFound. It should return promptly once ctx is done: a fetch
	// waits for its requests in flight before returning.
	GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error)
}

// SignedBlockPutter is an optional BlockStore extension for the top block
// of an SSK or USK insert, signed with a private key the client holds (not
// a KSK, whose key anyone can derive from its keyword): PutSignedBlock
// stores it as PutBlock does, and the store may remember it for a while to
// answer an insert of another block under the key, which only the key's
// owner can make (another device of the same identity), with a collision.
type SignedBlockPutter interface {
	PutSignedBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error
}

// BlockGetterInto is an optional BlockStore extension: GetBlockInto appends
// the block to dst (like datastore.Store.GetInto), so the client can reuse
// buffers.
type BlockGetterInto interface {
	GetBlockInto(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error)
}

// BlockGetterUnverified is an optional BlockStore extension for the blocks
// of splitfiles: GetBlockUnverified appends the block stored under rk to dst
// without checking it against rk. The client decodes it with its full CHK
// key, which checks it exactly (docs/keys.md D2); only if that fails does it
// fetch the block again through GetBlock or GetBlockInto, which must verify
// (and may drop a corrupt block).
type BlockGetterUnverified interface {
	GetBlockUnverified(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error)
}

// BlockBatchPutter is an optional BlockStore extension: PutBlocks stores
// several blocks at once (one datastore batch), which inserts use for
// splitfile blocks. The blocks are always fresh from the client's own
// encoder, each routing key derived from its block, so an implementation
// may skip verifying them again. It must not keep the slices after
// returning.
type BlockBatchPutter interface {
	PutBlocks(ctx context.Context, rks []keys.RoutingKey, blocks [][]byte) error
}

// BlockSyncer is an optional BlockStore extension: SyncBlocks makes every
// block stored so far durable. An insert calls it once, after its last
// block and before it reports success.
type BlockSyncer interface {
	SyncBlocks(ctx context.Context) error
}

// NewLocalStore returns a BlockStore over a datastore: puts go to
// datastore.RegionStore, datastore.ErrNotFound becomes ErrBlockNotFound and
// datastore.ErrCollision an *InsertError with code fcpwire.InsertCollision.
func NewLocalStore(ds *datastore.Store) BlockStore {
	return &localStore{ds: ds}
}

type localStore struct{ ds *datastore.Store }

func (s *localStore) PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.ds.Put(rk, block, datastore.RegionStore)
	if errors.Is(err, datastore.ErrCollision) {
		return insertErr(fcpwire.InsertCollision, errors.Join(ErrCollision, err), "a different block is stored under %s", rk)
	}
	return err
}

func (s *localStore) PutBlocks(ctx context.Context, rks []keys.RoutingKey, blocks [][]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	es := make([]datastore.Entry, len(rks))
	for i := range rks {
		es[i] = datastore.Entry{Key: rks[i], Block: blocks[i]}
	}
	// The blocks come from this client's encoder (BlockBatchPutter), so the
	// datastore need not hash them again; it verifies them when read.
	err := s.ds.PutBatchEncoded(es, datastore.RegionStore)
	if errors.Is(err, datastore.ErrCollision) {
		return insertErr(fcpwire.InsertCollision, errors.Join(ErrCollision, err), "a different block is stored under a key of the batch")
	}
	return err
}

func (s *localStore) SyncBlocks(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.ds.Sync()
}

func (s *localStore) GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error) {
	return s.GetBlockInto(ctx, nil, rk)
}

func (s *localStore) GetBlockInto(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.get(ctx, dst, rk, s.ds.GetInto)
}

func (s *localStore) GetBlockUnverified(ctx context.Context, dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.get(ctx, dst, rk, s.ds.GetIntoUnverified)
}

// get runs one of the datastore's reads, mapping a miss to
// ErrBlockNotFound.
func (s *localStore) get(ctx context.Context, dst []byte, rk keys.RoutingKey, read func([]byte, keys.RoutingKey) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	b, err := read(dst, rk)
	if errors.Is(err, datastore.ErrNotFound) {
		return dst, errors.Join(ErrBlockNotFound, err)
	}
	return b, err
}

// discardStore is the store of a GetCHKOnly insert: it keeps nothing.
type discardStore struct{}

func (discardStore) PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	return ctx.Err()
}

func (discardStore) GetBlock(ctx context.Context, rk keys.RoutingKey) ([]byte, error) {
	return nil, ErrBlockNotFound
}

// discardStore takes batches too, so GetCHKOnly runs the same code path.
func (discardStore) PutBlocks(ctx context.Context, rks []keys.RoutingKey, blocks [][]byte) error {
	return ctx.Err()
}
