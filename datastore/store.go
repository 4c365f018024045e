package datastore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// batchOverhead is the batch space one block's keys and index values take
// beyond the block itself (pre-sizing batches avoids copying them as they
// grow).
const batchOverhead = 3*8 + dataKeyLen + metaKeyLen + metaValLen + 2*lruKeyLen + lruValLen

// retainBatches lets Pebble's batch pool keep batch buffers up to 4 MiB:
// its 1 MiB default dropped every 2 MiB splitfile batch after one use, so a
// 256 MiB insert allocated 512 MiB of batch buffers and the Go heap grew by
// tens of MB.
var retainBatches = pebble.WithMaxRetainedSizeBytes(4 << 20)

// numStripes is the number of per-key locks. Writers for one routing key
// serialise on its stripe; different stripes commit (and fsync) together.
const numStripes = 64

// Store is a verified, size-bounded block store backed by Pebble. All methods
// are safe for concurrent use.
type Store struct {
	cfg    Config
	dir    string
	db     *pebble.DB
	cache  *pebble.Cache
	verify func(keys.RoutingKey, []byte) error
	wsync  *pebble.WriteOptions // for writes that change blocks

	closeMu sync.RWMutex
	closed  bool

	stripes [numStripes]sync.Mutex
	regions [2]regionState

	hits, misses           atomic.Uint64
	inserts, promotions    atomic.Uint64
	touches, rejected      atomic.Uint64
	corruptions            atomic.Uint64
	collisions             atomic.Uint64
	pebbleCorruptionEvents atomic.Uint64
	blobPanics             atomic.Uint64 // pebble#5127 panics recovered
	committed              atomic.Uint64 // bytes of batches committed (write amplification)
	unflushed              atomic.Int64  // of which not yet flushed (free-space estimate)

	bg      bgState
	flusher flusher
	space   space
	el      *pebble.EventListener
}

// testPebbleOptions, when set by a test, adjusts Pebble's options at Open.
var testPebbleOptions func(*pebble.Options)

// Entry is one block for PutBatch.
type Entry struct {
	Key   keys.RoutingKey
	Block []byte
}

// Open opens (creating if needed) the datastore in directory dir.
func Open(dir string, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, newError(CodeIO, "create directory", err)
	}
	s := &Store{cfg: cfg, dir: dir, verify: cfg.Verify, wsync: pebble.NoSync}
	if cfg.Durability == DurabilityWALSync {
		s.wsync = pebble.Sync
	}
	s.regions[RegionStore.idx()].init(cfg.StoreBytes)
	s.regions[RegionCache.idx()].init(cfg.CacheBytes)
	s.bg.init()
	s.space.init(s, dir, cfg)

	s.cache = pebble.NewCache(cfg.pebbleCacheBytes())
	s.el = s.eventListener()
	// Below a quarter of the reserve, Pebble is opened read-only: a
	// read-write Open writes a new MANIFEST and flushes what it replays,
	// and Pebble treats a failed MANIFEST write as fatal.
	sp := &s.space
	readOnly := sp.reserve > 0 && sp.avail.Load()-walBytes(dir) < sp.openFloor()
	var db *pebble.DB
	var err error
	if !readOnly {
		db, err = s.openPebble(false)
		if err != nil && isENOSPC(err) {
			readOnly = true
		}
	}
	if readOnly {
		db, err = s.openPebble(true)
		if err != nil {
			s.cache.Unref()
			what := "open"
			if errors.Is(err, pebble.ErrDBDoesNotExist) {
				what, err = "create", nil
			}
			return nil, newError(CodeDiskFull, fmt.Sprintf("cannot %s the store: %s free on %s, below the reserve of %s",
				what, fmtBytes(sp.avail.Load()), dir, fmtBytes(sp.reserve)), err)
		}
	}
	if err != nil {
		s.cache.Unref()
		return nil, newError(CodeIO, "open pebble", err)
	}
	s.db = db
	if err := s.loadCounters(); err != nil {
		_ = db.Close()
		s.cache.Unref()
		return nil, err
	}
	if readOnly {
		sp.mode.Store(uint32(spaceReadOnly))
		s.logSpace()
	} else {
		s.bg.start(s)
		if cfg.Durability == DurabilityNoWAL {
			s.flusher.start(s, cfg.FlushInterval)
		}
		s.refreshSpace(true)
		if sp.ballastMissing() > 0 && sp.headroom() >= sp.reserve+sp.ballastSize {
			if err := s.makeBallast(); err != nil {
				cfg.Logger.Warn("datastore: cannot create the emergency ballast", "path", sp.ballastPath, "err", err.Error())
			}
			s.refreshSpace(true)
		}
		s.maybeEvict(RegionStore)
		s.maybeEvict(RegionCache)
	}
	s.startSpace()
	return s, nil
}

