package datastore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hamsnet/hams/keys"
)

// Default sizes. See docs/datastore.md for the reasoning.
const (
	// DefaultStoreBytes is the default budget of RegionStore: 1 GiB, about
	// 32,000 CHK blocks. A node is useful to the network in proportion to its
	// store, and 1 GiB fits the smallest VPS or laptop; operators raise it.
	DefaultStoreBytes = 1 << 30
	// DefaultCacheBytes is the default budget of RegionCache: 256 MiB. The
	// cache only has to hold what passes through long enough to absorb
	// repeated requests for popular keys (a few minutes of traffic).
	DefaultCacheBytes = 256 << 20
	// DefaultMemTableBytes is the Pebble memtable size: 64 MiB. Larger
	// memtables mean fewer, larger flushes of 32 KiB values.
	DefaultMemTableBytes = 64 << 20
	// DefaultBlockCacheBytes is the Pebble block cache size: 64 MiB. It holds
	// the index keys (about 100 bytes per block) and recently read blocks.
	DefaultBlockCacheBytes = 64 << 20
	// DefaultMaxBlockSize is the largest block accepted: a CHK block.
	DefaultMaxBlockSize = keys.CHKBlockSize
	// DefaultScrubBytesPerSecond is the default background scrub rate: a
	// 1 GiB store is verified in 16 s after each Open.
	DefaultScrubBytesPerSecond = 64 << 20
	// DefaultFlushInterval is how often a DurabilityNoWAL store flushes its
	// memtable when it holds writes.
	DefaultFlushInterval = 30 * time.Second
	// MinRegionBytes is the smallest budget a region may have.
	MinRegionBytes = 1 << 20
)

// memTables is the number of memtables that may exist at once (one being
// filled, the others being flushed) before writes stall.
const memTables = 2

// pebbleCacheBytes is the size of Pebble's cache. Pebble charges its
// memtables to the block cache, so they are added to BlockCacheBytes.
func (c Config) pebbleCacheBytes() int64 {
	return c.BlockCacheBytes + memTables*c.MemTableBytes
}

// valueSeparationMinSize is the smallest value Pebble moves into blob files.
// SSK blocks (1176 bytes) and CHK blocks (32776 bytes) are both above it; the
// small index values are far below.
const valueSeparationMinSize = 1024

// Durability is when a Store's writes reach the disk. Touches on Get,
// eviction and the removal of corrupt blocks are never synced in any mode:
// losing them is harmless.
type Durability uint8

const (
	// DurabilityWAL (the default): every write is in Pebble's write-ahead
	// log (in the OS page cache) when it returns, so it survives a crash of
	// the process but not necessarily of the machine. Sync forces one fsync.
	DurabilityWAL Durability = iota
	// DurabilityWALSync: Put, PutBatch and Delete return only after the WAL
	// is fsynced (concurrent writers share fsyncs), so they survive a crash
	// of the machine.
	DurabilityWALSync
	// DurabilityNoWAL: there is no WAL. Writes live in the memtable until it
	// is flushed — when it fills, every FlushInterval, on Sync and on Close.
	// A crash of the process or the machine loses the writes since the last
	// flush, never more, and the store reopens consistent (as of that
	// flush). In exchange every block is written to disk once instead of
	// twice (WAL and blob file), which doubles bulk ingest. A caller that
	// must not lose a write calls Sync (a memtable flush) after it, as the
	// node does once per finished insert.
	DurabilityNoWAL
)

// String returns "wal", "wal-sync" or "no-wal".
func (d Durability) String() string {
	switch d {
	case DurabilityWAL:
		return "wal"
	case DurabilityWALSync:
		return "wal-sync"
	case DurabilityNoWAL:
		return "no-wal"
	}
	return fmt.Sprintf("durability(%d)", uint8(d))
}

// l0TargetFileBytes is the target size of L0 sstables (the sizes of deeper
// levels double from it). See pebbleOptions.
const l0TargetFileBytes = 64 << 20

