// Package datastore is the block store of a hams node: a Pebble database of
// verified blocks keyed by routing key, in two size-bounded regions.
//
// RegionStore holds the blocks the node is responsible for; RegionCache
// holds blocks that merely passed through. Each region has a byte budget and
// evicts an approximation of its least recently used blocks when over it. A
// block is stored once: a Put to RegionStore of a cached block promotes it.
//
// Every block is verified against its routing key (keys.VerifyBlock by
// default) when it is put and again whenever it is read. A block that fails,
// or that Pebble's checksums reject, is deleted, counted and never returned.
// A different valid block offered under a key already in use (an SSK signed
// twice) is refused with ErrCollision and the old block is kept.
//
// Config.Durability chooses when writes reach the disk: through Pebble's WAL
// (optionally fsynced before Put returns), or with no WAL for bulk ingest,
// flushed periodically and on Sync. All methods are safe for concurrent use; Close stops every
// goroutine the Store started.
//
// The Store keeps free space on its file system (Config.ReserveBytes): below
// twice the reserve the cache region takes no new blocks and is evicted;
// below the reserve new blocks are refused at once with ErrDiskFull while
// reads go on, and the Store accepts them again by itself when space
// returns. If the file system runs out anyway, or is full at Open, the Store
// stops writing (an emergency ballast file lets Pebble finish the write under
// way) or opens read-only, instead of letting Pebble spin or crash.
//
// docs/datastore.md describes the key schema, the eviction approximation,
// corruption handling (including the Pebble v2.1.7 bugs worked around here),
// the Pebble tuning, with benchmark numbers, and the disk-full handling.
//
// It imports only keys: it knows blocks and routing keys, never requests,
// peers or FCP.
package datastore
