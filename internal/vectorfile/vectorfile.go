// Package vectorfile reads the JSON test vectors in docs/vectors and checks
// them against the MUST-reject rules their spec numbers. The vector tests of
// keys and node/clientlayer share it.
//
// It imports nothing of hams; only tests and the vector generators import it.
package vectorfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// Read decodes every *.json file in dir as one V, strictly: it fails on an
// empty directory, an unknown field (so a vector a test does not understand
// fails instead of passing silently), data after the object, or a file
// whose name is not name(v)+".json". Files come in name order.
func Read[V any](dir string, name func(*V) string) ([]V, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("vectorfile: no vectors in %s", dir)
	}
	var vs []V
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var v V
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("vectorfile: %s: %v", p, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("vectorfile: %s: data after the vector", p)
		}
		if n := name(&v); n+".json" != filepath.Base(p) {
			return nil, fmt.Errorf("vectorfile: %s: name %q does not match the file", p, n)
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// SpecRules returns the rules a spec defines: the first group of every match
// of pattern (for example `\*\*\[([UBD][0-9]+)\]\*\*` for "**[U1]**").
func SpecRules(specPath, pattern string) (map[string]bool, error) {
	spec, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	rules := map[string]bool{}
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(string(spec), -1) {
		rules[m[1]] = true
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("vectorfile: no rules in %s", specPath)
	}
	return rules, nil
}

// CompareRules returns, sorted, the spec's rules no vector covers and the
// vectors' rules the spec does not define.
func CompareRules(spec, vectors map[string]bool) (uncovered, undefined []string) {
	for r := range spec {
		if !vectors[r] {
			uncovered = append(uncovered, r)
		}
	}
	for r := range vectors {
		if !spec[r] {
			undefined = append(undefined, r)
		}
	}
	slices.Sort(uncovered)
	slices.Sort(undefined)
	return uncovered, undefined
}

// Stale compares the vectors a generator just wrote to fresh with the
// committed ones in dir and returns the names of the *.json files that
// differ or are in only one of them. A generator's test fails on any:
// vectors are regenerated, never edited.
func Stale(fresh, dir string) ([]string, error) {
	names := map[string]bool{}
	for _, d := range []string{fresh, dir} {
		ps, err := filepath.Glob(filepath.Join(d, "*.json"))
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			names[filepath.Base(p)] = true
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("vectorfile: no vectors in %s or %s", fresh, dir)
	}
	var stale []string
	for n := range names {
		a, errA := os.ReadFile(filepath.Join(fresh, n))
		b, errB := os.ReadFile(filepath.Join(dir, n))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			stale = append(stale, n)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

// CheckRules checks the vectors against their spec: every rule the spec at
// specPath defines (SpecRules with pattern) must be in used, the rules the
// vectors exercise, and every rule in used must be in the spec. The error
// names what is missing on each side.
func CheckRules(specPath, pattern string, used map[string]bool) error {
	spec, err := SpecRules(specPath, pattern)
	if err != nil {
		return err
	}
	uncovered, undefined := CompareRules(spec, used)
	if len(uncovered)+len(undefined) == 0 {
		return nil
	}
	slices.Sort(uncovered)
	slices.Sort(undefined)
	return fmt.Errorf("vectorfile: rules of %s without a vector: %v; vectors of rules %s does not define: %v",
		filepath.Base(specPath), uncovered, filepath.Base(specPath), undefined)
}

// Write writes each vector to dir as name(v)+".json" (indented JSON, HTML
// characters left as they are, a final newline) and removes the other
// *.json files there, so that dir holds exactly the vectors a generator
// makes. Two vectors of the same name are an error.
func Write[V any](dir string, vs []V, name func(*V) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for i := range vs {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&vs[i]); err != nil {
			return err
		}
		p := filepath.Join(dir, name(&vs[i])+".json")
		if keep[p] {
			return fmt.Errorf("vectorfile: two vectors named %s", name(&vs[i]))
		}
		keep[p] = true
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	for _, p := range old {
		if !keep[p] {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}
