package clientlayer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/hamsnet/hams/datastore"
)

// benchStore opens a datastore large enough for the benchmark's blocks.
func benchStore(b *testing.B) *datastore.Store {
	ds, err := datastore.Open(b.TempDir(), datastore.Config{StoreBytes: 16 << 30, ScrubBytesPerSecond: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ds.Close() })
	return ds
}

// BenchmarkInsert inserts incompressible data into a real datastore.
func BenchmarkInsert(b *testing.B) {
	for _, mib := range []int{64, 256} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			data := randBytes(uint64(mib), mib<<20)
			ds := benchStore(b)
			c := newClient(b, NewLocalStore(ds), Config{})
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Fresh data each iteration: every block is new to the store.
				b.StopTimer()
				rand.NewChaCha8([32]byte{byte(i), byte(mib)}).Read(data)
				b.StartTimer()
				if _, err := c.Insert(context.Background(), bytes.NewReader(data), InsertOptions{URI: chkURI}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFetch fetches incompressible data from a real datastore.
func BenchmarkFetch(b *testing.B) {
	for _, mib := range []int{64, 256} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			data := randBytes(uint64(mib), mib<<20)
			ds := benchStore(b)
			c := newClient(b, NewLocalStore(ds), Config{})
			u, err := c.Insert(context.Background(), bytes.NewReader(data), InsertOptions{URI: chkURI})
			if err != nil {
				b.Fatal(err)
			}
			data = nil
			b.SetBytes(int64(mib << 20))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Fetch(context.Background(), u, io.Discard, FetchOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsertCHKOnly measures the client layer alone: compression
// check, Reed-Solomon and CHK encoding of every block, nothing stored.
func BenchmarkInsertCHKOnly(b *testing.B) {
	data := randBytes(3, 256<<20)
	c := newClient(b, newMemStore(), Config{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Insert(context.Background(), bytes.NewReader(data), InsertOptions{URI: chkURI, GetCHKOnly: true}); err != nil {
			b.Fatal(err)
		}
	}
}
