package clientlayer

import (
	"io"
	"sync"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
	"github.com/klauspost/reedsolomon"
)

// Client inserts and fetches files, directories and editions over a
// BlockStore. It is safe for concurrent use; every call returns only after
// all goroutines it started have ended.
type Client struct {
	bs  BlockStore
	cfg Config

	mu  sync.Mutex
	rss map[[2]int]reedsolomon.Encoder // guarded by mu

	eds editions // the newest edition known of each USK
}

// New returns a Client over bs. cfg's zero fields take their defaults.
func New(bs BlockStore, cfg Config) (*Client, error) {
	if bs == nil {
		return nil, insertErr(fcpwire.InsertInternalError, nil, "nil block store")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{bs: bs, cfg: cfg.withDefaults(), rss: make(map[[2]int]reedsolomon.Encoder)}, nil
}

// reedSolomon returns the (cached) Reed-Solomon codec for k data and m check shards.
func (c *Client) reedSolomon(k, m int) (reedsolomon.Encoder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.rss[[2]int{k, m}]; ok {
		return e, nil
	}
	// Leopard-RS over GF(2^8) (docs/metadata.md §4): its FFT-based encoder
	// costs O(log n) per byte where the Vandermonde-matrix code costs O(m),
	// a seventh of the CPU of a 128+128 segment on one core.
	//
	// Without its inversion cache: klauspost/reedsolomon v1.14.2 keys the
	// cache of leopard8's ReconstructData by the missing data shards only,
	// so a segment missing other check blocks than an earlier one reused
	// its error locator and decoded to wrong bytes of the right length
	// (found by tools/soak; TestReconstructAnyBlocks). The locator costs
	// two Walsh-Hadamard transforms of 256 entries per decode.
	e, err := reedsolomon.New(k, m, reedsolomon.WithLeopardGF(true), reedsolomon.WithInversionCache(false))
	if err != nil {
		return nil, err
	}
	c.rss[[2]int{k, m}] = e
	return e, nil
}

// Progress reports how far an insert or fetch is, in blocks, as FCP's
// SimpleProgress does.
type Progress struct {
	// Total is the number of blocks known so far (for a fetch: all blocks of
	// the splitfiles met, data and check).
	Total int
	// Required is the number of blocks needed to finish (a fetch needs any k
	// of each segment's n; an insert needs all of them).
	Required int
	// Failed counts blocks that could not be fetched or stored.
	Failed int
	// Succeeded counts blocks fetched or stored.
	Succeeded int
	// FinalizedTotal reports that Total will not grow any more.
	FinalizedTotal bool
}

// progress serializes progress callbacks.
type progress struct {
	mu sync.Mutex
	p  Progress
	fn func(Progress)
}

func (t *progress) add(total, required, succeeded, failed int, final bool) {
	if t == nil || t.fn == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Total += total
	t.p.Required += required
	t.p.Succeeded += succeeded
	t.p.Failed += failed
	t.p.FinalizedTotal = t.p.FinalizedTotal || final
	t.fn(t.p)
}

// InsertOptions say what to insert and under which URI.
type InsertOptions struct {
	// URI names where to insert: a CHK URI (only its type matters; the
	// result is named by the content: use keys.URI{Type: keys.CHK}), an SSK
	// insert URI with a document name, a USK insert URI at an edition
	// (negative: the edition after the latest from |N| on) or a KSK.
	URI keys.URI
	// ContentType is the MIME type kept in the metadata; "" means
	// application/octet-stream.
	ContentType string
	// DontCompress turns compression off.
	DontCompress bool
	// GetCHKOnly computes the request URI without storing anything.
	GetCHKOnly bool
	// Redirect, when its Type is set, makes Insert store a redirect to this
	// request URI (with its meta-strings) instead of data: a small metadata
	// document, in the SSK block itself for SSK, USK and KSK targets, or in
	// one control CHK. Insert's reader is not read. ContentType, if set, is
	// recorded in the redirect.
	Redirect keys.URI
	// Progress, if not nil, is called (never concurrently) as blocks are
	// stored.
	// It should return quickly: block workers wait for it.
	Progress func(Progress)
}

// DirEntry is one file of a directory insert: either data (Open) or a
// redirect to an existing URI.
type DirEntry struct {
	// Name is the path inside the directory, components separated by '/'
	// ("a/b/c.png"); each component is non-empty UTF-8 without control
	// characters.
	Name string
	// ContentType is the entry's MIME type; "" means
	// application/octet-stream for data, the target's type for a redirect.
	ContentType string
	// Open returns the entry's data. Exactly one of Open and Redirect is set.
	Open func() (io.ReadCloser, error)
	// Redirect is a request URI the entry points to.
	Redirect *keys.URI
}

// FetchOptions limit and observe a fetch.
type FetchOptions struct {
	// MaxSize is the largest output accepted, after decompression; 0 means
	// no limit. A larger file fails with FetchTooBig.
	MaxSize int64
	// Progress, if not nil, is called (never concurrently) as blocks arrive.
	// It should return quickly: block workers wait for it.
	Progress func(Progress)
}

// FetchResult describes a fetched file.
type FetchResult struct {
	// ContentType is the file's MIME type.
	ContentType string
	// Size is the number of bytes written.
	Size int64
	// DefaultDocument is set when the file is a directory's default
	// document reached without a path component naming it (a site's root
	// without a trailing "/"): a browser resolves the page's relative
	// links against the directory only once the path ends in "/".
	DefaultDocument bool
}

// DefaultContentType is the content type of data inserted without one.
const DefaultContentType = "application/octet-stream"
