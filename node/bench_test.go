package node

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

// benchSize is the file size of the end-to-end benchmarks: 256 MiB, as in
// the quality bar.
const benchSize = 256 << 20

// cryptoLimitMBps measures one SHA-256 pass plus one AES-256-CTR pass over
// 32 KiB blocks on this machine, in MB/s: the speed a block codec that hashed
// once and encrypted once could reach (the same limit keys' benchmarks use).
func cryptoLimitMBps() float64 {
	buf := make([]byte, 32<<10)
	c, _ := aes.NewCipher(make([]byte, 32))
	iv := make([]byte, aes.BlockSize)
	const rounds = 2000
	start := time.Now()
	for i := 0; i < rounds; i++ {
		sha256.Sum256(buf)
		cipher.NewCTR(c, iv).XORKeyStream(buf, buf)
	}
	return float64(rounds*len(buf)) / time.Since(start).Seconds() / 1e6
}

func reportE2E(b *testing.B, elapsed time.Duration) {
	mbps := float64(benchSize) * float64(b.N) / elapsed.Seconds() / 1e6
	b.ReportMetric(mbps, "MB/s")
	b.ReportMetric(mbps/cryptoLimitMBps(), "of-crypto-limit")
}

// BenchmarkFCPPut256MiB inserts 256 MiB of random data through a node's FCP
// server on loopback, as `hams put` does: ClientPut UploadFrom=direct.
//
// The data is generated before the timer starts (as a file would sit in the
// page cache), so the measurement does not include a random generator
// competing with the node for the two cores.
func BenchmarkFCPPut256MiB(b *testing.B) {
	data := make([]byte, benchSize)
	prepare := func(i int) { io.ReadFull(randReader(uint64(i), benchSize), data) }
	benchPuts(b, "", prepare, func(c *fcpclient.Client, i int) error {
		_, err := c.Put(context.Background(), bytes.NewReader(data), benchSize, fcpclient.PutOptions{})
		return err
	})
}

// benchPuts runs put b.N times, each into a fresh node (so nothing is
// already stored), with a client that passed TestDDA for ddaDir if it is not
// empty, and reports the time spent in put alone. prepare, if not nil, runs
// before each put, untimed.
func benchPuts(b *testing.B, ddaDir string, prepare func(i int), put func(c *fcpclient.Client, i int) error) {
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		n := startNode(b, b.TempDir())
		c := dial(b, n)
		if ddaDir != "" {
			if r, w, err := c.TestDDA(context.Background(), ddaDir, true, true); err != nil || !r || !w {
				b.Fatal(r, w, err)
			}
		}
		if prepare != nil {
			prepare(i)
		}
		b.StartTimer()
		start := time.Now()
		if err := put(c, i); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		c.Close()
		n.Close()
	}
	reportE2E(b, elapsed)
}

// BenchmarkFCPGet256MiB fetches a 256 MiB file (inserted beforehand) through
// a node's FCP server on loopback, as `hams get` does: ClientGet
// ReturnType=direct, AllData streamed to the caller.
func BenchmarkFCPGet256MiB(b *testing.B) {
	ctx := context.Background()
	n := startNode(b, b.TempDir())
	defer n.Close()
	c := dial(b, n)
	defer c.Close()
	uri, err := c.Put(ctx, randReader(99, benchSize), benchSize, fcpclient.PutOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := c.Get(ctx, uri, io.Discard, fcpclient.GetOptions{})
		if err != nil || res.Size != benchSize {
			b.Fatal(res.Size, err)
		}
		elapsed += time.Since(start)
	}
	reportE2E(b, elapsed)
}

// BenchmarkFCPPutDisk256MiB is `hams put FILE` after TestDDA: the node reads
// the file itself (UploadFrom=disk).
func BenchmarkFCPPutDisk256MiB(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "in.bin")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(f, randReader(3, benchSize))
	f.Close()
	benchPuts(b, dir, nil, func(c *fcpclient.Client, _ int) error {
		_, err := c.PutFile(context.Background(), src, fcpclient.PutOptions{})
		return err
	})
}

// BenchmarkFCPGetDisk256MiB is `hams get -o FILE` after TestDDA: the node
// writes the file itself (ReturnType=disk).
func BenchmarkFCPGetDisk256MiB(b *testing.B) {
	ctx := context.Background()
	n := startNode(b, b.TempDir())
	defer n.Close()
	dir := b.TempDir()
	c := dial(b, n)
	defer c.Close()
	if r, w, err := c.TestDDA(ctx, dir, true, true); err != nil || !r || !w {
		b.Fatal(r, w, err)
	}
	uri, err := c.Put(ctx, randReader(98, benchSize), benchSize, fcpclient.PutOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		dst := filepath.Join(dir, "out"+strconv.Itoa(i))
		start := time.Now()
		res, err := c.GetFile(ctx, uri, dst, fcpclient.GetOptions{})
		if err != nil || res.Size != benchSize {
			b.Fatal(res.Size, err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
	reportE2E(b, elapsed)
}
