package datastore

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

// benchBlocks returns n distinct real CHK blocks, generated in parallel
// before the timer starts (encoding costs more than storing).
func benchBlocks(b *testing.B, seed uint64, n int) []Entry {
	b.Helper()
	out := make([]Entry, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := testRand(seed*1000 + uint64(w))
			for i := w; i < n; i += workers {
				out[i].Key, out[i].Block = chkBlock(b, rng)
			}
		}(w)
	}
	wg.Wait()
	return out
}

func benchOpen(b *testing.B, cfg Config) *Store {
	b.Helper()
	if cfg.StoreBytes == 0 {
		cfg.StoreBytes = 64 << 30 // no eviction unless a test asks for it
	}
	cfg.ScrubBytesPerSecond = -1
	return openTest(b, b.TempDir(), cfg)
}

// BenchmarkPutBatch measures bulk ingest of 32 KiB CHK blocks: batches of 64
// (2 MiB) with one Pebble commit each, including verification, the final
// memtable flush, and any compactions that run meanwhile. It reports Pebble's
// write amplification.
func BenchmarkPutBatch(b *testing.B) {
	for _, bc := range []struct {
		name       string
		budget     int64
		durability Durability
		encoded    bool // PutBatchEncoded: no verification
	}{
		{"no-eviction", 0, DurabilityWAL, false},
		{"evicting-256MiB", 256 << 20, DurabilityWAL, false},
		{"no-wal", 0, DurabilityNoWAL, false},
		{"no-wal-encoded", 0, DurabilityNoWAL, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const batch = 64
			es := benchBlocks(b, 1, b.N)
			s := benchOpen(b, Config{StoreBytes: bc.budget, Durability: bc.durability})
			put := s.PutBatch
			if bc.encoded {
				put = s.PutBatchEncoded
			}
			b.SetBytes(keys.CHKBlockSize)
			b.ResetTimer()
			for i := 0; i < len(es); i += batch {
				if err := put(es[i:min(i+batch, len(es))], RegionStore); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.db.Flush(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st := s.Stats()
			b.ReportMetric(st.WriteAmp, "write-amp")
			b.ReportMetric(float64(st.Store.Evictions), "evictions")
		})
	}
}

// BenchmarkPutDurable measures single Puts that each wait for an fsync.
func BenchmarkPutDurable(b *testing.B) {
	es := benchBlocks(b, 2, b.N)
	s := benchOpen(b, Config{Durability: DurabilityWALSync})
	b.SetBytes(keys.CHKBlockSize)
	b.ResetTimer()
	for i := range es {
		if err := s.Put(es[i].Key, es[i].Block, RegionStore); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutDurableParallel measures durable Puts from several goroutines,
// which share fsyncs (group commit).
func BenchmarkPutDurableParallel(b *testing.B) {
	es := benchBlocks(b, 3, b.N)
	s := benchOpen(b, Config{Durability: DurabilityWALSync})
	b.SetBytes(keys.CHKBlockSize)
	b.SetParallelism(8)
	var next sync.Mutex
	i := 0
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			e := es[i]
			i++
			next.Unlock()
			if err := s.Put(e.Key, e.Block, RegionStore); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// getSet is the working set for the Get benchmarks: 1024 blocks (32 MiB),
// which fit in the block cache.
const getSet = 1024

func benchGetStore(b *testing.B) (*Store, []Entry) {
	es := benchBlocks(b, 4, getSet)
	s := benchOpen(b, Config{})
	for i := 0; i < len(es); i += 64 {
		if err := s.PutBatch(es[i:i+64], RegionStore); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	// Warm the block cache.
	for _, e := range es {
		if _, err := s.Get(e.Key); err != nil {
			b.Fatal(err)
		}
	}
	return s, es
}

// BenchmarkGetWarm measures verified Gets of blocks in the block cache from
// one goroutine, with a reused buffer.
func BenchmarkGetWarm(b *testing.B) {
	s, es := benchGetStore(b)
	buf := make([]byte, 0, keys.CHKBlockSize)
	b.SetBytes(keys.CHKBlockSize)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var err error
		buf, err = s.GetInto(buf[:0], es[i%len(es)].Key)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "blocks/s")
}

// BenchmarkGetWarmParallel is BenchmarkGetWarm from GOMAXPROCS goroutines.
func BenchmarkGetWarmParallel(b *testing.B) {
	s, es := benchGetStore(b)
	b.SetBytes(keys.CHKBlockSize)
	b.ResetTimer()
	start := time.Now()
	var seed sync.Mutex
	n := 0
	b.RunParallel(func(pb *testing.PB) {
		seed.Lock()
		i := n * 7919
		n++
		seed.Unlock()
		buf := make([]byte, 0, keys.CHKBlockSize)
		for pb.Next() {
			var err error
			buf, err = s.GetInto(buf[:0], es[i%len(es)].Key)
			if err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "blocks/s")
}

// BenchmarkGetMiss measures Gets of absent keys (bloom filters).
func BenchmarkGetMiss(b *testing.B) {
	s, _ := benchGetStore(b)
	missing := benchBlocks(b, 5, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Get(missing[i%len(missing)].Key); err != ErrNotFound {
			b.Fatal(err)
		}
	}
}
