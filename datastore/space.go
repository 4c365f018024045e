package datastore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hamsnet/hams/keys"
)

// Disk space (see docs/datastore.md, "Disk full").
//
// Pebble v2.1.7 does not survive a full disk: a failed flush is retried at
// once, for ever (18,000 times a minute on a 64 MiB tmpfs, each leaving an
// empty blob file behind), DB.Flush waits for it for ever, and a failed
// MANIFEST or WAL write is fatal (Logger.Fatalf). So the Store keeps Pebble
// away from ENOSPC:
//
//   - a reserve of free space (Config.ReserveBytes): below twice the reserve
//     the cache region takes no new blocks and is evicted; below the reserve
//     no new block is written. The free space is statfs's, less what the
//     memtables will need when flushed, less what was written since;
//   - should the file system run out anyway (another program filled it), an
//     emergency ballast file is deleted so that Pebble can finish the write
//     that failed (vfs.OnDiskFull retries it once), and the Store stops
//     writing altogether; flushes and compactions are held back (the gate
//     below) instead of spinning, and Sync reports ErrDiskFull instead of
//     waiting;
//   - a Store opened below a quarter of the reserve opens Pebble read-only,
//     and reopens it read-write once there is room; between that and the
//     reserve it opens read-write, refusing new blocks.
//
// A goroutine checks the space every second while it is short, evicts the
// cache, logs the condition once a minute and lifts it when space returns.

// Disk-space defaults.
const (
	// DefaultReserveMinBytes is the smallest default reserve: 64 MiB, room
	// for two default memtables' worth of flushes and compactions of keys.
	DefaultReserveMinBytes = 64 << 20
	// DefaultReserveMaxBytes caps the default reserve at 4 GiB: Pebble's own
	// needs are bounded by its memtables, so beyond that the reserve is only
	// courtesy to the rest of the system.
	DefaultReserveMaxBytes = 4 << 30
	// DefaultReservePercent is the default reserve as a share of the file
	// system: 2 %.
	DefaultReservePercent = 2
	// MaxBallastBytes is the largest Config.BallastBytes.
	MaxBallastBytes = 1 << 30
	// BallastName is the emergency file in the store's directory.
	BallastName = "EMERGENCY-BALLAST"
)

// DefaultReserve returns the default Config.ReserveBytes for a file system
// of total bytes: 2 % of it, at least 64 MiB and at most 4 GiB.
func DefaultReserve(total uint64) int64 {
	r := int64(min(total/100*DefaultReservePercent, DefaultReserveMaxBytes))
	return max(r, DefaultReserveMinBytes)
}

// Timing of the space checks.
var (
	// spaceCheckInterval is how often the free space is checked while it is
	// short, and the longest a writer uses figures without a new statfs.
	spaceCheckInterval = time.Second
	// spaceLogInterval is the least time between two disk-full log lines.
	spaceLogInterval = time.Minute
	// gateWait is the longest Pebble's flushes and compactions are held
	// back while the file system is out of space: each then fails once (an
	// error Pebble retries), so they fail at most twice a minute.
	gateWait = 30 * time.Second
)

// spaceMode is the Store's disk-space state, in increasing severity.
type spaceMode uint32

const (
	spaceOK spaceMode = iota
	// spaceLow: below twice the reserve. The cache region takes no new
	// blocks and is evicted.
	spaceLow
	// spaceFull: below the reserve. No new blocks; deletes, evictions and
	// touches still go through (they are tiny).
	spaceFull
	// spaceENOSPC: the file system returned ENOSPC. Nothing is committed to
	// Pebble, and Pebble's new sstables and blob files are held back.
	spaceENOSPC
	// spaceReadOnly: Pebble is open read-only (the disk was full at Open).
	spaceReadOnly
)

var spaceModeNames = [...]string{
	spaceOK:       "ok",
	spaceLow:      "low",
	spaceFull:     "full",
	spaceENOSPC:   "out of space",
	spaceReadOnly: "read-only",
}

