package statuspage

import "time"

// Snapshot is the node's state at one moment, as plain values: what the
// page shows and the metrics export. The node fills it (node/status.go).
// Counters count since the node started; it holds no key, no URI and no
// peer identity.
type Snapshot struct {
	// Version is the node's version (hams's build), shown on the page only.
	Version string
	// Uptime is how long the node has run.
	Uptime time.Duration

	// Network reports whether the node runs a network (false: it serves
	// its own datastore only, and the network's figures are zero).
	Network bool
	// Location is the node's location on the circle, in [0, 1).
	Location float64
	// Peers are the node's peers, without their identities.
	Peers []Peer
	// Swaps counts the node's moves (location swaps and relocations).
	Swaps uint64
	// RecentSwaps are the last moves, oldest first.
	RecentSwaps []Swap

	// Store and Cache are the datastore's two regions.
	Store, Cache Region
	// Hits and Misses count datastore lookups that found a block or did
	// not.
	Hits, Misses uint64
	// Space is the datastore's disk-space state ("ok", "low", "full",
	// "out of space", "read-only").
	Space string

	// Running is how many requests and inserts route at this node now,
	// its own and relayed. Local is how many of its own are running,
	// Queued how many of its own wait for room.
	Running, Local, Queued int
	// ByHTL counts how the requests and inserts routed here ended, indexed
	// by the HTL they came with (this node's own start at the maximum,
	// len(ByHTL)-1).
	ByHTL []HTLOutcomes
	// LocalFetches and LocalInserts count how this node's own fetches and
	// inserts that went to the network ended.
	LocalFetches, LocalInserts LocalResults

	// OffersIn and OffersOut count Offer messages (blocks announced to a
	// node that asked for them earlier) received and sent.
	OffersIn, OffersOut uint64
	// BytesIn and BytesOut count bytes read from and written to the links
	// to peers (encryption and handshakes included), in bytes.
	BytesIn, BytesOut uint64

	// Tor is what the node's tor is doing (State "": no Tor).
	Tor Tor
}

// Peer is one peer of the node, without its identity.
type Peer struct {
	// Location is where the peer is, in [0, 1).
	Location float64
	// Kind is how the node came to have it: "darknet", "opennet", "seed"
	// or "seed client".
	Kind string
	// Status is its state: "connected", "disconnected", "never
	// connected", "backed off", "too old" or "too new".
	Status string
	// Since is when its link came up (zero when not connected).
	Since time.Time
	// Backoff is how long until the node may dial it again (0: now, or
	// linked).
	Backoff time.Duration
}

// Swap is one move of the node.
type Swap struct {
	// Time is when it moved.
	Time time.Time
	// From and To are its locations before and after, in [0, 1).
	From, To float64
	// Relocated: the node took a fresh location rather than swap.
	Relocated bool
}

// Region is one region of the datastore.
type Region struct {
	// Blocks is the number of blocks held.
	Blocks int64
	// Bytes is their size, in bytes; Budget the most it may hold.
	Bytes, Budget int64
	// Evictions counts blocks evicted to make room.
	Evictions uint64
}

// HTLOutcomes counts how the requests and inserts that came with one HTL
// ended: success (found, or the insert ran its course) or failure.
type HTLOutcomes struct {
	// RequestSuccess and RequestFailure count requests (fetches).
	RequestSuccess, RequestFailure uint64
	// InsertSuccess and InsertFailure count inserts.
	InsertSuccess, InsertFailure uint64
}

// LocalResults counts how the node's own requests ended, by result.
type LocalResults struct {
	// Success: found, or inserted.
	Success uint64
	// DataNotFound: not found; RecentlyFailed: not found a short while ago.
	DataNotFound, RecentlyFailed uint64
	// RouteNotFound: no peer was left to try.
	RouteNotFound uint64
	// TimedOut: the peers were too slow or overloaded.
	TimedOut uint64
	// Collision: another block is held under the insert's key.
	Collision uint64
	// Other: any other error.
	Other uint64
}

// Tor is the state of the node's tor.
type Tor struct {
	// State is "starting", "publishing", "up", "waiting" or "stopped"; ""
	// when the node does not use Tor.
	State string
	// Progress is tor's bootstrap progress, in percent (0 to 100);
	// Summary tor's words for its phase.
	Progress int
	Summary  string
	// Problem is the last problem, in words; Hint what to try about it.
	Problem, Hint string
	// Attempts counts the attempts at starting tor.
	Attempts int
	// Bridges is how many bridges tor uses.
	Bridges int
}

// requestTotals sums the outcomes of routed requests (not inserts).
func (s *Snapshot) requestTotals() (success, failure uint64) {
	for _, o := range s.ByHTL {
		success += o.RequestSuccess
		failure += o.RequestFailure
	}
	return success, failure
}
