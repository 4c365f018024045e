package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hamsnet/hams/routing"
	"github.com/hamsnet/hams/routing/sim"
	"github.com/hamsnet/hams/routing/sim/simplot"
)

func init() {
	register(&Command{
		Name: "sim",
		Usage: "sim [--nodes N] [--degree K] [--topology kleinberg|darknet|opennet] [--requests R] [--seed S] [--htl H]" +
			" [--swaps-per-node M] [--anneal M] [--churn none|weibull] [--attack none|pitchblack] [--attackers A|P%] [--mitigation on|relocate|off] [--foaf on|off]" +
			" [--epochs E] [--epoch-swaps S] [--warmup W] [--offer-interest D] [--recently-failed D]" +
			" [--subscriptions [--feeds F] [--followers N] [--poll D] [--duration D] [--editions E] [--grace D]] [--json] [--out DIR]",
		Summary: "simulate a network of N nodes on a virtual clock (routing, location swapping, churn, Pitch Black, live-feed subscriptions); " +
			"prints a summary, --json one JSON line, --out DIR also CSV files and SVG plots",
		Run: runSim,
	})
}

// simOpts are the sim flags that do not go into sim.Config.
type simOpts struct {
	// json prints the Summary as one JSON line instead of a table.
	json bool
	// out is the directory for CSV files and plots ("" for none).
	out string
}

