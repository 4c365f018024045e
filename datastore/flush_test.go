package datastore

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestNoWALCloseAndSync checks that a DurabilityNoWAL store keeps what was
// written before Sync or Close across a reopen, and that Sync and Close
// flush (nothing else could have: the memtable is far from full and the
// periodic flush is an hour away).
func TestNoWALCloseAndSync(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Durability: DurabilityNoWAL, FlushInterval: time.Hour}
	s := openTest(t, dir, cfg)
	es := chkBlocks(t, 11, 8)
	if err := s.PutBatch(es[:4], RegionStore); err != nil {
		t.Fatal(err)
	}
	flushes := s.db.Metrics().Flush.Count
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := s.db.Metrics().Flush.Count; got != flushes+1 {
		t.Fatalf("Sync made %d flushes, want 1", got-flushes)
	}
	if err := s.Sync(); err != nil { // nothing new: no flush
		t.Fatal(err)
	}
	if got := s.db.Metrics().Flush.Count; got != flushes+1 {
		t.Fatalf("a second Sync with nothing written flushed again")
	}
	mustPut(t, s, es[4], RegionCache)
	if err := s.PutBatch(es[5:], RegionStore); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()
	if before.WriteAmp <= 0 {
		t.Fatalf("WriteAmp %v without a WAL", before.WriteAmp)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, cfg)
	for _, e := range es {
		mustGet(t, s, e)
	}
	after := s.Stats()
	if after.Store.Blocks != 7 || after.Cache.Blocks != 1 || after.Store.Bytes != before.Store.Bytes {
		t.Fatalf("before %+v after %+v", before, after)
	}
}

// TestNoWALPeriodicFlush checks that written blocks are flushed without a
// Sync, after FlushInterval.
func TestNoWALPeriodicFlush(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{Durability: DurabilityNoWAL, FlushInterval: 10 * time.Millisecond})
	flushes := s.db.Metrics().Flush.Count
	mustPut(t, s, chkBlocks(t, 12, 1)[0], RegionStore)
	deadline := time.Now().Add(10 * time.Second)
	for s.db.Metrics().Flush.Count == flushes {
		if time.Now().After(deadline) {
			t.Fatal("no flush within 10 s of a 10 ms FlushInterval")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPutBatchEncoded checks the unverified batch path: valid blocks are
// stored, sizes are still checked, and a wrong block that slips in is never
// returned by Get.
func TestPutBatchEncoded(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 13, 4)
	if err := s.PutBatchEncoded(es[:2], RegionStore); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, es[0])
	mustGet(t, s, es[1])

	err := s.PutBatchEncoded([]Entry{es[2], {Key: es[3].Key, Block: make([]byte, 1<<20)}}, RegionStore)
	wantCode(t, err, ErrInvalidBlock)
	var de *Error
	if !errors.As(err, &de) || de.Index != 1 {
		t.Fatalf("error %#v, want index 1", err)
	}
	if ok, _ := s.Has(es[2].Key); ok {
		t.Fatal("a batch with an oversized entry was partly written")
	}

	wrong := bytes.Clone(es[3].Block)
	wrong[100] ^= 1
	if err := s.PutBatchEncoded([]Entry{{Key: es[3].Key, Block: wrong}}, RegionStore); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(es[3].Key)
	if err == nil {
		t.Fatal("Get returned a block that does not verify")
	}
	if st := s.Stats(); st.Corruptions != 1 {
		t.Fatalf("corruptions %d, want 1", st.Corruptions)
	}
	if ok, _ := s.Has(es[3].Key); ok {
		t.Fatal("the wrong block was not dropped")
	}
}
