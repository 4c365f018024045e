// Command soak runs a test network of real hams node processes on loopback
// under a workload of inserts and fetches from several FCP clients, while
// nodes are killed (SIGKILL) and restarted, links are cut and restored, one
// node's disk is filled and hostile clients press on the nodes, for a
// bounded time. It then fetches every acknowledged insert from a node that
// did not insert it and reads every node's log for panics and goroutine
// dumps.
//
// Usage:
//
//	go run ./tools/soak [--nodes 16] [--duration 10m] [--seed 1] [--clients 4]
//		[--kill-every 30s] [--cut-every 45s] [--fill-disk] [--hostile] [--hams PATH] [--dir DIR]
//
// It prints the acknowledged inserts, how many are still fetchable at the
// end (and every lost one, with the nodes whose datastore still holds its
// top block and the kills that followed it), fetch success per time window
// with the faults of each window, each node's peak memory, what the
// hostile clients got, and every panic, fatal error or goroutine dump found
// in the nodes' logs. It exits 0 when no acknowledged insert was lost (of
// those the network could hold) or left unchecked, no fetched data was
// wrong and no node panicked; 1 otherwise; 2 on a usage error. docs/soak.md
// says how to read the output.
//
// Every node is its own "hams node --transport tcp" process on 127.0.0.1,
// linked as routing.SmallWorld; the program signals only the processes it
// started, by PID. Cutting links (ss -K) and filling a disk (a tmpfs
// mount) need root; without it those faults are skipped with a log line.
// Everything random is drawn from --seed, so a run's choices (sizes, keys,
// victims, fault order) repeat; timing does not.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitPass  = 0
	exitFail  = 1 // a lost insert, wrong data, a panic or a goroutine dump
	exitUsage = 2 // bad flags, or the network could not be set up
)

// config is a run's settings (the flags).
type config struct {
	nodes, clients, long       int
	duration, settle, window   time.Duration
	seed                       uint64
	hams, dir                  string
	storeSize                  string
	killEvery, killDown        time.Duration
	cutEvery, cutFor           time.Duration
	fillDisk                   bool
	fillFor                    time.Duration
	hostile                    bool
	insertTimeout, fetchTimout time.Duration
	checkTimeout               time.Duration
	pace                       time.Duration
	keep                       bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.nodes, "nodes", 16, "number of node processes (4 to 64)")
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "how long the workload and the faults run")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of everything random: links, data, keys, victims, fault order")
	fs.StringVar(&c.hams, "hams", "", "the hams binary (default: built with 'go build -o' into a temporary directory)")
	fs.StringVar(&c.dir, "dir", "", "directory for the nodes (node-0, …) and their logs; must not hold a network yet; default a temporary directory, removed after a passing run")
	fs.IntVar(&c.clients, "clients", 4, "workload FCP clients, each inserting and fetching in turn")
	fs.IntVar(&c.long, "long", 2, "long-range links each node draws besides its ring neighbours (routing.SmallWorld)")
	fs.StringVar(&c.storeSize, "store-size", "256M", "datastore size of each node (the disk-fill node: at most 64M)")
	fs.DurationVar(&c.killEvery, "kill-every", 30*time.Second, "kill -9 a random node this often on average (each wait drawn from 0.5 to 1.5 times it), restarting it after --kill-down plus up to 3s (0: never)")
	fs.DurationVar(&c.killDown, "kill-down", 3*time.Second, "how long a killed node stays down, at least")
	fs.DurationVar(&c.cutEvery, "cut-every", 45*time.Second, "cut a random node's peer links this often, for --cut-for (0: never; needs root and ss)")
	fs.DurationVar(&c.cutFor, "cut-for", 15*time.Second, "how long a node's links stay cut")
	fs.BoolVar(&c.fillDisk, "fill-disk", false, "put one node's directory on a small tmpfs and fill it for --fill-for from a third of the run (needs root)")
	fs.DurationVar(&c.fillFor, "fill-for", time.Minute, "how long the disk stays full (at most a third of --duration)")
	fs.BoolVar(&c.hostile, "hostile", false, "run one hostile client per kind: FCP stalled upload, FCP header flood, FCP half message, idle TCP connections to a peer port")
	fs.DurationVar(&c.settle, "settle", 30*time.Second, "after the run, how long the network settles (all nodes up, no faults) before the final check")
	fs.DurationVar(&c.window, "window", 10*time.Second, "width of a window of the fetch-success table")
	fs.DurationVar(&c.insertTimeout, "insert-timeout", 2*time.Minute, "how long one insert may take")
	fs.DurationVar(&c.fetchTimout, "fetch-timeout", time.Minute, "how long one fetch may take")
	fs.DurationVar(&c.checkTimeout, "check-timeout", 10*time.Minute, "bound on each pass of the final check (inserts it has no time for are reported as not checked, and fail the run)")
	fs.DurationVar(&c.pace, "pace", 0, "how long each client waits between two operations")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory even after a passing run")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() != 0:
		return c, fmt.Errorf("soak takes no arguments, got %q", fs.Arg(0))
	case c.nodes < 4 || c.nodes > 64:
		return c, fmt.Errorf("--nodes must be 4 to 64, got %d", c.nodes)
	case c.clients < 1 || c.clients > 64:
		return c, fmt.Errorf("--clients must be 1 to 64, got %d", c.clients)
	case c.duration <= 0 || c.window <= 0 || c.settle < 0:
		return c, errors.New("--duration and --window must be positive, --settle not negative")
	case c.killEvery < 0 || c.cutEvery < 0 || c.killDown < 0 || c.cutFor <= 0 || c.fillFor <= 0:
		return c, errors.New("--kill-every, --cut-every and --kill-down must not be negative, --cut-for and --fill-for positive")
	case c.insertTimeout <= 0 || c.fetchTimout <= 0 || c.checkTimeout <= 0 || c.pace < 0:
		return c, errors.New("the timeouts must be positive, --pace not negative")
	case c.long < 0:
		return c, errors.New("--long must not be negative")
	}
	if _, err := parseSize(c.storeSize); err != nil {
		return c, err
	}
	c.fillFor = min(c.fillFor, c.duration/3)
	return c, nil
}

