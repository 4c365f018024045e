package datastore

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2"
)

// RegionStats describes one region.
type RegionStats struct {
	// Blocks is the number of blocks in the region.
	Blocks int64
	// Bytes is the sum of their lengths (what the budget limits).
	Bytes int64
	// Budget is the configured byte budget.
	Budget int64
	// Evictions counts blocks evicted from the region since Open.
	Evictions uint64
}

// Stats is a snapshot of the Store's counters. Counters count events since
// Open; Blocks and Bytes are exact totals.
type Stats struct {
	// Store and Cache describe the two regions.
	Store, Cache RegionStats
	// Hits and Misses count Get calls that returned a block or did not
	// (corrupt blocks count as misses).
	Hits, Misses uint64
	// Inserts counts blocks newly written by Put or PutBatch.
	Inserts uint64
	// Promotions counts blocks moved from RegionCache to RegionStore.
	Promotions uint64
	// Touches counts recency refreshes (by Get or by a Put of identical
	// bytes) that were written to Pebble.
	Touches uint64
	// Rejected counts blocks refused by Put because they failed
	// verification or had an impossible size.
	Rejected uint64
	// Corruptions counts stored blocks found corrupt (failed verification or
	// Pebble checksums) and deleted.
	Corruptions uint64
	// Collisions counts Puts refused because a different valid block was
	// stored under the same routing key.
	Collisions uint64
	// PebbleCorruptionReports counts corruption reports from Pebble (for
	// example a checksum failure met by a compaction).
	PebbleCorruptionReports uint64
	// DiskBytes is the size of the files in the store's directory (WAL,
	// sstables, blob files, manifests; not the ballast). It exceeds Store.Bytes+Cache.Bytes by
	// the garbage in blob files not yet reclaimed, and the WAL.
	DiskBytes uint64
	// WriteAmp is the write amplification since Open: bytes written to the
	// WAL (if any), sstables and blob files per byte of batches committed
	// by the Store. (Pebble's
	// own Metrics.Total().WriteAmp() counts blob bytes written by flushes
	// twice in v2.1.7, reporting about 3 where the truth is about 2.)
	WriteAmp float64

	// Space is the disk-space state (docs/datastore.md, "Disk full"): "ok";
	// "low" (below twice the reserve: the cache takes no new blocks and is
	// evicted); "full" (below the reserve: no new blocks); "out of space"
	// (the file system returned ENOSPC: no writes at all); "read-only"
	// (opened on a full disk).
	Space string
	// FreeBytes is the free space of the store's file system at the last
	// check (statfs, as available to unprivileged users).
	FreeBytes int64
	// ReserveBytes is the reserve in force (0: none).
	ReserveBytes int64
	// DiskFullRefusals counts writes refused with ErrDiskFull since Open.
	DiskFullRefusals uint64
	// BallastBytes is the size of the emergency ballast file in place (0
	// when there is none, or it was used up).
	BallastBytes int64
}

// Stats returns current counters. After Close it returns the counters as
// they were, without the Pebble figures.
func (s *Store) Stats() Stats {
	st := Stats{
		Store:                   s.regions[RegionStore.idx()].stats(),
		Cache:                   s.regions[RegionCache.idx()].stats(),
		Hits:                    s.hits.Load(),
		Misses:                  s.misses.Load(),
		Inserts:                 s.inserts.Load(),
		Promotions:              s.promotions.Load(),
		Touches:                 s.touches.Load(),
		Rejected:                s.rejected.Load(),
		Corruptions:             s.corruptions.Load(),
		Collisions:              s.collisions.Load(),
		PebbleCorruptionReports: s.pebbleCorruptionEvents.Load(),
		Space:                   s.space.getMode().String(),
		FreeBytes:               s.space.avail.Load(),
		ReserveBytes:            s.space.reserve,
		DiskFullRefusals:        s.space.refused.Load(),
	}
	if s.space.ballastOK.Load() {
		st.BallastBytes = s.space.ballastSize
	}
	if s.enter() {
		m := s.db.Metrics()
		s.exit()
		st.WriteAmp = writeAmp(m, s.committed.Load(), s.cfg.Durability != DurabilityNoWAL)
		// Not m.DiskSpaceUsage(): in v2.1.7 it can underflow after an excise.
		st.DiskBytes = dirBytes(s.dir)
	}
	return st
}

// dirBytes sums the sizes of the regular files in dir, except the ballast.
func dirBytes(dir string) uint64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n uint64
	for _, e := range ents {
		if e.Name() == BallastName {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			n += uint64(fi.Size())
		}
	}
	return n
}

// writeAmp computes the write amplification from Pebble's metrics. In
// v2.1.7 a flush reports the blob bytes it writes both as BlobBytesFlushed
// and as BlobBytesCompacted, so only the latter is summed.
func writeAmp(m *pebble.Metrics, committed uint64, wal bool) float64 {
	if committed == 0 {
		return 0
	}
	var written uint64
	if wal {
		// Pebble counts WAL bytes even with the WAL disabled.
		written = m.WAL.BytesWritten
	}
	for i := range m.Levels {
		l := &m.Levels[i]
		written += l.TableBytesFlushed + l.TableBytesCompacted + l.BlobBytesCompacted
	}
	return float64(written) / float64(committed)
}

func (reg *regionState) stats() RegionStats {
	return RegionStats{
		Blocks:    reg.blocks.Load(),
		Bytes:     reg.bytes.Load(),
		Budget:    reg.budget,
		Evictions: reg.evictions.Load(),
	}
}

// pebbleLogger adapts slog for Pebble: informational messages are dropped,
// errors are logged, and fatal invariant violations panic after logging.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(string, ...any) {}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("datastore: pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := "datastore: pebble fatal: " + fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic(msg)
}
