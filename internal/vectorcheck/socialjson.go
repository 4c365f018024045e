package vectorcheck

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON rules of docs/social.md §3 (S2 escapes, S3, S4), as a strict
// RFC 8259 reader of its own: the feed package has another
// (tools/social/strictjson), and encoding/json neither reports duplicate
// keys nor rejects lone surrogates.

const maxJSONDepth = 64

// jsonValue is a parsed JSON value. Numbers keep their text.
type jsonValue struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' true or false, 'z' null
	str  string
	arr  []*jsonValue
	keys []string
	vals []*jsonValue
}

// field returns an object's member, or nil.
func (v *jsonValue) field(key string) *jsonValue {
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// feedError is a document a reader MUST reject, with the rule of §9.
type feedError struct{ rule, msg string }

func (e *feedError) Error() string { return e.rule + ": " + e.msg }

func feedErr(rule, format string, a ...any) *feedError {
	return &feedError{rule, fmt.Sprintf(format, a...)}
}

type jsonParser struct {
	s   string
	pos int
}

// parseJSONDoc reads a document of §3: one object, white space around it.
// The caller has checked that the bytes are UTF-8 (S2).
func parseJSONDoc(s string) (*jsonValue, *feedError) {
	p := &jsonParser{s: s}
	p.space()
	if p.pos == len(s) || s[p.pos] != '{' {
		return nil, feedErr("S3", "not an object")
	}
	v, err := p.value(1)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(s) {
		return nil, feedErr("S3", "data after the object at byte %d", p.pos)
	}
	return v, nil
}

func (p *jsonParser) space() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *jsonParser) syntax(what string) *feedError {
	return feedErr("S3", "%s at byte %d", what, p.pos)
}

func (p *jsonParser) eat(c byte) bool {
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// value reads one value at nesting depth (the document object is 1).
func (p *jsonParser) value(depth int) (*jsonValue, *feedError) {
	p.space()
	if p.pos == len(p.s) {
		return nil, p.syntax("end of input")
	}
	switch c := p.s[p.pos]; {
	case c == '{' || c == '[':
		if depth > maxJSONDepth {
			return nil, feedErr("S3", "nested more than %d deep", maxJSONDepth)
		}
		p.pos++
		if c == '{' {
			return p.object(depth)
		}
		return p.array(depth)
	case c == '"':
		s, err := p.string()
		return &jsonValue{kind: 's', str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range []struct {
		text string
		kind byte
	}{{"true", 'b'}, {"false", 'b'}, {"null", 'z'}} {
		if strings.HasPrefix(p.s[p.pos:], lit.text) {
			p.pos += len(lit.text)
			return &jsonValue{kind: lit.kind, str: lit.text}, nil
		}
	}
	return nil, p.syntax("no value")
}

func (p *jsonParser) object(depth int) (*jsonValue, *feedError) {
	v := &jsonValue{kind: 'o'}
	if p.eat('}') {
		return v, nil
	}
	for {
		p.space()
		if p.pos == len(p.s) || p.s[p.pos] != '"' {
			return nil, p.syntax("no key")
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		if v.field(k) != nil {
			return nil, feedErr("S4", "key %q twice", k)
		}
		if !p.eat(':') {
			return nil, p.syntax("no ':'")
		}
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, val)
		if p.eat('}') {
			return v, nil
		}
		if !p.eat(',') {
			return nil, p.syntax("no ',' or '}'")
		}
	}
}

func (p *jsonParser) array(depth int) (*jsonValue, *feedError) {
	v := &jsonValue{kind: 'a'}
	if p.eat(']') {
		return v, nil
	}
	for {
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.arr = append(v.arr, val)
		if p.eat(']') {
			return v, nil
		}
		if !p.eat(',') {
			return nil, p.syntax("no ',' or ']'")
		}
	}
}

// number reads the RFC 8259 number grammar; the text is kept.
func (p *jsonParser) number() (*jsonValue, *feedError) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.s[p.pos] == '-' {
		p.pos++
	}
	first := p.pos
	if n := digits(); n == 0 || (n > 1 && p.s[first] == '0') {
		return nil, p.syntax("bad number")
	}
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.syntax("bad fraction")
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.syntax("bad exponent")
		}
	}
	return &jsonValue{kind: 'n', str: p.s[start:p.pos]}, nil
}

// string reads a string at p.pos (its opening quote) and unescapes it.
func (p *jsonParser) string() (string, *feedError) {
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return "", p.syntax("unterminated string")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.syntax("control character in a string")
		case c != '\\':
			r, n := utf8.DecodeRuneInString(p.s[p.pos:])
			b.WriteRune(r)
			p.pos += n
			continue
		}
		p.pos++
		if p.pos >= len(p.s) {
			return "", p.syntax("unterminated escape")
		}
		e := p.s[p.pos]
		p.pos++
		if i := strings.IndexByte(`"\/bfnrt`, e); i >= 0 {
			b.WriteByte("\"\\/\b\f\n\r\t"[i])
			continue
		}
		if e != 'u' {
			return "", p.syntax("bad escape")
		}
		r, err := p.hex4()
		if err != nil {
			return "", err
		}
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return "", feedErr("S2", "lone low surrogate \\u%04x", r)
		case r >= 0xd800 && r <= 0xdbff:
			if !strings.HasPrefix(p.s[p.pos:], `\u`) {
				return "", feedErr("S2", "lone high surrogate \\u%04x", r)
			}
			p.pos += 2
			lo, err := p.hex4()
			if err != nil {
				return "", err
			}
			if lo < 0xdc00 || lo > 0xdfff {
				return "", feedErr("S2", "high surrogate \\u%04x before \\u%04x", r, lo)
			}
			r = utf16.DecodeRune(r, lo)
		}
		b.WriteRune(r)
	}
}

func (p *jsonParser) hex4() (rune, *feedError) {
	if p.pos+4 > len(p.s) {
		return 0, p.syntax("short \\u escape")
	}
	var r rune
	for _, c := range p.s[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= c - '0'
		case c >= 'a' && c <= 'f':
			r |= c - 'a' + 10
		case c >= 'A' && c <= 'F':
			r |= c - 'A' + 10
		default:
			return 0, p.syntax("bad \\u escape")
		}
	}
	p.pos += 4
	return r, nil
}
