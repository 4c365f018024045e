package datastore

import (
	"context"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// scrubChunk is the number of blocks checked per iterator, so a scrub never
// pins Pebble's files for long and can delete what it finds.
const scrubChunk = 256

// ScrubResult reports what Scrub did.
type ScrubResult struct {
	// Checked is the number of stored blocks read and verified.
	Checked int
	// Corrupt is the number of blocks that failed and were deleted.
	Corrupt int
	// Orphans is the number of blocks without an index entry (left by an
	// earlier repair) that were deleted.
	Orphans int
}

// Scrub reads and verifies every stored block, deleting those that fail (as
// Get would) and blocks without an index entry. It runs concurrently with
// other calls; blocks written during the scrub may or may not be checked.
// The Store also scrubs itself in the background after Open (at
// Config.ScrubBytesPerSecond) and when Pebble reports corruption in a
// background job. Scrub stops early when ctx is done (the error wraps ctx's
// error) or when the Store is being closed (ErrClosed).
func (s *Store) Scrub(ctx context.Context) (ScrubResult, error) {
	if !s.enter() {
		return ScrubResult{}, ErrClosed
	}
	defer s.exit()
	return s.scrub(ctx, 0)
}

type scrubBad struct {
	rk    keys.RoutingKey
	cause error // nil for an orphan
}

// scrub is Scrub reading at most rate bytes per second (unlimited if rate
// <= 0).
func (s *Store) scrub(ctx context.Context, rate int64) (ScrubResult, error) {
	var res ScrubResult
	began := time.Now()
	var read int64
	start := []byte{prefixData}
	upper := []byte{prefixData + 1}
	for {
		var bad []scrubBad
		var last []byte
		n := 0
		valueErr := false
		iter, err := s.db.NewIter(&pebble.IterOptions{LowerBound: start, UpperBound: upper})
		if err != nil {
			return res, newError(CodeIO, "scrub", err)
		}
		for ok := iter.First(); ok && n < scrubChunk; ok = iter.Next() {
			if err := s.scrubInterrupted(ctx); err != nil {
				iter.Close()
				return res, err
			}
			k := iter.Key()
			last = append(last[:0], k...)
			n++
			if len(k) != dataKeyLen {
				continue
			}
			var rk keys.RoutingKey
			copy(rk[:], k[1:])
			res.Checked++
			v, verr := s.iterValue(iter)
			if verr != nil {
				// A failed value fetch ends the iteration: restart after
				// this key with a new iterator.
				if !pebble.IsCorruptionError(verr) {
					iter.Close()
					return res, keyError(CodeIO, rk, "scrub read", verr)
				}
				bad = append(bad, scrubBad{rk, verr})
				valueErr = true
				break
			}
			read += int64(len(v))
			if verr := s.verify(rk, v); verr != nil {
				bad = append(bad, scrubBad{rk, verr})
				continue
			}
			if _, found, merr := s.readMeta(&rk); merr == nil && !found {
				bad = append(bad, scrubBad{rk, nil})
			}
		}
		iterErr := s.closeIter(iter)
		if valueErr {
			iterErr = nil // the error of the value already recorded
		}
		for i := range bad {
			if bad[i].cause != nil {
				_ = s.corrupt(&bad[i].rk, bad[i].cause)
				res.Corrupt++
			} else if s.dropOrphan(&bad[i].rk) {
				res.Orphans++
			}
		}
		if iterErr != nil {
			if pebble.IsCorruptionError(iterErr) {
				s.corruptions.Add(1)
				return res, newError(CodeCorrupt, "scrub: index unreadable", iterErr)
			}
			return res, newError(CodeIO, "scrub", iterErr)
		}
		if n < scrubChunk && !valueErr {
			return res, nil
		}
		if rate > 0 {
			ahead := time.Duration(float64(read)/float64(rate)*float64(time.Second)) - time.Since(began)
			if ahead > 0 {
				t := time.NewTimer(ahead)
				select {
				case <-ctx.Done():
				case <-s.bg.stopCh:
				case <-t.C:
				}
				t.Stop()
			}
		}
		start = append(last, 0) // the smallest key after last
	}
}

func (s *Store) scrubInterrupted(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return newError(CodeIO, "scrub interrupted", ctx.Err())
	case <-s.bg.stopCh:
		return ErrClosed
	default:
		return nil
	}
}

// dropOrphan deletes the block under rk if it still has no index entry.
func (s *Store) dropOrphan(rk *keys.RoutingKey) bool {
	mu := s.stripe(rk)
	mu.Lock()
	defer mu.Unlock()
	if _, found, err := s.readMeta(rk); err != nil || found {
		return false
	}
	return s.db.Delete(dataKey(rk), pebble.NoSync) == nil
}
