//go:build linux

package datastore

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tmpfs"
)

// Disk-full tests. Those named TestDiskFull* mount a small tmpfs, which
// needs root: CI runs them as root; elsewhere they are skipped. The
// TestSpace* tests fake the file system's figures and run anywhere.

// fakeClock is an injectable clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// logRecorder is a slog.Handler that keeps the messages.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	msg := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	l.mu.Lock()
	l.msgs = append(l.msgs, msg)
	l.mu.Unlock()
	return nil
}

// count returns how many messages contain s.
func (l *logRecorder) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

// Sizes of the tmpfs tests: a 64 MiB file system, an 8 MiB reserve (so the
// cache stops below 16 MiB free and everything below 8 MiB), a 2 MiB
// ballast and 1 MiB memtables.
const (
	tmpfsSize    = 64 << 20
	testReserve  = 8 << 20
	testBallast  = 2 << 20
	testMemTable = 1 << 20
)

func diskFullConfig(clock *fakeClock, logs *logRecorder) Config {
	return Config{
		StoreBytes:          256 << 20,
		CacheBytes:          32 << 20,
		Durability:          DurabilityNoWAL,
		MemTableBytes:       testMemTable,
		BlockCacheBytes:     1 << 20,
		ScrubBytesPerSecond: -1,
		ReserveBytes:        testReserve,
		BallastBytes:        testBallast,
		Now:                 clock.Now,
		Logger:              slog.New(logs),
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wantDiskFull(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, ErrDiskFull) || CodeOf(err) != CodeDiskFull {
		t.Fatalf("%s: error %v, want ErrDiskFull", what, err)
	}
	if !strings.HasPrefix(err.Error(), "datastore: disk full: ") {
		t.Fatalf("%s: error %q does not start with \"datastore: disk full: \"", what, err)
	}
}

// countFiles returns the number of entries in dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestDiskFullRefusesNewBlocks fills a store on a 64 MiB tmpfs with CHK
// blocks until it refuses one: the refusal is immediate and typed, the
// file system never runs out (Pebble never sees ENOSPC), Sync works, every
// accepted block reads back, a block already stored is still accepted, and
// Pebble logs nothing.
func TestDiskFullRefusesNewBlocks(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	dir := filepath.Join(mnt, "store")
	s := openTest(t, dir, diskFullConfig(clock, logs))
	es := chkBlocks(t, 1, 2100) // 69 MB: more than the file system
	var stored []Entry
	var refused error
	var refusedIn time.Duration
	for i, e := range es {
		t0 := time.Now()
		err := s.Put(e.Key, e.Block, RegionStore)
		if err != nil {
			refused, refusedIn = err, time.Since(t0)
			break
		}
		stored = append(stored, e)
		if i%64 == 63 {
			if err := s.Sync(); err != nil {
				t.Fatalf("Sync after %d blocks: %v", i+1, err)
			}
		}
	}
	wantDiskFull(t, refused, "Put on a full disk")
	if refusedIn > time.Second {
		t.Errorf("the refused Put took %v, want at once", refusedIn)
	}
	if len(stored) < 1400 {
		t.Errorf("only %d blocks (%d MiB) stored before the refusal", len(stored), len(stored)*32776>>20)
	}
	t.Logf("%d blocks stored, then refused in %v: %v", len(stored), refusedIn, refused)

	t0 := time.Now()
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync when full: %v", err)
	}
	t.Logf("Sync when full: %v", time.Since(t0))
	avail, _, _ := diskSpace(mnt)
	if avail < testReserve/2 {
		t.Errorf("%d bytes free after the Sync: the reserve was not kept", avail)
	}
	st := s.Stats()
	if st.Space != "full" || st.DiskFullRefusals != 1 || st.ReserveBytes != testReserve {
		t.Errorf("stats: space %q, refusals %d, reserve %d", st.Space, st.DiskFullRefusals, st.ReserveBytes)
	}

	// Reads keep working.
	for _, e := range stored {
		mustGet(t, s, e)
	}
	// A block already stored is accepted; new ones in a batch or for the
	// cache are not, and nothing of them is written.
	mustPut(t, s, stored[0], RegionStore)
	next := es[len(stored)+1 : len(stored)+3]
	wantDiskFull(t, s.PutBatch(next, RegionStore), "PutBatch")
	wantDiskFull(t, s.Put(next[0].Key, next[0].Block, RegionCache), "Put to the cache")
	if ok, _ := s.Has(next[0].Key); ok {
		t.Fatal("a refused block was written")
	}
	// Deletes still work.
	if err := s.Delete(stored[1].Key); err != nil {
		t.Fatalf("Delete when full: %v", err)
	}
	if n := logs.count("pebble"); n > 0 {
		t.Errorf("Pebble logged %d errors:\n%s", n, logs)
	}
	if n, m := logs.count("datastore: disk space low"), logs.count("datastore: disk full: refusing new blocks"); n != 1 || m != 1 {
		t.Errorf("%d disk-low and %d disk-full log lines, want 1 and 1:\n%s", n, m, logs)
	}
}

