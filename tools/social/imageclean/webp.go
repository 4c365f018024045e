package imageclean

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/image/webp"
)

// VP8X flags (WebP container specification, "Extended File Format").
const (
	vp8xICC   = 0x20
	vp8xAlpha = 0x10
	vp8xEXIF  = 0x08
	vp8xXMP   = 0x04
	vp8xAnim  = 0x02
)

// chunk is a RIFF chunk: its FourCC and its payload, without padding.
type chunk struct {
	id   string
	body []byte
}

// readChunks splits b into RIFF chunks. A missing pad byte after the last
// chunk is tolerated.
func readChunks(b []byte) ([]chunk, error) {
	var cs []chunk
	for p := 0; p < len(b); {
		if len(b)-p < 8 {
			return nil, malformed("WebP", "a chunk header runs past the end of the RIFF data")
		}
		n := binary.LittleEndian.Uint32(b[p+4:])
		if uint64(n) > uint64(len(b)-p-8) {
			return nil, malformed("WebP", "chunk %q runs past the end of the RIFF data", b[p:p+4])
		}
		cs = append(cs, chunk{string(b[p : p+4]), b[p+8 : p+8+int(n)]})
		p += 8 + int(n) + int(n&1)
	}
	return cs, nil
}

// appendChunk appends c to out, padded to an even length with a zero.
func appendChunk(out []byte, c chunk) []byte {
	out = append(out, c.id...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(c.body)))
	out = append(out, c.body...)
	if len(c.body)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// riffFile returns a WebP file made of cs.
func riffFile(cs ...chunk) []byte {
	n := 4
	for _, c := range cs {
		n += 8 + len(c.body) + len(c.body)%2
	}
	out := make([]byte, 0, 8+n)
	out = append(out, "RIFF"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(n))
	out = append(out, "WEBP"...)
	for _, c := range cs {
		out = appendChunk(out, c)
	}
	return out
}

// le24 reads a 24-bit little-endian number.
func le24(b []byte) uint64 { return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 }

// frame is the picture of a still WebP or of one frame of an animation:
// its optional alpha chunk and its VP8 or VP8L bitstream, of w×h pixels.
type frame struct {
	alpha, bitstream *chunk
	w, h             uint64
}

// pick keeps the first bitstream of cs and the ALPH chunk before it, and
// records the rest as removed: a second bitstream is no part of the
// picture a decoder shows.
func (f *frame) pick(cs []chunk, rm *removed) {
	for i := range cs {
		c := &cs[i]
		switch {
		case c.id == "ALPH" && f.alpha == nil && f.bitstream == nil:
			f.alpha = c
		case (c.id == "VP8 " || c.id == "VP8L") && f.bitstream == nil:
			f.bitstream = c
		default:
			dropChunk(*c, rm, nil)
		}
	}
}

// chunks returns the chunks of the frame, in order.
func (f *frame) chunks() []chunk {
	if f.alpha == nil {
		return []chunk{*f.bitstream}
	}
	return []chunk{*f.alpha, *f.bitstream}
}

// readSize sets f.w and f.h from the header of the bitstream and refuses a
// frame without a bitstream or of more than MaxPixels pixels. It runs
// before any decoding.
func (f *frame) readSize() error {
	if f.bitstream == nil {
		return malformed("WebP", "no VP8 or VP8L bitstream")
	}
	if f.alpha != nil && f.bitstream.id != "VP8 " {
		return malformed("WebP", "an ALPH chunk with a lossless bitstream")
	}
	// A RIFF file of the bitstream alone, without copying it.
	n := len(f.bitstream.body)
	head := []byte("RIFF\x00\x00\x00\x00WEBP")
	binary.LittleEndian.PutUint32(head[4:], uint32(4+8+n+n%2))
	head = append(head, f.bitstream.id...)
	head = binary.LittleEndian.AppendUint32(head, uint32(n))
	cfg, err := webp.DecodeConfig(io.MultiReader(bytes.NewReader(head), bytes.NewReader(f.bitstream.body)))
	if err != nil {
		return rejected("WebP", err)
	}
	f.w, f.h = uint64(cfg.Width), uint64(cfg.Height)
	return checkSize("WebP", f.w, f.h)
}

