package simplot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/routing/sim"
)

// handResult is a small Result built by hand with every kind of data.
func handResult() *sim.Result {
	r := &sim.Result{
		Config:  sim.Config{HTL: 6},
		Summary: sim.Summary{Nodes: 8, Degree: 4, Topology: sim.Darknet, Seed: 3, Requests: 4, HTL: 6, Attack: sim.PitchBlack, Attackers: 1},
		Records: []sim.Record{
			{Index: 0, Insert: true, OK: true, Hops: -1, GreedyHops: -1},
			{Index: 0, OK: true, Hops: 2, GreedyHops: 2},
			{Index: 1, Insert: true, OK: true, Hops: -1, GreedyHops: -1},
			{Index: 1, OK: true, Hops: 3, GreedyHops: 4},
			{Index: 2, OK: true, Hops: 3, GreedyHops: 3},
			{Index: 3, OK: false, Err: "route not found", Hops: -1, GreedyHops: -1},
		},
		Epochs: []sim.Epoch{
			{Epoch: 0, StartS: 0, Requests: 2, Succeeded: 2, SuccessRate: 1, HopsMean: 2.5, Online: 8, MaxGap: 1.5},
			{Epoch: 1, StartS: 1800, Requests: 2, Succeeded: 1, SuccessRate: 0.5, HopsMean: math.NaN(), Online: 7, MaxGap: 3},
			{Epoch: 2, StartS: 3600, Requests: 0, SuccessRate: 0, Online: 7, MaxGap: 4.25},
		},
		Curve: []sim.CurvePoint{
			{SwapsPerNode: 0, Accepted: 0.6, GreedyHopsMean: 5.5, GreedySuccess: 0.4},
			{SwapsPerNode: 100, Accepted: 0.3, GreedyHopsMean: 3.5, GreedySuccess: 0.8},
			{SwapsPerNode: 200, Accepted: 0.2, GreedyHopsMean: 3, GreedySuccess: 0.9},
		},
		LocationsBefore: []float64{0.05, 0.2, 0.33, 0.41, 0.5, 0.77, 0.99},
		LocationsAfter:  []float64{0.1, 0.11, 0.12, 0.5, 0.51, 0.52, 0.999999},
		Load:            []uint32{4, 5, 6, 0, 1, 2, 3, 9},
	}
	return r
}

var allPlots = []string{"hops.svg", "success_vs_htl.svg", "locations.svg", "success_over_time.svg", "max_gap.svg", "swaps.svg", "swaps_success.svg"}

// names returns the base names of paths.
func names(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	files, err := Write(dir, handResult())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(files); !slices.Equal(got, allPlots) {
		t.Errorf("Write wrote %q, want %q", got, allPlots)
	}
	for _, f := range files {
		if filepath.Dir(f) != dir {
			t.Errorf("%s not in %s", f, dir)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.TrimSpace(string(b))
		if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
			t.Errorf("%s does not start as SVG: %.40q", f, s)
		}
		if !strings.Contains(s, "</svg>") {
			t.Errorf("%s has no </svg>", f)
		}
		if !strings.Contains(s, "darknet, 8 nodes, seed 3") {
			t.Errorf("%s: title lacks the topology, nodes and seed", f)
		}
	}
	htl, _ := os.ReadFile(filepath.Join(dir, "success_vs_htl.svg"))
	if !strings.Contains(string(htl), "Success vs HTL (requests found within h hops)") {
		t.Error("success_vs_htl.svg lacks its title")
	}
	loc, _ := os.ReadFile(filepath.Join(dir, "locations.svg"))
	if !strings.Contains(string(loc), "before swapping") || !strings.Contains(string(loc), "after") {
		t.Error("locations.svg lacks its legend")
	}

	// The same Result draws the same bytes.
	dir2 := t.TempDir()
	if _, err := Write(dir2, handResult()); err != nil {
		t.Fatal(err)
	}
	for _, name := range allPlots {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two writes of the same Result", name)
		}
	}
}

func TestWriteSkipsEmpty(t *testing.T) {
	// One epoch, no curve, no successes, locations unchanged: only the
	// HTL curve (all zero) and the locations (before only) are drawn.
	r := handResult()
	r.Epochs = r.Epochs[:1]
	r.Curve = nil
	r.LocationsAfter = slices.Clone(r.LocationsBefore)
	for i := range r.Records {
		if !r.Records[i].Insert {
			r.Records[i].OK, r.Records[i].Hops = false, -1
		}
	}
	dir := t.TempDir()
	files, err := Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(files), []string{"success_vs_htl.svg", "locations.svg"}; !slices.Equal(got, want) {
		t.Errorf("Write wrote %q, want %q", got, want)
	}
	loc, _ := os.ReadFile(filepath.Join(dir, "locations.svg"))
	if strings.Contains(string(loc), ">after<") {
		t.Error("locations.svg draws an after series equal to before")
	}

	files, err = Write(t.TempDir(), &sim.Result{})
	if err != nil || len(files) != 0 {
		t.Errorf("empty Result: wrote %q, %v", files, err)
	}
}

func TestWriteErrors(t *testing.T) {
	if _, err := Write(t.TempDir(), nil); err == nil || !strings.HasPrefix(err.Error(), "simplot: ") {
		t.Errorf("nil Result: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(filepath.Join(file, "sub"), handResult()); err == nil || !strings.HasPrefix(err.Error(), "simplot: ") {
		t.Errorf("Write under a file: %v, want a simplot: error", err)
	}
}

func TestIntegerTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []float64
	}{
		{-0.5, 3.5, []float64{0, 1, 2, 3}},
		{0, 18, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}},
		{0, 40, []float64{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40}},
		{-0.5, 64.5, []float64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60}},
		{3, 1001, []float64{50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650, 700, 750, 800, 850, 900, 950, 1000}},
		{3, 2500, []float64{200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400}},
		{0.2, 0.8, nil},
	} {
		var got []float64
		for _, tk := range integerTicks(c.lo, c.hi) {
			got = append(got, tk.Value)
			if tk.Label == "" {
				t.Errorf("[%v,%v]: tick %v has no label", c.lo, c.hi, tk.Value)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("integerTicks(%v, %v) = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}
