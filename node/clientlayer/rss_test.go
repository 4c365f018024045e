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
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
)

// rssBound is the peak resident size (VmHWM) under which the client layer
// inserts and fetches a 256 MiB file with the node's datastore settings
// (rssStoreConfig "small": 16 MiB memtables and block cache, as node uses),
// the hams binary's malloc arenas and GOMAXPROCS=2: node.go's "well under
// 200 MB". Measured: 145-165 MB for an insert, 115-150 MB for a fetch.
const rssBound = 200e6

// rssProcs is the GOMAXPROCS of the RSS children. The client layer's
// parallelism, and so the segments it holds at once, follows GOMAXPROCS:
// the bound is checked at a fixed value so that it means the same on every
// machine.
const rssProcs = "2"

// rssMallocArenas is the MALLOC_ARENA_MAX of the RSS children unless the
// environment sets it: the 2 glibc malloc arenas the hams binary allows
// (tools/hams/malloc_glibc.go). With glibc's default, 8 per core, Pebble's
// C memory left in per-thread arenas made the fetch child's peak vary from
// 140 to over 200 MB from run to run.
const rssMallocArenas = "2"

// TestRSS inserts and fetches a 256 MiB file in a child process (so the
// test binary's own memory does not count), with the node's datastore
// settings and malloc arenas and GOMAXPROCS=2, and checks that each child's
// peak resident size (VmHWM) stays under rssBound: the client layer streams
// the file through a bounded number of segments instead of holding it.
// BenchmarkRSS reports the figures, with Pebble's default settings too.
func TestRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("RSS measurement skipped with -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	figs := rssRun(t, "small")
	for _, op := range []string{"insert", "fetch"} {
		rss := figs[op]
		t.Logf("%s 256 MiB: peak RSS %d MB, bound %d MB (%s)", op, rss.bytes/1e6, int64(rssBound/1e6), rss.runtime)
		if rss.bytes > rssBound {
			t.Errorf("%s 256 MiB: peak RSS %d MB over %d MB", op, rss.bytes/1e6, int64(rssBound/1e6))
		}
	}
}

// BenchmarkRSS reports the peak resident size (VmHWM) of a child process
// that inserts a 256 MiB file, and of one that fetches it, as the metrics
// insert-peak-MB and fetch-peak-MB (the highest over b.N runs), with
// Pebble's default settings (64 MiB memtables and block cache: about 190 MB
// outside the Go heap) and with the node's (small); GOMAXPROCS and malloc
// arenas as in TestRSS.
func BenchmarkRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("no /proc")
	}
	for _, pebble := range []string{"default", "small"} {
		b.Run("pebble="+pebble, func(b *testing.B) {
			peak := map[string]int64{}
			for b.Loop() {
				for op, rss := range rssRun(b, pebble) {
					peak[op] = max(peak[op], rss.bytes)
				}
			}
			for op, v := range peak {
				b.ReportMetric(float64(v)/1e6, op+"-peak-MB")
			}
		})
	}
}

// rssFigure is what an RSS child reported.
type rssFigure struct {
	bytes   int64  // peak resident size (VmHWM)
	runtime string // the Go runtime's figures, for the log
}

// rssRun inserts a 256 MiB file in one child process (TestRSSChild) and
// fetches it in another, with the datastore settings pebble (see
// rssStoreConfig), GOMAXPROCS=rssProcs and the hams binary's malloc arenas
// (rssMallocArenas), and returns each child's figures by operation,
// "insert" and "fetch".
func rssRun(t testing.TB, pebble string) map[string]rssFigure {
	t.Helper()
	dir := t.TempDir()
	env := append(os.Environ(), "GOMAXPROCS="+rssProcs)
	if _, ok := os.LookupEnv("MALLOC_ARENA_MAX"); !ok {
		env = append(env, "MALLOC_ARENA_MAX="+rssMallocArenas)
	}
	figs := map[string]rssFigure{}
	var uri string
	for _, op := range []string{"insert", "fetch"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.v")
		cmd.Env = append(slices.Clip(env), "HAMS_RSS_CHILD="+op, "HAMS_RSS_DIR="+dir, "HAMS_RSS_PEBBLE="+pebble, "HAMS_RSS_URI="+uri)
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
		g := strings.Index(string(out), "go runtime")
		if i < 0 || g < 0 || g > i {
			t.Fatalf("no VmHWM or runtime figures in child output:\n%s", out)
		}
		var kb int64
		if _, err := fmt.Sscanf(string(out[i+len("VmHWM:"):]), "%d", &kb); err != nil || kb <= 0 {
			t.Fatalf("bad VmHWM in child output (%v):\n%s", err, out)
		}
		figs[op] = rssFigure{bytes: kb * 1024, runtime: string(bytes.TrimSpace(out[g:i]))}
	}
	return figs
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
		t.Skip("run by TestRSS and BenchmarkRSS")
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
// uses 16 MiB each, as a node does (node.go), to show the client layer's
// own share.
func rssStoreConfig() datastore.Config {
	cfg := datastore.Config{StoreBytes: 4 << 30, ScrubBytesPerSecond: -1}
	if os.Getenv("HAMS_RSS_PEBBLE") == "small" {
		cfg.MemTableBytes, cfg.BlockCacheBytes = 16<<20, 16<<20
	}
	return cfg
}
