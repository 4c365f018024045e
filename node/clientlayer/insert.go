package clientlayer

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// blockPool holds CHK block buffers.
var blockPool = sync.Pool{New: func() any { b := make([]byte, keys.CHKBlockSize); return &b }}

// inserter is the state of one Insert or InsertDir call.
type inserter struct {
	c     *Client
	ctx   context.Context
	store BlockStore
	prog  *progress
}

// Insert inserts the data read from r under opts.URI and returns the URI
// that fetches it (for a USK insert, the USK request URI at the edition
// used). Large data becomes a splitfile (docs/metadata.md); nothing holds
// more than a few segments in memory.
func (c *Client) Insert(ctx context.Context, r io.Reader, opts InsertOptions) (keys.URI, error) {
	if opts.Redirect.Type != 0 {
		return c.insertRedirect(ctx, opts)
	}
	if u := opts.URI; u.Type == keys.CHK && len(u.Meta) == 1 && u.Meta[0] != "" {
		return c.insertNamedCHK(ctx, r, u.Meta[0], opts)
	}
	ins, tgt, err := c.newInserter(ctx, opts)
	if err != nil {
		return keys.URI{}, err
	}
	inlineLimit := keys.CHKDataSize
	if tgt.ssk {
		inlineLimit = keys.SSKDataSize
	}
	doc, top, err := ins.insertFile(r, opts.ContentType, !opts.DontCompress, inlineLimit)
	if err != nil {
		return keys.URI{}, asInsert(err)
	}
	u, err := ins.publish(tgt, doc, top)
	return u, asInsert(err)
}

// insertRedirect inserts a redirect to opts.Redirect under opts.URI.
func (c *Client) insertRedirect(ctx context.Context, opts InsertOptions) (keys.URI, error) {
	if opts.Redirect.IsInsert() {
		return keys.URI{}, insertErr(fcpwire.InsertInvalidURI, nil, "a redirect to an insert URI would publish its private key")
	}
	ins, tgt, err := c.newInserter(ctx, opts)
	if err != nil {
		return keys.URI{}, err
	}
	doc, err := (&Metadata{Type: DocRedirect, ContentType: opts.ContentType, Target: opts.Redirect}).MarshalBinary()
	if err != nil {
		return keys.URI{}, insertErr(fcpwire.InsertInvalidURI, err, "redirect document")
	}
	var top keys.URI
	if !tgt.ssk || len(doc) > keys.SSKDataSize {
		if top, err = ins.insertCHK(doc, keys.EncodeOptions{Control: true}); err != nil {
			return keys.URI{}, asInsert(err)
		}
		doc = nil
	}
	u, err := ins.publish(tgt, doc, top)
	return u, asInsert(err)
}

// insertNamedCHK inserts r under "CHK@/name" (FCP's TargetFilename): as a
// manifest with the one entry name, which is also its default, so both
// CHK@…/name and CHK@… fetch the file.
func (c *Client) insertNamedCHK(ctx context.Context, r io.Reader, name string, opts InsertOptions) (keys.URI, error) {
	opened := false
	entry := DirEntry{Name: name, ContentType: opts.ContentType, Open: func() (io.ReadCloser, error) {
		if opened {
			return nil, errors.New("client: the data of a named CHK insert can be read only once")
		}
		opened = true
		return io.NopCloser(r), nil
	}}
	o := opts
	o.URI = keys.URI{Type: keys.CHK}
	u, err := c.InsertDir(ctx, []DirEntry{entry}, name, o)
	if err != nil {
		return keys.URI{}, err
	}
	u.Meta = []string{name}
	return u, nil
}

// target is a normalized insert URI.
type target struct {
	ssk bool
	// signed: an SSK or USK, signed with a private key the client holds
	// (a KSK's key anyone can derive from its keyword).
	signed bool
	insert keys.URI // the SSK insert URI the top block is encoded under
	result keys.URI // the request URI returned
	// usk, for a USK insert, is the USK insert URI at the edition asked
	// for; insert and result are then chosen by publishUSK.
	usk keys.URI
}

