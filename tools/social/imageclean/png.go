package imageclean

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"slices"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// cleanPNG walks the chunks of a PNG, copying those the picture needs.
// Kept chunks are copied whole, so their CRCs stay valid.
func cleanPNG(data []byte) (Result, error) {
	var (
		rm          removed
		out         = append(make([]byte, 0, len(data)), pngSignature...)
		colour      []byte // the kept colour-space chunks, whole
		orientation = 0    // of the first eXIf chunk; 0 before one is seen
		pos         = len(pngSignature)
	)
	for first := true; ; first = false {
		if len(data)-pos < 12 {
			return Result{}, malformed("PNG", "the data ends before the IEND chunk")
		}
		n := binary.BigEndian.Uint32(data[pos:])
		if uint64(n) > uint64(len(data)-pos-12) {
			return Result{}, malformed("PNG", "a chunk runs past the end of the data")
		}
		typ := string(data[pos+4 : pos+8])
		if !validChunkType(typ) {
			return Result{}, malformed("PNG", "chunk type %q", typ)
		}
		body := data[pos+8 : pos+8+int(n)]
		chunk := data[pos : pos+12+int(n)]
		pos += len(chunk)
		if first != (typ == "IHDR") {
			return Result{}, malformed("PNG", "IHDR is not the first chunk, or not the only one")
		}
		switch typ {
		case "IHDR":
			if n != 13 {
				return Result{}, malformed("PNG", "an IHDR chunk of %d bytes", n)
			}
			w, h := binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:])
			if err := checkSize("PNG", uint64(w), uint64(h)); err != nil {
				return Result{}, err
			}
			out = append(out, chunk...)
		case "PLTE", "tRNS", "IDAT":
			out = append(out, chunk...)
		case "gAMA", "cHRM", "sRGB", "cICP":
			out = append(out, chunk...)
			colour = append(colour, chunk...)
		case "IEND":
			out = append(out, chunk...)
			if pos < len(data) {
				rm.add("trailing data")
			}
			return finishPNG(out, colour, orientation, rm.list)
		case "eXIf":
			info := readEXIF(trimExifHeader(body))
			if orientation == 0 {
				orientation = info.orientation
			}
			rm.exif(info)
		case "iCCP":
			rm.add("ICC")
		case "iTXt":
			if bytes.HasPrefix(body, []byte("XML:com.adobe.xmp\x00")) {
				rm.add("XMP")
			} else {
				rm.add("text")
			}
		case "tEXt", "zTXt":
			rm.add("text")
		case "tIME":
			rm.add("timestamp")
		case "pHYs":
			rm.add("pixel density (pHYs)")
		case "acTL", "fcTL", "fdAT":
			rm.add("animation (APNG)")
		default:
			if typ[0]&0x20 == 0 {
				// A decoder must refuse an unknown critical chunk (PNG
				// 5.4); dropping it would change the picture.
				return Result{}, malformed("PNG", "unknown critical chunk %q", typ)
			}
			rm.add("PNG chunk " + typ)
		}
	}
}

// finishPNG checks that the cleaned PNG decodes and applies orientation.
func finishPNG(out, colour []byte, orientation int, removed []string) (Result, error) {
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return Result{}, rejected("PNG", err)
	}
	res := Result{Data: out, ContentType: "image/png", Removed: removed}
	if orientation > 1 {
		b, err := encodePNG(orient(img, orientation), colour)
		if err != nil {
			return Result{}, err
		}
		res.Data, res.Reencoded = b, true
	}
	return res, nil
}

// encodePNG encodes img with image/png and copies the colour-space chunks
// colour in after its IHDR chunk, where PNG wants them.
func encodePNG(img image.Image, colour []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("imageclean: encoding the turned PNG: %w", err)
	}
	const ihdrEnd = len(pngSignature) + 8 + 13 + 4
	enc := b.Bytes()
	if len(enc) < ihdrEnd || string(enc[len(pngSignature)+4:len(pngSignature)+8]) != "IHDR" {
		return nil, fmt.Errorf("imageclean: image/png wrote no IHDR chunk first")
	}
	return slices.Concat(enc[:ihdrEnd], colour, enc[ihdrEnd:]), nil
}

// validChunkType reports whether t is four ASCII letters (PNG 5.3).
func validChunkType(t string) bool {
	for i := range len(t) {
		if c := t[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
