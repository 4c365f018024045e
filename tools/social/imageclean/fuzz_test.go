package imageclean

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzClean feeds arbitrary bytes to Clean, seeded with the test images.
// Nothing may panic; every error is one of the package's types with an
// "imageclean: " message; whatever Clean accepts decodes with the standard
// decoders, passes the independent checker, holds no metadata marker
// outside its picture data, and is cleaned again to itself.
func FuzzClean(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := Clean(in)
		if err != nil {
			var (
				u  *UnsupportedError
				fe *FormatError
				l  *TooLargeError
			)
			if !errors.As(err, &u) && !errors.As(err, &fe) && !errors.As(err, &l) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "imageclean: ") {
				t.Fatalf("error %q without the package prefix", err)
			}
			return
		}
		skeleton, err := verify(res.Data, res.ContentType)
		if err != nil {
			t.Fatalf("Clean accepted it as %s (%q) but the checker says: %v", res.ContentType, res.Removed, err)
		}
		// The picture data is copied as it is, so it may hold anything;
		// the rest may not hold a metadata marker.
		for _, m := range markers {
			if bytes.Contains(skeleton, []byte(m)) {
				t.Fatalf("output holds %q outside its picture data", m)
			}
		}
		if len(in) > 0 && len(res.Data) > 0 && &res.Data[0] == &in[0] {
			t.Fatalf("output shares memory with the input")
		}
		again, err := Clean(res.Data)
		if err != nil || !bytes.Equal(again.Data, res.Data) || len(again.Removed) != 0 || again.Reencoded {
			t.Fatalf("cleaning the output again: %v, Removed %q, same %v", err, again.Removed, bytes.Equal(again.Data, res.Data))
		}
	})
}

// fuzzSeeds returns small images of every format and kind the tests use.
func fuzzSeeds(tb testing.TB) [][]byte {
	jpegImg := encodeJPEG(tb, opaque(grid(2, 3, 1)), 75)
	exif := exifTIFF(tb, le, 6, true, false)
	pngImg := encodePNGImage(tb, grid(2, 3, 1))
	lossless := chunk{"VP8L", vp8l(grid(2, 3, 1))}
	gifImg := twoFrameGIF(tb)
	return [][]byte{
		jpegImg,
		afterSOI(jpegImg, exifSegment(exif), xmpSegment(), commentSegment(), segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))),
		afterSOI(jpegImg, jfifSegment, exifSegment(exifTIFF(tb, be, 1, false, false))),
		pngImg,
		pngWith(pngImg, [][]byte{pngChunk("eXIf", exif), pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})},
			pngChunk("tEXt", []byte("Comment\x00taken at home"))),
		riff(lossless),
		riff(vp8xChunk(vp8xEXIF|vp8xXMP, 2, 3), lossless, chunk{"EXIF", exif}, chunk{"XMP ", []byte("<x/>")}),
		riff(vp8xChunk(vp8xAnim, 4, 6), chunk{"ANIM", make([]byte, 6)}, anmf(0, 0, 2, 3, lossless), anmf(2, 0, 2, 6, chunk{"VP8L", vp8l(grid(1, 3, 2))})),
		riff(vp8xChunk(vp8xAlpha, 2, 3), rawAlpha(2, 3), chunk{"VP8 ", slices.Clone(lossyVP8Header)}),
		gifImg,
		gifWith(gifImg, [][]byte{gifExt(gifComment, []byte("taken at home"))}),
		[]byte("\x00\x00\x00\x18ftypheic"),
	}
}

// lossyVP8Header is the start of a VP8 key frame of 2×3 pixels (RFC 6386
// 9.1): frame tag, start code, size. It decodes no picture; it lets the
// fuzzer reach the VP8 paths without a large seed.
var lossyVP8Header = []byte{0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x02, 0x00, 0x03, 0x00, 0, 0, 0, 0, 0, 0}
