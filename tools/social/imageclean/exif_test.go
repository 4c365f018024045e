package imageclean

import (
	"testing"
)

func TestReadEXIF(t *testing.T) {
	// entry returns a little-endian IFD0 of one entry.
	ifd := func(entries ...[]byte) []byte {
		b := []byte("II*\x00\x08\x00\x00\x00")
		b = append(b, byte(len(entries)), 0)
		for _, e := range entries {
			b = append(b, e...)
		}
		return append(b, 0, 0, 0, 0)
	}
	orientation := func(typ, count, v uint16) []byte {
		return []byte{0x12, 0x01, byte(typ), byte(typ >> 8), byte(count), byte(count >> 8), 0, 0, byte(v), byte(v >> 8), 0, 0}
	}
	gps := []byte{0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0}
	for _, tc := range []struct {
		name string
		in   []byte
		want exifInfo
	}{
		{"camera, little-endian", exifTIFF(t, le, 6, true, true), exifInfo{6, true, true}},
		{"camera, big-endian", exifTIFF(t, be, 8, false, false), exifInfo{8, false, false}},
		{"orientation 3", ifd(orientation(3, 1, 3)), exifInfo{3, false, false}},
		{"orientation and GPS", ifd(orientation(3, 1, 5), gps), exifInfo{5, true, false}},
		{"orientation 0", ifd(orientation(3, 1, 0)), exifInfo{1, false, false}},
		{"orientation 9", ifd(orientation(3, 1, 9)), exifInfo{1, false, false}},
		{"orientation as LONG", ifd(orientation(4, 1, 6)), exifInfo{1, false, false}},
		{"orientation count 2", ifd(orientation(3, 2, 6)), exifInfo{1, false, false}},
		{"first orientation wins", ifd(orientation(3, 1, 6), orientation(3, 1, 8)), exifInfo{6, false, false}},
		{"bad first orientation wins", ifd(orientation(4, 1, 6), orientation(3, 1, 8)), exifInfo{1, false, false}},
		{"entries cut short", ifd(orientation(3, 1, 7), gps)[:8+2+12+5], exifInfo{7, false, false}},
		{"entry count past the end", append([]byte("II*\x00\x08\x00\x00\x00\xff\xff"), orientation(3, 1, 2)...), exifInfo{2, false, false}},
		{"IFD1 present", append(ifd(orientation(3, 1, 2))[:8+2+12], 8, 0, 0, 0), exifInfo{2, false, true}},
		{"IFD1 past the end", append(ifd(orientation(3, 1, 2))[:8+2+12], 200, 0, 0, 0), exifInfo{2, false, false}},
		{"IFD0 offset past the end", []byte("MM\x00*\x7f\xff\xff\xff\x00\x01"), exifInfo{1, false, false}},
		{"IFD0 offset inside the header", []byte("MM\x00*\x00\x00\x00\x02\x00\x01\x01\x12"), exifInfo{1, false, false}},
		{"IFD0 offset at the end", []byte("II*\x00\x08\x00\x00\x00"), exifInfo{1, false, false}},
		{"not TIFF", []byte("JFIF\x00\x01\x02\x03\x04\x05"), exifInfo{1, false, false}},
		{"short", []byte("II*"), exifInfo{1, false, false}},
		{"empty", nil, exifInfo{1, false, false}},
	} {
		if got := readEXIF(tc.in); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\xFF\xD8\xFF\xE0", "JPEG"},
		{"\xFF\xD8\xFE", ""},
		{"\x89PNG\r\n\x1a\n", "PNG"},
		{"GIF87a", "GIF"},
		{"GIF89a", "GIF"},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"},
		{"RIFF\x00\x00\x00\x00WAVEfmt ", "WAV"},
		{"\x00\x00\x00\x20ftypheix", "HEIC"},
		{"\x00\x00\x00\x20ftypcrx ", "CR3"},
		{"\x00\x00\x00\x20ftypisom", "MP4"},
		{"\x00\x00\x00\x20ftypqt  ", "QuickTime"},
		{"\x00\x00\x00\x0CJXL \r\n\x87\n", "JPEG XL"},
		{"\x00\x00\x00\x0CjP  \r\n\x87\n", "JPEG 2000"},
		{"\x00\x00\x01\x00\x01\x00", "ICO"},
		{"8BPS\x00\x01", "PSD"},
		{"FUJIFILMCCD-RAW 0201", "RAF"},
		{"<!-- drawn by hand --><svg/>", "SVG"},
		{"<?xml version=\"1.0\"?><html/>", ""},
		{"BM", ""},
	} {
		if got := sniff([]byte(tc.in)); got != tc.want {
			t.Errorf("sniff(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzReadEXIF: readEXIF never panics and always returns an orientation
// from 1 to 8.
func FuzzReadEXIF(f *testing.F) {
	f.Add(exifTIFF(f, le, 6, true, true))
	f.Add(exifTIFF(f, be, 3, false, false))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := readEXIF(b).orientation; o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