func (c *Client) newInserter(ctx context.Context, opts InsertOptions) (*inserter, target, error) {
	ins := &inserter{c: c, ctx: ctx, store: c.bs, prog: &progress{fn: opts.Progress}}
	if opts.GetCHKOnly {
		ins.store = discardStore{}
	}
	if err := checkContentTypeArg(opts.ContentType); err != nil {
		return nil, target{}, err
	}
	u := opts.URI
	if len(u.Meta) > 0 {
		return nil, target{}, insertErr(fcpwire.InsertMetaStringsNotSupported, nil, "an insert URI has no meta-strings: %s", redact(u))
	}
	switch u.Type {
	case keys.CHK:
		return ins, target{}, nil
	case keys.KSK:
		s, err := keys.KSKAsSSK(u)
		if err != nil {
			return nil, target{}, insertErr(fcpwire.InsertInvalidURI, err, "bad KSK")
		}
		return ins, target{ssk: true, insert: s, result: u}, nil
	case keys.SSK, keys.USK:
		if !u.IsInsert() {
			return nil, target{}, insertErr(fcpwire.InsertInvalidURI, nil, "%s is a request URI, not an insert URI", u)
		}
	default:
		return nil, target{}, insertErr(fcpwire.InsertInvalidURI, nil, "unknown key type %d", u.Type)
	}
	if u.Type == keys.USK {
		// The edition is chosen when the top block is published
		// (publishUSK); a negative edition -N means from N on, as N.
		if u.Edition < 0 {
			u = u.WithEdition(-u.Edition)
		}
		if _, err := u.SSKForEdition(u.Edition); err != nil {
			return nil, target{}, insertErr(fcpwire.InsertInvalidURI, err, "bad USK")
		}
		if _, err := u.RequestURI(); err != nil {
			return nil, target{}, insertErr(fcpwire.InsertInvalidURI, err, "bad USK")
		}
		return ins, target{ssk: true, signed: true, usk: u}, nil
	}
	req, err := u.RequestURI()
	if err != nil {
		return nil, target{}, insertErr(fcpwire.InsertInvalidURI, err, "bad SSK")
	}
	return ins, target{ssk: true, signed: true, insert: u, result: req}, nil
}

// redact prints an insert URI without its private key.
func redact(u keys.URI) string {
	if r, err := u.RequestURI(); err == nil {
		return r.String()
	}
	return u.Type.String() + "@…"
}

func checkContentTypeArg(s string) error {
	if err := checkContentType(s); err != nil {
		return insertErr(fcpwire.InsertInvalidURI, err, "bad content type")
	}
	return nil
}

// publish stores the top block: for a CHK target the result is top; for an
// SSK target the SSK block holds doc (inline) or a redirect to top.
func (ins *inserter) publish(t target, doc []byte, top keys.URI) (keys.URI, error) {
	if !t.ssk {
		if err := ins.sync(); err != nil {
			return keys.URI{}, err
		}
		ins.prog.add(0, 0, 0, 0, true)
		return top, nil
	}
	if doc == nil {
		var err error
		doc, err = (&Metadata{Type: DocRedirect, Target: top}).MarshalBinary()
		if err != nil {
			return keys.URI{}, insertErr(fcpwire.InsertInternalError, err, "redirect document")
		}
	}
	if t.usk.Type == keys.USK {
		return ins.publishUSK(t, doc)
	}
	if err := ins.putSSK(t, doc); err != nil {
		return keys.URI{}, err
	}
	if err := ins.sync(); err != nil {
		return keys.URI{}, err
	}
	if usk, ok := keys.USKFromSSK(t.result); ok {
		ins.c.eds.learn(usk, usk.Edition) // an edition inserted in its SSK form
	}
	ins.prog.add(1, 1, 1, 0, true)
	return t.result, nil
}

// putSSK encodes doc as the SSK block of t.insert and stores it.
func (ins *inserter) putSSK(t target, doc []byte) error {
	block, rk, err := encodeTop(t.insert, doc)
	if err != nil {
		return err
	}
	return ins.putTop(rk, block, t.signed)
}

