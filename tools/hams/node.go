package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hamsnet/hams/node"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/tor"
	"github.com/hamsnet/hams/node/torbridge"
)

func init() {
	register(&Command{
		Name: "node",
		Usage: "node [--dir DIR] [--fcp ADDR] [--transport tor|tcp|none] [--tor-path PATH] [--listen ADDR] [--connect FILE]... [--name NAME] [--store-size SIZE] [--usk-poll DURATION] " +
			"[--seednodes FILE] [--opennet=true|false] [--seed] [--bridge LINE]... [--bridges FILE] [--obfs4proxy PATH] [--snowflake-client PATH] [--webtunnel-client PATH] " +
			"[--fcp-upload-dir DIR]... [--web ADDR] [--web-allow-remote] [--log-level debug|info|warn|error]",
		Summary: "run a node: its datastore, its peer links and the FCP server apps talk to (stops on Ctrl-C)",
		Run:     runNode,
	})
}

// nodeGoMemoryLimit is the soft limit on the Go runtime's memory that hams
// node sets unless $GOMEMLIMIT says otherwise. A node moving a large file
// keeps ~50-70 MB of buffers live (segments, encoded blocks, pools); with
// GOGC alone the heap grew to twice that, 114 MB, and the node to 217 MB
// when re-inserting a 256 MiB file. With the limit the collector runs
// earlier instead. The datastore's Pebble memtables and cache (48 MiB, C
// memory) are outside it. The node raises it by what its FCP server may
// hold for its clients at the moment (node.Config.GoMemoryLimit): with a
// fixed 100 MiB, 5,000 hostile connections filling the client-data budget
// made the collector run without pause and a normal client's put and get
// up to 11 times slower.
const nodeGoMemoryLimit = 100 << 20

