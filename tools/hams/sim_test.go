package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/routing/sim"
)

// parseSim runs simConfig on args with a throw-away stderr.
func parseSim(args ...string) (sim.Config, simOpts, error) {
	return simConfig(&Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}, args)
}

func TestSimConfigDefaults(t *testing.T) {
	cfg, opts, err := parseSim()
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Config{Nodes: 1000, Degree: 8, Topology: sim.Kleinberg, Requests: 1000, Seed: 1, HTL: 18, Churn: sim.NoChurn, Attack: sim.NoAttack}
	if cfg != want {
		t.Errorf("defaults: %+v\nwant %+v", cfg, want)
	}
	if opts != (simOpts{}) {
		t.Errorf("default options %+v", opts)
	}
}

func TestSimConfigFlags(t *testing.T) {
	cfg, opts, err := parseSim("--nodes", "5000", "--degree", "10", "--topology", "darknet", "--requests", "300",
		"--seed", "42", "--htl", "20", "--swaps-per-node", "2000", "--anneal", "1500", "--churn", "weibull", "--attack", "pitchblack",
		"--attackers", "25", "--mitigation", "on", "--epochs", "7", "--epoch-swaps", "50", "--json", "--out", "dir", "--foaf", "off")
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Config{Nodes: 5000, Degree: 10, Topology: sim.Darknet, Requests: 300, Seed: 42, HTL: 20, SwapsPerNode: 2000, Anneal: 1500,
		Churn: sim.WeibullChurn, Attack: sim.PitchBlack, Attackers: 25, Mitigation: true, Epochs: 7, EpochSwaps: 50}
	want.Routing.NoFOAF = true
	if cfg != want {
		t.Errorf("config %+v\nwant %+v", cfg, want)
	}
	if opts != (simOpts{json: true, out: "dir"}) {
		t.Errorf("options %+v", opts)
	}
	cfg, _, err = parseSim("--attack", "pitchblack", "--mitigation", "relocate")
	if err != nil || !cfg.Mitigation || cfg.OwnLimit >= 0 {
		t.Errorf("--mitigation relocate: %+v, %v", cfg, err)
	}
	cfg, _, err = parseSim("--topology", "opennet", "--warmup", "99", "--mitigation", "off")
	if err != nil || cfg.Warmup != 99 || cfg.Topology != sim.Opennet || cfg.Mitigation || cfg.Degree != sim.DefaultOpennetDegree {
		t.Errorf("opennet: %+v, %v", cfg, err)
	}
	// An opennet node keeps 20 peers unless told otherwise.
	cfg, _, err = parseSim("--degree", "8", "--topology", "opennet")
	if err != nil || cfg.Degree != 8 {
		t.Errorf("opennet --degree 8: %+v, %v", cfg, err)
	}
}

