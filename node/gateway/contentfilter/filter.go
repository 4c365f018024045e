package contentfilter

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// ExternalPath is the gateway page that warns before leaving for an
// external URL: a link to an external http, https or ftp URL in <a href> or
// <area href> becomes ExternalPath + "?url=" + url.QueryEscape(URL).
const ExternalPath = "/external"

// Options tell Filter about the document being filtered.
type Options struct {
	// Base is the document's own gateway path, an absolute path starting
	// with "/" and the key, e.g. "/USK@…,…,AQACAAE/site/5/dir/page.html".
	// Give it percent-encoded, as in the request (URL.EscapedPath).
	// Relative URLs are resolved against it. An empty Base is "/": then
	// only URLs that name a key themselves survive.
	Base string
}

// Result says how to send the filtered document.
type Result struct {
	// ContentType is the type to send with the output, e.g.
	// "text/html; charset=utf-8" or "image/png".
	ContentType string
}

var (
	// ErrUnknownType: the filter cannot make documents of this type safe
	// (PDF, SVG, JavaScript, XML, anything it does not know). The gateway
	// offers a download instead of showing it.
	ErrUnknownType = errors.New("contentfilter: type cannot be filtered")
	// ErrBadImage: the data does not start with the signature of the image
	// type it claims.
	ErrBadImage = errors.New("contentfilter: data does not match its image type")
)

// Filter reads a document of MIME type contentType (as stored with the
// data; parameters such as charset allowed) from r and writes the safe
// version to w (docs/gateway.md, "The content filter"). HTML and CSS are
// rebuilt, images checked by their signature and copied, plain text
// re-encoded as UTF-8. A type it cannot make safe is ErrUnknownType,
// before anything is written; data that does not match its type is
// ErrBadImage, also before anything is written. Errors of r and w are
// returned as they are.
func Filter(w io.Writer, r io.Reader, contentType string, opts Options) (Result, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %q", ErrUnknownType, contentType)
	}
	mt = strings.ToLower(mt)
	base := opts.Base
	if base == "" {
		base = "/"
	}
	switch mt {
	case "text/html":
		return Result{ContentType: "text/html; charset=utf-8"}, filterHTML(w, r, contentType, base)
	case "text/css":
		return Result{ContentType: "text/css; charset=utf-8"}, filterCSSDocument(w, r, params["charset"], base)
	case "text/plain":
		return Result{ContentType: "text/plain; charset=utf-8"}, filterText(w, r, params["charset"])
	}
	if sig, ok := imageTypes[mt]; ok {
		return Result{ContentType: mt}, copyImage(w, r, mt, sig)
	}
	return Result{}, fmt.Errorf("%w: %s", ErrUnknownType, mt)
}

// decoder wraps r so that it reads UTF-8: from the charset label if it is
// known, else from a byte-order mark, else as UTF-8 (F3). Invalid UTF-8 is
// left for the caller to replace.
func decoder(r io.Reader, label string) (io.Reader, error) {
	br := bufio.NewReader(r)
	if label != "" {
		if enc, name := charset.Lookup(label); enc != nil && name != "utf-8" {
			return enc.NewDecoder().Reader(br), nil
		}
	}
	head, err := br.Peek(3)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	switch {
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		br.Discard(3)
	case len(head) >= 2 && (head[0] == 0xFE && head[1] == 0xFF || head[0] == 0xFF && head[1] == 0xFE):
		label := "utf-16le"
		if head[0] == 0xFE {
			label = "utf-16be"
		}
		enc, _ := charset.Lookup(label)
		br.Discard(2)
		return enc.NewDecoder().Reader(br), nil
	}
	return br, nil
}

// filterText copies plain text as valid UTF-8 (F4): decoded from its
// charset, invalid sequences replaced by U+FFFD, so that no browser sniffs
// it as anything else.
func filterText(w io.Writer, r io.Reader, label string) error {
	dr, err := decoder(r, label)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	buf := make([]byte, 32*1024)
	var carry []byte
	for {
		n, rerr := dr.Read(buf[len(carry):])
		chunk := buf[:len(carry)+n]
		end := len(chunk)
		if rerr == nil {
			// keep an incomplete rune at the end for the next read
			for i := end - 1; i >= 0 && i >= end-3; i-- {
				if utf8.RuneStart(chunk[i]) {
					if !utf8.FullRune(chunk[i:end]) {
						end = i
					}
					break
				}
			}
		}
		if _, err := bw.WriteString(strings.ToValidUTF8(string(chunk[:end]), "\uFFFD")); err != nil {
			return err
		}
		carry = append(carry[:0], chunk[end:]...)
		copy(buf, carry)
		if rerr == io.EOF {
			return bw.Flush()
		}
		if rerr != nil {
			return rerr
		}
	}
}
