package contentfilter

import (
	"net/url"
	"strings"
)

// urlContext says where a URL was found, which decides what happens to a
// URL that leaves the gateway.
type urlContext int

const (
	// inline: a URL the browser loads by itself (img src, CSS url(),
	// iframe src, meta refresh, cite…): only gateway key paths survive.
	inline urlContext = iota
	// anchor: a link the reader follows (<a href>, <area href>): an
	// external http, https or ftp URL becomes a link to ExternalPath.
	anchor
)

// keyTypes are the key prefixes a gateway key path starts with (F12).
var keyTypes = []string{"CHK@", "SSK@", "USK@", "KSK@"}

// gatewayHosts are the authorities of the gateway's default address whose
// absolute URLs are rewritten to gateway paths (F14).
var gatewayHosts = []string{"127.0.0.1:8888", "localhost:8888", "[::1]:8888"}

// maxURL bounds the length of a URL the filter keeps; longer ones are
// dropped (no freesite needs them, and they only cost).
const maxURL = 8192

// filterURL returns what raw becomes in ctx: a gateway key path, a
// fragment, an ExternalPath link (anchor only), or ok false when the URL
// must be dropped. base is the document's own gateway path.
func filterURL(raw, base string, ctx urlContext) (string, bool) {
	s, ok := cleanURL(raw)
	if !ok {
		return "", false
	}
	if s == "" {
		return "", true
	}
	if s[0] == '#' {
		return "#" + escapePart(s[1:], fragmentChars), true
	}
	if scheme, rest, ok := splitScheme(s); ok {
		switch scheme {
		case "freenet", "hams":
			// freenet:USK@…, freenet://USK@…, hams:/KSK@…
			return keyPath("/" + strings.TrimLeft(rest, "/"))
		case "http", "https", "ftp":
			if !strings.HasPrefix(rest, "//") {
				// "http:x" is relative to a browser on an http page,
				// "https:x" an authority: neither is worth the doubt.
				return "", false
			}
			if p, ok := gatewayPath(rest); ok && scheme != "ftp" {
				return keyPath(p)
			}
			return external(s, base, ctx)
		}
		// javascript:, vbscript:, data:, file:, about:, mailto: and
		// every other scheme (F10).
		return "", false
	}
	if strings.HasPrefix(s, "//") {
		// protocol-relative: the gateway's scheme, http (F13)
		return filterURL("http:"+s, base, ctx)
	}
	if hasKeyPrefix(s) {
		return keyPath("/" + s) // a bare key, as fred reads it (F11)
	}
	if s == ExternalPath || strings.HasPrefix(s, ExternalPath+"?") {
		return external(s, base, ctx)
	}
	if s[0] != '/' {
		bp, _, _ := strings.Cut(base, "?")
		bp, _, _ = strings.Cut(bp, "#")
		if !strings.HasPrefix(bp, "/") {
			bp = "/" + bp
		}
		if s[0] == '?' {
			s = bp + s // the document itself; the query goes (F16)
		} else {
			s = bp[:strings.LastIndexByte(bp, '/')+1] + s
		}
	}
	return keyPath(s)
}

