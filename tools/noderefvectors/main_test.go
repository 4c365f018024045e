package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsCurrent checks that docs/vectors/noderef holds exactly what the
// generator writes: after a change to docs/noderef.md or to this program,
// run `go run ./tools/noderefvectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	n, err := write(dir)
	if err != nil {
		t.Fatal(err)
	}
	committed, _ := filepath.Glob(filepath.Join("..", "..", "docs", "vectors", "noderef", "*.json"))
	if n == 0 || n != len(committed) {
		t.Fatalf("generator writes %d vectors, docs/vectors/noderef holds %d", n, len(committed))
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range fresh {
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join("..", "..", "docs", "vectors", "noderef", filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing: run go run ./tools/noderefvectors", filepath.Base(p))
		}
	}
}