func (m spaceMode) String() string {
	if int(m) < len(spaceModeNames) {
		return spaceModeNames[m]
	}
	return fmt.Sprintf("mode(%d)", uint32(m))
}

// statfsFunc returns the bytes available to unprivileged users and the total
// size of the file system holding dir.
type statfsFunc func(dir string) (avail, total uint64, err error)

// testStatfs, when set by a test, replaces the file system's figures.
var testStatfs statfsFunc

// space holds the Store's disk-space figures and state.
type space struct {
	dir          string
	reserve      int64 // 0: no reserve
	hyst         int64 // hysteresis on leaving a state
	refreshBytes int64 // bytes written between two statfs
	ballastSize  int64 // 0: no ballast
	ballastPath  string
	now          func() time.Time
	statfs       statfsFunc
	store        *Store

	mode      atomic.Uint32
	refreshMu sync.Mutex
	avail     atomic.Int64  // statfs at the last refresh
	pending   atomic.Int64  // Store.unflushed at the last refresh
	base      atomic.Uint64 // Store.committed at the last refresh
	last      atomic.Int64  // now() at the last refresh, UnixNano
	refused   atomic.Uint64 // writes refused with ErrDiskFull
	evicted   atomic.Bool   // blocks were evicted since the last reclaim
	gated     atomic.Uint64 // Pebble file creations refused by the gate
	ballastOK atomic.Bool   // the ballast file is in place

	chMu     sync.Mutex
	enospcCh chan struct{} // closed when spaceENOSPC begins
	clearCh  chan struct{} // closed when spaceENOSPC ends
	closing  chan struct{} // closed by Close before Pebble's
	closeMu  sync.Once

	logMu       sync.Mutex
	lastLog     time.Time
	loggedMode  spaceMode // of the last warning
	logged      bool      // a warning was logged and no recovery line since
	loggedCount uint64    // refused at the last warning

	wake   chan struct{}
	stopCh chan struct{}
	stopMu sync.Once
	wg     sync.WaitGroup
}

// init measures the file system and resolves the defaults.
func (sp *space) init(s *Store, dir string, cfg Config) {
	sp.store = s
	sp.dir = dir
	sp.now = cfg.Now
	sp.statfs = diskSpace
	if testStatfs != nil {
		sp.statfs = testStatfs
	}
	sp.enospcCh = make(chan struct{})
	sp.clearCh = make(chan struct{})
	close(sp.clearCh)
	sp.closing = make(chan struct{})
	sp.wake = make(chan struct{}, 1)
	sp.stopCh = make(chan struct{})
	sp.ballastPath = filepath.Join(dir, BallastName)

	avail, total, err := sp.statfs(dir)
	if err != nil {
		cfg.Logger.Warn("datastore: cannot measure free space; no disk-full protection", "dir", dir, "err", err.Error())
		return
	}
	sp.avail.Store(int64(avail))
	sp.last.Store(sp.now().UnixNano())
	switch {
	case cfg.ReserveBytes > 0:
		sp.reserve = cfg.ReserveBytes
	case cfg.ReserveBytes == 0:
		sp.reserve = DefaultReserve(total)
	}
	sp.hyst = max(sp.reserve/4, 1<<20)
	sp.refreshBytes = min(max(sp.reserve/4, 1<<20), 64<<20)
	switch {
	case cfg.BallastBytes > 0:
		sp.ballastSize = cfg.BallastBytes
	case cfg.BallastBytes == 0:
		sp.ballastSize = cfg.MemTableBytes
		if sp.reserve > 0 {
			sp.ballastSize = min(sp.ballastSize, sp.reserve/2)
		}
	}
	if fi, err := os.Stat(sp.ballastPath); err == nil && fi.Size() >= sp.ballastSize && sp.ballastSize > 0 {
		sp.ballastOK.Store(true)
	}
}

func (sp *space) getMode() spaceMode { return spaceMode(sp.mode.Load()) }

