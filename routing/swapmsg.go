package routing

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// SwapMsgType is the kind of a SwapMessage (docs/wire.md, Swapping).
type SwapMsgType uint8

// Swap message kinds. A SwapRequest walks a random path of peers to a
// partner; SwapReply, SwapCommit, SwapComplete and SwapRejected travel the
// same path, by ID. A SwapProbe routes greedily toward a location and its
// SwapProbeReply comes back the same way.
const (
	// SwapRequest: a swap attempt walking to its partner, with the
	// initiator's commitment and the hops left.
	SwapRequest SwapMsgType = iota + 1
	// SwapReply: the partner's commitment.
	SwapReply
	// SwapCommit: the initiator's reveal.
	SwapCommit
	// SwapComplete: the partner's reveal.
	SwapComplete
	// SwapRejected: the attempt ends without a swap (no partner, rate
	// limit, a busy partner, a timeout, a commitment that did not hold).
	SwapRejected
	// SwapProbe: a probe routed greedily toward Target, with the hops left.
	SwapProbe
	// SwapProbeReply: the location closest to the probe's target that it
	// reached, in Target.
	SwapProbeReply
)

var swapMsgNames = [...]string{SwapRequest: "SwapRequest", SwapReply: "SwapReply", SwapCommit: "SwapCommit",
	SwapComplete: "SwapComplete", SwapRejected: "SwapRejected", SwapProbe: "SwapProbe", SwapProbeReply: "SwapProbeReply"}

// String returns the kind's name, as in docs/wire.md.
func (t SwapMsgType) String() string {
	if int(t) < len(swapMsgNames) && swapMsgNames[t] != "" {
		return swapMsgNames[t]
	}
	return fmt.Sprintf("SwapMsgType(%d)", uint8(t))
}

// SwapMessage is a message of the swap protocol. In Swapper.Step, Peer is
// the sender; in SwapReady, the recipient. Commit is set on SwapRequest and
// SwapReply, Reveal on SwapCommit and SwapComplete, HTL on SwapRequest and
// SwapProbe, Target on SwapProbe (where the probe goes) and SwapProbeReply
// (the closest location it reached).
type SwapMessage struct {
	Type   SwapMsgType
	Peer   PeerID
	ID     RequestID
	HTL    uint8
	Commit [32]byte
	Reveal SwapReveal
	Target Location
}

// MaxSwapPeers is the most peer locations a reveal carries.
const MaxSwapPeers = 64

// SwapReveal is what a node reveals of itself in a swap, after both sides
// committed to theirs: a nonce, its location, its inverse temperature
// (annealing) and its swapping peers' locations.
type SwapReveal struct {
	// Nonce hides the rest in the commitment, and the two nonces together
	// draw the swap's random number.
	Nonce [16]byte
	// Location is the node's location.
	Location Location
	// Beta is the node's inverse temperature (AnnealBeta), in units of
	// 1/65535: 65535 when its annealing is over.
	Beta uint16
	// Peers are the locations of the node's swapping peers, at most
	// MaxSwapPeers.
	Peers []Location
}

// SwapLabel starts what a swap commitment hashes and what its random
// number is drawn from (docs/wire.md, Swapping).
const SwapLabel = "hams/v1/swap\n"

// MarshalBinary returns r's encoding: nonce (16), location (8), beta (2),
// count (1), count × location (8), integers big endian. It is the body of
// SwapCommit and SwapComplete on the wire, and what the commitment hashes.
func (r SwapReveal) MarshalBinary() ([]byte, error) {
	if len(r.Peers) > MaxSwapPeers {
		return nil, fmt.Errorf("routing: a reveal of %d peer locations, at most %d", len(r.Peers), MaxSwapPeers)
	}
	b := make([]byte, 0, 27+8*len(r.Peers))
	b = append(b, r.Nonce[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Location))
	b = binary.BigEndian.AppendUint16(b, r.Beta)
	b = append(b, byte(len(r.Peers)))
	for _, p := range r.Peers {
		b = binary.BigEndian.AppendUint64(b, uint64(p))
	}
	return b, nil
}

