package feed

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON layer (docs/social.md §3). Decode reads a document in two passes.
// checkJSON walks all of it once and enforces the syntax rules: RFC 8259
// grammar, one object and nothing after it, escapes that decode to valid
// Unicode (S2), no key twice in one object (S4), nesting at most MaxDepth.
// The typed pass (decoder) then reads only the fields this version knows,
// in a fixed order whatever the order of the keys, and skips the rest
// without decoding it.

// scanner is the validating pass.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) at() string { return "offset " + strconv.Itoa(s.i) }

func (s *scanner) syntax(format string, args ...any) error {
	return errorf("S3", s.at(), format, args...)
}

// checkJSON checks that b (valid UTF-8) is exactly one JSON object with
// optional white space around it, and returns that object.
func checkJSON(b []byte) (jval, error) {
	s := scanner{b: b}
	s.ws()
	if s.i == len(b) {
		return jval{}, s.syntax("empty document")
	}
	if b[s.i] != '{' {
		return jval{}, s.syntax("the document is not a JSON object")
	}
	start := s.i
	if err := s.value(0); err != nil {
		return jval{}, err
	}
	end := s.i
	s.ws()
	if s.i != len(b) {
		return jval{}, s.syntax("data after the document's object")
	}
	return jval{start, end}, nil
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads one value at s.i (after white space); depth is the nesting
// of the arrays and objects around it.
func (s *scanner) value(depth int) error {
	if s.i >= len(s.b) {
		return s.syntax("unexpected end of the document")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, err := s.str(false)
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || isDigit(c):
		return s.number()
	default:
		return s.syntax("invalid character %s", quoteChar(s.b[s.i:]))
	}
}

func (s *scanner) object(depth int) error {
	if depth > MaxDepth {
		return s.syntax("arrays and objects nested more than %d deep", MaxDepth)
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	var keys dupSet
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.syntax("want a string key in an object")
		}
		at := s.at()
		k, err := s.str(true)
		if err != nil {
			return err
		}
		if !keys.add(k) {
			return errorf("S4", at, "key %q appears twice in one object", k)
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.syntax("want ':' after an object key")
		}
		s.i++
		s.ws()
		if err := s.value(depth); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.syntax("unexpected end of the document inside an object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.syntax("want ',' or '}' after an object member, got %s", quoteChar(s.b[s.i:]))
		}
	}
}

func (s *scanner) array(depth int) error {
	if depth > MaxDepth {
		return s.syntax("arrays and objects nested more than %d deep", MaxDepth)
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if err := s.value(depth); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.syntax("unexpected end of the document inside an array")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.syntax("want ',' or ']' after an array element, got %s", quoteChar(s.b[s.i:]))
		}
	}
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax("invalid literal (want true, false or null)")
	}
	s.i += len(word)
	return nil
}

// number reads the RFC 8259 number grammar:
// [ "-" ] ( "0" / [1-9] *digit ) [ "." 1*digit ] [ ( "e" / "E" ) [ "+" / "-" ] 1*digit ].
func (s *scanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && isDigit(s.b[s.i]):
		s.digits()
	default:
		return s.syntax("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.syntax("invalid number: no digit after '.'")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.syntax("invalid number: no digit in the exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
		n++
	}
	return n
}

// str reads a string at s.i (the opening quote) and, when build is set,
// returns its value. A \u escape of a UTF-16 surrogate must be a high
// surrogate followed by an escaped low one (S2); raw control characters are
// a syntax error (S3).
func (s *scanner) str(build bool) (string, error) {
	s.i++
	from := s.i // start of the bytes not yet copied to out
	var out []byte
	for {
		if s.i >= len(s.b) {
			return "", s.syntax("unterminated string")
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			var v string
			if build {
				if out == nil {
					v = string(s.b[from:s.i])
				} else {
					v = string(append(out, s.b[from:s.i]...))
				}
			}
			s.i++
			return v, nil
		case c < 0x20:
			return "", s.syntax("control character %#02x in a string (it must be escaped)", c)
		case c != '\\':
			s.i++
			continue
		}
		if build {
			out = append(out, s.b[from:s.i]...)
		}
		if s.i+1 >= len(s.b) {
			return "", s.syntax("unterminated string")
		}
		var r rune
		switch e := s.b[s.i+1]; e {
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
			if r, err = s.hex4(s.i + 2); err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 {
					return "", errorf("S2", s.at(), "escape \\u%04x is a lone low surrogate", r)
				}
				lo := rune(-1)
				if s.i+12 <= len(s.b) && s.b[s.i+6] == '\\' && s.b[s.i+7] == 'u' {
					if lo, err = s.hex4(s.i + 8); err != nil {
						return "", err
					}
				}
				if lo < 0xdc00 || lo > 0xdfff {
					return "", errorf("S2", s.at(), "escape \\u%04x is a high surrogate without an escaped low surrogate after it", r)
				}
				r = utf16.DecodeRune(r, lo)
				s.i += 6
			}
			s.i += 4
		default:
			return "", s.syntax("invalid escape %s", quoteChar(s.b[s.i+1:]))
		}
		s.i += 2
		if build {
			out = utf8.AppendRune(out, r)
		}
		from = s.i
	}
}