// Close stops background work, flushes the memtable if there is no WAL
// (with a WAL, Pebble replays it at the next Open) and closes Pebble. Calls
// after Close return ErrClosed; Close itself is idempotent.
func (s *Store) Close() error {
	s.space.stopSpace()
	s.bg.stop()
	s.flusher.stop()
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		s.space.closeSpace()
		return nil
	}
	s.closed = true
	var ferr error
	if s.cfg.Durability == DurabilityNoWAL && s.space.getMode() != spaceReadOnly {
		// Out of space, this fails at once: the blocks written since the
		// last Sync are lost, as in a crash.
		ferr = s.flushWait()
	}
	s.space.closeSpace() // releases a flush held back by the gate
	err := errors.Join(ferr, s.db.Close())
	s.cache.Unref()
	if err != nil {
		if CodeOf(ferr) == CodeDiskFull || isENOSPC(err) {
			return newError(CodeDiskFull, "closed on a full disk: the writes since the last Sync are lost", err)
		}
		return newError(CodeIO, "close pebble", err)
	}
	return nil
}

// enter marks an operation in progress; it returns false after Close.
func (s *Store) enter() bool {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return false
	}
	return true
}

func (s *Store) exit() { s.closeMu.RUnlock() }

func (s *Store) stripe(rk *keys.RoutingKey) *sync.Mutex {
	return &s.stripes[int(rk[0])%numStripes]
}

// Get returns a copy of the block stored under rk, after verifying it. A miss
// returns ErrNotFound. A block that fails verification or Pebble's checksums
// is never returned: it is reported with an error matching both ErrCorrupt
// and ErrNotFound, deleted and counted in Stats().Corruptions (or, if an
// sstable rather than the block is unreadable, left to the background
// repair, which salvages what it can).
func (s *Store) Get(rk keys.RoutingKey) ([]byte, error) {
	return s.GetInto(nil, rk)
}

// GetInto is Get appending the block to dst (which may be nil) and returning
// the extended slice; reusing dst avoids an allocation per call. On error dst
// is returned unchanged.
func (s *Store) GetInto(dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.getInto(dst, rk, true)
}

// GetIntoUnverified is GetInto without the verification against rk, for a
// caller that checks the block itself as it decodes it with its full key:
// keys.Decode of a CHK checks the hash of the plaintext, which pins the
// block exactly, so verifying first only repeats a hash pass (a third of
// the CPU of a local fetch). Pebble's checksums still apply. If the decode
// fails, the caller must fetch the block again with GetInto, which verifies
// it and drops it if it is corrupt.
func (s *Store) GetIntoUnverified(dst []byte, rk keys.RoutingKey) ([]byte, error) {
	return s.getInto(dst, rk, false)
}

func (s *Store) getInto(dst []byte, rk keys.RoutingKey, verify bool) ([]byte, error) {
	if !s.enter() {
		return dst, ErrClosed
	}
	defer s.exit()
	m, found, err := s.readMeta(&rk)
	if err != nil {
		return dst, s.getFailed(&rk, err)
	}
	if !found {
		s.misses.Add(1)
		return dst, ErrNotFound
	}
	v, closer, err := s.getValue(dataKey(&rk))
	if err != nil {
		if errors.Is(err, pebble.ErrNotFound) {
			// Index without block: repair and report a miss.
			s.misses.Add(1)
			s.dropEntry(&rk)
			return dst, ErrNotFound
		}
		return dst, s.getFailed(&rk, err)
	}
	var verr error
	if verify {
		verr = s.verify(rk, v)
	}
	n := len(dst)
	if verr == nil {
		dst = append(dst, v...)
	}
	// Pebble reports a failed blob fetch only when the value is released.
	if cerr := closer.Close(); cerr != nil {
		return dst[:n], s.getFailed(&rk, cerr)
	}
	if verr != nil {
		s.misses.Add(1)
		return dst, s.corrupt(&rk, verr)
	}
	s.hits.Add(1)
	if s.stale(m) {
		s.touch(&rk, m)
	}
	return dst, nil
}