// simConfig parses the sim command line into a validated sim.Config and
// the output options. A bad flag or configuration is a usageError.
func simConfig(env *Env, args []string) (sim.Config, simOpts, error) {
	fs := newFlags(env, commands["sim"])
	nodes := fs.Int("nodes", sim.DefaultNodes, "number of nodes")
	degree := fs.Int("degree", sim.DefaultDegree, "average peers per node (kleinberg, darknet); opennet peers every node keeps (opennet, where the default is "+
		strconv.Itoa(sim.DefaultOpennetDegree)+")")
	topology := fs.String("topology", string(sim.Kleinberg), "kleinberg (ideal small world), darknet (small world with scrambled locations, recovered by swapping) or opennet (path folding)")
	requests := fs.Int("requests", sim.DefaultRequests, "keys inserted, then each requested from another node")
	seed := fs.Uint64("seed", 1, "seed of every random choice: the same flags give the same result")
	htl := fs.Int("htl", int(routing.DefaultMaxHTL), "hops-to-live a request starts with (3 to 64)")
	swaps := fs.Int("swaps-per-node", 0, "swap attempts per node before the traffic (darknet)")
	anneal := fs.Int("anneal", 0, "anneal over the first M of the swaps per node: the swap rule warms up and cools to Hyphanet's (0: Hyphanet's rule throughout)")
	churn := fs.String("churn", string(sim.NoChurn), "none, or weibull (Weibull session and downtime lengths)")
	attack := fs.String("attack", string(sim.NoAttack), "none, or pitchblack (attackers clump the locations by lying in swaps)")
	attackers := fs.String("attackers", "", "attacking nodes: a count (100) or a percentage of the nodes (1%, at least 1); default 1% under attack")
	mitigation := fs.String("mitigation", "off", "on: the Pitch Black defence (nodes in empty keyspace relocate, and refuse swaps that take them away from their peers); relocate: relocation alone; off")
	foaf := fs.String("foaf", "on", "on: friend-of-a-friend routing (peers announce their peers' locations), as the node routes; off: plain greedy")
	epochs := fs.Int("epochs", 0, "periods of 30 virtual minutes the traffic is spread over (default 1, or 20 with churn or an attack; with --subscriptions, as many as cover their window)")
	epochSwaps := fs.Int("epoch-swaps", 0, "swap attempts per node between epochs (default 0, or 100 under attack)")
	warmup := fs.Int("warmup", 0, "opennet requests run before the measured traffic so that path folding shapes the network (default 4×nodes)")
	offerInterest := fs.Duration("offer-interest", 0, "how long a node remembers who asked for a missing key, to offer them its block (routing OfferInterestFor; 0: the node's default, "+
		routing.DefaultOfferInterestFor.String()+"; "+routing.DefaultRecentlyFailedFor.String()+", the RecentlyFailed time, is the old rule)")
	recentlyFailed := fs.Duration("recently-failed", 0, "how long a missing key is answered RecentlyFailed without routing (routing RecentlyFailedFor; 0: the node's default, "+
		routing.DefaultRecentlyFailedFor.String()+")")
	subscriptions := fs.Bool("subscriptions", false, "add live-feed subscriptions: feeds publish editions at random moments, followers poll for the next one and take offers")
	feeds := fs.Int("feeds", 100, "feeds (publishers on random nodes), with --subscriptions")
	followers := fs.Int("followers", sim.DefaultFollowers, "followers per feed (random other nodes), with --subscriptions")
	poll := fs.Duration("poll", sim.DefaultPollInterval, "a follower's poll interval (the node's USKPollInterval), with --subscriptions")
	duration := fs.Duration("duration", sim.DefaultSubDuration, "virtual time over which the editions are published, with --subscriptions")
	editions := fs.Int("editions", sim.DefaultEditions, "editions per feed, inserted at uniformly random moments of --duration, with --subscriptions")
	grace := fs.Duration("grace", 0, "how long the followers go on polling after --duration; an edition not seen by then counts as never seen (0: twice --poll), with --subscriptions")
	jsonOut := fs.Bool("json", false, "print the summary as one line of JSON")
	out := fs.String("out", "", "also write CSV files (requests, epochs, curve, locations, load, subscriptions) and SVG plots into this directory")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return sim.Config{}, simOpts{}, err
	}
	if len(pos) != 0 {
		return sim.Config{}, simOpts{}, usagef("sim takes no arguments, got %q", pos[0])
	}
	// An opennet node keeps more peers than a darknet node has friends:
	// without --degree, opennet takes its own default.
	degreeSet, subSet := false, ""
	fs.Visit(func(f *flag.Flag) {
		degreeSet = degreeSet || f.Name == "degree"
		switch f.Name {
		case "feeds", "followers", "poll", "duration", "editions", "grace":
			subSet = f.Name
		}
	})
	if subSet != "" && !*subscriptions {
		return sim.Config{}, simOpts{}, usagef("--%s needs --subscriptions", subSet)
	}
	if !degreeSet && sim.Topology(*topology) == sim.Opennet {
		*degree = sim.DefaultOpennetDegree
	}
	// Zero means "default" in sim.Config: an explicit 0 must not become
	// 1,000 nodes behind the user's back.
	for _, f := range []struct {
		name string
		v    int
	}{{"nodes", *nodes}, {"degree", *degree}, {"requests", *requests}, {"htl", *htl}} {
		if f.v <= 0 {
			return sim.Config{}, simOpts{}, usagef("--%s must be positive, got %d", f.name, f.v)
		}
	}
	if *htl > math.MaxUint8 {
		return sim.Config{}, simOpts{}, usagef("--htl %d: need 3 to 64", *htl)
	}
	cfg := sim.Config{
		Nodes:        *nodes,
		Degree:       *degree,
		Topology:     sim.Topology(*topology),
		Requests:     *requests,
		Seed:         *seed,
		HTL:          uint8(*htl),
		SwapsPerNode: *swaps,
		Anneal:       *anneal,
		Churn:        sim.Churn(*churn),
		Attack:       sim.Attack(*attack),
		Epochs:       *epochs,
		EpochSwaps:   *epochSwaps,
		Warmup:       *warmup,
	}
	if *epochs < 0 {
		return sim.Config{}, simOpts{}, usagef("--epochs %d: need 1 to 10,000", *epochs)
	}
	if *offerInterest < 0 || *recentlyFailed < 0 {
		return sim.Config{}, simOpts{}, usagef("--offer-interest and --recently-failed must not be negative")
	}
	cfg.Routing.OfferInterestFor, cfg.Routing.RecentlyFailedFor = *offerInterest, *recentlyFailed
	if *subscriptions {
		// Zero means "default" in sim.Subscribe, as in sim.Config.
		for _, f := range []struct {
			name string
			v    int64
		}{{"feeds", int64(*feeds)}, {"followers", int64(*followers)}, {"editions", int64(*editions)},
			{"poll", int64(*poll)}, {"duration", int64(*duration)}} {
			if f.v <= 0 {
				return sim.Config{}, simOpts{}, usagef("--%s must be positive", f.name)
			}
		}
		if *grace < 0 {
			return sim.Config{}, simOpts{}, usagef("--grace %v must not be negative", *grace)
		}
		cfg.Subscribe = sim.Subscribe{Feeds: *feeds, Followers: *followers, PollInterval: *poll,
			Duration: *duration, Editions: *editions, Grace: *grace}
	}
	switch *mitigation {
	case "on":
		cfg.Mitigation = true
	case "relocate":
		cfg.Mitigation, cfg.OwnLimit = true, -1
	case "off":
	default:
		return sim.Config{}, simOpts{}, usagef("--mitigation %q: want on, relocate or off", *mitigation)
	}
	switch *foaf {
	case "on":
	case "off":
		cfg.Routing.NoFOAF = true
	default:
		return sim.Config{}, simOpts{}, usagef("--foaf %q: want on or off", *foaf)
	}
	if *attackers != "" {
		if cfg.Attackers, err = parseAttackers(*attackers, *nodes); err != nil {
			return sim.Config{}, simOpts{}, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return sim.Config{}, simOpts{}, usagef("%v", err)
	}
	return cfg, simOpts{json: *jsonOut, out: *out}, nil
}

