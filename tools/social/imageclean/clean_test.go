package imageclean

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strings"
	"testing"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// cleanCase is a test of Clean on an image that it must accept.
type cleanCase struct {
	name string
	in   []byte
	// removed is the expected Result.Removed.
	removed []string
	// want, when set, is the expected output byte for byte; the picture
	// data is then the input's, unchanged.
	want []byte
	// contentType defaults to the input's.
	contentType string
}

// runCleanCases cleans each case and checks the result with the
// independent checker: only allowed blocks, no metadata marker or planted
// secret anywhere in the output, and cleaning again changes nothing.
func runCleanCases(t *testing.T, contentType string, cases []cleanCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean(tc.in)
			if err != nil {
				t.Fatalf("Clean: %v", err)
			}
			ct := tc.contentType
			if ct == "" {
				ct = contentType
			}
			if res.ContentType != ct {
				t.Errorf("ContentType %q, want %q", res.ContentType, ct)
			}
			if !slices.Equal(res.Removed, tc.removed) {
				t.Errorf("Removed %q, want %q", res.Removed, tc.removed)
			}
			if res.Reencoded {
				t.Errorf("Reencoded with orientation 1")
			}
			if tc.want != nil && !bytes.Equal(res.Data, tc.want) {
				t.Errorf("output differs from the expected %d bytes (%d bytes)", len(tc.want), len(res.Data))
			}
			if _, err := verify(res.Data, res.ContentType); err != nil {
				t.Errorf("checker: %v", err)
			}
			if s := findMarker(res.Data); s != "" {
				t.Errorf("output holds %q", s)
			}
			if len(tc.in) > 0 && &res.Data[0] == &tc.in[0] {
				t.Errorf("output shares memory with the input")
			}
			again, err := Clean(res.Data)
			if err != nil || !bytes.Equal(again.Data, res.Data) || len(again.Removed) != 0 || again.Reencoded {
				t.Errorf("cleaning the output again: %v, Removed %q, same %v", err, again.Removed, bytes.Equal(again.Data, res.Data))
			}
		})
	}
}

// insertBefore puts extra before the first occurrence of marker in b.
func insertBefore(t *testing.T, b, marker []byte, extra ...[]byte) []byte {
	t.Helper()
	i := bytes.Index(b, marker)
	if i < 0 {
		t.Fatalf("no %x", marker)
	}
	return slices.Concat(b[:i], slices.Concat(extra...), b[i:])
}