// getFailed classifies a Pebble read error during Get.
func (s *Store) getFailed(rk *keys.RoutingKey, err error) error {
	if pebble.IsCorruptionError(err) {
		s.misses.Add(1)
		return s.corrupt(rk, err)
	}
	return keyError(CodeIO, *rk, "read", err)
}

// Has reports whether a block is stored under rk. It does not read or verify
// the block, so a later Get can still find it corrupt.
func (s *Store) Has(rk keys.RoutingKey) (bool, error) {
	if !s.enter() {
		return false, ErrClosed
	}
	defer s.exit()
	_, found, err := s.readMeta(&rk)
	if err != nil {
		if pebble.IsCorruptionError(err) {
			return false, s.corrupt(&rk, err)
		}
		return false, keyError(CodeIO, rk, "read", err)
	}
	return found, nil
}

// readMeta reads the 'm' key of rk. A malformed value is reported as a Pebble
// corruption error.
func (s *Store) readMeta(rk *keys.RoutingKey) (meta, bool, error) {
	v, closer, err := s.db.Get(metaKey(rk))
	if errors.Is(err, pebble.ErrNotFound) {
		return meta{}, false, nil
	}
	if err != nil {
		return meta{}, false, err
	}
	m, ok := decodeMeta(v)
	if err := closer.Close(); err != nil {
		return meta{}, false, err
	}
	if !ok {
		return meta{}, false, fmt.Errorf("%w: malformed index entry", pebble.ErrCorruption)
	}
	return m, true, nil
}

// checkBlock validates a block offered to Put.
func (s *Store) checkBlock(rk *keys.RoutingKey, block []byte) error {
	if err := s.checkSize(rk, block); err != nil {
		return err
	}
	if err := s.verify(*rk, block); err != nil {
		s.rejected.Add(1)
		return keyError(CodeInvalidBlock, *rk, "does not verify", err)
	}
	return nil
}

// checkSize refuses an empty or oversized block.
func (s *Store) checkSize(rk *keys.RoutingKey, block []byte) error {
	if len(block) == 0 || len(block) > s.cfg.MaxBlockSize {
		s.rejected.Add(1)
		return keyError(CodeInvalidBlock, *rk,
			fmt.Sprintf("block is %d bytes, want 1..%d", len(block), s.cfg.MaxBlockSize), nil)
	}
	return nil
}

// checkBlocks validates a batch, verifying on up to GOMAXPROCS goroutines
// when it is large (verification is the main CPU cost of a bulk insert). It
// returns the error of the first invalid entry.
func (s *Store) checkBlocks(entries []Entry) error {
	workers := min(runtime.GOMAXPROCS(0), len(entries)/parallelVerifyMin)
	if workers <= 1 {
		for i := range entries {
			if err := s.checkBlock(&entries[i].Key, entries[i].Block); err != nil {
				err.(*Error).Index = i
				return err
			}
		}
		return nil
	}
	errs := make([]*Error, len(entries))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(entries); i += workers {
				if err := s.checkBlock(&entries[i].Key, entries[i].Block); err != nil {
					errs[i] = err.(*Error)
				}
			}
		}(w)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			err.Index = i
			return err
		}
	}
	return nil
}

// parallelVerifyMin is the number of entries per extra verifying goroutine.
const parallelVerifyMin = 8

func checkRegion(r Region) error {
	if !r.valid() {
		return newError(CodeInvalidArgument, fmt.Sprintf("invalid region %d", uint8(r)), nil)
	}
	return nil
}