// parseAttackers reads --attackers: a count ("100") or a percentage of the
// nodes ("1%", "0.5%"), rounded to the nearest count and at least 1 when
// the percentage is not 0.
func parseAttackers(s string, nodes int) (int, error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(pct) || pct < 0 || pct > 100 {
			return 0, usagef("--attackers %q: want a count or a percentage of the nodes from 0%% to 100%%", s)
		}
		n := int(math.Round(float64(nodes) * pct / 100))
		if pct > 0 {
			n = max(n, 1)
		}
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, usagef("--attackers %q: want a count (100) or a percentage of the nodes (1%%)", s)
	}
	return n, nil
}

func runSim(ctx context.Context, env *Env, args []string) error {
	cfg, opts, err := simConfig(env, args)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := sim.Run(ctx, cfg)
	wall := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("sim: interrupted")
		}
		return err
	}
	if opts.json {
		b, err := json.Marshal(r.Summary)
		if err != nil {
			return fmt.Errorf("sim: encode the summary: %w", err)
		}
		if _, err := env.Stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if err := printSummary(env.Stdout, &r.Summary); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "sim: wall %s, peak RSS %d MiB, %s simulated hops/s\n",
		formatWall(wall), peakRSS()>>20, formatRate(float64(r.Summary.SimulatedHops), wall))
	if opts.out == "" {
		return nil
	}
	if err := r.WriteCSV(opts.out); err != nil {
		return err
	}
	files := csvFiles(opts.out, r)
	plots, err := simplot.Write(opts.out, r)
	files = append(files, plots...)
	for _, f := range files {
		fmt.Fprintf(env.Stderr, "sim: wrote %s\n", f)
	}
	return err
}

// csvFiles lists the files Result.WriteCSV writes into dir for r.
func csvFiles(dir string, r *sim.Result) []string {
	names := []string{"requests.csv", "epochs.csv"}
	if len(r.Curve) > 0 {
		names = append(names, "curve.csv")
	}
	names = append(names, "locations.csv", "load.csv")
	if len(r.Deliveries) > 0 {
		names = append(names, "subscriptions.csv")
	}
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names
}

