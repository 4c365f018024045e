package vectorcheck

import "testing"

// TestLeopardField checks the field facts leopard.go rests on: the basis is a
// Cantor basis (v_0 = 1, v_i² + v_i = v_{i-1}) of GF(2^8) under 0x11D, so
// bytes and points map one to one onto the field.
func TestLeopardField(t *testing.T) {
	if leoCantor[0] != 1 {
		t.Fatal("v_0 is not 1")
	}
	for i := 1; i < 8; i++ {
		v := leoCantor[i]
		if gfPolyMul(v, v)^v != leoCantor[i-1] {
			t.Errorf("v_%d = %d: v² + v ≠ v_%d", i, v, i-1)
		}
	}
	f := newLeoField()
	seen := map[byte]bool{}
	for a := 1; a < 256; a++ {
		if f.mul[a][1] != byte(a) {
			t.Fatalf("byte 1 is not the identity: 1·%d = %d", a, f.mul[a][1])
		}
		seen[f.inv(byte(a))] = true
	}
	if len(seen) != 255 {
		t.Fatalf("%d distinct inverses, want 255", len(seen))
	}
}

// TestLeopardRecovers checks that the check shards make an MDS code: with
// k ≤ m, data and check shards are evaluations of one polynomial of degree
// < m, so the c check shards are determined by the data, and a data shard
// is recovered from any k of the others by interpolating again.
func TestLeopardRecovers(t *testing.T) {
	f := newLeoField()
	data := [][]byte{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
	parity, err := leopardParity(f, data, 3)
	if err != nil {
		t.Fatal(err)
	}
	// m = 4: data at points 4, 5, 6 and a zero shard at 7; checks at 0, 1, 2.
	// Rebuild data shard 0 (point 4) from points 0, 1, 2 and 7 (zero).
	xs := []byte{0, 1, 2, 7}
	ys := [][]byte{parity[0], parity[1], parity[2], {0, 0, 0}}
	for k := 0; k < 3; k++ {
		var got byte
		for i, xi := range xs {
			num, den := byte(1), byte(1)
			for l, xl := range xs {
				if l != i {
					num = f.mul[num][4^xl]
					den = f.mul[den][xi^xl]
				}
			}
			got ^= f.mul[f.mul[num][f.inv(den)]][ys[i][k]]
		}
		if got != data[0][k] {
			t.Fatalf("byte %d of data shard 0 rebuilt as %d, want %d", k, got, data[0][k])
		}
	}
}