// TestDiskFullEvictsCacheFirst: below twice the reserve the cache refuses
// new blocks and is evicted, while the store region still takes them; only
// when evicting the whole cache does not restore the reserve are new store
// blocks refused. Store blocks are never evicted for space.
func TestDiskFullEvictsCacheFirst(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	s := openTest(t, filepath.Join(mnt, "store"), diskFullConfig(clock, logs))
	es := chkBlocks(t, 2, 400)
	cache, store, spare := es[:320], es[320:352], es[352:]
	for i := 0; i < len(cache); i += 32 {
		if err := s.PutBatch(cache[i:i+32], RegionCache); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBatch(store, RegionStore); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}

	// Between the reserve and twice the reserve.
	tmpfs.LeaveFree(t, mnt, 12<<20)
	clock.Advance(2 * time.Second)
	// The cache put comes first: the check it makes refuses it at once,
	// while the eviction it starts runs in the background (a put after
	// that could find the space back).
	err := s.Put(spare[1].Key, spare[1].Block, RegionCache)
	wantDiskFull(t, err, "Put to the cache below twice the reserve")
	if !strings.Contains(err.Error(), "twice the reserve") {
		t.Errorf("error %q does not say why", err)
	}
	mustPut(t, s, spare[0], RegionStore)
	waitFor(t, "the cache to be evicted back above twice the reserve", func() bool { return s.Stats().Space == "ok" })
	st := s.Stats()
	if st.Cache.Evictions == 0 || st.Store.Evictions != 0 || st.Store.Blocks != int64(len(store)+1) {
		t.Fatalf("after reclaiming: cache %+v, store %+v", st.Cache, st.Store)
	}
	t.Logf("evicted %d of %d cache blocks; %s free", st.Cache.Evictions, len(cache), fmtBytes(st.FreeBytes))
	mustPut(t, s, spare[2], RegionCache)
	mustPut(t, s, spare[3], RegionStore)

	// Below the reserve, more than the cache can give back.
	tmpfs.LeaveFree(t, mnt, 1<<20)
	clock.Advance(2 * time.Second)
	wantDiskFull(t, s.Put(spare[4].Key, spare[4].Block, RegionStore), "Put to the store below the reserve")
	waitFor(t, "the whole cache to be evicted", func() bool { return s.Stats().Cache.Blocks == 0 })
	clock.Advance(2 * time.Second)
	wantDiskFull(t, s.Put(spare[5].Key, spare[5].Block, RegionStore), "Put to the store with the cache gone")
	st = s.Stats()
	if st.Store.Evictions != 0 || st.Store.Blocks != int64(len(store)+2) {
		t.Fatalf("store region %+v: store blocks were evicted for space", st.Store)
	}
	for _, e := range append(store, spare[0], spare[3]) {
		mustGet(t, s, e)
	}
}

