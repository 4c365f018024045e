package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
	"github.com/hamsnet/hams/node"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/tor"
	"github.com/hamsnet/hams/routing"
)

func init() {
	register(&Command{
		Name:    "testnet",
		Usage:   "testnet --nodes N [--dir DIR] [--transport tcp|tor] [--fcp-port-base PORT] [--long K] [--seed S] [--store-size SIZE] [--usk-poll DURATION]",
		Summary: "run N full nodes on loopback, linked as a small world; prints each node's FCP address (stops on Ctrl-C)",
		Run:     runTestnet,
	})
}

// testnetLinkWait is how long testnet waits for every link to come up
// (onion links take seconds each on a fresh private network).
const testnetLinkWait = 2 * time.Minute

func runTestnet(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["testnet"])
	n := fs.Int("nodes", 0, "number of nodes (2 to 200)")
	dir := fs.String("dir", "", "directory for the nodes (node-0, node-1, …); kept, and reused by the next run; default a temporary directory removed at exit")
	transport := fs.String("transport", string(network.TransportTCP), "how nodes link: tcp (loopback TCP), or tor (onion services on a private Tor network started on 127.0.0.1)")
	torPath := fs.String("tor-path", "", "the tor binary for --transport tor (default: tor on PATH)")
	portBase := fs.Int("fcp-port-base", 0, "node i serves FCP on 127.0.0.1:PORT+i (default: free ports)")
	long := fs.Int("long", 2, "long-range links each node draws (∝ 1/distance) besides its ring neighbours")
	seed := fs.Uint64("seed", 1, "seed of the long-range links")
	storeSize := fs.String("store-size", "256M", "datastore size of each node")
	uskPoll := fs.Duration("usk-poll", 0, "how often the nodes look for new editions of subscribed USKs (default 5m)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 0:
		return usagef("testnet takes no arguments, got %q", pos[0])
	case *n < 2 || *n > 200:
		return usagef("--nodes must be 2 to 200, got %d", *n)
	case *portBase < 0 || *portBase+*n > 65536:
		return usagef("--fcp-port-base %d leaves no room for %d nodes", *portBase, *n)
	case *long < 0:
		return usagef("--long must not be negative")
	case *uskPoll < 0:
		return usagef("--usk-poll must not be negative")
	}
	switch network.Transport(*transport) {
	case network.TransportTCP:
	case network.TransportTor:
		if _, err := tor.Find(*torPath); err != nil {
			return withHint(errors.New("tor not found"), torInstallHint)
		}
	default:
		return usagef("unknown transport %q (want tcp or tor)", *transport)
	}
	size, err := node.ParseSize(*storeSize)
	if err != nil {
		return usagef("%v", err)
	}
	root := *dir
	if root == "" {
		if root, err = os.MkdirTemp("", "hams-testnet-"); err != nil {
			return err
		}
		defer os.RemoveAll(root)
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(*n) * nodeGoMemoryLimit / 2)
	}
	log := newLogger(env.Stderr)
	var torrc []string
	if network.Transport(*transport) == network.TransportTor {
		log.Info("starting a private Tor network on 127.0.0.1 (3 authorities, 2 relays)")
		tn, err := startTornet(ctx, *torPath, filepath.Join(root, "tornet"), func(f string, a ...any) { log.Info("tornet: " + fmt.Sprintf(f, a...)) })
		if err != nil {
			return err
		}
		defer tn.Close()
		torrc = tn.ClientTorrc()
	}
	nodes := make([]*node.Node, 0, *n)
	defer func() {
		for _, nd := range nodes {
			nd.Close()
		}
	}()
	for i := range *n {
		loc := routing.Location(uint64(i) * (^uint64(0) / uint64(*n)))
		fcpAddr := "127.0.0.1:0"
		if *portBase > 0 {
			fcpAddr = "127.0.0.1:" + strconv.Itoa(*portBase+i)
		}
		cfg := node.Config{
			Dir: filepath.Join(root, fmt.Sprintf("node-%d", i)), FCPAddr: fcpAddr, StoreSize: size,
			Logger: log.With("node", i), USKPollInterval: *uskPoll,
			Network: network.Config{Transport: network.TransportTCP, Listen: "127.0.0.1:0", Name: fmt.Sprintf("node-%d", i), Location: &loc},
		}
		if torrc != nil {
			nc := &cfg.Network
			nc.Transport, nc.Listen, nc.TorPath, nc.TorExtraTorrc = network.TransportTor, "", *torPath, torrc
		}
		nd, err := node.StartContext(ctx, cfg)
		if err != nil {
			return fmt.Errorf("node %d: %w", i, err)
		}
		nodes = append(nodes, nd)
	}
	// A restarted node listens on a new port (and a new private Tor
	// network is a new network): every node forgets the peers of the last
	// run, then the links are made again.
	for _, nd := range nodes {
		for _, p := range nd.ListPeers() {
			nd.RemovePeer(p.Ref.ID())
		}
	}
	edges := routing.SmallWorld(*n, *long, *seed)
	for _, e := range edges {
		if _, err := nodes[e[0]].AddPeer(nodes[e[1]].Noderef()); err != nil {
			return fmt.Errorf("link node %d to node %d: %w", e[0], e[1], err)
		}
	}
	if err := waitLinks(ctx, nodes, edges); err != nil {
		return err
	}
	for i, nd := range nodes {
		fmt.Fprintf(env.Stdout, "node-%d fcp=%s location=%s peers=%d dir=%s\n", i, nd.FCPAddr(), nd.Location(), len(nd.ListPeers()), filepath.Join(root, fmt.Sprintf("node-%d", i)))
	}
	log.Info(fmt.Sprintf("testnet ready: %d nodes, %d links", *n, len(edges)))
	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// waitLinks waits until every node has a live link to each of its peers.
func waitLinks(ctx context.Context, nodes []*node.Node, edges [][2]int) error {
	want := make([]int, len(nodes))
	for _, e := range edges {
		want[e[0]]++
		want[e[1]]++
	}
	deadline := time.Now().Add(testnetLinkWait)
	for {
		missing := -1
		for i, nd := range nodes {
			up := 0
			for _, p := range nd.ListPeers() {
				if p.Status == network.PeerConnected {
					up++
				}
			}
			if up < want[i] {
				missing = i
				break
			}
		}
		if missing < 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %d did not link to all its peers within %v", missing, testnetLinkWait)
		}
		select {
		case <-ctx.Done():
			return errors.New("interrupted while linking the nodes")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startTornet starts a private Tor network, trying again (with new ports)
// when one of its tors could not bind a port: the ports are picked free,
// but another program may take one before tor binds it.
func startTornet(ctx context.Context, torPath, dir string, logf func(string, ...any)) (*tornet.Network, error) {
	var err error
	for attempt := range 3 {
		var tn *tornet.Network
		tn, err = tornet.Start(ctx, tornet.Config{TorPath: torPath, Dir: filepath.Join(dir, strconv.Itoa(attempt)), Logf: logf})
		if err == nil {
			return tn, nil
		}
		if !strings.Contains(err.Error(), "Failed to bind") || ctx.Err() != nil {
			break
		}
		logf("a port was taken meanwhile; starting again with new ports")
	}
	return nil, err
}
