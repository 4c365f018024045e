package clientlayer

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// fetcher is the state of one Fetch call.
type fetcher struct {
	c     *Client
	ctx   context.Context
	opts  FetchOptions
	prog  *progress
	w     io.Writer
	ctype string
	n     int64 // bytes written to w
	// dflt: the last manifest was left by its default name without a
	// meta-string (FetchResult.DefaultDocument).
	dflt bool
}

// Fetch fetches uri and writes the file, in order, to w. It follows
// manifests (by the URI's meta-strings, or the default name; an empty
// meta-string also names the default), redirects, multi-level metadata and
// USK editions (a negative edition: the newest from |N| on, LatestEdition).
// A USK at an edition older than the newest known fails, as fred's, with
// fcpwire.FetchPermanentRedirect and FetchError.Redirect set. It decodes each splitfile segment from any k of its blocks, and
// decompresses. Errors are *FetchError values with fred's codes; when Fetch
// fails, part of the file may have been written.
func (c *Client) Fetch(ctx context.Context, uri keys.URI, w io.Writer, opts FetchOptions) (FetchResult, error) {
	f := &fetcher{c: c, ctx: ctx, opts: opts, prog: &progress{fn: opts.Progress}, w: w}
	if opts.MaxSize < 0 {
		return FetchResult{}, fetchErr(fcpwire.FetchInternalError, nil, "negative MaxSize")
	}
	if err := f.fetchURI(uri, 0); err != nil {
		if ctx.Err() != nil {
			return FetchResult{}, fetchErr(fcpwire.FetchCancelled, ctx.Err(), "cancelled")
		}
		return FetchResult{}, asFetch(err)
	}
	f.prog.add(0, 0, 0, 0, true)
	ct := f.ctype
	if ct == "" {
		ct = DefaultContentType
	}
	return FetchResult{ContentType: ct, Size: f.n, DefaultDocument: f.dflt}, nil
}

// getBlock fetches one block.
func (f *fetcher) getBlock(rk keys.RoutingKey, buf []byte) ([]byte, error) {
	if g, ok := f.c.bs.(BlockGetterInto); ok {
		return g.GetBlockInto(f.ctx, buf[:0], rk)
	}
	return f.c.bs.GetBlock(f.ctx, rk)
}

func (f *fetcher) fetchURI(u keys.URI, depth int) (err error) {
	if depth > f.c.cfg.MaxRecursion {
		return fetchErr(fcpwire.FetchTooMuchRecursion, nil, "more than %d redirects, manifests and metadata levels", f.c.cfg.MaxRecursion)
	}
	if u.Type == keys.USK {
		switch {
		case u.Edition < 0:
			ed, err := f.c.LatestEdition(f.ctx, u)
			if err != nil {
				return err
			}
			u = u.WithEdition(ed)
		case depth == 0:
			// As fred: an edition older than the newest known is
			// answered with where the newest is (the SSK form,
			// SSK@…/site-N, fetches exactly edition N).
			if n := f.c.eds.known(u); n > u.Edition {
				return &FetchError{Code: fcpwire.FetchPermanentRedirect, Msg: fmt.Sprintf("edition %d of %s is known", n, u.Name), Redirect: u.WithEdition(n)}
			}
		}
		s, err := u.SSKForEdition(u.Edition)
		if err != nil {
			return fetchErr(fcpwire.FetchInvalidURI, err, "bad USK")
		}
		u = s
	}
	if usk, ok := keys.USKFromSSK(u); ok {
		// Edition N of a USK is the SSK site-N, whichever form named it.
		defer func() {
			if err == nil {
				f.c.eds.learn(usk, usk.Edition)
			}
		}()
	}
	if u.Type == keys.KSK {
		// Derive the keyword's SSK once (Argon2id is deliberately slow).
		s, err := keys.KSKAsSSK(u)
		if err != nil {
			return fetchErr(fcpwire.FetchInvalidURI, err, "bad KSK")
		}
		s.Meta = u.Meta
		u = s
	}
	rk, err := keys.RoutingKeyOf(u)
	if err != nil {
		return fetchErr(fcpwire.FetchInvalidURI, err, "no routing key")
	}
	blk, err := f.getBlock(rk, nil)
	if err != nil {
		if errors.Is(err, ErrBlockNotFound) {
			return fetchErr(fcpwire.FetchDataNotFound, err, "%s", u.Type.String()+"@… block "+rk.String())
		}
		return err
	}
	d, err := keys.Decode(blk, u)
	if err != nil {
		return fetchErr(fcpwire.FetchBlockDecodeError, err, "block %s", rk)
	}
	f.prog.add(1, 1, 1, 0, false)
	if !d.Control {
		if len(u.Meta) > 0 {
			return fetchErr(fcpwire.FetchTooManyPathComponents, nil, "meta-strings %q left at a file", u.Meta)
		}
		return f.emit(bytes.NewReader(d.Bytes), d.Codec, -1)
	}
	doc := d.Bytes
	if d.Codec != keys.CodecNone {
		var buf bytes.Buffer
		if err := decompressTo(&limitedWriter{w: &buf, max: f.c.cfg.MaxMetadataSize, code: fcpwire.FetchTooBigMetadata}, bytes.NewReader(doc), d.Codec); err != nil {
			return err
		}
		doc = buf.Bytes()
	}
	m, err := ParseMetadata(doc)
	if err != nil {
		return err
	}
	return f.handle(m, u.Meta, depth+1)
}