// ErrBadReveal is UnmarshalBinary's error for a malformed reveal.
var ErrBadReveal = errors.New("routing: malformed swap reveal")

// UnmarshalBinary parses an encoding MarshalBinary wrote, and nothing else.
func (r *SwapReveal) UnmarshalBinary(b []byte) error {
	if len(b) < 27 {
		return fmt.Errorf("%w: %d bytes", ErrBadReveal, len(b))
	}
	n := int(b[26])
	if n > MaxSwapPeers || len(b) != 27+8*n {
		return fmt.Errorf("%w: %d bytes for %d peer locations", ErrBadReveal, len(b), n)
	}
	copy(r.Nonce[:], b)
	r.Location = Location(binary.BigEndian.Uint64(b[16:]))
	r.Beta = binary.BigEndian.Uint16(b[24:])
	r.Peers = nil
	if n > 0 {
		r.Peers = make([]Location, n)
		for i := range r.Peers {
			r.Peers[i] = Location(binary.BigEndian.Uint64(b[27+8*i:]))
		}
	}
	return nil
}

// Commitment returns SHA-256(SwapLabel || the reveal's encoding): what a
// node sends before it reveals, so that it cannot choose its reveal after
// seeing its partner's.
func (r SwapReveal) Commitment() [32]byte {
	b, err := r.MarshalBinary()
	if err != nil {
		return [32]byte{} // never matches a valid reveal's
	}
	return sha256.Sum256(append([]byte(SwapLabel), b...))
}

// SwapRandom returns the swap's random number in [0, 1), which neither side
// could choose: the first 8 bytes of SHA-256(SwapLabel || initiator's nonce
// || partner's nonce), as a fraction of 2^64.
func SwapRandom(initiator, partner [16]byte) float64 {
	h := sha256.Sum256(append(append([]byte(SwapLabel), initiator[:]...), partner[:]...))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

// BetaUnits returns beta in [0, 1] as a reveal's Beta.
func BetaUnits(beta float64) uint16 {
	return uint16(math.Round(min(max(beta, 0), 1) * math.MaxUint16))
}

// swapOwnChecks says whether SwapDecide applies SwapOwnRefuses: a
// protocol rule (both sides must apply the same), a variable only so that
// a test can show what the network does without it.
var swapOwnChecks = true

// SwapDecide is the decision both sides of a swap reach from the two
// reveals and the shared random number u: whether the nodes at a and b
// exchange their locations. Each side leaves the other's location out of
// its peers (it does not change when they swap). The swap is refused when
// the two are at the same location, or when a node whose annealing is over
// (Beta 65535) refuses the move on its own (SwapOwnRefuses with
// DefaultSwapOwnLimit: the Pitch Black defence, which either side can
// check for the other); otherwise it follows SwapAcceptAt at the
// lower of the two inverse temperatures.
func SwapDecide(a, b SwapReveal, u float64) bool {
	if a.Location == b.Location {
		return false
	}
	pa, pb := without(a.Peers, b.Location), without(b.Peers, a.Location)
	if swapOwnChecks && (a.Beta == math.MaxUint16 && SwapOwnRefuses(a.Location, b.Location, pa, DefaultSwapOwnLimit) ||
		b.Beta == math.MaxUint16 && SwapOwnRefuses(b.Location, a.Location, pb, DefaultSwapOwnLimit)) {
		return false
	}
	beta := float64(min(a.Beta, b.Beta)) / math.MaxUint16
	return SwapAcceptAt(a.Location, pa, b.Location, pb, u, beta)
}

// without returns ls without the entries equal to l (a new slice when it
// removes any).
func without(ls []Location, l Location) []Location {
	for i, x := range ls {
		if x == l {
			out := append([]Location(nil), ls[:i]...)
			for _, y := range ls[i+1:] {
				if y != l {
					out = append(out, y)
				}
			}
			return out
		}
	}
	return ls
}
