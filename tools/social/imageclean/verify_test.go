package imageclean

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	_ "image/jpeg"
	_ "image/png"
	"slices"
	"strings"

	_ "golang.org/x/image/webp"
)

// This file is the independent checker of cleaned images. It shares no
// code with the package: it walks the output's segments, chunks or blocks
// itself, fails on anything but the blocks a picture needs, and decodes the
// output with image.Decode.

// verify checks a cleaned image of the given content type: it decodes
// with the standard decoders and holds only allowed blocks. It returns the
// image with its picture data (entropy-coded data, IDAT, bitstreams, GIF
// image data and colour tables) blanked, where metadata strings must not
// be found.
func verify(data []byte, contentType string) (skeleton []byte, err error) {
	var format string
	switch contentType {
	case "image/jpeg":
		skeleton, err = verifyJPEG(data)
		format = "jpeg"
	case "image/png":
		skeleton, err = verifyPNG(data)
		format = "png"
	case "image/gif":
		skeleton, err = verifyGIF(data)
		format = "gif"
	case "image/webp":
		var animated bool
		skeleton, animated, err = verifyWebP(data)
		if animated {
			return skeleton, err // frames decoded by verifyWebP
		}
		format = "webp"
	default:
		return nil, fmt.Errorf("content type %q", contentType)
	}
	if err != nil {
		return nil, err
	}
	_, f, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image.Decode: %v", err)
	}
	if f != format {
		return nil, fmt.Errorf("image.Decode reads %s, the content type is %s", f, contentType)
	}
	return skeleton, nil
}

// findMarker returns the first metadata marker or planted secret in b, or "".
func findMarker(b []byte) string {
	for _, s := range slices.Concat(markers, secrets) {
		if bytes.Contains(b, []byte(s)) {
			return s
		}
	}
	return ""
}

func verifyJPEG(b []byte) ([]byte, error) {
	skel := slices.Clone(b)
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		return nil, fmt.Errorf("jpeg: no SOI")
	}
	for p := 2; ; {
		if len(b)-p < 2 || b[p] != 0xFF {
			return nil, fmt.Errorf("jpeg: no marker at %d", p)
		}
		m := b[p+1]
		p += 2
		if m == 0xD9 {
			if p != len(b) {
				return nil, fmt.Errorf("jpeg: %d bytes after EOI", len(b)-p)
			}
			return skel, nil
		}
		if len(b)-p < 2 {
			return nil, fmt.Errorf("jpeg: truncated at %d", p)
		}
		n := int(binary.BigEndian.Uint16(b[p:]))
		if n < 2 || p+n > len(b) {
			return nil, fmt.Errorf("jpeg: segment 0x%02X of length %d at %d", m, n, p)
		}
		payload := b[p+2 : p+n]
		switch {
		case m == 0xDB, m == 0xC4, m == 0xCC, m == 0xDD, m == 0xDC: // DQT, DHT, DAC, DRI, DNL
		case m >= 0xC0 && m <= 0xCF: // the other C_ markers are SOFn
			if m == 0xC8 {
				return nil, fmt.Errorf("jpeg: JPG marker")
			}
		case m == 0xE0:
			if len(payload) != 14 || !bytes.HasPrefix(payload, []byte("JFIF\x00")) || payload[12] != 0 || payload[13] != 0 {
				return nil, fmt.Errorf("jpeg: APP0 %q is not a JFIF segment without thumbnail", payload)
			}
		case m == 0xEE:
			if len(payload) != 12 || !bytes.HasPrefix(payload, []byte("Adobe")) {
				return nil, fmt.Errorf("jpeg: APP14 %q is not a bare Adobe segment", payload)
			}
		case m == 0xDA:
			// The entropy-coded data runs to the next marker that is not a
			// stuffed zero or a restart marker.
			q := p + n
			for q < len(b) && !(b[q] == 0xFF && q+1 < len(b) && b[q+1] != 0 && (b[q+1] < 0xD0 || b[q+1] > 0xD7)) {
				q++
			}
			clear(skel[p+n : q])
			p = q
			continue
		default:
			return nil, fmt.Errorf("jpeg: marker 0x%02X remains", m)
		}
		p += n
	}
}

