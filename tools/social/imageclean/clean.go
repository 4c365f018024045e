package imageclean

import "bytes"

// MaxPixels is the largest picture Clean accepts, in pixels (width ×
// height as the headers declare it). Decoding and turning a picture of this
// size takes a few hundred megabytes.
const MaxPixels = 50_000_000

// MaxAnimationPixels is the largest sum of frame sizes, in pixels, Clean
// accepts in an animated GIF or WebP. Frames are checked one at a time, so
// memory stays bounded by one frame.
const MaxAnimationPixels = 4 * MaxPixels

// JPEGQuality is the quality at which a JPEG is re-encoded when its EXIF
// orientation is applied.
const JPEGQuality = 92

// maxScans bounds the scans of a JPEG. Each scan of a progressive JPEG
// costs the decoder a pass over the whole picture, so a small file of many
// near-empty scans would cost much; encoders write about ten.
const maxScans = 100

// Result is a cleaned image.
type Result struct {
	// Data is the cleaned image. It never shares memory with the input.
	Data []byte
	// ContentType is the MIME type of Data: "image/jpeg", "image/png",
	// "image/gif" or "image/webp". A WebP whose orientation was applied
	// becomes "image/png".
	ContentType string
	// Removed names what was dropped, in the order it was found, each name
	// once: "EXIF", "EXIF (GPS)", "EXIF thumbnail", "XMP", "IPTC", "ICC",
	// "comment", "text", "timestamp", "trailing data" and the like. It is
	// empty when the image carried no metadata.
	Removed []string
	// Reencoded reports that the picture was decoded and encoded again to
	// apply its EXIF orientation; otherwise the compressed picture data is
	// the input's, byte for byte.
	Reencoded bool
}

// Clean returns data with every metadata block removed, as the package
// documentation describes. data is a JPEG, PNG, GIF or WebP image; any
// other format is refused with an *UnsupportedError. A broken image is
// refused with a *FormatError, one too large with a *TooLargeError. The
// result always decodes with the standard decoders.
func Clean(data []byte) (Result, error) {
	switch f := sniff(data); f {
	case "JPEG":
		return cleanJPEG(data)
	case "PNG":
		return cleanPNG(data)
	case "GIF":
		return cleanGIF(data)
	case "WebP":
		return cleanWebP(data)
	default:
		return Result{}, &UnsupportedError{Format: f}
	}
}

// removed collects the names of what was dropped, each once.
type removed struct {
	list []string
	seen map[string]bool
}

func (r *removed) add(what string) {
	if r.seen[what] {
		return
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[what] = true
	r.list = append(r.list, what)
}

// exif records what an EXIF block held, given its TIFF structure.
func (r *removed) exif(info exifInfo) {
	if info.gps {
		r.add("EXIF (GPS)")
	} else {
		r.add("EXIF")
	}
	if info.thumbnail {
		r.add("EXIF thumbnail")
	}
}

// trimExifHeader removes the "Exif\0\0" header some writers put before the
// TIFF structure of a PNG eXIf or WebP EXIF chunk.
func trimExifHeader(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("Exif\x00")) && len(b) >= 6 {
		return b[6:]
	}
	return b
}
