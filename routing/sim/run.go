package sim

import (
	"context"
	"time"

	"github.com/hamsnet/hams/routing"
)

// warmupRate is how many opennet warm-up keys are inserted per virtual
// second.
const warmupRate = 5

// curveSample is how many random pairs each point of the swapping curve
// routes between.
const curveSample = 1000

// Run simulates cfg. It stops early with ctx's error when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	res := &Result{Config: cfg}

	// The graph and its locations.
	var locs []routing.Location
	switch cfg.Topology {
	case Kleinberg:
		locs = evenLocations(cfg.Nodes)
	default:
		locs = randomLocations(cfg.Nodes, newRand(cfg.Seed, streamLocations))
	}
	nw, err := newNetwork(cfg, locs)
	if err != nil {
		return nil, err
	}
	if cfg.Attack != NoAttack {
		// Attackers are spread over the graph: every (Nodes/Attackers)th
		// node, from a seeded offset.
		step := float64(cfg.Nodes) / float64(cfg.Attackers)
		off := newRand(cfg.Seed, streamAttack).Float64() * step
		for k := range cfg.Attackers {
			nw.nodes[int(off+float64(k)*step)%cfg.Nodes].attacker = true
		}
	}
	e := newEngine(cfg, nw)
	var on *opennet
	if cfg.Topology == Opennet {
		on = buildOpennet(e)
		e.onData = on.touch
		e.onFound = on.fold
	} else {
		for _, l := range kleinbergLinks(cfg) {
			nw.connect(int32(l[0]), int32(l[1]), 0)
		}
	}
	res.LocationsBefore = nw.honestLocations()

	// Swapping before the traffic, with its curve.
	sw := newSwapper(cfg, nw)
	if cfg.SwapsPerNode > 0 {
		crng := newRand(cfg.Seed, streamCurve)
		point := func(done int) {
			h, s := curvePoint(nw, int(cfg.HTL), !cfg.Routing.NoFOAF, curveSample, crng)
			acc := 0.0
			if sw.attempts > 0 {
				acc = float64(sw.accepted) / float64(sw.attempts)
			}
			res.Curve = append(res.Curve, CurvePoint{SwapsPerNode: done, Accepted: acc, GreedyHopsMean: h, GreedySuccess: s})
			sw.attempts, sw.accepted = 0, 0
		}
		point(0)
		done := 0
		for p := 1; p <= cfg.CurvePoints; p++ {
			upto := cfg.SwapsPerNode * p / cfg.CurvePoints
			for ; done < upto; done++ {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				sw.beta = routing.AnnealBeta(done, cfg.Anneal, cfg.AnnealFrom)
				sw.round()
			}
			point(done)
		}
	}

	// The traffic: warm-up keys (opennet), then Requests keys epoch by
	// epoch, each inserted at a random time of its epoch and requested
	// RequestDelay later.
	nkeys := cfg.Warmup + cfg.Requests
	e.ops = make([]op, 2*nkeys, 2*nkeys+cfg.Requests)
	warm := int64(0)
	if cfg.Warmup > 0 {
		warm = int64(cfg.Warmup) * int64(time.Second) / warmupRate
	}
	t0 := int64(0)
	if warm > 0 {
		t0 = warm + int64(cfg.RequestDelay) + int64(time.Minute)
	}
	epochLen := int64(cfg.EpochLength)
	span := epochLen - int64(cfg.RequestDelay)
	first := 0 // measured keys of the first epoch
	for k := range nkeys {
		var at int64
		epoch, index := int32(-1), int32(-1)
		if k < cfg.Warmup {
			at = int64(e.traffic.Float64() * float64(warm))
		} else {
			m := k - cfg.Warmup
			epoch, index = int32(m*cfg.Epochs/cfg.Requests), int32(m)
			at = t0 + int64(epoch)*epochLen + int64(e.traffic.Float64()*float64(span))
			if epoch == 0 {
				first++
			}
		}
		key := e.keyFor(int32(k))
		e.ops[2*k] = op{key: key, at: at, insert: true, epoch: epoch, index: index, pair: int32(2*k + 1), inserter: -1}
		e.ops[2*k+1] = op{key: key, at: at + int64(cfg.RequestDelay), epoch: epoch, index: index, pair: -1, inserter: -1}
	}
	e.pending = 2 * cfg.Requests
	// Re-reads: in every later epoch, as many requests as an epoch has
	// keys ask again for the first epoch's keys, from random nodes: does
	// what was published survive churn, swapping and attacks?
	for ep := 1; ep < cfg.Epochs; ep++ {
		for j := range min(first, cfg.Requests/cfg.Epochs) {
			src := e.ops[2*(cfg.Warmup+(j+ep*7919)%first)]
			at := t0 + int64(ep)*epochLen + int64(e.traffic.Float64()*float64(span)) + int64(cfg.RequestDelay)
			e.ops = append(e.ops, op{key: src.key, at: at, epoch: int32(ep), index: src.index, pair: -1, inserter: -1, reread: true})
			e.pending++
		}
	}
	for i := range e.ops {
		e.q.push(event{at: e.ops[i].at, kind: evStart, op: int32(i)})
	}
	nw.announceAll()
	sw.attacking = cfg.Attack == PitchBlack
	end := t0 + int64(cfg.Epochs)*epochLen
	for ep := range cfg.Epochs {
		e.q.push(event{at: t0 + int64(ep)*epochLen, kind: evEpoch, op: int32(ep)})
	}
	if cfg.Subscribe.on() {
		e.sub = startSubscriptions(e, t0)
		end = max(end, e.sub.end)
	}
	var ch *churner
	if cfg.Churn == WeibullChurn {
		ch = startChurn(e, end)
	}
	res.Epochs = make([]Epoch, cfg.Epochs)

	hardStop := end + int64(time.Hour)
	for n := 0; e.q.len() > 0; n++ {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ev := e.q.pop()
		if ev.at > hardStop || (e.pending == 0 && ev.at >= end) {
			break
		}
		e.now, e.dataHops = ev.at, 0
		switch ev.kind {
		case evDeliver:
			e.deliver(&ev)
		case evTick:
			e.tick(ev.node)
		case evStart:
			e.start(ev.op)
		case evChurn:
			ch.toggle(ev.node)
		case evPoll:
			e.sub.pollDue(&ev)
		case evPublish:
			e.sub.publish(&ev)
		case evEpoch:
			ep := int(ev.op)
			if ep > 0 && cfg.EpochSwaps > 0 {
				for range cfg.EpochSwaps {
					sw.round()
				}
				nw.announceAll() // the nodes tell their peers where they moved
			}
			online := 0
			for i := range nw.nodes {
				if nw.nodes[i].online {
					online++
				}
			}
			res.Epochs[ep] = Epoch{Epoch: ep, StartS: float64(e.now-t0) / 1e9, Online: online,
				MaxGap: nw.maxGap(), Relocations: sw.relocations}
			sw.relocations = 0
		}
	}
	for i := range e.ops {
		if !e.ops[i].done {
			e.ops[i].err = "still running when the simulation ended"
			e.ops[i].done = true
		}
	}
	res.LocationsAfter = nw.honestLocations()
	res.Load = make([]uint32, len(nw.nodes))
	for i := range nw.nodes {
		res.Load[i] = nw.nodes[i].load
	}
	res.Records = records(e, cfg, t0)
	res.Summary = summarize(res, e, float64(e.now)/1e9)
	if e.sub != nil {
		res.Summary.Subscriptions = e.sub.summary(res.Summary.LatencyP50ms)
		res.Deliveries = e.sub.deliveries(t0)
	}
	return res, nil
}