// pngAllowed are the chunks a cleaned PNG may hold.
var pngAllowed = []string{"IHDR", "PLTE", "tRNS", "IDAT", "IEND", "gAMA", "cHRM", "sRGB", "cICP"}

func verifyPNG(b []byte) ([]byte, error) {
	skel := slices.Clone(b)
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, fmt.Errorf("png: no signature")
	}
	for p := 8; ; {
		if len(b)-p < 12 {
			return nil, fmt.Errorf("png: truncated at %d", p)
		}
		n := int(binary.BigEndian.Uint32(b[p:]))
		if n > len(b)-p-12 {
			return nil, fmt.Errorf("png: chunk at %d too long", p)
		}
		typ := string(b[p+4 : p+8])
		if !slices.Contains(pngAllowed, typ) {
			return nil, fmt.Errorf("png: chunk %q remains", typ)
		}
		if crc32.ChecksumIEEE(b[p+4:p+8+n]) != binary.BigEndian.Uint32(b[p+8+n:]) {
			return nil, fmt.Errorf("png: chunk %q has a bad CRC", typ)
		}
		if typ == "IDAT" {
			clear(skel[p+8 : p+8+n])
		}
		p += 12 + n
		if typ == "IEND" {
			if p != len(b) {
				return nil, fmt.Errorf("png: %d bytes after IEND", len(b)-p)
			}
			return skel, nil
		}
	}
}

// verifyWebP checks a WebP file; an animation's frames are decoded one by
// one here, as image.Decode cannot read animations.
func verifyWebP(b []byte) (skel []byte, animated bool, err error) {
	skel = slices.Clone(b)
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, false, fmt.Errorf("webp: no RIFF WEBP header")
	}
	if int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		return nil, false, fmt.Errorf("webp: RIFF size %d for %d bytes", binary.LittleEndian.Uint32(b[4:]), len(b))
	}
	type ch struct {
		id   string
		at   int
		body []byte
	}
	walk := func(from, to int) ([]ch, error) {
		var cs []ch
		for p := from; p < to; {
			if to-p < 8 {
				return nil, fmt.Errorf("webp: truncated chunk at %d", p)
			}
			n := int(binary.LittleEndian.Uint32(b[p+4:]))
			if n > to-p-8 || n%2 == 1 && p+8+n == to {
				return nil, fmt.Errorf("webp: chunk at %d too long or unpadded", p)
			}
			cs = append(cs, ch{string(b[p : p+4]), p + 8, b[p+8 : p+8+n]})
			p += 8 + n + n%2
		}
		return cs, nil
	}
	blank := func(c ch) { clear(skel[c.at : c.at+len(c.body)]) }
	cs, err := walk(12, len(b))
	if err != nil {
		return nil, false, err
	}
	if len(cs) == 0 {
		return nil, false, fmt.Errorf("webp: no chunks")
	}
	switch cs[0].id {
	case "VP8 ", "VP8L":
		if len(cs) != 1 {
			return nil, false, fmt.Errorf("webp: %q after a simple-format bitstream", cs[1].id)
		}
		blank(cs[0])
		return skel, false, nil
	case "VP8X":
	default:
		return nil, false, fmt.Errorf("webp: first chunk %q", cs[0].id)
	}
	flags := cs[0].body[0]
	if flags&^0x12 != 0 || !bytes.Equal(cs[0].body[1:4], []byte{0, 0, 0}) {
		return nil, false, fmt.Errorf("webp: VP8X flags %#x: metadata or reserved bits set", flags)
	}
	if flags&0x02 == 0 {
		for _, c := range cs[1:] {
			if c.id != "ALPH" && c.id != "VP8 " && c.id != "VP8L" {
				return nil, false, fmt.Errorf("webp: chunk %q remains", c.id)
			}
			blank(c)
		}
		return skel, false, nil
	}
	frames := 0
	for _, c := range cs[1:] {
		switch c.id {
		case "ANIM":
		case "ANMF":
			sub, err := walk(c.at+16, c.at+len(c.body))
			if err != nil {
				return nil, true, err
			}
			w := int(c.body[6]) | int(c.body[7])<<8 | int(c.body[8])<<16 + 1
			h := int(c.body[9]) | int(c.body[10])<<8 | int(c.body[11])<<16 + 1
			var file bytes.Buffer
			var alpha bool
			for _, s := range sub {
				if s.id != "ALPH" && s.id != "VP8 " && s.id != "VP8L" {
					return nil, true, fmt.Errorf("webp: chunk %q remains in a frame", s.id)
				}
				alpha = alpha || s.id == "ALPH"
				file.Write(b[s.at-8 : s.at+len(s.body)+len(s.body)%2])
				blank(s)
			}
			// Decode the frame as a file of its own.
			var body []byte
			if alpha {
				body = []byte("VP8X\x0a\x00\x00\x00\x10\x00\x00\x00")
				body = append(body, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
			}
			body = append(body, file.Bytes()...)
			one := append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...), "WEBP"...)
			m, f, err := image.Decode(bytes.NewReader(append(one, body...)))
			if err != nil || f != "webp" {
				return nil, true, fmt.Errorf("webp: frame %d: %v", frames, err)
			}
			if m.Bounds().Dx() != w || m.Bounds().Dy() != h {
				return nil, true, fmt.Errorf("webp: frame %d is %v, not %dx%d", frames, m.Bounds(), w, h)
			}
			frames++
		default:
			return nil, true, fmt.Errorf("webp: chunk %q remains in an animation", c.id)
		}
	}
	if frames == 0 {
		return nil, true, fmt.Errorf("webp: an animation without frames")
	}
	return skel, true, nil
}