// putTop stores a top SSK block; one signed with a private key the client
// holds goes through SignedBlockPutter when the store has it.
func (ins *inserter) putTop(rk keys.RoutingKey, block []byte, signed bool) error {
	if sp, ok := ins.store.(SignedBlockPutter); ok && signed {
		return sp.PutSignedBlock(ins.ctx, rk, block)
	}
	return ins.store.PutBlock(ins.ctx, rk, block)
}

// encodeTop encodes the top block doc under the SSK insert URI s.
func encodeTop(s keys.URI, doc []byte) ([]byte, keys.RoutingKey, error) {
	block, req, err := keys.EncodeSSK(s, doc, keys.EncodeOptions{Control: true})
	if err != nil {
		return nil, keys.RoutingKey{}, insertErr(fcpwire.InsertInternalError, err, "encoding the SSK block")
	}
	rk, err := keys.RoutingKeyOf(req)
	if err != nil {
		return nil, keys.RoutingKey{}, insertErr(fcpwire.InsertInternalError, err, "SSK routing key")
	}
	return block, rk, nil
}

// sync makes the insert's blocks durable if the store needs to be told
// (BlockSyncer), so that an insert reported done survives a crash.
func (ins *inserter) sync() error {
	bs, ok := ins.store.(BlockSyncer)
	if !ok {
		return nil
	}
	if err := bs.SyncBlocks(ins.ctx); err != nil {
		return insertErr(fcpwire.InsertInternalError, err, "making the blocks durable")
	}
	return nil
}

// insertCHK encodes and stores one CHK block.
func (ins *inserter) insertCHK(data []byte, opts keys.EncodeOptions) (keys.URI, error) {
	bp := blockPool.Get().(*[]byte)
	defer blockPool.Put(bp)
	u, err := keys.EncodeCHKTo(*bp, data, opts)
	if err != nil {
		return keys.URI{}, insertErr(fcpwire.InsertInternalError, err, "encoding a CHK block")
	}
	if err := ins.store.PutBlock(ins.ctx, keys.RoutingKey(u.Key), *bp); err != nil {
		return keys.URI{}, err
	}
	ins.prog.add(1, 1, 1, 0, false)
	return u, nil
}

// gzipBytes compresses b at BestSpeed.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// insertFile inserts the data of r. When the whole file fits in an inline
// document of at most inlineLimit bytes it returns that document (for a CHK
// target already inserted, top set); otherwise it returns top, the control
// CHK of the file's metadata.
func (ins *inserter) insertFile(r io.Reader, ctype string, compress bool, inlineLimit int) (doc []byte, top keys.URI, err error) {
	cfg := &ins.c.cfg
	// Read at least two blocks' worth, so that whether a file is small
	// (one block) does not depend on the sample size.
	sample := make([]byte, max(cfg.CompressionSample, 2*keys.CHKDataSize))
	n, err := io.ReadFull(r, sample)
	whole := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		whole = true
	case err != nil:
		return nil, keys.URI{}, insertErr(fcpwire.InsertBucketError, err, "reading the data")
	}
	sample = sample[:n]
	codec := keys.CodecNone
	var compressed []byte
	if compress && n >= 128 {
		probe := sample[:min(n, cfg.CompressionSample)]
		compressed = gzipBytes(probe)
		if float64(len(compressed)) <= cfg.CompressionRatio*float64(len(probe)) {
			codec = keys.CodecGzip
		}
	}
	if whole {
		stored := sample
		if codec == keys.CodecGzip {
			if n > cfg.CompressionSample {
				compressed = gzipBytes(sample)
			}
			stored = compressed
		}
		return ins.insertSmall(sample, stored, codec, ctype, inlineLimit)
	}
	// Streaming splitfile.
	sf := ins.newSplitInserter()
	src := io.MultiReader(bytes.NewReader(sample), r)
	cr := &countingReader{r: src}
	var werr error
	if codec == keys.CodecGzip {
		gz, _ := gzip.NewWriterLevel(sf, gzip.BestSpeed)
		_, werr = io.Copy(gz, cr)
		if werr == nil {
			werr = gz.Close()
		}
	} else {
		_, werr = io.Copy(sf, cr)
	}
	blocks, length, ferr := sf.finish()
	if cr.err != nil {
		return nil, keys.URI{}, insertErr(fcpwire.InsertBucketError, cr.err, "reading the data")
	}
	if werr == nil || werr == errSegmentFailed {
		werr = ferr
	}
	if werr != nil {
		return nil, keys.URI{}, werr
	}
	m := &Metadata{Type: DocSplitfile, ContentType: ctype, Codec: codec, Size: cr.n, Length: length,
		SegmentData: cfg.SegmentDataBlocks, SegmentCheck: cfg.SegmentCheckBlocks, Blocks: blocks}
	top, err = ins.insertMetadata(m)
	return nil, top, err
}

