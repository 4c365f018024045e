package sim

import (
	"fmt"
	"time"

	"github.com/hamsnet/hams/routing"
)

// Topology is how the simulated network is built.
type Topology string

// Topologies.
const (
	// Kleinberg places nodes evenly on the circle (node i at i/N) and links
	// each to its two ring neighbours plus long links drawn with
	// probability ∝ 1/distance: the ideal navigable small world.
	Kleinberg Topology = "kleinberg"
	// Darknet is the Kleinberg friend graph with locations scrambled at
	// random, then recovered (or not) by location swapping.
	Darknet Topology = "darknet"
	// Opennet grows the network by joins through seed nodes and rewires it
	// by path folding after successful requests.
	Opennet Topology = "opennet"
)

// Churn is the model of nodes leaving and returning.
type Churn string

// Churn models.
const (
	// NoChurn: every node stays online.
	NoChurn Churn = "none"
	// WeibullChurn: session and downtime lengths are Weibull distributed
	// (Config.Weibull).
	WeibullChurn Churn = "weibull"
)

// Attack is an attack on the network.
type Attack string

// Attacks.
const (
	// NoAttack: every node is honest.
	NoAttack Attack = "none"
	// PitchBlack: attackers answer swap requests with fabricated locations
	// close to a few chosen points, so honest locations clump there
	// (Evans, GauthierDickey and Grothoff, "Routing in the Dark: Pitch
	// Black", ACSAC 2007).
	PitchBlack Attack = "pitchblack"
)

// Latency is the distribution of one message's delay over one link. Each
// link draws a base delay once, log-normal with median Median and shape
// LinkSigma; each message takes the base times a log-normal factor with
// median 1 and shape JitterSigma. The default (median 400 ms, LinkSigma
// 0.5, JitterSigma 0.3) is Tor-like: a median link of 400 ms one way, one
// link in a hundred slower than 1.3 s, and a long tail per message.
type Latency struct {
	// Median is the median one-way delay of a link. Default 400 ms.
	Median time.Duration
	// LinkSigma is the log-normal shape of the links' base delays.
	// Default 0.5; negative means 0 (every link the same).
	LinkSigma float64
	// JitterSigma is the log-normal shape of the per-message factor.
	// Default 0.3; negative means 0 (no jitter).
	JitterSigma float64
}

// Weibull is the churn model: a node's online sessions and its downtimes
// last Weibull-distributed times with the given shape and scale. Measured
// P2P networks fit shapes of 0.4-0.6 (Stutzbach and Rejaie, "Understanding
// churn in peer-to-peer networks", IMC 2006): most sessions are short, a
// few last for days.
type Weibull struct {
	// Shape of the session length distribution. Default 0.5.
	Shape float64
	// Scale of the session length distribution. Default 2 h (median
	// session ≈ 58 min at shape 0.5).
	Scale time.Duration
	// OffShape and OffScale are the downtime distribution. Defaults 0.5
	// and 1 h, so that about two thirds of the nodes are online.
	OffShape float64
	OffScale time.Duration
}