// torInstallHint says how to get tor, or how to run without it.
const torInstallHint = "install it (Debian, Ubuntu: sudo apt-get install tor), or pass --tor-path; to run without Tor: --transport tcp (test networks) or --transport none (local only)"

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runNode(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["node"])
	dir := fs.String("dir", "", "node directory (default $XDG_DATA_HOME/hams or ~/.local/share/hams)")
	fcpAddr := fs.String("fcp", node.DefaultFCPAddr, "FCP listen address (loopback only unless --fcp-allow-remote)")
	allowRemote := fs.Bool("fcp-allow-remote", false, "allow a non-loopback FCP address (FCP has no authentication)")
	web := fs.String("web", node.DefaultWebAddr, `where the web gateway and status page listen (browse keys and freesites, publish, /status, /metrics); "" turns it off; loopback only unless --web-allow-remote`)
	webRemote := fs.Bool("web-allow-remote", false, "allow a non-loopback --web address (the gateway has no login: anyone who reaches it browses and publishes as this node)")
	transport := fs.String("transport", string(network.TransportTor), "how to reach peers: tor (onion services; needs tor installed), tcp (loopback and LAN tests) or none (local only)")
	torPath := fs.String("tor-path", "", "the tor binary (default: tor on PATH)")
	listen := fs.String("listen", "", "IP:port peers link to (transport tcp); written into DIR/noderef")
	var connect stringList
	fs.Var(&connect, "connect", "a peer's noderef file (transport tcp; repeatable; peers are kept across restarts)")
	name := fs.String("name", "", "this node's name in its noderef (optional)")
	storeSize := fs.String("store-size", "1G", "datastore size, e.g. 500M, 10G")
	uskPoll := fs.Duration("usk-poll", 0, "how often subscriptions (FCP SubscribeUSK) look for new editions (default 5m)")
	var uploadDirs stringList
	fs.Var(&uploadDirs, "fcp-upload-dir", "a directory FCP clients may upload files from (ClientPut UploadFrom=disk, ClientPutDiskDir; repeatable; default: any directory, once the client has passed TestDDA or sent a FileHash)")
	logLevel := fs.String("log-level", "info", "what the log shows: debug (also what the node refuses FCP clients, and why), info, warn or error")
	seednodes := fs.String("seednodes", "", "a file of seed nodes' noderefs, one after another, to join the network through (default DIR/seednodes when it exists)")
	opennet := fs.Bool("opennet", false, "join strangers' nodes (announcement, path folding); false: friends only, swapping locations with them (default true with --transport tor)")
	seed := fs.Bool("seed", false, "act as a seed node: take links from newcomers and pass their announcements on")
	var bridgeLines stringList
	fs.Var(&bridgeLines, "bridge", "a Tor bridge line, as Tor Browser shows it (obfs4 IP:PORT FINGERPRINT cert=… iat-mode=…; repeatable): tor then reaches the Tor network only through the bridges")
	bridgesFile := fs.String("bridges", "", "a file of Tor bridge lines, one per line (default DIR/bridges when it exists)")
	plugins := map[string]*string{}
	for _, tr := range torbridge.Transports() {
		if tr.Flag != "" && plugins[tr.Flag] == nil {
			plugins[tr.Flag] = fs.String(strings.TrimPrefix(tr.Flag, "--"), "", "the "+strings.Join(tr.Programs, " or ")+" program (default: on PATH)")
		}
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("node takes no arguments, got %q", pos[0])
	}
	size, err := node.ParseSize(*storeSize)
	if err != nil {
		return usagef("%v", err)
	}
	level, err := parseLogLevel(*logLevel)
	if err != nil {
		return err
	}
	var allowed []string // nil: any directory
	for _, d := range uploadDirs {
		if d != "all" {
			abs, err := filepath.Abs(d)
			if err != nil {
				return usagef("--fcp-upload-dir %q: %v", d, err)
			}
			d = abs
		}
		allowed = append(allowed, d)
	}
	if network.Transport(*transport) == network.TransportNone && (*listen != "" || len(connect) > 0) {
		return withHint(usagef("--listen and --connect need a transport to peers"), "add --transport tcp")
	}
	if network.Transport(*transport) == network.TransportMemory {
		return usagef("unknown transport %q (want tor, tcp or none)", *transport)
	}
	if network.Transport(*transport) == network.TransportTor {
		if *listen != "" {
			return withHint(usagef("--listen is for --transport tcp"), "in Tor mode the node's onion service is its only way in")
		}
		if _, err := tor.Find(*torPath); err != nil {
			return withHint(errors.New("tor not found"), torInstallHint)
		}
	}
	bridgeTorrc, nBridges, err := readBridges(bridgeLines, *bridgesFile, *dir, plugins)
	if err != nil {
		return err
	}
	if nBridges > 0 && network.Transport(*transport) != network.TransportTor {
		return withHint(usagef("--bridge and --bridges are for --transport tor"), "bridges are how tor reaches the Tor network where it is blocked")
	}
	opennetSet := false
	fs.Visit(func(f *flag.Flag) { opennetSet = opennetSet || f.Name == "opennet" })
	if !opennetSet {
		*opennet = network.Transport(*transport) == network.TransportTor
	}
	var seeds []noderef.Ref
	if *opennet || *seed {
		if seeds, err = readSeednodes(*seednodes, *dir); err != nil {
			return err
		}
	} else if *seednodes != "" {
		return withHint(usagef("--seednodes is for opennet nodes"), "add --opennet")
	}
	cfg := node.Config{
		Dir:                  *dir,
		FCPAddr:              *fcpAddr,
		AllowNonLoopbackFCP:  *allowRemote,
		WebAddr:              *web,
		AllowNonLoopbackWeb:  *webRemote,
		StoreSize:            size,
		USKPollInterval:      *uskPoll,
		Logger:               newLoggerAt(env.Stderr, level),
		FCPUploadAllowedDirs: allowed,
		Network: network.Config{
			Transport: network.Transport(*transport),
			Listen:    *listen,
			TorPath:   *torPath,
			Connect:   connect,
			Name:      *name,
			Opennet:   *opennet,
			Seed:      *seed,
			Seeds:     seeds,

			TorBridges: bridgeTorrc,
		},
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		// The node raises it by what its FCP clients may hold.
		cfg.GoMemoryLimit = nodeGoMemoryLimit
	}
	err = node.Run(ctx, cfg)
	switch {
	case errors.Is(err, tor.ErrTorNotFound):
		return withHint(errors.New("tor not found"), torInstallHint)
	case errors.Is(err, syscall.EADDRINUSE):
		return withHint(err, "another node (or program) uses that FCP address; stop it or pass --fcp 127.0.0.1:PORT")
	}
	return err
}

