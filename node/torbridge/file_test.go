package torbridge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseFile(t *testing.T) {
	text := "\uFEFF# bridges from bridges.torproject.org\r\n" +
		"\r\n" +
		obfs4Line + "\r\n" +
		"   # an indented comment, with a \x00 and a \\ in it\n" +
		"Bridge " + obfs4Line2 + "\n" +
		"\t\n" +
		snowflakeLine // no final line break
	got, err := ParseFile(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var want []Bridge
	for _, l := range []string{obfs4Line, obfs4Line2, snowflakeLine} {
		b, err := Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseFile = %v, want %v", got, want)
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		want       error
		msg        string
	}{
		{"bad address on line 3", "# mine\n" + obfs4Line + "\n203.0.113.77:0\n" + obfs4Line2, 3, ErrBadAddress,
			"torbridge: line 3: address: the port must be a number from 1 to 65535"},
		{"unknown transport on line 1", "obfs3 203.0.113.77:443\n", 1, ErrUnknownTransport, "torbridge: line 1: unknown transport"},
		{"missing cert after blank lines", "\n\n\n\nobfs4 203.0.113.77:443 " + fp1 + " iat-mode=0\n", 5, ErrMissingArg, "torbridge: line 5: an obfs4 bridge needs cert="},
		{"NUL in a bridge", obfs4Line + "\n203.0.113.77:443\x00\n", 2, ErrBadLine, "torbridge: line 2: control character"},
		{"inline comment", "203.0.113.77:443 # home\n", 1, ErrBadLine, "torbridge: line 1: '#' at byte 18"},
		{"over-long line", obfs4Line + "\n" + strings.Repeat("x", MaxLineLen+10) + "\n" + obfs4Line2, 2, ErrBadLine,
			"torbridge: line 2: the line is longer than 4096"},
		{"over-long comment", "#" + strings.Repeat("x", 2*MaxLineLen), 1, ErrBadLine, "longer than"},
		{"one byte too long", strings.Repeat(" ", MaxLineLen-16) + "203.0.113.77:443 \n", 1, ErrBadLine, "4097 bytes long"},
		{"one byte too long, CRLF", strings.Repeat(" ", MaxLineLen-16) + "203.0.113.77:443 \r\n", 1, ErrBadLine, "longer than 4096"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := ParseFile(strings.NewReader(tc.text))
			if err == nil {
				t.Fatalf("ParseFile succeeded: %v", bs)
			}
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %q is a %T, not a *LineError", err, err)
			}
			if le.Line != tc.line {
				t.Errorf("Line = %d, want %d (%v)", le.Line, tc.line, err)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %q does not match %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if bs != nil {
				t.Errorf("bridges returned with the error: %v", bs)
			}
		})
	}
}

func TestParseFileFits(t *testing.T) {
	// A line of exactly MaxLineLen bytes, with "\r\n", is accepted.
	l := "203.0.113.77:443" + strings.Repeat(" ", MaxLineLen-len("203.0.113.77:443"))
	bs, err := ParseFile(strings.NewReader(l + "\r\n" + l))
	if err != nil || len(bs) != 2 {
		t.Fatalf("ParseFile = %v, %v", bs, err)
	}
}

func TestParseFileEmpty(t *testing.T) {
	for _, text := range []string{"", "\n\n", "# nothing yet\n\n  # still nothing\n"} {
		bs, err := ParseFile(strings.NewReader(text))
		if err != nil || len(bs) != 0 {
			t.Errorf("ParseFile(%q) = %v, %v; want no bridge and no error", text, bs, err)
		}
	}
}

func TestParseFileReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ParseFile(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "torbridge: ") {
		t.Errorf("ParseFile = %v, want a torbridge error wrapping %v", err, boom)
	}
}
