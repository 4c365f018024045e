package clientlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

func TestRoundTripSizes(t *testing.T) {
	checkGoroutines(t)
	ds := openStore(t)
	bs := NewLocalStore(ds)
	c := newClient(t, bs, Config{})
	sizes := []int{0, 1, 1000, keys.CHKDataSize - 1, keys.CHKDataSize, keys.CHKDataSize + 1, 100 << 10, 1 << 20}
	for i, n := range sizes {
		for _, kind := range []string{"random", "text"} {
			t.Run(fmt.Sprintf("%s-%d", kind, n), func(t *testing.T) {
				data := randBytes(uint64(i), n)
				if kind == "text" {
					data = textBytes(uint64(i), n)
				}
				u := mustInsert(t, c, data, InsertOptions{URI: chkURI, ContentType: "text/plain"})
				got, res := mustFetch(t, c, u)
				if !bytes.Equal(got, data) {
					t.Fatalf("fetched %d bytes, differ from the %d inserted", len(got), len(data))
				}
				if res.ContentType != "text/plain" {
					t.Errorf("content type %q", res.ContentType)
				}
				// Convergent: the same data gives the same URI; GetCHKOnly
				// computes it without storing.
				mem := newMemStore()
				c2 := newClient(t, mem, Config{})
				u2, err := c2.Insert(context.Background(), bytes.NewReader(data), InsertOptions{URI: chkURI, ContentType: "text/plain", GetCHKOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if !u2.Equal(u) {
					t.Errorf("GetCHKOnly URI %s, insert gave %s", u2, u)
				}
				if mem.len() != 0 {
					t.Errorf("GetCHKOnly stored %d blocks", mem.len())
				}
			})
		}
	}
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB round trip skipped with -short")
	}
	checkGoroutines(t)
	ds := openStore(t)
	c := newClient(t, NewLocalStore(ds), Config{})
	data := randBytes(7, 100<<20)
	u := mustInsert(t, c, data, InsertOptions{URI: chkURI})
	var h hashWriter
	res, err := c.Fetch(context.Background(), u, &h, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(len(data)) || !bytes.Equal(h.sum(), sumOf(data)) {
		t.Fatalf("fetched %d bytes, not the inserted %d", res.Size, len(data))
	}
}

func TestSmallFileCostsOneBlock(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	u := mustInsert(t, c, randBytes(1, 30000), InsertOptions{URI: chkURI})
	if mem.len() != 1 {
		t.Errorf("a 30000-byte file took %d blocks, want 1", mem.len())
	}
	if !u.IsControl() {
		t.Errorf("top URI %s is not a control document", u)
	}
	// Whatever the compression sample size.
	mem3 := newMemStore()
	c3 := newClient(t, mem3, Config{CompressionSample: 1024})
	mustInsert(t, c3, randBytes(1, 30000), InsertOptions{URI: chkURI})
	if mem3.len() != 1 {
		t.Errorf("with a 1 KiB sample, a 30000-byte file took %d blocks, want 1", mem3.len())
	}
	// An SSK with a small file is just the SSK block.
	mem2 := newMemStore()
	c2 := newClient(t, mem2, Config{})
	ins, _ := sskPair(t, 9)
	ins.Name = "note"
	mustInsert(t, c2, []byte("hello"), InsertOptions{URI: ins})
	if mem2.len() != 1 {
		t.Errorf("a 5-byte SSK took %d blocks, want 1", mem2.len())
	}
}

func sskPair(t testing.TB, seed uint64) (keys.URI, keys.URI) {
	t.Helper()
	ins, req, err := keys.GenerateSSK(bytes.NewReader(randBytes(seed+1000, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return ins, req
}

func TestKeyTypes(t *testing.T) {
	checkGoroutines(t)
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	ins, _ := sskPair(t, 1)
	ksk, err := keys.NewKSK("hams test keyword")
	if err != nil {
		t.Fatal(err)
	}
	usk := ins
	usk.Type, usk.Name, usk.Edition = keys.USK, "site", 0
	for _, n := range []int{0, 500, 5000, 300 << 10} {
		data := randBytes(uint64(n), n)
		for _, base := range []keys.URI{ins, ksk, usk} {
			u := base
			switch u.Type {
			case keys.SSK:
				u.Name = fmt.Sprintf("doc-%d", n)
			case keys.KSK:
				u.Name = fmt.Sprintf("%s-%d", ksk.Name, n)
			}
			got := mustInsert(t, c, data, InsertOptions{URI: u, ContentType: "image/png"})
			if got.IsInsert() {
				t.Fatalf("insert returned an insert URI")
			}
			if got.Type != u.Type {
				t.Fatalf("insert under %s returned %s", u.Type, got.Type)
			}
			back, res := mustFetch(t, c, got)
			if !bytes.Equal(back, data) || res.ContentType != "image/png" {
				t.Fatalf("%s size %d: got %d bytes, %q", u.Type, n, len(back), res.ContentType)
			}
		}
		usk.Edition++
	}
	// Editions 0..3 exist: the latest from 1 on is 3, and a negative
	// edition fetches it.
	req, _ := usk.RequestURI()
	latest, err := c.LatestEdition(context.Background(), req.WithEdition(-1))
	if err != nil || latest != 3 {
		t.Fatalf("LatestEdition = %d, %v; want 3", latest, err)
	}
	back, _ := mustFetch(t, c, req.WithEdition(-2))
	if !bytes.Equal(back, randBytes(300<<10, 300<<10)) {
		t.Fatal("USK -2 did not fetch edition 3")
	}
	// Past the end: the newest known (fred's latest slot).
	if n, err := c.LatestEdition(context.Background(), req.WithEdition(-10)); err != nil || n != 3 {
		t.Fatalf("LatestEdition past the end = %d, %v; want 3", n, err)
	}
	// A node that knows nothing of the USK finds nothing from 10 on.
	fresh := newClient(t, mem, Config{})
	if _, err := fresh.LatestEdition(context.Background(), req.WithEdition(-10)); !errors.Is(err, &FetchError{Code: fcpwire.FetchDataNotFound}) {
		t.Fatalf("LatestEdition past the end, nothing known: %v", err)
	}
	// Inserting at a negative edition takes the next free one.
	u, err := c.Insert(context.Background(), strings.NewReader("next"), InsertOptions{URI: usk.WithEdition(-1)})
	if err != nil || u.Edition != 4 {
		t.Fatalf("insert at -1 gave %v, %v; want edition 4", u, err)
	}
}

func TestCollision(t *testing.T) {
	ds := openStore(t)
	c := newClient(t, NewLocalStore(ds), Config{})
	ins, _ := sskPair(t, 2)
	ins.Name = "doc"
	mustInsert(t, c, []byte("first"), InsertOptions{URI: ins})
	_, err := c.Insert(context.Background(), strings.NewReader("second"), InsertOptions{URI: ins})
	if !errors.Is(err, &InsertError{Code: fcpwire.InsertCollision}) {
		t.Fatalf("second insert under one SSK: %v, want collision", err)
	}
	// The same content again is no collision.
	mustInsert(t, c, []byte("first"), InsertOptions{URI: ins})
}

func TestDirectory(t *testing.T) {
	checkGoroutines(t)
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	files := map[string][]byte{
		"index.html":        []byte("<html>hello</html>"),
		"a/b/c.png":         randBytes(3, 70000),
		"a/readme.txt":      textBytes(4, 200000),
		"empty":             nil,
		"unicode/مرحبا.txt": []byte("salaam"),
	}
	other := mustInsert(t, c, []byte("elsewhere"), InsertOptions{URI: chkURI, ContentType: "text/x-other"})
	var entries []DirEntry
	for name, data := range files {
		entries = append(entries, DirEntry{Name: name, ContentType: ctypeOf(name),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	entries = append(entries, DirEntry{Name: "link", Redirect: &other})
	ins, _ := sskPair(t, 3)
	usk := ins
	usk.Type, usk.Name, usk.Edition = keys.USK, "site", 3
	for _, base := range []keys.URI{chkURI, ins, usk} {
		if base.Type == keys.SSK {
			base.Name = "site"
		}
		root, err := c.InsertDir(context.Background(), entries, "index.html", InsertOptions{URI: base})
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			u := root
			u.Meta = strings.Split(name, "/")
			got, res := mustFetch(t, c, u)
			if !bytes.Equal(got, data) {
				t.Errorf("%s/%s: wrong data", root.Type, name)
			}
			if want := ctypeOf(name); res.ContentType != want {
				t.Errorf("%s: content type %q, want %q", name, res.ContentType, want)
			}
		}
		got, _ := mustFetch(t, c, root)
		if !bytes.Equal(got, files["index.html"]) {
			t.Errorf("default name: got %q", got)
		}
		u := root
		u.Meta = []string{"link"}
		if got, res := mustFetch(t, c, u); string(got) != "elsewhere" || res.ContentType != "text/x-other" {
			t.Errorf("redirect entry: %q %q", got, res.ContentType)
		}
		for meta, code := range map[string]int{
			"nope":             fcpwire.FetchNotInArchive,
			"index.html/x":     fcpwire.FetchTooManyPathComponents,
			"a":                fcpwire.FetchNotEnoughPathComponents,
			"a/b/c.png/d":      fcpwire.FetchTooManyPathComponents,
			"unicode/nope.txt": fcpwire.FetchNotInArchive,
		} {
			u := root
			u.Meta = strings.Split(meta, "/")
			if got := fetchCode(t, c, u, FetchOptions{}); got != code {
				t.Errorf("%s: code %d, want %d", meta, got, code)
			}
		}
	}
	// Bad entries.
	bad := [][]DirEntry{
		{{Name: "a//b", Open: entries[0].Open}},
		{{Name: "x", Open: entries[0].Open}, {Name: "x", Open: entries[0].Open}},
		{{Name: "x", Open: entries[0].Open}, {Name: "x/y", Open: entries[0].Open}},
		{{Name: "x"}},
	}
	for i, es := range bad {
		if _, err := c.InsertDir(context.Background(), es, "", InsertOptions{URI: chkURI}); !errors.Is(err, &InsertError{Code: fcpwire.InsertInvalidURI}) {
			t.Errorf("bad dir %d: %v", i, err)
		}
	}
	if _, err := c.InsertDir(context.Background(), entries, "missing.html", InsertOptions{URI: chkURI}); err == nil {
		t.Error("a missing default name was accepted")
	}
}

// TestAnyKOfN removes n−k blocks of every segment (data and check, chosen
// at random) and still fetches the exact bytes; one more missing block gives
// ALL_DATA_NOT_FOUND.
func TestAnyKOfN(t *testing.T) {
	checkGoroutines(t)
	ds := openStore(t)
	bs := NewLocalStore(ds)
	c := newClient(t, bs, Config{})
	// 2 full segments and a last one of 20 data blocks; the metadata (532
	// keys, 34 KiB) is itself a splitfile.
	data := randBytes(11, (2*128+20)*keys.CHKDataSize-1234)
	u := mustInsert(t, c, data, InsertOptions{URI: chkURI, DontCompress: true})
	m := splitfileOf(t, c, bs, u)
	segs := SegmentLayout(m.Length, m.SegmentData, m.SegmentCheck)
	if len(segs) != 3 || segs[2].Data != 20 || segs[2].Check != 20 {
		t.Fatalf("layout %+v", segs)
	}
	r := rand.New(rand.NewPCG(5, 5))
	var spare []keys.RoutingKey
	for _, s := range segs {
		idx := r.Perm(s.Data + s.Check)
		for _, i := range idx[:s.Check] {
			if err := ds.Delete(m.Blocks[s.First+i].Routing); err != nil {
				t.Fatal(err)
			}
		}
		spare = append(spare, m.Blocks[s.First+idx[s.Check]].Routing)
	}
	var last Progress
	var buf bytes.Buffer
	res, err := c.Fetch(context.Background(), u, &buf, FetchOptions{Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) || res.Size != int64(len(data)) {
		t.Fatal("rebuilt file differs")
	}
	if !last.FinalizedTotal || last.Succeeded < last.Required || last.Failed == 0 {
		t.Errorf("final progress %+v", last)
	}
	// One more block missing in the middle segment.
	if err := ds.Delete(spare[1]); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_, err = c.Fetch(context.Background(), u, &buf, FetchOptions{})
	if !errors.Is(err, &FetchError{Code: fcpwire.FetchAllDataNotFound}) {
		t.Fatalf("with k-1 blocks: %v, want ALL_DATA_NOT_FOUND", err)
	}
	if !strings.Contains(err.Error(), "127 of 256 blocks found, 128 needed") {
		t.Errorf("message: %v", err)
	}
}

// TestCorruptBlocksInStore plants wrong bytes under some data blocks' keys
// (the store's unverified batch path lets them in, as a disk fault would).
// The fetch reads blocks unverified and decodes them: each wrong block must
// fail its decode, be re-read verified (so the datastore drops it and
// counts it), and be replaced by a check block; the file comes out exact.
func TestCorruptBlocksInStore(t *testing.T) {
	ds := openStore(t)
	bs := NewLocalStore(ds)
	c := newClient(t, bs, Config{})
	data := randBytes(12, 2*128*keys.CHKDataSize)
	u := mustInsert(t, c, data, InsertOptions{URI: chkURI, DontCompress: true})
	m := splitfileOf(t, c, bs, u)
	var planted []keys.RoutingKey
	// Data blocks of both segments (blocks 0-255 are segment 0, data then
	// check), and the first check block segment 0 will turn to.
	for _, i := range []int{0, 5, 127, 128, 256, 300} {
		rk := m.Blocks[i].Routing
		if err := ds.Delete(rk); err != nil {
			t.Fatal(err)
		}
		wrong := randBytes(uint64(100+i), keys.CHKBlockSize)
		if err := ds.PutBatchEncoded([]datastore.Entry{{Key: rk, Block: wrong}}, datastore.RegionStore); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, rk)
	}
	var buf bytes.Buffer
	if _, err := c.Fetch(context.Background(), u, &buf, FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatal("fetched file differs")
	}
	if st := ds.Stats(); st.Corruptions != uint64(len(planted)) {
		t.Errorf("datastore counted %d corruptions, want %d", st.Corruptions, len(planted))
	}
	for _, rk := range planted {
		if ok, _ := ds.Has(rk); ok {
			t.Errorf("corrupt block %s still stored", rk)
		}
	}
}

func TestCompressionAndMaxSize(t *testing.T) {
	checkGoroutines(t)
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	zeros := make([]byte, 40<<20)
	u := mustInsert(t, c, zeros, InsertOptions{URI: chkURI})
	if mem.len() > 20 {
		t.Errorf("40 MiB of zeros took %d blocks", mem.len())
	}
	m := splitfileOrInline(t, mem, u)
	if m.Codec != keys.CodecGzip || m.Size != int64(len(zeros)) {
		t.Errorf("codec %d size %d", m.Codec, m.Size)
	}
	got, _ := mustFetch(t, c, u)
	if !bytes.Equal(got, zeros) {
		t.Fatal("zeros differ")
	}
	if code := fetchCode(t, c, u, FetchOptions{MaxSize: 1 << 20}); code != fcpwire.FetchTooBig {
		t.Errorf("MaxSize: code %d", code)
	}
	// DontCompress and incompressible data are stored raw.
	u = mustInsert(t, c, make([]byte, 1<<20), InsertOptions{URI: chkURI, DontCompress: true})
	if m := splitfileOrInline(t, mem, u); m.Codec != keys.CodecNone || m.Length != 1<<20 {
		t.Errorf("DontCompress: codec %d, length %d", m.Codec, m.Length)
	}
	u = mustInsert(t, c, randBytes(1, 1<<20), InsertOptions{URI: chkURI})
	if m := splitfileOrInline(t, mem, u); m.Codec != keys.CodecNone {
		t.Errorf("random data compressed")
	}
	// A bomb: an inline document declaring a small size holding a large
	// gzip stream stops at the declared size.
	bomb := gzipBytes(make([]byte, 10<<20))
	doc, err := (&Metadata{Type: DocInline, Codec: keys.CodecGzip, Size: 100, Data: bomb}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	blk, bu, err := keys.EncodeCHK(doc, keys.EncodeOptions{Control: true})
	if err != nil {
		t.Fatal(err)
	}
	mem.PutBlock(context.Background(), keys.RoutingKey(bu.Key), blk)
	if code := fetchCode(t, c, bu, FetchOptions{}); code != fcpwire.FetchInvalidMetadata {
		t.Errorf("bomb: code %d", code)
	}
	if code := fetchCode(t, c, bu, FetchOptions{MaxSize: 50}); code != fcpwire.FetchTooBig {
		t.Errorf("bomb with MaxSize: code %d", code)
	}
}

// splitfileOrInline returns the metadata document stored in the CHK u names.
func splitfileOrInline(t *testing.T, bs BlockStore, u keys.URI) *Metadata {
	t.Helper()
	blk, err := bs.GetBlock(context.Background(), keys.RoutingKey(u.Key))
	if err != nil {
		t.Fatal(err)
	}
	d, err := keys.Decode(blk, u)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(d.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFetchErrors(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	u := mustInsert(t, c, []byte("x"), InsertOptions{URI: chkURI})
	missing := u
	missing.Key[0] ^= 1
	if code := fetchCode(t, c, missing, FetchOptions{}); code != fcpwire.FetchDataNotFound {
		t.Errorf("missing block: code %d", code)
	}
	wrongKey := u
	wrongKey.CryptoKey[0] ^= 1
	if code := fetchCode(t, c, wrongKey, FetchOptions{}); code != fcpwire.FetchBlockDecodeError {
		t.Errorf("wrong crypto key: code %d", code)
	}
	withMeta := u
	withMeta.Meta = []string{"x"}
	if code := fetchCode(t, c, withMeta, FetchOptions{}); code != fcpwire.FetchTooManyPathComponents {
		t.Errorf("meta-string at a file: code %d", code)
	}
	// A redirect loop stops at MaxRecursion.
	ins, req := sskPair(t, 4)
	ins.Name, req.Name = "loop", "loop"
	doc, _ := (&Metadata{Type: DocRedirect, Target: req}).MarshalBinary()
	blk, _, err := keys.EncodeSSK(ins, doc, keys.EncodeOptions{Control: true})
	if err != nil {
		t.Fatal(err)
	}
	rk, _ := keys.RoutingKeyOf(req)
	mem.PutBlock(context.Background(), rk, blk)
	if code := fetchCode(t, c, req, FetchOptions{}); code != fcpwire.FetchTooMuchRecursion {
		t.Errorf("redirect loop: code %d", code)
	}
	// Cancelled.
	big := mustInsert(t, c, randBytes(2, 2<<20), InsertOptions{URI: chkURI})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Fetch(ctx, big, io.Discard, FetchOptions{})
	if !errors.Is(err, &FetchError{Code: fcpwire.FetchCancelled}) {
		t.Errorf("cancelled fetch: %v", err)
	}
	_, err = c.Insert(ctx, bytes.NewReader(randBytes(3, 2<<20)), InsertOptions{URI: chkURI})
	if !errors.Is(err, &InsertError{Code: fcpwire.InsertCancelled}) {
		t.Errorf("cancelled insert: %v", err)
	}
	// Insert URI errors.
	_, reqOnly := sskPair(t, 5)
	// (CHK@/x is allowed: FCP's TargetFilename; see TestInsertNamedCHK.)
	for bad, code := range map[string]int{reqOnly.String(): fcpwire.InsertInvalidURI, "CHK@/x/y": fcpwire.InsertMetaStringsNotSupported} {
		u := reqOnly
		if bad == "CHK@/x/y" {
			u = keys.URI{Type: keys.CHK, Meta: []string{"x", "y"}}
		}
		if _, err := c.Insert(context.Background(), strings.NewReader("x"), InsertOptions{URI: u}); !errors.Is(err, &InsertError{Code: code}) {
			t.Errorf("insert under %s: %v", bad, err)
		}
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

func TestInsertReadError(t *testing.T) {
	checkGoroutines(t)
	c := newClient(t, newMemStore(), Config{})
	for _, n := range []int{10, 10 << 20} {
		_, err := c.Insert(context.Background(), &failingReader{n: n}, InsertOptions{URI: chkURI, DontCompress: n > 100})
		if !errors.Is(err, &InsertError{Code: fcpwire.InsertBucketError}) {
			t.Errorf("read error after %d bytes: %v", n, err)
		}
	}
}

func TestProgress(t *testing.T) {
	c := newClient(t, newMemStore(), Config{})
	var ps []Progress
	mustInsert(t, c, randBytes(1, 5<<20), InsertOptions{URI: chkURI, Progress: func(p Progress) { ps = append(ps, p) }})
	last := ps[len(ps)-1]
	// 160 data + 160 check blocks and one metadata block.
	if last.Succeeded != 321 || last.Total != 321 || last.Required != 321 || last.Failed != 0 || !last.FinalizedTotal {
		t.Errorf("insert progress %+v", last)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{
		{SegmentDataBlocks: 200, SegmentCheckBlocks: 100},
		{CompressionRatio: 1.5},
		{Parallelism: -1},
		{MaxMetadataSize: 10},
	} {
		if cfg.Validate() == nil {
			t.Errorf("%+v accepted", cfg)
		}
		if _, err := New(newMemStore(), cfg); err == nil {
			t.Errorf("New accepted %+v", cfg)
		}
	}
}

func TestSmallSegments(t *testing.T) {
	// Odd segment shapes round-trip, including a ratio other than 1:1.
	for _, km := range [][2]int{{1, 1}, {3, 2}, {10, 30}} {
		c := newClient(t, newMemStore(), Config{SegmentDataBlocks: km[0], SegmentCheckBlocks: km[1]})
		data := randBytes(uint64(km[0]), 11*keys.CHKDataSize+5)
		u := mustInsert(t, c, data, InsertOptions{URI: chkURI})
		if got, _ := mustFetch(t, c, u); !bytes.Equal(got, data) {
			t.Errorf("%v: data differs", km)
		}
	}
}

func ctypeOf(name string) string { return fmt.Sprintf("x/type-%d", len(name)) }

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestWriterFailure stops a fetch on a write error, compressed or not,
// without leaving goroutines behind.
func TestWriterFailure(t *testing.T) {
	checkGoroutines(t)
	c := newClient(t, newMemStore(), Config{})
	for _, data := range [][]byte{randBytes(1, 20<<20), textBytes(2, 20<<20)} {
		u := mustInsert(t, c, data, InsertOptions{URI: chkURI})
		_, err := c.Fetch(context.Background(), u, &failWriter{n: 5 << 20}, FetchOptions{})
		if !errors.Is(err, &FetchError{Code: fcpwire.FetchBucketError}) {
			t.Errorf("write failure: %v", err)
		}
		// MaxSize reached mid-stream (declared size checked first).
		if code := fetchCode(t, c, u, FetchOptions{MaxSize: 1 << 20}); code != fcpwire.FetchTooBig {
			t.Errorf("MaxSize: code %d", code)
		}
	}
}

// TestFetchRequestsOnlyK: with every block present, a fetch requests exactly
// k blocks per segment (the data blocks), never the check blocks.
func TestFetchRequestsOnlyK(t *testing.T) {
	mem := newMemStore()
	c := newClient(t, mem, Config{})
	data := randBytes(8, 5<<20) // 160 data blocks: segments of 128 and 32
	u := mustInsert(t, c, data, InsertOptions{URI: chkURI})
	mem.gets = 0
	var last Progress
	var buf bytes.Buffer
	if _, err := c.Fetch(context.Background(), u, &buf, FetchOptions{Progress: func(p Progress) { last = p }}); err != nil {
		t.Fatal(err)
	}
	if mem.gets != 161 {
		t.Errorf("%d block requests, want 160 data blocks + 1 metadata block", mem.gets)
	}
	if want := (Progress{Total: 321, Required: 161, Succeeded: 161, FinalizedTotal: true}); last != want {
		t.Errorf("progress %+v, want %+v", last, want)
	}
}