// TestDiskFullLogsOncePerMinute: three minutes (on the injected clock) of
// refused writes, one a second, log "disk full" three times; freeing space
// logs one recovery line.
func TestDiskFullLogsOncePerMinute(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	s := openTest(t, filepath.Join(mnt, "store"), diskFullConfig(clock, logs))
	es := chkBlocks(t, 3, 181)
	tmpfs.LeaveFree(t, mnt, testReserve/2)
	clock.Advance(2 * time.Second)
	for _, e := range es[:180] {
		wantDiskFull(t, s.Put(e.Key, e.Block, RegionStore), "Put")
		clock.Advance(time.Second)
	}
	if n := logs.count("disk full"); n != 3 {
		t.Errorf("%d disk-full lines in 3 minutes, want 3:\n%s", n, logs)
	}
	// The first line comes as the store finds the disk full, before the
	// refusal; the next ones count the refusals since the previous line.
	if n := logs.count("refused=60"); n != 1 {
		t.Errorf("%d lines counting 60 refusals since the previous one, want 1:\n%s", n, logs)
	}
	tmpfs.FreeAll(t, mnt)
	clock.Advance(2 * time.Second)
	mustPut(t, s, es[180], RegionStore)
	if n := logs.count("disk space recovered"); n != 1 {
		t.Errorf("%d recovery lines, want 1:\n%s", n, logs)
	}
}

// TestDiskFullRecovers: a store refusing blocks takes them again as soon as
// space is freed, without any call but the next Put.
func TestDiskFullRecovers(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	s := openTest(t, filepath.Join(mnt, "store"), diskFullConfig(clock, logs))
	es := chkBlocks(t, 4, 4)
	mustPut(t, s, es[0], RegionStore)
	tmpfs.LeaveFree(t, mnt, testReserve-(1<<20))
	clock.Advance(2 * time.Second)
	wantDiskFull(t, s.Put(es[1].Key, es[1].Block, RegionStore), "Put")
	// Just above the reserve is not enough (hysteresis): no flapping.
	tmpfs.LeaveFree(t, mnt, testReserve+(1<<20))
	clock.Advance(2 * time.Second)
	wantDiskFull(t, s.Put(es[1].Key, es[1].Block, RegionStore), "Put just above the reserve")
	tmpfs.LeaveFree(t, mnt, 3*testReserve)
	clock.Advance(2 * time.Second)
	mustPut(t, s, es[1], RegionStore)
	mustPut(t, s, es[2], RegionCache)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Space != "ok" {
		t.Fatalf("space %q after freeing", st.Space)
	}
	for _, e := range es[:3] {
		mustGet(t, s, e)
	}
}

// TestDiskFullOutOfSpace: another program fills the file system to the
// last byte while blocks wait in the memtable. Sync reports ErrDiskFull at
// once instead of hanging, writes are refused, reads work, Close does not
// hang; when space returns the store recovers by itself and the blocks are
// flushed. Without a ballast; see TestDiskFullBallast for the ballast.
func TestDiskFullOutOfSpace(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	cfg.BallastBytes = -1
	dir := filepath.Join(mnt, "store")
	s := openTest(t, dir, cfg)
	es := chkBlocks(t, 5, 32)
	for _, e := range es[:30] {
		mustPut(t, s, e, RegionStore)
	}
	tmpfs.LeaveFree(t, mnt, 0)
	t0 := time.Now()
	wantDiskFull(t, s.Sync(), "Sync with the file system full")
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Sync took %v, want at once", d)
	}
	if st := s.Stats(); st.Space != "out of space" {
		t.Fatalf("space %q, want out of space", st.Space)
	}
	wantDiskFull(t, s.Put(es[30].Key, es[30].Block, RegionStore), "Put")
	wantDiskFull(t, s.Delete(es[0].Key), "Delete")
	for _, e := range es[:30] {
		mustGet(t, s, e)
	}
	tmpfs.FreeAll(t, mnt)
	waitFor(t, "recovery", func() bool { return s.Stats().Space == "ok" })
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync after recovery: %v", err)
	}
	mustPut(t, s, es[30], RegionStore)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := logs.count("pebble"); n > 0 {
		t.Errorf("Pebble logged %d errors:\n%s", n, logs)
	}
	s = openTest(t, dir, cfg)
	for _, e := range es[:31] {
		mustGet(t, s, e)
	}
}

