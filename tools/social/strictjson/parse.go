package strictjson

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Parse checks that b is valid UTF-8 and exactly one JSON object under the
// rules of the package doc, and returns that object. noun names the text
// in error messages ("empty document", "data after the note's object");
// "" stands for "document". The Value aliases b: b must not change while
// it is in use.
func Parse(b []byte, noun string) (Value, error) {
	if noun == "" {
		noun = "document"
	}
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return Value{}, errorf(BadUTF8, i, "%s is not valid UTF-8", noun)
	}
	s := scanner{b: b, noun: noun}
	s.ws()
	if s.i == len(b) {
		return Value{}, s.syntax("empty %s", noun)
	}
	if b[s.i] != '{' {
		return Value{}, s.syntax("the %s is not a JSON object", noun)
	}
	start := s.i
	if err := s.value(0); err != nil {
		return Value{}, err
	}
	end := s.i
	s.ws()
	if s.i != len(b) {
		return Value{}, s.syntax("data after the %s's object", noun)
	}
	return Value{b[start:end]}, nil
}

// scanner is the validating pass over a text (valid UTF-8).
type scanner struct {
	b    []byte
	i    int
	noun string // the text, in messages
}

func (s *scanner) syntax(format string, args ...any) error {
	return errorf(BadSyntax, s.i, format, args...)
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
		return s.syntax("unexpected end of the %s", s.noun)
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
		return errorf(TooDeep, s.i, "arrays and objects nested more than %d deep", MaxDepth)
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
		at := s.i
		k, err := s.str(true)
		if err != nil {
			return err
		}
		if !keys.add(k) {
			return errorf(DuplicateKey, at, "key %q appears twice in one object", k)
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
			return s.syntax("unexpected end of the %s inside an object", s.noun)
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
		return errorf(TooDeep, s.i, "arrays and objects nested more than %d deep", MaxDepth)
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
			return s.syntax("unexpected end of the %s inside an array", s.noun)
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
// surrogate followed by an escaped low one (LoneSurrogate); raw control
// characters are a syntax error.
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
					return "", errorf(LoneSurrogate, s.i, "escape \\u%04x is a lone low surrogate", r)
				}
				lo := rune(-1)
				if s.i+12 <= len(s.b) && s.b[s.i+6] == '\\' && s.b[s.i+7] == 'u' {
					if lo, err = s.hex4(s.i + 8); err != nil {
						return "", err
					}
				}
				if lo < 0xdc00 || lo > 0xdfff {
					return "", errorf(LoneSurrogate, s.i, "escape \\u%04x is a high surrogate without an escaped low surrogate after it", r)
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

// hex4 decodes the four hex digits at s.b[i:].
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
