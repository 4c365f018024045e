package datastore

import (
	"encoding/binary"

	"github.com/hamsnet/hams/keys"
)

// Key schema in Pebble (see docs/datastore.md):
//
//	'd' rk(32)                 -> block bytes (separated into blob files)
//	'm' rk(32)                 -> region(1) gen(8, big endian) size(4, big endian)
//	'l' region(1) gen(8) rk(32) -> size(4)   (eviction index, oldest first)
//
// The three keys of one block are always written and deleted in one batch.
const (
	prefixData = 'd'
	prefixMeta = 'm'
	prefixLRU  = 'l'

	dataKeyLen = 1 + keys.KeySize
	metaKeyLen = 1 + keys.KeySize
	lruKeyLen  = 1 + 1 + 8 + keys.KeySize
	metaValLen = 1 + 8 + 4
	lruValLen  = 4
)

// Region names one of the two parts of the datastore.
type Region uint8

const (
	// RegionStore holds the blocks this node is responsible for (inserts
	// routed to it because it is close to their location).
	RegionStore Region = 1
	// RegionCache holds blocks that merely passed through.
	RegionCache Region = 2
)

// String returns "store" or "cache".
func (r Region) String() string {
	switch r {
	case RegionStore:
		return "store"
	case RegionCache:
		return "cache"
	}
	return "region(invalid)"
}

func (r Region) valid() bool { return r == RegionStore || r == RegionCache }

// idx maps a valid region to 0 or 1.
func (r Region) idx() int { return int(r) - 1 }

// meta is the decoded value of an 'm' key.
type meta struct {
	region Region
	gen    uint64
	size   uint32
}

func dataKey(rk *keys.RoutingKey) []byte {
	k := make([]byte, dataKeyLen)
	k[0] = prefixData
	copy(k[1:], rk[:])
	return k
}

func metaKey(rk *keys.RoutingKey) []byte {
	k := make([]byte, metaKeyLen)
	k[0] = prefixMeta
	copy(k[1:], rk[:])
	return k
}

func lruKey(r Region, gen uint64, rk *keys.RoutingKey) []byte {
	k := make([]byte, lruKeyLen)
	k[0] = prefixLRU
	k[1] = byte(r)
	binary.BigEndian.PutUint64(k[2:10], gen)
	copy(k[10:], rk[:])
	return k
}

// lruRegionBounds returns the [lower, upper) bounds of region r's index.
func lruRegionBounds(r Region) (lower, upper []byte) {
	return []byte{prefixLRU, byte(r)}, []byte{prefixLRU, byte(r) + 1}
}

// lruGenLower returns the first possible index key of generation gen.
func lruGenLower(r Region, gen uint64) []byte {
	k := make([]byte, 10)
	k[0] = prefixLRU
	k[1] = byte(r)
	binary.BigEndian.PutUint64(k[2:10], gen)
	return k
}

// parseLRUKey decodes an index key; ok is false for anything malformed.
func parseLRUKey(k []byte) (r Region, gen uint64, rk keys.RoutingKey, ok bool) {
	if len(k) != lruKeyLen || k[0] != prefixLRU || !Region(k[1]).valid() {
		return 0, 0, rk, false
	}
	copy(rk[:], k[10:])
	return Region(k[1]), binary.BigEndian.Uint64(k[2:10]), rk, true
}

func encodeMeta(m meta) []byte {
	v := make([]byte, metaValLen)
	v[0] = byte(m.region)
	binary.BigEndian.PutUint64(v[1:9], m.gen)
	binary.BigEndian.PutUint32(v[9:13], m.size)
	return v
}

func decodeMeta(v []byte) (meta, bool) {
	if len(v) != metaValLen || !Region(v[0]).valid() {
		return meta{}, false
	}
	return meta{
		region: Region(v[0]),
		gen:    binary.BigEndian.Uint64(v[1:9]),
		size:   binary.BigEndian.Uint32(v[9:13]),
	}, true
}

func encodeSize(n uint32) []byte {
	v := make([]byte, lruValLen)
	binary.BigEndian.PutUint32(v, n)
	return v
}

func decodeSize(v []byte) uint32 {
	if len(v) != lruValLen {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}