// file returns the frame as a WebP file of its own.
func (f *frame) file() []byte {
	if f.alpha == nil {
		return riffFile(*f.bitstream)
	}
	x := make([]byte, 10)
	x[0] = vp8xAlpha
	putSize(x[4:], f.w, f.h)
	return riffFile(chunk{"VP8X", x}, *f.alpha, *f.bitstream)
}

// putSize writes w-1 and h-1 as 24-bit little-endian numbers, as VP8X and
// ANMF store a size.
func putSize(b []byte, w, h uint64) {
	b[0], b[1], b[2] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	b[3], b[4], b[5] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
}

// dropChunk records a chunk that is not copied. The orientation of an EXIF
// chunk is stored in *orientation when orientation is not nil and
// *orientation is still 0.
func dropChunk(c chunk, rm *removed, orientation *int) {
	switch c.id {
	case "EXIF":
		info := readEXIF(trimExifHeader(c.body))
		if orientation != nil && *orientation == 0 {
			*orientation = info.orientation
		}
		rm.exif(info)
	case "XMP ":
		rm.add("XMP")
	case "ICCP":
		rm.add("ICC")
	default:
		rm.add(fmt.Sprintf("WebP chunk %q", c.id))
	}
}

// cleanWebP walks the chunks of a WebP file, copying those the picture
// needs.
func cleanWebP(data []byte) (Result, error) {
	var rm removed
	size := uint64(binary.LittleEndian.Uint32(data[4:]))
	if size < 4 || size > uint64(len(data)-8) {
		return Result{}, malformed("WebP", "the RIFF size runs past the end of the data")
	}
	cs, err := readChunks(data[12 : 8+size])
	if err != nil {
		return Result{}, err
	}
	if len(cs) == 0 {
		return Result{}, malformed("WebP", "no chunks")
	}
	trailing := 8+size < uint64(len(data))
	switch cs[0].id {
	case "VP8 ", "VP8L":
		// The simple format: one bitstream and nothing else. Metadata has
		// no place here; whatever follows the bitstream is dropped.
		var f frame
		f.pick(cs, &rm)
		if err := f.readSize(); err != nil {
			return Result{}, err
		}
		if trailing {
			rm.add("trailing data")
		}
		out := riffFile(*f.bitstream)
		if _, err := webp.Decode(bytes.NewReader(out)); err != nil {
			return Result{}, rejected("WebP", err)
		}
		return Result{Data: out, ContentType: "image/webp", Removed: rm.list}, nil
	case "VP8X":
		return cleanExtended(cs[0].body, cs[1:], trailing, &rm)
	default:
		return Result{}, malformed("WebP", "the first chunk is %q, not VP8, VP8L or VP8X", cs[0].id)
	}
}

