package vectorcheck

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// socialVector mirrors the files in docs/vectors/social (docs/social.md §12).
type socialVector struct {
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

const socialVectorDir = "../../docs/vectors/social"

// document returns the vector's document bytes (§12: doc or doc_hex, padded
// with spaces to pad_to).
func (v *socialVector) document() ([]byte, error) {
	b := []byte(v.Doc)
	if v.DocHex != "" {
		var err error
		if b, err = hex.DecodeString(v.DocHex); err != nil {
			return nil, err
		}
	}
	if v.PadTo > 0 {
		if v.PadTo < len(b) {
			return nil, fmt.Errorf("pad_to %d below the document's %d bytes", v.PadTo, len(b))
		}
		b = append(b, bytes.Repeat([]byte{' '}, v.PadTo-len(b))...)
	}
	return b, nil
}

// TestSocialVectors recomputes the derived fields of docs/vectors/social
// from docs/social.md: for parse vectors that an independent reader
// accepts the document, what it reads (the summary) and the canonical form
// (§7), which must read back to the same summary; for reject vectors the
// rule the independent reader rejects the document under.
func TestSocialVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range readSocialVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			if err := checkSocialVector(v); err != nil {
				t.Error(err)
			}
		})
	}
	if ops["parse"] == 0 || ops["reject"] == 0 || len(ops) != 2 {
		t.Errorf("ops %v", ops)
	}
}

// TestSocialChecksCatchCorruption shows that the check can fail: every
// derived field of every vector (summary and canonical form of a parse, the
// rule of a reject), corrupted in one character, is reported.
func TestSocialChecksCatchCorruption(t *testing.T) {
	n := 0
	for _, v := range readSocialVectors(t) {
		fields := []*string{&v.Rule}
		switch {
		case v.Op == "parse" && v.Canonical != "":
			fields = []*string{&v.Summary, &v.Canonical}
		case v.Op == "parse":
			// The document is its own canonical form.
			fields = []*string{&v.Summary, &v.Doc}
		}
		for _, field := range fields {
			for _, bad := range corruptions(*field) {
				good := *field
				*field = bad
				n++
				if checkSocialVector(v) == nil {
					t.Errorf("%s: corrupted to %.80q, passes", v.Name, bad)
				}
				*field = good
			}
		}
	}
	t.Logf("%d corrupted vectors, each caught", n)
}

func readSocialVectors(t *testing.T) []socialVector {
	t.Helper()
	vs, err := vectorfile.Read(socialVectorDir, func(v *socialVector) string { return v.Name })
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func checkSocialVector(v socialVector) error {
	doc, err := v.document()
	if err != nil {
		return err
	}
	d, ferr := decodeFeed(doc, v.Edition)
	switch v.Op {
	case "parse":
		if ferr != nil {
			return fmt.Errorf("rejected: %v", ferr)
		}
		c := &checker{}
		if got := d.String(); got != v.Summary {
			c.fail("read as\n%s\nwant\n%s", got, v.Summary)
		}
		want := string(doc)
		if v.Canonical != "" {
			want = v.Canonical
			if v.Canonical == string(doc) {
				c.fail("canonical is given but equals the document")
			}
		}
		got := d.canonical()
		if got != want {
			c.fail("canonical form\n%s\nwant\n%s", got, want)
		}
		if d2, ferr := decodeFeed([]byte(got), v.Edition); ferr != nil || d2.String() != v.Summary {
			c.fail("the canonical form reads as %v, %v", d2, ferr)
		}
		return c.err()
	case "reject":
		if ferr == nil {
			return fmt.Errorf("accepted; rule %s says reject", v.Rule)
		}
		if ferr.rule != v.Rule {
			return fmt.Errorf("rejected under %s (%v), the vector says %s", ferr.rule, ferr, v.Rule)
		}
		return nil
	}
	return fmt.Errorf("unknown op %q", v.Op)
}
