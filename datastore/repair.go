package datastore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// Background repair (see docs/datastore.md, "Corruption").
//
// Pebble v2.1.7 panics, killing the process, when a blob-file rewrite (its
// reclamation of space in blob files that are mostly garbage) reads a value
// whose checksum fails, or when it opens a blob file whose footer is corrupt
// (cockroachdb/pebble#5127). Ordinary compactions never read blob values here
// (MaxBlobReferenceDepth is set high), so the rewrite is the only Pebble job
// that can meet a corrupt block. The Store therefore gates blob-file
// rewrites: they are enabled only after
//
//  1. a full scrub since Open has verified every block (so bit rot that
//     happened while the node was down has been found and dropped), and
//  2. every block dropped for a Pebble checksum failure has had its key
//     range compacted, so no sstable references the corrupt value any more.
//
// Any new corruption disables rewrites again until (2) holds. A block that
// rots while the node runs and is not read before a rewrite picks its file
// can still crash the process once; the scrub at the next Open removes it, so
// there is no crash loop.

// panicBlobMetadata is the text of the v2.1.7 panic for pebble#5127.
const panicBlobMetadata = "unknown metadata type"

// maxPendingSpans is the number of dropped keys compacted one by one; more
// than that and the whole block range is compacted at once.
const maxPendingSpans = 16

// bgState runs the background scrub and repair goroutine.
type bgState struct {
	stopOnce sync.Once
	stopCh   chan struct{}
	wake     chan struct{}
	wg       sync.WaitGroup
	ctx      context.Context
	cancel   context.CancelFunc

	rewritesOK atomic.Bool

	mu          sync.Mutex
	quarantines []quarantineSpan
	quarantined map[string]bool // sstable paths already queued
	reported    map[string]bool // paths whose corruption has been logged
	scrubWanted bool
	pending     map[keys.RoutingKey]struct{}
	lastScrub   time.Time // end of the last background scrub
	scrubs      int       // background scrubs completed
	// minInterval spaces scrubs requested by Pebble's error reports.
	minInterval time.Duration
}

func (b *bgState) init() {
	b.stopCh = make(chan struct{})
	b.wake = make(chan struct{}, 1)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.pending = make(map[keys.RoutingKey]struct{})
	b.quarantined = make(map[string]bool)
	b.reported = make(map[string]bool)
	b.minInterval = 10 * time.Minute
	b.scrubWanted = !testSkipOpenScrub // the scrub at Open
}

// testSkipOpenScrub, set by tests, skips the scrub at Open so that a test
// can watch a corrupt block being found by Get.
var testSkipOpenScrub bool

// interval returns minInterval.
func (b *bgState) interval() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.minInterval
}

func (b *bgState) start(s *Store) {
	b.wg.Add(1)
	go b.loop(s)
	b.signal()
}

func (b *bgState) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// requestScrub asks for a full background scrub and disables blob rewrites
// until it is done.
func (b *bgState) requestScrub() {
	b.mu.Lock()
	b.scrubWanted = true
	b.rewritesOK.Store(false)
	b.mu.Unlock()
	b.signal()
}

// addPending records a key dropped for a Pebble checksum failure, whose range
// must be compacted before blob rewrites are safe.
func (b *bgState) addPending(rk keys.RoutingKey) {
	b.mu.Lock()
	b.pending[rk] = struct{}{}
	b.rewritesOK.Store(false)
	b.mu.Unlock()
	b.signal()
}

// firstReport reports whether path's corruption is reported for the first
// time (Pebble reports it on every failed read).
func (b *bgState) firstReport(path string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reported[path] {
		return false
	}
	b.reported[path] = true
	return true
}

// addQuarantine queues a corrupt sstable's span for quarantine, once per
// file.
func (b *bgState) addQuarantine(q quarantineSpan) {
	b.mu.Lock()
	if b.quarantined[q.path] {
		b.mu.Unlock()
		return
	}
	b.quarantined[q.path] = true
	b.quarantines = append(b.quarantines, q)
	b.rewritesOK.Store(false)
	b.mu.Unlock()
	b.signal()
}