// Config configures a simulation. The zero value of every field takes the
// default given in its comment; Validate checks the result.
type Config struct {
	// Nodes is the number of nodes. Default 1,000.
	Nodes int
	// Degree is the average number of peers per node (the two ring links
	// count), at least 2: default 8 for kleinberg and darknet; for opennet
	// the number of opennet peers every node keeps (routing.Opennet.Peers),
	// default DefaultOpennetDegree (20).
	Degree int
	// Topology is how the network is built. Default Kleinberg.
	Topology Topology
	// Requests is the number of keys inserted and then requested (each
	// key is inserted once from a random node, and requested once from
	// another random node). Default 1,000.
	Requests int
	// Seed fixes every random choice: the same Config gives the same
	// Result.
	Seed uint64
	// HTL is the hops-to-live a request starts with. Default 18.
	HTL uint8
	// SwapsPerNode is how many swap attempts each node makes before the
	// traffic starts (darknet). Default 0: the darknet keeps its scrambled
	// locations. 2,000 recovers a 10,000-node network.
	SwapsPerNode int
	// SwapWalk is the length of the random walk that finds a swap partner.
	// Default 10 (Hyphanet's swap requests walk 10 hops).
	SwapWalk int
	// Anneal is how many of the SwapsPerNode attempts anneal: the swap
	// rule's inverse temperature rises from AnnealFrom to 1 over them
	// (routing.AnnealBeta), and the attempts after them use Hyphanet's
	// rule. Default 0: Hyphanet's rule from the first attempt.
	Anneal int
	// AnnealFrom is the inverse temperature annealing starts at, in (0, 1].
	// Default routing.DefaultAnnealFrom (0.25).
	AnnealFrom float64
	// CurvePoints is how many points of the swapping curve (greedy hops
	// against swaps per node) are measured during the SwapsPerNode phase.
	// Default 20.
	CurvePoints int

	// Epochs divides the traffic into periods of EpochLength; between
	// epochs each node makes EpochSwaps swap attempts (darknet), and the
	// Result reports each epoch's success. Default 1, or 20 with churn or
	// an attack.
	Epochs int
	// EpochLength is the virtual time of one epoch. Default 30 minutes.
	EpochLength time.Duration
	// EpochSwaps is how many swap attempts each node makes between two
	// epochs (darknet). Default 0, or 100 under attack.
	EpochSwaps int
	// RequestDelay is the time between the insert of a key and its
	// request. Default 2 minutes.
	RequestDelay time.Duration

	// Latency is the per-link message delay.
	Latency Latency

	// Churn is the churn model. Default NoChurn.
	Churn Churn
	// Weibull parameterises WeibullChurn.
	Weibull Weibull

	// Attack is the attack. Default NoAttack.
	Attack Attack
	// Attackers is how many nodes attack. Default 0, or 1% of Nodes
	// (at least 1) under attack.
	Attackers int
	// AttackPoints is how many locations the Pitch Black attackers pull
	// honest nodes towards. Default 4.
	AttackPoints int
	// AttackRate is how many swap attempts an attacker starts for each one
	// an honest node starts. Default 1: a node takes swap requests from a
	// peer at a limited rate (Hyphanet's do), so an attacker cannot swap
	// much faster than anyone else.
	AttackRate int
	// Mitigation switches on the Pitch Black defence: each node now and
	// then routes to a random location and moves there when the keyspace
	// around it is empty (routing.Relocate, Sandberg's defence), and, unless
	// OwnLimit is negative, refuses swaps that take it away from its own
	// peers (routing.SwapOwnCost).
	Mitigation bool
	// OwnLimit is the defence's own-cost limit: with Mitigation, a node
	// (once its annealing is over) refuses a swap whose routing.SwapOwnCost
	// exceeds it. Default routing.DefaultSwapOwnLimit (0.1); negative: no
	// limit, Sandberg's relocation alone.
	OwnLimit float64
	// MitigationEvery is how many swap attempts a node makes between two
	// mitigation probes. Default 20.
	MitigationEvery int

	// Warmup is the number of requests (with their inserts) run on an
	// opennet before the measured traffic, so that path folding shapes
	// it. Default 4×Nodes for opennet.
	Warmup int
	// Seeds is the number of opennet seed nodes, linked to each other:
	// at most Degree+1 of them (a seed keeps at most Degree peers) and at
	// most Nodes; the other nodes join through them. Default 16.
	Seeds int
	// Opennet is the opennet rules every node follows; Peers is set to
	// Degree. The zero value is the routing package's defaults.
	Opennet routing.Opennet

	// Routing is the template of every node's routing.Config; Seed,
	// Location and MaxHTL are set by the simulator. A subscription run
	// sets OfferInterestFor and RecentlyFailedFor here.
	Routing routing.Config

	// Subscribe adds the subscription workload (live feeds polled by their
	// followers) to the traffic; its zero value runs none. With it, Epochs
	// defaults to as many epochs as cover its window (Subscribe.span), so
	// that the ordinary requests, which give one fetch's time in the same
	// network, run alongside.
	Subscribe Subscribe
}

// Defaults that other packages print.
const (
	DefaultNodes    = 1000
	DefaultDegree   = 8
	DefaultRequests = 1000
	// DefaultOpennetDegree is the default Degree of an opennet: the
	// opennet peers a node keeps (routing.DefaultOpennetPeers).
	DefaultOpennetDegree = routing.DefaultOpennetPeers
)

// withDefaults returns c with every zero field defaulted.
func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Nodes, DefaultNodes)
	if c.Topology == Opennet {
		def(&c.Degree, DefaultOpennetDegree)
	}
	def(&c.Degree, DefaultDegree)
	def(&c.Requests, DefaultRequests)
	if c.Topology == "" {
		c.Topology = Kleinberg
	}
	if c.HTL == 0 {
		c.HTL = routing.DefaultMaxHTL
	}
	def(&c.SwapWalk, 10)
	if c.AnnealFrom == 0 {
		c.AnnealFrom = routing.DefaultAnnealFrom
	}
	def(&c.CurvePoints, 20)
	if c.Churn == "" {
		c.Churn = NoChurn
	}
	if c.Attack == "" {
		c.Attack = NoAttack
	}
	if c.EpochLength == 0 {
		c.EpochLength = 30 * time.Minute
	}
	c.Subscribe = c.Subscribe.withDefaults()
	if c.Epochs == 0 {
		c.Epochs = 1
		if c.Churn != NoChurn || c.Attack != NoAttack {
			c.Epochs = 20
		}
		if c.Subscribe.on() && c.EpochLength > 0 {
			c.Epochs = int(min((c.Subscribe.span()+c.EpochLength-1)/c.EpochLength, 10000))
		}
	}
	if c.EpochSwaps == 0 && c.Attack != NoAttack {
		c.EpochSwaps = 100
	}
	if c.RequestDelay == 0 {
		c.RequestDelay = 2 * time.Minute
	}
	if c.Latency.Median == 0 {
		c.Latency.Median = 400 * time.Millisecond
	}
	if c.Latency.LinkSigma == 0 {
		c.Latency.LinkSigma = 0.5
	}
	if c.Latency.JitterSigma == 0 {
		c.Latency.JitterSigma = 0.3
	}
	c.Latency.LinkSigma = max(c.Latency.LinkSigma, 0)
	c.Latency.JitterSigma = max(c.Latency.JitterSigma, 0)
	if c.Weibull.Shape == 0 {
		c.Weibull.Shape = 0.5
	}
	if c.Weibull.Scale == 0 {
		c.Weibull.Scale = 2 * time.Hour
	}
	if c.Weibull.OffShape == 0 {
		c.Weibull.OffShape = 0.5
	}
	if c.Weibull.OffScale == 0 {
		c.Weibull.OffScale = time.Hour
	}
	if c.Attackers == 0 && c.Attack != NoAttack {
		c.Attackers = max(1, c.Nodes/100)
	}
	def(&c.AttackPoints, 4)
	def(&c.AttackRate, 1)
	def(&c.MitigationEvery, 20)
	if c.OwnLimit == 0 {
		c.OwnLimit = routing.DefaultSwapOwnLimit
	}
	if c.Topology == Opennet {
		def(&c.Warmup, 4*c.Nodes)
	}
	c.Opennet.Peers = c.Degree
	c.Opennet = c.Opennet.WithDefaults()
	def(&c.Seeds, 16)
	return c
}

