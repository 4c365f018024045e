package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsCurrent checks that docs/vectors/keys holds exactly what the
// generator writes: after a change to keys/ or to this program, run
// `go run ./tools/keyvectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	committed, _ := filepath.Glob(filepath.Join("..", "..", "docs", "vectors", "keys", "*.json"))
	if len(fresh) == 0 || len(fresh) != len(committed) {
		t.Fatalf("generator writes %d vectors, docs/vectors/keys holds %d", len(fresh), len(committed))
	}
	for _, p := range fresh {
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join("..", "..", "docs", "vectors", "keys", filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing: run go run ./tools/keyvectors", filepath.Base(p))
		}
	}
}
