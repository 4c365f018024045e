package noderef

import (
	"bytes"
	"fmt"
)

// MaxList is the most noderefs ParseList reads from one text.
const MaxList = 1000

// ParseList reads a list of noderefs written one after another, each
// ending with its "End" line, as a seednodes file holds them; blank lines
// between them are skipped. Each ref is read with Parse; the error of one
// that does not parse names its place in the list (and wraps the *Error).
// A text with no ref, or with text after the last "End", is an error.
func ParseList(text []byte) ([]Ref, error) {
	var refs []Ref
	rest := text
	for n := 1; ; n++ {
		rest = bytes.TrimLeft(rest, "\n")
		if len(rest) == 0 {
			break
		}
		if n > MaxList {
			return nil, fmt.Errorf("noderef: more than %d noderefs in one list", MaxList)
		}
		end := bytes.Index(rest, []byte("\nEnd\n"))
		if bytes.HasPrefix(rest, []byte("End\n")) {
			end = -1 // an End line with no fields before it
		}
		var one []byte
		switch {
		case end >= 0:
			one, rest = rest[:end+len("\nEnd\n")], rest[end+len("\nEnd\n"):]
		case bytes.HasSuffix(rest, []byte("\nEnd")):
			one, rest = rest, nil // the last one, without its final LF
		default:
			one, rest = rest, nil
		}
		r, err := Parse(one)
		if err != nil {
			return nil, fmt.Errorf("noderef: the list's ref %d: %w", n, err)
		}
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("noderef: the list holds no noderef")
	}
	return refs, nil
}
