package vectorcheck

import (
	"encoding/binary"
	"math/bits"
)

// BLAKE3, written from the BLAKE3 specification (Aumasson, Neves,
// O'Connor, Wilcox-O'Hearn, 2020), with 32-byte output only: the hash of
// docs/keys.md §2 and its keyed mode. It is a deliberately plain, portable
// implementation (no SIMD, no incremental state), checked against the
// official test vectors in blake3_test.go, so that the vector checks depend
// on no BLAKE3 code that the keys package uses.

const (
	b3ChunkLen   = 1024
	b3BlockLen   = 64
	b3ChunkStart = 1 << 0
	b3ChunkEnd   = 1 << 1
	b3Parent     = 1 << 2
	b3Root       = 1 << 3
	b3KeyedHash  = 1 << 4
)

var b3IV = [8]uint32{0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19}

var b3Permutation = [16]int{2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8}

// blake3Sum returns BLAKE3(in), 32 bytes.
func blake3Sum(in []byte) [32]byte {
	return b3Root32(b3IV, 0, in)
}

// blake3Keyed returns BLAKE3-keyed(key, in), 32 bytes.
func blake3Keyed(key [32]byte, in []byte) [32]byte {
	var k [8]uint32
	for i := range k {
		k[i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	return b3Root32(k, b3KeyedHash, in)
}

func b3G(s *[16]uint32, a, b, c, d int, mx, my uint32) {
	s[a] += s[b] + mx
	s[d] = bits.RotateLeft32(s[d]^s[a], -16)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], -12)
	s[a] += s[b] + my
	s[d] = bits.RotateLeft32(s[d]^s[a], -8)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], -7)
}

// b3Compress is the compression function; it returns all 16 output words.
func b3Compress(cv [8]uint32, m [16]uint32, counter uint64, blockLen, flags uint32) [16]uint32 {
	s := [16]uint32{cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
		b3IV[0], b3IV[1], b3IV[2], b3IV[3], uint32(counter), uint32(counter >> 32), blockLen, flags}
	for round := 0; round < 7; round++ {
		b3G(&s, 0, 4, 8, 12, m[0], m[1])
		b3G(&s, 1, 5, 9, 13, m[2], m[3])
		b3G(&s, 2, 6, 10, 14, m[4], m[5])
		b3G(&s, 3, 7, 11, 15, m[6], m[7])
		b3G(&s, 0, 5, 10, 15, m[8], m[9])
		b3G(&s, 1, 6, 11, 12, m[10], m[11])
		b3G(&s, 2, 7, 8, 13, m[12], m[13])
		b3G(&s, 3, 4, 9, 14, m[14], m[15])
		var p [16]uint32
		for i := range p {
			p[i] = m[b3Permutation[i]]
		}
		m = p
	}
	for i := 0; i < 8; i++ {
		s[i] ^= s[i+8]
		s[i+8] ^= cv[i]
	}
	return s
}

// b3Output is a compression not yet done: the last one of a chunk or a
// parent node, which is either a chaining value or, with the root flag, the
// hash.
type b3Output struct {
	cv       [8]uint32
	block    [16]uint32
	counter  uint64
	blockLen uint32
	flags    uint32
}

func (o b3Output) chainingValue() (cv [8]uint32) {
	out := b3Compress(o.cv, o.block, o.counter, o.blockLen, o.flags)
	copy(cv[:], out[:8])
	return cv
}

// root32 is the first 32 bytes of root output (output block counter 0).
func (o b3Output) root32() (h [32]byte) {
	out := b3Compress(o.cv, o.block, 0, o.blockLen, o.flags|b3Root)
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint32(h[4*i:], out[i])
	}
	return h
}

func b3Words(b []byte) (m [16]uint32) {
	var buf [b3BlockLen]byte
	copy(buf[:], b)
	for i := range m {
		m[i] = binary.LittleEndian.Uint32(buf[4*i:])
	}
	return m
}

// b3Chunk compresses all blocks of one chunk (at most 1024 bytes) but its
// last, which it returns.
func b3Chunk(key [8]uint32, flags uint32, chunk []byte, counter uint64) b3Output {
	cv := key
	start := uint32(b3ChunkStart)
	for len(chunk) > b3BlockLen {
		out := b3Compress(cv, b3Words(chunk[:b3BlockLen]), counter, b3BlockLen, flags|start)
		copy(cv[:], out[:8])
		chunk = chunk[b3BlockLen:]
		start = 0
	}
	return b3Output{cv: cv, block: b3Words(chunk), counter: counter, blockLen: uint32(len(chunk)), flags: flags | start | b3ChunkEnd}
}

func b3ParentOutput(key [8]uint32, flags uint32, left, right [8]uint32) b3Output {
	var m [16]uint32
	copy(m[:8], left[:])
	copy(m[8:], right[:])
	return b3Output{cv: key, block: m, blockLen: b3BlockLen, flags: flags | b3Parent}
}

// b3Split returns the length of the left subtree of an input of more than
// one chunk: the largest power of two number of chunks that leaves at least
// one byte for the right.
func b3Split(n int) int {
	chunks := (n + b3ChunkLen - 1) / b3ChunkLen
	return b3ChunkLen << (bits.Len(uint(chunks-1)) - 1)
}

// b3Node returns the output of the subtree over in, whose first chunk has
// number counter.
func b3Node(key [8]uint32, flags uint32, in []byte, counter uint64) b3Output {
	if len(in) <= b3ChunkLen {
		return b3Chunk(key, flags, in, counter)
	}
	l := b3Split(len(in))
	left := b3Node(key, flags, in[:l], counter).chainingValue()
	right := b3Node(key, flags, in[l:], counter+uint64(l/b3ChunkLen)).chainingValue()
	return b3ParentOutput(key, flags, left, right)
}

func b3Root32(key [8]uint32, flags uint32, in []byte) [32]byte {
	return b3Node(key, flags, in, 0).root32()
}