func TestCleanJPEG(t *testing.T) {
	plain := encodeJPEG(t, opaque(grid(2, 3, 8)), 90)
	gray := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 5)
	}
	grayJPEG := encodeJPEG(t, gray, 80)
	exifLE := exifSegment(exifTIFF(t, le, 1, true, true))
	exifBE := exifSegment(exifTIFF(t, be, 1, false, false))
	exif6 := exifSegment(exifTIFF(t, be, 6, false, false))
	// Orientation 6 as a LONG: not what the standard says, so ignored.
	long6 := exifTIFF(t, le, 1, false, false)
	long6 = bytes.Replace(long6, []byte{0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0}, []byte{0x12, 0x01, 4, 0, 1, 0, 0, 0, 6, 0}, 1)
	adobe := func(transform byte) []byte {
		return []byte{0xFF, 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, transform}
	}
	runCleanCases(t, "image/jpeg", []cleanCase{
		{name: "no metadata", in: plain, want: plain},
		{name: "EXIF with GPS and thumbnail, little-endian", in: afterSOI(plain, exifLE),
			removed: []string{"EXIF (GPS)", "EXIF thumbnail"}, want: plain},
		{name: "EXIF big-endian", in: afterSOI(plain, exifBE), removed: []string{"EXIF"}, want: plain},
		{name: "everything", in: slices.Concat(afterSOI(plain, jfifThumbSegment(), exifLE, xmpSegment(), iccSegment(), mpfSegment(),
			photoshopSegment(), segment(0xEB, []byte("JP\x00\x01gain map")), segment(0xEF, []byte("vendor Canon EOS 5D Mark IV")),
			segment(0xE0, []byte("JFXX\x00\x10thumbnail")), commentSegment()), motionTrailer),
			removed: []string{"JFIF thumbnail", "EXIF (GPS)", "EXIF thumbnail", "XMP", "ICC", "MPF (more pictures)", "IPTC",
				"APP11", "APP15", "comment", "trailing data"},
			want: afterSOI(plain, jfifSegment)},
		{name: "metadata between the tables", in: insertBefore(t, plain, []byte{0xFF, 0xC0}, commentSegment(), xmpSegment(),
			segment(0xE1, []byte("http://ns.adobe.com/xmp/extension/\x00"), []byte(xmpPacket))),
			removed: []string{"comment", "XMP"}, want: plain},
		{name: "Adobe segment rewritten", in: afterSOI(plain, segment(0xEE, []byte("Adobe\x00\x65\x80\x00\x00\x00\x01extra"))),
			want: afterSOI(plain, adobe(1))},
		{name: "second JFIF and Adobe dropped", in: afterSOI(plain, jfifSegment, adobe(1), jfifSegment, adobe(0)),
			want: afterSOI(plain, jfifSegment, adobe(1))},
		{name: "fill bytes and junk", in: afterSOI(plain, commentSegment(), []byte{0x12, 0x34}, []byte{0xFF, 0xFF}),
			removed: []string{"comment", "junk bytes"}, want: plain},
		{name: "unreadable EXIF", in: afterSOI(plain, exifSegment([]byte("MM\x00*\xff\xff\xff\xff"))),
			removed: []string{"EXIF"}, want: plain},
		{name: "EXIF header only", in: afterSOI(plain, segment(0xE1, []byte("Exif\x00"))), removed: []string{"EXIF"}, want: plain},
		{name: "orientation as LONG is ignored", in: afterSOI(plain, exifSegment(long6)), removed: []string{"EXIF"}, want: plain},
		{name: "first EXIF block wins", in: afterSOI(plain, exifBE, exif6), removed: []string{"EXIF"}, want: plain},
		{name: "grayscale", in: afterSOI(grayJPEG, exifLE, commentSegment()),
			removed: []string{"EXIF (GPS)", "EXIF thumbnail", "comment"}, want: grayJPEG},
		{name: "unknown APP1 and marker", in: afterSOI(plain, segment(0xE1, []byte("QVCI\x00")), segment(0xF7, []byte{1, 2})),
			removed: []string{"APP1", "marker 0xF7"}, want: plain},
	})
}

func TestCleanPNG(t *testing.T) {
	plain := encodePNGImage(t, grid(2, 3, 1))
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Transparent, color.White, color.NRGBA{9, 8, 7, 100}})
	copy(pal.Pix, []uint8{0, 1, 2, 2, 1, 0})
	paletted := encodePNGImage(t, pal)
	deep := image.NewNRGBA64(image.Rect(0, 0, 2, 2))
	draw.Draw(deep, deep.Rect, image.NewUniform(color.NRGBA64{0x1234, 0x5678, 0x9abc, 0xdef0}), image.Point{}, draw.Src)
	deepPNG := encodePNGImage(t, deep)

	tiff := exifTIFF(t, be, 1, true, false)
	gAMA := pngChunk("gAMA", be.AppendUint32(nil, 45455))
	cHRM := pngChunk("cHRM", make([]byte, 32))
	sRGB := pngChunk("sRGB", []byte{0})
	cICP := pngChunk("cICP", []byte{1, 13, 0, 1})
	iCCP := pngChunk("iCCP", []byte("ICC Profile\x00\x00"), iccProfile()) // not compressed: not read
	runCleanCases(t, "image/png", []cleanCase{
		{name: "no metadata", in: plain, want: plain},
		{name: "everything", in: slices.Concat(pngWith(plain, [][]byte{
			pngChunk("tEXt", []byte("Comment\x00taken at home")),
			pngChunk("zTXt", []byte("Author\x00\x00"), []byte{0x78, 0x9c, 3, 0, 0, 0, 0, 1}),
			pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), []byte(xmpPacket)),
			pngChunk("eXIf", tiff),
			pngChunk("tIME", []byte{0x07, 0xEA, 3, 1, 12, 34, 56}),
			pngChunk("pHYs", []byte{0, 0, 0x16, 0x25, 0, 0, 0x16, 0x25, 1}),
			pngChunk("sBIT", []byte{5, 6, 5, 8}),
			pngChunk("bKGD", []byte{0, 1, 0, 2, 0, 3}),
			iCCP,
			pngChunk("prVt", []byte("Canon EOS 5D Mark IV")),
		}, pngChunk("iTXt", []byte("Description\x00\x00\x00en\x00\x00Rue de la Paix"))), motionTrailer),
			removed: []string{"text", "XMP", "EXIF (GPS)", "timestamp", "pixel density (pHYs)", "PNG chunk sBIT", "PNG chunk bKGD", "ICC",
				"PNG chunk prVt", "trailing data"},
			want: plain},
		{name: "colour chunks kept", in: pngWith(plain, [][]byte{gAMA, cHRM, iCCP, sRGB, cICP}),
			removed: []string{"ICC"}, want: pngWith(plain, [][]byte{gAMA, cHRM, sRGB, cICP})},
		{name: "APNG chunks", in: pngWith(plain, [][]byte{
			pngChunk("acTL", []byte{0, 0, 0, 1, 0, 0, 0, 0}),
			pngChunk("fcTL", make([]byte, 26)),
		}, pngChunk("fdAT", make([]byte, 8))),
			removed: []string{"animation (APNG)"}, want: plain},
		{name: "paletted with tRNS", in: pngWith(paletted, [][]byte{pngChunk("tEXt", []byte("Software\x00Canon EOS 5D Mark IV"))}),
			removed: []string{"text"}, want: paletted},
		{name: "16-bit with Exif header in eXIf", in: pngWith(deepPNG, [][]byte{pngChunk("eXIf", []byte("Exif\x00\x00"), tiff)}),
			removed: []string{"EXIF (GPS)"}, want: deepPNG},
		{name: "eXIf after IDAT", in: pngWith(plain, nil, pngChunk("eXIf", tiff)), removed: []string{"EXIF (GPS)"}, want: plain},
	})
}

