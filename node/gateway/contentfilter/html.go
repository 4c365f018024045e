package contentfilter

import (
	"bufio"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// htmlFilter rebuilds an HTML document token by token. It keeps no stack
// of open elements: every token it writes is safe by itself, so nesting
// costs nothing (F37).
type htmlFilter struct {
	w    *bufio.Writer
	z    *html.Tokenizer
	base string
	// prolog: nothing but whitespace, comments and a doctype so far.
	prolog, doctype bool
	// skip: the element whose content is being dropped, and how deep.
	skip      string
	skipDepth int
	// style: inside <style>, the CSS read so far.
	style    bool
	css      strings.Builder
	dropText bool // the raw text of an <iframe> that is kept
	attrs    []html.Attribute
	seen     []string
}

// filterHTML filters an HTML document (F1-F25).
func filterHTML(w io.Writer, r io.Reader, contentType, base string) error {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(1024)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return err
	}
	enc, name, _ := charset.DetermineEncoding(head, contentType)
	var src io.Reader = br
	if name == "utf-8" {
		// no decoder: text and attribute values are made valid UTF-8
		// where they are written, and no other token is written as read
		if len(head) >= 3 && string(head[:3]) == "\xEF\xBB\xBF" {
			br.Discard(3)
		}
	} else {
		src = enc.NewDecoder().Reader(br)
	}
	f := &htmlFilter{
		w:      bufio.NewWriter(w),
		z:      html.NewTokenizer(src),
		base:   base,
		prolog: true,
	}
	for {
		tt := f.z.Next()
		if tt == html.ErrorToken {
			if err := f.z.Err(); err != io.EOF {
				return err
			}
			break
		}
		f.token(tt, f.z.Token())
	}
	f.endProlog()
	f.flushStyle()
	return f.w.Flush()
}

// endProlog writes the doctype, if the document started with one, and
// the charset (F2).
func (f *htmlFilter) endProlog() {
	if !f.prolog {
		return
	}
	f.prolog = false
	if f.doctype {
		f.w.WriteString("<!DOCTYPE html>")
	}
	f.w.WriteString(`<meta charset="utf-8">`)
}

func (f *htmlFilter) token(tt html.TokenType, t html.Token) {
	if f.skip != "" {
		switch {
		case tt == html.StartTagToken && t.Data == f.skip:
			f.skipDepth++
		case tt == html.EndTagToken && t.Data == f.skip:
			f.skipDepth--
			if f.skipDepth == 0 {
				f.skip = ""
			}
		}
		return
	}
	if f.prolog {
		switch tt {
		case html.CommentToken:
			return
		case html.DoctypeToken:
			f.doctype = true
			return
		case html.TextToken:
			if strings.Trim(t.Data, " \t\n\f\r\ufeff") == "" {
				return
			}
		}
		f.endProlog()
	}
	switch tt {
	case html.TextToken:
		f.text(t.Data)
	case html.StartTagToken, html.SelfClosingTagToken:
		f.flushStyle()
		f.start(t, tt == html.SelfClosingTagToken)
	case html.EndTagToken:
		f.flushStyle()
		f.end(t.Data)
	}
	// comments (F25) and doctypes after the prolog are dropped
}

