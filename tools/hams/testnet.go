package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/tor"
	"github.com/hamsnet/hams/routing"
	"github.com/hamsnet/hams/routing/sim"
)

func init() {
	register(&Command{
		Name: "testnet",
		Usage: "testnet --nodes N [--dir DIR] [--transport tcp|tor] [--topology fixed|darknet|opennet] [--fcp-port-base PORT] [--long K] [--seed S] " +
			"[--store-size SIZE] [--usk-poll DURATION] [--swap-interval D] [--swaps-per-node K] [--seeds K] [--opennet-peers K] [--probe R --json]",
		Summary: "run N full nodes on loopback, linked as a small world; prints each node's FCP address (stops on Ctrl-C); " +
			"--probe measures the formed network and prints one JSON line",
		Run: runTestnet,
	})
}

// testnetLinkWait is how long testnet waits for every link to come up
// (onion links take seconds each on a fresh private network).
const testnetLinkWait = 2 * time.Minute

// Testnet topologies.
const (
	// topoFixed: the nodes at i/N, linked as routing.SmallWorld(N, long,
	// seed); they do not swap.
	topoFixed = "fixed"
	// topoDarknet: the friend graph hams sim --topology darknet builds for
	// the same nodes, degree (2 + 2 long) and seed, from random locations;
	// the nodes swap until the network settles.
	topoDarknet = "darknet"
	// topoOpennet: --seeds seed nodes start first, linked to each other;
	// every other node joins through them by announcement alone, from an
	// empty peer list.
	topoOpennet = "opennet"
)

// openJoinWait bounds how long an opennet testnet waits for its nodes to
// reach their opennet peers; it stops earlier once no node has gained a
// peer for openSettle.
const (
	openJoinWait = 3 * time.Minute
	openSettle   = 10 * time.Second
	// testnetOpenMinAge is how long a test network's opennet nodes keep a
	// new peer before they may drop it (routing.DefaultDropMinAge in a
	// real network, where nodes join over days).
	testnetOpenMinAge = 5 * time.Second
)

// testnetOpts are a test network's settings.
type testnetOpts struct {
	n                  int
	root               string
	transport, torPath string
	portBase, long     int
	seed               uint64
	size               int64
	uskPoll            time.Duration
	topology           string
	swapInterval       time.Duration
	swapsPerNode       int
	seeds, openPeers   int // opennet: seed nodes, and the opennet peers each node wants
	// twin (tests only): the darknet's friend graph with the nodes pinned
	// at i/N, to compare the darknet with.
	twin bool
}

// degree is the mean number of peers the topology gives a node.
func (o testnetOpts) degree() int { return 2 + 2*o.long }

