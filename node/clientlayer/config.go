package clientlayer

import (
	"fmt"
	"runtime"
)

// Defaults of Config.
const (
	// DefaultSegmentDataBlocks and DefaultSegmentCheckBlocks are fred's
	// segment shape: 128 data + 128 check blocks (100% redundancy), the
	// largest Reed-Solomon code over GF(2^8). Any 128 of a segment's 256
	// blocks rebuild it.
	DefaultSegmentDataBlocks  = 128
	DefaultSegmentCheckBlocks = 128
	// DefaultCompressionSample is how much of the input is test-compressed
	// to decide whether to compress: 64 KiB.
	DefaultCompressionSample = 64 << 10
	// DefaultCompressionRatio: compress when the sample shrinks to at most
	// this fraction of its size (gzip at BestSpeed).
	DefaultCompressionRatio = 0.875
	// DefaultMaxMetadataSize is the largest metadata document a fetch
	// reassembles from a metadata splitfile: 64 MiB, enough for files of
	// about 16 GiB with the default segment shape (64 bytes of keys per
	// 32 KiB block, 100% redundancy).
	DefaultMaxMetadataSize = 64 << 20
	// DefaultMaxRecursion bounds the redirects, manifest lookups and
	// metadata levels one fetch follows.
	DefaultMaxRecursion = 16
	// DefaultMaxMetadataLevels bounds the levels of metadata splitfiles an
	// insert creates (each level shrinks the document ~500-fold).
	DefaultMaxMetadataLevels = 4
)

// Config configures a Client. The zero Config is valid: every zero field
// takes its documented default.
type Config struct {
	// SegmentDataBlocks (k) and SegmentCheckBlocks (m) are the data and
	// check blocks of each full segment; the last segment has k' ≤ k data
	// and ceil(k'·m/k) check blocks. Defaults 128 and 128. The shape must
	// be one the Leopard code can encode (docs/metadata.md rule M11,
	// ValidSegmentShape): k ≥ 1, m ≥ 1 and k + m′ ≤ 256, m′ the smallest
	// power of two ≥ m; so k + m ≤ 256 is not enough (129+127, 200+56 are
	// refused).
	SegmentDataBlocks, SegmentCheckBlocks int
	// Parallelism is the number of goroutines that encode and store blocks
	// of a segment during an insert. Default runtime.GOMAXPROCS(0).
	Parallelism int
	// FetchParallelism is the number of block requests of a segment in
	// flight at once during a fetch. Default 2×GOMAXPROCS.
	FetchParallelism int
	// CompressionSample is the size of the prefix test-compressed to decide
	// whether to compress. Default DefaultCompressionSample.
	CompressionSample int
	// CompressionRatio: gzip when the sample compresses to at most this
	// fraction. Default DefaultCompressionRatio; in (0, 1].
	CompressionRatio float64
	// MaxMetadataSize bounds a metadata document reassembled from a
	// metadata splitfile on fetch. Default DefaultMaxMetadataSize.
	MaxMetadataSize int64
	// MaxRecursion bounds redirects, manifest lookups and metadata levels
	// followed by one fetch. Default DefaultMaxRecursion.
	MaxRecursion int
	// MaxMetadataLevels bounds the metadata splitfile levels of an insert.
	// Default DefaultMaxMetadataLevels.
	MaxMetadataLevels int
}

func (c Config) withDefaults() Config {
	if c.SegmentDataBlocks == 0 {
		c.SegmentDataBlocks = DefaultSegmentDataBlocks
	}
	if c.SegmentCheckBlocks == 0 {
		c.SegmentCheckBlocks = DefaultSegmentCheckBlocks
	}
	if c.Parallelism == 0 {
		c.Parallelism = runtime.GOMAXPROCS(0)
	}
	if c.FetchParallelism == 0 {
		c.FetchParallelism = 2 * runtime.GOMAXPROCS(0)
	}
	if c.CompressionSample == 0 {
		c.CompressionSample = DefaultCompressionSample
	}
	if c.CompressionRatio == 0 {
		c.CompressionRatio = DefaultCompressionRatio
	}
	if c.MaxMetadataSize == 0 {
		c.MaxMetadataSize = DefaultMaxMetadataSize
	}
	if c.MaxRecursion == 0 {
		c.MaxRecursion = DefaultMaxRecursion
	}
	if c.MaxMetadataLevels == 0 {
		c.MaxMetadataLevels = DefaultMaxMetadataLevels
	}
	return c
}

// Validate reports whether c, after defaults are applied, is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case !ValidSegmentShape(c.SegmentDataBlocks, c.SegmentCheckBlocks):
		return fmt.Errorf("client: config: %s (docs/metadata.md rule M11: no splitfile of this shape can be encoded)",
			segmentShapeProblem(c.SegmentDataBlocks, c.SegmentCheckBlocks))
	case c.Parallelism < 1 || c.FetchParallelism < 1:
		return fmt.Errorf("client: config: parallelism must be positive")
	case c.CompressionSample < 1024:
		return fmt.Errorf("client: config: compression sample %d is below 1 KiB", c.CompressionSample)
	case c.CompressionRatio <= 0 || c.CompressionRatio > 1:
		return fmt.Errorf("client: config: compression ratio %v outside (0, 1]", c.CompressionRatio)
	case c.MaxMetadataSize < 1<<20:
		return fmt.Errorf("client: config: max metadata size %d below 1 MiB", c.MaxMetadataSize)
	case c.MaxRecursion < 2 || c.MaxMetadataLevels < 1:
		return fmt.Errorf("client: config: max recursion must be ≥ 2 and max metadata levels ≥ 1")
	}
	return nil
}
