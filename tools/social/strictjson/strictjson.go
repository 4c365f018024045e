// Package strictjson reads and writes JSON under the rules of the hams
// social formats (docs/social.md §3 and §7), which tools/social/feed (feed
// documents) and tools/social/inbox (notes) share.
//
// Parse accepts a text only when it is valid UTF-8, exactly one JSON
// object (RFC 8259 grammar) with nothing but JSON white space around it, no
// object anywhere in it has the same key twice (keys compared after
// unescaping), every \u escape decodes to a Unicode scalar value (a high
// surrogate is followed at once by an escaped low one), and arrays and
// objects nest at most MaxDepth deep. Anything else is an *Error saying
// which rule it breaks (Kind) and where (Offset).
//
// Parse walks the whole text once and returns its object as a Value;
// reading a Value (Members, Elements, String) decodes only what is asked
// for, so that unknown fields cost one pass and are never decoded.
//
// AppendString writes a string in the canonical form of §7 (as RFC 8785):
// escaped only where JSON requires it.
//
// The package is pure: no I/O, no clock, no goroutines.
package strictjson

import (
	"fmt"
	"strconv"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts,
// counting the outermost object as 1.
const MaxDepth = 64

// Kind says which rule a text breaks.
type Kind uint8

const (
	// BadUTF8: the text is not valid UTF-8 (docs/social.md S2).
	BadUTF8 Kind = iota + 1
	// LoneSurrogate: a \u escape of a UTF-16 surrogate that is not a high
	// surrogate followed at once by an escaped low one (S2).
	LoneSurrogate
	// BadSyntax: the text is not exactly one JSON object with only white
	// space around it: empty, another type of value, a grammar error, a
	// raw control character or an invalid escape in a string, or data
	// after the object (S3).
	BadSyntax
	// TooDeep: arrays and objects nest more than MaxDepth deep (S3).
	TooDeep
	// DuplicateKey: an object has the same key twice, after unescaping
	// (S4).
	DuplicateKey
)

// String returns the kind's name, such as "duplicate key".
func (k Kind) String() string {
	switch k {
	case BadUTF8:
		return "invalid UTF-8"
	case LoneSurrogate:
		return "lone surrogate"
	case BadSyntax:
		return "syntax error"
	case TooDeep:
		return "nested too deep"
	case DuplicateKey:
		return "duplicate key"
	}
	return "kind " + strconv.Itoa(int(k))
}

// Error is the error type of Parse.
type Error struct {
	// Kind is the rule broken.
	Kind Kind
	// Offset is the byte offset in the text where the fault is: the first
	// byte that is not UTF-8, the backslash of a bad escape, the opening
	// quote of a duplicate key, the byte where the grammar fails.
	Offset int
	// Msg says what is wrong, without the offset, such as `key "n"
	// appears twice in one object`.
	Msg string
}

// Error formats as "strictjson: offset N: <msg>".
func (e *Error) Error() string {
	return "strictjson: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

func errorf(kind Kind, offset int, format string, args ...any) error {
	return &Error{Kind: kind, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}
