package sim_test

import (
	"context"
	"fmt"

	"github.com/hamsnet/hams/routing/sim"
)

// A researcher's script: the same 500-node friend graph, once with the
// ideal Kleinberg locations and once scrambled and then recovered by
// location swapping. Every number is fixed by the seed.
func ExampleRun() {
	for _, cfg := range []sim.Config{
		{Nodes: 500, Requests: 200, Seed: 42, Topology: sim.Kleinberg},
		{Nodes: 500, Requests: 200, Seed: 42, Topology: sim.Darknet, SwapsPerNode: 500},
	} {
		r, err := sim.Run(context.Background(), cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		s := r.Summary
		fmt.Printf("%s: success %.2f, mean hops %.2f\n", s.Topology, s.SuccessRate, s.HopsMean)
	}
	// Output:
	// kleinberg: success 1.00, mean hops 2.56
	// darknet: success 1.00, mean hops 2.78
}