// TestDiskFullNoRetryStorm: while the file system is out of space, Pebble
// must not retry its flush in a loop creating files (it did ~15,000 times a
// minute, leaving an empty blob file each time). The gate that holds flushes
// back is shortened to 20 ms, so 2 s of refused writes and syncs stand for
// 100 of its 30 s rounds (50 minutes at the real rate): the directory must
// not grow, Pebble must log nothing, and Close must not hang.
func TestDiskFullNoRetryStorm(t *testing.T) {
	defer func(d time.Duration) { gateWait = d }(gateWait)
	gateWait = 20 * time.Millisecond
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	cfg.BallastBytes = -1
	dir := filepath.Join(mnt, "store")
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	es := chkBlocks(t, 6, 64)
	for _, e := range es[:30] {
		mustPut(t, s, e, RegionStore)
	}
	tmpfs.LeaveFree(t, mnt, 0)
	wantDiskFull(t, s.Sync(), "Sync")
	files := countFiles(t, dir)
	end := time.Now().Add(2 * time.Second)
	for i := 30; time.Now().Before(end); i++ {
		e := es[30+i%30]
		wantDiskFull(t, s.Put(e.Key, e.Block, RegionStore), "Put")
		wantDiskFull(t, s.Sync(), "Sync")
		time.Sleep(10 * time.Millisecond)
	}
	after := countFiles(t, dir)
	gated := s.space.gated.Load()
	t.Logf("files %d -> %d; %d flush attempts held back", files, after, gated)
	if after > files+1 {
		t.Errorf("the store directory grew from %d to %d files", files, after)
	}
	if gated < 10 {
		t.Errorf("only %d flush attempts were held back: is Pebble retrying?", gated)
	}
	if n := logs.count("pebble"); n > 0 {
		t.Errorf("Pebble logged %d lines:\n%s", n, logs)
	}
	if n := logs.count("disk full"); n != 1 {
		t.Errorf("%d disk-full lines, want 1:\n%s", n, logs)
	}
	t0 := time.Now()
	if err := s.Close(); err == nil || !errors.Is(err, ErrDiskFull) {
		t.Errorf("Close with unflushed blocks on a full disk: %v, want a disk-full error", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// TestDiskFullBallast: when another program fills the file system while a
// flush is under way, the ballast is given up so that the flush completes
// (Pebble treats a failed MANIFEST write as fatal); the store then refuses
// writes and is closed on the full disk. The blocks survive, and the
// ballast is back once space is.
func TestDiskFullBallast(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	dir := filepath.Join(mnt, "store")
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.BallastBytes != testBallast {
		t.Fatalf("ballast %d bytes, want %d", st.BallastBytes, testBallast)
	}
	es := chkBlocks(t, 7, 31)
	for _, e := range es[:30] {
		mustPut(t, s, e, RegionStore)
	}
	tmpfs.LeaveFree(t, mnt, 0)
	err = s.Sync()
	st := s.Stats()
	t.Logf("Sync: %v; space %q, ballast %d", err, st.Space, st.BallastBytes)
	if st.Space != "out of space" || st.BallastBytes != 0 {
		t.Fatalf("space %q, ballast %d: want out of space, ballast used", st.Space, st.BallastBytes)
	}
	waitFor(t, "the flush to end", func() bool { return walBytes(dir) == 0 && s.db.Metrics().Flush.Count > 0 })
	if err := s.Close(); err != nil && !errors.Is(err, ErrDiskFull) {
		t.Fatal(err)
	}
	tmpfs.FreeAll(t, mnt)
	s = openTest(t, dir, cfg)
	for _, e := range es[:30] {
		mustGet(t, s, e)
	}
	if st := s.Stats(); st.BallastBytes != testBallast {
		t.Fatalf("ballast %d bytes after reopening with space, want %d", st.BallastBytes, testBallast)
	}
}

// TestDiskFullOpen: a store opened below its reserve opens read-only (no
// panic, no Pebble write): reads work, writes are refused, and it becomes
// writable by itself when space returns. A new store cannot be created on
// a full disk: Open says so.
func TestDiskFullOpen(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	for _, mode := range []Durability{DurabilityNoWAL, DurabilityWAL} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg.Durability = mode
			dir := filepath.Join(mnt, mode.String())
			es := chkBlocks(t, 8, 41)
			s := openTest(t, dir, cfg)
			for _, e := range es[:40] {
				mustPut(t, s, e, RegionStore)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tmpfs.LeaveFree(t, mnt, 0)
			before := countFiles(t, dir)
			s = openTest(t, dir, cfg)
			st := s.Stats()
			if st.Space != "read-only" || st.Store.Blocks != 40 {
				t.Fatalf("opened on a full disk: space %q, %d blocks", st.Space, st.Store.Blocks)
			}
			for _, e := range es[:40] {
				mustGet(t, s, e)
			}
			err := s.Put(es[40].Key, es[40].Block, RegionStore)
			wantDiskFull(t, err, "Put when read-only")
			if !strings.Contains(err.Error(), "read-only") {
				t.Errorf("error %q does not say read-only", err)
			}
			mustPut(t, s, es[0], RegionStore) // already stored
			wantDiskFull(t, s.Delete(es[0].Key), "Delete when read-only")
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
			if after := countFiles(t, dir); after != before {
				t.Errorf("%d files in the store before a read-only Open, %d after", before, after)
			}
			if logs.count("opened read-only") == 0 {
				t.Errorf("nothing logged:\n%s", logs)
			}
			tmpfs.FreeAll(t, mnt)
			waitFor(t, "the store to reopen read-write", func() bool { return s.Stats().Space == "ok" })
			mustPut(t, s, es[40], RegionStore)
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				mustGet(t, s, e)
			}
		})
	}

	tmpfs.LeaveFree(t, mnt, 1<<20)
	_, err := Open(filepath.Join(mnt, "new"), cfg)
	wantDiskFull(t, err, "Open of a new store on a full disk")
	if !strings.Contains(err.Error(), "cannot create the store") {
		t.Errorf("error %q", err)
	}
}