func verifyGIF(b []byte) ([]byte, error) {
	skel := slices.Clone(b)
	if len(b) < 13 || !strings.HasPrefix(string(b), "GIF8") {
		return nil, fmt.Errorf("gif: no header")
	}
	colourTable := func(p int, flags byte) int {
		if flags&0x80 == 0 {
			return p
		}
		n := 3 << (flags&7 + 1)
		clear(skel[p:min(p+n, len(skel))])
		return p + n
	}
	// skip returns the offset after the sub-blocks at p, and the first one.
	skip := func(p int) (int, []byte, error) {
		var first []byte
		for {
			if p >= len(b) {
				return 0, nil, fmt.Errorf("gif: truncated sub-blocks")
			}
			n := int(b[p])
			if n == 0 {
				return p + 1, first, nil
			}
			if first == nil && p+1+n <= len(b) {
				first = b[p+1 : p+1+n]
			}
			p += 1 + n
		}
	}
	p := colourTable(13, b[10])
	for {
		if p >= len(b) {
			return nil, fmt.Errorf("gif: no trailer")
		}
		switch b[p] {
		case 0x3B:
			if p+1 != len(b) {
				return nil, fmt.Errorf("gif: %d bytes after the trailer", len(b)-p-1)
			}
			if _, err := gif.DecodeAll(bytes.NewReader(b)); err != nil {
				return nil, fmt.Errorf("gif.DecodeAll: %v", err)
			}
			return skel, nil
		case 0x21:
			if p+1 >= len(b) {
				return nil, fmt.Errorf("gif: truncated extension")
			}
			label := b[p+1]
			end, first, err := skip(p + 2)
			if err != nil {
				return nil, err
			}
			switch {
			case label == 0xF9:
			case label == 0xFF && (string(first) == "NETSCAPE2.0" || string(first) == "ANIMEXTS1.0"):
			default:
				return nil, fmt.Errorf("gif: extension 0x%02X %q remains", label, first)
			}
			p = end
		case 0x2C:
			if p+10 > len(b) {
				return nil, fmt.Errorf("gif: truncated image descriptor")
			}
			q := colourTable(p+10, b[p+9]) + 1
			end, _, err := skip(q)
			if err != nil {
				return nil, err
			}
			clear(skel[q:end])
			p = end
		default:
			return nil, fmt.Errorf("gif: block 0x%02X", b[p])
		}
	}
}
