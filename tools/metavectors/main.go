// Command metavectors writes the metadata test vectors in
// docs/vectors/metadata/: one JSON file per scenario: valid documents of
// each type (what they parse to), one or more documents per MUST-reject rule
// of docs/metadata.md, and whole inserts (data in, request URI out). The
// output is deterministic; node/clientlayer's vector test loads every file and
// checks the committed files are current.
//
// Usage:
//
//	go run ./tools/metavectors [-out docs/vectors/metadata]
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
)

// Vector is one test vector file. Unused fields are omitted; the loader in
// node/clientlayer/vectors_test.go rejects unknown fields.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Op is "parse" (Doc parses to Summary and serializes back to Doc),
	// "reject" (Doc is rejected under Rule) or "insert" (inserting the data
	// under a CHK gives URI).
	Op   string `json:"op"`
	Rule string `json:"rule,omitempty"`
	// Doc is the document, hex.
	Doc string `json:"doc,omitempty"`
	// Summary is Metadata.String() of the parsed document.
	Summary string `json:"summary,omitempty"`
	// DataHex, or DataSeed and DataLen (ChaCha8 with the seed as the first
	// key byte), give an insert's data.
	DataHex      string `json:"data_hex,omitempty"`
	DataSeed     int    `json:"data_seed,omitempty"`
	DataLen      int    `json:"data_len,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	DontCompress bool   `json:"dont_compress,omitempty"`
	URI          string `json:"uri,omitempty"`
}

// SeededData returns the data of an insert vector.
func SeededData(seed, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(b)
	return b
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func fakeKeys(n int, seed byte) []clientlayer.BlockKey {
	r := rand.NewChaCha8([32]byte{seed, 0xbb})
	ks := make([]clientlayer.BlockKey, n)
	for i := range ks {
		r.Read(ks[i].Routing[:])
		r.Read(ks[i].Crypto[:])
	}
	return ks
}

func marshal(m *clientlayer.Metadata) []byte { return must(m.MarshalBinary()) }

// raw builds a document header by hand: magic, version, type, flags.
func raw(version, typ, flags byte, body ...[]byte) []byte {
	b := []byte{'H', 'M', 'D', version, typ, flags}
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

func str(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

func u8(v byte) []byte    { return []byte{v} }
func u16(v int) []byte    { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte    { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func keyBytes(ks []clientlayer.BlockKey) []byte {
	var b []byte
	for _, k := range ks {
		b = append(b, k.Routing[:]...)
		b = append(b, k.Crypto[:]...)
	}
	return b
}

// entry builds a manifest entry by hand.
func entry(name string, doc []byte) []byte {
	return append(append(str(name), u32(len(doc))...), doc...)
}

func vectors() []Vector {
	chk := must(keys.Parse("CHK@c8nPcx1Xf04W0rWspTSO1lGwiHj176db87yHkeo7xWQ,h9p7OZPBM5eLjQMeX~yvW0Afzt8AMK7KC1K8NZ~26ZY,AQEAAA"))
	_, ssk := must2(keys.GenerateSSK(bytes.NewReader(bytes.Repeat([]byte{7}, 64))))
	usk := ssk
	usk.Type, usk.Name, usk.Edition, usk.Meta = keys.USK, "site", 5, []string{"a", "b.png"}
	inlineText := marshal(&clientlayer.Metadata{Type: clientlayer.DocInline, ContentType: "text/plain; charset=utf-8", Size: 18, Data: []byte("hello, مرحبا!")})
	redirect := marshal(&clientlayer.Metadata{Type: clientlayer.DocRedirect, ContentType: "image/png", Target: chk})
	split := marshal(&clientlayer.Metadata{Type: clientlayer.DocSplitfile, ContentType: "video/webm", Size: 70000, Length: 70000,
		SegmentData: 128, SegmentCheck: 128, Blocks: fakeKeys(6, 1)})
	small := &clientlayer.Metadata{Type: clientlayer.DocSplitfile, Codec: keys.CodecGzip, Size: 1 << 20, Length: 10*keys.CHKDataSize - 100,
		SegmentData: 4, SegmentCheck: 2, Blocks: fakeKeys(15, 2)}
	manifest := marshal(&clientlayer.Metadata{Type: clientlayer.DocManifest, DefaultName: "index.html", Entries: []clientlayer.ManifestEntry{
		{Name: "a", Doc: &clientlayer.Metadata{Type: clientlayer.DocManifest, Entries: []clientlayer.ManifestEntry{
			{Name: "b.png", Doc: &clientlayer.Metadata{Type: clientlayer.DocRedirect, Target: chk}}}}},
		{Name: "index.html", Doc: &clientlayer.Metadata{Type: clientlayer.DocInline, ContentType: "text/html", Size: 2, Data: []byte("hi")}},
		{Name: "مرحبا.txt", Doc: &clientlayer.Metadata{Type: clientlayer.DocRedirect, ContentType: "text/plain", Target: usk}},
	}})
	vs := []Vector{
		{Name: "parse-inline-empty", Description: "an empty file inline", Op: "parse",
			Doc: hex.EncodeToString(marshal(&clientlayer.Metadata{Type: clientlayer.DocInline}))},
		{Name: "parse-inline-text", Description: "UTF-8 text inline with a content type", Op: "parse", Doc: hex.EncodeToString(inlineText)},
		{Name: "parse-inline-gzip", Description: "gzip data inline; size is the decompressed length", Op: "parse",
			Doc: hex.EncodeToString(raw(1, 1, 0, str(""), u8(1), u64(1000), []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}))},
		{Name: "parse-redirect-chk", Description: "a redirect to a CHK with a content type", Op: "parse", Doc: hex.EncodeToString(redirect)},
		{Name: "parse-redirect-usk", Description: "a redirect to a USK edition with meta-strings", Op: "parse",
			Doc: hex.EncodeToString(marshal(&clientlayer.Metadata{Type: clientlayer.DocRedirect, Target: usk}))},
		{Name: "parse-splitfile-one-segment", Description: "70000 bytes: 3 data + 3 check blocks", Op: "parse", Doc: hex.EncodeToString(split)},
		{Name: "parse-splitfile-segments", Description: "k=4 m=2, 10 blocks: segments 4+2, 4+2, 2+1; gzip", Op: "parse", Doc: hex.EncodeToString(marshal(small))},
		{Name: "parse-splitfile-metadata", Description: "a metadata splitfile (flag bit 0)", Op: "parse",
			Doc: hex.EncodeToString(marshal(&clientlayer.Metadata{Type: clientlayer.DocSplitfile, IsMetadata: true, Size: 40000, Length: 40000,
				SegmentData: 128, SegmentCheck: 128, Blocks: fakeKeys(4, 3)}))},
		{Name: "parse-splitfile-shape-edge", Description: "k=192 m=33: m′ = 64 (the smallest power of two ≥ m) and k + m′ = 256, the most rule M11 allows; 3 blocks: 3 data + 1 check", Op: "parse",
			Doc: hex.EncodeToString(marshal(&clientlayer.Metadata{Type: clientlayer.DocSplitfile, Size: 3*keys.CHKDataSize - 7, Length: 3*keys.CHKDataSize - 7,
				SegmentData: 192, SegmentCheck: 33, Blocks: fakeKeys(4, 4)}))},
		{Name: "parse-manifest", Description: "a manifest with a default name, a nested manifest and a UTF-8 name", Op: "parse", Doc: hex.EncodeToString(manifest)},
	}
	rej := func(rule, name, desc string, doc []byte) {
		vs = append(vs, Vector{Name: "reject-" + rule + "-" + name, Description: desc, Op: "reject", Rule: rule, Doc: hex.EncodeToString(doc)})
	}
	rej("M1", "magic", "wrong magic", raw(1, 1, 0, str(""), u8(0), u64(0))[1:])
	rej("M1", "magic-case", "lower-case magic", append([]byte("hmd"), inlineText[3:]...))
	rej("M2", "truncated", "a splitfile cut inside its header", split[:20])
	rej("M2", "trailing", "a byte after a redirect", append(bytes.Clone(redirect), 0))
	rej("M2", "short-string", "a content type length past the end", raw(1, 2, 0, u16(100), []byte("x")))
	rej("M2", "empty", "no bytes at all", nil)
	rej("M3", "version", "version 2", raw(2, 1, 0, str(""), u8(0), u64(0)))
	rej("M4", "type", "document type 9", raw(1, 9, 0))
	rej("M4", "type-zero", "document type 0", raw(1, 0, 0))
	rej("M5", "inline-flags", "an inline document with a flag", raw(1, 1, 1, str(""), u8(0), u64(0)))
	rej("M5", "splitfile-flags", "a splitfile with flag bit 1", append(append([]byte{}, split[:5]...), append([]byte{2}, split[6:]...)...))
	rej("M6", "control", "a content type with a newline", raw(1, 1, 0, str("text/plain\n"), u8(0), u64(0)))
	rej("M6", "long", "a content type of 256 bytes", raw(1, 1, 0, str(strings.Repeat("a", 256)), u8(0), u64(0)))
	rej("M6", "utf8", "a content type with a non-ASCII byte", raw(1, 2, 0, str("text/é"), str(chk.String())))
	rej("M7", "codec", "codec 2", raw(1, 1, 0, str(""), u8(2), u64(0)))
	rej("M8", "inline-size", "uncompressed inline data of 2 bytes declaring 3", raw(1, 1, 0, str(""), u8(0), u64(3), []byte("hi")))
	rej("M8", "splitfile-size", "an uncompressed splitfile whose size differs from its length",
		raw(1, 3, 0, str(""), u8(0), u64(70001), u64(70000), u16(128), u16(128), keyBytes(fakeKeys(6, 1))))
	rej("M8", "huge", "a size beyond 2^46", raw(1, 1, 0, str(""), u8(1), u64(1<<62)))
	rej("M9", "parse", "a target that is not a URI", raw(1, 2, 0, str(""), str("http://example.com/")))
	rej("M9", "noncanonical", "a target with the freenet: prefix", raw(1, 2, 0, str(""), str("freenet:"+chk.String())))
	rej("M9", "insert", "a target that is an SSK insert URI", raw(1, 2, 0, str(""),
		str(must2a(keys.GenerateSSK(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))).String()+"doc")))
	rej("M10", "zero", "a splitfile of length 0", raw(1, 3, 0, str(""), u8(0), u64(0), u64(0), u16(128), u16(128)))
	rej("M10", "too-long", "a splitfile longer than 2^40", raw(1, 3, 0, str(""), u8(1), u64(1), u64(1<<40+1), u16(128), u16(128)))
	rej("M10", "metadata-ctype", "a metadata splitfile with a content type",
		raw(1, 3, 1, str("text/plain"), u8(0), u64(70000), u64(70000), u16(128), u16(128), keyBytes(fakeKeys(6, 1))))
	rej("M11", "k-zero", "zero data blocks per segment", raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(0), u16(128)))
	rej("M11", "m-zero", "zero check blocks per segment", raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(128), u16(0)))
	rej("M11", "too-many", "129 + 128 blocks per segment", raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(129), u16(128)))
	// Shapes with k + m ≤ 256 that the Leopard code cannot encode; the
	// documents are otherwise valid (1 block: 1 data + 1 check key).
	rej("M11", "leopard-129-127", "129 + 127 blocks per segment: k + m = 256, but m′ = 128 and 129 + 128 > 256",
		raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(129), u16(127), keyBytes(fakeKeys(2, 5))))
	rej("M11", "leopard-200-56", "200 + 56 blocks per segment: k + m = 256, but m′ = 64 and 200 + 64 > 256",
		raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(200), u16(56), keyBytes(fakeKeys(2, 6))))
	rej("M11", "leopard-193-33", "193 + 33 blocks per segment: k + m = 226, but m′ = 64 and 193 + 64 > 256 (192 + 33 parses: parse-splitfile-shape-edge)",
		raw(1, 3, 0, str(""), u8(0), u64(100), u64(100), u16(193), u16(33), keyBytes(fakeKeys(2, 7))))
	rej("M12", "short", "5 block keys where 6 are needed", split[:len(split)-64])
	rej("M12", "long", "7 block keys where 6 are needed", append(bytes.Clone(split), keyBytes(fakeKeys(1, 9))...))
	inl := raw(1, 1, 0, str(""), u8(0), u64(0))
	rej("M13", "slash", "a manifest name with '/'", raw(1, 4, 0, str(""), u32(1), entry("a/b", inl)))
	rej("M13", "empty", "an empty manifest name", raw(1, 4, 0, str(""), u32(1), entry("", inl)))
	rej("M13", "control", "a manifest name with a tab", raw(1, 4, 0, str(""), u32(1), entry("a\tb", inl)))
	rej("M13", "utf8", "a manifest name that is not UTF-8", raw(1, 4, 0, str(""), u32(1), entry("a\xff", inl)))
	rej("M14", "unsorted", "entries out of order", raw(1, 4, 0, str(""), u32(2), entry("b", inl), entry("a", inl)))
	rej("M14", "duplicate", "a name twice", raw(1, 4, 0, str(""), u32(2), entry("a", inl), entry("a", inl)))
	rej("M14", "default", "a default name that is no entry", raw(1, 4, 0, str("index.html"), u32(1), entry("a", inl)))
	rej("M14", "count", "65537 entries", raw(1, 4, 0, str(""), u32(65537)))
	nested := inl
	for range 33 {
		nested = raw(1, 4, 0, str(""), u32(1), entry("d", nested))
	}
	rej("M15", "nesting", "manifests nested 33 deep", nested)
	rej("M2", "entry-length", "a manifest entry length past the end", raw(1, 4, 0, str(""), u32(1), str("a"), u32(1000), inl))
	rej("M4", "entry-type", "a manifest entry of unknown type", raw(1, 4, 0, str(""), u32(1), entry("a", raw(1, 7, 0))))

	ins := func(name, desc string, v Vector) {
		v.Name, v.Description, v.Op = "insert-"+name, desc, "insert"
		vs = append(vs, v)
	}
	ins("hello", "5 bytes: one block, an inline document", Vector{DataHex: hex.EncodeToString([]byte("hello")), ContentType: "text/plain"})
	ins("empty", "0 bytes: one block", Vector{})
	ins("redirect", "40000 random bytes (not compressed: gzip does not shrink them): more than one block of stored data, "+
		"so not a redirect despite the name but a splitfile of 2 data + 2 check blocks", Vector{DataSeed: 1, DataLen: 40000})
	ins("inline-max", "32751 random bytes: the inline document is 17 + 32751 = 32768 bytes, exactly one block", Vector{DataSeed: 4, DataLen: 32751})
	ins("redirect-raw-min", "32752 random bytes: the inline document (32769 bytes) does not fit a block, the data does: "+
		"one raw CHK and a redirect to it in the top block", Vector{DataSeed: 5, DataLen: 32752})
	ins("redirect-raw-max", "32768 random bytes with a content type: one full raw CHK and a redirect (with the content type) to it",
		Vector{DataSeed: 6, DataLen: 32768, ContentType: "application/x-test"})
	ins("splitfile-min", "32769 random bytes: one byte more than a block, a splitfile of 2 data + 2 check blocks", Vector{DataSeed: 7, DataLen: 32769})
	ins("gzip-inline", "880 bytes of repeated text: gzip shrinks them below 87.5 %, so they are stored compressed (codec 1) in an inline document",
		Vector{DataHex: hex.EncodeToString([]byte(strings.Repeat("All work and no play makes Jack a dull boy.\n", 20))), ContentType: "text/plain"})
	ins("splitfile", "70000 random bytes, not compressed: 3+3 blocks and a splitfile document", Vector{DataSeed: 2, DataLen: 70000, DontCompress: true, ContentType: "application/x-test"})
	ins("multilevel", "9 MiB random bytes: 3 segments; the 36 KiB splitfile document is itself a splitfile", Vector{DataSeed: 3, DataLen: 9 << 20})
	return vs
}

func must2(a, b keys.URI, err error) (keys.URI, keys.URI) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func must2a(a, _ keys.URI, err error) keys.URI {
	if err != nil {
		panic(err)
	}
	return a
}

// Fill completes parse and insert vectors by running the implementation
// (insert URIs are computed with GetCHKOnly).
func Fill(vs []Vector) error {
	for i := range vs {
		v := &vs[i]
		switch v.Op {
		case "parse":
			doc, _ := hex.DecodeString(v.Doc)
			m, err := clientlayer.ParseMetadata(doc)
			if err != nil {
				return fmt.Errorf("%s: %v", v.Name, err)
			}
			v.Summary = m.String()
		case "insert":
			u, err := InsertURI(*v)
			if err != nil {
				return fmt.Errorf("%s: %v", v.Name, err)
			}
			v.URI = u.String()
		}
	}
	return nil
}

// InsertURI computes the request URI of an insert vector.
func InsertURI(v Vector) (keys.URI, error) {
	data, err := hex.DecodeString(v.DataHex)
	if err != nil {
		return keys.URI{}, err
	}
	if v.DataLen > 0 {
		data = SeededData(v.DataSeed, v.DataLen)
	}
	c, err := clientlayer.New(nullStore{}, clientlayer.Config{})
	if err != nil {
		return keys.URI{}, err
	}
	return c.Insert(contextBackground(), bytes.NewReader(data), clientlayer.InsertOptions{
		URI: keys.URI{Type: keys.CHK}, ContentType: v.ContentType, DontCompress: v.DontCompress, GetCHKOnly: true})
}

func main() {
	out := flag.String("out", "docs/vectors/metadata", "output directory")
	flag.Parse()
	n, err := write(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "metavectors:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d vectors to %s\n", n, *out)
}

// write generates every vector into dir and removes .json files there that
// no vector writes any more. It returns the number of vectors.
func write(dir string) (int, error) {
	vs := vectors()
	if err := Fill(vs); err != nil {
		return 0, err
	}
	return len(vs), vectorfile.Write(dir, vs, func(v *Vector) string { return v.Name })
}
