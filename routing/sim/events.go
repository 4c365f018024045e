package sim

import "github.com/hamsnet/hams/routing"

// eventKind is what an event does.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1 // msg arrives at node (from msg.Peer)
	evTick                         // node's Core ticks (a hop may have timed out)
	evStart                        // op starts at its origin
	evChurn                        // node leaves or returns
	evEpoch                        // an epoch begins
	evPoll                         // a follower's poll is due (op: the follower)
	evPublish                      // a feed's edition is posted (op: the feed; node 1: a retry)
)

// event is one scheduled happening. Events run in (at, seq) order: seq
// breaks ties in scheduling order, so a run never depends on anything but
// its seed.
type event struct {
	at   int64 // virtual ns
	seq  uint64
	kind eventKind
	node int32
	op   int32 // evStart: the op; evEpoch: the epoch; evDeliver of Data: links crossed; evPoll: the follower; evPublish: the feed
	msg  routing.Message
}

// queue is a binary min-heap of events.
type queue struct {
	ev  []event
	seq uint64
}

func (q *queue) less(i, j int) bool {
	a, b := &q.ev[i], &q.ev[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) push(e event) {
	q.seq++
	e.seq = q.seq
	q.ev = append(q.ev, e)
	i := len(q.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.ev[i], q.ev[p] = q.ev[p], q.ev[i]
		i = p
	}
}

func (q *queue) pop() event {
	e := q.ev[0]
	last := len(q.ev) - 1
	q.ev[0] = q.ev[last]
	q.ev[last] = event{}
	q.ev = q.ev[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && q.less(l, m) {
			m = l
		}
		if r < last && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q.ev[i], q.ev[m] = q.ev[m], q.ev[i]
		i = m
	}
	return e
}

func (q *queue) len() int { return len(q.ev) }
