package fcpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// Peer is one of the node's peers, as a Peer message describes it.
type Peer struct {
	// Identity is the peer's identity (the noderef's identity field).
	Identity string
	// Name is the peer's myName; may be empty.
	Name string
	// Status is fred's volatile.status: "CONNECTED", "DISCONNECTED",
	// "BACKED OFF", "NEVER CONNECTED", ...
	Status string
	// Location is the peer's location: volatile.location (hams) or the
	// noderef's location field (fred); -1 if the node gave neither.
	Location float64
	// Fields are the Peer message's fields but Identifier, in order: the
	// noderef's fields, then metadata.* and volatile.* ones.
	Fields []fcpwire.Field
}

// Field returns the value of the Peer message's field name, or "".
func (p Peer) Field(name string) string {
	for _, f := range p.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Ref returns the peer's noderef as text: its fields (without metadata.*
// and volatile.* ones) as "key=value" lines, then "End".
func (p Peer) Ref() []byte {
	var b bytes.Buffer
	for _, f := range p.Fields {
		if !strings.HasPrefix(f.Name, "metadata.") && !strings.HasPrefix(f.Name, "volatile.") {
			b.WriteString(f.Name + "=" + f.Value + "\n")
		}
	}
	b.WriteString("End\n")
	return b.Bytes()
}

func peerFrom(m *fcpwire.Message) Peer {
	p := Peer{
		Identity: m.Get("identity"),
		Name:     m.Get("myName"),
		Status:   m.Get("volatile.status"),
		Location: -1,
	}
	for _, f := range m.Fields {
		if f.Name != "Identifier" {
			p.Fields = append(p.Fields, f)
		}
	}
	for _, k := range []string{"volatile.location", "location"} {
		if v, ok := m.Lookup(k); ok {
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				p.Location = x
				break
			}
		}
	}
	return p
}

// UnknownPeerError is returned when the node has no peer by the given
// identifier (UnknownNodeIdentifier).
type UnknownPeerError struct {
	// NodeIdentifier is the identifier the node did not know.
	NodeIdentifier string
}

// Error implements error.
func (e *UnknownPeerError) Error() string {
	return "client: the node has no peer " + strconv.Quote(e.NodeIdentifier)
}

// Trust and Visibility sent with AddPeer: current fred requires both on
// every AddPeer; hams ignores them.
const (
	addPeerTrust      = "NORMAL"
	addPeerVisibility = "NO"
)

// addPeerOwnFields are AddPeer's own fields, which a noderef cannot hold.
var addPeerOwnFields = map[string]bool{"Identifier": true, "Trust": true, "Visibility": true, "File": true, "URL": true}

// AddPeer adds the peer whose noderef is ref ("key=value" lines, then an
// optional "End" line; surrounding white space and blank lines are
// ignored) and returns it as the node added it. The noderef's fields are
// sent in the AddPeer message, with Trust=NORMAL and Visibility=NO (fred
// requires both; hams ignores them). A noderef the node rejects gives a
// *fcpwire.ProtocolError (code 21: unparsable, 27: bad signature, ...).
func (c *Client) AddPeer(ctx context.Context, ref []byte) (Peer, error) {
	fields, err := splitNoderef(ref)
	if err != nil {
		return Peer{}, err
	}
	m := &fcpwire.Message{Name: "AddPeer"}
	m.Set("Identifier", "").Set("Trust", addPeerTrust).Set("Visibility", addPeerVisibility)
	m.Fields = append(m.Fields, fields...)
	return c.peerExchange(ctx, m)
}

// AddPeerFile adds the peer whose noderef is in the file at path (absolute),
// which the node reads itself (AddPeer File=path). A hams node requires the
// connection to have passed TestDDA with read access to the file's
// directory (else ProtocolError 25).
func (c *Client) AddPeerFile(ctx context.Context, path string) (Peer, error) {
	if !filepath.IsAbs(path) {
		return Peer{}, fmt.Errorf("client: AddPeerFile: %q is not an absolute path", path)
	}
	m := &fcpwire.Message{Name: "AddPeer"}
	m.Set("Identifier", "").Set("Trust", addPeerTrust).Set("Visibility", addPeerVisibility).Set("File", path)
	return c.peerExchange(ctx, m)
}

