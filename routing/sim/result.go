package sim

// Summary is the headline of a run: what `hams sim --json` prints. It
// holds only simulated quantities (no wall time, no memory), so the same
// Config always gives the same Summary, byte for byte once encoded.
type Summary struct {
	Nodes      int      `json:"nodes"`
	Degree     int      `json:"degree"`
	Topology   Topology `json:"topology"`
	Seed       uint64   `json:"seed"`
	Requests   int      `json:"requests"`
	HTL        uint8    `json:"htl"`
	Swaps      int      `json:"swaps_per_node"`
	Anneal     int      `json:"anneal,omitempty"`
	Churn      Churn    `json:"churn"`
	Attack     Attack   `json:"attack"`
	Attackers  int      `json:"attackers"`
	Mitigation bool     `json:"mitigation"`
	// Defence names the defence switched on by Mitigation: "relocate"
	// (routing.Relocate alone) or "relocate+limit" (with the own-cost
	// limit); empty without Mitigation.
	Defence string `json:"defence,omitempty"`
	Epochs  int    `json:"epochs"`

	// SuccessRate is the fraction of requests that got their block (each
	// key requested once, RequestDelay after its insert).
	SuccessRate float64 `json:"success_rate"`
	// RereadSuccessRate is the fraction of re-reads (requests in later
	// epochs for the first epoch's keys) that got their block.
	RereadSuccessRate float64 `json:"reread_success_rate"`
	// InsertSuccessRate is the fraction of inserts that ran their course.
	InsertSuccessRate float64 `json:"insert_success_rate"`
	// Hops*: path length of the successful requests, in links crossed
	// between the requester and the node that had the block.
	HopsMean float64 `json:"hops_mean"`
	HopsP50  float64 `json:"hops_p50"`
	HopsP99  float64 `json:"hops_p99"`
	// GreedyHopsMean is the mean path length plain greedy routing takes on
	// the same graph, at the same moment, from the same requester to the
	// first node holding the block (0 when it fails for every request).
	GreedyHopsMean float64 `json:"greedy_hops_mean"`
	// GreedySuccessRate is the fraction of those greedy routes that reach a
	// node holding the block within HTL hops.
	GreedySuccessRate float64 `json:"greedy_success_rate"`
	// FOAFGreedyHopsMean and FOAFGreedySuccessRate are the same for greedy
	// routing that looks one hop further (a peer counts as close as the
	// closest of its peers), the information the Cores route with.
	FOAFGreedyHopsMean    float64 `json:"foaf_greedy_hops_mean"`
	FOAFGreedySuccessRate float64 `json:"foaf_greedy_success_rate"`
	// MessagesMean is the mean number of Request messages a request caused,
	// backtracking included.
	MessagesMean float64 `json:"messages_mean"`
	// Latency* is the time from the start of a successful request to its
	// block arriving at the requester.
	LatencyP50ms float64 `json:"latency_p50_ms"`
	LatencyP99ms float64 `json:"latency_p99_ms"`
	// MaxLoadRatio is the busiest node's message count over the mean.
	MaxLoadRatio float64 `json:"max_load_ratio"`
	// SimulatedHops is the number of routing messages delivered in all.
	SimulatedHops int64 `json:"simulated_hops"`
	// VirtualSeconds is the simulated time the run covered.
	VirtualSeconds float64 `json:"virtual_seconds"`
	// Subscriptions is what the subscription workload measured; nil (and
	// left out of the JSON) without one.
	Subscriptions *SubscriptionSummary `json:"subscriptions,omitempty"`
}

// Record is one insert or request of the measured traffic.
type Record struct {
	// Index numbers the key (0..Requests-1); a key's insert and request
	// share it.
	Index  int
	Insert bool
	// Reread: a request in a later epoch for a key of the first epoch.
	Reread bool
	// Epoch is the epoch the operation started in.
	Epoch int
	// Origin is the node that started it; KeyLocation the key's location.
	Origin      int
	KeyLocation float64
	// StartMs is its start, in virtual milliseconds since the traffic began.
	StartMs float64
	// OK: a request got its block; an insert ran its course.
	OK bool
	// Err is the routing error of a failure ("" on success).
	Err string
	// Hops is a successful request's path length; -1 otherwise.
	Hops int
	// Messages is how many Request (or Insert) messages it caused.
	Messages int
	// LatencyMs is the time it took, in virtual milliseconds.
	LatencyMs float64
	// GreedyHops is the length of the plain greedy route from Origin to the
	// first node holding the block, -1 when greedy routing did not get
	// there within HTL hops (requests only).
	GreedyHops int
	// FOAFGreedyHops is the same for greedy routing with friend-of-a-friend
	// lookahead.
	FOAFGreedyHops int
}

// Epoch is what one epoch of the traffic measured.
type Epoch struct {
	Epoch int
	// StartS is the epoch's start in virtual seconds since the traffic began.
	StartS float64
	// Requests and Succeeded count the requests started in the epoch.
	Requests, Succeeded int
	SuccessRate         float64
	// Rereads and RereadSucceeded count the epoch's requests for keys of
	// the first epoch.
	Rereads, RereadSucceeded int
	RereadSuccessRate        float64
	HopsMean                 float64
	// Online is the number of nodes online at the epoch's start.
	Online int
	// MaxGap is the widest stretch of the circle without an honest node,
	// in units of 1/Nodes (about ln N for random locations, 1 when evenly
	// spaced; large when an attack clumps the locations).
	MaxGap float64
	// Relocations is how many nodes moved by the Pitch Black defence since
	// the previous epoch.
	Relocations int
}

// CurvePoint is one point of the swapping curve.
type CurvePoint struct {
	// SwapsPerNode is the swap attempts made per node so far.
	SwapsPerNode int
	// Accepted is the fraction of swap attempts accepted since the
	// previous point.
	Accepted float64
	// GreedyHopsMean and GreedySuccess describe greedy routing with
	// friend-of-a-friend lookahead (plain greedy when Routing.NoFOAF)
	// between random pairs of nodes: to the target node's location,
	// success when it reaches the target within HTL hops.
	GreedyHopsMean float64
	GreedySuccess  float64
}

// Result is everything a run measured.
type Result struct {
	// Config is the configuration run, defaults applied.
	Config  Config
	Summary Summary
	// Records lists the inserts and requests in start order.
	Records []Record
	// Epochs lists the epochs in order.
	Epochs []Epoch
	// Curve is the swapping curve (darknet with SwapsPerNode > 0).
	Curve []CurvePoint
	// LocationsBefore and LocationsAfter are the honest nodes' locations
	// before swapping and when the traffic ended, as fractions of the
	// circle, in node order.
	LocationsBefore, LocationsAfter []float64
	// Load is the number of routing messages each node received.
	Load []uint32
	// Deliveries lists the subscription workload's editions to followers
	// (Config.Subscribe), feed by feed; nil without one.
	Deliveries []Delivery
}