// openFloor is the headroom below which Open opens Pebble read-only: a
// quarter of the reserve, at least 4 MiB (and at most the reserve). Above
// it a read-write Open is safe (it writes a MANIFEST and flushes what it
// replays), and the store can evict blocks down to a smaller budget.
func (sp *space) openFloor() int64 {
	return min(sp.reserve, max(sp.reserve/4, 4<<20))
}

// noWrites reports whether nothing may be committed to Pebble.
func (sp *space) noWrites() bool { return sp.getMode() >= spaceENOSPC }

// ballastMissing returns the bytes the ballast needs to be recreated.
func (sp *space) ballastMissing() int64 {
	if sp.ballastSize > 0 && !sp.ballastOK.Load() {
		return sp.ballastSize
	}
	return 0
}

// flushed accounts n bytes of memtables flushed (Pebble's FlushEnd).
// Pebble counts a memtable's index too, so the count is kept from going
// below zero.
func (s *Store) flushed(n int64) {
	for {
		cur := s.unflushed.Load()
		if s.unflushed.CompareAndSwap(cur, max(cur-n, 0)) {
			return
		}
	}
}

// headroom is the free space left above what the memtables need when they
// are flushed, as of the last refresh, less what was written since.
func (sp *space) headroom() int64 {
	since := int64(sp.store.committed.Load() - sp.base.Load())
	return sp.avail.Load() - sp.pending.Load() - since
}

// due reports whether the figures are older than spaceCheckInterval or
// refreshBytes have been written since.
func (sp *space) due() bool {
	if int64(sp.store.committed.Load()-sp.base.Load()) >= sp.refreshBytes {
		return true
	}
	return sp.now().UnixNano()-sp.last.Load() >= int64(spaceCheckInterval)
}

// next returns the state for headroom h, leaving a state only when h clears
// its threshold by the hysteresis.
func (sp *space) next(cur spaceMode, h int64) spaceMode {
	r := sp.reserve
	if r <= 0 {
		return spaceOK
	}
	switch {
	case h < r || (cur >= spaceFull && h < r+sp.hyst):
		return spaceFull
	case h < 2*r || (cur >= spaceLow && h < 2*r+sp.hyst):
		return spaceLow
	}
	return spaceOK
}

// Accepting reports whether the Store takes new blocks into region r, as
// of its last look at the file system (docs/datastore.md §9): a cheap check
// for a caller that would rather send a block elsewhere than have it
// refused.
func (s *Store) Accepting(r Region) bool {
	m := s.space.getMode()
	return m == spaceOK || (m == spaceLow && r == RegionStore)
}

// admit returns nil if a new block may be written to region r, or the
// reason it may not. It refreshes the space figures when they are due. The
// caller holds enter().
func (s *Store) admit(r Region) *Error {
	sp := &s.space
	m := sp.getMode()
	if m < spaceENOSPC && sp.reserve > 0 && sp.due() {
		s.refreshSpace(false)
		m = sp.getMode()
	}
	if m == spaceOK || (m == spaceLow && r == RegionStore) {
		return nil
	}
	return sp.fullError(m, r)
}

// fullError describes why a write is refused in state m, for example
// "3.1 MiB free on DIR, below the reserve of 64.0 MiB".
func (sp *space) fullError(m spaceMode, r Region) *Error {
	free := fmt.Sprintf("%s free on %s", fmtBytes(sp.avail.Load()), sp.dir)
	if buffered := sp.avail.Load() - sp.headroom(); buffered > 0 && (m == spaceLow || m == spaceFull) {
		free += fmt.Sprintf(", %s of it needed by writes not yet flushed", fmtBytes(buffered))
	}
	reserve := fmtBytes(sp.reserve)
	var msg string
	switch m {
	case spaceReadOnly:
		msg = fmt.Sprintf("read-only since open: %s, below the reserve of %s", free, reserve)
	case spaceENOSPC:
		msg = fmt.Sprintf("the file system of %s ran out of space (%s free); writes resume when %s are free",
			sp.dir, fmtBytes(sp.avail.Load()), fmtBytes(max(sp.reserve, 0)+sp.hyst+sp.ballastMissing()))
	case spaceLow:
		msg = fmt.Sprintf("%s, below twice the reserve of %s: the %s region takes no new blocks", free, reserve, r)
	default:
		msg = fmt.Sprintf("%s, below the reserve of %s", free, reserve)
	}
	return newError(CodeDiskFull, msg, nil)
}