type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// insertSmall inserts a file held in memory (at most one sample): an inline
// document when it fits, else a redirect to one raw CHK, else a splitfile.
func (ins *inserter) insertSmall(data, stored []byte, codec keys.Codec, ctype string, inlineLimit int) ([]byte, keys.URI, error) {
	inline := &Metadata{Type: DocInline, ContentType: ctype, Codec: codec, Size: int64(len(data)), Data: stored}
	doc, err := inline.MarshalBinary()
	if err != nil {
		return nil, keys.URI{}, insertErr(fcpwire.InsertInternalError, err, "inline document")
	}
	if len(doc) <= inlineLimit {
		if inlineLimit < keys.CHKDataSize {
			return doc, keys.URI{}, nil // goes into the SSK block
		}
		top, err := ins.insertCHK(doc, keys.EncodeOptions{Control: true})
		return doc, top, err
	}
	if len(doc) <= keys.CHKDataSize {
		top, err := ins.insertCHK(doc, keys.EncodeOptions{Control: true})
		return nil, top, err
	}
	var m *Metadata
	if len(stored) <= keys.CHKDataSize {
		raw, err := ins.insertCHK(stored, keys.EncodeOptions{Codec: codec})
		if err != nil {
			return nil, keys.URI{}, err
		}
		m = &Metadata{Type: DocRedirect, ContentType: ctype, Target: raw}
	} else {
		sf := ins.newSplitInserter()
		_, werr := sf.Write(stored)
		blocks, length, err := sf.finish()
		if err = errors.Join(err, werr); err != nil {
			return nil, keys.URI{}, err
		}
		cfg := &ins.c.cfg
		m = &Metadata{Type: DocSplitfile, ContentType: ctype, Codec: codec, Size: int64(len(data)), Length: length,
			SegmentData: cfg.SegmentDataBlocks, SegmentCheck: cfg.SegmentCheckBlocks, Blocks: blocks}
	}
	top, err := ins.insertMetadata(m)
	return nil, top, err
}

// insertMetadata inserts a document as one control CHK, or, when larger
// than a block, as a metadata splitfile described by a smaller document
// (recursively, at most Config.MaxMetadataLevels levels).
func (ins *inserter) insertMetadata(m *Metadata) (keys.URI, error) {
	cfg := &ins.c.cfg
	for level := 0; ; level++ {
		doc, err := m.MarshalBinary()
		if err != nil {
			return keys.URI{}, insertErr(fcpwire.InsertInternalError, err, "metadata document")
		}
		if len(doc) <= keys.CHKDataSize {
			return ins.insertCHK(doc, keys.EncodeOptions{Control: true})
		}
		if level >= cfg.MaxMetadataLevels {
			return keys.URI{}, insertErr(fcpwire.InsertInternalError, nil, "metadata still %d bytes after %d levels", len(doc), level)
		}
		sf := ins.newSplitInserter()
		_, werr := sf.Write(doc)
		blocks, length, err := sf.finish()
		if err = errors.Join(err, werr); err != nil {
			return keys.URI{}, err
		}
		m = &Metadata{Type: DocSplitfile, IsMetadata: true, Size: length, Length: length,
			SegmentData: cfg.SegmentDataBlocks, SegmentCheck: cfg.SegmentCheckBlocks, Blocks: blocks}
	}
}

