package feed

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// vector mirrors the files in docs/vectors/social (written by
// tools/socialvectors; docs/social.md §12). Unknown fields fail the test.
type vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Op          string `json:"op"`
	Rule        string `json:"rule"`
	Edition     int64  `json:"edition"`
	Doc         string `json:"doc"`
	DocHex      string `json:"doc_hex"`
	PadTo       int    `json:"pad_to"`
	Summary     string `json:"summary"`
	Canonical   string `json:"canonical"`
}

const (
	vectorDir = "../../../docs/vectors/social"
	specPath  = "../../../docs/social.md"
)

func readVectors() ([]vector, error) {
	return vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	vs, err := readVectors()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// bytes returns the vector's document.
func (v *vector) bytes(t testing.TB) []byte {
	t.Helper()
	b := []byte(v.Doc)
	if v.DocHex != "" {
		var err error
		if b, err = hex.DecodeString(v.DocHex); err != nil {
			t.Fatal(err)
		}
	}
	if v.PadTo > 0 {
		if v.PadTo < len(b) {
			t.Fatalf("pad_to %d below the document's %d bytes", v.PadTo, len(b))
		}
		b = append(b, bytes.Repeat([]byte{' '}, v.PadTo-len(b))...)
	}
	return b
}

func TestVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range loadVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			doc := v.bytes(t)
			d, err := Decode(doc, v.Edition)
			switch v.Op {
			case "parse":
				if err != nil {
					t.Fatal(err)
				}
				if got := d.String(); got != v.Summary {
					t.Errorf("parsed to\n%s\nwant\n%s", got, v.Summary)
				}
				want := doc
				if v.Canonical != "" {
					want = []byte(v.Canonical)
					if bytes.Equal(want, doc) {
						t.Error("canonical is given but equals the document")
					}
				}
				got, err := d.Encode()
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("encodes to\n%s\n%v\nwant\n%s", got, err, want)
				}
				d2, err := Decode(got, v.Edition)
				if err != nil || d2.String() != v.Summary {
					t.Fatalf("the canonical form decodes to %v, %v", d2, err)
				}
			case "reject":
				var fe *Error
				if !errors.As(err, &fe) {
					t.Fatalf("accepted or wrong error type: %v", err)
				}
				if fe.Rule != v.Rule {
					t.Errorf("rejected under %s (%v), want %s", fe.Rule, err, v.Rule)
				}
			default:
				t.Fatalf("unknown op %q", v.Op)
			}
		})
	}
	if ops["parse"] == 0 || ops["reject"] == 0 || len(ops) != 2 {
		t.Errorf("ops %v", ops)
	}
}

// TestSpecRulesHaveVectors checks that the MUST-reject rules numbered in
// docs/social.md and the rules of the reject vectors are the same set.
func TestSpecRulesHaveVectors(t *testing.T) {
	used := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Op == "reject" {
			used[v.Rule] = true
		}
	}
	if err := vectorfile.CheckRules(specPath, `\*\*\[(S\d+)\]\*\*`, used); err != nil {
		t.Error(err)
	}
}
