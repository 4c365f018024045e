package datastore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hamsnet/hams/keys"
)

// putRaw is the test hook that stores block under rk without verification:
// bytes that are valid to Pebble but wrong for the key.
func (s *Store) putRaw(t testing.TB, rk keys.RoutingKey, block []byte, r Region) {
	t.Helper()
	b := s.db.NewBatch()
	defer b.Close()
	var d delta
	s.planInsert(b, &rk, block, r, &d)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	s.apply(&d)
}

// flipInFiles flips one bit in the middle of the only copy of block in the
// sstable and blob files of dir, and returns the file's name. Compression is
// off, so the ciphertext is stored verbatim.
func flipInFiles(t *testing.T, dir string, block []byte) string {
	t.Helper()
	probe := block[len(block)/2 : len(block)/2+64]
	var hit string
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sst") && !strings.HasSuffix(name, ".blob") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(data, probe)
		if i < 0 {
			continue
		}
		if hit != "" || bytes.Contains(data[i+1:], probe) {
			t.Fatalf("block stored more than once (%s, %s)", hit, name)
		}
		hit = name
		data[i+32] ^= 0x10
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if hit == "" {
		t.Fatal("block bytes not found in any sstable or blob file")
	}
	return hit
}

// writeAndCorrupt stores es, flushes them to files, closes the store and
// flips a bit in es[victim].
func writeAndCorrupt(t *testing.T, dir string, cfg Config, es []Entry, victim int) {
	t.Helper()
	s := openTest(t, dir, cfg)
	if err := s.PutBatch(es, RegionStore); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	name := flipInFiles(t, dir, es[victim].Block)
	t.Logf("flipped a bit of block %d in %s", victim, name)
}

// withoutOpenScrub skips the background scrub at Open for the rest of the
// test, so that the test decides who finds a corrupt block first.
func withoutOpenScrub(t *testing.T) {
	testSkipOpenScrub = true
	t.Cleanup(func() { testSkipOpenScrub = false })
}

// compactAll runs a full manual compaction with a deadline, proving that the
// corrupt file does not wedge Pebble.
func compactAll(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.db.Compact(ctx, []byte{0}, []byte{0xff}, true); err != nil {
		t.Fatalf("compaction after corruption: %v", err)
	}
}

func TestCorruptionOnDiskDetectedByGet(t *testing.T) {
	withoutOpenScrub(t)
	dir := t.TempDir()
	cfg := Config{MemTableBytes: 4 << 20}
	es := chkBlocks(t, 30, 20)
	const victim = 7
	writeAndCorrupt(t, dir, cfg, es, victim)

	s := openTest(t, dir, cfg)
	_, err := s.Get(es[victim].Key)
	wantCode(t, err, ErrCorrupt)
	wantCode(t, err, ErrNotFound)
	if !pebble.IsCorruptionError(err) {
		t.Fatalf("cause is not Pebble's checksum failure: %v", err)
	}
	st := s.Stats()
	if st.Corruptions != 1 || st.Misses != 1 || st.Store.Blocks != int64(len(es)-1) {
		t.Fatalf("stats %+v", st)
	}
	if ok, _ := s.Has(es[victim].Key); ok {
		t.Fatal("corrupt block still indexed")
	}
	_, err = s.Get(es[victim].Key)
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("second Get: %v", err)
	}
	for i, e := range es {
		if i != victim {
			mustGet(t, s, e)
		}
	}
	compactAll(t, s)
	res, err := s.Scrub(context.Background())
	if err != nil || res.Checked != len(es)-1 || res.Corrupt != 0 {
		t.Fatalf("scrub %+v, %v", res, err)
	}
	s.Close()

	// Still healthy after a restart; the block can be stored again.
	s = openTest(t, dir, cfg)
	for i, e := range es {
		if i != victim {
			mustGet(t, s, e)
		}
	}
	mustPut(t, s, es[victim], RegionStore)
	mustGet(t, s, es[victim])
	compactAll(t, s)
	if st := s.Stats(); st.Corruptions != 0 || st.Store.Blocks != int64(len(es)) {
		t.Fatalf("stats after restart %+v", st)
	}
}