// splitInserter takes the stored bytes of a splitfile through Write or
// ReadFrom, cuts them into segments and encodes and stores each segment on
// a background goroutine while the next one fills.
type splitInserter struct {
	ins    *inserter
	k, m   int
	cur    *segBuf
	length int64

	free   chan *segBuf
	work   chan *segBuf
	done   chan struct{}
	stored chan *encSeg
	failed atomic.Bool
	errMu  sync.Mutex
	err    error // the first error of the encoder or storer
	blocks []BlockKey
}

// encSeg is one segment's encoded blocks on their way to the store.
type encSeg struct {
	rks    []keys.RoutingKey
	blocks []*[]byte
}

func (s *splitInserter) setErr(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
	s.failed.Store(true)
}

// segBuf holds one segment's data (k blocks) and check blocks (m).
type segBuf struct {
	data, check []byte
	n           int
}

var segPool sync.Pool

func (ins *inserter) newSplitInserter() *splitInserter {
	cfg := &ins.c.cfg
	s := &splitInserter{ins: ins, k: cfg.SegmentDataBlocks, m: cfg.SegmentCheckBlocks,
		free: make(chan *segBuf, 2), work: make(chan *segBuf, 1), done: make(chan struct{}),
		stored: make(chan *encSeg)}
	for range 2 {
		s.free <- s.getBuf()
	}
	go s.worker()
	return s
}

func (s *splitInserter) getBuf() *segBuf {
	if b, ok := segPool.Get().(*segBuf); ok && len(b.data) == s.k*keys.CHKDataSize && len(b.check) == s.m*keys.CHKDataSize {
		b.n = 0
		return b
	}
	return &segBuf{data: make([]byte, s.k*keys.CHKDataSize), check: make([]byte, s.m*keys.CHKDataSize)}
}

// worker encodes segments (Reed-Solomon, then CHK on Config.Parallelism
// goroutines) and hands the blocks to the storer goroutine, so storing
// segment i overlaps encoding segment i+1.
func (s *splitInserter) worker() {
	defer close(s.done)
	storerDone := make(chan struct{})
	go s.storer(storerDone)
	for b := range s.work {
		if !s.failed.Load() {
			e, err := s.encodeSegment(b)
			if err != nil {
				s.setErr(err)
			} else {
				s.stored <- e
			}
		}
		s.free <- b
	}
	close(s.stored)
	<-storerDone
}

// storeChunk is how many blocks the storer puts with one BlockBatchPutter
// call.
const storeChunk = 64

// storer stores encoded segments and recycles their buffers.
func (s *splitInserter) storer(done chan struct{}) {
	defer close(done)
	batcher, _ := s.ins.store.(BlockBatchPutter)
	blks := make([][]byte, 0, storeChunk)
	for e := range s.stored {
		for lo := 0; lo < len(e.rks) && !s.failed.Load(); lo += storeChunk {
			hi := min(lo+storeChunk, len(e.rks))
			var err error
			if batcher != nil {
				blks = blks[:0]
				for _, bp := range e.blocks[lo:hi] {
					blks = append(blks, *bp)
				}
				err = batcher.PutBlocks(s.ins.ctx, e.rks[lo:hi], blks)
			} else {
				for i := lo; i < hi && err == nil; i++ {
					err = s.ins.store.PutBlock(s.ins.ctx, e.rks[i], *e.blocks[i])
				}
			}
			if err != nil {
				s.setErr(err)
				break
			}
		}
		if !s.failed.Load() {
			s.ins.prog.add(0, 0, len(e.rks), 0, false)
		}
		for _, bp := range e.blocks {
			blockPool.Put(bp)
		}
	}
}