// ListPeers returns the node's peers, with their metadata and volatile
// fields.
func (c *Client) ListPeers(ctx context.Context) ([]Peer, error) {
	m := &fcpwire.Message{Name: "ListPeers"}
	m.Set("Identifier", "").Set("WithMetadata", "true").Set("WithVolatile", "true")
	msgs, err := c.collect(ctx, m, "EndListPeers", "Peer")
	if err != nil {
		return nil, err
	}
	peers := make([]Peer, len(msgs))
	for i, r := range msgs {
		peers[i] = peerFrom(r)
	}
	return peers, nil
}

// ListPeer returns the peer that id names: its identity, its name or one of
// its addresses. An unknown peer gives an *UnknownPeerError.
func (c *Client) ListPeer(ctx context.Context, id string) (Peer, error) {
	m := &fcpwire.Message{Name: "ListPeer"}
	m.Set("Identifier", "").Set("NodeIdentifier", id).Set("WithMetadata", "true").Set("WithVolatile", "true")
	return c.peerExchange(ctx, m)
}

// RemovePeer removes the peer that id names (its identity, its name or one
// of its addresses) and waits for the node to confirm (PeerRemoved). An
// unknown peer gives an *UnknownPeerError.
func (c *Client) RemovePeer(ctx context.Context, id string) error {
	m := &fcpwire.Message{Name: "RemovePeer"}
	m.Set("Identifier", "").Set("NodeIdentifier", id)
	_, err := c.peerExchange(ctx, m)
	return err
}

// peerExchange sends one of the peer messages and waits for its reply: Peer
// (returned), PeerRemoved (a zero Peer), UnknownNodeIdentifier or
// ProtocolError (errors).
func (c *Client) peerExchange(ctx context.Context, m *fcpwire.Message) (Peer, error) {
	var peer Peer
	err := c.exchange(ctx, m, func(r *fcpwire.Message) (bool, error) {
		if id := r.Get("Identifier"); id != "" && id != m.Get("Identifier") {
			c.unsolicited(r)
			return false, nil
		}
		switch r.Name {
		case "Peer":
			peer = peerFrom(r)
			return true, nil
		case "PeerRemoved":
			return true, nil
		case "UnknownNodeIdentifier":
			return false, &UnknownPeerError{NodeIdentifier: r.Get("NodeIdentifier")}
		case "ProtocolError":
			return false, protocolErrorFrom(r)
		}
		c.unsolicited(r)
		return false, nil
	})
	return peer, err
}

// splitNoderef splits noderef text into its fields, as a node reads a
// noderef file: lines trimmed, blank lines skipped, up to a line starting
// "End".
func splitNoderef(ref []byte) ([]fcpwire.Field, error) {
	var fields []fcpwire.Field
	seen := map[string]bool{}
	for n, line := range strings.Split(string(ref), "\n") {
		n, line := n+1, strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		switch {
		case !ok && strings.HasPrefix(line, "End"):
			return checkNoderef(fields)
		case !ok:
			return nil, fmt.Errorf("client: AddPeer: noderef line %d is not key=value", n)
		case k == "":
			return nil, fmt.Errorf("client: AddPeer: noderef line %d has no key", n)
		case addPeerOwnFields[k]:
			return nil, fmt.Errorf("client: AddPeer: noderef field %s is one of AddPeer's own", k)
		case seen[k]:
			return nil, fmt.Errorf("client: AddPeer: noderef field %s given twice", k)
		}
		seen[k] = true
		fields = append(fields, fcpwire.Field{Name: k, Value: v})
	}
	return checkNoderef(fields)
}

func checkNoderef(fields []fcpwire.Field) ([]fcpwire.Field, error) {
	if len(fields) == 0 {
		return nil, errors.New("client: AddPeer: empty noderef")
	}
	return fields, nil
}
