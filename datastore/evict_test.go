package datastore

import (
	"testing"

	"github.com/hamsnet/hams/keys"
)

// With a 1 MiB budget a generation is 16 KiB, shorter than one CHK block, so
// the approximate LRU is exact and the eviction order can be checked.
func TestEvictionLRU(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{StoreBytes: 1 << 20, CacheBytes: 1 << 20, MemTableBytes: 4 << 20}
	s := openTest(t, dir, cfg)
	fit := int((1 << 20) / keys.CHKBlockSize) // 31
	es := chkBlocks(t, 20, fit+12)
	for _, e := range es[:fit] {
		mustPut(t, s, e, RegionStore)
	}
	if st := s.Stats(); st.Store.Evictions != 0 || st.Store.Blocks != int64(fit) {
		t.Fatalf("stats %+v", st.Store)
	}
	mustGet(t, s, es[0])              // block 0 becomes the most recent
	mustPut(t, s, es[1], RegionStore) // so does block 1 (identical Put)
	// Fill the cache too: it has its own budget.
	for _, e := range chkBlocks(t, 21, fit+5) {
		mustPut(t, s, e, RegionCache)
	}
	for _, e := range es[fit : fit+10] {
		mustPut(t, s, e, RegionStore)
	}
	st := s.Stats()
	if st.Store.Evictions != 10 || st.Store.Blocks != int64(fit) || st.Store.Bytes > st.Store.Budget {
		t.Fatalf("store stats %+v", st.Store)
	}
	if st.Cache.Evictions != 5 || st.Cache.Blocks != int64(fit) {
		t.Fatalf("cache stats %+v", st.Cache)
	}
	if st.Touches != 2 {
		t.Fatalf("touches %d", st.Touches)
	}
	present := func(i int) bool {
		ok, err := s.Has(es[i].Key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := 0; i < fit+10; i++ {
		want := i < 2 || i >= 12
		if present(i) != want {
			t.Fatalf("block %d present=%v, want %v", i, !want, want)
		}
	}

	// The order survives a restart: the next victims are 12 and 13.
	s.Close()
	s = openTest(t, dir, cfg)
	mustPut(t, s, es[fit+10], RegionStore)
	mustPut(t, s, es[fit+11], RegionStore)
	for i := 0; i < fit+12; i++ {
		want := i < 2 || i >= 14
		if present(i) != want {
			t.Fatalf("after reopen: block %d present=%v, want %v", i, !want, want)
		}
	}
}

// A Get of a fresh block writes nothing.
func TestGetDoesNotWriteFresh(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{MemTableBytes: 4 << 20})
	es := chkBlocks(t, 22, 4)
	if err := s.PutBatch(es, RegionCache); err != nil {
		t.Fatal(err)
	}
	seq := s.db.Metrics().WAL.BytesIn
	for i := 0; i < 100; i++ {
		mustGet(t, s, es[i%len(es)])
	}
	if got := s.db.Metrics().WAL.BytesIn; got != seq || s.Stats().Touches != 0 {
		t.Fatalf("Gets wrote %d WAL bytes", got-seq)
	}
}

// Eviction runs at Open when the budget shrank, and in bulk for a batch.
func TestEvictionBatchAndShrink(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Config{StoreBytes: 4 << 20, MemTableBytes: 4 << 20})
	es := chkBlocks(t, 23, 200)
	for i := 0; i < len(es); i += 50 {
		if err := s.PutBatch(es[i:i+50], RegionStore); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats().Store
	if st.Bytes > 4<<20 || st.Blocks != int64((4<<20)/keys.CHKBlockSize) || st.Evictions != uint64(200-st.Blocks) {
		t.Fatalf("stats %+v", st)
	}
	// A generation is 1/64 of the budget (two blocks here), and blocks of one
	// generation go in key order, so one block at the boundary may differ.
	// Has does not refresh recency (Get would).
	for _, e := range es[len(es)-int(st.Blocks)+1:] {
		if ok, err := s.Has(e.Key); !ok || err != nil {
			t.Fatalf("Has = %v, %v", ok, err)
		}
	}
	s.Close()
	s = openTest(t, dir, Config{StoreBytes: 1 << 20, MemTableBytes: 4 << 20})
	st = s.Stats().Store
	if st.Bytes > 1<<20 || st.Blocks != int64((1<<20)/keys.CHKBlockSize) {
		t.Fatalf("after shrink %+v", st)
	}
	for _, e := range es[len(es)-int(st.Blocks)+1:] {
		mustGet(t, s, e)
	}
}
