package simplot_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hamsnet/hams/routing/sim"
	"github.com/hamsnet/hams/routing/sim/simplot"
)

// Write draws the plots a Result has data for: here a single epoch
// without swapping, so no plot over time and no swapping curve.
func ExampleWrite() {
	r := &sim.Result{
		Config:  sim.Config{HTL: 18},
		Summary: sim.Summary{Nodes: 3, Degree: 2, Topology: sim.Kleinberg, Seed: 1},
		Records: []sim.Record{
			{Index: 0, Insert: true, OK: true, Hops: -1},
			{Index: 0, OK: true, Hops: 2},
			{Index: 1, Insert: true, OK: true, Hops: -1},
			{Index: 1, OK: false, Hops: -1, Err: "route not found"},
		},
		Epochs:          []sim.Epoch{{Requests: 2, Succeeded: 1, SuccessRate: 0.5}},
		LocationsBefore: []float64{0, 1.0 / 3, 2.0 / 3},
	}
	dir, err := os.MkdirTemp("", "simplot")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files, err := simplot.Write(dir, r)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// hops.svg
	// success_vs_htl.svg
	// locations.svg
}