// hex4 decodes the four hex digits at b[i:].
func (s *scanner) hex4(i int) (rune, error) {
	if i+4 > len(s.b) {
		return 0, s.syntax("truncated \\u escape")
	}
	var r rune
	for _, c := range s.b[i : i+4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, s.syntax("invalid \\u escape: want four hex digits")
		}
	}
	return r, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quoteChar quotes the character at the start of b for an error message.
func quoteChar(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	return strconv.QuoteRune(r)
}

// dupSet is the set of an object's keys: a slice while small, then a map.
type dupSet struct {
	list []string
	m    map[string]struct{}
}

// add adds k and reports whether it was new.
func (d *dupSet) add(k string) bool {
	if d.m != nil {
		if _, ok := d.m[k]; ok {
			return false
		}
		d.m[k] = struct{}{}
		return true
	}
	for _, x := range d.list {
		if x == k {
			return false
		}
	}
	d.list = append(d.list, k)
	if len(d.list) > 16 {
		d.m = make(map[string]struct{}, 2*len(d.list))
		for _, x := range d.list {
			d.m[x] = struct{}{}
		}
		d.list = nil
	}
	return true
}

// jval is a value of a document checkJSON accepted: b[start:end].
type jval struct{ start, end int }

// decoder is the typed pass over a document checkJSON accepted; none of its
// methods meets a syntax error.
type decoder struct{ b []byte }

// kind returns the first byte of v: '{', '[', '"', 't', 'f', 'n', or a
// number's first byte.
func (d *decoder) kind(v jval) byte { return d.b[v.start] }

// kindName names the JSON type of v for an error message.
func (d *decoder) kindName(v jval) string {
	switch d.kind(v) {
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

// end returns the end of the value that starts at i.
func (d *decoder) end(i int) int {
	b := d.b
	switch b[i] {
	case '"':
		return d.endString(i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = d.endString(i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

func (d *decoder) endString(i int) int {
	i++
	for d.b[i] != '"' {
		if d.b[i] == '\\' {
			i++
		}
		i++
	}
	return i + 1
}

func (d *decoder) ws(i int) int {
	for i < len(d.b) {
		switch d.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// str returns the value of the string v.
func (d *decoder) str(v jval) string {
	s := scanner{b: d.b, i: v.start}
	r, _ := s.str(true)
	return r
}

// members returns the members of the object v by key.
func (d *decoder) members(v jval) map[string]jval {
	m := map[string]jval{}
	i := d.ws(v.start + 1)
	if d.b[i] == '}' {
		return m
	}
	for {
		i = d.ws(i)
		s := scanner{b: d.b, i: i}
		k, _ := s.str(true)
		i = d.ws(s.i) + 1 // ':'
		i = d.ws(i)
		e := d.end(i)
		m[k] = jval{i, e}
		i = d.ws(e)
		if d.b[i] == '}' {
			return m
		}
		i++ // ','
	}
}

// elements returns the elements of the array v, or false when it has more
// than max (it stops reading there).
func (d *decoder) elements(v jval, max int) ([]jval, bool) {
	var es []jval
	i := d.ws(v.start + 1)
	if d.b[i] == ']' {
		return nil, true
	}
	for {
		if len(es) == max {
			return nil, false
		}
		i = d.ws(i)
		e := d.end(i)
		es = append(es, jval{i, e})
		i = d.ws(e)
		if d.b[i] == ']' {
			return es, true
		}
		i++ // ','
	}
}

// appendString appends s (valid UTF-8) as a JSON string in the canonical
// form of docs/social.md §7 (as RFC 8785): '"' and '\' escaped, U+0008,
// U+0009, U+000A, U+000C and U+000D as \b \t \n \f \r, other characters
// below U+0020 as \u00xx (lower-case hex), everything else as it is.
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

// describe shortens s for an error message.
func describe(s string) string {
	const max = 80
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return fmt.Sprintf("%q", s)
}
