package clientlayer

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestReconstructAnyBlocks: the segment codec rebuilds the data from any
// k of its k+m blocks, whatever other blocks a previous decode with the
// same codec was missing. (The library's inversion cache once keyed
// ReconstructData by the missing data blocks alone: a segment missing a
// data block and check block 1 after one missing the same data block and
// check block 0 decoded to wrong bytes.)
func TestReconstructAnyBlocks(t *testing.T) {
	c, err := New(discardStore{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, km := range [][2]int{{2, 2}, {3, 3}, {5, 3}, {8, 8}, {128, 128}} {
		k, m := km[0], km[1]
		enc, err := c.reedSolomon(k, m)
		if err != nil {
			t.Fatal(err)
		}
		shards := make([][]byte, k+m)
		for i := range shards {
			shards[i] = make([]byte, 1024)
			if i < k {
				for j := range shards[i] {
					shards[i][j] = byte(rng.Uint32())
				}
			}
		}
		if err := enc.Encode(shards); err != nil {
			t.Fatal(err)
		}
		for trial := range 200 {
			// Drop a random set of blocks, keep k of the rest, as a fetch
			// that stops once it has k does.
			sh := make([][]byte, k+m)
			kept := 0
			for _, i := range rng.Perm(k + m) {
				if kept < k && rng.IntN(4) != 0 {
					sh[i] = bytes.Clone(shards[i])
					kept++
				}
			}
			for i := 0; kept < k; i++ {
				if sh[i] == nil {
					sh[i] = bytes.Clone(shards[i])
					kept++
				}
			}
			if err := enc.ReconstructData(sh); err != nil {
				t.Fatalf("k=%d m=%d trial %d: %v", k, m, trial, err)
			}
			for i := range k {
				if !bytes.Equal(sh[i], shards[i]) {
					t.Fatalf("k=%d m=%d trial %d: data block %d rebuilt wrong", k, m, trial, i)
				}
			}
		}
	}
}