// Put verifies block against rk and stores it in region r. A block that does
// not verify is refused with ErrInvalidBlock and nothing is written. If the
// same bytes are already stored, Put only refreshes their recency (and moves
// them from RegionCache to RegionStore when r is RegionStore; a Put to
// RegionCache never demotes). If a different valid block is already stored
// under rk, Put returns ErrCollision and keeps the old block. With
// DurabilityWALSync, Put returns after the write is fsynced. A new block is
// refused with ErrDiskFull, at once, when the free space is below the
// reserve (for RegionCache, below twice the reserve; see Config.ReserveBytes);
// a Put of a block already stored still succeeds.
func (s *Store) Put(rk keys.RoutingKey, block []byte, r Region) error {
	if err := checkRegion(r); err != nil {
		return err
	}
	if err := s.checkBlock(&rk, block); err != nil {
		return err
	}
	if !s.enter() {
		return ErrClosed
	}
	defer s.exit()
	full := s.admit(r)
	mu := s.stripe(&rk)
	mu.Lock()
	b := s.db.NewBatchWithSize(len(block)+batchOverhead, retainBatches)
	var d delta
	err := s.planPut(b, &rk, block, r, &d)
	if err == nil && full != nil {
		if d.inserts > 0 {
			err = s.refuse(full)
		} else if s.space.noWrites() {
			b.Reset() // stored already: skip the touch
			d = delta{}
		}
	}
	if err == nil && !b.Empty() {
		if cerr := s.commit(b, s.wsync); cerr != nil {
			err = commitError(&rk, cerr)
		} else {
			s.apply(&d)
		}
	}
	b.Close()
	mu.Unlock()
	if err == nil {
		s.evictAfter(&d)
	}
	return err
}

// PutBatch verifies and stores entries in region r with one Pebble batch and
// (with DurabilityWALSync) one fsync. If any entry is invalid, PutBatch returns
// an *Error with CodeInvalidBlock and Index set, and writes nothing. If the
// disk is full (as for Put) and any entry is a new block, it returns
// ErrDiskFull and writes nothing. Entries
// that collide with a stored block, or with an earlier entry of the batch,
// are skipped; the others are written and the returned error is errors.Join
// of one ErrCollision-matching *Error per skipped entry.
func (s *Store) PutBatch(entries []Entry, r Region) error {
	return s.putBatch(entries, r, true)
}

// PutBatchEncoded is PutBatch for blocks the caller has just made with
// keys.Encode* (a client inserting its own data): it checks their sizes but
// does not verify them, because the encoder derived each routing key from
// its block and verifying would only repeat that hash (a quarter of the CPU
// of a bulk insert). Get still verifies, so a block stored this way by
// mistake is never returned: it is dropped as corrupt. Blocks that came
// from anywhere else must go through PutBatch.
func (s *Store) PutBatchEncoded(entries []Entry, r Region) error {
	return s.putBatch(entries, r, false)
}

func (s *Store) putBatch(entries []Entry, r Region, verify bool) error {
	if err := checkRegion(r); err != nil {
		return err
	}
	if verify {
		if err := s.checkBlocks(entries); err != nil {
			return err
		}
	} else {
		for i := range entries {
			if err := s.checkSize(&entries[i].Key, entries[i].Block); err != nil {
				err.(*Error).Index = i
				return err
			}
		}
	}
	if len(entries) == 0 {
		return nil
	}
	if !s.enter() {
		return ErrClosed
	}
	defer s.exit()

	var d delta
	err := s.putBatchLocked(entries, r, s.admit(r), &d)
	s.evictAfter(&d)
	return err
}