// refuse counts a refused write and returns its error. (The error names no
// key: which block was refused does not matter.)
func (s *Store) refuse(e *Error) *Error {
	s.space.refused.Add(1)
	s.logSpace()
	return e
}

// refreshSpace measures the file system, notes the writes not yet flushed
// and updates the state. Only the monitor (fromMonitor) leaves spaceENOSPC,
// recreating the ballast first.
func (s *Store) refreshSpace(fromMonitor bool) {
	sp := &s.space
	if fromMonitor {
		sp.refreshMu.Lock()
	} else if !sp.refreshMu.TryLock() {
		return // another writer is refreshing: use the current figures
	}
	defer sp.refreshMu.Unlock()
	committed := s.committed.Load()
	avail, _, err := sp.statfs(sp.dir)
	if err != nil {
		return
	}
	pending := s.unflushed.Load()
	sp.avail.Store(int64(avail))
	sp.pending.Store(pending)
	sp.base.Store(committed)
	sp.last.Store(sp.now().UnixNano())

	cur := sp.getMode()
	switch cur {
	case spaceReadOnly:
		return // the monitor reopens Pebble
	case spaceENOSPC:
		if !fromMonitor || sp.headroom() < max(sp.reserve, 0)+sp.hyst+sp.ballastMissing() {
			return
		}
		if sp.ballastMissing() > 0 && s.makeBallast() == nil {
			if a, _, err := sp.statfs(sp.dir); err == nil {
				sp.avail.Store(int64(a))
			}
		}
		s.leaveENOSPC(sp.next(spaceFull, sp.headroom()))
		return
	}
	s.setMode(cur, sp.next(cur, sp.headroom()))
}

// setMode moves from cur to m (below spaceENOSPC) and logs the change.
func (s *Store) setMode(cur, m spaceMode) {
	sp := &s.space
	if m == cur || !sp.mode.CompareAndSwap(uint32(cur), uint32(m)) {
		return
	}
	if m > cur {
		s.signalSpace() // the monitor evicts the cache and logs
	}
	s.logSpace()
}

// enterENOSPC switches to spaceENOSPC after the file system refused a
// write: Sync stops waiting for flushes and the gate holds Pebble back.
func (s *Store) enterENOSPC() {
	sp := &s.space
	sp.chMu.Lock()
	for {
		cur := sp.getMode()
		if cur >= spaceENOSPC {
			sp.chMu.Unlock()
			return
		}
		if sp.mode.CompareAndSwap(uint32(cur), uint32(spaceENOSPC)) {
			break
		}
	}
	close(sp.enospcCh)
	sp.clearCh = make(chan struct{})
	sp.chMu.Unlock()
	if avail, _, err := sp.statfs(sp.dir); err == nil {
		sp.avail.Store(int64(avail))
	}
	s.signalSpace()
	s.logSpace()
}

// leaveENOSPC ends spaceENOSPC, in state m, and releases the gate.
func (s *Store) leaveENOSPC(m spaceMode) {
	sp := &s.space
	sp.chMu.Lock()
	if !sp.mode.CompareAndSwap(uint32(spaceENOSPC), uint32(m)) {
		sp.chMu.Unlock()
		return
	}
	close(sp.clearCh)
	sp.enospcCh = make(chan struct{})
	sp.chMu.Unlock()
	s.logSpace()
}

