// Package peerwire encodes the messages peers exchange inside a link's frames
// (docs/wire.md), one per frame, each starting with a version byte: the
// routing messages of package routing, and PeerLocations, the locations of
// the sender's peers for friend-of-a-friend routing.
//
// The format is strict: Decode rejects anything Append would not produce,
// so a frame has exactly one reading.
//
// It imports only routing and keys, and is pure. The core's message kinds
// carry no wire numbers; this package maps them to its type codes.
package peerwire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Version is the wire format version, the first byte of every message.
const Version = 1

// MaxMessage is the largest encoded message: a header, an ID, a key and a
// CHK block. It fits one link frame (link.MaxFrame, 65519 bytes).
const MaxMessage = 2 + 8 + 1 + keys.KeySize + keys.CHKBlockSize

// Type codes on the wire (docs/wire.md). The routing core's message kinds
// (routing.MsgType) carry no wire numbers: typeOf maps each kind to its
// code here, so a change to the routing package cannot change the format.
const (
	TypeRequest          = 1
	TypeInsert           = 2
	TypeData             = 3
	TypeDataNotFound     = 4
	TypeRecentlyFailed   = 5
	TypeRouteNotFound    = 6
	TypeRejectedLoop     = 7
	TypeRejectedOverload = 8
	TypeInsertReply      = 9
	// TypePeerLocations is not a routing message: it carries the locations
	// of the sender's other peers (AppendPeerLocations).
	TypePeerLocations = 10
	// TypeOffer passes on a block to a peer that asked for its key a short
	// while ago, when it was not found (routing.MsgOffer).
	TypeOffer = 11
	// TypeCollision answers an insert whose key holds another block
	// (routing.MsgCollision): that block, and the key.
	TypeCollision = 25
	// TypeReplace passes on to a peer that was offered an insert's block
	// the block that won over it in a collision (routing.MsgReplace): the
	// key, the hash of the block replaced, and the block, always an SSK
	// block (so MaxMessage stays a CHK Insert's size).
	TypeReplace = 26
	// maxType is the highest type code.
	maxType = TypeReplace
)

// isRouting reports whether t is the code of a routing message (1 to 9,
// 11, 25 and 26).
func isRouting(t byte) bool {
	return (t >= TypeRequest && t <= TypeOffer && t != TypePeerLocations) || t == TypeCollision || t == TypeReplace
}

// MaxPeerLocations is the most locations a PeerLocations message carries.
const MaxPeerLocations = 64

var typeOf = map[routing.MsgType]byte{
	routing.MsgRequest: TypeRequest, routing.MsgInsert: TypeInsert, routing.MsgData: TypeData,
	routing.MsgDataNotFound: TypeDataNotFound, routing.MsgRecentlyFailed: TypeRecentlyFailed,
	routing.MsgRouteNotFound: TypeRouteNotFound, routing.MsgRejectedLoop: TypeRejectedLoop,
	routing.MsgRejectedOverload: TypeRejectedOverload, routing.MsgInsertReply: TypeInsertReply,
	routing.MsgOffer: TypeOffer, routing.MsgCollision: TypeCollision, routing.MsgReplace: TypeReplace,
}

var msgOf = func() [maxType + 1]routing.MsgType {
	var m [maxType + 1]routing.MsgType
	for t, b := range typeOf {
		m[b] = t
	}
	return m
}()

// layout says which fields a type carries, in order after the ID.
type layout struct{ htl, key, replaces, block bool }

var layouts = [maxType + 1]layout{
	TypeRequest:       {htl: true, key: true},
	TypeInsert:        {htl: true, key: true, block: true},
	TypeData:          {key: true, block: true},
	TypeRouteNotFound: {htl: true},
	TypeOffer:         {key: true, block: true},
	TypeCollision:     {key: true, block: true},
	TypeReplace:       {key: true, replaces: true, block: true},
	// the rest carry the ID alone
}

// Error is a malformed message. Rule names the MUST-reject rule of
// docs/wire.md it breaks (W1…).
type Error struct {
	Rule string
	Msg  string
}

func (e *Error) Error() string { return "wire: " + e.Msg + " [" + e.Rule + "]" }

// ErrMalformed matches every *Error with errors.Is.
var ErrMalformed = errors.New("wire: malformed message")

// Is makes errors.Is(err, ErrMalformed) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrMalformed }

func bad(rule, format string, args ...any) error {
	return &Error{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// validBlockSize reports whether n is the size of a CHK or an SSK block.
func validBlockSize(n int) bool { return n == keys.CHKBlockSize || n == keys.SSKBlockSize }

// Message is one decoded message of any type: a routing message, the
// locations of a PeerLocations message, a swap message, or a Location.
type Message struct {
	// Type is the wire type code, TypeRequest to TypeFoldAck.
	Type byte
	// Swap is a swap message (TypeSwapRequest to TypeSwapProbeReply).
	Swap routing.SwapMessage
	// Opennet is an opennet message (TypeAnnounce to TypeFoldAck).
	Opennet OpennetMessage
	// Location is a Location message's location: where the sender moved.
	Location routing.Location
	// Routing is the routing message (types 1 to 9, 11, 25 and 26).
	Routing routing.Message
	// Locations are a PeerLocations message's locations, nil when it has
	// none.
	Locations []routing.Location
}

// ErrNotRouting is Decode's error for a well-formed message that is not a
// routing message: DecodeMessage reads every type.
var ErrNotRouting = errors.New("wire: not a routing message")

// Append appends the encoding of m to dst. m.Peer is not encoded (the link
// names the peer). It fails for a type without a wire code or a block that
// is neither a CHK nor an SSK block in size.
func Append(dst []byte, m *routing.Message) ([]byte, error) {
	t, ok := typeOf[m.Type]
	if !ok {
		return dst, fmt.Errorf("wire: cannot encode message type %v", m.Type)
	}
	l := layouts[t]
	if l.block && !validBlockSize(len(m.Block)) || t == TypeReplace && len(m.Block) != keys.SSKBlockSize {
		return dst, fmt.Errorf("wire: %v block of %d bytes", m.Type, len(m.Block))
	}
	if m.ID == 0 {
		return dst, fmt.Errorf("wire: %v with request ID 0", m.Type)
	}
	dst = append(dst, Version, t)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.ID))
	if l.htl {
		dst = append(dst, m.HTL)
	}
	if l.key {
		dst = append(dst, m.Key[:]...)
	}
	if l.replaces {
		dst = append(dst, m.Replaces[:]...)
	}
	if l.block {
		dst = append(dst, m.Block...)
	}
	return dst, nil
}