func TestCleanWebP(t *testing.T) {
	lossless := chunk{"VP8L", vp8l(grid(2, 3, 1))}
	lossy := lossyWebP(t)
	exif := chunk{"EXIF", exifTIFF(t, le, 1, true, true)}
	xmp := chunk{"XMP ", []byte(xmpPacket)}
	icc := chunk{"ICCP", iccProfile()}
	frame1 := chunk{"VP8L", vp8l(grid(2, 3, 1))}
	frame2 := chunk{"VP8L", vp8l(grid(1, 3, 2))}
	anim := chunk{"ANIM", []byte{255, 255, 255, 255, 0, 0}}
	runCleanCases(t, "image/webp", []cleanCase{
		{name: "simple lossless", in: riff(lossless), want: riff(lossless)},
		{name: "simple lossy", in: riff(lossy), want: riff(lossy)},
		{name: "simple with stray chunks", in: riff(lossless, exif, xmp), removed: []string{"EXIF (GPS)", "EXIF thumbnail", "XMP"},
			want: riff(lossless)},
		{name: "extended lossless with ICC, EXIF and XMP", in: riff(vp8xChunk(vp8xICC|vp8xEXIF|vp8xXMP|vp8xAlpha, 2, 3), icc, lossless, exif, xmp),
			removed: []string{"ICC", "EXIF (GPS)", "EXIF thumbnail", "XMP"}, want: riff(lossless)},
		{name: "extended lossy with alpha", in: riff(vp8xChunk(vp8xAlpha|vp8xEXIF, 150, 103), rawAlpha(150, 103), lossy, exif),
			removed: []string{"EXIF (GPS)", "EXIF thumbnail"}, want: riff(vp8xChunk(vp8xAlpha, 150, 103), rawAlpha(150, 103), lossy)},
		{name: "extended lossy, unknown chunk, trailing data", in: slices.Concat(riff(vp8xChunk(0, 150, 103), lossy, chunk{"ABCD", []byte("Canon EOS 5D Mark IV")}), motionTrailer),
			removed: []string{`WebP chunk "ABCD"`, "trailing data"}, want: riff(lossy)},
		{name: "extended, second bitstream dropped", in: riff(vp8xChunk(0, 2, 3), lossless, chunk{"VP8L", vp8l(grid(3, 1, 1))}),
			removed: []string{`WebP chunk "VP8L"`}, want: riff(lossless)},
		{name: "animated", in: riff(vp8xChunk(vp8xAnim|vp8xICC|vp8xEXIF|vp8xXMP|0x01, 4, 6), icc, anim,
			anmf(0, 0, 2, 3, frame1), anmf(2, 0, 2, 6, frame2, chunk{"UNKN", []byte("Rue de la Paix")}), exif, xmp),
			removed: []string{"ICC", `WebP chunk "UNKN"`, "EXIF (GPS)", "EXIF thumbnail", "XMP"},
			want:    riff(vp8xChunk(vp8xAnim, 4, 6), anim, anmf(0, 0, 2, 3, frame1), anmf(2, 0, 2, 6, frame2))},
		{name: "animated, lossy frame with alpha", in: riff(vp8xChunk(vp8xAnim|vp8xAlpha, 150, 103), anim,
			anmf(0, 0, 150, 103, rawAlpha(150, 103), lossy), xmp),
			removed: []string{"XMP"},
			want:    riff(vp8xChunk(vp8xAnim|vp8xAlpha, 150, 103), anim, anmf(0, 0, 150, 103, rawAlpha(150, 103), lossy))},
	})
}

