package datastore

import (
	"github.com/cockroachdb/pebble/v2"
	"sync"
	"sync/atomic"
	"time"
)

// flusher flushes a DurabilityNoWAL store's memtable every interval when it
// holds writes, bounding what a crash loses. Store.Open starts it and
// Store.Close stops it before closing Pebble.
type flusher struct {
	stopOnce sync.Once
	stopCh   chan struct{}
	wg       sync.WaitGroup

	// dirty is set after every committed write and cleared by a flush.
	dirty atomic.Bool
	// mu serialises flushes, so that a Sync that finds nothing dirty
	// returns only after a flush in progress has finished.
	mu sync.Mutex
}

func (f *flusher) start(s *Store, interval time.Duration) {
	f.stopCh = make(chan struct{})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-f.stopCh:
				return
			case <-t.C:
			}
			if !s.enter() {
				return
			}
			// Out of space, the disk-full line (once a minute) says it.
			if err := s.flushIfDirty(); err != nil && CodeOf(err) != CodeDiskFull {
				s.cfg.Logger.Error("datastore: periodic flush failed", "err", err.Error())
			}
			s.exit()
		}
	}()
}

// stop ends the goroutine (if started) and waits for it. Idempotent.
func (f *flusher) stop() {
	f.stopOnce.Do(func() {
		if f.stopCh != nil {
			close(f.stopCh)
		}
	})
	f.wg.Wait()
}

// markDirty records a committed write that a flush must cover.
func (s *Store) markDirty() {
	if s.cfg.Durability == DurabilityNoWAL {
		s.flusher.dirty.Store(true)
	}
}

// flushIfDirty flushes the memtable if a write was committed since the last
// flush. The caller holds enter(). Out of space it fails at once with an
// ErrDiskFull error (see flushWait).
func (s *Store) flushIfDirty() error {
	f := &s.flusher
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dirty.Swap(false) {
		return nil
	}
	if err := s.flushWait(); err != nil {
		f.dirty.Store(true)
		return err
	}
	return nil
}

// commitDurably commits b and makes it durable in any mode: with a WAL
// synchronously, without one by a flush.
func (s *Store) commitDurably(b *pebble.Batch) error {
	if s.cfg.Durability != DurabilityNoWAL {
		return s.commit(b, pebble.Sync)
	}
	if err := s.commit(b, pebble.NoSync); err != nil {
		return err
	}
	return s.flushIfDirty()
}
