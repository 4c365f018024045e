package clientlayer

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
)

// vector mirrors the files in docs/vectors/metadata (written by
// tools/metavectors). Unknown fields fail the test.
type vector struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	Op           string `json:"op"`
	Rule         string `json:"rule"`
	Doc          string `json:"doc"`
	Summary      string `json:"summary"`
	DataHex      string `json:"data_hex"`
	DataSeed     int    `json:"data_seed"`
	DataLen      int    `json:"data_len"`
	ContentType  string `json:"content_type"`
	DontCompress bool   `json:"dont_compress"`
	URI          string `json:"uri"`
}

const vectorDir = "../../docs/vectors/metadata"

func loadVectors(t testing.TB) []vector {
	t.Helper()
	vs, err := readVectors()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// readVectors reads every vector file (strictly: see vectorfile.Read).
func readVectors() ([]vector, error) {
	return vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
}

func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	c := newClient(t, newMemStore(), Config{})
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			doc, err := hex.DecodeString(v.Doc)
			if err != nil {
				t.Fatal(err)
			}
			switch v.Op {
			case "parse":
				m, err := ParseMetadata(doc)
				if err != nil {
					t.Fatal(err)
				}
				if got := m.String(); got != v.Summary {
					t.Errorf("parsed to\n%s\nwant\n%s", got, v.Summary)
				}
				back, err := m.MarshalBinary()
				if err != nil || !bytes.Equal(back, doc) {
					t.Errorf("serializes to %x, %v", back, err)
				}
			case "reject":
				_, err := ParseMetadata(doc)
				var me *MetadataError
				if !errors.As(err, &me) {
					t.Fatalf("accepted or wrong error: %v", err)
				}
				if me.Rule != v.Rule {
					t.Errorf("rejected under %s (%v), want %s", me.Rule, err, v.Rule)
				}
			case "insert":
				data, err := hex.DecodeString(v.DataHex)
				if err != nil {
					t.Fatal(err)
				}
				if v.DataLen > 0 {
					data = make([]byte, v.DataLen)
					rand.NewChaCha8([32]byte{byte(v.DataSeed)}).Read(data)
				}
				u, err := c.Insert(context.Background(), bytes.NewReader(data), InsertOptions{URI: keys.URI{Type: keys.CHK},
					ContentType: v.ContentType, DontCompress: v.DontCompress})
				if err != nil {
					t.Fatal(err)
				}
				if u.String() != v.URI {
					t.Fatalf("URI %s, want %s", u, v.URI)
				}
				got, res := mustFetch(t, c, u)
				if !bytes.Equal(got, data) || (v.ContentType != "" && res.ContentType != v.ContentType) {
					t.Errorf("fetch gave %d bytes, %q", len(got), res.ContentType)
				}
			default:
				t.Fatalf("unknown op %q", v.Op)
			}
		})
	}
}

// TestSpecRulesHaveVectors checks that the MUST-reject rules numbered in
// docs/metadata.md and the rules of the reject vectors are the same set.
func TestSpecRulesHaveVectors(t *testing.T) {
	inVectors := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Op == "reject" {
			inVectors[v.Rule] = true
		}
	}
	if err := vectorfile.CheckRules("../../docs/metadata.md", `\*\*\[(M\d+)\]\*\*`, inVectors); err != nil {
		t.Error(err)
	}
}