// cleanExtended cleans a WebP file in the extended format: x is the payload
// of its VP8X chunk, cs the chunks after it.
func cleanExtended(x []byte, cs []chunk, trailing bool, rm *removed) (Result, error) {
	if len(x) != 10 {
		return Result{}, malformed("WebP", "a VP8X chunk of %d bytes", len(x))
	}
	cw, ch := le24(x[4:])+1, le24(x[7:])+1
	if err := checkSize("WebP", cw, ch); err != nil {
		return Result{}, err
	}
	orientation := 0

	if x[0]&vp8xAnim == 0 {
		var pic []chunk
		for _, c := range cs {
			switch c.id {
			case "ALPH", "VP8 ", "VP8L":
				pic = append(pic, c)
			default:
				dropChunk(c, rm, &orientation)
			}
		}
		var f frame
		f.pick(pic, rm)
		if err := f.readSize(); err != nil {
			return Result{}, err
		}
		if f.w != cw || f.h != ch {
			return Result{}, malformed("WebP", "a %dx%d bitstream on a %dx%d canvas", f.w, f.h, cw, ch)
		}
		if trailing {
			rm.add("trailing data")
		}
		// Without its metadata a still picture needs VP8X only to announce
		// an ALPH chunk; f.file writes the simple format otherwise. That is
		// also the one form x/image/webp reads when the bitstream is VP8L
		// and the alpha flag is set.
		out := f.file()
		img, err := webp.Decode(bytes.NewReader(out))
		if err != nil {
			return Result{}, rejected("WebP", err)
		}
		if orientation > 1 {
			b, err := encodePNG(orient(img, orientation), nil)
			if err != nil {
				return Result{}, err
			}
			return Result{Data: b, ContentType: "image/png", Removed: rm.list, Reencoded: true}, nil
		}
		return Result{Data: out, ContentType: "image/webp", Removed: rm.list}, nil
	}

	vp8x := make([]byte, 10)
	vp8x[0] = x[0] & (vp8xAlpha | vp8xAnim) // ICC, EXIF and XMP flags and reserved bits cleared
	copy(vp8x[4:], x[4:])
	var (
		kept    = []chunk{{"VP8X", vp8x}}
		frames  []frame
		total   uint64
		sawANIM bool
	)
	for _, c := range cs {
		switch {
		case c.id == "ANIM" && !sawANIM:
			if len(c.body) != 6 {
				return Result{}, malformed("WebP", "an ANIM chunk of %d bytes", len(c.body))
			}
			sawANIM = true
			kept = append(kept, c)
		case c.id == "ANMF":
			k, f, err := cleanFrame(c.body, cw, ch, &total, rm)
			if err != nil {
				return Result{}, err
			}
			kept = append(kept, k)
			frames = append(frames, f)
		default:
			dropChunk(c, rm, &orientation)
		}
	}
	if !sawANIM || len(frames) == 0 {
		return Result{}, malformed("WebP", "an animation without an ANIM chunk or without frames")
	}
	if orientation > 1 {
		return Result{}, &UnsupportedError{Format: "WebP", Reason: fmt.Sprintf(
			"it is an animation with EXIF orientation %d, which cannot be applied to it here: turn it upright in an editor first", orientation)}
	}
	for _, f := range frames {
		// One frame at a time, so memory stays bounded by one frame.
		if _, err := webp.Decode(bytes.NewReader(f.file())); err != nil {
			return Result{}, rejected("WebP", err)
		}
	}
	if trailing {
		rm.add("trailing data")
	}
	return Result{Data: riffFile(kept...), ContentType: "image/webp", Removed: rm.list}, nil
}

// cleanFrame cleans the payload b of an ANMF chunk: its 16-byte header and
// its ALPH and bitstream chunks are kept, anything else dropped. The frame
// must lie on the cw×ch canvas; its size is added to *total, which may not
// exceed MaxAnimationPixels.
func cleanFrame(b []byte, cw, ch uint64, total *uint64, rm *removed) (chunk, frame, error) {
	if len(b) < 16 {
		return chunk{}, frame{}, malformed("WebP", "an ANMF chunk shorter than its header")
	}
	x, y := 2*le24(b), 2*le24(b[3:])
	w, h := le24(b[6:])+1, le24(b[9:])+1
	if x+w > cw || y+h > ch {
		return chunk{}, frame{}, malformed("WebP", "a frame off the canvas")
	}
	if *total += w * h; *total > MaxAnimationPixels {
		return chunk{}, frame{}, &TooLargeError{Format: "WebP", Pixels: *total, Limit: MaxAnimationPixels}
	}
	cs, err := readChunks(b[16:])
	if err != nil {
		return chunk{}, frame{}, err
	}
	var f frame
	f.pick(cs, rm)
	if err := f.readSize(); err != nil {
		return chunk{}, frame{}, err
	}
	if f.w != w || f.h != h {
		return chunk{}, frame{}, malformed("WebP", "a %dx%d bitstream in a %dx%d frame", f.w, f.h, w, h)
	}
	body := append([]byte(nil), b[:16]...)
	for _, c := range f.chunks() {
		body = appendChunk(body, c)
	}
	return chunk{"ANMF", body}, f, nil
}
