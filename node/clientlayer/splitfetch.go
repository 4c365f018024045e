package clientlayer

import (
	"context"
	"errors"
	"sync"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// plainPool holds CHKDataSize buffers for decoded splitfile blocks. A
// segment's blocks go back to it once written (releaseShards).
var plainPool = sync.Pool{New: func() any { b := make([]byte, keys.CHKDataSize); return &b }}

// releaseShards returns a written segment's buffers to plainPool.
func releaseShards(shards [][]byte) {
	for _, sh := range shards {
		if cap(sh) == keys.CHKDataSize {
			b := sh[:keys.CHKDataSize]
			plainPool.Put(&b)
		}
	}
}

// getCHK fetches and decodes one splitfile block into plain (CHKDataSize
// bytes), reading the block into buf (returned for reuse). A store that can
// skip verification (BlockGetterUnverified) is used that way, since the
// decode checks the block; a block that then fails to decode is fetched
// again verified, so that the store can drop it if it is corrupt.
// decodeFailed tells a block that was found but did not decode.
func (f *fetcher) getCHK(k BlockKey, buf, plain []byte) (_ []byte, _ keys.Data, decodeFailed bool, _ error) {
	u := k.URI()
	if g, ok := f.c.bs.(BlockGetterUnverified); ok {
		blk, err := g.GetBlockUnverified(f.ctx, buf[:0], k.Routing)
		if err != nil {
			return buf, keys.Data{}, false, err
		}
		d, err := keys.DecodeCHKTo(plain, blk, u)
		if err == nil {
			return blk, d, false, nil
		}
		buf = blk
	}
	blk, err := f.getBlock(k.Routing, buf)
	if err != nil {
		return buf, keys.Data{}, false, err
	}
	d, err := keys.DecodeCHKTo(plain, blk, u)
	return blk, d, err != nil, err
}

// segResult is one decoded segment: its data blocks in order.
type segResult struct {
	data [][]byte
	err  error
}

// segmentsAhead is how many segments a fetch works on at once: the one being
// written and the ones after it. Overlapping segments keeps every worker busy
// across segment boundaries.
const segmentsAhead = 3

// fetchSplitfile fetches the splitfile m and writes its stored bytes to w in
// order. Segments are fetched up to segmentsAhead at a time while earlier
// ones are written.
func (f *fetcher) fetchSplitfile(m *Metadata, w interface{ Write([]byte) (int, error) }) error {
	segs := SegmentLayout(m.Length, m.SegmentData, m.SegmentCheck)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	// order carries each segment's result channel in file order; its
	// capacity bounds the segments in flight.
	order := make(chan chan segResult, segmentsAhead-1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		for _, s := range segs {
			rc := make(chan segResult, 1)
			select {
			case order <- rc:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				data, err := f.fetchSegment(ctx, m, s)
				rc <- segResult{data, err}
			}()
		}
	}()
	var err error
	for rc := range order {
		r := <-rc
		if r.err != nil {
			err = r.err
			break
		}
		for _, p := range r.data {
			if _, werr := w.Write(p); werr != nil {
				err = werr
				break
			}
		}
		releaseShards(r.data)
		if err != nil {
			break
		}
	}
	cancel()
	wg.Wait()
	if f.ctx.Err() != nil {
		err = fetchErr(fcpwire.FetchCancelled, f.ctx.Err(), "cancelled")
	}
	return err
}

// fetchSegment fetches blocks of segment s, Config.FetchParallelism at a
// time (data blocks first), until any s.Data of them have decoded, then
// rebuilds the missing data blocks. It returns the data blocks, the last one
// cut to the segment's length.
func (f *fetcher) fetchSegment(ctx context.Context, m *Metadata, s Segment) ([][]byte, error) {
	const bs = keys.CHKDataSize
	n, need := s.Data+s.Check, s.Data
	shards := make([][]byte, n)
	var (
		mu                  sync.Mutex
		cond                = sync.NewCond(&mu)
		next, got, inflight int
		failed              int
		lastErr             error
	)
	// wantLen is the plaintext length block i must decode to.
	wantLen := func(i int) int {
		if i < s.Data {
			return int(min(int64(bs), s.Length-int64(i)*bs))
		}
		return bs
	}
	worker := func() {
		var buf []byte
		for {
			mu.Lock()
			for got+inflight >= need && got < need && next < n && ctx.Err() == nil {
				cond.Wait()
			}
			if got >= need || next >= n || ctx.Err() != nil {
				mu.Unlock()
				return
			}
			i := next
			next++
			inflight++
			mu.Unlock()

			k := m.Blocks[s.First+i]
			var data []byte
			pp := plainPool.Get().(*[]byte)
			var (
				d            keys.Data
				decodeFailed bool
				err          error
			)
			buf, d, decodeFailed, err = f.getCHK(k, buf, *pp)
			switch {
			case decodeFailed:
				err = fetchErr(fcpwire.FetchBlockDecodeError, err, "block %d of segment at %d", i, s.First)
			case err != nil:
			case len(d.Bytes) != wantLen(i):
				err = fetchErr(fcpwire.FetchInvalidMetadata, nil, "block %d decodes to %d bytes, want %d", i, len(d.Bytes), wantLen(i))
			default:
				// The zero-padded payload: what Reed-Solomon coded.
				data = *pp
			}
			if data == nil {
				plainPool.Put(pp)
			}
			mu.Lock()
			inflight--
			if err == nil {
				shards[i] = data
				got++
			} else {
				failed++
				if !errors.Is(err, ErrBlockNotFound) || lastErr == nil {
					lastErr = err
				}
			}
			cond.Broadcast()
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range min(f.c.cfg.FetchParallelism, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	wg.Wait()
	f.prog.add(0, 0, got, failed, false)
	if err := ctx.Err(); err != nil {
		releaseShards(shards)
		return nil, err
	}
	if got < need {
		releaseShards(shards)
		return nil, fetchErr(fcpwire.FetchAllDataNotFound, lastErr,
			"segment of blocks %d..%d: %d of %d blocks found, %d needed", s.First, s.First+n-1, got, n, need)
	}
	missing := false
	for _, sh := range shards[:need] {
		missing = missing || sh == nil
	}
	if missing {
		enc, err := f.c.reedSolomon(s.Data, s.Check)
		if err != nil {
			return nil, fetchErr(fcpwire.FetchInternalError, err, "Reed-Solomon codec")
		}
		if err := enc.ReconstructData(shards); err != nil {
			releaseShards(shards)
			return nil, fetchErr(fcpwire.FetchInternalError, err, "Reed-Solomon decode")
		}
	}
	releaseShards(shards[need:])
	out := shards[:need]
	out[need-1] = out[need-1][:wantLen(need-1)]
	return out, nil
}
