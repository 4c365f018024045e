package imageclean

import (
	"bytes"
	"fmt"
	"image/jpeg"
)

// JPEG markers (ITU T.81, table B.1).
const (
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerDQT   = 0xDB
	markerDNL   = 0xDC
	markerDRI   = 0xDD
	markerDHT   = 0xC4
	markerDAC   = 0xCC
	markerAPP0  = 0xE0
	markerAPP1  = 0xE1
	markerAPP2  = 0xE2
	markerAPP13 = 0xED
	markerAPP14 = 0xEE
	markerCOM   = 0xFE
	markerTEM   = 0x01
)

// isSOF reports whether m is a start-of-frame marker: C0–CF but DHT (C4),
// JPG (C8) and DAC (CC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != markerDHT && m != 0xC8 && m != markerDAC
}

// isRST reports whether m is a restart marker RST0–RST7.
func isRST(m byte) bool { return m >= 0xD0 && m <= 0xD7 }

var (
	// jfifSegment is the APP0 JFIF segment Clean writes in place of the
	// input's: version 1.01, no density unit, 1:1 aspect, no thumbnail.
	jfifSegment = []byte{0xFF, markerAPP0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	// adobeSegment is the APP14 Adobe segment Clean writes in place of the
	// input's: version 100, no flags; the last byte, the colour
	// transform, is copied from the input.
	adobeSegment = []byte{0xFF, markerAPP14, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
)

// cleanJPEG walks the segments of a JPEG, copying those the picture needs.
func cleanJPEG(data []byte) (Result, error) {
	var (
		rm                          removed
		out                         = append(make([]byte, 0, len(data)), 0xFF, markerSOI)
		orientation                 = 0 // of the first EXIF block; 0 before one is seen
		sawJFIF, sawAdobe, sawFrame bool
		scans                       int
		pos                         = 2
	)
segments:
	for {
		if pos < len(data) && data[pos] != 0xFF {
			// libjpeg and image/jpeg skip bytes between segments; so do we.
			rm.add("junk bytes")
			k := bytes.IndexByte(data[pos:], 0xFF)
			if k < 0 {
				pos = len(data)
			} else {
				pos += k
			}
		}
		for pos < len(data) && data[pos] == 0xFF { // fill bytes
			pos++
		}
		if pos >= len(data) {
			return Result{}, malformed("JPEG", "the data ends before the end-of-image marker")
		}
		m := data[pos]
		pos++
		switch {
		case m == markerEOI:
			out = append(out, 0xFF, markerEOI)
			if pos < len(data) {
				rm.add("trailing data")
			}
			break segments
		case m == 0, m == markerTEM, isRST(m):
			// A stuffed zero or a standalone marker outside a scan: nothing
			// the picture needs.
			continue
		case m == markerSOI:
			return Result{}, malformed("JPEG", "a second start-of-image marker")
		}
		if len(data)-pos < 2 {
			return Result{}, malformed("JPEG", "the data ends inside a segment header")
		}
		n := int(data[pos])<<8 | int(data[pos+1])
		if n < 2 || n > len(data)-pos {
			return Result{}, malformed("JPEG", "segment 0x%02X runs past the end of the data", m)
		}
		payload := data[pos+2 : pos+n]
		copySegment := func() []byte { return append(append(out, 0xFF, m), data[pos:pos+n]...) }
		switch {
		case m == markerDQT, m == markerDHT, m == markerDAC, m == markerDRI, m == markerDNL:
			out = copySegment()
		case isSOF(m):
			if len(payload) < 6 {
				return Result{}, malformed("JPEG", "a frame header shorter than 6 bytes")
			}
			h := uint64(payload[1])<<8 | uint64(payload[2])
			w := uint64(payload[3])<<8 | uint64(payload[4])
			if w == 0 || h == 0 {
				return Result{}, malformed("JPEG", "a frame of %dx%d pixels", w, h)
			}
			if err := checkSize("JPEG", w, h); err != nil {
				return Result{}, err
			}
			sawFrame = true
			out = copySegment()
		case m == markerSOS:
			if scans++; scans > maxScans {
				return Result{}, &UnsupportedError{Format: "JPEG", Reason: fmt.Sprintf("it has more than %d scans", maxScans)}
			}
			out = copySegment()
			end := scanEnd(data, pos+n)
			out = append(out, data[pos+n:end]...)
			pos = end
			continue
		case m == markerAPP0:
			switch {
			case bytes.HasPrefix(payload, []byte("JFIF\x00")):
				if !sawJFIF {
					out = append(out, jfifSegment...)
					sawJFIF = true
				}
				if len(payload) > 14 {
					rm.add("JFIF thumbnail")
				}
			case bytes.HasPrefix(payload, []byte("JFXX\x00")):
				rm.add("JFIF thumbnail")
			default:
				rm.add("APP0")
			}
		case m == markerAPP1:
			switch {
			case bytes.HasPrefix(payload, []byte("Exif\x00")):
				info := exifInfo{orientation: 1}
				if len(payload) >= 6 {
					info = readEXIF(payload[6:])
				}
				if orientation == 0 {
					orientation = info.orientation
				}
				rm.exif(info)
			case bytes.HasPrefix(payload, []byte("http://ns.adobe.com/xap/1.0/\x00")),
				bytes.HasPrefix(payload, []byte("http://ns.adobe.com/xmp/extension/\x00")):
				rm.add("XMP")
			default:
				rm.add("APP1")
			}
		case m == markerAPP2:
			switch {
			case bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")):
				rm.add("ICC")
			case bytes.HasPrefix(payload, []byte("MPF\x00")):
				rm.add("MPF (more pictures)")
			default:
				rm.add("APP2")
			}
		case m == markerAPP13:
			if bytes.HasPrefix(payload, []byte("Photoshop 3.0\x00")) {
				rm.add("IPTC")
			} else {
				rm.add("APP13")
			}
		case m == markerAPP14 && len(payload) >= 12 && bytes.HasPrefix(payload, []byte("Adobe")):
			if !sawAdobe {
				out = append(out, adobeSegment...)
				out[len(out)-1] = payload[11]
				sawAdobe = true
			}
		case m >= markerAPP0 && m <= 0xEF:
			rm.add(fmt.Sprintf("APP%d", m-markerAPP0))
		case m == markerCOM:
			rm.add("comment")
		default:
			rm.add(fmt.Sprintf("marker 0x%02X", m))
		}
		pos += n
	}
	if !sawFrame || scans == 0 {
		return Result{}, malformed("JPEG", "no frame header or no scan")
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		return Result{}, rejected("JPEG", err)
	}
	res := Result{Data: out, ContentType: "image/jpeg", Removed: rm.list}
	if orientation > 1 {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, orient(img, orientation), &jpeg.Options{Quality: JPEGQuality}); err != nil {
			return Result{}, fmt.Errorf("imageclean: encoding the turned JPEG: %w", err)
		}
		res.Data, res.Reencoded = b.Bytes(), true
	}
	return res, nil
}

// scanEnd returns the offset of the marker that ends the entropy-coded data
// starting at i: the first 0xFF followed by neither a stuffed zero nor a
// restart marker, or len(data).
func scanEnd(data []byte, i int) int {
	for {
		k := bytes.IndexByte(data[i:], 0xFF)
		if k < 0 {
			return len(data)
		}
		i += k
		if i+1 >= len(data) {
			return len(data)
		}
		if m := data[i+1]; m != 0 && !isRST(m) {
			return i
		}
		i += 2
	}
}