// readSeednodes reads the seed nodes' noderefs from path, or from
// DIR/seednodes when path is empty and that file exists (none when it does
// not).
func readSeednodes(path, dir string) ([]noderef.Ref, error) {
	explicit := path != ""
	if !explicit {
		d := dir
		if d == "" {
			var err error
			if d, err = node.DefaultDir(); err != nil {
				return nil, err
			}
		}
		path = filepath.Join(d, "seednodes")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seed nodes: %w", err)
	}
	refs, err := noderef.ParseList(b)
	if err != nil {
		return nil, withHint(fmt.Errorf("seed nodes in %s: %w", path, err), "the file holds seed nodes' noderefs as they write them (DIR/noderef), one after another")
	}
	return refs, nil
}

// readBridges reads the bridge lines of --bridge and of --bridges FILE (or
// DIR/bridges when it exists and no bridge was given), checks them and
// finds their transports' programs: all before tor starts, so that a bad
// line is refused with its number and what is wrong. It returns the torrc
// lines (none without bridges) and the number of bridges. The lines are
// secret: nothing here logs or prints them.
func readBridges(lines []string, path, dir string, plugins map[string]*string) ([]string, int, error) {
	var bridges []torbridge.Bridge
	for i, l := range lines {
		b, err := torbridge.Parse(l)
		if err != nil {
			return nil, 0, withHint(fmt.Errorf("--bridge (the %s): %w", ordinal(i+1), err), "a bridge line looks like: obfs4 IP:PORT FINGERPRINT cert=… iat-mode=0 (docs/operator.md)")
		}
		bridges = append(bridges, b)
	}
	explicit := path != ""
	if !explicit && len(lines) == 0 {
		d := dir
		if d == "" {
			var err error
			if d, err = node.DefaultDir(); err != nil {
				return nil, 0, err
			}
		}
		path = filepath.Join(d, "bridges")
	}
	if path != "" {
		f, err := os.Open(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !explicit:
		case err != nil:
			return nil, 0, fmt.Errorf("bridges: %w", err)
		default:
			bs, err := torbridge.ParseFile(f)
			f.Close()
			if err != nil {
				return nil, 0, withHint(fmt.Errorf("bridges in %s: %w", path, err), "one bridge line per line, as Tor Browser shows them; # starts a comment (docs/operator.md)")
			}
			if len(bs) == 0 && explicit {
				return nil, 0, withHint(fmt.Errorf("bridges: %s holds no bridge line", path), "get bridge lines as docs/operator.md says")
			}
			bridges = append(bridges, bs...)
		}
	}
	if len(bridges) == 0 {
		return nil, 0, nil
	}
	paths := map[string]string{}
	for _, b := range bridges {
		if b.Transport == "" || paths[b.Transport] != "" {
			continue
		}
		given := ""
		for _, tr := range torbridge.Transports() {
			if tr.Name == b.Transport && plugins[tr.Flag] != nil {
				given = *plugins[tr.Flag]
			}
		}
		p, err := torbridge.Find(b.Transport, given)
		if err != nil {
			return nil, 0, err
		}
		paths[b.Transport] = p
	}
	torrc, err := torbridge.Torrc(bridges, paths)
	if err != nil {
		return nil, 0, err
	}
	return torrc, len(bridges), nil
}

// ordinal returns "1st", "2nd", "3rd", "4th", ….
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}
