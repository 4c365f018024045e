package inbox

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON layer of a note: the rules of docs/social.md §3 (valid UTF-8,
// exactly one object with only white space around it, no key twice in one
// object after unescaping, escapes that decode to Unicode scalar values,
// nesting at most maxDepth) and the canonical string form of §7.
//
// tools/social/feed implements the same rules, but unexported; this is a
// small local version. A note is at most MaxNoteSize bytes, so it is read
// into a tree in one pass.

// maxDepth is the deepest nesting of arrays and objects, counting the note
// object as 1 (feed.MaxDepth: the same rule).
const maxDepth = 64

// jvalue is one JSON value of a note.
type jvalue struct {
	kind byte     // '{', '[', '"', 't', 'f', 'n', or '0' for a number
	s    string   // a string's value; a number's literal
	keys []string // an object's keys, in order
	vals []jvalue // an object's values (as keys) or an array's elements
}

// member returns the value of key in the object v.
func (v *jvalue) member(key string) (*jvalue, bool) {
	for i, k := range v.keys {
		if k == key {
			return &v.vals[i], true
		}
	}
	return nil, false
}

// kindName names v's JSON type for an error message.
func (v *jvalue) kindName() string {
	switch v.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jparser reads one JSON text.
type jparser struct {
	b []byte
	i int
}

func (p *jparser) fail(format string, args ...any) error {
	return errorf(CodeBadNote, "json", "offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// parseJSON reads b as exactly one JSON object with optional white space
// around it.
func parseJSON(b []byte) (jvalue, error) {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return jvalue{}, errorf(CodeBadNote, "json", "offset %d: not valid UTF-8", i)
	}
	p := jparser{b: b}
	p.ws()
	if p.i == len(b) {
		return jvalue{}, p.fail("empty note")
	}
	if b[p.i] != '{' {
		return jvalue{}, p.fail("the note is not a JSON object")
	}
	v, err := p.value(0)
	if err != nil {
		return jvalue{}, err
	}
	p.ws()
	if p.i != len(b) {
		return jvalue{}, p.fail("data after the note's object")
	}
	return v, nil
}

func (p *jparser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value reads the value at p.i; depth is the nesting around it.
func (p *jparser) value(depth int) (jvalue, error) {
	if p.i >= len(p.b) {
		return jvalue{}, p.fail("unexpected end of the note")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		return jvalue{kind: '"', s: s}, err
	case c == 't':
		return jvalue{kind: 't'}, p.literal("true")
	case c == 'f':
		return jvalue{kind: 'f'}, p.literal("false")
	case c == 'n':
		return jvalue{kind: 'n'}, p.literal("null")
	case c == '-' || isDigit(c):
		start := p.i
		err := p.number()
		return jvalue{kind: '0', s: string(p.b[start:p.i])}, err
	default:
		r, _ := utf8.DecodeRune(p.b[p.i:])
		return jvalue{}, p.fail("invalid character %s", strconv.QuoteRune(r))
	}
}

func (p *jparser) object(depth int) (jvalue, error) {
	v := jvalue{kind: '{'}
	if depth > maxDepth {
		return v, p.fail("arrays and objects nested more than %d deep", maxDepth)
	}
	var seen map[string]struct{} // the keys, once there are many
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return v, p.fail("want a string key in an object")
		}
		at := p.i
		k, err := p.str()
		if err != nil {
			return v, err
		}
		if seen == nil && len(v.keys) == 16 {
			seen = make(map[string]struct{}, 64)
			for _, k := range v.keys {
				seen[k] = struct{}{}
			}
		}
		dup := false
		if seen != nil {
			_, dup = seen[k]
			seen[k] = struct{}{}
		} else {
			_, dup = v.member(k)
		}
		if dup {
			p.i = at
			return v, p.fail("key %q appears twice in one object", k)
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return v, p.fail("want ':' after an object key")
		}
		p.i++
		p.ws()
		e, err := p.value(depth)
		if err != nil {
			return v, err
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, e)
		p.ws()
		if p.i >= len(p.b) {
			return v, p.fail("unexpected end of the note inside an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return v, nil
		default:
			return v, p.fail("want ',' or '}' after an object member")
		}
	}
}

func (p *jparser) array(depth int) (jvalue, error) {
	v := jvalue{kind: '['}
	if depth > maxDepth {
		return v, p.fail("arrays and objects nested more than %d deep", maxDepth)
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		e, err := p.value(depth)
		if err != nil {
			return v, err
		}
		v.vals = append(v.vals, e)
		p.ws()
		if p.i >= len(p.b) {
			return v, p.fail("unexpected end of the note inside an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return v, nil
		default:
			return v, p.fail("want ',' or ']' after an array element")
		}
	}
}

func (p *jparser) literal(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.fail("invalid literal (want true, false or null)")
	}
	p.i += len(word)
	return nil
}

// number reads the RFC 8259 number grammar.
func (p *jparser) number() error {
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && isDigit(p.b[p.i]):
		p.digits()
	default:
		return p.fail("invalid number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return p.fail("invalid number: no digit after '.'")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return p.fail("invalid number: no digit in the exponent")
		}
	}
	return nil
}

func (p *jparser) digits() int {
	n := 0
	for p.i < len(p.b) && isDigit(p.b[p.i]) {
		p.i++
		n++
	}
	return n
}

// str reads the string at p.i (its opening quote) and returns its value. A
// \u escape of a UTF-16 surrogate must be a high surrogate followed at once
// by an escaped low one; a raw control character is a syntax error.
func (p *jparser) str() (string, error) {
	p.i++
	var out []byte
	from := p.i
	for {
		if p.i >= len(p.b) {
			return "", p.fail("unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			out = append(out, p.b[from:p.i]...)
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("control character %#02x in a string (it must be escaped)", c)
		case c != '\\':
			p.i++
			continue
		}
		out = append(out, p.b[from:p.i]...)
		if p.i+1 >= len(p.b) {
			return "", p.fail("unterminated string")
		}
		var r rune
		switch e := p.b[p.i+1]; e {
		case '"', '\\', '/':
			r = rune(e)
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			var err error
			if r, err = p.hex4(p.i + 2); err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 {
					return "", p.fail("escape \\u%04x is a lone low surrogate", r)
				}
				lo := rune(-1)
				if p.i+12 <= len(p.b) && p.b[p.i+6] == '\\' && p.b[p.i+7] == 'u' {
					if lo, err = p.hex4(p.i + 8); err != nil {
						return "", err
					}
				}
				if lo < 0xdc00 || lo > 0xdfff {
					return "", p.fail("escape \\u%04x is a high surrogate without an escaped low surrogate after it", r)
				}
				r = utf16.DecodeRune(r, lo)
				p.i += 6
			}
			p.i += 4
		default:
			return "", p.fail("invalid escape")
		}
		p.i += 2
		out = utf8.AppendRune(out, r)
		from = p.i
	}
}

// hex4 decodes the four hex digits at p.b[i:].
func (p *jparser) hex4(i int) (rune, error) {
	if i+4 > len(p.b) {
		return 0, p.fail("truncated \\u escape")
	}
	var r rune
	for _, c := range p.b[i : i+4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.fail("invalid \\u escape: want four hex digits")
		}
	}
	return r, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// appendString appends s (valid UTF-8) as a JSON string in the canonical
// form of docs/social.md §7 (RFC 8785): '"' and '\' escaped, U+0008,
// U+0009, U+000A, U+000C and U+000D as \b \t \n \f \r, other characters
// below U+0020 as \u00xx in lower-case hex, everything else as it is.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[from:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		from = i + 1
	}
	b = append(b, s[from:]...)
	return append(b, '"')
}

// describe quotes s for an error message, shortened.
func describe(s string) string {
	const max = 80
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return strconv.Quote(s)
}

// integer reads the number v as an integer: no fraction or exponent, within
// int64 ("-0" reads as 0).
func (v *jvalue) integer() (int64, string) {
	if v.kind != '0' {
		return 0, "is " + v.kindName() + ", want an integer"
	}
	if strings.ContainsAny(v.s, ".eE") {
		return 0, v.s + " is not an integer (no fraction or exponent)"
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	if err != nil {
		return 0, describe(v.s) + " is out of range"
	}
	return n, ""
}