func runTestnet(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["testnet"])
	var o testnetOpts
	fs.IntVar(&o.n, "nodes", 0, "number of nodes (2 to 200)")
	fs.StringVar(&o.root, "dir", "", "directory for the nodes (node-0, node-1, …); kept, and reused by the next run; default a temporary directory removed at exit")
	fs.StringVar(&o.transport, "transport", string(network.TransportTCP), "how nodes link: tcp (loopback TCP), or tor (onion services on a private Tor network started on 127.0.0.1)")
	fs.StringVar(&o.torPath, "tor-path", "", "the tor binary for --transport tor (default: tor on PATH)")
	fs.StringVar(&o.topology, "topology", topoFixed, "fixed (nodes at i/N, linked as a small world), darknet (the friend graph of hams sim --topology darknet, random locations, swapping until settled) or opennet (seed nodes first, the others joining through them by announcement)")
	fs.IntVar(&o.portBase, "fcp-port-base", 0, "node i serves FCP on 127.0.0.1:PORT+i (default: free ports)")
	fs.IntVar(&o.long, "long", 2, "long-range links each node draws (∝ 1/distance) besides its ring neighbours: degree 2+2K")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the links (and of a darknet's locations and a probe's traffic)")
	storeSize := fs.String("store-size", "256M", "datastore size of each node")
	fs.DurationVar(&o.uskPoll, "usk-poll", 0, "how often the nodes look for new editions of subscribed USKs (default 5m)")
	fs.DurationVar(&o.swapInterval, "swap-interval", 100*time.Millisecond, "darknet: the mean time between a node's swap attempts (a real node: 8s)")
	fs.IntVar(&o.swapsPerNode, "swaps-per-node", 300, "darknet: the swap attempts each node makes before the network counts as settled")
	fs.IntVar(&o.seeds, "seeds", 3, "opennet: how many seed nodes the others join through")
	fs.IntVar(&o.openPeers, "opennet-peers", routing.DefaultOpennetPeers, "opennet: the opennet peers each node wants")
	probe := fs.Int("probe", 0, "once the network has formed, insert R keys from random nodes, fetch each from another, print one JSON line and exit")
	jsonOut := fs.Bool("json", false, "with --probe: print the measurement as JSON (the only output format)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 0:
		return usagef("testnet takes no arguments, got %q", pos[0])
	case o.n < 2 || o.n > 200:
		return usagef("--nodes must be 2 to 200, got %d", o.n)
	case o.portBase < 0 || o.portBase+o.n > 65536:
		return usagef("--fcp-port-base %d leaves no room for %d nodes", o.portBase, o.n)
	case o.long < 0:
		return usagef("--long must not be negative")
	case o.uskPoll < 0:
		return usagef("--usk-poll must not be negative")
	case o.topology != topoFixed && o.topology != topoDarknet && o.topology != topoOpennet:
		return usagef("unknown topology %q (want fixed, darknet or opennet)", o.topology)
	case o.topology == topoOpennet && (o.seeds < 1 || o.seeds >= o.n || o.openPeers < 1):
		return usagef("--seeds must be 1 to --nodes-1, and --opennet-peers positive")
	case o.swapInterval <= 0 || o.swapsPerNode < 0:
		return usagef("--swap-interval must be positive and --swaps-per-node not negative")
	case *probe < 0 || *probe > 10000:
		return usagef("--probe must be 0 to 10000")
	case *jsonOut && *probe == 0:
		return usagef("--json goes with --probe")
	}
	switch network.Transport(o.transport) {
	case network.TransportTCP:
	case network.TransportTor:
		if _, err := tor.Find(o.torPath); err != nil {
			return withHint(errors.New("tor not found"), torInstallHint)
		}
	default:
		return usagef("unknown transport %q (want tcp or tor)", o.transport)
	}
	if o.size, err = node.ParseSize(*storeSize); err != nil {
		return usagef("%v", err)
	}
	if o.root == "" {
		if o.root, err = os.MkdirTemp("", "hams-testnet-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.root)
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(o.n) * nodeGoMemoryLimit / 2)
	}
	log := newLogger(env.Stderr)
	tn, err := startTestnet(ctx, o, log)
	if tn != nil {
		defer tn.close()
	}
	if err != nil {
		return err
	}
	for i, nd := range tn.nodes {
		fmt.Fprintf(env.Stdout, "node-%d fcp=%s location=%s peers=%d dir=%s web=http://%s/\n", i, nd.FCPAddr(), nd.Location(), len(nd.ListPeers()), filepath.Join(o.root, fmt.Sprintf("node-%d", i)), nd.WebAddr())
	}
	log.Info(fmt.Sprintf("testnet ready: %d nodes, %d links", o.n, len(tn.edges)))
	if *probe > 0 {
		res, err := tn.probe(ctx, *probe)
		if err != nil {
			return err
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
		return err
	}
	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// testnet is a running test network.
// testnetTorWait bounds the wait for one node's onion service on the
// private Tor network (seconds, usually).
const testnetTorWait = 3 * time.Minute

type testnet struct {
	o      testnetOpts
	log    *slog.Logger
	tor    *tornet.Network // --transport tor
	nodes  []*node.Node
	edges  [][2]int
	joined []time.Duration // how long each node took to link to all its peers (opennet: the joining nodes')
	// firstPeer is how long each joining node of an opennet took to its
	// first opennet peer; started is when each node was up.
	firstPeer []time.Duration
	// full is how long each joining node of an opennet took to its
	// target number of opennet peers (0: it did not reach it).
	full    []time.Duration
	started []time.Time
	hops    hopTracer
	// swapPaused pauses the nodes' own swap attempts (while a probe runs).
	swapPaused atomic.Bool
}

// startTestnet starts the nodes of o and links them. What it started is
// returned even on an error, for close.
func startTestnet(ctx context.Context, o testnetOpts, log *slog.Logger) (*testnet, error) {
	tn := &testnet{o: o, log: log, hops: hopTracer{n: map[keys.RoutingKey]int{}}}
	var torrc []string
	if network.Transport(o.transport) == network.TransportTor {
		log.Info("starting a private Tor network on 127.0.0.1 (3 authorities, 2 relays)")
		t, err := startTornet(ctx, o.torPath, filepath.Join(o.root, "tornet"), func(f string, a ...any) { log.Info("tornet: " + fmt.Sprintf(f, a...)) })
		if err != nil {
			return tn, err
		}
		tn.tor, torrc = t, t.ClientTorrc()
	}
	darknet, opennet := o.topology == topoDarknet, o.topology == topoOpennet
	switch {
	case darknet:
		tn.edges = sim.FriendGraph(sim.Config{Nodes: o.n, Degree: o.degree(), Seed: o.seed})
	case opennet: // the seeds are friends of each other; the rest joins
		for i := range o.seeds {
			for j := i + 1; j < o.seeds; j++ {
				tn.edges = append(tn.edges, [2]int{i, j})
			}
		}
	default:
		tn.edges = routing.SmallWorld(o.n, o.long, o.seed)
	}
	var seedRefs []noderef.Ref
	for i := range o.n {
		fcpAddr := "127.0.0.1:0"
		if o.portBase > 0 {
			fcpAddr = "127.0.0.1:" + strconv.Itoa(o.portBase+i)
		}
		nc := network.Config{Transport: network.TransportTCP, Listen: "127.0.0.1:0", Name: fmt.Sprintf("node-%d", i),
			Hooks: network.Hooks{Send: tn.hops.trace}}
		if opennet {
			var seed [32]byte
			binary.BigEndian.PutUint64(seed[:], o.seed)
			binary.BigEndian.PutUint64(seed[8:], uint64(i))
			nc.Rand = mrand.NewChaCha8(seed)
			// All the nodes start at once, not over days: a new peer is
			// protected from being dropped for seconds, not 5 minutes.
			nc.Opennet, nc.Rules = true, routing.Opennet{Peers: o.openPeers, MinAge: testnetOpenMinAge}
			if i < o.seeds {
				nc.Seed = true
			} else {
				nc.Seeds = seedRefs
			}
		} else if !darknet || o.twin {
			loc := routing.Location(uint64(i) * (^uint64(0) / uint64(o.n)))
			nc.Location = &loc
		} else {
			// Random locations, the same for the same seed; the nodes swap
			// fast and anneal over their first attempts.
			var seed [32]byte
			binary.BigEndian.PutUint64(seed[:], o.seed)
			binary.BigEndian.PutUint64(seed[8:], uint64(i))
			nc.Rand = mrand.NewChaCha8(seed)
			nc.SwapInterval, nc.SwapAnnealRamp = o.swapInterval, max(o.swapsPerNode/2, 1)
			nc.Hooks.SwapPaused = tn.swapPaused.Load
		}
		if torrc != nil {
			nc.Transport, nc.Listen, nc.TorPath, nc.TorExtraTorrc = network.TransportTor, "", o.torPath, torrc
		}
		nd, err := node.StartContext(ctx, node.Config{
			Dir: filepath.Join(o.root, fmt.Sprintf("node-%d", i)), FCPAddr: fcpAddr, StoreSize: o.size,
			WebAddr: "127.0.0.1:0", // each node's gateway, on a free port (printed)
			Logger:  tn.log.With("node", i), USKPollInterval: o.uskPoll, Network: nc,
		})
		if err != nil {
			return tn, fmt.Errorf("node %d: %w", i, err)
		}
		tn.nodes = append(tn.nodes, nd)
		if up := nd.TorUp(); up != nil { // one onion at a time, as the nodes start
			select {
			case <-up:
			case <-ctx.Done():
				return tn, errors.New("interrupted while the nodes started")
			case <-time.After(testnetTorWait):
				return tn, fmt.Errorf("node %d: its onion service did not come up in %v: %s", i, testnetTorWait, nd.TorStatus().Describe())
			}
		}
		tn.started = append(tn.started, time.Now())
		if opennet && i < o.seeds {
			ref, err := noderef.Parse(nd.Noderef())
			if err != nil {
				return tn, err
			}
			seedRefs = append(seedRefs, ref)
		}
		if opennet && i == o.seeds-1 { // the seeds link first, then the others start
			if err := tn.linkEdges(ctx); err != nil {
				return tn, err
			}
		}
	}
	if opennet {
		return tn, tn.joinOpennet(ctx)
	}
	if err := tn.linkEdges(ctx); err != nil {
		return tn, err
	}
	if darknet && !o.twin {
		if err := tn.settle(ctx); err != nil {
			return tn, err
		}
	}
	return tn, nil
}

// linkEdges links the nodes of tn.edges (as friends) and waits for the
// links. A restarted node listens on a new port (and a new private Tor
// network is a new network): every node forgets the peers of the last run
// first.
func (tn *testnet) linkEdges(ctx context.Context) error {
	for _, nd := range tn.nodes {
		for _, p := range nd.ListPeers() {
			nd.RemovePeer(p.Ref.ID())
		}
	}
	for _, e := range tn.edges {
		a, b := tn.nodes[e[0]], tn.nodes[e[1]]
		if _, err := a.AddPeer(b.Noderef()); err != nil {
			return fmt.Errorf("link node %d to node %d: %w", e[0], e[1], err)
		}
		if tn.o.topology == topoOpennet { // opennet nodes take no stranger: friends add each other
			if _, err := b.AddPeer(a.Noderef()); err != nil {
				return fmt.Errorf("link node %d to node %d: %w", e[1], e[0], err)
			}
		}
	}
	var err error
	tn.joined, err = waitLinks(ctx, tn.nodes[:min(len(tn.nodes), maxNode(tn.edges)+1)], tn.edges)
	return err
}

// maxNode returns the highest node index in edges (-1 for none).
func maxNode(edges [][2]int) int {
	m := -1
	for _, e := range edges {
		m = max(m, e[0], e[1])
	}
	return m
}

// settle lets a darknet swap: each node makes --swaps-per-node attempts on
// average (an attempt every --swap-interval).
func (tn *testnet) settle(ctx context.Context) error {
	d := time.Duration(tn.o.swapsPerNode) * tn.o.swapInterval
	tn.log.Info(fmt.Sprintf("swapping for %v (about %d attempts per node)", d, tn.o.swapsPerNode))
	select {
	case <-ctx.Done():
		return errors.New("interrupted while the nodes swapped")
	case <-time.After(d):
	}
	return nil
}

func (tn *testnet) close() {
	for _, nd := range tn.nodes {
		nd.Close()
	}
	if tn.tor != nil {
		tn.tor.Close()
	}
}

// waitLinks waits until every node has a live link to each of its peers,
// and returns how long each node took.
func waitLinks(ctx context.Context, nodes []*node.Node, edges [][2]int) ([]time.Duration, error) {
	want := make([]int, len(nodes))
	for _, e := range edges {
		want[e[0]]++
		want[e[1]]++
	}
	start := time.Now()
	joined := make([]time.Duration, len(nodes))
	deadline := start.Add(testnetLinkWait)
	for {
		missing := -1
		for i, nd := range nodes {
			if joined[i] > 0 {
				continue
			}
			up := 0
			for _, p := range nd.ListPeers() {
				if p.Status == network.PeerConnected {
					up++
				}
			}
			if up < want[i] {
				missing = i
				continue
			}
			joined[i] = max(time.Since(start), time.Nanosecond)
		}
		if missing < 0 {
			return joined, nil
		}
		if time.Now().After(deadline) {
			return joined, fmt.Errorf("node %d did not link to all its peers within %v", missing, testnetLinkWait)
		}
		select {
		case <-ctx.Done():
			return joined, errors.New("interrupted while linking the nodes")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startTornet starts the private Tor network in dir/0 (dir/1, dir/2 when a
// port it picked was taken before tor bound it).
func startTornet(ctx context.Context, torPath, dir string, logf func(string, ...any)) (*tornet.Network, error) {
	return tornet.StartRetrying(ctx, tornet.Config{TorPath: torPath, Logf: logf},
		func(attempt int) string { return filepath.Join(dir, strconv.Itoa(attempt)) })
}
