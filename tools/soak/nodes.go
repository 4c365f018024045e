package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/routing"
)

// Timing of the node processes.
const (
	// startWait bounds the wait for a started node's FCP port.
	startWait = time.Minute
	// stopWait is how long a node may take to stop on SIGTERM; then it
	// gets SIGQUIT (a goroutine dump, reported as a hang) and SIGKILL.
	stopWait = 30 * time.Second
	// linkWait bounds the wait for the network to link up; relinkWait
	// the wait after a restart of every node.
	linkWait   = 2 * time.Minute
	relinkWait = 30 * time.Second
	// respawnDelay is the first wait before a node that exited on its
	// own is started again; it grows with each exit in a row.
	respawnDelay = 5 * time.Second
)

// nodeProc is one node: its directory, ports and current process.
type nodeProc struct {
	i                 int
	dir, logPath      string
	fcpAddr, peerAddr string
	storeSize         string
	neighbours        []int
	opMu              sync.Mutex // serialises start, kill and stop

	mu         sync.Mutex
	cmd        *exec.Cmd
	running    bool
	asked      bool          // the current process's exit was asked for
	exited     chan struct{} // closed once the current process has exited
	starts     int
	kills      int
	exitsInRow int
	unexpected []string // the exits nobody asked for, described
	hangs      int      // stops that needed SIGQUIT
	peakKB     int64    // VmHWM, the largest over every process
	minPeers   int      // fewest connected peers seen after the network formed; -1 none
	peers      int      // connected peers at the last sample; -1 unknown
}

func (n *nodeProc) isRunning() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.running
}

func (n *nodeProc) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.running {
		return 0
	}
	return n.cmd.Process.Pid
}

