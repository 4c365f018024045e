package fcp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// PeerBackend is an optional Backend extension for nodes that have peers. A
// Backend that does not implement it keeps the behaviour of a node without
// peers: ListPeers answers EndListPeers only, and AddPeer, RemovePeer and
// ListPeer are refused (ProtocolError 16).
//
// Errors: a *PeerError (or an error wrapping one) is reported as a
// ProtocolError with its code and text. Any other error from AddPeer is
// reported as ProtocolError 21 (the reference could not be parsed), from
// ListPeers or RemovePeer as 17 (internal error); RemovePeer's ErrUnknownPeer
// becomes an UnknownNodeIdentifier reply.
type PeerBackend interface {
	// AddPeer adds the peer whose noderef is ref: the noderef text, lines
	// "key=value" ending with "End" (fields in any order; the server has
	// already split the message or file into such lines). It returns the
	// peer as added, or as already known: adding a known peer again updates
	// it.
	AddPeer(ctx context.Context, ref []byte) (PeerInfo, error)
	// ListPeers returns every peer, sorted by identity.
	ListPeers(ctx context.Context) ([]PeerInfo, error)
	// RemovePeer removes the peer named by id: its identity, its name
	// (myName) or one of its addresses, as FindPeer matches them. Unknown:
	// an error matching ErrUnknownPeer.
	RemovePeer(ctx context.Context, id string) (PeerInfo, error)
}

// ErrUnknownPeer is returned by PeerBackend.RemovePeer for an identifier that
// names no peer; the server answers UnknownNodeIdentifier.
var ErrUnknownPeer = errors.New("fcp: unknown peer")

// Peer status values: fred's volatile.status strings.
const (
	PeerConnected      = "CONNECTED"
	PeerDisconnected   = "DISCONNECTED"
	PeerBackedOff      = "BACKED OFF"
	PeerNeverConnected = "NEVER CONNECTED"
	// PeerTooOld: the peer's protocol version is below this node's
	// minimum; PeerTooNew: this node's is below the peer's minimum.
	PeerTooOld = "TOO OLD"
	PeerTooNew = "TOO NEW"
)

// PeerInfo is one peer as FCP reports it.
type PeerInfo struct {
	// Identity is the peer's identity (Freenet base64). Required.
	Identity string
	// Name is the peer's myName; may be empty.
	Name string
	// Addresses are the peer's addresses ("host:port") that ListPeer and
	// RemovePeer accept as NodeIdentifier.
	Addresses []string
	// Fields are the noderef's fields (key, value) in canonical order,
	// including sig: they are sent, as given, as the Peer message's first
	// fields. Keys must be unique, must not be "Identifier" nor start with
	// "metadata." or "volatile.", and neither keys nor values may hold a
	// line break ('=' is not allowed in keys).
	Fields [][2]string
	// Status is fred's volatile.status: PeerConnected, PeerDisconnected,
	// PeerBackedOff, PeerNeverConnected, PeerTooOld or PeerTooNew ("" is
	// sent as "UNKNOWN STATUS").
	Status string
	// Location is the peer's current location in [0, 1), sent as
	// volatile.location (the noderef's own location field is left as
	// signed).
	Location float64
	// AddedAt is when the peer was added; zero if unknown. Sent as
	// metadata.peerAddedTime and volatile.peerAddedTime.
	AddedAt time.Time
	// LastConnected is when the peer was last connected (for a connected
	// peer: now); zero if never. Sent as metadata.timeLastConnected.
	LastConnected time.Time
	// ConnectedSince is when the peer's current link came up (zero when
	// it has none). Sent as volatile.connectedSince (hams).
	ConnectedSince time.Time
	// Kind is how the node came to have the peer: "darknet" (a friend),
	// "opennet", "seed" or "seed client"; "" sends nothing. Sent as
	// volatile.kind (hams).
	Kind string
}

// FindPeer returns the index of the peer that id names, or -1: a peer whose
// Identity is id; failing that, the first whose Name is id; failing that, the
// first with id among its Addresses. Matching is exact (case-sensitive), as
// in fred. It is the rule ListPeer uses; a RemovePeer implementation should
// use it too.
func FindPeer(peers []PeerInfo, id string) int {
	for i := range peers {
		if peers[i].Identity == id {
			return i
		}
	}
	for i := range peers {
		if peers[i].Name != "" && peers[i].Name == id {
			return i
		}
	}
	for i := range peers {
		for _, a := range peers[i].Addresses {
			if a == id {
				return i
			}
		}
	}
	return -1
}

