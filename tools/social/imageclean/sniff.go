package imageclean

import (
	"bytes"
	"strings"
)

// sniff names the format of b from its first bytes: "JPEG", "PNG", "GIF"
// and "WebP", which Clean handles, or the name of another format to put in
// an error, or "" when none is recognised.
func sniff(b []byte) string {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case has(0, "\xFF\xD8\xFF"):
		return "JPEG"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "PNG"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "GIF"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "WebP"
	case has(0, "RIFF") && len(b) >= 12:
		switch string(b[8:12]) {
		case "AVI ":
			return "AVI"
		case "WAVE":
			return "WAV"
		}
		return "RIFF"
	case has(4, "ftyp") && len(b) >= 12:
		return isoBrand(string(b[8:12]))
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "TIFF" // and the camera raw formats built on it (DNG, CR2, NEF, ARW)
	case has(0, "\xFF\x0A"), has(0, "\x00\x00\x00\x0CJXL \r\n\x87\n"):
		return "JPEG XL"
	case has(0, "\x00\x00\x00\x0CjP  \r\n\x87\n"), has(0, "\xFF\x4F\xFF\x51"):
		return "JPEG 2000"
	case has(0, "BM") && len(b) >= 26:
		return "BMP"
	case has(0, "\x00\x00\x01\x00"):
		return "ICO"
	case has(0, "8BPS"):
		return "PSD"
	case has(0, "%PDF-"):
		return "PDF"
	case has(0, "FUJIFILMCCD-RAW"):
		return "RAF"
	case isSVG(b):
		return "SVG"
	}
	return ""
}

// isoBrand names an ISO base media file (HEIF, AVIF, MP4…) from the major
// brand of its ftyp box.
func isoBrand(brand string) string {
	switch brand {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs":
		return "HEIC"
	case "mif1", "msf1", "heif":
		return "HEIF"
	case "avif", "avis":
		return "AVIF"
	case "crx ":
		return "CR3"
	case "qt  ":
		return "QuickTime"
	}
	return "MP4"
}

// isSVG reports whether b starts like an SVG document: XML or an <svg>
// element, with "<svg" in its first kilobytes.
func isSVG(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 4096 {
		b = b[:4096]
	}
	s := strings.ToLower(string(b))
	return (strings.HasPrefix(s, "<?xml") || strings.HasPrefix(s, "<svg") || strings.HasPrefix(s, "<!doctype svg") ||
		strings.HasPrefix(s, "<!--")) && strings.Contains(s, "<svg")
}