// cluster runs the node processes.
type cluster struct {
	cfg     config
	nodes   []*nodeProc
	edges   [][2]int
	ev      *eventLog
	logf    func(string, ...any)
	spawnMu sync.Mutex     // orders noSpawn and wg.Add
	noSpawn atomic.Bool    // set once the run ends: no more restarts of exited nodes
	wg      sync.WaitGroup // the pending restarts of exited nodes
	formed  atomic.Bool    // the network has linked up once (minPeers counts from then)

	monMu sync.Mutex
	mon   map[int]*fcpclient.Client // one monitoring FCP connection per node
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func newCluster(cfg config, ev *eventLog, logf func(string, ...any)) (*cluster, error) {
	c := &cluster{cfg: cfg, ev: ev, logf: logf, mon: map[int]*fcpclient.Client{}}
	c.edges = routing.SmallWorld(cfg.nodes, cfg.long, cfg.seed)
	ports, err := freePorts(2 * cfg.nodes)
	if err != nil {
		return nil, err
	}
	for i := range cfg.nodes {
		c.nodes = append(c.nodes, &nodeProc{
			i: i, dir: filepath.Join(cfg.dir, fmt.Sprintf("node-%d", i)), logPath: filepath.Join(cfg.dir, fmt.Sprintf("node-%d.log", i)),
			fcpAddr: "127.0.0.1:" + strconv.Itoa(ports[2*i]), peerAddr: "127.0.0.1:" + strconv.Itoa(ports[2*i+1]),
			storeSize: cfg.storeSize, minPeers: -1, peers: -1,
		})
	}
	for _, e := range c.edges {
		c.nodes[e[0]].neighbours = append(c.nodes[e[0]].neighbours, e[1])
		c.nodes[e[1]].neighbours = append(c.nodes[e[1]].neighbours, e[0])
	}
	return c, nil
}

// start starts n's process (n.opMu held) and waits for its FCP port. With
// connect, the node is given its neighbours' noderef files.
func (c *cluster) start(n *nodeProc, connect bool) error {
	args := []string{"node", "--dir", n.dir, "--fcp", n.fcpAddr, "--transport", "tcp", "--listen", n.peerAddr,
		"--opennet=false", "--web", "", "--store-size", n.storeSize, "--name", fmt.Sprintf("node-%d", n.i)}
	if connect {
		for _, j := range n.neighbours {
			args = append(args, "--connect", filepath.Join(c.nodes[j].dir, "noderef"))
		}
	}
	lf, err := os.OpenFile(n.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close() // the child has its own copy
	cmd := exec.Command(c.cfg.hams, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// Its own process group (a Ctrl-C reaches soak, which stops the
	// nodes), and killed if soak dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	n.mu.Lock()
	fmt.Fprintf(lf, "=== soak: start %d of node-%d at %s\n", n.starts+1, n.i, c.ev.since())
	if err := cmd.Start(); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("node %d: %w", n.i, err)
	}
	exited := make(chan struct{})
	n.cmd, n.running, n.asked, n.exited = cmd, true, false, exited
	n.starts++
	n.mu.Unlock()
	go c.reap(n, cmd, exited)
	deadline := time.Now().Add(startWait)
	for {
		conn, err := net.DialTimeout("tcp", n.fcpAddr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("node %d exited while starting (see %s)", n.i, n.logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %d: FCP not up within %v", n.i, startWait)
		}
	}
}

// reap waits for one process of n; an exit nobody asked for is recorded,
// and the node is started again after a while, as a supervisor would.
func (c *cluster) reap(n *nodeProc, cmd *exec.Cmd, exited chan struct{}) {
	err := cmd.Wait()
	n.mu.Lock()
	n.running = false
	asked := n.asked
	var delay time.Duration
	if !asked {
		desc := "exit status 0"
		if err != nil {
			desc = err.Error()
		}
		n.unexpected = append(n.unexpected, fmt.Sprintf("at %s: %s", c.ev.since(), desc))
		n.exitsInRow++
		delay = respawnDelay * time.Duration(min(n.exitsInRow, 12))
	}
	n.mu.Unlock()
	close(exited)
	if asked {
		return
	}
	c.ev.add(n.i, "exit", fmt.Sprintf("node %d exited on its own (%v)", n.i, err))
	c.spawnMu.Lock()
	defer c.spawnMu.Unlock()
	if c.noSpawn.Load() {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		time.Sleep(delay)
		if c.noSpawn.Load() {
			return
		}
		if err := c.restart(n); err != nil {
			c.logf("restarting node %d after its exit: %v", n.i, err)
		}
	}()
}

// restart starts n again (with its neighbours' noderefs) unless it runs.
func (c *cluster) restart(n *nodeProc) error {
	n.opMu.Lock()
	defer n.opMu.Unlock()
	if n.isRunning() {
		return nil
	}
	err := c.start(n, true)
	if err == nil {
		c.ev.add(n.i, "start", fmt.Sprintf("node %d started (pid %d)", n.i, n.pid()))
		go func() { // a node that stays up for a minute is healthy again
			time.Sleep(time.Minute)
			n.mu.Lock()
			n.exitsInRow = 0
			n.mu.Unlock()
		}()
	}
	return err
}

// signal sends sig to n's current process and waits up to d for it to
// exit; it reports whether it exited. The exit counts as asked for.
func (n *nodeProc) signal(sig syscall.Signal, d time.Duration) bool {
	n.mu.Lock()
	if !n.running {
		n.mu.Unlock()
		return true
	}
	n.asked = true
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	cmd.Process.Signal(sig) // os.Process knows whether it was reaped: never a stranger's PID
	select {
	case <-exited:
		return true
	case <-time.After(d):
		return false
	}
}

// kill kills n with SIGKILL; false if it was not running.
func (c *cluster) kill(n *nodeProc) bool {
	n.opMu.Lock()
	defer n.opMu.Unlock()
	pid := n.pid()
	if pid == 0 {
		return false
	}
	c.samplePeak(n)
	n.signal(syscall.SIGKILL, time.Minute)
	n.mu.Lock()
	n.kills++
	n.mu.Unlock()
	c.ev.add(n.i, "kill", fmt.Sprintf("kill -9 node %d (pid %d)", n.i, pid))
	return true
}

// stop stops n with SIGTERM; a node that does not stop within stopWait
// gets SIGQUIT (its goroutines are dumped into its log) and then SIGKILL.
func (c *cluster) stop(n *nodeProc) {
	n.opMu.Lock()
	defer n.opMu.Unlock()
	if !n.isRunning() {
		return
	}
	c.samplePeak(n)
	if n.signal(syscall.SIGTERM, stopWait) {
		return
	}
	c.ev.add(n.i, "hang", fmt.Sprintf("node %d did not stop within %v of SIGTERM: SIGQUIT", n.i, stopWait))
	n.mu.Lock()
	n.hangs++
	n.mu.Unlock()
	if !n.signal(syscall.SIGQUIT, 10*time.Second) {
		n.signal(syscall.SIGKILL, time.Minute)
	}
}

// forEach runs f on every node at once and returns the first error.
func (c *cluster) forEach(f func(*nodeProc) error) error {
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() { errs[i] = f(n) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bootstrap starts every node once (each writes DIR/noderef), stops them,
// starts them again linked to their neighbours, and waits for the links.
func (c *cluster) bootstrap(ctx context.Context) error {
	err := c.forEach(func(n *nodeProc) error {
		n.opMu.Lock()
		defer n.opMu.Unlock()
		return c.start(n, false)
	})
	if err != nil {
		return err
	}
	c.forEach(func(n *nodeProc) error { c.stop(n); return nil })
	if err := c.forEach(c.restart); err != nil {
		return err
	}
	if err := c.waitLinksFor(ctx, linkWait); err != nil {
		return err
	}
	c.formed.Store(true)
	return nil
}

// waitLinks waits up to relinkWait for every node to link to all its
// neighbours again.
func (c *cluster) waitLinks(ctx context.Context) error { return c.waitLinksFor(ctx, relinkWait) }

func (c *cluster) waitLinksFor(ctx context.Context, d time.Duration) error {
	start := time.Now()
	for {
		c.samplePeers(ctx)
		short := -1
		for _, n := range c.nodes {
			n.mu.Lock()
			p := n.peers
			n.mu.Unlock()
			if p < len(n.neighbours) {
				short = n.i
				break
			}
		}
		if short < 0 {
			c.logf("the network linked up in %v: %d nodes, %d links", time.Since(start).Round(time.Millisecond), len(c.nodes), len(c.edges))
			return nil
		}
		if time.Since(start) > d {
			return fmt.Errorf("node %d did not link to all its %d neighbours within %v", short, len(c.nodes[short].neighbours), d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// samplePeak records n's peak resident memory (VmHWM) so far.
func (c *cluster) samplePeak(n *nodeProc) {
	pid := n.pid()
	if pid == 0 {
		return
	}
	kb := readHWM(pid)
	n.mu.Lock()
	n.peakKB = max(n.peakKB, kb)
	n.mu.Unlock()
}

// readHWM returns the VmHWM of pid in KiB (0 when unknown).
func readHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// samplePeers asks every running node how many of its peers are connected.
func (c *cluster) samplePeers(ctx context.Context) {
	c.forEach(func(n *nodeProc) error {
		p := -1
		if n.isRunning() {
			p = c.connectedPeers(ctx, n)
		}
		n.mu.Lock()
		n.peers = p
		if p >= 0 && c.formed.Load() && (n.minPeers < 0 || p < n.minPeers) {
			n.minPeers = p
		}
		n.mu.Unlock()
		return nil
	})
}

// connectedPeers returns n's connected peers (-1 when it did not answer).
func (c *cluster) connectedPeers(ctx context.Context, n *nodeProc) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c.monMu.Lock()
	cl := c.mon[n.i]
	c.monMu.Unlock()
	if cl == nil || cl.Err() != nil {
		if cl != nil {
			cl.Close()
		}
		var err error
		if cl, err = fcpclient.Dial(ctx, n.fcpAddr, fmt.Sprintf("soak-monitor-%d", n.i)); err != nil {
			return -1
		}
		c.monMu.Lock()
		c.mon[n.i] = cl
		c.monMu.Unlock()
	}
	ps, err := cl.ListPeers(ctx)
	if err != nil {
		cl.Close()
		return -1
	}
	up := 0
	for _, p := range ps {
		if p.Status == "CONNECTED" { // fred's volatile.status
			up++
		}
	}
	return up
}

// monitor samples memory every second and peers every window until ctx
// ends.
func (c *cluster) monitor(ctx context.Context) {
	mem := time.NewTicker(time.Second)
	defer mem.Stop()
	peers := time.NewTicker(c.cfg.window)
	defer peers.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-mem.C:
			for _, n := range c.nodes {
				c.samplePeak(n)
			}
		case <-peers.C:
			c.samplePeers(ctx)
			up, links := 0, 0
			for _, n := range c.nodes {
				n.mu.Lock()
				if n.running {
					up++
				}
				links += max(n.peers, 0)
				n.mu.Unlock()
			}
			c.ev.sample(up, links/2)
		}
	}
}

// endSpawns stops restarting nodes that exit and waits for the restarts
// under way.
func (c *cluster) endSpawns() {
	c.spawnMu.Lock()
	c.noSpawn.Store(true)
	c.spawnMu.Unlock()
	c.wg.Wait()
}

// closeMonitors closes the monitoring connections.
func (c *cluster) closeMonitors() {
	c.monMu.Lock()
	defer c.monMu.Unlock()
	for i, cl := range c.mon {
		cl.Close()
		delete(c.mon, i)
	}
}

// running returns the indices of the running nodes.
func (c *cluster) running() []int {
	var r []int
	for _, n := range c.nodes {
		if n.isRunning() {
			r = append(r, n.i)
		}
	}
	return r
}
