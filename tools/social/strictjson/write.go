package strictjson

import (
	"strconv"
	"unicode/utf8"
)

// AppendString appends s (valid UTF-8) to b as a JSON string in the
// canonical form of docs/social.md §7 (as RFC 8785 writes it): '"' and '\'
// escaped, U+0008, U+0009, U+000A, U+000C and U+000D as \b \t \n \f \r,
// other characters below U+0020 as \u00xx in lower-case hex, everything
// else as it is ('/', '<', U+2028 and non-ASCII text too).
func AppendString(b []byte, s string) []byte {
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

// Describe quotes s for an error message (as strconv.Quote), cut to its
// first 80 bytes, at a character boundary, and "…" when it is longer.
func Describe(s string) string {
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