// enospcSignal returns a channel closed when spaceENOSPC begins.
func (sp *space) enospcSignal() <-chan struct{} {
	sp.chMu.Lock()
	defer sp.chMu.Unlock()
	return sp.enospcCh
}

func (s *Store) signalSpace() {
	select {
	case s.space.wake <- struct{}{}:
	default:
	}
}

// logSpace logs the space condition: a warning at most once per
// spaceLogInterval while space is short (and at once when it gets worse
// after a warning), and one line when it is back after a warning. However
// the free space swings, that is at most a handful of lines a minute.
func (s *Store) logSpace() {
	sp := &s.space
	m := sp.getMode()
	sp.logMu.Lock()
	defer sp.logMu.Unlock()
	now := sp.now()
	attrs := []any{"dir", sp.dir, "free", fmtBytes(sp.avail.Load()), "reserve", fmtBytes(sp.reserve)}
	if m == spaceOK {
		if sp.logged {
			sp.logged = false
			s.cfg.Logger.Info("datastore: disk space recovered: accepting new blocks again", attrs...)
		}
		return
	}
	worse := sp.logged && m > sp.loggedMode
	if !worse && !sp.lastLog.IsZero() && now.Sub(sp.lastLog) < spaceLogInterval {
		return
	}
	sp.lastLog = now
	sp.loggedMode = m
	sp.logged = true
	refused := sp.refused.Load()
	attrs = append(attrs, "state", m.String(), "refused", refused-sp.loggedCount)
	sp.loggedCount = refused
	switch m {
	case spaceLow:
		s.cfg.Logger.Warn("datastore: disk space low: the cache takes no new blocks and is evicted", attrs...)
	case spaceReadOnly:
		s.cfg.Logger.Warn("datastore: disk full: opened read-only, refusing new blocks until there is room", attrs...)
	case spaceENOSPC:
		s.cfg.Logger.Warn("datastore: disk full: the file system is out of space, refusing all writes", attrs...)
	default:
		s.cfg.Logger.Warn("datastore: disk full: refusing new blocks", attrs...)
	}
}

// startSpace starts the monitor goroutine.
func (s *Store) startSpace() {
	sp := &s.space
	sp.wg.Add(1)
	go func() {
		defer sp.wg.Done()
		t := time.NewTicker(spaceCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-sp.stopCh:
				return
			case <-t.C:
			case <-sp.wake:
			}
			s.spaceTick()
		}
	}()
}

// stopSpace stops the monitor and waits for it. Idempotent.
func (sp *space) stopSpace() {
	sp.stopMu.Do(func() { close(sp.stopCh) })
	sp.wg.Wait()
}

// closeSpace releases anything waiting on the gate; Close calls it before
// closing Pebble.
func (sp *space) closeSpace() { sp.closeMu.Do(func() { close(sp.closing) }) }

// spaceTick is one round of the monitor: nothing while space is fine and
// the ballast in place; otherwise refresh, evict the cache, reopen
// read-write or recreate the ballast as needed, and log.
func (s *Store) spaceTick() {
	sp := &s.space
	m := sp.getMode()
	if m == spaceOK && sp.ballastMissing() == 0 {
		return
	}
	if m == spaceReadOnly {
		s.tryReopen()
		s.logSpace()
		return
	}
	if !s.enter() {
		return
	}
	defer s.exit()
	s.refreshSpace(true)
	m = sp.getMode()
	if m == spaceLow || m == spaceFull {
		s.reclaim()
		m = sp.getMode()
	}
	if m < spaceENOSPC && sp.ballastMissing() > 0 && sp.headroom() >= max(sp.reserve, 0)+sp.hyst+sp.ballastSize {
		if s.makeBallast() == nil {
			s.refreshSpace(true)
		}
	}
	s.logSpace()
}

