package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// weibull draws a Weibull-distributed duration.
func weibull(rng *rand.Rand, shape float64, scale time.Duration) int64 {
	return max(1, int64(float64(scale)*math.Pow(-math.Log1p(-rng.Float64()), 1/shape)))
}

// churner makes honest nodes leave and return with Weibull session and
// downtime lengths. Attackers stay online.
type churner struct {
	e   *engine
	rng *rand.Rand
	end int64 // no new churn events after this
}

// startChurn puts each honest node online with the stationary probability
// of the on/off process and schedules its first change.
func startChurn(e *engine, end int64) *churner {
	w := e.cfg.Weibull
	on := float64(w.Scale) * math.Gamma(1+1/w.Shape)
	off := float64(w.OffScale) * math.Gamma(1+1/w.OffShape)
	ch := &churner{e: e, rng: newRand(e.cfg.Seed, streamChurn), end: end}
	for i := range e.nw.nodes {
		if e.nw.nodes[i].attacker {
			continue
		}
		if ch.rng.Float64() >= on/(on+off) {
			e.leave(int32(i))
			ch.schedule(int32(i), w.OffShape, w.OffScale)
		} else {
			ch.schedule(int32(i), w.Shape, w.Scale)
		}
	}
	return ch
}

func (ch *churner) schedule(i int32, shape float64, scale time.Duration) {
	if at := ch.e.now + weibull(ch.rng, shape, scale); at < ch.end {
		ch.e.q.push(event{at: at, kind: evChurn, node: i})
	}
}

// toggle runs node i's churn event.
func (ch *churner) toggle(i int32) {
	w := ch.e.cfg.Weibull
	if ch.e.nw.nodes[i].online {
		ch.e.leave(i)
		ch.schedule(i, w.OffShape, w.OffScale)
	} else {
		ch.e.join(i)
		ch.schedule(i, w.Shape, w.Scale)
	}
}

// leave takes node i offline: its peers drop the link at once (requests
// waiting for it move on), and its own requests fail.
func (e *engine) leave(i int32) {
	n := &e.nw.nodes[i]
	if !n.online {
		return
	}
	now := e.time()
	for _, l := range n.adj {
		if p := &e.nw.nodes[l.peer]; p.online {
			p.core.RemovePeer(now, peerID(i))
			e.drive(l.peer)
		}
	}
	n.online = false
	for _, l := range n.adj {
		n.core.RemovePeer(now, peerID(l.peer))
	}
	e.drive(i) // its own requests end (no route); nothing is sent
	for _, l := range n.adj {
		e.nw.announce(l.peer)
	}
}

// join brings node i back with its location and store: links to its
// online peers come up.
func (e *engine) join(i int32) {
	n := &e.nw.nodes[i]
	if n.online {
		return
	}
	n.online = true
	for _, l := range n.adj {
		if p := &e.nw.nodes[l.peer]; p.online {
			n.core.AddPeer(peerID(l.peer), p.loc)
			p.core.AddPeer(peerID(i), n.loc)
		}
	}
	e.nw.announceAround(i)
	if e.sub != nil {
		e.sub.joined(i)
	}
}
