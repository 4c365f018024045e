// Command keyvectors writes the key and block test vectors in
// docs/vectors/keys/: one JSON file per scenario, each valid key type and each
// MUST-reject rule of docs/keys.md. The output is deterministic (seeded), so
// running it again changes nothing unless the spec or the code changed; the
// package's test checks that the committed files are current.
//
// Usage:
//
//	go run ./tools/keyvectors [-out docs/vectors/keys]
//
// Blocks that break a decode rule but verify (a malicious inserter can make
// them) are built here from the spec's derivations directly, not through the
// keys package, so the vectors also cross-check keys against a second
// implementation of docs/keys.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// Vector is one test vector file. Fields are hex for bytes; unused fields are
// omitted. The loader in keys/vectors_test.go rejects unknown fields.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Op is what the vector tests: "encode", "parse", "reject-uri",
	// "reject-block" or "reject-decode".
	Op string `json:"op"`
	// Rule is the docs/keys.md rule a reject vector breaks, e.g. "U4".
	Rule string `json:"rule,omitempty"`

	Input     string `json:"input,omitempty"`     // parse / reject-uri: the URI text
	InputHex  string `json:"input_hex,omitempty"` // reject-uri: the URI bytes, when they are not valid UTF-8 (JSON cannot hold them)
	Canonical string `json:"canonical,omitempty"` // parse: String() of the parsed URI

	Random    string `json:"random,omitempty"`     // encode SSK/USK: keygen randomness (64 bytes)
	InsertURI string `json:"insert_uri,omitempty"` // encode SSK/USK/KSK: the URI that signs
	Data      string `json:"data,omitempty"`       // encode: plaintext
	Codec     int    `json:"codec,omitempty"`
	Control   bool   `json:"control,omitempty"`

	URI        string `json:"uri,omitempty"`         // encode: request URI; reject-decode: URI to decode with
	RoutingKey string `json:"routing_key,omitempty"` // hex
	Block      string `json:"block,omitempty"`       // hex

	// Error is, for a reject vector, the keys.Code the rejection carries
	// ("invalid URI", "invalid block" or "decode error").
	Error string `json:"error,omitempty"`
}

func main() {
	out := flag.String("out", filepath.Join("docs", "vectors", "keys"), "directory to write the vectors to")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "keyvectors: error:", err)
		os.Exit(1)
	}
}

// write generates every vector and writes it to dir, removing stale .json files.
func write(dir string) error {
	vs, err := generate()
	if err != nil {
		return err
	}
	return vectorfile.Write(dir, vs, func(v *Vector) string { return v.Name })
}

func marshal(v Vector) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// generate returns all vectors sorted by name, with unique names.
func generate() ([]Vector, error) {
	var vs []Vector
	for _, f := range []func() ([]Vector, error){validVectors, uriRejects, blockRejects, decodeRejects} {
		more, err := f()
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	for i := 1; i < len(vs); i++ {
		if vs[i].Name == vs[i-1].Name {
			return nil, fmt.Errorf("duplicate vector name %q", vs[i].Name)
		}
	}
	return vs, nil
}
