package vectorcheck

import "fmt"

// The check blocks of a splitfile segment (docs/metadata.md §4): Leopard-RS
// over GF(2^8), as catid/leopard's leopard8 and klauspost/reedsolomon with
// WithLeopardGF(true) compute it. The product computes it with FFTs; here it
// is computed from what the code is, by Lagrange interpolation, which is
// slow (O(k·c) per byte) but has nothing in common with an FFT:
//
//   - The field is GF(2)[x]/(x^8+x^4+x^3+x^2+1) (0x11D). A byte b of a shard
//     is not the polynomial with b's bits but the element Σ b_i·v_i over the
//     Cantor basis v = (1, 214, 152, 146, 86, 200, 88, 230) (in polynomial
//     form; v_0 = 1 and v_i² + v_i = v_{i-1}, checked in leopard_test.go).
//     So is a point: point number p is the element with byte p.
//   - With m the smallest power of two ≥ c, data shard i sits at point
//     m + i, zero shards fill the rest of the last group of m points, and
//     the check shards are at points 0 … c-1.
//   - Each group g of m data points (points (g+1)·m … (g+2)·m − 1) has its
//     own interpolating polynomial P_g of degree < m; check shard j is
//     Σ_g P_g(j). (With k ≤ m there is one group, and the data and check
//     shards are the evaluations of one polynomial of degree < m.)
//
// docs/metadata.md §4 states these facts (they are catid/leopard's); the
// insert vectors confirm them, their URIs depending on every check block.

const leoPoly = 0x11D

var leoCantor = [8]byte{1, 214, 152, 146, 86, 200, 88, 230}

// gfPolyMul multiplies two field elements in polynomial form.
func gfPolyMul(a, b byte) byte {
	var p uint16
	for i := 0; i < 8; i++ {
		if b&(1<<i) != 0 {
			p ^= uint16(a) << i
		}
	}
	for i := 15; i >= 8; i-- {
		if p&(1<<i) != 0 {
			p ^= leoPoly << (i - 8)
		}
	}
	return byte(p)
}

// leoField holds the multiplication table of the field in the Cantor-basis
// representation that shards use.
type leoField struct {
	mul [256][256]byte
}

func newLeoField() *leoField {
	var toPoly, fromPoly [256]byte
	for b := 0; b < 256; b++ {
		var e byte
		for i := 0; i < 8; i++ {
			if b&(1<<i) != 0 {
				e ^= leoCantor[i]
			}
		}
		toPoly[b] = e
	}
	for b := 0; b < 256; b++ {
		fromPoly[toPoly[b]] = byte(b)
	}
	f := &leoField{}
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			f.mul[a][b] = fromPoly[gfPolyMul(toPoly[a], toPoly[b])]
		}
	}
	return f
}

func (f *leoField) inv(a byte) byte {
	for b := 1; b < 256; b++ {
		if f.mul[a][b] == 1 {
			return byte(b)
		}
	}
	panic("vectorcheck: no inverse of 0")
}

// leopardParity returns the c check shards of the data shards (all of one
// length; the caller zero-pads the last).
func leopardParity(f *leoField, data [][]byte, c int) ([][]byte, error) {
	d := len(data)
	m := 1
	for m < c {
		m <<= 1
	}
	groups := (d + m - 1) / m
	if d < 1 || c < 1 || (groups+1)*m > 256 {
		return nil, fmt.Errorf("vectorcheck: %d+%d shards do not fit the field's 256 points", d, c)
	}
	size := len(data[0])
	parity := make([][]byte, c)
	for j := range parity {
		parity[j] = make([]byte, size)
	}
	for g := 0; g < groups; g++ {
		base := (g + 1) * m
		for i := 0; i < m && g*m+i < d; i++ {
			xi := byte(base + i)
			// Denominator of the Lagrange basis polynomial L_i of group g.
			den := byte(1)
			for l := 0; l < m; l++ {
				if l != i {
					den = f.mul[den][xi^byte(base+l)]
				}
			}
			denInv := f.inv(den)
			src := data[g*m+i]
			for j := 0; j < c; j++ {
				num := byte(1)
				for l := 0; l < m; l++ {
					if l != i {
						num = f.mul[num][byte(j)^byte(base+l)]
					}
				}
				row := &f.mul[f.mul[num][denInv]]
				dst := parity[j]
				for k, b := range src {
					dst[k] ^= row[b]
				}
			}
		}
	}
	return parity, nil
}
