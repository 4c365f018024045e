// Command fcpflood loads a node's FCP port with hostile clients and measures
// what a well-behaved client sees meanwhile (docs/fcp.md, "Hostile
// clients"). It is the full-scale counterpart of the fcp package's
// TestHostileClients.
//
//	fcpflood -addr 127.0.0.1:9481 -pid $(pidof hams) -kind all -n 5000
//
// Kinds of attacker (each says ClientHello first):
//
//   - upload: a ClientPut of 4 MiB of direct data that stops after 3.9 MiB;
//   - headers: a ClientPut whose header grows to 7 MB of fields
//     (-header-bytes) and stops;
//   - stall: half a ClientGet (about 3.5 KiB of header), then nothing;
//   - fields: one complete message of 65,530 distinct fields (parse cost);
//   - all: n of each at once.
//
// It first times -rounds ClientPut+ClientGet of -size random bytes with no
// attack, then opens the attackers, times the same under attack, closes
// them, watches the node for -after and times the unloaded case again.
// With -control, the address of a second, identical node that is never
// attacked, every round is also run there, alternately, and the attacked
// node's times are compared with the control's, which share the machine's
// load of the moment (on a busy machine, the only fair comparison). With
// -pid it samples the attacked node's resident memory (/proc/PID/status)
// every 100 ms and prints the peaks.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

var verbose = flag.Bool("v", false, "print each normal round's hello, put and get times")