func TestCleanGIF(t *testing.T) {
	plain := twoFrameGIF(t)
	aspect := slices.Clone(plain)
	aspect[12] = 49
	runCleanCases(t, "image/gif", []cleanCase{
		{name: "no metadata", in: plain, want: plain},
		{name: "everything", in: slices.Concat(gifWith(plain, [][]byte{
			gifExt(gifComment, []byte("taken at home")),
			gifExt(gifApplication, []byte("XMP DataXMP"), []byte(xmpPacket)),
			gifExt(gifApplication, []byte("ICCRGBG1012"), iccProfile()),
			gifExt(gifApplication, []byte("VENDORAP1.0"), []byte("Canon EOS 5D Mark IV")),
		}, gifExt(gifPlainText, make([]byte, 12), []byte("Rue de la Paix")), gifExt(0x99, []byte{1})), motionTrailer),
			removed: []string{"comment", "XMP", "ICC", "GIF application data", "plain text", "GIF extension 0x99", "trailing data"},
			want:    plain},
		{name: "missing trailer", in: plain[:len(plain)-1], want: plain},
		{name: "pixel aspect ratio zeroed", in: aspect, want: plain},
		{name: "loop extension rewritten", in: bytes.Replace(plain, []byte("NETSCAPE2.0\x03\x01\x00\x00\x00"),
			[]byte("ANIMEXTS1.0\x03\x01\x00\x00\x04SECR\x00"), 1), want: plain},
	})
}

