package browsertest

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// envMark is the environment variable that marks the processes of one
// Browser; its value is the browser's profile directory, unique to it.
const envMark = "HAMS_BROWSERTEST_PROFILE"

// procID names a process across pid reuse: its pid and its start time.
type procID struct {
	pid   int
	start string // field 22 of /proc/<pid>/stat, in clock ticks since boot
}

// procTree follows the processes of one browser through /proc (Linux; on
// another system it sees none and Close relies on chromedp alone). A process
// belongs to the browser when it descends from the main process, or carries
// mark in its environment (the crash handlers, which leave the tree), or
// descends from one that does.
type procTree struct {
	mark string // NAME=value

	mu   sync.Mutex
	root procID
	seen map[procID]bool
}

func newProcTree(mark string) *procTree {
	return &procTree{mark: mark, seen: make(map[procID]bool)}
}

// setRoot records the browser's main process.
func (p *procTree) setRoot(pid int) {
	if pid <= 0 {
		return
	}
	if st, ok := readStat(pid); ok {
		p.mu.Lock()
		p.root = procID{pid, st.start}
		p.mu.Unlock()
	}
}

// note adds the processes of the browser that run now to the ones it
// remembers.
func (p *procTree) note() {
	now := p.scan()
	p.mu.Lock()
	for id := range now {
		p.seen[id] = true
	}
	p.mu.Unlock()
}

// live returns the pids of the browser's processes that still run: the ones
// it remembers and the ones it finds now. A zombie does not run.
func (p *procTree) live() []int {
	p.note()
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for id := range p.seen {
		if st, ok := readStat(id.pid); ok && st.start == id.start && !st.dead() {
			pids = append(pids, id.pid)
		} else {
			delete(p.seen, id)
		}
	}
	slices.Sort(pids)
	return pids
}

// kill kills the browser's processes until none has run for a few looks in a
// row (a zygote can fork as its parent dies), for five seconds at most.
func (p *procTree) kill() {
	deadline := time.Now().Add(5 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pids := p.live()
		if len(pids) == 0 {
			quiet++
			continue
		}
		quiet = 0
		for _, pid := range pids {
			if proc, err := os.FindProcess(pid); err == nil {
				proc.Kill()
				proc.Release()
			}
		}
	}
}

// scan returns the browser's processes that run now.
func (p *procTree) scan() map[procID]bool {
	p.mu.Lock()
	root := p.root
	p.mu.Unlock()

	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	children := make(map[int][]procID)
	var todo []procID
	mark := []byte(p.mark)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		st, ok := readStat(pid)
		if !ok || st.dead() {
			continue
		}
		id := procID{pid, st.start}
		children[st.ppid] = append(children[st.ppid], id)
		if id == root {
			todo = append(todo, id)
			continue
		}
		if env, err := os.ReadFile("/proc/" + e.Name() + "/environ"); err == nil {
			for kv := range bytes.SplitSeq(env, []byte{0}) {
				if bytes.Equal(kv, mark) {
					todo = append(todo, id)
					break
				}
			}
		}
	}
	found := make(map[procID]bool)
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if found[id] {
			continue
		}
		found[id] = true
		todo = append(todo, children[id.pid]...)
	}
	return found
}

type stat struct {
	state byte
	ppid  int
	start string
}

// dead reports a zombie, or a process on its way out.
func (s stat) dead() bool { return s.state == 'Z' || s.state == 'X' || s.state == 'x' }

// readStat reads /proc/<pid>/stat.
func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	// pid (comm) state ppid ... ; comm can hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return stat{}, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return stat{}, false
	}
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	return stat{state: f[0][0], ppid: ppid, start: f[19]}, true
}
