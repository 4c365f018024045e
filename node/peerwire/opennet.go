package peerwire

import (
	"encoding/binary"
	"fmt"

	"github.com/hamsnet/hams/routing"
)

// Type codes of the opennet messages (docs/wire.md, Opennet): the feature
// opennet.
const (
	// TypeAnnounce is a newcomer's announcement, routed greedily toward a
	// location, carrying its noderef.
	TypeAnnounce = 20
	// TypeAnnounceReply is the noderef of a node that takes the newcomer
	// as a peer, on its way back to the newcomer.
	TypeAnnounceReply = 21
	// TypeAnnounceDone ends an announcement: no more replies will come.
	TypeAnnounceDone = 22
	// TypeFoldRef is the noderef of the node that answered a request,
	// travelling back to the request's originator (path folding).
	TypeFoldRef = 23
	// TypeFoldAck is the originator's noderef on its way back to that
	// node, when it wants the link.
	TypeFoldAck = 24
)

// MaxRef is the longest noderef an opennet message carries (the noderef
// format's own limit, docs/noderef.md).
const MaxRef = 4096

// OpennetMessage is a decoded opennet message.
type OpennetMessage struct {
	// Type is TypeAnnounce to TypeFoldAck.
	Type byte
	ID   routing.RequestID
	// HTL and Target: an Announce's hops to live and where it goes.
	HTL    uint8
	Target routing.Location
	// Ref is a noderef's text (every type but AnnounceDone); it aliases
	// the decoded frame.
	Ref []byte
}

// AppendOpennet appends the encoding of m to dst. It fails for ID 0, a
// type that is not an opennet type, or a noderef that is empty (where one
// belongs) or longer than MaxRef.
func AppendOpennet(dst []byte, m *OpennetMessage) ([]byte, error) {
	if m.Type < TypeAnnounce || m.Type > TypeFoldAck {
		return dst, fmt.Errorf("wire: %d is not an opennet type", m.Type)
	}
	if m.ID == 0 {
		return dst, fmt.Errorf("wire: %s with ID 0", TypeName(m.Type))
	}
	hasRef := m.Type != TypeAnnounceDone
	if hasRef && (len(m.Ref) == 0 || len(m.Ref) > MaxRef) || !hasRef && len(m.Ref) != 0 {
		return dst, fmt.Errorf("wire: %s with a noderef of %d bytes", TypeName(m.Type), len(m.Ref))
	}
	dst = append(dst, Version, m.Type)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.ID))
	if m.Type == TypeAnnounce {
		dst = append(dst, m.HTL)
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Target))
	}
	return append(dst, m.Ref...), nil
}

// decodeOpennet parses an opennet message whose header (W1 to W3) is
// checked.
func decodeOpennet(b []byte) (Message, error) {
	t := b[1]
	want := 2 + 8
	if t == TypeAnnounce {
		want += 1 + 8
	}
	name := TypeName(t)
	switch {
	case len(b) < want:
		return Message{}, bad("W4", "%s message of %d bytes, want at least %d", name, len(b), want)
	case t == TypeAnnounceDone && len(b) != want:
		return Message{}, bad("W4", "%s message of %d bytes, want %d", name, len(b), want)
	case t != TypeAnnounceDone && (len(b) == want || len(b)-want > MaxRef):
		return Message{}, bad("W10", "%s with a noderef of %d bytes (1 to %d)", name, len(b)-want, MaxRef)
	}
	m := OpennetMessage{Type: t, ID: routing.RequestID(binary.BigEndian.Uint64(b[2:10]))}
	if m.ID == 0 {
		return Message{}, bad("W6", "request ID 0")
	}
	if t == TypeAnnounce {
		m.HTL, m.Target = b[10], routing.Location(binary.BigEndian.Uint64(b[11:19]))
	}
	if t != TypeAnnounceDone {
		m.Ref = b[want:]
	}
	return Message{Type: t, Opennet: m}, nil
}