// putBatchLocked is PutBatch after validation: it locks the stripes involved
// (in ascending order, as eviction does), plans and commits the batch.
// If full is not nil and the batch holds a new block, nothing is written and
// full is returned.
func (s *Store) putBatchLocked(entries []Entry, r Region, full *Error, d *delta) error {
	var need [numStripes]bool
	for i := range entries {
		need[int(entries[i].Key[0])%numStripes] = true
	}
	for i := range need {
		if need[i] {
			s.stripes[i].Lock()
		}
	}
	defer func() {
		for i := range need {
			if need[i] {
				s.stripes[i].Unlock()
			}
		}
	}()

	size := 0
	for i := range entries {
		size += len(entries[i].Block) + batchOverhead
	}
	b := s.db.NewBatchWithSize(size, retainBatches)
	defer b.Close()
	var errs []error
	first := make(map[keys.RoutingKey]int, len(entries))
	for i := range entries {
		e := &entries[i]
		if j, dup := first[e.Key]; dup {
			if !bytes.Equal(entries[j].Block, e.Block) {
				s.collisions.Add(1)
				errs = append(errs, &Error{Code: CodeCollision, Key: e.Key, HasKey: true, Index: i,
					Msg: fmt.Sprintf("differs from batch entry %d", j)})
			}
			continue
		}
		first[e.Key] = i
		if err := s.planPut(b, &e.Key, e.Block, r, d); err != nil {
			if pe, ok := err.(*Error); ok {
				pe.Index = i
			}
			if CodeOf(err) != CodeCollision {
				*d = delta{}
				return err
			}
			errs = append(errs, err)
		}
	}
	if full != nil {
		if d.inserts > 0 {
			*d = delta{}
			return s.refuse(full)
		}
		if s.space.noWrites() {
			*d = delta{}
			return errors.Join(errs...) // stored already: skip the touches
		}
	}
	if !b.Empty() {
		if err := s.commit(b, s.wsync); err != nil {
			*d = delta{}
			return commitError(nil, err)
		}
		s.apply(d)
	}
	return errors.Join(errs...)
}

// planPut adds to b the writes that store block under rk in region r, and to
// d the resulting counter changes. The caller holds rk's stripe lock and has
// verified block.
func (s *Store) planPut(b *pebble.Batch, rk *keys.RoutingKey, block []byte, r Region, d *delta) error {
	old, found, err := s.readMeta(rk)
	if err != nil {
		if !pebble.IsCorruptionError(err) {
			return keyError(CodeIO, *rk, "read", err)
		}
		if !sstableCorruption(err) {
			s.noteCorrupt(rk, err)
		}
		// Overwrite; a stale eviction-index entry is cleaned by eviction, and
		// an sstable quarantine rebuilds the counters.
		found = false
	}
	if !found {
		s.planInsert(b, rk, block, r, d)
		return nil
	}
	target := r
	if old.region == RegionStore {
		target = RegionStore
	}
	v, closer, err := s.getValue(dataKey(rk))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		// Index without block: replace.
	case err != nil:
		if !pebble.IsCorruptionError(err) {
			return keyError(CodeIO, *rk, "read", err)
		}
		s.noteCorrupt(rk, err)
	default:
		same := bytes.Equal(v, block)
		var verr error
		if !same {
			verr = s.verify(*rk, v)
		}
		if cerr := closer.Close(); cerr != nil {
			if !pebble.IsCorruptionError(cerr) {
				return keyError(CodeIO, *rk, "read", cerr)
			}
			s.noteCorrupt(rk, cerr)
			break
		}
		if same {
			s.planTouch(b, rk, old, target, d)
			return nil
		}
		if verr == nil {
			s.collisions.Add(1)
			return keyError(CodeCollision, *rk, "a different valid block is stored", nil)
		}
		s.noteCorrupt(rk, verr)
	}
	// Replace a missing or corrupt stored block.
	b.Delete(lruKey(old.region, old.gen, rk), nil)
	d.sub(old.region, int64(old.size))
	s.planInsert(b, rk, block, target, d)
	return nil
}

func (s *Store) planInsert(b *pebble.Batch, rk *keys.RoutingKey, block []byte, r Region, d *delta) {
	gen := s.regions[r.idx()].genFor(d.fresh[r.idx()])
	size := uint32(len(block))
	b.Set(dataKey(rk), block, nil)
	b.Set(metaKey(rk), encodeMeta(meta{region: r, gen: gen, size: size}), nil)
	b.Set(lruKey(r, gen, rk), encodeSize(size), nil)
	d.add(r, int64(size))
	d.fresh[r.idx()] += int64(size)
	d.inserts++
}

