package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

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

// readVectors reads every vector file; it fails on an empty set, an unknown
// field, trailing data, or a name that does not match its file.
func readVectors() ([]vector, error) {
	paths, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no vectors in %s", vectorDir)
	}
	var vs []vector
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var v vector
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s: data after the vector", p)
		}
		if v.Name+".json" != filepath.Base(p) {
			return nil, fmt.Errorf("%s: name %q does not match the file", p, v.Name)
		}
		vs = append(vs, v)
	}
	return vs, nil
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
	spec, err := os.ReadFile("../../docs/metadata.md")
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]bool{}
	for _, m := range regexp.MustCompile(`\*\*\[(M\d+)\]\*\*`).FindAllStringSubmatch(string(spec), -1) {
		inSpec[m[1]] = true
	}
	inVectors := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Op == "reject" {
			inVectors[v.Rule] = true
		}
	}
	keysOf := func(m map[string]bool) string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		sort.Strings(s)
		return strings.Join(s, " ")
	}
	if len(inSpec) == 0 || keysOf(inSpec) != keysOf(inVectors) {
		t.Errorf("rules in docs/metadata.md: %s\nrules in vectors: %s", keysOf(inSpec), keysOf(inVectors))
	}
}
