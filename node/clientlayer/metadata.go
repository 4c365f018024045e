package clientlayer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
)

// Metadata document format, version 1 (docs/metadata.md).
const (
	// MetadataVersion is the format version this package writes and reads.
	MetadataVersion = 1
	// MaxContentTypeLength is the longest content type a document may hold.
	MaxContentTypeLength = 255
	// MaxManifestEntries is the largest number of entries in one manifest.
	MaxManifestEntries = 1 << 16
	// MaxManifestNesting is the deepest nesting of manifests inside one
	// document.
	MaxManifestNesting = 32
	// MaxSegmentBlocks is the number of points of GF(2^8), which bounds the
	// blocks of one segment: a shape of k data and m check blocks needs
	// k + m′ ≤ MaxSegmentBlocks, m′ the smallest power of two ≥ m
	// (ValidSegmentShape, docs/metadata.md rule M11).
	MaxSegmentBlocks = 256
	// MaxSplitfileLength is the largest stored length of a splitfile: 2^40
	// bytes (1 TiB).
	MaxSplitfileLength = 1 << 40
	// BlockKeySize is the size of one block's keys in a splitfile document.
	BlockKeySize = 2 * keys.KeySize
)

// magic starts every metadata document: "HMD" and the version.
var magic = [4]byte{'H', 'M', 'D', MetadataVersion}

// DocType is the type of a metadata document.
type DocType uint8

// Document types.
const (
	// DocInline holds the file data itself.
	DocInline DocType = 1
	// DocRedirect points to another URI.
	DocRedirect DocType = 2
	// DocSplitfile lists the blocks of a file cut into segments with
	// Reed-Solomon check blocks.
	DocSplitfile DocType = 3
	// DocManifest maps names to documents (a directory).
	DocManifest DocType = 4
)

