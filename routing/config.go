package routing

import (
	"fmt"
	"time"
)

// Config configures a Core. The zero value of every field takes the default
// given in its comment; Validate checks the result.
type Config struct {
	// Seed seeds the Core's random source (request IDs, per-peer HTL
	// decisions). The same seed and inputs give the same outputs.
	Seed uint64
	// Location is this node's location.
	Location Location

	// MaxHTL is the HTL a request starts with. Default 18.
	MaxHTL uint8
	// DecrementAtMaxProb is the probability that a link decrements HTL at
	// its maximum (decided once per peer link). Default 0.5.
	DecrementAtMaxProb float64
	// DecrementAtMinProb is the probability that a link decrements HTL 1
	// to 0 (decided once per peer link). Default 0.25.
	DecrementAtMinProb float64
	// NoStoreHTLs is how many HTL values below the maximum still count as
	// the first hops, where nothing is stored or cached, so that a store
	// says nothing about what its owner inserted or fetched: with the
	// default 2 and MaxHTL 18, nothing is written at HTL 16, 17 and 18.
	NoStoreHTLs uint8
	// StoreHTL is the HTL at or below which an insert is written to the
	// store region even when a peer is closer to the key. Default 3.
	StoreHTL uint8

	// HopTimeout is how long a request waits per remaining hop for the peer
	// it was sent to: an attempt at HTL h times out after HopTimeout*(h+1).
	// Default 5 s (Tor round trips take 0.4-1 s).
	HopTimeout time.Duration
	// RecentlyFailedFor is how long a key that was not found is answered
	// with RecentlyFailed without routing. Default 3 minutes.
	RecentlyFailedFor time.Duration
	// OfferInterestFor is how long a node remembers who asked for a key
	// that was not found, to offer them its block if it turns up (passive
	// requests): renewed by each ask, so a subscription that polls more
	// often than this keeps its interest standing along its path. Default
	// 1 hour (Hyphanet's MAX_TIME_BETWEEN_REQUEST_AND_OFFER). Set to
	// RecentlyFailedFor, interest ends with the RecentlyFailed answer, as
	// it did before (the simulator's baseline).
	OfferInterestFor time.Duration
	// FailureTableSize bounds the failure table. Default 20,000 keys.
	FailureTableSize int
	// RecentIDsFor is how long a request ID is remembered for loop
	// detection after the request ends. Default 5 minutes.
	RecentIDsFor time.Duration
	// MaxRecentIDs bounds the remembered request IDs. Default 100,000.
	MaxRecentIDs int

	// PeerRequestLimit is how many requests from one peer may run here at
	// once; more are answered RejectedOverload. Default 64.
	PeerRequestLimit int
	// MaxRequests is how many requests (local and relayed) may run here at
	// once. Default 1,024.
	MaxRequests int
	// NoFOAF switches off friend-of-a-friend routing: requests then go to
	// the peer closest to the key, whatever its peers' locations.
	NoFOAF bool
	// MaxPeerNeighbours bounds the locations a peer may announce for
	// friend-of-a-friend routing. Default 64.
	MaxPeerNeighbours int

	// InitialWindow is the starting AIMD window of local requests (how many
	// this node's own requests may be in flight). Default 16; it grows by
	// 1/window per success, halves on RejectedOverload, and stays within
	// [1, MaxRequests/2].
	InitialWindow float64
}

// Defaults.
const (
	DefaultMaxHTL            = 18
	DefaultHopTimeout        = 5 * time.Second
	DefaultRecentlyFailedFor = 3 * time.Minute
	// DefaultOfferInterestFor is Config.OfferInterestFor's default.
	DefaultOfferInterestFor = time.Hour
	DefaultRecentIDsFor     = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.MaxHTL == 0 {
		c.MaxHTL = DefaultMaxHTL
	}
	if c.DecrementAtMaxProb == 0 {
		c.DecrementAtMaxProb = 0.5
	}
	if c.DecrementAtMinProb == 0 {
		c.DecrementAtMinProb = 0.25
	}
	if c.NoStoreHTLs == 0 {
		c.NoStoreHTLs = 2
	}
	if c.StoreHTL == 0 {
		c.StoreHTL = 3
	}
	if c.HopTimeout == 0 {
		c.HopTimeout = DefaultHopTimeout
	}
	if c.RecentlyFailedFor == 0 {
		c.RecentlyFailedFor = DefaultRecentlyFailedFor
	}
	if c.OfferInterestFor == 0 {
		c.OfferInterestFor = DefaultOfferInterestFor
	}
	if c.FailureTableSize == 0 {
		c.FailureTableSize = 20000
	}
	if c.RecentIDsFor == 0 {
		c.RecentIDsFor = DefaultRecentIDsFor
	}
	if c.MaxRecentIDs == 0 {
		c.MaxRecentIDs = 100000
	}
	if c.PeerRequestLimit == 0 {
		c.PeerRequestLimit = 64
	}
	if c.MaxRequests == 0 {
		c.MaxRequests = 1024
	}
	if c.MaxPeerNeighbours == 0 {
		c.MaxPeerNeighbours = 64
	}
	if c.InitialWindow == 0 {
		c.InitialWindow = 16
	}
	return c
}

// Validate reports whether c, with defaults applied, is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("routing: config: "+f, a...) }
	switch {
	case c.DecrementAtMaxProb < 0 || c.DecrementAtMaxProb > 1:
		return bad("DecrementAtMaxProb %v is not a probability", c.DecrementAtMaxProb)
	case c.DecrementAtMinProb < 0 || c.DecrementAtMinProb > 1:
		return bad("DecrementAtMinProb %v is not a probability", c.DecrementAtMinProb)
	case c.NoStoreHTLs >= c.MaxHTL:
		return bad("NoStoreHTLs %d leaves no HTL to store at (MaxHTL %d)", c.NoStoreHTLs, c.MaxHTL)
	case c.HopTimeout < 0 || c.RecentlyFailedFor < 0 || c.RecentIDsFor < 0 || c.OfferInterestFor < 0:
		return bad("negative duration")
	case c.FailureTableSize < 0 || c.MaxRecentIDs < 0:
		return bad("negative table size")
	case c.PeerRequestLimit < 1 || c.MaxRequests < 2:
		return bad("request limits %d per peer, %d in all are too small", c.PeerRequestLimit, c.MaxRequests)
	case c.MaxPeerNeighbours < 0:
		return bad("MaxPeerNeighbours %d is negative", c.MaxPeerNeighbours)
	case c.InitialWindow < 1:
		return bad("InitialWindow %v is below 1", c.InitialWindow)
	}
	return nil
}
