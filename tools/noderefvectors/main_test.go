package main

import (
	"path/filepath"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// TestVectorsCurrent checks that docs/vectors/noderef holds exactly what the
// generator writes: after a change to docs/noderef.md or to this program,
// run `go run ./tools/noderefvectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	_, err := write(dir)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := vectorfile.Stale(dir, filepath.Join("..", "..", "docs", "vectors", "noderef"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("docs/vectors/noderef/%s is stale, missing or extra: run go run ./tools/noderefvectors", name)
	}
}