// TestSpaceStates checks the thresholds, the hysteresis and the messages
// with faked file-system figures (no tmpfs, no root).
func TestSpaceStates(t *testing.T) {
	var avail atomic.Int64
	avail.Store(100 << 20)
	testStatfs = func(string) (uint64, uint64, error) { return uint64(avail.Load()), 1 << 30, nil }
	defer func() { testStatfs = nil }()
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	cfg.BallastBytes = -1
	s := openTest(t, t.TempDir(), cfg)
	es := chkBlocks(t, 9, 12)
	i := 0
	put := func(r Region) error {
		e := es[i]
		i++
		err := s.Put(e.Key, e.Block, r)
		if err == nil {
			err = s.Sync() // keep the memtable empty: headroom = avail
		}
		return err
	}
	set := func(mib float64) {
		avail.Store(int64(mib * (1 << 20)))
		clock.Advance(2 * time.Second)
	}
	steps := []struct {
		free         float64
		store, cache bool // accepted
		space        string
	}{
		{100, true, true, "ok"},
		{15, true, false, "low"},    // below 2R = 16
		{17, true, false, "low"},    // above 2R, below 2R + hysteresis (2)
		{7, false, false, "full"},   // below R = 8
		{9, false, false, "full"},   // hysteresis
		{11, true, false, "low"},    // above R + hysteresis
		{18.5, true, true, "ok"},    // above 2R + hysteresis
		{0.5, false, false, "full"}, // and back
	}
	for _, st := range steps {
		set(st.free)
		for _, c := range []struct {
			r    Region
			want bool
		}{{RegionStore, st.store}, {RegionCache, st.cache}} {
			if i >= len(es) {
				t.Fatal("too few blocks")
			}
			err := put(c.r)
			if c.want && err != nil || !c.want && !errors.Is(err, ErrDiskFull) {
				t.Fatalf("%.1f MiB free: Put to %s: %v", st.free, c.r, err)
			}
			if !c.want {
				i-- // reuse the refused block
			}
		}
		if got := s.Stats().Space; got != st.space {
			t.Fatalf("%.1f MiB free: space %q, want %q", st.free, got, st.space)
		}
	}
	err := s.Put(es[i].Key, es[i].Block, RegionStore)
	if want := "datastore: disk full: 512.0 KiB free on "; err == nil || !strings.HasPrefix(err.Error(), want) ||
		!strings.HasSuffix(err.Error(), ", below the reserve of 8.0 MiB") {
		t.Fatalf("error %q, want %q…", err, want)
	}
	// The clock moved 2 s a step: low at 15 MiB and full at 7 (worse) are
	// logged, then the recovery at 18.5; full again at 0.5, within the
	// minute of the last warning, is not.
	if n, m := logs.count("WARN"), logs.count("recovered"); n != 2 || m != 1 {
		t.Errorf("%d warnings and %d recovery lines, want 2 and 1:\n%s", n, m, logs)
	}
}