// Write implements io.Writer.
func (s *splitInserter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if err := s.next(); err != nil {
			return total - len(p), err
		}
		c := copy(s.cur.data[s.cur.n:], p)
		s.cur.n += c
		s.length += int64(c)
		p = p[c:]
	}
	return total, nil
}

// ReadFrom implements io.ReaderFrom, reading straight into segment buffers.
func (s *splitInserter) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if err := s.next(); err != nil {
			return total, err
		}
		n, err := io.ReadFull(r, s.cur.data[s.cur.n:])
		s.cur.n += n
		s.length += int64(n)
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// next makes s.cur a buffer with room, handing a full one to the worker.
func (s *splitInserter) next() error {
	if s.failed.Load() {
		return errSegmentFailed
	}
	if err := s.ins.ctx.Err(); err != nil {
		return err
	}
	if s.cur != nil && s.cur.n == len(s.cur.data) {
		s.work <- s.cur
		s.cur = nil
	}
	if s.cur == nil {
		s.cur = <-s.free
		s.cur.n = 0
	}
	return nil
}

var errSegmentFailed = errors.New("client: segment insert failed")

// finish flushes the last segment, waits for the worker and returns the
// block keys and the stored length.
func (s *splitInserter) finish() ([]BlockKey, int64, error) {
	if s.cur != nil && s.cur.n > 0 && !s.failed.Load() {
		s.work <- s.cur
		s.cur = nil
	}
	close(s.work)
	<-s.done
	for range len(s.free) {
		segPool.Put(<-s.free)
	}
	if s.cur != nil {
		segPool.Put(s.cur)
	}
	if s.err != nil {
		return nil, 0, s.err
	}
	if s.length == 0 {
		return nil, 0, insertErr(fcpwire.InsertInternalError, nil, "empty splitfile")
	}
	if s.length > MaxSplitfileLength {
		return nil, 0, insertErr(fcpwire.InsertInternalError, nil, "splitfile of %d bytes exceeds %d", s.length, int64(MaxSplitfileLength))
	}
	return s.blocks, s.length, nil
}

// encodeSegment computes the check blocks of one segment and encodes all
// its blocks on Config.Parallelism goroutines.
func (s *splitInserter) encodeSegment(b *segBuf) (*encSeg, error) {
	const bs = keys.CHKDataSize
	d := (b.n + bs - 1) / bs
	c := (d*s.m + s.k - 1) / s.k
	clear(b.data[b.n : d*bs])
	shards := make([][]byte, d+c)
	for i := range d {
		shards[i] = b.data[i*bs : (i+1)*bs]
	}
	for i := range c {
		shards[d+i] = b.check[i*bs : (i+1)*bs]
	}
	enc, err := s.ins.c.reedSolomon(d, c)
	if err != nil {
		return nil, insertErr(fcpwire.InsertInternalError, err, "Reed-Solomon codec")
	}
	if err := enc.Encode(shards); err != nil {
		return nil, insertErr(fcpwire.InsertInternalError, err, "Reed-Solomon encode")
	}
	// The last data block of the file keeps its true length.
	shards[d-1] = shards[d-1][:b.n-(d-1)*bs]
	first := len(s.blocks)
	s.blocks = append(s.blocks, make([]BlockKey, d+c)...)
	out := s.blocks[first:]
	s.ins.prog.add(d+c, d+c, 0, 0, false)
	e := &encSeg{rks: make([]keys.RoutingKey, d+c), blocks: make([]*[]byte, d+c)}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(s.ins.c.cfg.Parallelism, d+c) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= d+c {
					return
				}
				bp := blockPool.Get().(*[]byte)
				// EncodeCHKTo cannot fail here: the shard fits and the
				// buffer has the right size.
				u, _ := keys.EncodeCHKTo(*bp, shards[i], keys.EncodeOptions{})
				out[i] = BlockKey{Routing: keys.RoutingKey(u.Key), Crypto: u.CryptoKey}
				e.rks[i], e.blocks[i] = out[i].Routing, bp
			}
		}()
	}
	wg.Wait()
	return e, nil
}
