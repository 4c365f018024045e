package imageclean

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/gif"
	"slices"
)

// GIF block introducers and extension labels (GIF89a specification).
const (
	gifExtension   = 0x21
	gifImage       = 0x2C
	gifTrailer     = 0x3B
	gifGraphic     = 0xF9
	gifComment     = 0xFE
	gifPlainText   = 0x01
	gifApplication = 0xFF
)

// gifFrame is one frame of a GIF: its graphic control extension (or nil)
// and its image descriptor, local colour table and image data.
type gifFrame struct {
	control, image []byte
}

// cleanGIF walks the blocks of a GIF, copying those the picture needs.
func cleanGIF(data []byte) (Result, error) {
	if len(data) < 13 {
		return Result{}, malformed("GIF", "shorter than its header")
	}
	sw, sh := uint64(binary.LittleEndian.Uint16(data[6:])), uint64(binary.LittleEndian.Uint16(data[8:]))
	if err := checkSize("GIF", sw, sh); err != nil {
		return Result{}, err
	}
	pos := 13
	if flags := data[10]; flags&0x80 != 0 {
		pos += 3 << (flags&7 + 1)
	}
	if pos > len(data) {
		return Result{}, malformed("GIF", "the global colour table runs past the end of the data")
	}
	var (
		rm      removed
		screen  = slices.Clone(data[:pos]) // header, screen descriptor, global colour table
		out     = append(make([]byte, 0, len(data)), data[:pos]...)
		frames  []gifFrame
		control []byte // the graphic control extension for the next frame
		total   uint64
	)
	screen[12], out[12] = 0, 0 // pixel aspect ratio: no reader uses it
	for done := false; !done; {
		if pos >= len(data) {
			if len(frames) == 0 {
				return Result{}, malformed("GIF", "no image")
			}
			out = append(out, gifTrailer) // a missing trailer, as browsers tolerate
			break
		}
		switch data[pos] {
		case gifTrailer:
			out = append(out, gifTrailer)
			if pos+1 < len(data) {
				rm.add("trailing data")
			}
			done = true
		case gifExtension:
			if len(data)-pos < 2 {
				return Result{}, malformed("GIF", "the data ends inside an extension")
			}
			label := data[pos+1]
			blocks, end, err := subBlocks(data, pos+2, 8)
			if err != nil {
				return Result{}, err
			}
			pos = end
			var first []byte
			if len(blocks) > 0 {
				first = blocks[0]
			}
			switch label {
			case gifGraphic:
				if len(first) != 4 {
					return Result{}, malformed("GIF", "a graphic control extension of %d bytes", len(first))
				}
				// Reserved bits cleared; disposal, user input, transparency,
				// delay and transparent index kept.
				control = []byte{gifExtension, gifGraphic, 4, first[0] & 0x1F, first[1], first[2], first[3], 0}
				out = append(out, control...)
			case gifApplication:
				switch string(first) {
				case "NETSCAPE2.0", "ANIMEXTS1.0":
					loop := false
					for _, b := range blocks[1:] {
						if len(b) == 3 && b[0] == 1 && !loop {
							out = append(out, gifExtension, gifApplication, 11)
							out = append(out, "NETSCAPE2.0"...)
							out = append(out, 3, 1, b[1], b[2], 0)
							loop = true
						}
					}
					if !loop {
						rm.add("GIF application data")
					}
				case "XMP DataXMP":
					rm.add("XMP")
				case "ICCRGBG1012":
					rm.add("ICC")
				default:
					rm.add("GIF application data")
				}
			case gifComment:
				rm.add("comment")
			case gifPlainText:
				rm.add("plain text")
			default:
				rm.add(fmt.Sprintf("GIF extension 0x%02X", label))
			}
			continue
		case gifImage:
			if len(data)-pos < 10 {
				return Result{}, malformed("GIF", "the data ends inside an image descriptor")
			}
			d := data[pos+1:]
			x, y := uint64(binary.LittleEndian.Uint16(d)), uint64(binary.LittleEndian.Uint16(d[2:]))
			w, h := uint64(binary.LittleEndian.Uint16(d[4:])), uint64(binary.LittleEndian.Uint16(d[6:]))
			if x+w > sw || y+h > sh {
				return Result{}, malformed("GIF", "a frame off the screen")
			}
			if total += w * h; total > MaxAnimationPixels {
				return Result{}, &TooLargeError{Format: "GIF", Pixels: total, Limit: MaxAnimationPixels}
			}
			p := pos + 10
			if d[8]&0x80 != 0 {
				p += 3 << (d[8]&7 + 1)
			}
			p++ // LZW minimum code size
			if p > len(data) {
				return Result{}, malformed("GIF", "the data ends inside a frame")
			}
			_, end, err := subBlocks(data, p, 0)
			if err != nil {
				return Result{}, err
			}
			frames = append(frames, gifFrame{control, data[pos:end]})
			out = append(out, data[pos:end]...)
			control = nil
			pos = end
			continue
		default:
			return Result{}, malformed("GIF", "unknown block 0x%02X", data[pos])
		}
		pos++
	}
	if len(frames) == 0 {
		return Result{}, malformed("GIF", "no image")
	}
	// Decode each frame as a GIF of its own, so memory stays bounded by
	// one frame.
	for _, f := range frames {
		one := slices.Concat(screen, f.control, f.image, []byte{gifTrailer})
		if _, err := gif.Decode(bytes.NewReader(one)); err != nil {
			return Result{}, rejected("GIF", err)
		}
	}
	return Result{Data: out, ContentType: "image/gif", Removed: rm.list}, nil
}

// subBlocks reads the data sub-blocks starting at data[p] up to their
// zero-length terminator, and returns the first keep of them and the
// offset after the terminator.
func subBlocks(data []byte, p, keep int) (blocks [][]byte, end int, err error) {
	for {
		if p >= len(data) {
			return nil, 0, malformed("GIF", "the data ends inside a block")
		}
		n := int(data[p])
		p++
		if n == 0 {
			return blocks, p, nil
		}
		if n > len(data)-p {
			return nil, 0, malformed("GIF", "a sub-block runs past the end of the data")
		}
		if len(blocks) < keep {
			blocks = append(blocks, data[p:p+n])
		}
		p += n
	}
}