// reclaim gives space back: it evicts the oldest cache blocks, as many
// bytes as the headroom is short of twice the reserve (plus the
// hysteresis), and after any eviction (of the cache here, or of either
// region for its budget, as after an Open with a smaller budget) compacts
// the blocks' key range so that Pebble deletes the blob files no longer
// referenced. Blob files that still hold live blocks give their space back
// only when Pebble rewrites them. The caller holds enter().
func (s *Store) reclaim() {
	sp := &s.space
	reg := &s.regions[RegionCache.idx()]
	if need := 2*sp.reserve + sp.hyst - sp.headroom(); need > 0 && reg.bytes.Load() > 0 {
		reg.evictMu.Lock()
		var freed int64
		for freed < need {
			n, got, err := s.evictSome(RegionCache, need-freed)
			if err != nil {
				s.cfg.Logger.Error("datastore: evicting the cache for space", "err", err.Error())
				break
			}
			if n == 0 {
				break
			}
			freed += got
		}
		reg.evictMu.Unlock()
	}
	if !sp.evicted.Swap(false) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-sp.stopCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := s.db.Compact(ctx, []byte{prefixData}, []byte{prefixData + 1}, false); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("datastore: compacting evicted blocks", "err", err.Error())
	}
	s.refreshSpace(true)
}

// makeBallast creates (or completes) the ballast file.
func (s *Store) makeBallast() error {
	sp := &s.space
	if sp.ballastSize <= 0 {
		return nil
	}
	err := allocateFile(sp.ballastPath, sp.ballastSize)
	if err != nil {
		os.Remove(sp.ballastPath)
		return err
	}
	sp.ballastOK.Store(true)
	return nil
}

// onDiskFull is called by Pebble's vfs.OnDiskFull, with Pebble's writes
// blocked, when the file system returned ENOSPC: it frees the ballast, so
// the write that failed can be retried, and stops the Store's writes.
func (s *Store) onDiskFull() {
	sp := &s.space
	if sp.ballastSize > 0 && os.Remove(sp.ballastPath) == nil {
		sp.ballastOK.Store(false)
	}
	s.enterENOSPC()
}

// tryReopen reopens a read-only Pebble read-write once the headroom is
// above openFloor by the hysteresis; the state is then set from the
// headroom as usual.
func (s *Store) tryReopen() {
	sp := &s.space
	avail, _, err := sp.statfs(sp.dir)
	if err != nil {
		return
	}
	sp.avail.Store(int64(avail))
	if int64(avail)-walBytes(sp.dir) < sp.openFloor()+sp.hyst {
		return
	}
	s.reopenWritable()
}

// reopenWritable replaces the read-only Pebble with a read-write one, with
// every other call waiting. If that fails the Store stays read-only.
func (s *Store) reopenWritable() {
	sp := &s.space
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return
	}
	if err := s.db.Close(); err != nil {
		s.cfg.Logger.Error("datastore: closing read-only pebble", "err", errString(err))
	}
	db, err := s.openPebble(false)
	ro := err != nil
	if ro {
		s.cfg.Logger.Warn("datastore: still cannot open read-write", "err", errString(err))
		if db, err = s.openPebble(true); err != nil {
			s.cfg.Logger.Error("datastore: cannot reopen pebble; the store is closed", "err", errString(err))
			s.closed = true
			s.cache.Unref()
			s.closeMu.Unlock()
			return
		}
	}
	s.db = db
	for i := range s.regions {
		s.regions[i].blocks.Store(0)
		s.regions[i].bytes.Store(0)
	}
	if err := s.loadCounters(); err != nil {
		s.cfg.Logger.Error("datastore: counting blocks after reopening", "err", err.Error())
	}
	if !ro {
		sp.base.Store(s.committed.Load())
		sp.pending.Store(0)
		sp.mode.Store(uint32(spaceFull))
		if sp.ballastMissing() > 0 {
			_ = s.makeBallast()
		}
	}
	s.closeMu.Unlock()
	if ro {
		return
	}
	s.bg.start(s)
	if s.cfg.Durability == DurabilityNoWAL {
		s.flusher.start(s, s.cfg.FlushInterval)
	}
	if s.enter() {
		s.refreshSpace(true)
		s.exit()
	}
	s.maybeEvict(RegionStore)
	s.maybeEvict(RegionCache)
}

