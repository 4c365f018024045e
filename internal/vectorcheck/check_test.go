package vectorcheck

import (
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// checker collects what a vector check finds.
type checker struct{ errs []error }

func (c *checker) fail(format string, a ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, a...))
}

func (c *checker) err() error { return errors.Join(c.errs...) }

func (c *checker) unhex(field, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		c.fail("%s: %v", field, err)
	}
	return b
}

// corruptions returns s changed in one character, in the middle and at the
// end (a hex digit into another hex digit, so that hex stays hex), or
// nothing for an empty s.
func corruptions(s string) []string {
	var out []string
	if s == "" {
		return nil
	}
	for _, i := range []int{len(s) / 2, len(s) - 1} {
		b := []byte(s)
		switch c := b[i]; {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'e':
			b[i]++
		case c == '9':
			b[i] = 'a'
		case c == 'f':
			b[i] = '0'
		default:
			b[i] ^= 1
		}
		out = append(out, string(b))
	}
	return out
}

// TestIndependent checks what makes this package a second implementation:
// no file of it, tests included, imports a package of hams but
// internal/vectorfile (which reads JSON files and knows no format).
func TestIndependent(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range ast.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, "github.com/hamsnet/hams/") && p != "github.com/hamsnet/hams/internal/vectorfile" {
				t.Errorf("%s imports %s: the checks must not share code with what they check", f, p)
			}
			if strings.Contains(p, "blake3") || strings.Contains(p, "reedsolomon") || strings.Contains(p, "strictjson") {
				t.Errorf("%s imports %s, which the product uses", f, p)
			}
		}
	}
}
