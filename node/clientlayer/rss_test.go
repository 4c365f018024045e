package clientlayer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
)

// TestRSS inserts and fetches a 256 MiB file in a child process (so the
// test binary's own memory does not count) and checks its peak resident
// size (VmHWM) stays under 200 MB.
func TestRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("RSS measurement skipped with -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	for _, pebble := range []string{"default", "small"} {
		dir := t.TempDir()
		var uri string
		for _, op := range []string{"insert", "fetch"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.v")
			cmd.Env = append(os.Environ(), "HAMS_RSS_CHILD="+op, "HAMS_RSS_DIR="+dir, "HAMS_RSS_PEBBLE="+pebble, "HAMS_RSS_URI="+uri)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s child: %v\n%s", op, err, out)
			}
			if op == "insert" {
				j := strings.Index(string(out), "URI: ")
				if j < 0 {
					t.Fatalf("no URI in child output:\n%s", out)
				}
				uri = strings.Fields(string(out[j+5:]))[0]
			}
			i := strings.Index(string(out), "VmHWM:")
			if i < 0 {
				t.Fatalf("no VmHWM in child output:\n%s", out)
			}
			var kb int64
			fmt.Sscanf(string(out[i+len("VmHWM:"):]), "%d", &kb)
			t.Logf("%s 256 MiB, Pebble %s: peak RSS %d MB (%s)", op, pebble, kb*1024/1e6,
				bytes.TrimSpace(out[strings.Index(string(out), "go runtime"):i]))
			// With Pebble's default memtables and cache the datastore alone
			// takes about 190 MB outside the Go heap; the bound is checked
			// with the small datastore configuration, which isolates this
			// layer.
			if pebble == "small" && kb*1024 > 200e6 {
				t.Errorf("%s: peak RSS %d MB over 200 MB", op, kb*1024/1e6)
			}
		}
	}
}

// chachaReader streams n deterministic pseudo-random bytes.
type chachaReader struct {
	r *rand.ChaCha8
	n int64
}

func (c *chachaReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.n)]
	c.r.Read(p)
	c.n -= int64(len(p))
	return len(p), nil
}

func TestRSSChild(t *testing.T) {
	op := os.Getenv("HAMS_RSS_CHILD")
	if op == "" {
		t.Skip("run by TestRSS")
	}
	const size = 256 << 20
	ds, err := datastore.Open(os.Getenv("HAMS_RSS_DIR"), rssStoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	c := newClient(t, NewLocalStore(ds), Config{})
	if op == "insert" {
		src := &chachaReader{r: rand.NewChaCha8([32]byte{1}), n: size}
		u, err := c.Insert(context.Background(), src, InsertOptions{URI: chkURI})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("URI:", u)
	} else {
		u, err := keys.Parse(os.Getenv("HAMS_RSS_URI"))
		if err != nil {
			t.Fatal(err)
		}
		var h hashWriter
		if _, err := c.Fetch(context.Background(), u, &h, FetchOptions{}); err != nil {
			t.Fatal(err)
		}
		var want hashWriter
		io.Copy(&want, &chachaReader{r: rand.NewChaCha8([32]byte{1}), n: size})
		if !bytes.Equal(h.sum(), want.sum()) {
			t.Fatal("fetched data differs")
		}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("go runtime: sys %d MB, heap in use %d MB\n", ms.Sys>>20, ms.HeapInuse>>20)
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println(line)
		}
	}
}

// rssStoreConfig is the datastore configuration of the RSS child: Pebble's
// defaults (64 MiB memtables, up to two at once, and a 64 MiB block cache:
// about 190 MB outside the Go heap) unless HAMS_RSS_PEBBLE=small, which
// uses 16 MiB each, to show the client layer's own share.
func rssStoreConfig() datastore.Config {
	cfg := datastore.Config{StoreBytes: 4 << 30, ScrubBytesPerSecond: -1}
	if os.Getenv("HAMS_RSS_PEBBLE") == "small" {
		cfg.MemTableBytes, cfg.BlockCacheBytes = 16<<20, 16<<20
	}
	return cfg
}
