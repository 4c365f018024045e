package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/zeebo/blake3"
)

// The primitives, over one 32 KiB block, measured in the same run as the
// codec so the codec can be read as a fraction of what the crypto allows.

func BenchmarkSHA256_32KiB(b *testing.B) {
	buf := make([]byte, CHKDataSize)
	b.SetBytes(CHKDataSize)
	for b.Loop() {
		sha256.Sum256(buf)
	}
}

func BenchmarkAES256CTR_32KiB(b *testing.B) {
	buf := make([]byte, CHKDataSize)
	c, _ := aes.NewCipher(make([]byte, 32))
	iv := make([]byte, aes.BlockSize)
	b.SetBytes(CHKDataSize)
	for b.Loop() {
		cipher.NewCTR(c, iv).XORKeyStream(buf, buf)
	}
}

func BenchmarkBLAKE3_32KiB(b *testing.B) {
	buf := make([]byte, CHKDataSize)
	b.SetBytes(CHKDataSize)
	for b.Loop() {
		blake3.Sum256(buf)
	}
}

// cryptoLimit times n rounds of one SHA-256 pass plus one AES-256-CTR pass
// over 32 KiB: the least any CHK codec with a hashed key and a stream cipher
// must spend per block if it hashed only once.
func cryptoLimit(n int) time.Duration {
	buf := make([]byte, CHKDataSize)
	c, _ := aes.NewCipher(make([]byte, 32))
	iv := make([]byte, aes.BlockSize)
	start := time.Now()
	for i := 0; i < n; i++ {
		sha256.Sum256(buf)
		cipher.NewCTR(c, iv).XORKeyStream(buf, buf)
	}
	return time.Since(start)
}

// reportLimit reports the codec's speed as a fraction of cryptoLimit,
// measured right after the codec's own loop.
func reportLimit(b *testing.B) {
	if b.N < 10 {
		return
	}
	limit := cryptoLimit(b.N)
	b.ReportMetric(float64(limit)/float64(b.Elapsed()), "of-sha256+aes-limit")
}

func BenchmarkCHKEncode(b *testing.B) {
	data := randBytes(seeded(20), CHKDataSize)
	b.SetBytes(CHKDataSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := EncodeCHK(data, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportLimit(b)
}

// BenchmarkCHKEncodeTo is the codec without the block allocation, as the
// client layer runs it with pooled buffers.
func BenchmarkCHKEncodeTo(b *testing.B) {
	data := randBytes(seeded(20), CHKDataSize)
	block := make([]byte, CHKBlockSize)
	b.SetBytes(CHKDataSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeCHKTo(block, data, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportLimit(b)
}

func BenchmarkCHKDecode(b *testing.B) {
	block, u, _ := EncodeCHK(randBytes(seeded(21), CHKDataSize), EncodeOptions{})
	b.SetBytes(CHKDataSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(block, u); err != nil {
			b.Fatal(err)
		}
	}
	reportLimit(b)
}

func BenchmarkCHKVerify(b *testing.B) {
	block, u, _ := EncodeCHK(randBytes(seeded(22), CHKDataSize), EncodeOptions{})
	b.SetBytes(CHKDataSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyBlock(RoutingKey(u.Key), block); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSSK(b *testing.B) (URI, []byte, RoutingKey) {
	ins, _, _ := GenerateSSK(seeded(23))
	ins.Name = "bench"
	block, req, err := EncodeSSK(ins, randBytes(seeded(24), SSKDataSize), EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rk, _ := RoutingKeyOf(req)
	return ins, block, rk
}

// BenchmarkSSKSign is a full SSK encode: derivations, encryption and the
// Ed25519 signature. Read it as ops/s.
func BenchmarkSSKSign(b *testing.B) {
	ins, _, _ := benchSSK(b)
	data := randBytes(seeded(25), SSKDataSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := EncodeSSK(ins, data, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkSSKVerify is what a relay does per SSK block: two hashes and an
// Ed25519 verification. Read it as ops/s.
func BenchmarkSSKVerify(b *testing.B) {
	_, block, rk := benchSSK(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyBlock(rk, block); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkParseURI(b *testing.B) {
	_, u, _ := EncodeCHK([]byte("bench"), EncodeOptions{})
	s := u.String() + "/dir/file.txt"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}