// A compaction may meet the corrupt file before any Get does; then Scrub
// (run in the background when Pebble reports corruption) finds the block.
func TestCorruptionOnDiskCompactedFirst(t *testing.T) {
	withoutOpenScrub(t)
	dir := t.TempDir()
	cfg := Config{MemTableBytes: 4 << 20}
	es := chkBlocks(t, 31, 20)
	const victim = 12
	writeAndCorrupt(t, dir, cfg, es, victim)

	s := openTest(t, dir, cfg)
	compactAll(t, s)
	res, err := s.Scrub(context.Background())
	if err != nil || res.Corrupt != 1 || res.Checked != len(es) {
		t.Fatalf("scrub %+v, %v", res, err)
	}
	if ok, _ := s.Has(es[victim].Key); ok {
		t.Fatal("scrub kept the corrupt block")
	}
	compactAll(t, s)
	for i, e := range es {
		if i != victim {
			mustGet(t, s, e)
		}
	}
	if st := s.Stats(); st.Corruptions != 1 || st.Store.Blocks != int64(len(es)-1) {
		t.Fatalf("stats %+v", st)
	}
}

// Bytes that Pebble stores faithfully but that do not match the key are
// caught by verification on Get, on Put and by Scrub.
func TestCorruptionPebbleValid(t *testing.T) {
	withoutOpenScrub(t)
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 32, 4)
	for _, e := range es[:3] {
		bad := bytes.Clone(e.Block)
		bad[100] ^= 1
		s.putRaw(t, e.Key, bad, RegionCache)
	}
	mustPut(t, s, es[3], RegionCache)
	if st := s.Stats(); st.Cache.Blocks != 4 {
		t.Fatalf("stats %+v", st)
	}

	// Get: detected, deleted, counted, not returned.
	got, err := s.Get(es[0].Key)
	wantCode(t, err, ErrCorrupt)
	if got != nil {
		t.Fatal("corrupt bytes returned")
	}
	if ok, _ := s.Has(es[0].Key); ok {
		t.Fatal("corrupt block kept")
	}
	// Put of the valid block replaces a corrupt one instead of colliding.
	mustPut(t, s, es[1], RegionStore)
	mustGet(t, s, es[1])
	// Scrub finds the last one.
	res, err := s.Scrub(context.Background())
	if err != nil || res.Corrupt != 1 || res.Checked != 3 {
		t.Fatalf("scrub %+v, %v", res, err)
	}
	_, err = s.Get(es[2].Key)
	wantCode(t, err, ErrNotFound)
	mustGet(t, s, es[3])
	st := s.Stats()
	if st.Corruptions != 3 || st.Collisions != 0 || st.Cache.Blocks != 1 || st.Store.Blocks != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// An index entry without its block (as a crash-free repair might leave) is
