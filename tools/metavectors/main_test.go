package main

import (
	"path/filepath"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// TestVectorsCurrent checks that docs/vectors/metadata holds exactly what the
// generator writes: after a change to the metadata format or to this program,
// run `go run ./tools/metavectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	_, err := write(dir)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := vectorfile.Stale(dir, filepath.Join("..", "..", "docs", "vectors", "metadata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("docs/vectors/metadata/%s is stale, missing or extra: run go run ./tools/metavectors", name)
	}
}