// planTouch refreshes an existing entry, moving it to region target.
func (s *Store) planTouch(b *pebble.Batch, rk *keys.RoutingKey, old meta, target Region, d *delta) {
	if target == old.region && !s.stale(old) {
		return
	}
	gen := s.regions[target.idx()].genFor(d.fresh[target.idx()])
	b.Set(metaKey(rk), encodeMeta(meta{region: target, gen: gen, size: old.size}), nil)
	b.Delete(lruKey(old.region, old.gen, rk), nil)
	b.Set(lruKey(target, gen, rk), encodeSize(old.size), nil)
	if target != old.region {
		d.sub(old.region, int64(old.size))
		d.add(target, int64(old.size))
		d.fresh[target.idx()] += int64(old.size)
		d.promotions++
	} else {
		d.touches++
	}
}

// touch refreshes the recency of an entry read by Get. It is not synced.
func (s *Store) touch(rk *keys.RoutingKey, seen meta) {
	if s.space.noWrites() {
		return
	}
	mu := s.stripe(rk)
	mu.Lock()
	defer mu.Unlock()
	cur, found, err := s.readMeta(rk)
	if err != nil || !found || cur != seen {
		return
	}
	b := s.db.NewBatch()
	defer b.Close()
	var d delta
	s.planTouch(b, rk, cur, cur.region, &d)
	if !b.Empty() && s.commit(b, pebble.NoSync) == nil {
		s.apply(&d)
	}
}