func (f *fetcher) handle(m *Metadata, metas []string, depth int) error {
	if depth > f.c.cfg.MaxRecursion {
		return fetchErr(fcpwire.FetchTooMuchRecursion, nil, "more than %d redirects, manifests and metadata levels", f.c.cfg.MaxRecursion)
	}
	// The outermost explicit content type wins: a redirect or manifest
	// entry may override what its target says.
	if f.ctype == "" && m.ContentType != "" {
		f.ctype = m.ContentType
	}
	switch m.Type {
	case DocManifest:
		var name string
		f.dflt = len(metas) == 0
		if f.dflt {
			if m.DefaultName == "" {
				return fetchErr(fcpwire.FetchNotEnoughPathComponents, nil, "a directory without a default name needs a path")
			}
			name = m.DefaultName
		} else {
			name, metas = metas[0], metas[1:]
			// As fred: an empty meta-string (a URI ending in "/")
			// names the default document.
			if name == "" && m.Lookup("") == nil {
				if m.DefaultName == "" {
					return fetchErr(fcpwire.FetchNotEnoughPathComponents, nil, "a directory without a default name needs a path")
				}
				name = m.DefaultName
			}
		}
		e := m.Lookup(name)
		if e == nil {
			return fetchErr(fcpwire.FetchNotInArchive, nil, "%q is not in the directory", name)
		}
		return f.handle(e, metas, depth+1)
	case DocRedirect:
		t := m.Target
		t.Meta = append(slices.Clip(t.Meta), metas...)
		if len(t.Meta) == 0 {
			t.Meta = nil
		}
		return f.fetchURI(t, depth+1)
	case DocInline:
		if len(metas) > 0 {
			return fetchErr(fcpwire.FetchTooManyPathComponents, nil, "meta-strings %q left at a file", metas)
		}
		return f.emit(bytes.NewReader(m.Data), m.Codec, m.Size)
	case DocSplitfile:
		if m.IsMetadata {
			if m.Size > f.c.cfg.MaxMetadataSize {
				return fetchErr(fcpwire.FetchTooBigMetadata, nil, "metadata of %d bytes exceeds %d", m.Size, f.c.cfg.MaxMetadataSize)
			}
			var buf bytes.Buffer
			buf.Grow(int(m.Size))
			lw := &limitedWriter{w: &buf, max: m.Size, code: fcpwire.FetchInvalidMetadata}
			if err := f.fetchSplitfile(m, lw); err != nil {
				return err
			}
			if buf.Len() != int(m.Size) {
				return fetchErr(fcpwire.FetchInvalidMetadata, nil, "metadata splitfile holds %d bytes, not %d", buf.Len(), m.Size)
			}
			inner, err := ParseMetadata(buf.Bytes())
			if err != nil {
				return err
			}
			return f.handle(inner, metas, depth+1)
		}
		if len(metas) > 0 {
			return fetchErr(fcpwire.FetchTooManyPathComponents, nil, "meta-strings %q left at a file", metas)
		}
		if err := f.checkSize(m.Size); err != nil {
			return err
		}
		f.prog.add(len(m.Blocks), requiredBlocks(m), 0, 0, true)
		out := f.output(m.Size)
		if m.Codec == keys.CodecNone {
			if err := f.fetchSplitfile(m, out); err != nil {
				return err
			}
			return f.finishOutput(out, m.Size)
		}
		pr, pw := io.Pipe()
		var wg sync.WaitGroup
		var ferr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			ferr = f.fetchSplitfile(m, pw)
			pw.CloseWithError(ferr)
		}()
		derr := decompressTo(out, pr, m.Codec)
		pr.CloseWithError(errors.New("client: fetch stopped"))
		wg.Wait()
		// A decompression or write error comes first: the fetcher's error is
		// then only the closed pipe. A fetch error reaches derr through the
		// pipe anyway.
		if derr != nil {
			return derr
		}
		if ferr != nil {
			return ferr
		}
		return f.finishOutput(out, m.Size)
	}
	return fetchErr(fcpwire.FetchInvalidMetadata, nil, "unknown document type %d", m.Type)
}

func requiredBlocks(m *Metadata) int {
	n := 0
	for _, s := range SegmentLayout(m.Length, m.SegmentData, m.SegmentCheck) {
		n += s.Data
	}
	return n
}