// run runs one soak and returns the exit code; the summary goes to stdout,
// the running log to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return exitUsage
	}
	s := newSoak(cfg, stderr)
	code, err := s.run(ctx, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
	}
	return code
}

// prepare makes the run's directory and finds (or builds) the hams binary.
// The returned cleanup removes what prepare made, unless keep says not to.
func prepare(cfg *config, logf func(string, ...any)) (cleanup func(keep bool), err error) {
	var runDir, binDir string // temporary directories made here
	cleanup = func(keep bool) {
		if binDir != "" {
			os.RemoveAll(binDir)
		}
		if runDir != "" && keep {
			logf("kept %s", runDir)
		} else if runDir != "" {
			os.RemoveAll(runDir)
		}
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "hams-soak-")
		if err != nil {
			return cleanup, err
		}
		runDir, cfg.dir = d, d
	} else {
		if _, err := os.Stat(filepath.Join(cfg.dir, "node-0")); err == nil {
			return cleanup, fmt.Errorf("%s already holds a network (node-0): give a new --dir", cfg.dir)
		}
		if err := os.MkdirAll(cfg.dir, 0o700); err != nil {
			return cleanup, err
		}
	}
	if cfg.hams == "" {
		d, err := os.MkdirTemp("", "hams-soak-bin-")
		if err != nil {
			return cleanup, err
		}
		binDir, cfg.hams = d, filepath.Join(d, "hams")
		logf("building hams into %s", cfg.hams)
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = "/usr/local/go/bin/go" // where the project's machines keep it (.ci/run)
		}
		cmd := exec.Command(gobin, "build", "-o", cfg.hams, "github.com/hamsnet/hams/tools/hams")
		if out, err := cmd.CombinedOutput(); err != nil {
			return cleanup, fmt.Errorf("go build hams (run inside the module, or pass --hams): %v\n%s", err, out)
		}
	} else if cfg.hams, err = filepath.Abs(cfg.hams); err != nil {
		return cleanup, err
	}
	if _, err := os.Stat(cfg.hams); err != nil {
		return cleanup, fmt.Errorf("--hams: %w", err)
	}
	return cleanup, nil
}
