package vectorcheck

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// docs/metadata.md: documents (§2), inserts (§1, §3, §4) and the parser's
// MUST-reject rules (§7).

// Document types and limits of docs/metadata.md §2 and §6.
const (
	docInline    = 1
	docRedirect  = 2
	docSplitfile = 3
	docManifest  = 4

	maxContentType   = 255
	maxStoredLength  = 1 << 40
	maxDeclaredSize  = 1 << 46
	maxSegmentBlocks = 256
	maxEntries       = 65536
	maxNesting       = 32

	// The insert defaults of §3 and §4.
	compressionSample = 64 << 10
	minSample         = 128
	segmentData       = 128
	segmentCheck      = 128
	maxMetadataLevels = 4
)

// metaDoc is a metadata document.
type metaDoc struct {
	typ, flags  byte
	contentType string
	codec       byte
	size        uint64
	data        []byte     // inline
	target      string     // redirect
	length      uint64     // splitfile
	k, m        int        // splitfile
	keys        [][64]byte // splitfile: routing key, then crypto key
	defaultName string     // manifest
	entries     []metaEntry
}

type metaEntry struct {
	name string
	doc  *metaDoc
}

func appendStr(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

// marshal writes the document as §2 lays it out.
func (d *metaDoc) marshal() []byte {
	b := []byte{'H', 'M', 'D', 1, d.typ, d.flags}
	switch d.typ {
	case docInline:
		b = appendStr(b, d.contentType)
		b = append(b, d.codec)
		b = binary.BigEndian.AppendUint64(b, d.size)
		b = append(b, d.data...)
	case docRedirect:
		b = appendStr(b, d.contentType)
		b = appendStr(b, d.target)
	case docSplitfile:
		b = appendStr(b, d.contentType)
		b = append(b, d.codec)
		b = binary.BigEndian.AppendUint64(b, d.size)
		b = binary.BigEndian.AppendUint64(b, d.length)
		b = binary.BigEndian.AppendUint16(b, uint16(d.k))
		b = binary.BigEndian.AppendUint16(b, uint16(d.m))
		for _, k := range d.keys {
			b = append(b, k[:]...)
		}
	case docManifest:
		b = appendStr(b, d.defaultName)
		b = binary.BigEndian.AppendUint32(b, uint32(len(d.entries)))
		for _, e := range d.entries {
			b = appendStr(b, e.name)
			doc := e.doc.marshal()
			b = binary.BigEndian.AppendUint32(b, uint32(len(doc)))
			b = append(b, doc...)
		}
	}
	return b
}

// blockURI is the CHK URI of a splitfile block: its extra field is implied
// (version 1, algorithm 1, no flags, codec none).
func blockURI(k [64]byte) string {
	return "CHK@" + b64(k[:32]) + "," + b64(k[32:]) + ",AQEAAA"
}

// String summarises the document in the form of the vectors' "summary"
// field (node/clientlayer's Metadata.String; not a format of the spec).
func (d *metaDoc) String() string {
	var b strings.Builder
	switch d.typ {
	case docInline:
		fmt.Fprintf(&b, "inline ct=%q codec=%d size=%d data=%x", d.contentType, d.codec, d.size, d.data)
	case docRedirect:
		fmt.Fprintf(&b, "redirect ct=%q target=%s", d.contentType, d.target)
	case docSplitfile:
		fmt.Fprintf(&b, "splitfile ct=%q codec=%d size=%d length=%d k=%d m=%d metadata=%t blocks=%d",
			d.contentType, d.codec, d.size, d.length, d.k, d.m, d.flags&1 != 0, len(d.keys))
		if len(d.keys) > 0 {
			fmt.Fprintf(&b, " first=%s last=%s", blockURI(d.keys[0]), blockURI(d.keys[len(d.keys)-1]))
		}
	case docManifest:
		fmt.Fprintf(&b, "manifest default=%q {", d.defaultName)
		for i, e := range d.entries {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: %s", e.name, e.doc)
		}
		b.WriteString("}")
	}
	return b.String()
}

// segmentShapeOK is M11: k ≥ 1, m ≥ 1 and k + m′ ≤ 256, m′ the smallest
// power of two ≥ m: §4 puts the check blocks at the m′ points 0 … m′−1 and
// the data blocks, in groups of m′, at the points from m′ on, and the field
// has 256 points.
func segmentShapeOK(k, m int) bool {
	if k < 1 || m < 1 || m > maxSegmentBlocks {
		return false
	}
	points := 1
	for points < m {
		points *= 2
	}
	return k+points <= maxSegmentBlocks
}

// splitBlocks is the number of data and check blocks §4 gives a splitfile.
func splitBlocks(length uint64, k, m int) uint64 {
	blocks := (length + chkDataSize - 1) / chkDataSize
	var n uint64
	for done := uint64(0); done < blocks; done += uint64(k) {
		d := min(uint64(k), blocks-done)
		n += d + (d*uint64(m)+uint64(k)-1)/uint64(k)
	}
	return n
}

// metaReader reads the fields of a document; the first failure sticks.
type metaReader struct {
	b    []byte
	rule string
}

func (r *metaReader) take(n int) []byte {
	if r.rule != "" {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.rule = "M2"
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *metaReader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *metaReader) u16() int {
	if b := r.take(2); b != nil {
		return int(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *metaReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *metaReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *metaReader) str() string { return string(r.take(r.u16())) }

func (r *metaReader) fail(rule string) {
	if r.rule == "" {
		r.rule = rule
	}
}

// parseMetadata parses a document by §2 and returns the rule of §7 it
// breaks, or "".
func parseMetadata(doc []byte) (*metaDoc, string) {
	return parseMetaAt(doc, 0)
}

// parseMetaAt parses a document inside nesting manifests.
func parseMetaAt(doc []byte, nesting int) (*metaDoc, string) {
	if len(doc) == 0 {
		return nil, "M2"
	}
	n := min(len(doc), 3)
	if !bytes.Equal(doc[:n], []byte("HMD")[:n]) {
		return nil, "M1"
	}
	r := &metaReader{b: doc}
	r.take(3)
	if v := r.u8(); r.rule == "" && v != 1 {
		return nil, "M3"
	}
	d := &metaDoc{typ: r.u8()}
	if r.rule == "" && (d.typ < docInline || d.typ > docManifest) {
		return nil, "M4"
	}
	d.flags = r.u8()
	if r.rule == "" && d.flags != 0 && (d.typ != docSplitfile || d.flags != 1) {
		return nil, "M5"
	}
	switch d.typ {
	case docInline:
		d.contentType = r.str()
		d.codec = r.u8()
		d.size = r.u64()
		d.data = r.take(len(r.b))
		checkContentType(r, d.contentType)
		checkCodec(r, d.codec)
		if d.size > maxDeclaredSize || (d.codec == 0 && d.size != uint64(len(d.data))) {
			r.fail("M8")
		}
	case docRedirect:
		d.contentType = r.str()
		d.target = r.str()
		checkContentType(r, d.contentType)
		if r.rule == "" {
			u, err := parseURI(d.target)
			if err != nil || u.String() != d.target || u.insert() {
				r.fail("M9")
			}
		}
	case docSplitfile:
		d.contentType = r.str()
		d.codec = r.u8()
		d.size = r.u64()
		d.length = r.u64()
		d.k = r.u16()
		d.m = r.u16()
		checkContentType(r, d.contentType)
		checkCodec(r, d.codec)
		if d.size > maxDeclaredSize || (d.codec == 0 && d.size != d.length) {
			r.fail("M8")
		}
		if d.length == 0 || d.length > maxStoredLength || (d.flags&1 != 0 && d.contentType != "") {
			r.fail("M10")
		}
		if !segmentShapeOK(d.k, d.m) {
			r.fail("M11")
		}
		if r.rule == "" {
			if uint64(len(r.b)) != 64*splitBlocks(d.length, d.k, d.m) {
				r.fail("M12")
			}
			for r.rule == "" && len(r.b) > 0 {
				d.keys = append(d.keys, [64]byte(r.take(64)))
			}
		}
	case docManifest:
		if nesting+1 > maxNesting {
			return nil, "M15"
		}
		d.defaultName = r.str()
		if d.defaultName != "" {
			checkName(r, d.defaultName)
		}
		count := r.u32()
		if r.rule == "" && count > maxEntries {
			r.fail("M14")
		}
		for i := uint32(0); i < count && r.rule == ""; i++ {
			name := r.str()
			body := r.take(int(r.u32()))
			checkName(r, name)
			if r.rule != "" {
				break
			}
			sub, rule := parseMetaAt(body, nesting+1)
			if rule != "" {
				return nil, rule
			}
			if len(d.entries) > 0 && d.entries[len(d.entries)-1].name >= name {
				r.fail("M14")
			}
			d.entries = append(d.entries, metaEntry{name, sub})
		}
		if r.rule == "" && d.defaultName != "" {
			found := false
			for _, e := range d.entries {
				found = found || e.name == d.defaultName
			}
			if !found {
				r.fail("M14")
			}
		}
	}
	if r.rule == "" && len(r.b) != 0 {
		r.fail("M2")
	}
	if r.rule != "" {
		return nil, r.rule
	}
	return d, ""
}

// checkContentType is M6.
func checkContentType(r *metaReader, ct string) {
	if r.rule != "" {
		return
	}
	if len(ct) > maxContentType || strings.ContainsFunc(ct, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
		r.fail("M6")
	}
}

// checkCodec is M7.
func checkCodec(r *metaReader, codec byte) {
	if r.rule == "" && codec > 1 {
		r.fail("M7")
	}
}

// checkName is M13.
func checkName(r *metaReader, name string) {
	if r.rule != "" {
		return
	}
	if name == "" || !utf8.ValidString(name) || strings.ContainsFunc(name, func(c rune) bool { return c == '/' || c < 0x20 || c == 0x7f }) {
		r.fail("M13")
	}
}

// inserter computes the URI a CHK insert gives (§1, §3, §4), storing no
// block.
type inserter struct {
	field *leoField
}

// chkKey encodes one block and returns its 64-byte key.
func (ins *inserter) chkKey(data []byte) ([64]byte, error) {
	_, r, k, err := encodeCHK(data)
	var key [64]byte
	copy(key[:32], r[:])
	copy(key[32:], k[:])
	return key, err
}

// gzipped is data through gzip at BestSpeed (§3).
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		panic(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// compress applies §3: the stored bytes and their codec.
func compress(data []byte, dontCompress bool) ([]byte, byte) {
	sample := data[:min(len(data), compressionSample)]
	if dontCompress || len(sample) < minSample {
		return data, 0
	}
	if z := gzipped(sample); 8*len(z) > 7*len(sample) {
		return data, 0
	}
	return gzipped(data), 1
}

// splitfile stores stored as a splitfile (§4) and returns its document.
func (ins *inserter) splitfile(stored []byte, contentType string, codec byte, size uint64, isMetadata bool) (*metaDoc, error) {
	d := &metaDoc{typ: docSplitfile, contentType: contentType, codec: codec, size: size,
		length: uint64(len(stored)), k: segmentData, m: segmentCheck}
	if isMetadata {
		d.flags = 1
	}
	var blocks [][]byte
	for off := 0; off < len(stored); off += chkDataSize {
		blocks = append(blocks, stored[off:min(off+chkDataSize, len(stored))])
	}
	for s := 0; s < len(blocks); s += d.k {
		seg := blocks[s:min(s+d.k, len(blocks))]
		shards := make([][]byte, len(seg))
		for i, b := range seg {
			key, err := ins.chkKey(b)
			if err != nil {
				return nil, err
			}
			d.keys = append(d.keys, key)
			shards[i] = make([]byte, chkDataSize)
			copy(shards[i], b)
		}
		c := (len(seg)*d.m + d.k - 1) / d.k
		checks, err := leopardParity(ins.field, shards, c)
		if err != nil {
			return nil, err
		}
		for _, b := range checks {
			key, err := ins.chkKey(b)
			if err != nil {
				return nil, err
			}
			d.keys = append(d.keys, key)
		}
	}
	return d, nil
}

// insertCHK returns the request URI of inserting data under a CHK.
func (ins *inserter) insertCHK(data []byte, contentType string, dontCompress bool) (string, error) {
	stored, codec := compress(data, dontCompress)
	doc := (&metaDoc{typ: docInline, contentType: contentType, codec: codec, size: uint64(len(data)), data: stored}).marshal()
	switch {
	case len(doc) <= chkDataSize:
	case len(stored) <= chkDataSize:
		_, r, k, err := encodeCHK(stored)
		if err != nil {
			return "", err
		}
		doc = (&metaDoc{typ: docRedirect, contentType: contentType, target: chkURI(r, k, int(codec), false)}).marshal()
	default:
		d, err := ins.splitfile(stored, contentType, codec, uint64(len(data)), false)
		if err != nil {
			return "", err
		}
		doc = d.marshal()
		for level := 1; len(doc) > chkDataSize; level++ {
			if level > maxMetadataLevels {
				return "", fmt.Errorf("vectorcheck: more than %d metadata levels", maxMetadataLevels)
			}
			if d, err = ins.splitfile(doc, "", 0, uint64(len(doc)), true); err != nil {
				return "", err
			}
			doc = d.marshal()
		}
	}
	_, r, k, err := encodeCHK(doc)
	if err != nil {
		return "", err
	}
	return chkURI(r, k, 0, true), nil
}