func TestDefaultReserve(t *testing.T) {
	for _, c := range []struct {
		total uint64
		want  int64
	}{
		{64 << 20, 64 << 20},
		{1 << 30, 64 << 20},
		{10 << 30, 10 << 30 / 50},
		{100 << 30, 2 << 30},
		{1 << 40, 4 << 30},
	} {
		if got := DefaultReserve(c.total); got != c.want {
			t.Errorf("DefaultReserve(%d) = %d, want %d", c.total, got, c.want)
		}
	}
	if err := (Config{BallastBytes: MaxBallastBytes + 1}).Validate(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Validate of a huge ballast: %v", err)
	}
}

// TestDiskFullCloseWhileOutOfSpace: Close does not wait for a flush held
// back until space returns; the blocks not yet flushed are lost, as in a
// crash, and Close says so.
func TestDiskFullCloseWhileOutOfSpace(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	cfg.BallastBytes = -1
	s, err := Open(filepath.Join(mnt, "store"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range chkBlocks(t, 10, 30) {
		mustPut(t, s, e, RegionStore)
	}
	tmpfs.LeaveFree(t, mnt, 0)
	wantDiskFull(t, s.Sync(), "Sync")
	t0 := time.Now()
	wantDiskFull(t, s.Close(), "Close")
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// TestDiskFullShrinkStore: a store that filled its disk down to the reserve
// is reopened with a smaller budget. It opens read-write (above a quarter of
// the reserve), evicts down to the budget and gives the space back by
// itself, then takes new blocks.
func TestDiskFullShrinkStore(t *testing.T) {
	mnt := tmpfs.Mount(t, tmpfsSize)
	clock, logs := newFakeClock(), &logRecorder{}
	cfg := diskFullConfig(clock, logs)
	dir := filepath.Join(mnt, "store")
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	es := chkBlocks(t, 11, 2100)
	n := 0
	for ; n < len(es); n += 32 {
		if err := s.PutBatch(es[n:n+32], RegionStore); err != nil {
			wantDiskFull(t, err, "PutBatch")
			break
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.StoreBytes = 16 << 20
	s = openTest(t, dir, cfg)
	// Reopened read-write: "full" at first, then "low" and "ok" as the
	// shrink to 16 MiB evicts in the background, which may already have
	// freed space by the time Stats looks.
	if st := s.Stats(); st.Space != "full" && st.Space != "low" && st.Space != "ok" {
		t.Fatalf("reopened with %s free: space %q, want read-write (full, then low and ok)", fmtBytes(st.FreeBytes), st.Space)
	}
	waitFor(t, "the space of the evicted blocks", func() bool { return s.Stats().Space == "ok" })
	st := s.Stats()
	t.Logf("%d blocks stored; after shrinking to 16 MiB: %d blocks, %s free", n, st.Store.Blocks, fmtBytes(st.FreeBytes))
	if st.Store.Bytes > cfg.StoreBytes || st.FreeBytes < 2*testReserve {
		t.Fatalf("store %+v, %d bytes free", st.Store, st.FreeBytes)
	}
	mustPut(t, s, es[len(es)-1], RegionStore)
}