func (f *fetcher) checkSize(size int64) error {
	if f.opts.MaxSize > 0 && f.n+size > f.opts.MaxSize {
		return fetchErr(fcpwire.FetchTooBig, nil, "file of %d bytes exceeds the limit of %d", size, f.opts.MaxSize)
	}
	return nil
}

// output returns the writer for a file of the declared size (-1: unknown).
func (f *fetcher) output(size int64) *limitedWriter {
	lw := &limitedWriter{w: f.w, max: -1, code: fcpwire.FetchInvalidMetadata, count: &f.n}
	if size >= 0 {
		lw.max = size
	}
	if f.opts.MaxSize > 0 && (lw.max < 0 || f.opts.MaxSize < lw.max) {
		lw.max, lw.code = f.opts.MaxSize, fcpwire.FetchTooBig
	}
	return lw
}

func (f *fetcher) finishOutput(lw *limitedWriter, size int64) error {
	if size >= 0 && lw.n != size {
		return fetchErr(fcpwire.FetchInvalidMetadata, nil, "file decoded to %d bytes, metadata says %d", lw.n, size)
	}
	return nil
}

// emit writes a file held in memory (inline or one raw block).
func (f *fetcher) emit(r io.Reader, codec keys.Codec, size int64) error {
	if size >= 0 {
		if err := f.checkSize(size); err != nil {
			return err
		}
	}
	out := f.output(size)
	if err := decompressTo(out, r, codec); err != nil {
		return err
	}
	return f.finishOutput(out, size)
}

// decompressTo copies r, decompressed with codec, to w.
func decompressTo(w io.Writer, r io.Reader, codec keys.Codec) error {
	switch codec {
	case keys.CodecNone:
		_, err := io.Copy(w, r)
		return err
	case keys.CodecGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fetchErr(fcpwire.FetchInvalidMetadata, err, "gzip data")
		}
		if _, err := io.Copy(w, zr); err != nil {
			var fe *FetchError
			if errors.As(err, &fe) || isCancelled(err) {
				return err
			}
			return fetchErr(fcpwire.FetchInvalidMetadata, err, "gzip data")
		}
		return nil
	}
	return fetchErr(fcpwire.FetchInvalidMetadata, nil, "unknown codec %d", codec)
}

// limitedWriter passes writes through until max bytes (max < 0: no limit),
// then fails with a *FetchError of code: zip bombs stop there.
type limitedWriter struct {
	w     io.Writer
	n     int64
	max   int64
	code  int
	count *int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.max >= 0 && l.n+int64(len(p)) > l.max {
		if l.code == fcpwire.FetchTooBig {
			return 0, fetchErr(fcpwire.FetchTooBig, nil, "output exceeds the limit of %d bytes", l.max)
		}
		return 0, fetchErr(l.code, nil, "output exceeds the %d bytes the metadata declares", l.max)
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	if l.count != nil {
		*l.count += int64(n)
	}
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) {
			return n, err
		}
		return n, fetchErr(fcpwire.FetchBucketError, err, "writing the output")
	}
	return n, nil
}

// LatestEdition returns the newest edition of the USK usk "from |N| on",
// as fred answers a negative edition -N: the newest this node knows of
// (KnownEdition) or finds by probing the editions after it and from |N|
// on, one by one until one is missing. Like fred, -1 also looks at edition
// 0 (there is no -0). It fails with fcpwire.FetchDataNotFound when no
// edition is known and edition |N| is missing, even if older ones exist.
func (c *Client) LatestEdition(ctx context.Context, usk keys.URI) (int64, error) {
	if usk.Type != keys.USK {
		return 0, fetchErr(fcpwire.FetchInvalidURI, nil, "%s is not a USK", usk.Type)
	}
	from := usk.Edition
	switch {
	case from == -1:
		from = 0
	case from < 0:
		from = -from
	}
	last := c.eds.known(usk)
	ed := max(from, last+1)
	for ; ; ed++ {
		if err := ctx.Err(); err != nil {
			return 0, fetchErr(fcpwire.FetchCancelled, err, "cancelled")
		}
		s, err := usk.SSKForEdition(ed)
		if err != nil {
			return 0, fetchErr(fcpwire.FetchInvalidURI, err, "bad USK")
		}
		rk, err := keys.RoutingKeyOf(s)
		if err != nil {
			return 0, fetchErr(fcpwire.FetchInvalidURI, err, "bad USK")
		}
		_, err = c.bs.GetBlock(ctx, rk)
		if errors.Is(err, ErrBlockNotFound) {
			break
		}
		if err != nil {
			return 0, asFetch(err)
		}
		c.eds.learn(usk, ed)
		last = ed
	}
	if n := max(last, c.eds.known(usk)); n >= 0 {
		return n, nil
	}
	return 0, fetchErr(fcpwire.FetchDataNotFound, nil, "no edition of %s from %d on", usk.Name, from)
}