// TestRefuse: images Clean refuses, with the error it refuses them with.
func TestRefuse(t *testing.T) {
	jpegImg := encodeJPEG(t, opaque(grid(2, 3, 8)), 90)
	hugeJPEG := slices.Clone(jpegImg)
	sof := bytes.Index(hugeJPEG, []byte{0xFF, 0xC0})
	be.PutUint16(hugeJPEG[sof+5:], 10000)
	be.PutUint16(hugeJPEG[sof+7:], 10000)
	zeroJPEG := slices.Clone(jpegImg)
	be.PutUint16(zeroJPEG[sof+5:], 0)
	manyScans := insertBefore(t, jpegImg, []byte{0xFF, 0xD9}, bytes.Repeat(segment(0xDA, []byte{1, 1, 0, 0, 63, 0}), maxScans+1))

	pngImg := encodePNGImage(t, grid(2, 3, 1))
	hugePNG := slices.Concat(pngImg[:8], pngChunk("IHDR", be.AppendUint32(be.AppendUint32(nil, 8000), 8000), []byte{8, 6, 0, 0, 0}), pngImg[33:])
	badCRC := slices.Clone(pngImg)
	badCRC[len(pngImg)-20] ^= 1 // in IDAT

	lossless := chunk{"VP8L", vp8l(grid(2, 3, 1))}
	hugeVP8L := chunk{"VP8L", vp8l(grid(2, 3, 1))}
	hugeVP8L.body[1], hugeVP8L.body[2], hugeVP8L.body[3], hugeVP8L.body[4] = 0xFF, 0xFF, 0xFF, 0x1F // 16384×16384
	bigRIFF := riff(lossless)
	le.PutUint32(bigRIFF[4:], 0xFFFF)
	longChunk := riff(lossless)
	le.PutUint32(longChunk[16:], 0xFFFF)
	exif6 := chunk{"EXIF", exifTIFF(t, le, 6, false, false)}
	anim := chunk{"ANIM", make([]byte, 6)}

	gifImg := twoFrameGIF(t)
	hugeGIF := slices.Clone(gifImg)
	le.PutUint16(hugeGIF[6:], 65535)
	le.PutUint16(hugeGIF[8:], 65535)
	// An animation of 9 frames of 5000×5000 with no data: refused before
	// any frame is decoded.
	longGIF := []byte("GIF89a\x88\x13\x88\x13\x80\x00\x00\x00\x00\x00\xff\xff\xff")
	for range 9 {
		longGIF = append(longGIF, 0x2C, 0, 0, 0, 0, 0x88, 0x13, 0x88, 0x13, 0, 2, 0)
	}

	for _, tc := range []struct {
		name string
		in   []byte
		// kind is "unsupported", "format" or "large".
		kind, format string
		msg          string // a part of the message
	}{
		{"HEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "unsupported", "HEIC",
			"imageclean: cannot clean HEIC images: convert it to JPEG or PNG first"},
		{"HEIF", []byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"), "unsupported", "HEIF", "cannot clean HEIF images"},
		{"AVIF", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1"), "unsupported", "AVIF", "AVIF"},
		{"TIFF", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), "unsupported", "TIFF", "TIFF"},
		{"DNG big-endian", []byte("MM\x00*\x00\x00\x00\x08"), "unsupported", "TIFF", "TIFF"},
		{"BMP", append([]byte("BM"), make([]byte, 60)...), "unsupported", "BMP", "BMP"},
		{"SVG", []byte("\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "unsupported", "SVG", "SVG"},
		{"bare SVG", []byte("<svg viewBox=\"0 0 1 1\"></svg>"), "unsupported", "SVG", "SVG"},
		{"PDF", []byte("%PDF-1.7\n"), "unsupported", "PDF", "PDF"},
		{"JPEG XL", []byte("\xFF\x0A\xFA\x7F"), "unsupported", "JPEG XL", "JPEG XL"},
		{"AVI", []byte("RIFF\x10\x00\x00\x00AVI LIST"), "unsupported", "AVI", "AVI"},
		{"empty", nil, "unsupported", "", "not an image format it can clean"},
		{"text", []byte("hello, world"), "unsupported", "", "JPEG, PNG, GIF or WebP"},
		{"JPEG too large", hugeJPEG, "large", "JPEG", "100000000 pixels"},
		{"JPEG of height 0", zeroJPEG, "format", "JPEG", "x0 pixels"},
		{"JPEG truncated", jpegImg[:len(jpegImg)-40], "format", "JPEG", "before the end-of-image"},
		{"JPEG segment too long", slices.Concat(jpegImg[:2], []byte{0xFF, 0xE1, 0xFF, 0xFF}, []byte("Exif")), "format", "JPEG", "past the end"},
		{"JPEG without frame", []byte{0xFF, 0xD8, 0xFF, 0xD9}, "format", "JPEG", "no frame"},
		{"JPEG with two SOI", afterSOI(jpegImg, []byte{0xFF, 0xD8}), "format", "JPEG", "second start-of-image"},
		{"JPEG of too many scans", manyScans, "unsupported", "JPEG", "more than 100 scans"},
		{"JPEG the decoder rejects", insertBefore(t, jpegImg, []byte{0xFF, 0xDA}, segment(0xC4, []byte{0x77})), "format", "JPEG", "decoder rejects"},
		{"PNG too large", hugePNG, "large", "PNG", "64000000 pixels"},
		{"PNG truncated", pngImg[:len(pngImg)-12], "format", "PNG", "before the IEND"},
		{"PNG bad CRC", badCRC, "format", "PNG", "decoder rejects"},
		{"PNG unknown critical chunk", pngWith(pngImg, [][]byte{pngChunk("CgBI", []byte{0, 0, 0, 0})}), "format", "PNG", "critical"},
		{"PNG chunk type not letters", pngWith(pngImg, [][]byte{pngChunk("a1b2", nil)}), "format", "PNG", "chunk type"},
		{"PNG without IHDR first", slices.Concat(pngImg[:8], pngChunk("tEXt", []byte("a\x00b")), pngImg[8:]), "format", "PNG", "IHDR"},
		{"WebP canvas too large", riff(vp8xChunk(0, 10000, 10000), lossless), "large", "WebP", "100000000 pixels"},
		{"WebP bitstream too large", riff(vp8xChunk(0, 2, 3), hugeVP8L), "large", "WebP", "more than 50000000"},
		{"WebP bitstream not the canvas size", riff(vp8xChunk(0, 3, 3), lossless), "format", "WebP", "on a 3x3 canvas"},
		{"WebP RIFF size too large", bigRIFF, "format", "WebP", "RIFF size"},
		{"WebP chunk too long", longChunk, "format", "WebP", "runs past the end of the RIFF data"},
		{"WebP without chunks", []byte("RIFF\x04\x00\x00\x00WEBP"), "format", "WebP", "no chunks"},
		{"WebP first chunk unknown", riff(chunk{"EXIF", []byte{1, 2}}, lossless), "format", "WebP", "first chunk"},
		{"WebP without bitstream", riff(vp8xChunk(0, 2, 3), chunk{"EXIF", nil}), "format", "WebP", "no VP8"},
		{"WebP animation turned", riff(vp8xChunk(vp8xAnim|vp8xEXIF, 2, 3), anim, anmf(0, 0, 2, 3, lossless), exif6), "unsupported", "WebP",
			"cannot clean this WebP image: it is an animation with EXIF orientation 6"},
		{"WebP animation without ANIM", riff(vp8xChunk(vp8xAnim, 2, 3), anmf(0, 0, 2, 3, lossless)), "format", "WebP", "ANIM"},
		{"WebP frame off the canvas", riff(vp8xChunk(vp8xAnim, 2, 3), anim, anmf(2, 0, 2, 3, lossless)), "format", "WebP", "off the canvas"},
		{"WebP frame size mismatch", riff(vp8xChunk(vp8xAnim, 4, 6), anim, anmf(0, 0, 4, 6, lossless)), "format", "WebP", "in a 4x6 frame"},
		{"WebP broken bitstream", riff(chunk{"VP8L", lossless.body[:10]}), "format", "WebP", "decoder rejects"},
		{"GIF too large", hugeGIF, "large", "GIF", "more than 50000000"},
		{"GIF animation too large", longGIF, "large", "GIF", "more than 200000000"},
		{"GIF truncated", gifImg[:len(gifImg)-5], "format", "GIF", "past the end"},
		{"GIF truncated in a frame", gifImg[:len(gifImg)-2], "format", "GIF", "ends inside"},
		{"GIF header only", gifImg[:gifHeaderEnd(gifImg)], "format", "GIF", "no image"},
		{"GIF unknown block", gifWith(gifImg, [][]byte{{0x42}}), "format", "GIF", "unknown block 0x42"},
		{"GIF frame off the screen", bytes.Replace(gifImg, []byte{0x2C, 0, 0, 0, 0}, []byte{0x2C, 1, 0, 0, 0}, 1), "format", "GIF", "off the screen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean(tc.in)
			if err == nil {
				t.Fatalf("accepted: %s, %q", res.ContentType, res.Removed)
			}
			var (
				u *UnsupportedError
				f *FormatError
				l *TooLargeError
			)
			switch {
			case tc.kind == "unsupported" && errors.As(err, &u):
				if u.Format != tc.format {
					t.Errorf("Format %q, want %q", u.Format, tc.format)
				}
			case tc.kind == "format" && errors.As(err, &f):
				if f.Format != tc.format {
					t.Errorf("Format %q, want %q", f.Format, tc.format)
				}
			case tc.kind == "large" && errors.As(err, &l):
				if l.Format != tc.format {
					t.Errorf("Format %q, want %q", l.Format, tc.format)
				}
			default:
				t.Fatalf("error %T %v, want a %s error", err, err, tc.kind)
			}
			if !strings.HasPrefix(err.Error(), "imageclean: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want one containing %q", err, tc.msg)
			}
		})
	}
}

// TestFormatErrorUnwrap: the decoder's error is in the chain.
func TestFormatErrorUnwrap(t *testing.T) {
	in := riff(chunk{"VP8L", vp8l(grid(2, 3, 1))[:10]})
	_, err := Clean(in)
	var f *FormatError
	if !errors.As(err, &f) || f.Err == nil || !errors.Is(err, f.Err) {
		t.Fatalf("error %v: no decoder error in the chain", err)
	}
}

func TestScanEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"\x01\x02\xFF\xD9", 2},
		{"\x01\xFF\x00\x02\xFF\xD9", 4},
		{"\xFF\xD0\x01\xFF\xD7\xFF\xC4", 5},
		{"\x01\xFF\xFF\xD9", 1},
		{"\x01\x02", 2},
		{"\x01\xFF", 2},
		{"", 0},
	} {
		if got := scanEnd([]byte(tc.in), 0); got != tc.want {
			t.Errorf("scanEnd(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
