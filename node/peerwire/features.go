package peerwire

import (
	"strconv"
	"strings"
)

// Protocol versions (docs/wire.md, Versions and features). A node declares
// both in its noderef, the payload of the link handshake; two nodes link
// only when each one's version is at least the other's minimum.
const (
	// ProtocolVersion is the protocol version this build speaks. It goes up
	// with a release that changes what every node must speak; a release
	// that only adds an optional kind adds a feature instead.
	ProtocolVersion = 1
	// MinProtocolVersion is the oldest protocol version this build links
	// with (Hyphanet's lastGoodVersion).
	MinProtocolVersion = 1
)

// Features is a set of optional message kinds. A node declares the ones it
// speaks; on a link, a kind is used only when both sides declared it.
type Features uint32

// The features. Each names the message types it allows (neededBy); the
// types it does not name, 1 to 9, every node speaks.
const (
	// FeaturePeerLocations: PeerLocations (type 10), the locations of the
	// sender's other peers, for friend-of-a-friend routing.
	FeaturePeerLocations Features = 1 << iota
	// FeatureOffers: Offer (type 11), a block for a key the receiver asked
	// for a short while ago (passive requests).
	FeatureOffers
	// FeatureSwapping: the swap messages (types 12 to 18): location
	// swapping between darknet peers. A node declares it only when it
	// swaps.
	FeatureSwapping
	// FeatureLocation: Location (type 19), where a peer moved.
	FeatureLocation
	// FeatureOpennet: the opennet messages (types 20 to 24): announcement
	// and path folding. A node declares it only when it runs opennet.
	FeatureOpennet
	// FeatureCollisions: Collision (type 25), the block an insert met
	// under its key.
	FeatureCollisions
	// FeatureReplace: Replace (type 26), the block that won a collision
	// over an insert's block the receiver was offered.
	FeatureReplace
)

// AllFeatures are the features this build speaks.
const AllFeatures = FeaturePeerLocations | FeatureOffers | FeatureSwapping | FeatureLocation | FeatureOpennet | FeatureCollisions | FeatureReplace

// LegacyFeatures are the features of a node whose noderef predates
// negotiation (it has no protocol field): every node of that era spoke
// PeerLocations and Offer.
const LegacyFeatures = FeaturePeerLocations | FeatureOffers

// featureNames are the features' names in noderefs, in ascending order.
var featureNames = []struct {
	f    Features
	name string
}{
	{FeatureCollisions, "collisions"},
	{FeatureLocation, "location"},
	{FeatureOffers, "offers"},
	{FeatureOpennet, "opennet"},
	{FeaturePeerLocations, "peerlocations"},
	{FeatureReplace, "replace"},
	{FeatureSwapping, "swapping"},
}

// neededBy is the feature each optional type needs.
var neededBy = map[byte]Features{
	TypePeerLocations:  FeaturePeerLocations,
	TypeOffer:          FeatureOffers,
	TypeCollision:      FeatureCollisions,
	TypeReplace:        FeatureReplace,
	TypeSwapRequest:    FeatureSwapping,
	TypeSwapReply:      FeatureSwapping,
	TypeSwapCommit:     FeatureSwapping,
	TypeSwapComplete:   FeatureSwapping,
	TypeSwapRejected:   FeatureSwapping,
	TypeSwapProbe:      FeatureSwapping,
	TypeSwapProbeReply: FeatureSwapping,
	TypeLocation:       FeatureLocation,
	TypeAnnounce:       FeatureOpennet,
	TypeAnnounceReply:  FeatureOpennet,
	TypeAnnounceDone:   FeatureOpennet,
	TypeFoldRef:        FeatureOpennet,
	TypeFoldAck:        FeatureOpennet,
}

// ParseFeatures returns the set the names declare. Names this build does
// not know are left out: a newer node may declare kinds this one does not
// speak, and they are simply not used on the link.
func ParseFeatures(names []string) Features {
	var f Features
	for _, n := range names {
		for _, fn := range featureNames {
			if fn.name == n {
				f |= fn.f
			}
		}
	}
	return f
}

// Names returns the names of the features in f, in ascending byte order
// (the order of a noderef's protocol.features), nil for none.
func (f Features) Names() []string {
	var out []string
	for _, fn := range featureNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Has reports whether f holds every feature in g (true for g == 0).
func (f Features) Has(g Features) bool { return f&g == g }

// String lists the names, comma-separated, or "none".
func (f Features) String() string {
	if f == 0 {
		return "none"
	}
	return strings.Join(f.Names(), ",")
}

// Needs returns the feature a message of type t needs on a link, 0 for a
// type every node speaks (1 to 9).
func Needs(t byte) Features { return neededBy[t] }

// TypeName names a type code, as docs/wire.md does.
func TypeName(t byte) string {
	switch t {
	case TypePeerLocations:
		return "PeerLocations"
	case TypeLocation:
		return "Location"
	case TypeAnnounce:
		return "Announce"
	case TypeAnnounceReply:
		return "AnnounceReply"
	case TypeAnnounceDone:
		return "AnnounceDone"
	case TypeFoldRef:
		return "FoldRef"
	case TypeFoldAck:
		return "FoldAck"
	}
	if k, ok := swapKindOf[t]; ok {
		return k.String()
	}
	if int(t) < len(msgOf) && msgOf[t] != 0 {
		return msgOf[t].String()
	}
	return "type " + strconv.Itoa(int(t))
}

// DecodeFrom is DecodeMessage for a message received on a link where
// negotiated are the features both sides declared: a well-formed message of
// a kind outside them breaks rule W3, as an unknown type does (the sender
// used a kind the link does not speak).
func DecodeFrom(b []byte, negotiated Features) (Message, error) {
	m, err := DecodeMessage(b)
	if err != nil {
		return m, err
	}
	if need := Needs(m.Type); !negotiated.Has(need) {
		return Message{}, bad("W3", "%s, a kind this link did not negotiate (%s)", TypeName(m.Type), need)
	}
	return m, nil
}