// stop ends the goroutine and waits for it. Idempotent.
func (b *bgState) stop() {
	b.stopOnce.Do(func() {
		close(b.stopCh)
		b.cancel()
	})
	b.wg.Wait()
}

// pause waits d, or less if signalled (new work); it returns false on stop.
func (b *bgState) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-b.stopCh:
		return false
	case <-b.wake:
		// Avoid spinning when signals keep coming.
		return b.sleep(time.Millisecond)
	case <-t.C:
		return true
	}
}

// sleep waits d or until stop; it returns false on stop.
func (b *bgState) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-b.stopCh:
		return false
	case <-t.C:
		return true
	}
}

func (b *bgState) loop(s *Store) {
	defer b.wg.Done()
	for {
		select {
		case <-b.stopCh:
			return
		case <-b.wake:
		}
		if !b.work(s) {
			return
		}
	}
}

// work runs scrubs and compactions until nothing is pending, then enables
// blob rewrites. It returns false when the Store is closing.
func (b *bgState) work(s *Store) bool {
	for {
		b.mu.Lock()
		if len(b.quarantines) > 0 {
			q := b.quarantines[0]
			b.quarantines = b.quarantines[1:]
			b.mu.Unlock()
			lost, err := s.quarantine(b.ctx, q)
			if err != nil {
				if b.ctx.Err() != nil {
					return false
				}
				s.cfg.Logger.Error("datastore: quarantine of corrupt sstable failed", "path", q.path, "err", err.Error())
			} else {
				s.cfg.Logger.Warn("datastore: quarantined corrupt sstable", "path", q.path, "lost", lost)
			}
			continue
		}
		scrub := b.scrubWanted
		wait := time.Duration(0)
		if scrub && b.scrubs > 0 {
			wait = b.minInterval - time.Since(b.lastScrub)
		}
		var pend []keys.RoutingKey
		if !scrub {
			for rk := range b.pending {
				pend = append(pend, rk)
			}
			clear(b.pending)
		}
		if !scrub && len(pend) == 0 {
			b.rewritesOK.Store(true)
			b.mu.Unlock()
			return true
		}
		b.scrubWanted = false
		b.mu.Unlock()

		if scrub {
			if wait > 0 {
				// Wait for the interval, but let other work (a quarantine)
				// interrupt the wait.
				b.mu.Lock()
				b.scrubWanted = true
				b.mu.Unlock()
				if !b.pause(wait) {
					return false
				}
				b.mu.Lock()
				due := time.Since(b.lastScrub) >= b.minInterval
				if due {
					b.scrubWanted = false
				}
				b.mu.Unlock()
				if !due {
					continue // woken early: look for other work first
				}
			}
			res, err := s.scrub(b.ctx, s.cfg.ScrubBytesPerSecond)
			b.mu.Lock()
			b.scrubs++
			b.lastScrub = time.Now()
			b.mu.Unlock()
			if err != nil {
				if b.ctx.Err() != nil || errors.Is(err, ErrClosed) {
					return false
				}
				s.cfg.Logger.Error("datastore: background scrub", "err", err.Error())
			} else if res.Corrupt > 0 || res.Orphans > 0 {
				s.cfg.Logger.Warn("datastore: background scrub dropped blocks",
					"corrupt", res.Corrupt, "orphans", res.Orphans, "checked", res.Checked)
			}
			if err != nil {
				// Keep rewrites off; retry after minInterval (the wait
				// above), unless a quarantine fixes things first.
				b.mu.Lock()
				b.scrubWanted = true
				b.mu.Unlock()
			}
			continue
		}
		if err := s.compactDropped(b.ctx, pend); err != nil {
			if b.ctx.Err() != nil {
				return false
			}
			s.cfg.Logger.Error("datastore: compacting dropped blocks", "err", err.Error())
			b.mu.Lock()
			for _, rk := range pend {
				b.pending[rk] = struct{}{}
			}
			b.mu.Unlock()
			if !b.pause(b.interval()) {
				return false
			}
		}
	}
}

// compactDropped compacts the key ranges of dropped blocks so that no sstable
// references their values any more.
func (s *Store) compactDropped(ctx context.Context, rks []keys.RoutingKey) error {
	if len(rks) > maxPendingSpans {
		return s.db.Compact(ctx, []byte{prefixData}, []byte{prefixData + 1}, false)
	}
	for i := range rks {
		k := dataKey(&rks[i])
		if err := s.db.Compact(ctx, k, append(k, 0), false); err != nil {
			return err
		}
	}
	return nil
}

