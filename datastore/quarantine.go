package datastore

import (
	"bytes"
	"context"
	"math/big"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// Quarantine of corrupt sstables (see docs/datastore.md, "Corruption").
//
// Sstables hold only the small keys (about 100 bytes per block), but a
// corrupt sstable block cannot be compacted: Pebble retries and fails for
// ever, and if the table is in L0 the LSM eventually stalls writes. When
// Pebble reports corruption in an sstable, the Store excises the table's key
// span and writes back every entry of that span it can still read, skipping
// the unreadable blocks by bisection. Entries in an unreadable block are lost
// (counted as corruptions); the others survive. Writers are paused while this
// runs, and the counters are rebuilt afterwards.

// salvageBatchBytes bounds the batches that write salvaged entries back.
const salvageBatchBytes = 4 << 20

// probeKeyLen is the width of the keys probed while bisecting past an
// unreadable range: the prefix and 120 bits of the routing key. Keys closer
// than 2^-120 of the key space to the end of the range are skipped too (in
// practice, none); each probe of the bad block costs a few milliseconds.
const probeKeyLen = 16

// quarantineSpan is an sstable's key span to excise: [start, end).
type quarantineSpan struct {
	path       string
	start, end []byte
}

// spanOf returns the excise span of a corrupt sstable reported by Pebble.
func spanOf(info pebble.DataCorruptionInfo) (quarantineSpan, bool) {
	if !strings.HasSuffix(info.Path, ".sst") || len(info.Bounds.Start) == 0 || len(info.Bounds.End.Key) == 0 {
		return quarantineSpan{}, false
	}
	// Widening an exclusive end by one key is harmless: everything readable
	// in the span is written back.
	end := append(bytes.Clone(info.Bounds.End.Key), 0)
	return quarantineSpan{path: info.Path, start: bytes.Clone(info.Bounds.Start), end: end}, true
}

// quarantine excises q and writes back what it can read. It returns the
// number of unreadable ranges and entries given up.
//
// A range scan cannot read any key, of any level, in the key range of an
// unreadable block. Point lookups can (bloom filters keep them away from the
// bad table), and each block has keys under three prefixes, so a second pass
// looks up the keys of every routing key seen during the scan whose data or
// index key fell in a skipped range. Missing eviction-index keys are rebuilt
// by recount.
func (s *Store) quarantine(ctx context.Context, q quarantineSpan) (lost int, err error) {
	for i := range s.stripes {
		s.stripes[i].Lock()
	}
	defer func() {
		for i := range s.stripes {
			s.stripes[i].Unlock()
		}
	}()
	// The iterator keeps its view of the span after the excise.
	iter, err := s.db.NewIter(&pebble.IterOptions{LowerBound: q.start, UpperBound: q.end})
	if err != nil {
		return 0, err
	}
	defer s.closeIter(iter)
	if err := s.db.Excise(ctx, pebble.KeyRange{Start: q.start, End: q.end}); err != nil {
		return 0, err
	}
	w := salvageWriter{db: s.db, b: s.db.NewBatch(), seen: make(map[keys.RoutingKey]lruInfo)}
	defer func() { w.b.Close() }()

	// Pass 1: scan, bisecting past unreadable ranges.
	var skipped [][2][]byte
	pos := q.start
	for pos != nil {
		if err := ctx.Err(); err != nil {
			return lost, err
		}
		var next []byte
		ok := iter.SeekGE(pos)
		for ; ok; ok = iter.Next() {
			k := iter.Key()
			v, verr := s.iterValue(iter)
			if verr != nil {
				lost++ // an unreadable value: drop the entry
				next = append(bytes.Clone(k), 0)
				break
			}
			if err := w.set(k, v); err != nil {
				return lost, err
			}
		}
		switch {
		case next != nil:
			pos = next
		case iter.Error() == nil:
			pos = nil // done
		default:
			lost++
			from := pos
			pos = s.skipUnreadable(iter, pos, q.end)
			end := pos
			if end == nil {
				end = q.end
			}
			skipped = append(skipped, [2][]byte{bytes.Clone(from), end})
		}
	}

	// Pass 2: point lookups for the data and index keys in skipped ranges.
	inSkipped := func(k []byte) bool {
		for _, r := range skipped {
			if bytes.Compare(k, r[0]) >= 0 && bytes.Compare(k, r[1]) < 0 {
				return true
			}
		}
		return false
	}
	inSpan := func(k []byte) bool {
		return bytes.Compare(k, q.start) >= 0 && bytes.Compare(k, q.end) < 0
	}
	for rk, li := range w.seen {
		mk := metaKey(&rk)
		for _, k := range [][]byte{dataKey(&rk), mk} {
			if !inSkipped(k) || w.has(k) {
				continue
			}
			if iter.SeekPrefixGE(k) && iter.Error() == nil {
				if v, verr := s.iterValue(iter); verr == nil {
					if err := w.set(k, v); err != nil {
						return lost, err
					}
					continue
				}
			}
			if k[0] == prefixMeta && li.ok {
				// Rebuild the index entry from the eviction index.
				if err := w.set(k, encodeMeta(li.m)); err != nil {
					return lost, err
				}
			}
		}
		if inSpan(mk) && !w.has(mk) {
			// The block lost its index entry: drop what is left of it.
			w.b.Delete(dataKey(&rk), nil)
			if li.ok {
				w.b.Delete(lruKey(li.m.region, li.m.gen, &rk), nil)
			}
			lost++
		}
	}
	if err := s.commitDurably(w.b); err != nil {
		return lost, err
	}
	// Blocks whose every key was unreadable were never seen; the counters
	// tell how many blocks went (when they were right before).
	before := s.totalBlocks()
	if err := s.recount(true); err != nil {
		return lost, err
	}
	lost = max(lost, int(before-s.totalBlocks()))
	s.corruptions.Add(uint64(lost))
	return lost, nil
}

func (s *Store) totalBlocks() int64 {
	return s.regions[0].blocks.Load() + s.regions[1].blocks.Load()
}

// lruInfo is what an eviction-index key says about a block.
type lruInfo struct {
	ok bool
	m  meta
}

// salvageWriter writes salvaged entries back in bounded batches and records
// the routing keys it sees.
type salvageWriter struct {
	db    *pebble.DB
	b     *pebble.Batch
	seen  map[keys.RoutingKey]lruInfo
	wrote map[string]bool
}

func (w *salvageWriter) set(k, v []byte) error {
	var rk keys.RoutingKey
	switch {
	case len(k) == dataKeyLen && (k[0] == prefixData || k[0] == prefixMeta):
		copy(rk[:], k[1:])
		if _, ok := w.seen[rk]; !ok {
			w.seen[rk] = lruInfo{}
		}
		if w.wrote == nil {
			w.wrote = make(map[string]bool)
		}
		w.wrote[string(k)] = true
	case len(k) == lruKeyLen && k[0] == prefixLRU:
		if r, gen, rk, ok := parseLRUKey(k); ok {
			w.seen[rk] = lruInfo{ok: true, m: meta{region: r, gen: gen, size: decodeSize(v)}}
		}
	}
	w.b.Set(k, v, nil)
	if w.b.Len() < salvageBatchBytes {
		return nil
	}
	if err := w.b.Commit(pebble.NoSync); err != nil { // made durable with the last batch (commitDurably)
		return err
	}
	w.b.Close()
	w.b = w.db.NewBatch()
	return nil
}

func (w *salvageWriter) has(k []byte) bool { return w.wrote[string(k)] }

// skipUnreadable returns a probe key after from at which iter can seek
// without error, bisecting between from (which fails) and end (past which
// nothing is read), or nil if there is none before end. The result is
// always greater than from, so the caller makes progress.
func (s *Store) skipUnreadable(iter *pebble.Iterator, from, end []byte) []byte {
	lo := probeInt(from, true)
	hi := probeInt(end, true)
	if hi.Cmp(lo) <= 0 {
		return nil
	}
	one := big.NewInt(1)
	for {
		gap := new(big.Int).Sub(hi, lo)
		if gap.Cmp(one) <= 0 {
			break
		}
		mid := new(big.Int).Add(lo, gap.Rsh(gap, 1))
		if iter.SeekGE(probeKey(mid)); iter.Error() != nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	k := probeKey(hi)
	if bytes.Compare(k, end) >= 0 {
		return nil
	}
	return k
}

// probeInt maps a key to an integer of probeKeyLen bytes, zero-padding a
// short key and, with up, rounding a long one up, so that the probe key of
// the result sorts at or after k.
func probeInt(k []byte, up bool) *big.Int {
	var buf [probeKeyLen]byte
	copy(buf[:], k)
	n := new(big.Int).SetBytes(buf[:])
	if up && len(k) > probeKeyLen && !allZero(k[probeKeyLen:]) {
		n.Add(n, big.NewInt(1))
	}
	return n
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func probeKey(n *big.Int) []byte {
	var buf [probeKeyLen]byte
	return n.FillBytes(buf[:])
}

// recount rebuilds the region counters from the index. With fixLRU it also
// restores missing eviction-index entries. The caller holds every stripe
// lock, so no counter changes meanwhile.
func (s *Store) recount(fixLRU bool) error {
	iter, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixMeta},
		UpperBound: []byte{prefixMeta + 1},
	})
	if err != nil {
		return err
	}
	var blocks, size [2]int64
	b := s.db.NewBatch()
	defer b.Close()
	for ok := iter.First(); ok; ok = iter.Next() {
		m, good := decodeMeta(iter.Value())
		if !good || len(iter.Key()) != metaKeyLen {
			continue
		}
		blocks[m.region.idx()]++
		size[m.region.idx()] += int64(m.size)
		if fixLRU {
			var rk keys.RoutingKey
			copy(rk[:], iter.Key()[1:])
			lk := lruKey(m.region, m.gen, &rk)
			if _, closer, err := s.db.Get(lk); err == nil {
				closer.Close()
			} else {
				b.Set(lk, encodeSize(m.size), nil)
			}
		}
	}
	if err := iter.Close(); err != nil {
		return err
	}
	if err := s.commit(b, pebble.NoSync); err != nil {
		return err
	}
	for i := range s.regions {
		s.regions[i].blocks.Store(blocks[i])
		s.regions[i].bytes.Store(size[i])
	}
	return nil
}
