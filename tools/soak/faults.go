package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Fault timing.
const (
	// cutTick is how often the sockets of a cut node are reset: the node
	// redials at once, so its links stay down only if every new one is
	// reset too.
	cutTick = 300 * time.Millisecond
	// tmpfsSpare is the room a disk-fill node's tmpfs has beyond its
	// store and cache regions: the datastore keeps twice its reserve free
	// (64 MiB on a small file system; below it the cache takes no new
	// blocks) and needs room for its memtables (2 × 16 MiB in a node), its
	// ballast (16 MiB) and Pebble's files beyond the blocks' bytes (with
	// 256 MiB the node ran short of space before the fill).
	// fillStoreMax caps that node's store size.
	tmpfsSpare   = 512 << 20
	fillStoreMax = 64 << 20
)

// faults kills nodes, cuts links and fills a disk.
type faults struct {
	cfg  config
	c    *cluster
	ev   *eventLog
	logf func(string, ...any)

	mu       sync.Mutex
	killing  int // the node killed and not yet restarted; -1 none
	cutting  int // the node whose links are cut; -1 none
	cutsOK   bool
	resets   int // sockets reset by cuts
	fillNode int // the node on a tmpfs; -1 none
	mount    string
	filled   int64 // bytes the filler wrote
}

func newFaults(cfg config, c *cluster, ev *eventLog, logf func(string, ...any)) *faults {
	return &faults{cfg: cfg, c: c, ev: ev, logf: logf, killing: -1, cutting: -1, fillNode: -1}
}

// isRoot reports whether the root-only faults can run.
func isRoot() bool { return os.Geteuid() == 0 }

// setupCuts checks that links can be cut: root and ss.
func (f *faults) setupCuts() {
	if f.cfg.cutEvery == 0 {
		return
	}
	if !isRoot() {
		f.logf("skipping link cuts: resetting another process's sockets (ss -K) needs root")
		return
	}
	if _, err := exec.LookPath("ss"); err != nil {
		f.logf("skipping link cuts: ss (iproute2) not found")
		return
	}
	f.cutsOK = true
}

// setupFill puts node's directory on a tmpfs of its store size plus
// tmpfsSpare, before the node first starts. It returns false (and logs
// why) when it cannot.
func (f *faults) setupFill(node int) bool {
	if !isRoot() {
		f.logf("skipping --fill-disk: mounting a tmpfs needs root")
		return false
	}
	n := f.c.nodes[node]
	size, _ := parseSize(n.storeSize)
	size = min(size, fillStoreMax)
	n.storeSize = strconv.FormatInt(size, 10)
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		f.logf("skipping --fill-disk: %v", err)
		return false
	}
	tmpfs := size + size/4 + tmpfsSpare // store, cache (a quarter of the store, as a node sets it), spare
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", tmpfs), "tmpfs", n.dir).CombinedOutput()
	if err != nil {
		f.logf("skipping --fill-disk: mount tmpfs on %s: %v %s", n.dir, err, bytes.TrimSpace(out))
		return false
	}
	f.fillNode, f.mount = node, n.dir
	f.logf("node %d lives on a %d MiB tmpfs (store %d MiB), to be filled from %s for %v",
		node, tmpfs>>20, size>>20, fmtOffset(f.cfg.duration/3), f.cfg.fillFor)
	return true
}

// unmount removes the tmpfs (every node stopped); with keep, its files
// are copied first to DIR/node-K.tmpfs.
func (f *faults) unmount(keep bool) {
	if f.mount == "" {
		return
	}
	if keep {
		dst := f.mount + ".tmpfs"
		if out, err := exec.Command("cp", "-a", f.mount, dst).CombinedOutput(); err != nil {
			f.logf("copying %s: %v %s", f.mount, err, bytes.TrimSpace(out))
		} else {
			f.logf("node %d's directory (on the tmpfs) copied to %s", f.fillNode, dst)
		}
	}
	if out, err := exec.Command("umount", f.mount).CombinedOutput(); err != nil {
		f.logf("umount %s: %v %s", f.mount, err, bytes.TrimSpace(out))
		return
	}
	f.mount = ""
}

// run runs the faults until ctx ends; the killed node is started again
// and cut links released before it returns.
func (f *faults) run(ctx context.Context) {
	var wg sync.WaitGroup
	if f.cfg.killEvery > 0 {
		wg.Go(func() { f.killLoop(ctx) })
	}
	if f.cutsOK {
		wg.Go(func() { f.cutLoop(ctx) })
	}
	if f.fillNode >= 0 {
		wg.Go(func() { f.fill(ctx) })
	}
	wg.Wait()
}

// killLoop kills a random running node every --kill-every on average (each
// wait drawn from half to one and a half times it, so that kills do not
// keep step with the nodes' own timers) and starts it again after
// --kill-down plus up to 3 s.
func (f *faults) killLoop(ctx context.Context) {
	rng := mrand.New(mrand.NewPCG(f.cfg.seed, 0x6b696c6c))
	for {
		sleepCtx(ctx, time.Duration((0.5+rng.Float64())*float64(f.cfg.killEvery)))
		if ctx.Err() != nil {
			return
		}
		run := f.c.running()
		if len(run) == 0 {
			continue
		}
		n := f.c.nodes[run[rng.IntN(len(run))]]
		down := f.cfg.killDown + time.Duration(rng.IntN(3000))*time.Millisecond
		f.mu.Lock()
		f.killing = n.i
		f.mu.Unlock()
		if f.c.kill(n) {
			sleepCtx(ctx, down) // ended early at the run's end: restarted at once
			if err := f.c.restart(n); err != nil {
				f.logf("restarting node %d: %v", n.i, err)
			}
		}
		f.mu.Lock()
		f.killing = -1
		f.mu.Unlock()
	}
}