func (f *htmlFilter) text(s string) {
	switch {
	case f.dropText:
		return
	case f.style:
		f.css.WriteString(s)
		return
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	f.w.WriteString(html.EscapeString(s))
}

// flushStyle writes the filtered content of a <style> element (F26).
func (f *htmlFilter) flushStyle() {
	f.dropText = false
	if !f.style {
		return
	}
	f.style = false
	f.w.WriteString(filterStyleSheet(f.css.String(), f.base))
	f.css.Reset()
}

func (f *htmlFilter) start(t html.Token, selfClosing bool) {
	name := t.Data
	if selfClosing && rawText[name] {
		return // F22
	}
	switch name {
	case "noscript":
		// Scripts never run, so the fallback is shown: the tags go, the
		// content is filtered as HTML (F7).
		f.z.NextIsNotRawText()
		return
	case "xmp":
		name = "pre" // its raw text is written escaped (F22)
	}
	if dropContent[name] {
		if !selfClosing {
			f.skip, f.skipDepth = name, 1
		}
		return
	}
	if _, ok := elements[name]; !ok {
		return // F6: tag dropped, content kept
	}
	attrs := f.filterAttrs(name, t.Attr)
	switch name {
	case "iframe", "frame":
		if value(attrs, "src") == "" { // F18
			if name == "iframe" {
				f.skip, f.skipDepth = name, 1
			}
			return
		}
		f.dropText = name == "iframe"
	case "link":
		rel, ok := relTokens(value(attrs, "rel"))
		if !ok || value(attrs, "href") == "" { // F23
			return
		}
		setValue(attrs, "rel", rel)
	case "meta":
		if attrs = f.meta(attrs); attrs == nil {
			return
		}
	case "style":
		f.style = true
	}
	f.w.WriteByte('<')
	f.w.WriteString(name)
	for _, a := range attrs {
		f.w.WriteByte(' ')
		f.w.WriteString(a.Key)
		f.w.WriteString(`="`)
		f.w.WriteString(html.EscapeString(a.Val))
		f.w.WriteByte('"')
	}
	f.w.WriteByte('>')
}

func (f *htmlFilter) end(name string) {
	if name == "xmp" {
		name = "pre"
	}
	if _, ok := elements[name]; !ok || voidElements[name] {
		return
	}
	f.w.WriteString("</" + name + ">")
}

// filterAttrs returns the attributes of element name that are kept, each
// name once (the first one counts, as in browsers), URLs filtered (F8),
// style attributes through the CSS filter (F21).
func (f *htmlFilter) filterAttrs(name string, in []html.Attribute) []html.Attribute {
	out := f.attrs[:0]
	f.seen = f.seen[:0]
next:
	for _, a := range in {
		k := a.Key
		if a.Namespace != "" || !allowedAttr(name, k) {
			continue
		}
		for _, s := range f.seen {
			if s == k {
				continue next
			}
		}
		f.seen = append(f.seen, k)
		v := strings.ToValidUTF8(strings.ReplaceAll(a.Val, "\x00", "\uFFFD"), "\uFFFD")
		if ctx, isURL := urlAttrs[k]; isURL {
			if k == "href" && name != "a" && name != "area" {
				ctx = inline
			}
			var ok bool
			if v, ok = filterURL(v, f.base, ctx); !ok {
				continue
			}
		}
		switch k {
		case "style":
			if v = filterInlineCSS(v, f.base); v == "" {
				continue
			}
		case "srcset":
			if v = filterSrcset(v, f.base); v == "" {
				continue
			}
		}
		out = append(out, html.Attribute{Key: k, Val: v})
	}
	f.attrs = out
	return out
}

// meta returns the attributes of a <meta> that is kept (F24), or nil.
func (f *htmlFilter) meta(attrs []html.Attribute) []html.Attribute {
	if value(attrs, "charset") != "" {
		return nil // the output declares its own (F2)
	}
	content := value(attrs, "content")
	if eq := strings.ToLower(value(attrs, "http-equiv")); eq != "" {
		if eq != "refresh" {
			return nil
		}
		c, ok := refresh(content, f.base)
		if !ok {
			return nil
		}
		return []html.Attribute{{Key: "http-equiv", Val: "refresh"}, {Key: "content", Val: c}}
	}
	if n := strings.ToLower(value(attrs, "name")); metaNames[n] {
		return []html.Attribute{{Key: "name", Val: n}, {Key: "content", Val: content}}
	}
	return nil
}

// refresh filters the content of a <meta http-equiv="refresh">: a delay,
// then an optional URL that must stay on the gateway (F24).
func refresh(c, base string) (string, bool) {
	c = strings.TrimLeft(c, " \t\n\f\r")
	i := 0
	for i < len(c) && '0' <= c[i] && c[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return "", false
	}
	delay := c[:i]
	for i < len(c) && (c[i] >= '0' && c[i] <= '9' || c[i] == '.') {
		i++
	}
	rest := strings.TrimLeft(c[i:], " \t\n\f\r")
	if rest == "" {
		return delay, true
	}
	if rest[0] != ';' && rest[0] != ',' {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t\n\f\r")
	if len(rest) >= 3 && strings.EqualFold(rest[:3], "url") {
		if r := strings.TrimLeft(rest[3:], " \t\n\f\r"); strings.HasPrefix(r, "=") {
			rest = strings.TrimLeft(r[1:], " \t\n\f\r")
		}
	}
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		q := rest[0]
		rest = rest[1:]
		if j := strings.IndexByte(rest, q); j >= 0 {
			rest = rest[:j]
		}
	}
	if rest == "" {
		return delay, true
	}
	u, ok := filterURL(rest, base, inline)
	if !ok || u == "" {
		return "", false
	}
	return delay + "; url=" + u, true
}

// filterSrcset filters each candidate of a srcset (F17): a URL, then
// descriptors such as "2x" or "480w". Candidates whose URL goes are
// dropped, and descriptors that are not a number and a unit go.
func filterSrcset(v, base string) string {
	var out []string
	const space = " \t\n\f\r"
	for {
		v = strings.TrimLeft(v, space+",")
		if v == "" {
			break
		}
		end := strings.IndexAny(v, space)
		if end < 0 {
			end = len(v)
		}
		raw, desc := v[:end], ""
		v = v[end:]
		if strings.HasSuffix(raw, ",") {
			raw = strings.TrimRight(raw, ",")
		} else {
			end = strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			desc, v = strings.TrimSpace(v[:end]), v[end:]
		}
		u, ok := filterURL(raw, base, inline)
		if !ok || u == "" || u[0] == '#' {
			continue
		}
		if strings.HasSuffix(u, ",") {
			u = u[:len(u)-1] + "%2C"
		}
		c := u
		if desc != "" && isDescriptor(desc) {
			c += " " + desc
		}
		out = append(out, c)
	}
	return strings.Join(out, ", ")
}

// isDescriptor: a number followed by w, x or h.
func isDescriptor(d string) bool {
	if len(d) < 2 {
		return false
	}
	switch d[len(d)-1] {
	case 'w', 'x', 'h':
	default:
		return false
	}
	for i := 0; i < len(d)-1; i++ {
		if c := d[i]; !('0' <= c && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}

func value(attrs []html.Attribute, k string) string {
	for _, a := range attrs {
		if a.Key == k {
			return a.Val
		}
	}
	return ""
}

func setValue(attrs []html.Attribute, k, v string) {
	for i := range attrs {
		if attrs[i].Key == k {
			attrs[i].Val = v
		}
	}
}