func main() {
	addr := flag.String("addr", fcpclient.DefaultAddr, "the node's FCP address")
	pid := flag.Int("pid", 0, "the node's process id, to sample its memory (0: do not)")
	control := flag.String("control", "", "the FCP address of an identical node that is not attacked, timed alternately as a control")
	kind := flag.String("kind", "all", "attack: upload, headers, stall, fields or all")
	n := flag.Int("n", 500, "attacking connections (of each kind with -kind all)")
	size := flag.Int("size", 1<<20, "bytes the normal client puts and gets per round")
	rounds := flag.Int("rounds", 5, "normal put+get rounds, unloaded and under attack")
	headerBytes := flag.Int("header-bytes", 7_000_000, "size of the header fields a headers attacker sends")
	after := flag.Duration("after", 5*time.Second, "how long to watch the node after the attackers close")
	settle := flag.Duration("settle", 2*time.Second, "wait after the attackers have sent, before timing")
	hold := flag.Duration("hold", 0, "after timing, keep the attackers connected this long (past the node's stall timeout) before counting those it closed")
	writeTimeout := flag.Duration("write-timeout", time.Minute, "how long an attacker tries to send its part (a node that stops reading must not hold the swarm up)")
	flag.Parse()
	makeHeaderFields(*headerBytes)

	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	kinds := []string{*kind}
	if *kind == "all" {
		kinds = []string{"upload", "headers", "stall", "fields"}
	}
	for _, k := range kinds {
		if attacks[k] == nil {
			fail("unknown -kind %q", k)
		}
	}

	mem := newSampler(*pid)
	defer mem.stop()

	fmt.Printf("node RSS at start: %s\n", mb(mem.rss()))
	unloaded, ctl0 := normalRounds(*addr, *control, *size, *rounds)
	normalPeak := mem.peakSince()
	fmt.Printf("unloaded: put+get of %d bytes: median %v (all %v); node RSS peak %s\n",
		*size, median(unloaded), unloaded, mb(normalPeak))
	if ctl0 != nil {
		fmt.Printf("  control node meanwhile: median %v (all %v): %.2fx\n", median(ctl0), ctl0, ratio(unloaded, ctl0))
	}

	start := time.Now()
	var swarm []net.Conn
	var sent atomic.Int64
	var failed atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, k := range kinds {
		for i := 0; i < *n; i++ {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				nc, err := net.Dial("tcp", *addr)
				<-sem
				if err != nil {
					failed.Add(1)
					return
				}
				mu.Lock()
				swarm = append(swarm, nc)
				mu.Unlock()
				nc.SetWriteDeadline(time.Now().Add(*writeTimeout))
				fmt.Fprintf(nc, "ClientHello\nName=%s-%d\nExpectedVersion=2.0\nEndMessage\n", k, i)
				if err := attacks[k](nc, i); err == nil {
					sent.Add(1)
				}
				go io.Copy(io.Discard, nc) // read what the node answers
			}()
		}
	}
	wg.Wait()
	fmt.Printf("attack %s: %d connections opened, %d sent in full, %d failed to connect, in %v\n",
		strings.Join(kinds, "+"), len(swarm), sent.Load(), failed.Load(), time.Since(start).Round(time.Millisecond))
	time.Sleep(*settle)
	fmt.Printf("node RSS with the attackers connected: %s (peak so far %s)\n", mb(mem.rss()), mb(mem.peakSince()))
	loaded, ctl := normalRounds(*addr, *control, *size, *rounds)
	loadedPeak := mem.peakSince()
	fmt.Printf("under attack: put+get median %v (all %v), %.2fx unloaded; node RSS now %s, peak %s (normal peak + %s)\n",
		median(loaded), loaded, ratio(loaded, unloaded),
		mb(mem.rss()), mb(loadedPeak), mb(loadedPeak-normalPeak))
	if ctl != nil {
		fmt.Printf("  control node meanwhile: median %v (all %v); attacked / control: %.2fx\n", median(ctl), ctl, ratio(loaded, ctl))
	}

	time.Sleep(*hold)
	alive := 0
	one := make([]byte, 1)
	for _, nc := range swarm {
		nc.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := nc.Read(one); err == nil || isTimeout(err) {
			alive++
		}
	}
	fmt.Printf("attacking connections the node still holds open after %v more: %d of %d\n", *hold, alive, len(swarm))
	for _, nc := range swarm {
		nc.Close()
	}
	time.Sleep(*after)
	fmt.Printf("%v after the attackers closed: node RSS %s, peak since the start %s, threads at most %d\n", *after, mb(mem.rss()), mb(mem.peak()), mem.threads)
	// The machine's load drifts: time the unloaded case again and compare
	// with both.
	again, ctl2 := normalRounds(*addr, *control, *size, *rounds)
	both := append(slices.Clone(unloaded), again...)
	fmt.Printf("unloaded again: median %v (all %v); under attack / unloaded (before and after, median %v): %.2fx\n",
		median(again), again, median(both), ratio(loaded, both))
	if ctl2 != nil {
		fmt.Printf("  control node meanwhile: median %v (all %v): %.2fx\n", median(ctl2), ctl2, ratio(again, ctl2))
	}
}

// ratio compares two sets of times by their medians.
func ratio(a, b []time.Duration) float64 { return float64(median(a)) / float64(median(b)) }

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// attacks write the hostile part of a connection after its ClientHello.
var attacks = map[string]func(nc net.Conn, i int) error{
	"upload": func(nc net.Conn, i int) error {
		const total, sent = 4 << 20, 3900 << 10
		if _, err := fmt.Fprintf(nc, "ClientPut\nURI=CHK@\nIdentifier=u%d\nUploadFrom=direct\nDataLength=%d\nData\n", i, total); err != nil {
			return err
		}
		_, err := nc.Write(payload[:sent])
		return err
	},
	"headers": func(nc net.Conn, i int) error {
		if _, err := fmt.Fprintf(nc, "ClientPut\nURI=CHK@\nIdentifier=h%d\n", i); err != nil {
			return err
		}
		_, err := nc.Write(headerFields)
		return err
	},
	"stall": func(nc net.Conn, i int) error {
		// About 3.5 KiB of what a node keeps for a header (bytes plus 128
		// per field), then half a line.
		var b strings.Builder
		fmt.Fprintf(&b, "ClientGet\nURI=KSK@stall\nIdentifier=s%d\n", i)
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&b, "Junk%02d=%s\n", j, strings.Repeat("j", 24))
		}
		b.WriteString("Verbos")
		_, err := io.WriteString(nc, b.String())
		return err
	},
	"fields": func(nc net.Conn, i int) error {
		_, err := nc.Write(manyFields)
		return err
	},
}