// Config configures a Store. The zero Config is valid: every zero field takes
// its documented default.
type Config struct {
	// StoreBytes is the byte budget of RegionStore (sum of block lengths).
	// Default DefaultStoreBytes; at least MinRegionBytes.
	StoreBytes int64
	// CacheBytes is the byte budget of RegionCache. Default
	// DefaultCacheBytes; at least MinRegionBytes.
	CacheBytes int64

	// Durability says when writes reach the disk. The default,
	// DurabilityWAL, survives a crash of the process; DurabilityWALSync also
	// a crash of the machine; DurabilityNoWAL writes blocks once instead of
	// twice, for bulk ingest, and keeps only what was flushed. See the
	// constants.
	Durability Durability

	// FlushInterval, with DurabilityNoWAL only, is how often written blocks
	// are flushed to disk (when there are any), bounding what a crash
	// loses. Default DefaultFlushInterval.
	FlushInterval time.Duration

	// Verify checks a block against its routing key. Default keys.VerifyBlock.
	// It must be safe for concurrent use.
	Verify func(rk keys.RoutingKey, block []byte) error

	// MaxBlockSize is the largest block Put accepts. Default
	// DefaultMaxBlockSize (a CHK block).
	MaxBlockSize int

	// MemTableBytes is Pebble's memtable size. Default DefaultMemTableBytes.
	// Up to two memtables can be in memory at once.
	MemTableBytes int64
	// BlockCacheBytes is the size of Pebble's block cache. Default
	// DefaultBlockCacheBytes. (Pebble charges memtables to the same cache;
	// the Store adds room for them, so this is what is left for blocks.)
	BlockCacheBytes int64

	// ScrubBytesPerSecond limits the background scrub that verifies every
	// block after Open (and after Pebble reports corruption). Default
	// DefaultScrubBytesPerSecond; negative means unlimited.
	ScrubBytesPerSecond int64

	// Logger receives Pebble's error messages and corruption reports.
	// Default slog.Default(). Pebble's informational messages are dropped.
	Logger *slog.Logger

	// ReserveBytes is the free space the Store leaves on the file system of
	// its directory, beyond what its memtables need when they are flushed
	// (docs/datastore.md, "Disk full"). Below twice the reserve the cache
	// region takes no new blocks and gives back space; below the reserve no
	// new block is accepted (ErrDiskFull) while reads go on; the Store
	// accepts blocks again by itself when space returns. The free space is
	// checked at least every second and every ReserveBytes/4 bytes written.
	// Default (0): DefaultReserve of the file system's size, 2 % of it
	// between 64 MiB and 4 GiB. Negative: no reserve (the Store still
	// survives the file system running out of space, see BallastBytes).
	ReserveBytes int64
	// BallastBytes is the size of the emergency file the Store keeps in its
	// directory (EMERGENCY-BALLAST) and deletes if the file system runs out
	// of space anyway (another program filled it), so that Pebble can finish
	// the write in progress instead of crashing; it is recreated when space
	// returns. Default (0): MemTableBytes (room for the flush of a full
	// memtable), at most half the reserve: 64 MiB with the defaults, 16 MiB
	// in a node. Negative: no ballast. At most MaxBallastBytes.
	BallastBytes int64
	// Now returns the current time, for the disk-full log rate (one line a
	// minute) and the age of the free-space figures. Default time.Now.
	Now func() time.Time
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.StoreBytes == 0 {
		c.StoreBytes = DefaultStoreBytes
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.Verify == nil {
		c.Verify = keys.VerifyBlock
	}
	if c.MaxBlockSize == 0 {
		c.MaxBlockSize = DefaultMaxBlockSize
	}
	if c.MemTableBytes == 0 {
		c.MemTableBytes = DefaultMemTableBytes
	}
	if c.BlockCacheBytes == 0 {
		c.BlockCacheBytes = DefaultBlockCacheBytes
	}
	if c.ScrubBytesPerSecond == 0 {
		c.ScrubBytesPerSecond = DefaultScrubBytesPerSecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports whether c, after defaults are applied, is usable. The
// error is an *Error of code CodeInvalidArgument.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return newError(CodeInvalidArgument, "config: "+fmt.Sprintf(format, args...), nil)
	}
	switch {
	case c.StoreBytes < MinRegionBytes:
		return bad("StoreBytes %d is below the minimum %d", c.StoreBytes, MinRegionBytes)
	case c.CacheBytes < MinRegionBytes:
		return bad("CacheBytes %d is below the minimum %d", c.CacheBytes, MinRegionBytes)
	case c.MaxBlockSize < 1 || c.MaxBlockSize > 1<<20:
		return bad("MaxBlockSize %d is outside [1, 1 MiB]", c.MaxBlockSize)
	case c.MemTableBytes < 1<<20 || c.MemTableBytes > 1<<30:
		return bad("MemTableBytes %d is outside [1 MiB, 1 GiB]", c.MemTableBytes)
	case c.BlockCacheBytes < 0:
		return bad("BlockCacheBytes %d is negative", c.BlockCacheBytes)
	case c.Durability > DurabilityNoWAL:
		return bad("unknown Durability %d", uint8(c.Durability))
	case c.FlushInterval < 0:
		return bad("FlushInterval %v is negative", c.FlushInterval)
	case c.BallastBytes > MaxBallastBytes:
		return bad("BallastBytes %d is above the maximum %d", c.BallastBytes, MaxBallastBytes)
	}
	return nil
}

// pebbleOptions returns the tuned Pebble options. The values are 32 KiB
// incompressible ciphertext, so:
//   - compression is off (it would cost CPU and save nothing);
//   - values of valueSeparationMinSize bytes or more live in blob files, so
//     compactions move only the small keys and blob references, not the
//     blocks (write amplification falls from ~10 to ~2-3);
//   - ordinary compactions never rewrite values (MaxBlobReferenceDepth is
//     high): only blob-file rewrites read blob values, and those are gated
//     by rewritesOK (see repair.go);
//   - memtables are large, so flushes write big blob files;
//   - L0 tables are large (l0TargetFileBytes): Pebble sizes a table with the
//     blob values it references, so its 2 MB default cut every memtable
//     flush into many small tables and blob files (512 MiB of blocks made
//     1,159 sstables and 328 blob files; with 64 MiB, 71 and 37, and ingest
//     ran 35 % faster);
//   - with DurabilityNoWAL there is no WAL;
//   - bloom filters make misses (the common case for a relay) cheap.
func (c Config) pebbleOptions(cache *pebble.Cache, el *pebble.EventListener, logger pebble.Logger, rewritesOK func() bool, fs vfs.FS) *pebble.Options {
	o := &pebble.Options{
		FS:                          fs,
		Cache:                       cache,
		FormatMajorVersion:          pebble.FormatValueSeparation,
		MemTableSize:                uint64(c.MemTableBytes),
		MemTableStopWritesThreshold: memTables,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       24,
		LBaseMaxBytes:               256 << 20,
		EventListener:               el,
		Logger:                      logger,
		DisableWAL:                  c.Durability == DurabilityNoWAL,
		FlushSplitBytes:             1 << 30,
	}
	o.TargetFileSizes[0] = l0TargetFileBytes
	o.Experimental.EnableColumnarBlocks = func() bool { return true }
	o.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
		p := pebble.ValueSeparationPolicy{
			Enabled:               true,
			MinimumSize:           valueSeparationMinSize,
			MaxBlobReferenceDepth: 1 << 16,
			RewriteMinimumAge:     5 * time.Minute,
			TargetGarbageRatio:    0.25,
		}
		if !rewritesOK() {
			p.TargetGarbageRatio = 1 // disables blob-file rewrites
		}
		return p
	}
	o.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		o.Levels[i].FilterType = pebble.TableFilter
	}
	return o
}