// Validate reports whether c, with defaults applied, can run.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("sim: "+f, a...) }
	switch {
	case c.Nodes < 2 || c.Nodes > 1<<30:
		return bad("--nodes %d: need 2 to 2^30 nodes", c.Nodes)
	case c.Degree < 2 || c.Degree >= c.Nodes:
		return bad("--degree %d: need 2 to nodes-1 peers per node", c.Degree)
	case c.Topology != Kleinberg && c.Topology != Darknet && c.Topology != Opennet:
		return bad("--topology %q: want kleinberg, darknet or opennet", c.Topology)
	case c.Requests < 1 || c.Requests > 1<<26:
		return bad("--requests %d: need 1 to 2^26", c.Requests)
	case c.HTL < 3 || c.HTL > 64:
		return bad("--htl %d: need 3 to 64", c.HTL)
	case c.SwapsPerNode < 0 || c.EpochSwaps < 0 || c.Warmup < 0:
		return bad("negative swap or warm-up count")
	case c.SwapsPerNode > 0 && c.Topology == Opennet:
		return bad("--swaps-per-node: opennet nodes do not swap (path folding places them)")
	case c.Anneal < 0 || c.Anneal > c.SwapsPerNode:
		return bad("--anneal %d: need 0 to --swaps-per-node (%d)", c.Anneal, c.SwapsPerNode)
	case !(c.AnnealFrom > 0 && c.AnnealFrom <= 1):
		return bad("AnnealFrom %v: need (0, 1]", c.AnnealFrom)
	case c.SwapWalk < 1 || c.CurvePoints < 1:
		return bad("SwapWalk and CurvePoints must be positive")
	case c.Epochs < 1 || c.Epochs > 10000:
		return bad("Epochs %d: need 1 to 10,000", c.Epochs)
	case c.EpochLength <= 0 || c.RequestDelay < 0 || c.RequestDelay >= c.EpochLength:
		return bad("RequestDelay %v must be below EpochLength %v", c.RequestDelay, c.EpochLength)
	case c.Latency.Median <= 0:
		return bad("latency median %v is not positive", c.Latency.Median)
	case c.Churn != NoChurn && c.Churn != WeibullChurn:
		return bad("--churn %q: want none or weibull", c.Churn)
	case c.Weibull.Shape <= 0 || c.Weibull.OffShape <= 0 || c.Weibull.Scale <= 0 || c.Weibull.OffScale <= 0:
		return bad("Weibull shapes and scales must be positive")
	case c.Attack != NoAttack && c.Attack != PitchBlack:
		return bad("--attack %q: want none or pitchblack", c.Attack)
	case c.Attack == PitchBlack && c.Topology == Opennet:
		return bad("--attack pitchblack attacks location swapping: use --topology darknet or kleinberg")
	case c.Attackers < 0 || c.Attackers >= c.Nodes:
		return bad("--attackers %d: need 0 to nodes-1", c.Attackers)
	case c.Attack == NoAttack && c.Attackers > 0:
		return bad("--attackers %d without --attack", c.Attackers)
	case c.AttackPoints < 1 || c.AttackRate < 1 || c.MitigationEvery < 1:
		return bad("AttackPoints, AttackRate and MitigationEvery must be positive")
	case c.Seeds < 1:
		return bad("Seeds %d must be positive", c.Seeds)
	}
	if err := c.Subscribe.validate(c.Nodes - c.Attackers); err != nil {
		return err
	}
	if err := c.Opennet.Validate(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	rc := c.Routing
	rc.MaxHTL = c.HTL
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}
