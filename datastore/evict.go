package datastore

import (
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// Approximate LRU (see docs/datastore.md). Each region has a generation
// counter that advances every time genDivisor-th of its budget has been
// inserted. An entry records the generation in which it was inserted or last
// touched, and is indexed under 'l' region gen rk. Eviction deletes entries
// in index order: oldest generation first, in routing-key order within a
// generation. A Get rewrites an entry's generation only when it is stale (at
// least two generations old), so a hot block costs one small write per
// 1/genDivisor of the budget inserted, and Gets of fresh blocks write nothing.
const (
	genDivisor = 64
	// touchLag: an entry is stale when entry.gen + touchLag < current gen.
	touchLag = 1
	// evictChunk bounds the entries deleted per eviction batch.
	evictChunk = 256
)

// regionState holds one region's budget, counters and generation clock.
type regionState struct {
	budget  int64
	genStep int64

	blocks    atomic.Int64
	bytes     atomic.Int64
	gen       atomic.Uint64
	genBytes  atomic.Int64
	evictions atomic.Uint64

	evictMu    sync.Mutex
	evictFloor atomic.Uint64 // no index entry is older than this generation
}

func (reg *regionState) init(budget int64) {
	reg.budget = budget
	reg.genStep = max(budget/genDivisor, 1)
	reg.gen.Store(1)
}

// addFresh accounts n bytes entering the region and advances the generation
// every genStep bytes.
func (reg *regionState) addFresh(n int64) {
	if n <= 0 {
		return
	}
	if reg.genBytes.Add(n) < reg.genStep {
		return
	}
	// One goroutine wins the reset and advances the clock; the others'
	// bytes count towards the next generation.
	for {
		cur := reg.genBytes.Load()
		if cur < reg.genStep {
			return
		}
		if reg.genBytes.CompareAndSwap(cur, cur-reg.genStep) {
			reg.gen.Add(1)
		}
	}
}

// genFor returns the generation for an entry written after pending bytes
// of the same batch, so a large batch keeps its insertion order.
func (reg *regionState) genFor(pending int64) uint64 {
	return reg.gen.Load() + uint64((reg.genBytes.Load()+pending)/reg.genStep)
}

// stale reports whether an entry is old enough that a read should refresh it.
func (s *Store) stale(m meta) bool {
	return m.gen+touchLag < s.regions[m.region.idx()].gen.Load()
}

// maybeEvict evicts from region r until it is within budget. Only one
// goroutine evicts a region at a time; the others return at once.
func (s *Store) maybeEvict(r Region) {
	if s.space.noWrites() {
		return // nothing can be committed; evicted when space returns
	}
	reg := &s.regions[r.idx()]
	for reg.bytes.Load() > reg.budget {
		if !reg.evictMu.TryLock() {
			return
		}
		n, _, err := s.evictSome(r, reg.bytes.Load()-reg.budget)
		reg.evictMu.Unlock()
		if err != nil {
			s.cfg.Logger.Error("datastore: eviction failed", "region", r.String(), "err", err.Error())
			return
		}
		if n == 0 {
			return
		}
	}
}

type evictCand struct {
	rk   keys.RoutingKey
	gen  uint64
	size int64
}

// evictSome deletes up to evictChunk of the oldest entries of region r, as
// many as needed to remove excess bytes of blocks. It returns how many index
// entries it removed (live or stale) and the bytes of the blocks evicted.
func (s *Store) evictSome(r Region, excess int64) (int, int64, error) {
	reg := &s.regions[r.idx()]
	if excess <= 0 {
		return 0, 0, nil
	}
	_, upper := lruRegionBounds(r)
	iter, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: lruGenLower(r, reg.evictFloor.Load()),
		UpperBound: upper,
	})
	if err != nil {
		return 0, 0, err
	}
	var cands []evictCand
	var junk [][]byte
	var sum int64
	for ok := iter.First(); ok && len(cands) < evictChunk && sum < excess; ok = iter.Next() {
		_, gen, rk, good := parseLRUKey(iter.Key())
		if !good {
			junk = append(junk, append([]byte(nil), iter.Key()...))
			continue
		}
		size := int64(decodeSize(iter.Value()))
		cands = append(cands, evictCand{rk: rk, gen: gen, size: size})
		sum += size
	}
	if err := iter.Close(); err != nil {
		return 0, 0, err
	}
	if len(cands) == 0 && len(junk) == 0 {
		return 0, 0, nil
	}
	if len(cands) > 0 {
		reg.evictFloor.Store(cands[0].gen)
	}

	rks := make([]keys.RoutingKey, len(cands))
	for i := range cands {
		rks[i] = cands[i].rk
	}
	stripes := sortedStripes(rks)
	for _, i := range stripes {
		s.stripes[i].Lock()
	}
	defer func() {
		for _, i := range stripes {
			s.stripes[i].Unlock()
		}
	}()

	b := s.db.NewBatch()
	defer b.Close()
	for _, k := range junk {
		b.Delete(k, nil)
	}
	var d delta
	for i := range cands {
		c := &cands[i]
		m, found, err := s.readMeta(&c.rk)
		if err != nil {
			if !pebble.IsCorruptionError(err) {
				return 0, 0, err
			}
			if sstableCorruption(err) {
				continue // left for the quarantine of the sstable
			}
			// Malformed index entry: drop the block with it.
			s.noteCorrupt(&c.rk, err)
			b.Delete(lruKey(r, c.gen, &c.rk), nil)
			b.Delete(dataKey(&c.rk), nil)
			b.Delete(metaKey(&c.rk), nil)
			continue
		}
		b.Delete(lruKey(r, c.gen, &c.rk), nil)
		if !found || m.region != r || m.gen != c.gen {
			continue // stale index entry (touched, promoted or deleted)
		}
		b.Delete(dataKey(&c.rk), nil)
		b.Delete(metaKey(&c.rk), nil)
		d.sub(r, int64(m.size))
		d.evictions[r.idx()]++
	}
	if err := s.commit(b, pebble.NoSync); err != nil {
		return 0, 0, err
	}
	s.apply(&d)
	if d.evictions[r.idx()] > 0 {
		s.space.evicted.Store(true) // reclaim compacts when space is short
	}
	return len(cands) + len(junk), -d.bytes[r.idx()], nil
}