var (
	payload      = make([]byte, 4<<20)
	headerFields []byte // -header-bytes of field lines, no end marker
	manyFields   []byte // a complete message of 65,530 fields
)

func init() {
	rand.Read(payload)
	var f bytes.Buffer
	f.WriteString("Void\n")
	for i := 0; i < 65530; i++ {
		fmt.Fprintf(&f, "F%d=x\n", i)
	}
	f.WriteString("EndMessage\n")
	manyFields = f.Bytes()
}

// makeHeaderFields makes the headers attack's n bytes of 111-byte field
// lines.
func makeHeaderFields(n int) {
	var b bytes.Buffer
	val := strings.Repeat("v", 100)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "F%08d=%s\n", i, val)
	}
	headerFields = b.Bytes()
}

// normalRounds times rounds of ClientPut then ClientGet of size fresh
// random bytes, each over a new connection, at addr and (alternately, when
// not "") at control.
func normalRounds(addr, control string, size, rounds int) (at, ctl []time.Duration) {
	data := make([]byte, size)
	for i := 0; i < rounds; i++ {
		at = append(at, putGet(addr, data, i))
		if control != "" {
			ctl = append(ctl, putGet(control, data, i))
		}
	}
	return at, ctl
}

// putGet times one ClientPut and ClientGet of fresh random data at addr.
func putGet(addr string, data []byte, i int) time.Duration {
	rand.Read(data)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := fcpclient.Dial(ctx, addr, "fcpflood-normal-"+strconv.Itoa(i))
	if err != nil {
		fail("normal client: %v", err)
	}
	defer c.Close()
	t1 := time.Now()
	uri, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{})
	if err != nil {
		fail("normal client: put: %v", err)
	}
	t2 := time.Now()
	var got bytes.Buffer
	if _, err := c.Get(ctx, uri, &got, fcpclient.GetOptions{}); err != nil {
		fail("normal client: get: %v", err)
	}
	d := time.Since(t0)
	if *verbose {
		fmt.Printf("  %s round %d: hello %v put %v get %v\n", addr, i, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))
	}
	if !bytes.Equal(got.Bytes(), data) {
		fail("normal client: got other data back")
	}
	return d.Round(time.Millisecond)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// sampler polls a process's resident memory.
type sampler struct {
	pid     int
	mu      sync.Mutex
	max     int64 // since the start
	win     int64 // since the last peakSince
	threads int64 // the most threads seen
	done    chan struct{}
	wg      sync.WaitGroup
}

func newSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	if pid == 0 {
		return s
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-t.C:
			case <-s.done:
				return
			}
		}
	}()
	return s
}

func (s *sampler) sample() int64 {
	v, th := s.read()
	s.mu.Lock()
	s.max, s.win, s.threads = max(s.max, v), max(s.win, v), max(s.threads, th)
	s.mu.Unlock()
	return v
}

// read returns the process's resident memory and threads.
func (s *sampler) read() (rss, threads int64) {
	if s.pid == 0 {
		return 0, 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb << 10
		}
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			threads, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return rss, threads
}

func (s *sampler) rss() int64 { return s.sample() }

// peakSince returns the peak since the previous call and starts a new window.
func (s *sampler) peakSince() int64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.win
	s.win = 0
	return p
}

func (s *sampler) peak() int64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

func (s *sampler) stop() {
	close(s.done)
	s.wg.Wait()
}

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fcpflood: "+format+"\n", args...)
	os.Exit(1)
}
