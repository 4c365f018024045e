package peerwire

import (
	"encoding/binary"
	"fmt"

	"github.com/hamsnet/hams/routing"
)

// Type codes of the swap messages and Location (docs/wire.md, Swapping):
// the feature swapping.
const (
	TypeSwapRequest    = 12
	TypeSwapReply      = 13
	TypeSwapCommit     = 14
	TypeSwapComplete   = 15
	TypeSwapRejected   = 16
	TypeSwapProbe      = 17
	TypeSwapProbeReply = 18
	// TypeLocation tells a peer where the sender moved (after a swap or a
	// relocation).
	TypeLocation = 19
)

// swapTypeOf maps the swap protocol's kinds to their type codes; swapKindOf
// is the reverse.
var swapTypeOf = map[routing.SwapMsgType]byte{
	routing.SwapRequest: TypeSwapRequest, routing.SwapReply: TypeSwapReply, routing.SwapCommit: TypeSwapCommit,
	routing.SwapComplete: TypeSwapComplete, routing.SwapRejected: TypeSwapRejected, routing.SwapProbe: TypeSwapProbe,
	routing.SwapProbeReply: TypeSwapProbeReply,
}

var swapKindOf = func() map[byte]routing.SwapMsgType {
	m := map[byte]routing.SwapMsgType{}
	for k, t := range swapTypeOf {
		m[t] = k
	}
	return m
}()

// swapLayout says which fields a swap type carries after its ID.
type swapLayout struct {
	htl, commit, reveal, location bool
}

var swapLayouts = map[byte]swapLayout{
	TypeSwapRequest:    {htl: true, commit: true},
	TypeSwapReply:      {commit: true},
	TypeSwapCommit:     {reveal: true},
	TypeSwapComplete:   {reveal: true},
	TypeSwapRejected:   {},
	TypeSwapProbe:      {htl: true, location: true},
	TypeSwapProbeReply: {location: true},
}

// AppendSwap appends the encoding of the swap message m to dst. m.Peer is
// not encoded. It fails for a kind without a wire code, ID 0, or a reveal
// of more than routing.MaxSwapPeers locations.
func AppendSwap(dst []byte, m *routing.SwapMessage) ([]byte, error) {
	t, ok := swapTypeOf[m.Type]
	if !ok {
		return dst, fmt.Errorf("wire: cannot encode swap message type %v", m.Type)
	}
	if m.ID == 0 {
		return dst, fmt.Errorf("wire: %v with ID 0", m.Type)
	}
	l := swapLayouts[t]
	var reveal []byte
	if l.reveal {
		var err error
		if reveal, err = m.Reveal.MarshalBinary(); err != nil {
			return dst, err
		}
	}
	dst = append(dst, Version, t)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.ID))
	if l.htl {
		dst = append(dst, m.HTL)
	}
	if l.commit {
		dst = append(dst, m.Commit[:]...)
	}
	if l.location {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Target))
	}
	return append(dst, reveal...), nil
}

// AppendLocation appends a Location message, the sender's new location, to
// dst.
func AppendLocation(dst []byte, loc routing.Location) []byte {
	dst = append(dst, Version, TypeLocation)
	return binary.BigEndian.AppendUint64(dst, uint64(loc))
}

// decodeSwap parses a swap message or a Location whose header (W1 to W3)
// is checked.
func decodeSwap(b []byte) (Message, error) {
	t := b[1]
	if t == TypeLocation {
		if len(b) != 2+8 {
			return Message{}, bad("W4", "Location message of %d bytes, want 10", len(b))
		}
		return Message{Type: t, Location: routing.Location(binary.BigEndian.Uint64(b[2:]))}, nil
	}
	l := swapLayouts[t]
	want := 2 + 8
	if l.htl {
		want++
	}
	if l.commit {
		want += 32
	}
	if l.location {
		want += 8
	}
	name := swapKindOf[t].String()
	switch {
	case len(b) < want:
		return Message{}, bad("W4", "%s message of %d bytes, want at least %d", name, len(b), want)
	case !l.reveal && len(b) != want:
		return Message{}, bad("W4", "%s message of %d bytes, want %d", name, len(b), want)
	}
	m := routing.SwapMessage{Type: swapKindOf[t], ID: routing.RequestID(binary.BigEndian.Uint64(b[2:10]))}
	if m.ID == 0 {
		return Message{}, bad("W6", "request ID 0")
	}
	p := b[10:]
	if l.htl {
		m.HTL, p = p[0], p[1:]
	}
	if l.commit {
		copy(m.Commit[:], p)
		p = p[32:]
	}
	if l.location {
		m.Target, p = routing.Location(binary.BigEndian.Uint64(p)), p[8:]
	}
	if l.reveal {
		if err := m.Reveal.UnmarshalBinary(p); err != nil {
			return Message{}, bad("W9", "%s: %v", name, err)
		}
	}
	return Message{Type: t, Swap: m}, nil
}