// loadCounters scans the index at Open to rebuild the per-region counters and
// generation clocks. It reads only the small 'm' keys (about 50 bytes per
// block), never the blocks.
func (s *Store) loadCounters() error {
	iter, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixMeta},
		UpperBound: []byte{prefixMeta + 1},
	})
	if err != nil {
		return newError(CodeIO, "scan index", err)
	}
	var maxGen [2]uint64
	for ok := iter.First(); ok; ok = iter.Next() {
		m, good := decodeMeta(iter.Value())
		if !good || len(iter.Key()) != metaKeyLen {
			continue // dropped on the next Get of that key
		}
		i := m.region.idx()
		reg := &s.regions[i]
		reg.blocks.Add(1)
		reg.bytes.Add(int64(m.size))
		maxGen[i] = max(maxGen[i], m.gen)
	}
	err = iter.Close()
	if err != nil {
		if !pebble.IsCorruptionError(err) {
			return newError(CodeIO, "scan index", err)
		}
		// Keep going with partial counts; Gets will find and drop the
		// unreadable entries and a scrub is scheduled.
		s.corruptions.Add(1)
		s.cfg.Logger.Error("datastore: corrupt index at open", "err", err.Error())
		s.bg.requestScrub()
	}
	for i := range s.regions {
		// New entries start one generation after the newest existing one.
		// The eviction floor starts at 0, so the first eviction also sweeps
		// any stale index entries left by a crash or corruption.
		s.regions[i].gen.Store(maxGen[i] + 1)
	}
	return nil
}