// String returns the type's name.
func (t DocType) String() string {
	switch t {
	case DocInline:
		return "inline"
	case DocRedirect:
		return "redirect"
	case DocSplitfile:
		return "splitfile"
	case DocManifest:
		return "manifest"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

const flagSplitMetadata = 1 // splitfile flags bit 0: the content is a metadata document

// BlockKey names one CHK block of a splitfile: its routing key and crypto
// key. The extra field is implied (version 1, algorithm 1, no flags).
type BlockKey struct {
	Routing keys.RoutingKey
	Crypto  [keys.KeySize]byte
}

// URI returns the CHK URI of the block.
func (k BlockKey) URI() keys.URI {
	return keys.URI{Type: keys.CHK, Key: k.Routing, CryptoKey: k.Crypto, Extra: plainCHKExtra}
}

var plainCHKExtra = [keys.ExtraSize]byte{1, byte(keys.AlgV1), 0, 0}

// ManifestEntry is one name of a manifest and the document it maps to.
type ManifestEntry struct {
	Name string
	Doc  *Metadata
}

// Metadata is a parsed metadata document (docs/metadata.md). Which fields
// are used depends on Type.
type Metadata struct {
	Type DocType
	// ContentType is the MIME type (inline, redirect, splitfile); "" means
	// unknown here (a redirect's target may say).
	ContentType string
	// Codec is the compression of Data (inline) or of the stored bytes
	// (splitfile).
	Codec keys.Codec
	// Size is the decoded length: of Data after decompression (inline) or of
	// the splitfile's content after decompression.
	Size int64
	// Data is the file data (inline), compressed with Codec.
	Data []byte
	// Target is where a redirect points.
	Target keys.URI
	// IsMetadata marks a splitfile whose content is a metadata document
	// (multi-level metadata).
	IsMetadata bool
	// Length is the stored (compressed) length of a splitfile's content.
	Length int64
	// SegmentData and SegmentCheck are the data and check blocks of every
	// segment but the last (docs/metadata.md §4).
	SegmentData, SegmentCheck int
	// Blocks are the splitfile's block keys: per segment, data then check.
	Blocks []BlockKey
	// DefaultName is the manifest entry served when a URI has no more
	// meta-strings; "" for none.
	DefaultName string
	// Entries are the manifest's entries, sorted by name (bytewise).
	Entries []ManifestEntry
}

// Segment describes one segment of a splitfile.
type Segment struct {
	// First is the index in Metadata.Blocks of the segment's first block.
	First int
	// Data and Check are the segment's numbers of data and check blocks.
	Data, Check int
	// Offset is the position in the stored content of the first data block.
	Offset int64
	// Length is the number of stored bytes in the segment's data blocks.
	Length int64
}

// SegmentLayout returns the segments of a splitfile of length stored bytes,
// cut into segments of k data and m check blocks; the last segment has
// k' ≤ k data blocks and ceil(k'·m/k) check blocks. It returns nil for
// length ≤ 0 or k < 1.
func SegmentLayout(length int64, k, m int) []Segment {
	if length <= 0 || k < 1 || m < 0 {
		return nil
	}
	blocks := (length + keys.CHKDataSize - 1) / keys.CHKDataSize
	nseg := (blocks + int64(k) - 1) / int64(k)
	segs := make([]Segment, 0, nseg)
	first := 0
	var off int64
	for i := int64(0); i < nseg; i++ {
		d := k
		if i == nseg-1 {
			d = int(blocks - i*int64(k))
		}
		c := (d*m + k - 1) / k
		l := min(int64(d)*keys.CHKDataSize, length-off)
		segs = append(segs, Segment{First: first, Data: d, Check: c, Offset: off, Length: l})
		first += d + c
		off += l
	}
	return segs
}

// checkPoints returns m′, the smallest power of two ≥ m (m ≥ 1): the number
// of points of the field the check blocks of a Leopard code with m check
// blocks take, and the size of each group of data points (docs/metadata.md
// §4).
func checkPoints(m int) int {
	p := 1
	for p < m {
		p <<= 1
	}
	return p
}

// ValidSegmentShape reports whether k data and m check blocks per segment
// form a segment shape docs/metadata.md allows (rule M11): k ≥ 1, m ≥ 1 and
// k + m′ ≤ 256, m′ the smallest power of two ≥ m. These are exactly the
// shapes the Leopard GF(2^8) codec of klauspost/reedsolomon v1.14 accepts
// (it refuses the others with ErrInvShardCombo: 129+127, 150+100, 200+56
// have k + m ≤ 256 but not k + m′ ≤ 256). Every segment of a splitfile of a
// valid shape, the short last one too, has a valid shape: a segment of
// d ≤ k data blocks has c = ⌈d·m/k⌉ ≤ m check blocks, so d + c′ ≤ k + m′.
func ValidSegmentShape(k, m int) bool {
	return segmentShapeProblem(k, m) == ""
}

// segmentShapeProblem says why k and m are not a valid segment shape, or
// returns "".
func segmentShapeProblem(k, m int) string {
	switch {
	case k < 1 || m < 1:
		return fmt.Sprintf("segment of %d data and %d check blocks: need at least 1 of each", k, m)
	case m > MaxSegmentBlocks/2:
		return fmt.Sprintf("segment of %d data and %d check blocks: the Leopard code over GF(2^8) needs k + m′ ≤ %d, "+
			"m′ the smallest power of two ≥ m, so m ≤ %d", k, m, MaxSegmentBlocks, MaxSegmentBlocks/2)
	case k+checkPoints(m) > MaxSegmentBlocks:
		return fmt.Sprintf("segment of %d data and %d check blocks: the Leopard code over GF(2^8) needs k + m′ ≤ %d, "+
			"m′ = %d the smallest power of two ≥ m", k, m, MaxSegmentBlocks, checkPoints(m))
	}
	return ""
}

// splitfileBlockCount returns the number of blocks a splitfile has.
func splitfileBlockCount(length int64, k, m int) int64 {
	blocks := (length + keys.CHKDataSize - 1) / keys.CHKDataSize
	full := blocks / int64(k)
	rest := blocks - full*int64(k)
	n := full * int64(k+m)
	if rest > 0 {
		n += rest + (rest*int64(m)+int64(k)-1)/int64(k)
	}
	return n
}

// MetadataError reports a document that breaks a rule of docs/metadata.md.
type MetadataError struct {
	// Rule is the number of the broken MUST-reject rule, e.g. "M3".
	Rule string
	// Msg says what is wrong.
	Msg string
}

// Error formats as "client: metadata [Mn]: msg".
func (e *MetadataError) Error() string {
	return fmt.Sprintf("client: metadata [%s]: %s", e.Rule, e.Msg)
}

func metaErr(rule, format string, args ...any) error {
	return &MetadataError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// ParseMetadata parses a metadata document. It rejects, with a
// *MetadataError naming the rule, anything docs/metadata.md says a parser
// MUST reject; a document it accepts serializes back to the same bytes.
func ParseMetadata(b []byte) (*Metadata, error) {
	return parseDoc(b, 0)
}

type reader struct {
	b   []byte
	off int
}

func (r *reader) need(n int, what string) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, metaErr("M2", "document ends inside %s", what)
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, nil
}

func (r *reader) u8(what string) (byte, error) {
	p, err := r.need(1, what)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

func (r *reader) u16(what string) (int, error) {
	p, err := r.need(2, what)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(p)), nil
}

func (r *reader) u32(what string) (int64, error) {
	p, err := r.need(4, what)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint32(p)), nil
}

func (r *reader) u64(what string) (uint64, error) {
	p, err := r.need(8, what)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(p), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u16(what + " length")
	if err != nil {
		return "", err
	}
	p, err := r.need(n, what)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

func checkContentType(s string) error {
	if len(s) > MaxContentTypeLength {
		return metaErr("M6", "content type is %d bytes, longer than %d", len(s), MaxContentTypeLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return metaErr("M6", "content type holds byte 0x%02x outside printable ASCII", s[i])
		}
	}
	return nil
}

// checkName checks a manifest entry name (one path component).
func checkName(s string) error {
	if s == "" {
		return metaErr("M13", "empty manifest name")
	}
	if !utf8.ValidString(s) {
		return metaErr("M13", "manifest name %q is not valid UTF-8", s)
	}
	for _, c := range s {
		if c == '/' || c < 0x20 || c == 0x7f {
			return metaErr("M13", "manifest name %q holds '/' or a control character", s)
		}
	}
	return nil
}

func parseDoc(b []byte, nesting int) (*Metadata, error) {
	if nesting > MaxManifestNesting {
		return nil, metaErr("M15", "manifests nested deeper than %d", MaxManifestNesting)
	}
	r := &reader{b: b}
	hdr, err := r.need(6, "the header")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(hdr[0:3], magic[0:3]) {
		return nil, metaErr("M1", "bad magic %q", hdr[0:3])
	}
	if hdr[3] != MetadataVersion {
		return nil, metaErr("M3", "unknown version %d", hdr[3])
	}
	m := &Metadata{Type: DocType(hdr[4])}
	flags := hdr[5]
	if m.Type == DocSplitfile {
		if flags&^flagSplitMetadata != 0 {
			return nil, metaErr("M5", "unknown splitfile flags 0x%02x", flags)
		}
		m.IsMetadata = flags&flagSplitMetadata != 0
	} else if flags != 0 && m.Type >= DocInline && m.Type <= DocManifest {
		return nil, metaErr("M5", "unknown %s flags 0x%02x", m.Type, flags)
	}
	switch m.Type {
	case DocInline:
		err = parseInline(r, m)
	case DocRedirect:
		err = parseRedirect(r, m)
	case DocSplitfile:
		err = parseSplitfile(r, m)
	case DocManifest:
		err = parseManifest(r, m, nesting)
	default:
		return nil, metaErr("M4", "unknown document type %d", hdr[4])
	}
	if err != nil {
		return nil, err
	}
	if r.off != len(b) {
		return nil, metaErr("M2", "%d bytes after the end of the document", len(b)-r.off)
	}
	return m, nil
}

func parseCodec(r *reader, m *Metadata) error {
	c, err := r.u8("the codec")
	if err != nil {
		return err
	}
	if keys.Codec(c) != keys.CodecNone && keys.Codec(c) != keys.CodecGzip {
		return metaErr("M7", "unknown compression codec %d", c)
	}
	m.Codec = keys.Codec(c)
	return nil
}

func parseSize(r *reader, what string) (int64, error) {
	v, err := r.u64(what)
	if err != nil {
		return 0, err
	}
	if v > MaxSplitfileLength*64 {
		return 0, metaErr("M8", "%s %d is beyond the limit", what, v)
	}
	return int64(v), nil
}

func parseInline(r *reader, m *Metadata) error {
	var err error
	if m.ContentType, err = r.str("the content type"); err != nil {
		return err
	}
	if err = checkContentType(m.ContentType); err != nil {
		return err
	}
	if err = parseCodec(r, m); err != nil {
		return err
	}
	if m.Size, err = parseSize(r, "the size"); err != nil {
		return err
	}
	m.Data = r.b[r.off:]
	r.off = len(r.b)
	if m.Codec == keys.CodecNone && m.Size != int64(len(m.Data)) {
		return metaErr("M8", "size %d differs from the %d bytes of uncompressed data", m.Size, len(m.Data))
	}
	return nil
}

func parseRedirect(r *reader, m *Metadata) error {
	var err error
	if m.ContentType, err = r.str("the content type"); err != nil {
		return err
	}
	if err = checkContentType(m.ContentType); err != nil {
		return err
	}
	s, err := r.str("the target URI")
	if err != nil {
		return err
	}
	u, err := keys.Parse(s)
	if err != nil {
		return metaErr("M9", "target: %v", err)
	}
	if u.String() != s {
		return metaErr("M9", "target %q is not in canonical form", s)
	}
	if u.IsInsert() {
		return metaErr("M9", "target is an insert URI")
	}
	m.Target = u
	return nil
}

func parseSplitfile(r *reader, m *Metadata) error {
	var err error
	if m.ContentType, err = r.str("the content type"); err != nil {
		return err
	}
	if err = checkContentType(m.ContentType); err != nil {
		return err
	}
	if m.IsMetadata && m.ContentType != "" {
		return metaErr("M10", "a metadata splitfile has a content type")
	}
	if err = parseCodec(r, m); err != nil {
		return err
	}
	if m.Size, err = parseSize(r, "the size"); err != nil {
		return err
	}
	if m.Length, err = parseSize(r, "the length"); err != nil {
		return err
	}
	if m.Length < 1 || m.Length > MaxSplitfileLength {
		return metaErr("M10", "splitfile length %d outside 1..%d", m.Length, int64(MaxSplitfileLength))
	}
	if m.Codec == keys.CodecNone && m.Size != m.Length {
		return metaErr("M8", "size %d differs from the uncompressed length %d", m.Size, m.Length)
	}
	if m.SegmentData, err = r.u16("the segment data blocks"); err != nil {
		return err
	}
	if m.SegmentCheck, err = r.u16("the segment check blocks"); err != nil {
		return err
	}
	if p := segmentShapeProblem(m.SegmentData, m.SegmentCheck); p != "" {
		return metaErr("M11", "%s", p)
	}
	n := splitfileBlockCount(m.Length, m.SegmentData, m.SegmentCheck)
	rest := int64(len(r.b) - r.off)
	if rest != n*BlockKeySize {
		return metaErr("M12", "%d bytes of block keys, want %d for %d blocks", rest, n*BlockKeySize, n)
	}
	m.Blocks = make([]BlockKey, n)
	for i := range m.Blocks {
		p, _ := r.need(BlockKeySize, "a block key")
		copy(m.Blocks[i].Routing[:], p[:keys.KeySize])
		copy(m.Blocks[i].Crypto[:], p[keys.KeySize:])
	}
	return nil
}

func parseManifest(r *reader, m *Metadata, nesting int) error {
	var err error
	if m.DefaultName, err = r.str("the default name"); err != nil {
		return err
	}
	if m.DefaultName != "" {
		if err := checkName(m.DefaultName); err != nil {
			return err
		}
	}
	n, err := r.u32("the entry count")
	if err != nil {
		return err
	}
	if n > MaxManifestEntries {
		return metaErr("M14", "%d entries, more than %d", n, MaxManifestEntries)
	}
	// Each entry takes at least 2+1+4+6 bytes, so a bogus count is caught
	// before allocating.
	if n*13 > int64(len(r.b)-r.off) {
		return metaErr("M2", "document ends inside the %d entries", n)
	}
	m.Entries = make([]ManifestEntry, 0, n)
	haveDefault := m.DefaultName == ""
	for i := int64(0); i < n; i++ {
		name, err := r.str("an entry name")
		if err != nil {
			return err
		}
		if err := checkName(name); err != nil {
			return err
		}
		if i > 0 && name <= m.Entries[i-1].Name {
			return metaErr("M14", "entry %q is not after %q (names must be sorted and unique)", name, m.Entries[i-1].Name)
		}
		l, err := r.u32("an entry length")
		if err != nil {
			return err
		}
		p, err := r.need(int(l), "an entry document")
		if err != nil {
			return err
		}
		d, err := parseDoc(p, nesting+1)
		if err != nil {
			return err
		}
		m.Entries = append(m.Entries, ManifestEntry{Name: name, Doc: d})
		haveDefault = haveDefault || name == m.DefaultName
	}
	if !haveDefault {
		return metaErr("M14", "default name %q is not an entry", m.DefaultName)
	}
	return nil
}

// Lookup returns the manifest entry named name, or nil.
func (m *Metadata) Lookup(name string) *Metadata {
	lo, hi := 0, len(m.Entries)
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case m.Entries[mid].Name == name:
			return m.Entries[mid].Doc
		case m.Entries[mid].Name < name:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return nil
}

// MarshalBinary serializes m. It fails with a *MetadataError when m breaks a
// rule the parser enforces, so whatever it writes parses back to m.
func (m *Metadata) MarshalBinary() ([]byte, error) {
	b, err := m.appendTo(nil, 0)
	if err != nil {
		return nil, err
	}
	// The parser is the single source of truth for validity.
	if _, err := ParseMetadata(b); err != nil {
		return nil, err
	}
	return b, nil
}

func appendStr(b []byte, s string) ([]byte, error) {
	if len(s) > 0xffff {
		return nil, metaErr("M2", "string of %d bytes is too long", len(s))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...), nil
}

func (m *Metadata) appendTo(b []byte, nesting int) ([]byte, error) {
	if nesting > MaxManifestNesting {
		return nil, metaErr("M15", "manifests nested deeper than %d", MaxManifestNesting)
	}
	var flags byte
	if m.Type == DocSplitfile && m.IsMetadata {
		flags = flagSplitMetadata
	}
	b = append(b, magic[:]...)
	b = append(b, byte(m.Type), flags)
	var err error
	switch m.Type {
	case DocInline:
		if b, err = appendStr(b, m.ContentType); err != nil {
			return nil, err
		}
		b = append(b, byte(m.Codec))
		b = binary.BigEndian.AppendUint64(b, uint64(m.Size))
		b = append(b, m.Data...)
	case DocRedirect:
		if b, err = appendStr(b, m.ContentType); err != nil {
			return nil, err
		}
		if b, err = appendStr(b, m.Target.String()); err != nil {
			return nil, err
		}
	case DocSplitfile:
		if b, err = appendStr(b, m.ContentType); err != nil {
			return nil, err
		}
		b = append(b, byte(m.Codec))
		b = binary.BigEndian.AppendUint64(b, uint64(m.Size))
		b = binary.BigEndian.AppendUint64(b, uint64(m.Length))
		b = binary.BigEndian.AppendUint16(b, uint16(m.SegmentData))
		b = binary.BigEndian.AppendUint16(b, uint16(m.SegmentCheck))
		b = appendBlockKeys(b, m.Blocks)
	case DocManifest:
		if b, err = appendStr(b, m.DefaultName); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(m.Entries)))
		for _, e := range m.Entries {
			if b, err = appendStr(b, e.Name); err != nil {
				return nil, err
			}
			at := len(b)
			b = append(b, 0, 0, 0, 0)
			if b, err = e.Doc.appendTo(b, nesting+1); err != nil {
				return nil, err
			}
			binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
		}
	default:
		return nil, metaErr("M4", "unknown document type %d", m.Type)
	}
	return b, nil
}

