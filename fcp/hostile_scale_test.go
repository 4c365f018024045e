package fcp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// Hostile clients at scale: a child process (this test binary, see
// TestMain) opens n connections of each kind of attacker to a server, and
// the test measures the server's memory and a normal client's put and get
// meanwhile. tools/fcpflood does the same against a running node.

// attack is one kind of hostile client; the child sends what it returns
// after its ClientHello.
type attack struct {
	name string
	// part is what connection i sends after ClientHello, then it sends
	// nothing more.
	part func(i int) []byte
}

// hostile are the attacks of the issue "Memory under hostile clients", at
// the sizes the child is told (env HAMS_FCP_HOSTILE_*).
func hostileAttacks() map[string]attack {
	uploadTotal := envInt("HAMS_FCP_HOSTILE_UPLOAD", 1<<20)
	uploadSent := uploadTotal * 9 / 10
	headerBytes := envInt("HAMS_FCP_HOSTILE_HEADER", 256<<10)
	fieldCount := envInt("HAMS_FCP_HOSTILE_FIELDS", 10000)
	payload := bytes.Repeat([]byte("0123456789abcdef"), uploadSent/16+1)[:uploadSent]
	var hb bytes.Buffer
	val := strings.Repeat("v", 100)
	for i := 0; hb.Len() < headerBytes; i++ {
		fmt.Fprintf(&hb, "F%08d=%s\n", i, val)
	}
	var fb bytes.Buffer
	fb.WriteString("Void\n")
	for i := 0; i < fieldCount; i++ {
		fmt.Fprintf(&fb, "F%d=x\n", i)
	}
	fb.WriteString("EndMessage\n")
	return map[string]attack{
		// A ClientPut that stops after 90% of its data.
		"upload": {"upload", func(i int) []byte {
			h := fmt.Sprintf("ClientPut\nURI=CHK@\nIdentifier=u%d\nUploadFrom=direct\nDataLength=%d\nData\n", i, uploadTotal)
			return append([]byte(h), payload...)
		}},
		// A header that grows and stops before its end marker.
		"headers": {"headers", func(i int) []byte {
			return append([]byte(fmt.Sprintf("ClientPut\nURI=CHK@\nIdentifier=h%d\n", i)), hb.Bytes()...)
		}},
		// Half a message, as much of it as is not charged to the budget
		// (FreeHeaderBytes), then silence.
		"stall": {"stall", func(i int) []byte {
			return []byte(fmt.Sprintf("ClientGet\nURI=KSK@stall\nIdentifier=s%d\n%sVerbos", i, freeFields))
		}},
		// One complete message of many fields (parse cost).
		"fields": {"fields", func(i int) []byte { return fb.Bytes() }},
	}
}

// freeFields are field lines that cost (fcpwire.HeaderCost) almost all of
// the default FreeHeaderBytes.
var freeFields = func() string {
	var b strings.Builder
	for i := 0; fcpwire.HeaderCost(b.Len(), i+4) < DefaultFreeHeaderBytes-200; i++ {
		fmt.Fprintf(&b, "Junk%02d=%s\n", i, strings.Repeat("j", 24))
	}
	return b.String()
}()

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// hostileSwarm is the child process: it opens HAMS_FCP_HOSTILE_N
// connections of each kind in HAMS_FCP_HOSTILE (comma-separated) to addr,
// prints "ready BYTES" (what it sent in all) and holds them until stdin
// closes.
func hostileSwarm(addr string) {
	n := envInt("HAMS_FCP_HOSTILE_N", 100)
	attacks := hostileAttacks()
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	var (
		mu    sync.Mutex
		conns []net.Conn
		sent  atomic.Int64
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 32)
	)
	for _, kind := range strings.Split(os.Getenv("HAMS_FCP_HOSTILE"), ",") {
		a, ok := attacks[kind]
		if !ok {
			fmt.Println("unknown attack", kind)
			os.Exit(1)
		}
		for i := 0; i < n; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					fmt.Println("dial:", err)
					os.Exit(1)
				}
				mu.Lock()
				conns = append(conns, nc)
				mu.Unlock()
				msg := append([]byte(fmt.Sprintf("ClientHello\nName=%s-%d\nExpectedVersion=2.0\nEndMessage\n", a.name, i)), a.part(i)...)
				w, err := nc.Write(msg)
				sent.Add(int64(w))
				if err != nil {
					fmt.Println("write:", err)
					os.Exit(1)
				}
				go io.Copy(io.Discard, nc)
			}()
		}
	}
	wg.Wait()
	fmt.Println("ready", sent.Load())
	io.Copy(io.Discard, os.Stdin)
	for _, nc := range conns {
		nc.Close()
	}
}

// swarm runs the child against addr until stop is called.
type swarm struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	sent  int64
}

func startSwarm(t testing.TB, addr string, kinds []string, n int, env ...string) *swarm {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HAMS_FCP_HOSTILE_SWARM="+addr, "HAMS_FCP_HOSTILE="+strings.Join(kinds, ","),
		"HAMS_FCP_HOSTILE_N="+strconv.Itoa(n))
	cmd.Env = append(cmd.Env, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sw := &swarm{cmd: cmd, stdin: stdin}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if sw.sent, err = strconv.ParseInt(v, 10, 64); !ok || err != nil {
		sw.stop(t)
		t.Fatalf("swarm: %q", line)
	}
	return sw
}

func (sw *swarm) stop(t testing.TB) {
	sw.stdin.Close()
	if err := sw.cmd.Wait(); err != nil {
		t.Errorf("swarm: %v", err)
	}
}

