package sim

import (
	"cmp"
	"math"
	"slices"

	"github.com/hamsnet/hams/routing"
)

// records turns the measured ops into Records in start order.
func records(e *engine, cfg Config, t0 int64) []Record {
	out := make([]Record, 0, len(e.ops))
	for i := range e.ops {
		o := &e.ops[i]
		if o.epoch < 0 {
			continue
		}
		r := Record{
			Index: int(o.index), Insert: o.insert, Reread: o.reread, Epoch: int(o.epoch), Origin: int(o.origin),
			KeyLocation: routing.KeyLocation(o.key).Float(), StartMs: float64(o.at-t0) / 1e6,
			OK: o.ok, Err: o.err, Hops: -1, Messages: int(o.msgs), GreedyHops: -1, FOAFGreedyHops: -1,
		}
		if o.ok {
			r.LatencyMs = float64(o.ended-o.began) / 1e6
			if !o.insert {
				r.Hops = int(o.hops)
			}
		}
		if !o.insert {
			r.GreedyHops, r.FOAFGreedyHops = int(o.greedy), int(o.foafGreedy)
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Record) int { return cmp.Compare(a.StartMs, b.StartMs) })
	return out
}

// quantile returns the q-quantile of sorted xs by nearest rank (0 when
// empty).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	k := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(k, 0), len(xs)-1)]
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// round4 keeps 4 decimals, so that the JSON is short.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// summarize computes the Summary and the epochs' traffic figures.
func summarize(res *Result, e *engine, virtual float64) Summary {
	cfg := res.Config
	s := Summary{
		Nodes: cfg.Nodes, Degree: cfg.Degree, Topology: cfg.Topology, Seed: cfg.Seed,
		Requests: cfg.Requests, HTL: cfg.HTL, Swaps: cfg.SwapsPerNode, Anneal: cfg.Anneal, Churn: cfg.Churn,
		Attack: cfg.Attack, Attackers: cfg.Attackers, Mitigation: cfg.Mitigation, Epochs: cfg.Epochs,
		SimulatedHops: e.delivered, VirtualSeconds: round4(virtual),
	}
	if cfg.Mitigation {
		s.Defence = "relocate"
		if cfg.OwnLimit >= 0 {
			s.Defence += "+limit"
		}
	}
	var hops, lat, msgs, greedy, foaf []float64
	reqs, ok, ins, insOK, rereads, rereadOK := 0, 0, 0, 0, 0, 0
	epHops := make([][]float64, len(res.Epochs))
	for _, r := range res.Records {
		if r.Insert {
			ins++
			if r.OK {
				insOK++
			}
			continue
		}
		if r.Reread {
			rereads++
			res.Epochs[r.Epoch].Rereads++
			if r.OK {
				rereadOK++
				res.Epochs[r.Epoch].RereadSucceeded++
			}
			continue
		}
		reqs++
		res.Epochs[r.Epoch].Requests++
		msgs = append(msgs, float64(r.Messages))
		if r.GreedyHops >= 0 {
			greedy = append(greedy, float64(r.GreedyHops))
		}
		if r.FOAFGreedyHops >= 0 {
			foaf = append(foaf, float64(r.FOAFGreedyHops))
		}
		if r.OK {
			ok++
			res.Epochs[r.Epoch].Succeeded++
			hops = append(hops, float64(r.Hops))
			lat = append(lat, r.LatencyMs)
			epHops[r.Epoch] = append(epHops[r.Epoch], float64(r.Hops))
		}
	}
	for i := range res.Epochs {
		ep := &res.Epochs[i]
		if ep.Requests > 0 {
			ep.SuccessRate = round4(float64(ep.Succeeded) / float64(ep.Requests))
		}
		if ep.Rereads > 0 {
			ep.RereadSuccessRate = round4(float64(ep.RereadSucceeded) / float64(ep.Rereads))
		}
		ep.HopsMean = round4(mean(epHops[i]))
		ep.MaxGap = round4(ep.MaxGap)
		ep.StartS = round4(ep.StartS)
	}
	slices.Sort(hops)
	slices.Sort(lat)
	if reqs > 0 {
		s.SuccessRate = round4(float64(ok) / float64(reqs))
		s.GreedySuccessRate = round4(float64(len(greedy)) / float64(reqs))
		s.FOAFGreedySuccessRate = round4(float64(len(foaf)) / float64(reqs))
	}
	if rereads > 0 {
		s.RereadSuccessRate = round4(float64(rereadOK) / float64(rereads))
	}
	if ins > 0 {
		s.InsertSuccessRate = round4(float64(insOK) / float64(ins))
	}
	s.HopsMean = round4(mean(hops))
	s.HopsP50 = quantile(hops, 0.5)
	s.HopsP99 = quantile(hops, 0.99)
	s.GreedyHopsMean = round4(mean(greedy))
	s.FOAFGreedyHopsMean = round4(mean(foaf))
	s.MessagesMean = round4(mean(msgs))
	s.LatencyP50ms = round4(quantile(lat, 0.5))
	s.LatencyP99ms = round4(quantile(lat, 0.99))
	var total, peak float64
	for _, l := range res.Load {
		total += float64(l)
		peak = max(peak, float64(l))
	}
	if total > 0 {
		s.MaxLoadRatio = round4(peak / (total / float64(len(res.Load))))
	}
	return s
}
