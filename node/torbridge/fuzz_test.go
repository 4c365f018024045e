package torbridge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: whatever Parse accepts, its Line is one clean torrc line that
// parses back to the same Bridge, Torrc takes it, and Redacted hides its
// address; whatever it refuses, it refuses with one of the package's
// errors.
func FuzzParse(f *testing.F) {
	for _, tc := range goodLines {
		f.Add(tc.line)
	}
	for _, tc := range badLines {
		if len(tc.line) < 600 {
			f.Add(tc.line)
		}
	}
	kinds := []error{ErrBadLine, ErrUnknownTransport, ErrBadAddress, ErrBadFingerprint, ErrMissingArg, ErrBadArg}
	f.Fuzz(func(t *testing.T, line string) {
		b, err := Parse(line)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "torbridge: ") {
				t.Fatalf("error %q is not a torbridge *Error", err)
			}
			n := 0
			for _, k := range kinds {
				if errors.Is(err, k) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %q matches %d kinds", err, n)
			}
			return
		}
		l := b.Line()
		if len(l) > MaxLineLen {
			t.Fatalf("Line is %d bytes long", len(l))
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c < ' ' || c >= 0x7f || c == '#' || c == '\\' || c == '"' {
				t.Fatalf("Line %q has byte %#02x", l, c)
			}
		}
		if strings.Contains(l, "  ") || strings.TrimSpace(l) != l {
			t.Fatalf("Line %q is not single-spaced", l)
		}
		b2, err := Parse(l)
		if err != nil {
			t.Fatalf("Parse(%q) = %v, from Line of %q", l, err, line)
		}
		if !reflect.DeepEqual(b, b2) {
			t.Fatalf("Parse(Line()) = %q, want %q", b2.Line(), l)
		}
		if b2.Line() != l {
			t.Fatalf("Line is not stable: %q then %q", l, b2.Line())
		}
		lines, err := Torrc([]Bridge{b}, testPlugins)
		if err != nil {
			t.Fatalf("Torrc of a parsed bridge: %v", err)
		}
		for _, tl := range lines {
			if strings.ContainsAny(tl, "\r\n\x00") {
				t.Fatalf("torrc line %q", tl)
			}
		}
		if r := b.Redacted(); strings.Contains(r, b.Addr.Addr().String()) {
			t.Fatalf("Redacted %q shows the address", r)
		}
	})
}