// PeerError is a failed peer operation carrying a fred ProtocolError code:
// the server reports it as ProtocolError Code with Extra as its
// ExtraDescription. Useful codes: fcpwire.CodeRefParseError (21),
// fcpwire.CodeRefSignatureInvalid (27), fcpwire.CodeCannotPeerWithSelf (28),
// fcpwire.CodeDuplicatePeerRef (29), fcpwire.CodeOpennetDisabled (30).
type PeerError struct {
	// Code is the ProtocolError code.
	Code int
	// Extra is the ExtraDescription.
	Extra string
}

// Error describes e.
func (e *PeerError) Error() string {
	s := "fcp: peer: " + fcpwire.CodeDescription(e.Code)
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// maxNoderef bounds a noderef read from a File (fred fetches at most 31 KB
// of a noderef from a URI).
const maxNoderef = 64 << 10

// peerBackend returns the backend's PeerBackend, or the ProtocolError 16 a
// node without peers answers m with.
func (c *conn) peerBackend(m *fcpwire.Message) (PeerBackend, error) {
	pb, ok := c.s.b.(PeerBackend)
	if !ok {
		return nil, m.Errorf(fcpwire.CodeNotSupported, "%s is not supported by this node", m.Name)
	}
	return pb, nil
}

// peerFailure turns a backend error into the ProtocolError about m: a
// PeerError's own code, 18 when the server is closing, else code def.
func (c *conn) peerFailure(m *fcpwire.Message, err error, def int) error {
	var pe *PeerError
	if errors.As(err, &pe) && pe.Code > 0 {
		return m.Errorf(pe.Code, "%s", pe.Extra)
	}
	if c.s.ctx.Err() != nil {
		return m.Errorf(fcpwire.CodeShuttingDown, "%v", err)
	}
	return m.Errorf(def, "%v", err)
}

// addPeerFCPFields are AddPeer's own fields; every other field is part of
// an inline noderef.
var addPeerFCPFields = map[string]bool{"Identifier": true, "Trust": true, "Visibility": true, "File": true, "URL": true}

// addPeer adds the peer whose noderef is in the message, or in File; URL is
// refused. Trust and Visibility are checked when given and otherwise
// ignored. Reply: Peer with metadata and volatile fields, as fred.
func (c *conn) addPeer(m *fcpwire.Message) error {
	pb, err := c.peerBackend(m)
	if err != nil {
		return err
	}
	for _, f := range []struct{ name, values string }{
		{"Trust", "HIGH NORMAL LOW"}, {"Visibility", "YES NAME_ONLY NO"},
	} {
		if v, ok := m.Lookup(f.name); ok && !contains(strings.Fields(f.values), v) {
			return m.Errorf(fcpwire.CodeInvalidField, "%s=%q is not one of %s", f.name, v, f.values)
		}
	}
	if m.Data != nil {
		return m.Errorf(fcpwire.CodeInvalidMessage, "AddPeer takes no data")
	}
	var inline []fcpwire.Field
	for _, f := range m.Fields {
		if !addPeerFCPFields[f.Name] {
			inline = append(inline, f)
		}
	}
	_, hasFile := m.Lookup("File")
	_, hasURL := m.Lookup("URL")
	if n := btoi(hasFile) + btoi(hasURL) + btoi(len(inline) > 0); n > 1 {
		return m.Errorf(fcpwire.CodeInvalidMessage, "AddPeer takes one of File, URL or the noderef's fields, not several")
	}
	var fields []fcpwire.Field
	switch {
	case hasURL:
		return m.Errorf(fcpwire.CodeNotSupported,
			"AddPeer URL= is not supported: this node never fetches noderefs from the web; send the noderef's fields in the message or use File")
	case hasFile:
		if fields, err = c.readNoderefFile(m, m.Get("File")); err != nil {
			return err
		}
	case len(inline) == 0:
		return m.Errorf(fcpwire.CodeRefParseError, "AddPeer has no noderef: give its fields, or File")
	default:
		fields = inline
	}
	info, err := pb.AddPeer(c.s.ctx, noderefText(fields))
	if err != nil {
		return c.peerFailure(m, err, fcpwire.CodeRefParseError)
	}
	if err := checkPeerInfo(info); err != nil {
		return m.Errorf(fcpwire.CodeInternalError, "%v", err)
	}
	return c.send(c.peerMessage(info, true, true, m))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readNoderefFile reads the noderef in file name, which the connection must
// be allowed to read by TestDDA (as ClientPut UploadFrom=disk). Codes as
// fred: not absolute or missing 9, no DDA 25, not a regular file 23, read
// error 22, not a noderef 21.
func (c *conn) readNoderefFile(m *fcpwire.Message, name string) ([]fcpwire.Field, error) {
	if err := c.checkFile(m, name); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, m.Errorf(fcpwire.CodeFileNotFound, "%s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxNoderef+1))
	if err != nil {
		return nil, m.Errorf(fcpwire.CodeFileParseError, "reading %s: %v", name, err)
	}
	if len(b) > maxNoderef {
		return nil, m.Errorf(fcpwire.CodeRefParseError, "%s is larger than %d bytes: not a noderef", name, maxNoderef)
	}
	fields, err := parseNoderef(b)
	if err != nil {
		return nil, m.Errorf(fcpwire.CodeRefParseError, "%s: %v", name, err)
	}
	return fields, nil
}

// parseNoderef splits noderef text into its fields: "key=value" lines, each
// trimmed of surrounding white space, blank lines skipped, up to an end
// line ("End", "EndMessage") or the end of the text.
func parseNoderef(b []byte) ([]fcpwire.Field, error) {
	var fields []fcpwire.Field
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), maxNoderef+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			if strings.HasPrefix(line, "End") {
				break
			}
			return nil, fmt.Errorf("line %d is not key=value: %.40q", n, line)
		}
		if k == "" {
			return nil, fmt.Errorf("line %d has no key", n)
		}
		if seen[k] {
			return nil, fmt.Errorf("field %s given twice", k)
		}
		seen[k] = true
		fields = append(fields, fcpwire.Field{Name: k, Value: v})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, errors.New("no noderef fields")
	}
	return fields, nil
}

