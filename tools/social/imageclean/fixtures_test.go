package imageclean

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"slices"
	"testing"
)

// This file builds the test images: pictures from the standard encoders,
// with real-looking metadata blocks put in by hand. The secrets below are
// planted in the metadata; none may survive cleaning.

// secrets are strings planted in metadata blocks.
var secrets = []string{
	"Canon EOS 5D Mark IV", // EXIF Model
	"032021001234",         // EXIF BodySerialNumber
	"2026:03:01 12:34:56",  // EXIF DateTimeOriginal
	"Rue de la Paix",       // IPTC and XMP location
	"taken at home",        // comments
	"Display P3 (iPhone)",  // ICC profile description
	"SECRETMOTIONVIDEO",    // trailing Motion Photo data
}

// markers are the byte strings that introduce metadata blocks.
var markers = []string{
	"Exif\x00\x00",
	"http://ns.adobe.com/xap/1.0/",
	"Photoshop 3.0",
	"ICC_PROFILE",
	"XML:com.adobe.xmp",
	"XMP DataXMP",
}

// --- pictures ---

// palette6 are six colours far apart, for pictures whose pixels must be
// told apart after lossy coding.
var palette6 = []color.NRGBA{
	{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255},
	{255, 255, 0, 255}, {0, 255, 255, 255}, {255, 0, 255, 128},
}

// grid returns a w×h picture of cells of cell×cell pixels, cell (x, y)
// painted palette6[y*w+x] (mod 6).
func grid(w, h, cell int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w*cell, h*cell))
	for y := range h * cell {
		for x := range w * cell {
			m.SetNRGBA(x, y, palette6[((y/cell)*w+x/cell)%len(palette6)])
		}
	}
	return m
}