// heldMemory is what the process holds for objects and stacks, after two
// collections (the second empties the pools of free buffers).
func heldMemory() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// attackUnderway starts a swarm of n connections of each of kinds against
// h's server on TCP, waits until the server has read all they sent, and
// returns it and the memory held with them.
func attackUnderway(t testing.TB, h *harness, addr string, kinds []string, n int) (*swarm, int64) {
	t.Helper()
	base := h.s.inBytes.Load()
	sw := startSwarm(t, addr, kinds, n)
	waitForUpTo(t, 30*time.Minute, "attack read", func() bool { return h.s.inBytes.Load()-base >= sw.sent })
	return sw, heldMemory()
}

// putGet puts data and gets it back over c, as a normal client does.
func putGet(t testing.TB, c *tclient, id string, data string) {
	t.Helper()
	c.sendData("ClientPut", data, "URI", "CHK@", "Identifier", "p"+id)
	uri := c.expect("URIGenerated").Get("URI")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	c.send("ClientGet", "URI", uri, "Identifier", "g"+id)
	c.expect("DataFound")
	if got := c.expect("AllData"); got.DataLength != int64(len(data)) {
		t.Fatalf("got %d bytes back", got.DataLength)
	}
}

func dialNormal(t testing.TB, addr, name string) *tclient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := newTClient(t, nc)
	c.send("ClientHello", "Name", name, "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	return c
}

// TestHostileClients: n connections of each kind of attacker at once
// (stalled uploads, growing headers, half messages, messages of 10,000
// fields) hold no more than the documented bound, Config.MemoryBound:
// MaxBufferedBytes plus 16 KiB per connection. A normal client's put and get go through
// meanwhile, and once the attackers leave nothing is held.
func TestHostileClients(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	kinds := []string{"upload", "headers", "stall", "fields"}
	conns := n * len(kinds)
	raiseFDLimit(t, uint64(2*conns+1000))
	cfg := testConfig(t)
	cfg.MaxBufferedBytes = 16 << 20
	cfg.StreamCharge = 1 << 20 // so that some uploads stream
	h := newHarness(t, cfg)
	addr := serveTCP(t, h)
	base := heldMemory()

	sw, held := attackUnderway(t, h, addr, kinds, n)
	grew := held - base
	// The fake backend reads a streamed upload with io.ReadAll, whose
	// buffer grows past the StreamCharge it is charged by up to a quarter:
	// that is the backend's, beyond the server's bound.
	bound := cfg.MemoryBound(conns) + cfg.MaxBufferedBytes/4
	t.Logf("%d hostile connections: memory held grew by %.1f MB (%.1f KiB per connection beyond the %d MiB budget, in use %.1f MB); bound %.1f MB",
		conns, float64(grew)/1e6, float64(grew-h.s.BufferedBytes())/float64(conns)/1024, cfg.MaxBufferedBytes>>20,
		float64(h.s.BufferedBytes())/1e6, float64(bound)/1e6)
	if grew > bound && !raceEnabled {
		t.Errorf("memory held grew by %d bytes under attack, over the bound %d", grew, bound)
	}
	if used := h.s.BufferedBytes(); used > cfg.MaxBufferedBytes {
		t.Errorf("budget overrun: %d in use", used)
	}

	c := dialNormal(t, addr, "normal")
	putGet(t, c, "1", strings.Repeat("n", 64<<10))
	c.conn.Close()

	sw.stop(t)
	waitFor(t, "attackers gone", func() bool { return h.s.NumConns() == 0 })
	waitFor(t, "budget released", func() bool { return h.s.BufferedBytes() == 0 })
}

// BenchmarkPutGetUnderAttack times a normal client's ClientPut+ClientGet of
// 64 KiB under each attack (HAMS_FCP_FLOOD_N connections, default 200) and
// with none, with the default configuration, and reports the memory the
// attack holds (MB-held: heap and stacks after a collection, beyond the
// unloaded server's).
//
//	HAMS_FCP_FLOOD_N=5000 go test ./fcp -run '^$' -bench PutGetUnderAttack -benchtime 50x
func BenchmarkPutGetUnderAttack(b *testing.B) {
	n := envInt("HAMS_FCP_FLOOD_N", 200)
	data := strings.Repeat("d", 64<<10)
	for _, kind := range []string{"none", "upload", "headers", "stall", "fields", "all"} {
		b.Run(kind, func(b *testing.B) {
			kinds := []string{kind}
			switch kind {
			case "none":
				kinds = nil
			case "all":
				kinds = []string{"upload", "headers", "stall", "fields"}
			}
			raiseFDLimit(b, uint64(2*n*max(1, len(kinds))+1000))
			cfg := testConfig(b)
			// Keep every attacker for the measure, however long sending
			// takes at scale.
			cfg.StallTimeout = time.Hour
			h := newHarness(b, cfg)
			addr := serveTCP(b, h)
			base := heldMemory()
			held := base
			var sw *swarm
			if kinds != nil {
				sw, held = attackUnderway(b, h, addr, kinds, n)
			}
			c := dialNormal(b, addr, "normal")
			i := 0
			for b.Loop() {
				i++
				putGet(b, c, strconv.Itoa(i), data)
			}
			b.ReportMetric(float64(held-base)/1e6, "MB-held")
			b.ReportMetric(float64(n*len(kinds)), "attackers")
			c.conn.Close()
			if sw != nil {
				sw.stop(b)
			}
			waitFor(b, "connections closed", func() bool { return h.s.NumConns() == 0 })
		})
	}
}
