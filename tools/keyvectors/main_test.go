package main

import (
	"path/filepath"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// TestVectorsCurrent checks that docs/vectors/keys holds exactly what the
// generator writes: after a change to keys/ or to this program, run
// `go run ./tools/keyvectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	stale, err := vectorfile.Stale(dir, filepath.Join("..", "..", "docs", "vectors", "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("docs/vectors/keys/%s is stale, missing or extra: run go run ./tools/keyvectors", name)
	}
}