// errString formats an error for logs on one line (Pebble's errors print
// stack traces with %+v, which slog uses).
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// blobRewritesEnabled is consulted by Pebble each time it picks compactions.
// They are also off while free space is below the reserve: a rewrite
// writes the live part of a blob file before it deletes the file.
func (s *Store) blobRewritesEnabled() bool {
	return s.bg.rewritesOK.Load() && s.space.getMode() <= spaceLow
}

// recoverBlobPanic turns the pebble#5127 panic, raised in the reading
// goroutine when a blob file's footer or index is corrupt, into a corruption
// error. Any other panic is re-raised. Use as: defer s.recoverBlobPanic(&err).
func (s *Store) recoverBlobPanic(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if msg := fmt.Sprint(r); strings.Contains(msg, panicBlobMetadata) {
		s.blobPanics.Add(1)
		s.pebbleCorruptionEvents.Add(1)
		*err = fmt.Errorf("%w: unreadable blob file (%s)", pebble.ErrCorruption, msg)
		return
	}
	panic(r)
}

// getValue reads a block. It uses an iterator rather than db.Get so that,
// if Pebble raises the pebble#5127 panic while fetching the value, the
// iterator can still be closed (db.Get would leak it, and a leaked iterator
// makes Pebble's Close panic). The caller must call closer.Close, whose error
// must be checked: Pebble reports a failed value fetch there too.
func (s *Store) getValue(key []byte) (v []byte, closer interface{ Close() error }, err error) {
	iter, err := s.db.NewIter(&pebble.IterOptions{LowerBound: key, UpperBound: append(key[:len(key):len(key)], 0)})
	if err != nil {
		return nil, nil, err
	}
	if !iter.First() {
		if err := s.closeIter(iter); err != nil {
			return nil, nil, err
		}
		return nil, nil, pebble.ErrNotFound
	}
	v, err = s.iterValue(iter)
	if err != nil {
		_ = s.closeIter(iter)
		return nil, nil, err
	}
	return v, iterCloser{s, iter}, nil
}

type iterCloser struct {
	s    *Store
	iter *pebble.Iterator
}

func (c iterCloser) Close() error { return c.s.closeIter(c.iter) }

// iterValue is iter.ValueAndErr guarded against the pebble#5127 panic.
func (s *Store) iterValue(iter *pebble.Iterator) (v []byte, err error) {
	defer s.recoverBlobPanic(&err)
	return iter.ValueAndErr()
}

// closeIter closes an iterator that may have been abandoned by the
// pebble#5127 panic.
func (s *Store) closeIter(iter *pebble.Iterator) (err error) {
	defer s.recoverBlobPanic(&err)
	return iter.Close()
}

// eventListener hooks Pebble's corruption reports. Pebble's default handler
// for DataCorruption exits the process; ours counts and logs instead. An
// ENOSPC from a flush or compaction stops the Store's writes (see space.go)
// and is not logged at each of Pebble's retries.
func (s *Store) eventListener() *pebble.EventListener {
	return &pebble.EventListener{
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			s.pebbleCorruptionEvents.Add(1)
			if s.bg.firstReport(info.Path) {
				s.cfg.Logger.Warn("datastore: pebble reports corruption", "path", info.Path, "err", errString(info.Details))
			}
			if q, ok := spanOf(info); ok {
				s.bg.addQuarantine(q)
			}
		},
		FlushEnd: func(info pebble.FlushInfo) {
			if info.Err == nil {
				s.flushed(int64(info.InputBytes))
			}
		},
		BackgroundError: func(err error) {
			if isENOSPC(err) {
				// Logged once a minute by logSpace, not at every retry.
				if !errors.As(err, new(gatedError)) {
					s.enterENOSPC()
				}
				return
			}
			s.cfg.Logger.Error("datastore: pebble background error", "err", errString(err))
			if pebble.IsCorruptionError(err) {
				s.bg.requestScrub()
			}
		},
	}
}
