package contentfilter

import (
	"bytes"
	"fmt"
	"io"
)

// signature is the start of an image file: mask selects the bytes of
// magic that must match ('?' in a mask means any byte).
type signature struct {
	magic string
	mask  string
}

// imageTypes are the image types passed through after a signature check
// (F5). SVG is not among them: it is a document that can hold scripts.
var imageTypes = map[string][]signature{
	"image/png":                {{magic: "\x89PNG\r\n\x1a\n"}},
	"image/jpeg":               {{magic: "\xff\xd8\xff"}},
	"image/gif":                {{magic: "GIF87a"}, {magic: "GIF89a"}},
	"image/webp":               {{magic: "RIFF\x00\x00\x00\x00WEBP", mask: "xxxx????xxxx"}},
	"image/bmp":                {{magic: "BM"}},
	"image/x-icon":             {{magic: "\x00\x00\x01\x00"}},
	"image/vnd.microsoft.icon": {{magic: "\x00\x00\x01\x00"}},
}

// copyImage checks that r starts with one of sigs and copies it to w
// unchanged.
func copyImage(w io.Writer, r io.Reader, mt string, sigs []signature) error {
	head := make([]byte, 12)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	head = head[:n]
	if !matchSignature(head, sigs) {
		return fmt.Errorf("%w: not %s", ErrBadImage, mt)
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

func matchSignature(head []byte, sigs []signature) bool {
	for _, s := range sigs {
		if len(head) < len(s.magic) {
			continue
		}
		if s.mask == "" {
			if bytes.HasPrefix(head, []byte(s.magic)) {
				return true
			}
			continue
		}
		ok := true
		for i := 0; i < len(s.magic); i++ {
			if s.mask[i] != '?' && head[i] != s.magic[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