// Delete removes the block stored under rk, if any. Deleting an absent key is
// not an error. With DurabilityWALSync, Delete returns after an fsync. It
// fails with ErrDiskFull only while the file system is out of space or the
// store is read-only.
func (s *Store) Delete(rk keys.RoutingKey) error {
	if !s.enter() {
		return ErrClosed
	}
	defer s.exit()
	mu := s.stripe(&rk)
	mu.Lock()
	defer mu.Unlock()
	m, found, err := s.readMeta(&rk)
	if err != nil && !pebble.IsCorruptionError(err) {
		return keyError(CodeIO, rk, "read", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	var d delta
	b.Delete(dataKey(&rk), nil)
	b.Delete(metaKey(&rk), nil)
	if found {
		b.Delete(lruKey(m.region, m.gen, &rk), nil)
		d.sub(m.region, int64(m.size))
	}
	if err := s.commit(b, s.wsync); err != nil {
		return commitError(&rk, err)
	}
	s.apply(&d)
	return nil
}

// commit commits b, counting its bytes (for Stats().WriteAmp and the
// free-space estimate) and marking the memtable dirty for a DurabilityNoWAL
// flush. While the file system is out of space or Pebble is read-only it
// writes nothing and returns an ErrDiskFull error.
func (s *Store) commit(b *pebble.Batch, o *pebble.WriteOptions) error {
	if m := s.space.getMode(); m >= spaceENOSPC {
		// A failed WAL write is fatal to Pebble: write nothing.
		return s.space.fullError(m, RegionStore)
	}
	n := b.Len()
	if err := b.Commit(o); err != nil {
		return err
	}
	s.committed.Add(uint64(n))
	s.unflushed.Add(int64(n))
	s.markDirty()
	return nil
}

// Sync makes every write completed so far durable: one WAL fsync, or with
// DurabilityNoWAL a memtable flush (which writes the blocks once, into a blob
// file, and syncs it). It is not needed with DurabilityWALSync. If the file
// system runs out of space, Sync returns ErrDiskFull at once instead of
// waiting; the writes are then flushed when space returns, or lost if the
// Store is closed first.
func (s *Store) Sync() error {
	if !s.enter() {
		return ErrClosed
	}
	defer s.exit()
	var err error
	switch m := s.space.getMode(); {
	case m == spaceReadOnly:
		return nil // nothing written since Open
	case s.cfg.Durability == DurabilityNoWAL:
		err = s.flushIfDirty()
	case m == spaceENOSPC:
		return s.space.fullError(m, RegionStore)
	default:
		err = s.db.LogData(nil, pebble.Sync)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		if isENOSPC(err) {
			return newError(CodeDiskFull, "sync", err)
		}
		return newError(CodeIO, "sync", err)
	}
	return nil
}

// corrupt handles a corrupt entry found by a read and returns the error for
// the caller. A block that fails verification or whose value Pebble cannot
// read is counted and dropped. If instead Pebble cannot read an sstable block
// (keys, not values), the entry itself may be intact in another table: it is
// left for the quarantine of that sstable, which Pebble's report has queued
// (see quarantine.go).
func (s *Store) corrupt(rk *keys.RoutingKey, cause error) error {
	if sstableCorruption(cause) {
		return keyError(CodeCorrupt, *rk, "index unreadable, repair pending", cause)
	}
	s.noteCorrupt(rk, cause)
	s.dropEntry(rk)
	return keyError(CodeCorrupt, *rk, "dropped", cause)
}

// sstableCorruption reports whether err is Pebble's report of an unreadable
// sstable (as opposed to a blob file or a bad value).
func sstableCorruption(err error) bool {
	info := pebble.ExtractDataCorruptionInfo(err)
	return info != nil && strings.HasSuffix(info.Path, ".sst")
}

// noteCorrupt counts and logs one corrupt entry. A Pebble checksum failure
// also schedules the compaction that makes blob rewrites safe again.
func (s *Store) noteCorrupt(rk *keys.RoutingKey, cause error) {
	s.corruptions.Add(1)
	s.cfg.Logger.Warn("datastore: dropping corrupt block", "key", rk.String(), "err", errString(cause))
	if pebble.IsCorruptionError(cause) && !sstableCorruption(cause) {
		s.bg.addPending(*rk)
	}
}

// dropEntry deletes the entry under rk if, checked again under its stripe
// lock, it is still broken: its block missing, unreadable or failing
// verification. (Between the failed read and the lock, a Put may have
// replaced the block, or a quarantine restored it.) It is not synced.
func (s *Store) dropEntry(rk *keys.RoutingKey) {
	if s.space.noWrites() {
		return // dropped on a later read
	}
	mu := s.stripe(rk)
	mu.Lock()
	defer mu.Unlock()
	m, found, err := s.readMeta(rk)
	if err != nil && sstableCorruption(err) {
		return // left for the quarantine
	}
	v, closer, err := s.getValue(dataKey(rk))
	switch {
	case err == nil:
		verr := s.verify(*rk, v)
		if cerr := closer.Close(); cerr == nil && verr == nil {
			return // healthy now
		} else if cerr != nil && sstableCorruption(cerr) {
			return
		}
	case sstableCorruption(err):
		return
	}
	b := s.db.NewBatch()
	defer b.Close()
	var d delta
	b.Delete(dataKey(rk), nil)
	b.Delete(metaKey(rk), nil)
	if found {
		b.Delete(lruKey(m.region, m.gen, rk), nil)
		d.sub(m.region, int64(m.size))
	}
	if err := s.commit(b, pebble.NoSync); err != nil {
		s.cfg.Logger.Error("datastore: dropping entry", "key", rk.String(), "err", err.Error())
		return
	}
	s.apply(&d)
}

// delta collects counter changes made by one batch.
type delta struct {
	blocks, bytes, fresh         [2]int64
	inserts, promotions, touches uint64
	evictions                    [2]uint64
}

func (d *delta) add(r Region, size int64) { d.blocks[r.idx()]++; d.bytes[r.idx()] += size }
func (d *delta) sub(r Region, size int64) { d.blocks[r.idx()]--; d.bytes[r.idx()] -= size }

// apply adds d to the store's counters after its batch committed.
func (s *Store) apply(d *delta) {
	for i := range s.regions {
		reg := &s.regions[i]
		reg.blocks.Add(d.blocks[i])
		reg.bytes.Add(d.bytes[i])
		reg.evictions.Add(d.evictions[i])
		reg.addFresh(d.fresh[i])
	}
	s.inserts.Add(d.inserts)
	s.promotions.Add(d.promotions)
	s.touches.Add(d.touches)
}

// evictAfter runs eviction for the regions d grew.
func (s *Store) evictAfter(d *delta) {
	for _, r := range [...]Region{RegionStore, RegionCache} {
		if d.bytes[r.idx()] > 0 {
			s.maybeEvict(r)
		}
	}
}

// sortedStripes returns the distinct stripe indexes of rks in ascending order.
func sortedStripes(rks []keys.RoutingKey) []int {
	var need [numStripes]bool
	for i := range rks {
		need[int(rks[i][0])%numStripes] = true
	}
	out := make([]int, 0, numStripes)
	for i := range need {
		if need[i] {
			out = append(out, i)
		}
	}
	return slices.Clip(out)
}