// cleanURL does what a browser does to an attribute value before parsing
// it as a URL: leading and trailing C0 controls and spaces go, tabs and
// newlines anywhere go, and a backslash before the query is a slash. A URL
// with any other control character, or a very long one, is refused (F9).
func cleanURL(raw string) (string, bool) {
	s := strings.Trim(raw, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	if len(s) > maxURL {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	end := strings.IndexAny(s, "?#")
	if end < 0 {
		end = len(s)
	}
	if strings.Contains(s[:end], `\`) {
		s = strings.ReplaceAll(s[:end], `\`, "/") + s[end:]
	}
	return s, true
}

// splitScheme returns the lower-cased scheme of s and what follows its
// colon, if s starts with one (URL Standard: a letter, then letters,
// digits, "+", "-", ".").
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// gatewayPath returns the path of an http URL (after "http:") whose
// authority is the gateway's default address.
func gatewayPath(rest string) (string, bool) {
	if !strings.HasPrefix(rest, "//") {
		return "", false
	}
	rest = rest[2:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := strings.ToLower(rest[:end])
	for _, h := range gatewayHosts {
		if host == h {
			p := rest[end:]
			if p == "" || p[0] != '/' {
				p = "/" + p
			}
			return p, true
		}
	}
	return "", false
}

// hasKeyPrefix reports whether s starts with a key type (any case).
func hasKeyPrefix(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, k := range keyTypes {
		if strings.EqualFold(s[:4], k) {
			return true
		}
	}
	return false
}

// external is what an URL that leaves the gateway becomes: in an anchor a
// link to the warning page, elsewhere nothing (F13). An ExternalPath link
// is read back to its target, so that filtering twice changes nothing.
func external(s, base string, ctx urlContext) (string, bool) {
	if ctx != anchor {
		return "", false
	}
	if s == ExternalPath || strings.HasPrefix(s, ExternalPath+"?") {
		q, err := url.ParseQuery(strings.TrimPrefix(strings.TrimPrefix(s, ExternalPath), "?"))
		if err != nil || len(q["url"]) != 1 {
			return "", false
		}
		t, ok := cleanURL(q.Get("url"))
		if !ok || strings.HasPrefix(t, ExternalPath) || strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "//") {
			return "", false
		}
		if out, ok := filterURL(t, base, ctx); ok && strings.HasPrefix(out, ExternalPath+"?") {
			return out, true
		}
		return "", false
	}
	return ExternalPath + "?url=" + url.QueryEscape(s), true
}

// keyPath checks an absolute gateway path: dot segments are resolved the
// way a browser resolves them, the query is dropped (F16), and the result
// must start with a key (F12). Encoded slashes and backslashes are refused
// (F15); the path is percent-encoded canonically.
func keyPath(p string) (string, bool) {
	var frag string
	hasFrag := false
	if i := strings.IndexByte(p, '#'); i >= 0 {
		p, frag, hasFrag = p[:i], p[i+1:], true
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if strings.IndexByte(p, '%') >= 0 {
		lower := strings.ToLower(p)
		if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%00") {
			return "", false
		}
		if strings.Contains(lower, "%2e") {
			p = replaceFold(p, "%2e", ".")
		}
	}
	p = removeDots(p)
	if len(p) < 2 || p[0] != '/' || !hasKeyPrefix(p[1:]) || len(p) < 6 {
		return "", false
	}
	out := escapePart(p, pathChars)
	if hasFrag {
		out += "#" + escapePart(frag, fragmentChars)
	}
	return out, true
}

// replaceFold replaces every case-insensitive occurrence of old (ASCII,
// lower-case) in s.
func replaceFold(s, old, new string) string {
	lower := strings.ToLower(s)
	if len(lower) != len(s) {
		return s // non-ASCII case mapping changed lengths: leave it
	}
	var b strings.Builder
	last := 0
	for i := 0; i+len(old) <= len(s); {
		if lower[i:i+len(old)] == old {
			b.WriteString(s[last:i])
			b.WriteString(new)
			i += len(old)
			last = i
			continue
		}
		i++
	}
	b.WriteString(s[last:])
	return b.String()
}

// removeDots resolves "." and ".." segments of an absolute path (RFC 3986
// 5.2.4); ".." never climbs above the root.
func removeDots(p string) string {
	if !strings.Contains(p, "/.") {
		return p // a dot segment always follows a slash
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

const (
	pathChars     = "-._~!$&'()*+,;=:@/"
	fragmentChars = "-._~!$&'()*+,;=:@/?"
)

// escapePart percent-encodes every byte of s that is not alphanumeric, in
// allowed or part of a valid %XX escape (kept as written), so that the
// result is plain ASCII with no space, quote or angle bracket, and escaping
// it again changes nothing.
func escapePart(s, allowed string) string {
	const hex = "0123456789ABCDEF"
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c != '%' && c < 0x80 && strings.IndexByte(allowed, c) >= 0
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c < 0x80 && strings.IndexByte(allowed, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
