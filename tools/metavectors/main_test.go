package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsCurrent checks that docs/vectors/metadata holds exactly what the
// generator writes: after a change to the metadata format or to this program,
// run `go run ./tools/metavectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	n, err := write(dir)
	if err != nil {
		t.Fatal(err)
	}
	committed, _ := filepath.Glob(filepath.Join("..", "..", "docs", "vectors", "metadata", "*.json"))
	if n == 0 || n != len(committed) {
		t.Fatalf("generator writes %d vectors, docs/vectors/metadata holds %d", n, len(committed))
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range fresh {
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join("..", "..", "docs", "vectors", "metadata", filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing: run go run ./tools/metavectors", filepath.Base(p))
		}
	}
}