// cutLoop cuts a random running node's peer links every --cut-every for
// --cut-for: every cutTick it resets each TCP connection of the node's
// peer links (ss -K), both the ones peers dialled and the ones it dialled.
func (f *faults) cutLoop(ctx context.Context) {
	rng := mrand.New(mrand.NewPCG(f.cfg.seed, 0x637574))
	t := time.NewTicker(f.cfg.cutEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		run := f.c.running()
		if len(run) == 0 {
			continue
		}
		n := f.c.nodes[run[rng.IntN(len(run))]]
		f.mu.Lock()
		f.cutting = n.i
		f.mu.Unlock()
		f.ev.add(n.i, "cut", fmt.Sprintf("cut node %d's links for %v", n.i, f.cfg.cutFor))
		end := time.Now().Add(f.cfg.cutFor)
		resets := 0
		for time.Now().Before(end) && ctx.Err() == nil {
			k, err := f.cutOnce(n)
			if err != nil {
				f.logf("cutting node %d's links: %v; no more cuts", n.i, err)
				f.mu.Lock()
				f.cutsOK = false
				f.mu.Unlock()
				break
			}
			resets += k
			sleepCtx(ctx, cutTick)
		}
		f.mu.Lock()
		f.cutting = -1
		f.resets += resets
		ok := f.cutsOK
		f.mu.Unlock()
		f.ev.add(n.i, "uncut", fmt.Sprintf("node %d's links restored (%d connections reset)", n.i, resets))
		if !ok {
			return
		}
	}
}

// ssLine matches a line of "ss -tnpH state established": local and remote
// address, then the users (pid=…).
var ssLine = regexp.MustCompile(`^\s*\d+\s+\d+\s+(\S+):(\d+)\s+(\S+):(\d+)\s*(.*)$`)
var ssPid = regexp.MustCompile(`pid=(\d+)`)

// cutOnce resets every established connection of n's peer links: the
// ones to its peer port, and the ones its process holds to another node's
// peer port. FCP connections are left alone. It returns how many it reset.
func (f *faults) cutOnce(n *nodeProc) (int, error) {
	pid := n.pid()
	if pid == 0 {
		return 0, nil
	}
	_, myPort, _ := net.SplitHostPort(n.peerAddr)
	peerPorts := map[string]bool{}
	for _, m := range f.c.nodes {
		_, p, _ := net.SplitHostPort(m.peerAddr)
		peerPorts[p] = true
	}
	out, err := exec.Command("ss", "-tnpH", "state", "established").Output()
	if err != nil {
		return 0, fmt.Errorf("ss: %w", err)
	}
	var conds []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := ssLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != "127.0.0.1" || m[3] != "127.0.0.1" {
			continue
		}
		owned := false
		for _, p := range ssPid.FindAllStringSubmatch(m[5], -1) {
			owned = owned || p[1] == strconv.Itoa(pid)
		}
		if m[2] == myPort && owned || owned && peerPorts[m[4]] {
			conds = append(conds, fmt.Sprintf("( sport = :%s and dport = :%s )", m[2], m[4]))
		}
	}
	killed := 0
	for len(conds) > 0 {
		batch := conds[:min(len(conds), 16)]
		conds = conds[len(batch):]
		out, err := exec.Command("ss", "-K", "-tnH", "state", "established", "( "+strings.Join(batch, " or ")+" )").CombinedOutput()
		if err != nil {
			return killed, fmt.Errorf("ss -K: %v %s", err, bytes.TrimSpace(out))
		}
		killed += bytes.Count(out, []byte("\n"))
	}
	return killed, nil
}

// fill fills the tmpfs of the fill node from a third of the run, keeps it
// full for --fill-for, and frees it (also when the run ends first).
func (f *faults) fill(ctx context.Context) {
	sleepCtx(ctx, f.cfg.duration/3)
	if ctx.Err() != nil {
		return
	}
	path := filepath.Join(f.mount, "soak-filler")
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		f.logf("filling the disk: %v", err)
		return
	}
	buf := make([]byte, 1<<20)
	var written int64
	for {
		k, err := file.Write(buf)
		written += int64(k)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				f.logf("filling the disk: %v", err)
			}
			break
		}
	}
	file.Close()
	f.mu.Lock()
	f.filled = written
	f.mu.Unlock()
	f.ev.add(f.fillNode, "fill", fmt.Sprintf("node %d's disk is full (%d MiB written)", f.fillNode, written>>20))
	// Whatever the node frees meanwhile is taken too: the disk stays full.
	stop := time.Now().Add(f.cfg.fillFor)
	for time.Now().Before(stop) && ctx.Err() == nil {
		sleepCtx(ctx, 500*time.Millisecond)
		if file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			for {
				if _, err := file.Write(buf[:64<<10]); err != nil {
					break
				}
			}
			file.Close()
		}
	}
	os.Remove(path)
	f.ev.add(f.fillNode, "free", fmt.Sprintf("node %d's disk freed", f.fillNode))
}

// parseSize parses a size as hams node's --store-size does: a whole number
// of bytes with an optional K, M, G or T suffix (powers of 1024; KiB, MB…
// too).
func parseSize(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult = 1 << 10
	case strings.HasSuffix(s, "M"):
		mult = 1 << 20
	case strings.HasSuffix(s, "G"):
		mult = 1 << 30
	case strings.HasSuffix(s, "T"):
		mult = 1 << 40
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 256M)", s)
	}
	return v * mult, nil
}