// openPebble opens Pebble in the store's directory.
func (s *Store) openPebble(readOnly bool) (*pebble.DB, error) {
	fs := gateFS{FS: vfs.OnDiskFull(vfs.Default, s.onDiskFull), sp: &s.space}
	opts := s.cfg.pebbleOptions(s.cache, s.el, pebbleLogger{s.cfg.Logger}, s.blobRewritesEnabled, fs)
	if readOnly {
		opts.ReadOnly = true
		opts.ErrorIfNotExists = true
	}
	if testPebbleOptions != nil {
		testPebbleOptions(opts)
	}
	return pebble.Open(s.dir, opts)
}

// flushWait flushes the memtable and waits for it, unless the file system
// runs out of space meanwhile (the flush then waits for space, and the
// caller gets ErrDiskFull at once) or the Store closes.
func (s *Store) flushWait() error {
	sp := &s.space
	full := sp.enospcSignal()
	if sp.noWrites() {
		return sp.fullError(sp.getMode(), RegionStore)
	}
	done, err := s.db.AsyncFlush()
	if err != nil {
		return commitError(nil, err)
	}
	select {
	case <-done:
		return nil
	case <-full:
		return sp.fullError(spaceENOSPC, RegionStore)
	case <-sp.closing:
		return ErrClosed
	}
}

// gateFS holds back the creation of sstables and blob files (flushes and
// compactions) while the file system is out of space: Pebble retries a
// failed flush at once and for ever, and each attempt left an empty blob
// file. A held-back creation proceeds when space returns, or fails after
// gateWait (Pebble retries it, so twice a minute) or when the Store closes.
type gateFS struct {
	vfs.FS
	sp *space
}

func (g gateFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob") {
		if err := g.sp.gate(name); err != nil {
			return nil, err
		}
	}
	return g.FS.Create(name, category)
}

func (g gateFS) Unwrap() vfs.FS { return g.FS }

// gate waits while the file system is out of space (see gateFS).
func (sp *space) gate(name string) error {
	if sp.getMode() != spaceENOSPC {
		return nil
	}
	sp.chMu.Lock()
	clear := sp.clearCh
	sp.chMu.Unlock()
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case <-clear:
		return nil
	case <-t.C:
	case <-sp.closing:
	}
	if sp.getMode() != spaceENOSPC {
		return nil
	}
	sp.gated.Add(1)
	return &os.PathError{Op: "create", Path: name, Err: errGated}
}

// errGated is the error of a creation held back by the gate. It matches
// syscall.ENOSPC.
var errGated = gatedError{}

type gatedError struct{}

func (gatedError) Error() string {
	return "no space left on device (datastore: held back until space returns)"
}

func (gatedError) Is(target error) bool { return target == syscall.ENOSPC }

// isENOSPC reports whether err is the file system being out of space.
func isENOSPC(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// commitError turns a failed Pebble write into an *Error: CodeDiskFull for
// ENOSPC, CodeIO otherwise. rk may be nil.
func commitError(rk *keys.RoutingKey, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	code := CodeIO
	if isENOSPC(err) {
		code = CodeDiskFull
	}
	if rk != nil {
		return keyError(code, *rk, "commit", err)
	}
	return newError(code, "commit", err)
}

// walBytes sums the sizes of the WAL files in dir (a read-write Open replays
// and then flushes them).
func walBytes(dir string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".log") {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
	}
	return n
}

// fmtBytes formats n bytes for people: "512 B", "3.1 MiB".
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= unit
		if f < unit && f > -unit || u == "TiB" {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// writeZeros writes size zero bytes to f from its start.
func writeZeros(f *os.File, size int64) error {
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		n := min(int64(len(buf)), size-off)
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
	}
	return nil
}