// reported as a miss and cleaned up; a block without an index entry is
// removed by Scrub.
func TestInconsistentEntries(t *testing.T) {
	withoutOpenScrub(t)
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 33, 3)
	for _, e := range es {
		mustPut(t, s, e, RegionStore)
	}
	if err := s.db.Delete(dataKey(&es[0].Key), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Delete(metaKey(&es[1].Key), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get(es[0].Key)
	wantCode(t, err, ErrNotFound)
	if ok, _ := s.Has(es[0].Key); ok {
		t.Fatal("dangling index entry kept")
	}
	res, err := s.Scrub(context.Background())
	if err != nil || res.Orphans != 1 || res.Checked != 2 {
		t.Fatalf("scrub %+v, %v", res, err)
	}
	if _, closer, err := s.db.Get(dataKey(&es[1].Key)); err == nil {
		closer.Close()
		t.Fatal("orphan block kept")
	}
	mustGet(t, s, es[2])
}

// Pebble's corruption report from a background job schedules a scrub.
func TestBackgroundScrub(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 34, 2)
	mustPut(t, s, es[0], RegionStore)
	bad := bytes.Clone(es[1].Block)
	bad[7] ^= 1
	s.putRaw(t, es[1].Key, bad, RegionStore)
	s.bg.mu.Lock()
	s.bg.minInterval = 0
	s.bg.mu.Unlock()
	s.eventListener().BackgroundError(pebble.ErrCorruption)
	// The scrub counts the corrupt block before it deletes it: wait for
	// both.
	deadline := time.Now().Add(10 * time.Second)
	for {
		kept, _ := s.Has(es[1].Key)
		if s.Stats().Corruptions > 0 && !kept {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("background scrub did not drop the corrupt block: %d corruptions counted, block kept %v", s.Stats().Corruptions, kept)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustGet(t, s, es[0])
}

// Pebble's blob-file rewrite copies the live values of a blob file that is
// mostly garbage; in v2.1.7 it panics if one of them is corrupt (pebble#5127).
// The Store keeps rewrites off until the corrupt block, found by Get or by
// the scrub after Open, has been dropped and its key range compacted; then a
// rewrite runs and succeeds.
func TestCorruptionThenBlobRewrite(t *testing.T) {
	t.Run("dropped-by-get", func(t *testing.T) {
		withoutOpenScrub(t)
		testCorruptionThenBlobRewrite(t, true)
	})
	t.Run("dropped-by-scrub", func(t *testing.T) { testCorruptionThenBlobRewrite(t, false) })
}

func testCorruptionThenBlobRewrite(t *testing.T, getFirst bool) {
	dir := t.TempDir()
	cfg := Config{MemTableBytes: 4 << 20}
	es := chkBlocks(t, 35, 20)
	const victim = 3
	writeAndCorrupt(t, dir, cfg, es, victim)

	rewrites := make(chan error, 16)
	testPebbleOptions = func(o *pebble.Options) {
		gated := o.Experimental.ValueSeparationPolicy
		o.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
			p := gated()
			p.RewriteMinimumAge = time.Millisecond
			if p.TargetGarbageRatio < 1 { // rewrites enabled by the Store
				p.TargetGarbageRatio = 0.05
			}
			return p
		}
		tee := pebble.TeeEventListener(*o.EventListener, pebble.EventListener{
			BlobFileRewriteEnd: func(info pebble.BlobFileRewriteInfo) {
				select {
				case rewrites <- info.Err:
				default:
				}
			},
		})
		o.EventListener = &tee
	}
	defer func() { testPebbleOptions = nil }()
	s := openTest(t, dir, cfg)
	if getFirst {
		_, err := s.Get(es[victim].Key)
		wantCode(t, err, ErrCorrupt)
	}
	for i := 10; i < 20; i++ { // make the blob file mostly garbage
		if err := s.Delete(es[i].Key); err != nil {
			t.Fatal(err)
		}
	}
	compactAll(t, s)
	// Wait for the Store to re-enable rewrites, then give Pebble a reason to
	// pick compactions (in service, every flush does).
	deadline := time.Now().Add(20 * time.Second)
	for !s.blobRewritesEnabled() {
		if time.Now().After(deadline) {
			t.Fatal("blob rewrites not re-enabled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustPut(t, s, es[10], RegionCache)
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-rewrites:
		if err != nil {
			t.Fatalf("blob rewrite failed: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no blob rewrite")
	}
	for i := 0; i < 10; i++ {
		if i != victim {
			mustGet(t, s, es[i])
		}
	}
	if ok, _ := s.Has(es[victim].Key); ok {
		t.Fatal("corrupt block kept")
	}
	if st := s.Stats(); st.Corruptions != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A corrupt blob-file footer makes Pebble v2.1.7 panic in the reader
// (pebble#5127); the Store recovers, reports the blocks as corrupt and keeps
// serving blocks from other files.
func TestCorruptBlobFooter(t *testing.T) {
	withoutOpenScrub(t)
	dir := t.TempDir()
	cfg := Config{MemTableBytes: 4 << 20}
	s := openTest(t, dir, cfg)
	first := chkBlocks(t, 36, 5)
	if err := s.PutBatch(first, RegionStore); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "*.blob"))
	if len(blobs) != 1 {
		t.Fatalf("blob files %v", blobs)
	}
	second := chkBlocks(t, 37, 5)
	if err := s.PutBatch(second, RegionStore); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(blobs[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-20] ^= 0xff // inside the footer
	if err := os.WriteFile(blobs[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir, cfg)
	for _, e := range first {
		_, err := s.Get(e.Key)
		wantCode(t, err, ErrCorrupt)
	}
	for _, e := range second {
		mustGet(t, s, e)
	}
	if st := s.Stats(); st.Corruptions != uint64(len(first)) || s.blobPanics.Load() == 0 {
		t.Fatalf("stats %+v, recovered panics %d", st, s.blobPanics.Load())
	}
	compactAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// waitRepaired waits until the background repair has nothing left to do.
func waitRepaired(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.bg.mu.Lock()
		idle := len(s.bg.quarantines) == 0 && !s.bg.scrubWanted && len(s.bg.pending) == 0 && s.bg.rewritesOK.Load()
		s.bg.mu.Unlock()
		if idle {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("background repair did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A corrupt sstable block (keys, not block bytes) would make every
// compaction of its table fail. The Store quarantines the table: it excises
// the table's span and writes back what it can read. Blocks whose keys were
// in the unreadable range are lost; everything else keeps working.
func TestCorruptSSTable(t *testing.T) {
	withoutOpenScrub(t)
	dir := t.TempDir()
	cfg := Config{MemTableBytes: 4 << 20}
	es := chkBlocks(t, 38, 300)
	s := openTest(t, dir, cfg)
	for i := 0; i < len(es); i += 100 {
		if err := s.PutBatch(es[i:i+100], RegionStore); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	ssts, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(ssts) < 2 {
		t.Fatalf("sstables %v", ssts)
	}
	data, err := os.ReadFile(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/4] ^= 0xff // in the first data blocks
	if err := os.WriteFile(ssts[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir, cfg)
	for _, e := range es { // meets the bad block; reports it to Pebble
		s.Has(e.Key)
		s.Get(e.Key)
	}
	waitRepaired(t, s)
	if s.Stats().PebbleCorruptionReports == 0 {
		t.Fatal("corruption not reported")
	}
	compactAll(t, s)
	good := 0
	for _, e := range es {
		got, err := s.Get(e.Key)
		switch {
		case err == nil:
			if !bytes.Equal(got, e.Block) {
				t.Fatal("wrong bytes")
			}
			good++
		case !errors.Is(err, ErrNotFound):
			t.Fatalf("Get: %v", err)
		}
	}
	st := s.Stats()
	t.Logf("%d of %d blocks survived; stats %+v", good, len(es), st)
	if good < len(es)/3 || st.Store.Blocks != int64(good) || st.Corruptions == 0 {
		t.Fatalf("%d blocks survive, stats %+v", good, st)
	}
	res, err := s.Scrub(context.Background())
	if err != nil || res.Corrupt != 0 || res.Checked != good {
		t.Fatalf("scrub %+v, %v", res, err)
	}
	// The store keeps working, and survives a restart.
	more := chkBlocks(t, 39, 10)
	if err := s.PutBatch(more, RegionCache); err != nil {
		t.Fatal(err)
	}
	compactAll(t, s)
	s.Close()
	s = openTest(t, dir, cfg)
	for _, e := range more {
		mustGet(t, s, e)
	}
	if st := s.Stats(); st.Store.Blocks != int64(good) || st.Cache.Blocks != int64(len(more)) {
		t.Fatalf("after restart %+v", st)
	}
}