func TestSimConfigSubscriptions(t *testing.T) {
	cfg, _, err := parseSim("--subscriptions")
	want := sim.Subscribe{Feeds: 100, Followers: 20, PollInterval: 5 * time.Minute, Duration: 2 * time.Hour, Editions: 12}
	if err != nil || cfg.Subscribe != want || cfg.Routing.OfferInterestFor != 0 || cfg.Routing.RecentlyFailedFor != 0 {
		t.Errorf("--subscriptions: %+v, %v", cfg, err)
	}
	cfg, _, err = parseSim("--subscriptions", "--feeds", "7", "--followers", "3", "--poll", "2m", "--duration", "90m",
		"--editions", "4", "--grace", "1m", "--offer-interest", "3m", "--recently-failed", "2m")
	want = sim.Subscribe{Feeds: 7, Followers: 3, PollInterval: 2 * time.Minute, Duration: 90 * time.Minute, Editions: 4, Grace: time.Minute}
	if err != nil || cfg.Subscribe != want || cfg.Routing.OfferInterestFor != 3*time.Minute || cfg.Routing.RecentlyFailedFor != 2*time.Minute {
		t.Errorf("subscription flags: %+v, %v", cfg, err)
	}
	// The routing knobs apply to any run.
	cfg, _, err = parseSim("--offer-interest", "10m")
	if err != nil || cfg.Routing.OfferInterestFor != 10*time.Minute || cfg.Subscribe != (sim.Subscribe{}) {
		t.Errorf("--offer-interest alone: %+v, %v", cfg, err)
	}
	for _, args := range [][]string{
		{"--feeds", "10"}, {"--poll", "1m"}, {"--grace", "1m"}, // without --subscriptions
		{"--subscriptions", "--feeds", "0"}, {"--subscriptions", "--followers", "-1"}, {"--subscriptions", "--editions", "0"},
		{"--subscriptions", "--poll", "0s"}, {"--subscriptions", "--duration", "-1h"}, {"--subscriptions", "--grace", "-1s"},
		{"--subscriptions", "--nodes", "10", "--followers", "10"}, {"--offer-interest", "-1s"}, {"--recently-failed", "-3m"},
		{"--subscriptions", "--poll", "often"},
	} {
		_, _, err := parseSim(args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func TestSimAttackers(t *testing.T) {
	for _, c := range []struct {
		nodes, arg string
		want       int
	}{
		{"10000", "1%", 100},
		{"10000", "2%", 200},
		{"10000", "0.5%", 50},
		{"100", "0.4%", 1}, // rounds to 0, but at least 1
		{"1000", "0.25%", 3},
		{"1000", "7", 7},
		{"1000", "0", 0}, // the default: 1% under attack
	} {
		cfg, _, err := parseSim("--nodes", c.nodes, "--attack", "pitchblack", "--attackers", c.arg)
		if err != nil {
			t.Errorf("--nodes %s --attackers %s: %v", c.nodes, c.arg, err)
			continue
		}
		if cfg.Attackers != c.want {
			t.Errorf("--nodes %s --attackers %s: %d attackers, want %d", c.nodes, c.arg, cfg.Attackers, c.want)
		}
	}
}

func TestSimUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--attack", "pitchblack", "--attackers", "abc"},
		{"--attack", "pitchblack", "--attackers", "-3"},
		{"--attack", "pitchblack", "--attackers", "1.5"},
		{"--attack", "pitchblack", "--attackers", "%"},
		{"--attack", "pitchblack", "--attackers", "-1%"},
		{"--attack", "pitchblack", "--attackers", "101%"},
		{"--attack", "pitchblack", "--attackers", "NaN%"},
		{"--attack", "pitchblack", "--attackers", "1000"}, // all the nodes
		{"--attackers", "5"},                              // without --attack
		{"--mitigation", "maybe"},
		{"--foaf", "sometimes"},
		{"--mitigation", "true"},
		{"--nodes", "0"},
		{"--nodes", "1"},
		{"--degree", "0"},
		{"--requests", "-1"},
		{"--htl", "0"},
		{"--htl", "2"},
		{"--htl", "300"},
		{"--epochs", "-1"},
		{"--topology", "mesh"},
		{"--churn", "poisson"},
		{"--attack", "sybil"},
		{"--topology", "opennet", "--swaps-per-node", "10"},
		{"--topology", "darknet", "--swaps-per-node", "10", "--anneal", "20"},
		{"--nodes", "lots"},
		{"--bogus"},
		{"extra"},
	} {
		_, _, err := parseSim(args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, _, err := parseSim("--mitigation", "maybe"); err == nil || !strings.Contains(err.Error(), "on, relocate or off") {
		t.Errorf("--mitigation maybe: %v", err)
	}

	// Through the command: exit status 2 and the usage line.
	r := hams(t, nil, nil, false, "sim", "--nodes", "1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--nodes 1") || !strings.Contains(r.stderr, "usage: hams sim") {
		t.Errorf("hams sim --nodes 1: %+v", r)
	}
	r = hams(t, nil, nil, false, "help", "sim")
	if r.code != exitOK || !strings.Contains(r.stderr, "--attackers") || !strings.Contains(r.stderr, "--mitigation") {
		t.Errorf("hams help sim: %+v", r)
	}
}

func TestSimHelpers(t *testing.T) {
	if rss := peakRSS(); rss < 1<<20 {
		t.Errorf("peak RSS %d bytes", rss)
	}
	for _, c := range []struct {
		n    float64
		secs float64
		want string
	}{{1.2e6, 1, "1.2M"}, {5e9, 2, "2.5G"}, {1500, 1, "1.5k"}, {12, 4, "3"}, {5, 0, "0"}} {
		if got := formatRate(c.n, secondsDur(c.secs)); got != c.want {
			t.Errorf("formatRate(%v, %vs) = %q, want %q", c.n, c.secs, got, c.want)
		}
	}
	if got := formatWall(secondsDur(12.34)); got != "12.3s" {
		t.Errorf("formatWall(12.34s) = %q", got)
	}
	if got := formatWall(secondsDur(0.5)); got != "0.50s" {
		t.Errorf("formatWall(0.5s) = %q", got)
	}
}

// TestSimRun runs the simulator end to end.
func TestSimRun(t *testing.T) {
	args := []string{"sim", "--nodes", "200", "--requests", "50", "--json"}
	r := hams(t, nil, nil, false, args...)
	if r.code != exitOK {
		t.Fatalf("hams %q: %+v", args, r)
	}
	if !regexp.MustCompile(`(?m)^sim: wall [0-9.]+s, peak RSS [0-9]+ MiB, [0-9.]+[kMG]? simulated hops/s$`).MatchString(r.stderr) {
		t.Errorf("stderr lacks the wall/RSS/rate line: %q", r.stderr)
	}
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Errorf("--json printed not exactly one line: %q", r.stdout)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("--json output: %v: %q", err, r.stdout)
	}
	for _, k := range []string{"nodes", "degree", "topology", "seed", "requests", "success_rate", "hops_mean",
		"hops_p50", "hops_p99", "latency_p50_ms", "latency_p99_ms", "max_load_ratio"} {
		if _, ok := m[k]; !ok {
			t.Errorf("--json output lacks %q: %s", k, r.stdout)
		}
	}
	if m["nodes"] != 200.0 || m["requests"] != 50.0 || m["topology"] != "kleinberg" || m["seed"] != 1.0 {
		t.Errorf("--json output does not echo the flags: %s", r.stdout)
	}
	if r2 := hams(t, nil, nil, false, args...); r2.stdout != r.stdout {
		t.Errorf("two runs with the same flags differ:\n%s%s", r.stdout, r2.stdout)
	}

	// The table, and the files of --out.
	dir := filepath.Join(t.TempDir(), "out")
	r = hams(t, nil, nil, false, "sim", "--nodes", "200", "--requests", "50", "--out", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "success") || !strings.Contains(r.stdout, "200 nodes") {
		t.Fatalf("table run: %+v", r)
	}
	for _, f := range []string{"requests.csv", "epochs.csv", "locations.csv", "load.csv", "hops.svg", "success_vs_htl.svg", "locations.svg"} {
		path := filepath.Join(dir, f)
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("--out: %s: %v", f, err)
		}
		if !strings.Contains(r.stderr, "sim: wrote "+path+"\n") {
			t.Errorf("stderr does not report %s: %q", path, r.stderr)
		}
	}
}

// TestSimRunSubscriptions runs the subscription workload end to end: the
// JSON carries its numbers, the table its rows, --out its CSV file.
func TestSimRunSubscriptions(t *testing.T) {
	args := []string{"sim", "--nodes", "200", "--requests", "50", "--subscriptions", "--feeds", "3", "--followers", "4",
		"--duration", "30m", "--editions", "3", "--json"}
	r := hams(t, nil, nil, false, args...)
	if r.code != exitOK {
		t.Fatalf("hams %q: %+v", args, r)
	}
	var m struct {
		Subs map[string]any `json:"subscriptions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("--json output: %v: %q", err, r.stdout)
	}
	for _, k := range []string{"visible_p50_s", "visible_p95_s", "visible_p99_s", "visible_max_s", "by_poll", "by_offer", "unseen",
		"fetch_p50_s", "messages_per_sub_hour", "poll_messages_per_sub_hour", "offer_messages_per_sub_hour", "phases"} {
		if _, ok := m.Subs[k]; !ok {
			t.Errorf("--json subscriptions lack %q: %s", k, r.stdout)
		}
	}
	if m.Subs["deliveries"] != 36.0 || m.Subs["offer_interest_s"] != 3600.0 {
		t.Errorf("--json subscriptions do not echo the flags: %s", r.stdout)
	}
	if r2 := hams(t, nil, nil, false, args...); r2.stdout != r.stdout {
		t.Errorf("two runs with the same flags differ:\n%s%s", r.stdout, r2.stdout)
	}
	dir := filepath.Join(t.TempDir(), "out")
	r = hams(t, nil, nil, false, append(args[:len(args)-1], "--offer-interest", "3m", "--out", dir)...)
	if r.code != exitOK {
		t.Fatalf("table run: %+v", r)
	}
	for _, row := range []string{"feeds      3 feeds × 4 followers, 3 editions each over 30m0s, poll every 5m0s",
		"interest   offers for 3m0s after an ask", "visible    post to visible p50 ", "seen by    offer ", "sub cost   "} {
		if !strings.Contains(r.stdout, row) {
			t.Errorf("the table lacks %q:\n%s", row, r.stdout)
		}
	}
	path := filepath.Join(dir, "subscriptions.csv")
	if b, err := os.ReadFile(path); err != nil || strings.Count(string(b), "\n") != 37 {
		t.Errorf("%s: %v, %d lines", path, err, strings.Count(string(b), "\n"))
	}
	if !strings.Contains(r.stderr, "sim: wrote "+path+"\n") {
		t.Errorf("stderr does not report %s: %q", path, r.stderr)
	}
}

// secondsDur converts seconds to a Duration.
func secondsDur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