// noderefText is the text PeerBackend.AddPeer takes.
func noderefText(fields []fcpwire.Field) []byte {
	var b bytes.Buffer
	for _, f := range fields {
		b.WriteString(f.Name + "=" + f.Value + "\n")
	}
	b.WriteString("End\n")
	return b.Bytes()
}

// checkPeerInfo reports a peer the server cannot send.
func checkPeerInfo(p PeerInfo) error {
	if p.Identity == "" {
		return errors.New("the backend returned a peer without identity")
	}
	seen := map[string]bool{}
	for _, f := range p.Fields {
		k, v := f[0], f[1]
		switch {
		case k == "" || strings.ContainsAny(k, "=\r\n") || strings.ContainsAny(v, "\r\n"):
			return fmt.Errorf("the backend returned peer %s with an unsendable field %q", p.Identity, k)
		case k == "Identifier" || strings.HasPrefix(k, "metadata.") || strings.HasPrefix(k, "volatile."):
			return fmt.Errorf("the backend returned peer %s with a reserved field %q", p.Identity, k)
		case seen[k]:
			return fmt.Errorf("the backend returned peer %s with field %q twice", p.Identity, k)
		}
		seen[k] = true
	}
	return nil
}

// peerMessage is fred's Peer message: the noderef's fields, then
// metadata.* and volatile.* when asked, then the request's Identifier if it
// had one.
func (c *conn) peerMessage(p PeerInfo, withMeta, withVolatile bool, req *fcpwire.Message) *fcpwire.Message {
	out := &fcpwire.Message{Name: "Peer"}
	add := func(k, v string) { out.Fields = append(out.Fields, fcpwire.Field{Name: k, Value: v}) }
	for _, f := range p.Fields {
		add(f[0], f[1])
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	if withMeta {
		if !p.LastConnected.IsZero() {
			add("metadata.timeLastConnected", ms(p.LastConnected))
		}
		if !p.AddedAt.IsZero() {
			add("metadata.peerAddedTime", ms(p.AddedAt))
		}
		if p.Status == PeerNeverConnected {
			add("metadata.neverConnected", "true")
		}
	}
	if withVolatile {
		if !p.AddedAt.IsZero() {
			add("volatile.peerAddedTime", ms(p.AddedAt))
		}
		add("volatile.location", strconv.FormatFloat(p.Location, 'f', -1, 64))
		status := p.Status
		if status == "" {
			status = "UNKNOWN STATUS"
		}
		add("volatile.status", status)
		if !p.ConnectedSince.IsZero() {
			add("volatile.connectedSince", ms(p.ConnectedSince))
		}
		if p.Kind != "" {
			add("volatile.kind", p.Kind)
		}
	}
	if id, ok := req.Lookup("Identifier"); ok {
		add("Identifier", id)
	}
	return out
}

// peerList returns the backend's peers, checked and sorted by identity.
func (c *conn) peerList(m *fcpwire.Message, pb PeerBackend) ([]PeerInfo, error) {
	peers, err := pb.ListPeers(c.s.ctx)
	if err != nil {
		return nil, c.peerFailure(m, err, fcpwire.CodeInternalError)
	}
	for _, p := range peers {
		if err := checkPeerInfo(p); err != nil {
			return nil, m.Errorf(fcpwire.CodeInternalError, "%v", err)
		}
	}
	sort.SliceStable(peers, func(i, j int) bool { return peers[i].Identity < peers[j].Identity })
	return peers, nil
}

// listPeers answers one Peer per peer (metadata and volatile fields only
// when asked, as fred), then EndListPeers. Without a PeerBackend: only
// EndListPeers.
func (c *conn) listPeers(m *fcpwire.Message) error {
	var opts [2]bool
	for i, f := range []string{"WithMetadata", "WithVolatile"} {
		v, err := m.Bool(f, false)
		if err != nil {
			return err
		}
		opts[i] = v
	}
	if pb, ok := c.s.b.(PeerBackend); ok {
		peers, err := c.peerList(m, pb)
		if err != nil {
			return err
		}
		for _, p := range peers {
			if err := c.send(c.peerMessage(p, opts[0], opts[1], m)); err != nil {
				return fatalErr{err}
			}
		}
	}
	out := &fcpwire.Message{Name: "EndListPeers"}
	if id, ok := m.Lookup("Identifier"); ok {
		out.Set("Identifier", id)
	}
	return c.send(out)
}

// listPeer answers Peer for the peer NodeIdentifier names, or
// UnknownNodeIdentifier. fred always includes metadata and volatile fields
// here whatever the message says; hams does so by default and honours
// WithMetadata=false / WithVolatile=false.
func (c *conn) listPeer(m *fcpwire.Message) error {
	pb, err := c.peerBackend(m)
	if err != nil {
		return err
	}
	id, err := m.Require("NodeIdentifier")
	if err != nil {
		return err
	}
	var opts [2]bool
	for i, f := range []string{"WithMetadata", "WithVolatile"} {
		if opts[i], err = m.Bool(f, true); err != nil {
			return err
		}
	}
	peers, err := c.peerList(m, pb)
	if err != nil {
		return err
	}
	i := FindPeer(peers, id)
	if i < 0 {
		return c.send(unknownNodeIdentifier(id, m))
	}
	return c.send(c.peerMessage(peers[i], opts[0], opts[1], m))
}

// removePeer answers PeerRemoved or UnknownNodeIdentifier.
func (c *conn) removePeer(m *fcpwire.Message) error {
	pb, err := c.peerBackend(m)
	if err != nil {
		return err
	}
	id, err := m.Require("NodeIdentifier")
	if err != nil {
		return err
	}
	info, err := pb.RemovePeer(c.s.ctx, id)
	if errors.Is(err, ErrUnknownPeer) {
		return c.send(unknownNodeIdentifier(id, m))
	}
	if err != nil {
		return c.peerFailure(m, err, fcpwire.CodeInternalError)
	}
	out := &fcpwire.Message{Name: "PeerRemoved"}
	out.Set("Identity", info.Identity).Set("NodeIdentifier", id)
	if rid, ok := m.Lookup("Identifier"); ok {
		out.Set("Identifier", rid)
	}
	return c.send(out)
}

func unknownNodeIdentifier(id string, req *fcpwire.Message) *fcpwire.Message {
	out := &fcpwire.Message{Name: "UnknownNodeIdentifier"}
	out.Set("NodeIdentifier", id)
	if rid, ok := req.Lookup("Identifier"); ok {
		out.Set("Identifier", rid)
	}
	return out
}
