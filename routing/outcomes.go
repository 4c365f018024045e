package routing

// Outcomes counts how the requests and inserts routed at a node ended, by
// the HTL each had when it came to the node (capped at MaxHTL; MaxHTL for
// the node's own): the figures of a status page. A request or insert
// counts once, when it is answered (Data, InsertReply or Collision are
// successes; DataNotFound, RecentlyFailed, RouteNotFound and a timeout
// are failures); those coalesced onto it, those refused on arrival and
// those whose source went away do not count.
type Outcomes struct {
	// Requests and Inserts are indexed by HTL.
	Requests, Inserts [256]Outcome
}

// Outcome counts successes and failures.
type Outcome struct {
	Success, Failure uint64
}

// CountOutcomes makes the Core add to o how each request and insert ends
// (nil: it counts nothing, the default). The driver reads o between calls
// into the Core, which is not safe for concurrent use.
func (c *Core) CountOutcomes(o *Outcomes) { c.outcomes = o }

// countOutcome adds r's end to the counts, if the Core keeps them.
func (c *Core) countOutcome(r *request, success bool) {
	if c.outcomes == nil {
		return
	}
	o := &c.outcomes.Requests[r.htl0]
	if r.insert {
		o = &c.outcomes.Inserts[r.htl0]
	}
	if success {
		o.Success++
	} else {
		o.Failure++
	}
}