// AppendPeerLocations appends a PeerLocations message carrying locs, in
// their order, to dst. It fails for more than MaxPeerLocations locations.
func AppendPeerLocations(dst []byte, locs []routing.Location) ([]byte, error) {
	if len(locs) > MaxPeerLocations {
		return dst, fmt.Errorf("wire: %d peer locations, at most %d fit a message", len(locs), MaxPeerLocations)
	}
	dst = append(dst, Version, TypePeerLocations, byte(len(locs)))
	for _, l := range locs {
		dst = binary.BigEndian.AppendUint64(dst, uint64(l))
	}
	return dst, nil
}

// Decode parses one routing message. The returned Block aliases b: copy it
// to keep it beyond b's lifetime. Peer is left zero for the caller to fill.
// A well-formed message that is not a routing message (PeerLocations, the
// swap messages, Location) fails with ErrNotRouting; a malformed message of
// any type fails with an *Error.
func Decode(b []byte) (routing.Message, error) {
	m, err := DecodeMessage(b)
	if err == nil && !isRouting(m.Type) {
		return routing.Message{}, ErrNotRouting
	}
	return m.Routing, err
}

// DecodeMessage parses one message of any type. A routing message's Block
// aliases b, as with Decode; Locations never do.
func DecodeMessage(b []byte) (Message, error) {
	switch {
	case len(b) < 2:
		return Message{}, bad("W1", "message of %d bytes is shorter than its header", len(b))
	case b[0] != Version:
		return Message{}, bad("W2", "version %d, want %d", b[0], Version)
	case b[1] == 0 || b[1] > maxType:
		return Message{}, bad("W3", "unknown message type %d", b[1])
	case b[1] == TypePeerLocations:
		locs, err := decodePeerLocations(b[2:])
		if err != nil {
			return Message{}, err
		}
		return Message{Type: TypePeerLocations, Locations: locs}, nil
	case b[1] >= TypeAnnounce && b[1] <= TypeFoldAck:
		return decodeOpennet(b)
	case !isRouting(b[1]):
		return decodeSwap(b)
	}
	m, err := decodeRouting(b)
	if err != nil {
		return Message{}, err
	}
	return Message{Type: b[1], Routing: m}, nil
}

// decodePeerLocations parses a PeerLocations body: a count and count
// locations.
func decodePeerLocations(body []byte) ([]routing.Location, error) {
	if len(body) == 0 {
		return nil, bad("W8", "PeerLocations without its count")
	}
	n := int(body[0])
	switch {
	case n > MaxPeerLocations:
		return nil, bad("W7", "PeerLocations with %d locations, at most %d", n, MaxPeerLocations)
	case len(body) != 1+8*n:
		return nil, bad("W8", "PeerLocations body of %d bytes, want %d for %d locations", len(body), 1+8*n, n)
	case n == 0:
		return nil, nil
	}
	locs := make([]routing.Location, n)
	for i := range locs {
		locs[i] = routing.Location(binary.BigEndian.Uint64(body[1+8*i:]))
	}
	return locs, nil
}

// decodeRouting parses a routing message whose header (W1 to W3) is
// checked.
func decodeRouting(b []byte) (routing.Message, error) {
	var m routing.Message
	t := b[1]
	l := layouts[t]
	want := 2 + 8
	if l.htl {
		want++
	}
	if l.key {
		want += keys.KeySize
	}
	if l.replaces {
		want += len(m.Replaces)
	}
	rest := len(b) - want
	switch {
	case rest < 0:
		return m, bad("W4", "%v message of %d bytes, want at least %d", msgOf[t], len(b), want)
	case !l.block && rest != 0:
		return m, bad("W4", "%v message of %d bytes, want %d", msgOf[t], len(b), want)
	case l.block && !validBlockSize(rest):
		return m, bad("W5", "%v block of %d bytes is neither a CHK (%d) nor an SSK (%d) block", msgOf[t], rest, keys.CHKBlockSize, keys.SSKBlockSize)
	case t == TypeReplace && rest != keys.SSKBlockSize:
		// Only an SSK block can lose a collision: a CHK's key names its
		// content.
		return m, bad("W5", "%v block of %d bytes is not an SSK (%d) block", msgOf[t], rest, keys.SSKBlockSize)
	}
	m.Type = msgOf[t]
	m.ID = routing.RequestID(binary.BigEndian.Uint64(b[2:10]))
	if m.ID == 0 {
		return m, bad("W6", "request ID 0")
	}
	p := b[10:]
	if l.htl {
		m.HTL, p = p[0], p[1:]
	}
	if l.key {
		copy(m.Key[:], p)
		p = p[keys.KeySize:]
	}
	if l.replaces {
		copy(m.Replaces[:], p)
		p = p[len(m.Replaces):]
	}
	if l.block {
		m.Block = p
	}
	return m, nil
}