// printSummary prints s as a short table.
func printSummary(w io.Writer, s *sim.Summary) error {
	pct := func(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	attack := string(s.Attack)
	if s.Attack != sim.NoAttack {
		mit := "off"
		if s.Mitigation {
			mit = "on (" + s.Defence + ")"
		}
		attack += fmt.Sprintf(", %d attackers, mitigation %s", s.Attackers, mit)
	}
	swaps := fmt.Sprintf("%d swaps per node", s.Swaps)
	if s.Anneal > 0 {
		swaps += fmt.Sprintf(" (the first %d annealed)", s.Anneal)
	}
	rows := [][2]string{
		{"network", fmt.Sprintf("%s, %d nodes, degree %d, seed %d", s.Topology, s.Nodes, s.Degree, s.Seed)},
		{"traffic", fmt.Sprintf("%d requests, HTL %d, %s, %s", s.Requests, s.HTL, plural(s.Epochs, "epoch"), swaps)},
		{"churn", string(s.Churn)},
		{"attack", attack},
		{"success", fmt.Sprintf("%s of requests, %s of inserts", pct(s.SuccessRate), pct(s.InsertSuccessRate))},
		{"hops", fmt.Sprintf("mean %.2f, p50 %s, p99 %s", s.HopsMean, num(s.HopsP50), num(s.HopsP99))},
		{"greedy", fmt.Sprintf("mean %.2f hops, %s success", s.GreedyHopsMean, pct(s.GreedySuccessRate))},
		{"messages", fmt.Sprintf("mean %.2f per request", s.MessagesMean)},
		{"latency", fmt.Sprintf("p50 %.0f ms, p99 %.0f ms", s.LatencyP50ms, s.LatencyP99ms)},
		{"max load", fmt.Sprintf("%.2f × mean", s.MaxLoadRatio)},
		{"simulated", fmt.Sprintf("%d hops, %.1f virtual hours", s.SimulatedHops, s.VirtualSeconds/3600)},
	}
	if u := s.Subscriptions; u != nil {
		dur := func(sec float64) string { return time.Duration(sec * float64(time.Second)).String() }
		rows = append(rows, [][2]string{
			{"feeds", fmt.Sprintf("%d feeds × %d followers, %d editions each over %s, poll every %s, grace %s",
				u.Feeds, u.Followers, u.Editions, dur(u.DurationS), dur(u.PollS), dur(u.GraceS))},
			{"interest", fmt.Sprintf("offers for %s after an ask, RecentlyFailed for %s", dur(u.OfferInterestS), dur(u.RecentlyFailedS))},
			{"visible", fmt.Sprintf("post to visible p50 %.1f s, p95 %.1f s, p99 %.1f s, max %.1f s (%.1f× one fetch's p50 of %.1f s at p95)",
				u.VisibleP50S, u.VisibleP95S, u.VisibleP99S, u.VisibleMaxS, u.P95PerFetch, u.FetchP50S)},
			{"seen by", fmt.Sprintf("offer %s, poll %s, never %s (%s by followers online at the end), not published %s",
				pct(u.ByOffer), pct(u.ByPoll), pct(u.Unseen), pct(u.UnseenOnline), pct(u.Unpublished))},
			{"polls", fmt.Sprintf("%d, p50 %.1f s, p95 %.1f s to an answer; p50 %.1f s when found", u.Polls, u.PollP50S, u.PollP95S, u.PollFoundP50S)},
			{"sub cost", fmt.Sprintf("%.1f messages per subscription per hour: polls %.1f, inserts %.1f, offers %.1f",
				u.MessagesPerSubHour, u.PollMessagesPerSubHour, u.InsertMessagesPerSubHour, u.OfferMessagesPerSubHour)},
		}...)
		for _, p := range u.Phases {
			if p.Deliveries == 0 {
				continue
			}
			rows = append(rows, [2]string{"  " + p.Phase, fmt.Sprintf("%d deliveries, offer %s, never %s, p50 %.1f s, p95 %.1f s",
				p.Deliveries, pct(p.ByOffer), pct(p.Unseen), p.P50S, p.P95S)})
		}
	}
	bw := bufio.NewWriter(w)
	for _, row := range rows {
		fmt.Fprintf(bw, "%-10s %s\n", row[0], row[1])
	}
	return bw.Flush()
}

// plural formats n things: "1 epoch", "5 epochs".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// formatWall formats a wall time as seconds: 0.42s, 12.3s.
func formatWall(d time.Duration) string {
	s := d.Seconds()
	if s < 10 {
		return strconv.FormatFloat(s, 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(s, 'f', 1, 64) + "s"
}

// formatRate formats n per wall time with an SI suffix: 1.2M.
func formatRate(n float64, wall time.Duration) string {
	if wall <= 0 {
		return "0"
	}
	r := n / wall.Seconds()
	switch {
	case r >= 1e9:
		return strconv.FormatFloat(r/1e9, 'f', 1, 64) + "G"
	case r >= 1e6:
		return strconv.FormatFloat(r/1e6, 'f', 1, 64) + "M"
	case r >= 1e3:
		return strconv.FormatFloat(r/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(r, 'f', 0, 64)
}

// peakRSS returns the process's peak resident set size in bytes: VmHWM
// from /proc/self/status, or the memory the Go runtime obtained from the
// system where that is not readable.
func peakRSS() uint64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				f := strings.Fields(v)
				if len(f) == 2 && f[1] == "kB" {
					if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
						return kb << 10
					}
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys
}