// opaque returns m with every alpha set to 255.
func opaque(m *image.NRGBA) *image.NRGBA {
	m = &image.NRGBA{Pix: slices.Clone(m.Pix), Stride: m.Stride, Rect: m.Rect}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNGImage(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// --- EXIF (TIFF 6.0, EXIF 2.3) ---

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// ifdEntry is one entry of a TIFF IFD. A value longer than 4 bytes is put
// in the data area; sub, when not 0, makes the entry a LONG pointing to IFD
// number sub; blob, when set, makes it a LONG pointing to those bytes.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
	sub      int
	blob     []byte
}

func ascii(tag uint16, s string) ifdEntry {
	return ifdEntry{tag: tag, typ: 2, count: uint32(len(s) + 1), value: append([]byte(s), 0)}
}

func short(bo byteOrder, tag, v uint16) ifdEntry {
	return ifdEntry{tag: tag, typ: 3, count: 1, value: bo.AppendUint16(nil, v)}
}

func rationals(bo byteOrder, tag uint16, v ...uint32) ifdEntry {
	var b []byte
	for _, x := range v {
		b = bo.AppendUint32(b, x)
	}
	return ifdEntry{tag: tag, typ: 5, count: uint32(len(v) / 2), value: b}
}

// buildTIFF lays out ifds one after the other from offset 8, then their
// long values. next[i] is the IFD that follows IFD i in the chain (0 for
// none).
func buildTIFF(bo byteOrder, ifds [][]ifdEntry, next []int) []byte {
	offsets := make([]uint32, len(ifds))
	o := uint32(8)
	for i, ifd := range ifds {
		offsets[i] = o
		o += 2 + 12*uint32(len(ifd)) + 4
	}
	var data []byte
	dataAt := func(b []byte) uint32 {
		at := o + uint32(len(data))
		data = append(data, b...)
		if len(data)%2 == 1 {
			data = append(data, 0)
		}
		return at
	}
	var out []byte
	if bo == byteOrder(binary.LittleEndian) {
		out = []byte("II*\x00")
	} else {
		out = []byte("MM\x00*")
	}
	out = bo.AppendUint32(out, 8)
	for i, ifd := range ifds {
		out = bo.AppendUint16(out, uint16(len(ifd)))
		for _, e := range ifd {
			out = bo.AppendUint16(out, e.tag)
			switch {
			case e.sub != 0:
				out = bo.AppendUint16(out, 4)
				out = bo.AppendUint32(out, 1)
				out = bo.AppendUint32(out, offsets[e.sub])
			case e.blob != nil:
				out = bo.AppendUint16(out, 4)
				out = bo.AppendUint32(out, 1)
				out = bo.AppendUint32(out, dataAt(e.blob))
			default:
				out = bo.AppendUint16(out, e.typ)
				out = bo.AppendUint32(out, e.count)
				if len(e.value) <= 4 {
					out = append(out, e.value...)
					out = append(out, make([]byte, 4-len(e.value))...)
				} else {
					out = bo.AppendUint32(out, dataAt(e.value))
				}
			}
		}
		n := uint32(0)
		if next != nil && next[i] != 0 {
			n = offsets[next[i]]
		}
		out = bo.AppendUint32(out, n)
	}
	return append(out, data...)
}

// exifTIFF returns the TIFF structure of a camera's EXIF block: make,
// model, orientation, date and serial number, and when gps is set a GPS
// position, and when thumb is set an IFD1 with a JPEG thumbnail.
func exifTIFF(t testing.TB, bo byteOrder, orientation uint16, gps, thumb bool) []byte {
	ifd0 := []ifdEntry{
		ascii(0x010F, "Canon"),
		ascii(0x0110, "Canon EOS 5D Mark IV"),
		short(bo, 0x0112, orientation),
		{tag: 0x8769, sub: 1},
	}
	ifds := [][]ifdEntry{ifd0, {
		ascii(0x9003, "2026:03:01 12:34:56"),
		ascii(0xA431, "032021001234"),
	}}
	if gps {
		ifds[0] = append(ifds[0], ifdEntry{tag: 0x8825, sub: len(ifds)})
		ifds = append(ifds, []ifdEntry{
			{tag: 0x0000, typ: 1, count: 4, value: []byte{2, 3, 0, 0}},
			ascii(0x0001, "N"),
			rationals(bo, 0x0002, 48, 1, 52, 1, 1234, 100),
			ascii(0x0003, "E"),
			rationals(bo, 0x0004, 2, 1, 19, 1, 5678, 100),
		})
	}
	next := make([]int, len(ifds)+1)
	if thumb {
		next[0] = len(ifds)
		ifds = append(ifds, []ifdEntry{
			short(bo, 0x0103, 6),
			{tag: 0x0201, blob: encodeJPEG(t, grid(2, 2, 4), 50)},
			{tag: 0x0202, typ: 4, count: 1, value: bo.AppendUint32(nil, 0)}, // length, not checked here
		})
	}
	return buildTIFF(bo, ifds, next)
}

// --- JPEG ---

// segment returns a JPEG segment: marker m and payload.
func segment(m byte, payload ...[]byte) []byte {
	p := slices.Concat(payload...)
	return slices.Concat([]byte{0xFF, m, byte((len(p) + 2) >> 8), byte(len(p) + 2)}, p)
}

// afterSOI puts segments right after the SOI marker of j.
func afterSOI(j []byte, segments ...[]byte) []byte {
	return slices.Concat(j[:2], slices.Concat(segments...), j[2:])
}

func exifSegment(tiff []byte) []byte { return segment(0xE1, []byte("Exif\x00\x00"), tiff) }

const xmpPacket = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
	`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
	`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" ` +
	`exif:GPSLatitude="48,52.1234N" exif:GPSLongitude="2,19.5678E" Iptc4xmpCore:Location="Rue de la Paix"/>` +
	`</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

func xmpSegment() []byte {
	return segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00"), []byte(xmpPacket))
}

// iccProfile returns the start of an ICC profile: a 128-byte header naming
// the device, and a description.
func iccProfile() []byte {
	h := make([]byte, 128)
	copy(h[4:], "appl")
	copy(h[12:], "mntrRGB XYZ ")
	copy(h[36:], "acspAPPL")
	copy(h[48:], "applJ420") // device manufacturer and model
	return append(h, "desc Display P3 (iPhone)"...)
}

func iccSegment() []byte {
	return segment(0xE2, []byte("ICC_PROFILE\x00\x01\x01"), iccProfile())
}

func photoshopSegment() []byte {
	iptc := slices.Concat([]byte{0x1C, 0x02, 0x5C, 0, 14}, []byte("Rue de la Paix"))
	res := slices.Concat([]byte("8BIM\x04\x04\x00\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(iptc))), iptc)
	return segment(0xED, []byte("Photoshop 3.0\x00"), res)
}

func commentSegment() []byte { return segment(0xFE, []byte("taken at home")) }

// jfifThumbSegment is an APP0 JFIF segment with a 2×1 RGB thumbnail.
func jfifThumbSegment() []byte {
	return segment(0xE0, []byte("JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x01"), []byte{1, 2, 3, 4, 5, 6})
}

func mpfSegment() []byte { return segment(0xE2, []byte("MPF\x00II*\x00\x08\x00\x00\x00")) }

// motionTrailer is what a Motion Photo appends after EOI: a video.
var motionTrailer = []byte("\x00\x00\x00\x18ftypmp42SECRETMOTIONVIDEO")

// --- PNG ---

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, body ...[]byte) []byte {
	b := slices.Concat(body...)
	c := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	c = append(c, typ...)
	c = append(c, b...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngWith puts chunks after the IHDR chunk of p and tail before its IEND.
func pngWith(p []byte, chunks [][]byte, tail ...[]byte) []byte {
	const ihdrEnd = 8 + 25
	iend := len(p) - 12
	return slices.Concat(p[:ihdrEnd], slices.Concat(chunks...), p[ihdrEnd:iend], slices.Concat(tail...), p[iend:])
}

// --- WebP ---

// bitWriter writes a VP8L bit stream, least significant bit first.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	return w.out
}

// vp8l returns the payload of a VP8L chunk holding m, made by hand from
// the WebP lossless bitstream specification: no transforms, no colour
// cache, one group of prefix codes in which every 8-bit value has an 8-bit
// code, so that each pixel is written as its green, red, blue and alpha
// bytes.
func vp8l(m *image.NRGBA) []byte {
	var w bitWriter
	b := m.Bounds()
	w.bits(0x2F, 8) // signature
	w.bits(uint64(b.Dx()-1), 14)
	w.bits(uint64(b.Dy()-1), 14)
	w.bits(1, 1)       // alpha is used
	w.bits(0, 3)       // version
	w.bits(0, 1)       // no transform
	w.bits(0, 1)       // no colour cache
	w.bits(0, 1)       // no meta prefix codes
	for i := range 4 { // green, red, blue, alpha
		w.bits(0, 1)    // a normal prefix code
		w.bits(12-4, 4) // 12 code-length code lengths, in the order 17, 18, 0, 1, …, 7, 8
		for j := range 12 {
			if j == 11 { // only code length 8 is used: its code has 0 bits
				w.bits(1, 3)
			} else {
				w.bits(0, 3)
			}
		}
		if i == 0 { // green has 280 symbols: only the first 256 get a length
			w.bits(1, 1)
			w.bits(3, 3)     // max_symbol in 2+2*3 = 8 bits
			w.bits(256-2, 8) // 256 code lengths
		} else {
			w.bits(0, 1)
		}
	}
	w.bits(1, 1) // distance: a simple code
	w.bits(0, 1) // of one symbol
	w.bits(0, 1) // of 1 bit
	w.bits(0, 1) // symbol 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := m.NRGBAAt(x, y)
			for _, v := range []uint8{c.G, c.R, c.B, c.A} {
				for k := 7; k >= 0; k-- { // a prefix code is read most significant bit first
					w.bits(uint64(v>>k)&1, 1)
				}
			}
		}
	}
	return w.flush()
}

// riff returns a WebP file of the given chunks, each as FourCC and payload.
func riff(chunks ...chunk) []byte { return riffFile(chunks...) }

// vp8xChunk returns a VP8X chunk with the given flags and canvas.
func vp8xChunk(flags byte, w, h int) chunk {
	x := make([]byte, 10)
	x[0] = flags
	putSize(x[4:], uint64(w), uint64(h))
	return chunk{"VP8X", x}
}

// anmf returns an ANMF chunk placing bitstream chunks at (x, y), w×h.
func anmf(x, y, w, h int, chunks ...chunk) chunk {
	b := make([]byte, 16)
	b[0], b[1], b[2] = byte(x/2), byte(x/2>>8), byte(x/2>>16)
	b[3], b[4], b[5] = byte(y/2), byte(y/2>>8), byte(y/2>>16)
	putSize(b[6:], uint64(w), uint64(h))
	b[12] = 100 // duration, ms
	for _, c := range chunks {
		b = appendChunk(b, c)
	}
	return chunk{"ANMF", b}
}

// lossyWebP returns the VP8 payload of testdata/lossy.webp, 150×103.
func lossyWebP(t testing.TB) chunk {
	t.Helper()
	b, err := os.ReadFile("testdata/lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := readChunks(b[12:])
	if err != nil || len(cs) != 1 || cs[0].id != "VP8 " {
		t.Fatalf("testdata/lossy.webp: %v %v", err, cs)
	}
	return cs[0]
}

// rawAlpha returns an uncompressed, unfiltered ALPH chunk of w×h pixels.
func rawAlpha(w, h int) chunk {
	a := make([]byte, 1+w*h)
	for i := range a[1:] {
		a[1+i] = byte(i * 7)
	}
	return chunk{"ALPH", a}
}

// --- GIF ---

// twoFrameGIF returns an animated GIF of two 4×6 frames, looping forever.
func twoFrameGIF(t testing.TB) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White, color.NRGBA{255, 0, 0, 255}, color.Transparent}
	var frames []*image.Paletted
	for i := range 2 {
		m := image.NewPaletted(image.Rect(0, 0, 4, 6), pal)
		for j := range m.Pix {
			m.Pix[j] = uint8((j + i) % 3)
		}
		frames = append(frames, m)
	}
	var b bytes.Buffer
	err := gif.EncodeAll(&b, &gif.GIF{Image: frames, Delay: []int{10, 20}, LoopCount: 0,
		Disposal: []byte{gif.DisposalNone, gif.DisposalBackground}})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gifExt returns a GIF extension with the given label and sub-blocks.
func gifExt(label byte, blocks ...[]byte) []byte {
	out := []byte{gifExtension, label}
	for _, b := range blocks {
		for len(b) > 255 {
			out = append(append(out, 255), b[:255]...)
			b = b[255:]
		}
		out = append(append(out, byte(len(b))), b...)
	}
	return append(out, 0)
}

// gifHeaderEnd returns the length of the header, screen descriptor and
// global colour table of g.
func gifHeaderEnd(g []byte) int {
	n := 13
	if g[10]&0x80 != 0 {
		n += 3 << (g[10]&7 + 1)
	}
	return n
}

// gifWith puts blocks after the global colour table of g and tail before
// its trailer.
func gifWith(g []byte, blocks [][]byte, tail ...[]byte) []byte {
	h := gifHeaderEnd(g)
	return slices.Concat(g[:h], slices.Concat(blocks...), g[h:len(g)-1], slices.Concat(tail...), g[len(g)-1:])
}
