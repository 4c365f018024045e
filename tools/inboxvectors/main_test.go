package main

import (
	"path/filepath"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// TestVectorsCurrent checks that docs/vectors/social-inbox holds exactly
// what the generator writes: after a change to package inbox or to this
// program, run `go run ./tools/inboxvectors` and commit the result. Two
// runs write the same files, or the committed ones would be stale too.
func TestVectorsCurrent(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := write(d); err != nil {
			t.Fatal(err)
		}
		if testing.Short() {
			break
		}
	}
	stale, err := vectorfile.Stale(a, filepath.Join("..", "..", "docs", "vectors", "social-inbox"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("docs/vectors/social-inbox/%s is stale, missing or extra: run go run ./tools/inboxvectors", name)
	}
	if testing.Short() {
		return
	}
	if stale, err := vectorfile.Stale(a, b); err != nil || len(stale) > 0 {
		t.Errorf("two runs differ in %v (%v)", stale, err)
	}
}