func appendBlockKeys(b []byte, ks []BlockKey) []byte {
	b = slices.Grow(b, len(ks)*BlockKeySize)
	for i := range ks {
		b = append(b, ks[i].Routing[:]...)
		b = append(b, ks[i].Crypto[:]...)
	}
	return b
}

// String describes m on one line, e.g.
// `splitfile ct="image/png" codec=0 size=70000 length=70000 k=128 m=128 blocks=6`.
// The metadata test vectors use it to pin what a document parses to.
func (m *Metadata) String() string {
	var b strings.Builder
	b.WriteString(m.Type.String())
	switch m.Type {
	case DocInline:
		fmt.Fprintf(&b, " ct=%q codec=%d size=%d data=%x", m.ContentType, m.Codec, m.Size, m.Data)
	case DocRedirect:
		fmt.Fprintf(&b, " ct=%q target=%s", m.ContentType, m.Target)
	case DocSplitfile:
		fmt.Fprintf(&b, " ct=%q codec=%d size=%d length=%d k=%d m=%d metadata=%t blocks=%d",
			m.ContentType, m.Codec, m.Size, m.Length, m.SegmentData, m.SegmentCheck, m.IsMetadata, len(m.Blocks))
		if len(m.Blocks) > 0 {
			fmt.Fprintf(&b, " first=%s last=%s", m.Blocks[0].URI(), m.Blocks[len(m.Blocks)-1].URI())
		}
	case DocManifest:
		fmt.Fprintf(&b, " default=%q {", m.DefaultName)
		for i, e := range m.Entries {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: %s", e.Name, e.Doc)
		}
		b.WriteString("}")
	}
	return b.String()
}
