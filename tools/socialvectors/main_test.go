package main

import (
	"path/filepath"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// TestVectorsCurrent checks that docs/vectors/social holds exactly what the
// generator writes: after a change to the feed format or to this program,
// run `go run ./tools/socialvectors` and commit the result.
func TestVectorsCurrent(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(dir); err != nil {
		t.Fatal(err)
	}
	stale, err := vectorfile.Stale(dir, filepath.Join("..", "..", "docs", "vectors", "social"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("docs/vectors/social/%s is stale, missing or extra: run go run ./tools/socialvectors", name)
	}
}

// TestDeterministic checks that two runs write the same files.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := write(d); err != nil {
			t.Fatal(err)
		}
	}
	stale, err := vectorfile.Stale(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("two runs differ in %v", stale)
	}
}
