package sim

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/hamsnet/hams/routing"
)

func ringStats(nw *network) (medStep float64, wraps float64) {
	n := len(nw.nodes)
	steps := make([]float64, n)
	tv := 0.0
	for i := range n {
		a, b := nw.nodes[i].loc.Float(), nw.nodes[(i+1)%n].loc.Float()
		d := b - a
		d -= math.Round(d)
		steps[i] = math.Abs(d) * float64(n)
		tv += math.Abs(d)
	}
	slices.Sort(steps)
	return steps[n/2], tv
}

func envInt(k string, d int) int {
	if v := os.Getenv(k); v != "" {
		x, _ := strconv.Atoi(v)
		return x
	}
	return d
}

func TestExpSwap(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	cfg := Config{Nodes: envInt("N", 10000), Degree: envInt("K", 8), Topology: Darknet, Seed: 1}
	cfg = cfg.withDefaults()
	cfg.SwapWalk = envInt("WALK", 10)
	locs := randomLocations(cfg.Nodes, newRand(cfg.Seed, streamLocations))
	if os.Getenv("IDEAL") != "" {
		locs = evenLocations(cfg.Nodes)
	}
	nw, err := newNetwork(cfg, locs)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range kleinbergLinks(cfg) {
		nw.connect(int32(l[0]), int32(l[1]), 0)
	}
	sw := newSwapper(cfg, nw)
	mode := os.Getenv("MODE")
	total := envInt("SWAPS", 4000)
	every := envInt("EVERY", 500)
	crng := newRand(9, streamCurve)
	for done := 0; done <= total; done++ {
		if done%every == 0 {
			med, tv := ringStats(nw)
			_, s := curvePoint(nw, 18, true, 500, crng)
			acc := 0.0
			if sw.attempts > 0 {
				acc = float64(sw.accepted) / float64(sw.attempts)
			}
			fmt.Printf("%s swaps=%d medstep=%.1f wraps=%.1f foafsucc=%.3f acc=%.4f E/edge=%.3f\n", mode, done, med, tv, s, acc, energy(nw))
			sw.attempts, sw.accepted = 0, 0
		}
		if done == total {
			break
		}
		switch mode {
		case "anneal":
			ramp := envInt("RAMP", 2000)
			beta := 1.0
			b0 := float64(envInt("B0", 25)) / 100
			if done < ramp {
				beta = b0 + (1-b0)*float64(done)/float64(ramp)
			}
			expRound(sw, beta, nil)
		case "local":
			expRound(sw, 1, func(a int32) int32 {
				adj := sw.nw.nodes[a].adj
				return adj[sw.rng.IntN(len(adj))].peer
			})
		default:
			sw.round()
		}
	}
	_ = routing.Location(0)
}

func energy(nw *network) float64 {
	e, m := 0.0, 0
	for i := range nw.nodes {
		for _, l := range nw.nodes[i].adj {
			if int(l.peer) > i {
				d := nw.nodes[i].loc.DistanceTo(nw.nodes[l.peer].loc)
				e += math.Log(float64(max(d, 1)) / (1 << 64))
				m++
			}
		}
	}
	return e / float64(m)
}

func expRound(s *swapper, beta float64, pick func(int32) int32) {
	n := len(s.nw.nodes)
	for range n {
		a := int32(s.rng.IntN(n))
		var b int32
		if pick != nil {
			b = pick(a)
		} else {
			b = s.walk(a)
		}
		if b < 0 || b == a {
			continue
		}
		s.attempts++
		na, nb := &s.nw.nodes[a], &s.nw.nodes[b]
		s.pa = s.peerLocs(s.pa, a, b)
		s.pb = s.peerLocs(s.pb, b, a)
		before := logD(na.loc, s.pa) + logD(nb.loc, s.pb)
		after := logD(nb.loc, s.pa) + logD(na.loc, s.pb)
		if after <= before || s.rng.Float64() < math.Exp(beta*(before-after)) {
			s.accepted++
			la, lb := na.loc, nb.loc
			na.loc, nb.loc = lb, la
		}
	}
}

func logD(l routing.Location, ps []routing.Location) float64 {
	s := 0.0
	for _, p := range ps {
		s += math.Log(float64(max(l.DistanceTo(p), 1)))
	}
	return s
}
