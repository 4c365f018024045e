package peerwire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite docs/vectors/wire from the cases below")

const vectorDir = "../../docs/vectors/wire"

// vector mirrors the files in docs/vectors/wire. A message's block, when it
// has one, is BlockPattern repeated to BlockLen bytes; the encoding is
// Header followed by that block. A PeerLocations message lists its
// locations as 16 hex digits each; Header holds the whole encoding.
type vector struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Op           string   `json:"op"` // "message" or "reject"
	Rule         string   `json:"rule,omitempty"`
	Type         string   `json:"type,omitempty"`
	ID           string   `json:"id,omitempty"`
	HTL          int      `json:"htl,omitempty"`
	Key          string   `json:"key,omitempty"`
	Replaces     string   `json:"replaces,omitempty"`
	BlockPattern string   `json:"block_pattern,omitempty"`
	BlockLen     int      `json:"block_len,omitempty"`
	Locations    []string `json:"locations,omitempty"`
	Header       string   `json:"header"`
	// Negotiated, on a reject vector, are the features the link negotiated
	// (docs/wire.md, Versions and features): the message is well formed,
	// and rejected only because its kind is not among them.
	Negotiated []string `json:"negotiated,omitempty"`
	// Swap messages: the commitment (hex), a reveal's nonce (hex),
	// location (16 hex digits) and beta, with its peers' locations in
	// Locations; a probe's target or a probe reply's closest location, or
	// a Location message's location, in Target. Header holds the whole
	// encoding.
	Commit   string `json:"commit,omitempty"`
	Nonce    string `json:"nonce,omitempty"`
	Location string `json:"location,omitempty"`
	Beta     int    `json:"beta,omitempty"`
	Target   string `json:"target,omitempty"`
	// Ref: an opennet message's noderef, as text (it follows Header).
	Ref string `json:"ref,omitempty"`
}

// isOpennet reports whether v is an opennet message.
func (v *vector) isOpennet() bool {
	switch v.Type {
	case "Announce", "AnnounceReply", "AnnounceDone", "FoldRef", "FoldAck":
		return true
	}
	return false
}

// isSwap reports whether v is a swap message or a Location.
func (v *vector) isSwap() bool {
	return strings.HasPrefix(v.Type, "Swap") || v.Type == "Location"
}

// swap returns the swap message v describes.
func (v *vector) swap(t *testing.T) routing.SwapMessage {
	m := routing.SwapMessage{HTL: uint8(v.HTL)}
	for k := routing.SwapRequest; k <= routing.SwapProbeReply; k++ {
		if k.String() == v.Type {
			m.Type = k
		}
	}
	id, _ := hex.DecodeString(v.ID)
	m.ID = routing.RequestID(beUint64(id))
	c, _ := hex.DecodeString(v.Commit)
	copy(m.Commit[:], c)
	n, _ := hex.DecodeString(v.Nonce)
	copy(m.Reveal.Nonce[:], n)
	l, _ := hex.DecodeString(v.Location)
	m.Reveal.Location = routing.Location(beUint64(l))
	m.Reveal.Beta = uint16(v.Beta)
	m.Reveal.Peers = v.locations(t)
	tg, _ := hex.DecodeString(v.Target)
	m.Target = routing.Location(beUint64(tg))
	return m
}

// locations returns v's locations, nil when it has none.
func (v *vector) locations(t *testing.T) []routing.Location {
	var out []routing.Location
	for _, s := range v.Locations {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 8 {
			t.Fatalf("location %q is not 16 hex digits", s)
		}
		out = append(out, routing.Location(beUint64(b)))
	}
	return out
}

// locs returns n locations spread round the circle, i/n apart (n ≤ 256),
// as vector hex strings and as the concatenated encoding.
func locs(n int) ([]string, string) {
	var out []string
	var enc strings.Builder
	for i := range n {
		s := fmt.Sprintf("%016x", uint64(i)<<56/uint64(max(n, 1))*256)
		out = append(out, s)
		enc.WriteString(s)
	}
	return out, enc.String()
}

func (v *vector) block() []byte {
	if v.BlockLen == 0 {
		return nil
	}
	p, _ := hex.DecodeString(v.BlockPattern)
	return bytes.Repeat(p, v.BlockLen/len(p)+1)[:v.BlockLen]
}

func (v *vector) encoded(t *testing.T) []byte {
	h, err := hex.DecodeString(v.Header)
	if err != nil {
		t.Fatal(err)
	}
	return append(append(h, v.block()...), v.Ref...)
}

func testKey() keys.RoutingKey {
	var k keys.RoutingKey
	for i := range k {
		k[i] = byte(0xa0 + i)
	}
	return k
}

func msgType(name string) routing.MsgType {
	for t := routing.MsgRequest; t <= routing.MsgReplace; t++ {
		if t.String() == name {
			return t
		}
	}
	return 0
}

// cases are the vectors: valid messages of every type, and one reject per
// rule.
func cases() []vector {
	const id = "0123456789abcdef"
	tk := testKey()
	key := hex.EncodeToString(tk[:])
	hash := strings.Repeat("5e", 32) // the hash of the block a Replace replaces
	hdr := func(t byte, rest string) string { return hex.EncodeToString([]byte{Version, t}) + rest }
	one, oneEnc := []string{"c000000000000001"}, "c000000000000001"
	l64, l64Enc := locs(64)
	_, l65Enc := locs(65)
	two, twoEnc := []string{"1000000000000000", "2000000000000000"}, "10000000000000002000000000000000"
	nonce := "000102030405060708090a0b0c0d0e0f"
	ref := "identity=…\nversion=1\nEnd\n" // opennet messages carry a noderef's text; the network parses it
	return []vector{
		{Name: "request", Description: "a request at HTL 18", Op: "message", Type: "Request", ID: id, HTL: 18, Key: key, Header: hdr(TypeRequest, id+"12"+key)},
		{Name: "insert-ssk", Description: "an insert of an SSK-sized block at HTL 7", Op: "message", Type: "Insert", ID: id, HTL: 7, Key: key, BlockPattern: "5a", BlockLen: keys.SSKBlockSize, Header: hdr(TypeInsert, id+"07"+key)},
		{Name: "data-chk", Description: "a Data answer with a CHK-sized block", Op: "message", Type: "Data", ID: id, Key: key, BlockPattern: "00010203", BlockLen: keys.CHKBlockSize, Header: hdr(TypeData, id+key)},
		{Name: "data-not-found", Description: "DataNotFound carries the ID alone", Op: "message", Type: "DataNotFound", ID: id, Header: hdr(TypeDataNotFound, id)},
		{Name: "recently-failed", Op: "message", Description: "RecentlyFailed", Type: "RecentlyFailed", ID: id, Header: hdr(TypeRecentlyFailed, id)},
		{Name: "route-not-found", Op: "message", Description: "RouteNotFound carries the HTL left", Type: "RouteNotFound", ID: id, HTL: 3, Header: hdr(TypeRouteNotFound, id+"03")},
		{Name: "rejected-loop", Op: "message", Description: "RejectedLoop", Type: "RejectedLoop", ID: id, Header: hdr(TypeRejectedLoop, id)},
		{Name: "rejected-overload", Op: "message", Description: "RejectedOverload", Type: "RejectedOverload", ID: id, Header: hdr(TypeRejectedOverload, id)},
		{Name: "insert-reply", Op: "message", Description: "InsertReply", Type: "InsertReply", ID: id, Header: hdr(TypeInsertReply, id)},
		{Name: "peer-locations-0", Op: "message", Description: "PeerLocations from a node with no other peer: count 0", Type: "PeerLocations", Header: hdr(TypePeerLocations, "00")},
		{Name: "peer-locations-1", Op: "message", Description: "PeerLocations with one location", Type: "PeerLocations", Locations: one, Header: hdr(TypePeerLocations, "01"+oneEnc)},
		{Name: "peer-locations-64", Op: "message", Description: "PeerLocations with the most locations, 64, at i/64", Type: "PeerLocations", Locations: l64, Header: hdr(TypePeerLocations, "40"+l64Enc)},
		{Name: "reject-W1-empty", Op: "reject", Rule: "W1", Description: "an empty message", Header: ""},
		{Name: "reject-W1-one-byte", Op: "reject", Rule: "W1", Description: "a version byte alone", Header: "01"},
		{Name: "reject-W2-version-0", Op: "reject", Rule: "W2", Description: "version 0", Header: "0004" + id},
		{Name: "reject-W2-version-2", Op: "reject", Rule: "W2", Description: "a future version", Header: "0204" + id},
		{Name: "reject-W3-type-0", Op: "reject", Rule: "W3", Description: "type 0", Header: hdr(0, id)},
		{Name: "offer-ssk", Op: "message", Description: "an Offer of an SSK block", Type: "Offer", ID: id, Key: key, BlockPattern: "a5", BlockLen: keys.SSKBlockSize, Header: hdr(TypeOffer, id+key)},
		{Name: "reject-W3-type-27", Op: "reject", Rule: "W3", Description: "an unknown type", Header: hdr(27, id)},
		{Name: "collision-ssk", Op: "message", Description: "a Collision: the SSK block the insert's key already holds", Type: "Collision", ID: id, Key: key, BlockPattern: "c3", BlockLen: keys.SSKBlockSize, Header: hdr(TypeCollision, id+key)},
		{Name: "reject-W5-collision-no-block", Op: "reject", Rule: "W5", Description: "a Collision without a block", Header: hdr(TypeCollision, id+key)},
		{Name: "reject-W3-collision-undeclared", Op: "reject", Rule: "W3", Description: "a Collision on a link that negotiated everything but collisions", Negotiated: []string{"location", "offers", "opennet", "peerlocations", "swapping"}, BlockPattern: "c3", BlockLen: keys.SSKBlockSize, Header: hdr(TypeCollision, id+key)},
		{Name: "replace-ssk", Op: "message", Description: "a Replace: the SSK block that won a collision over the offered block whose hash follows the key", Type: "Replace", ID: id, Key: key, Replaces: hash, BlockPattern: "3c", BlockLen: keys.SSKBlockSize, Header: hdr(TypeReplace, id+key+hash)},
		{Name: "reject-W5-replace-no-block", Op: "reject", Rule: "W5", Description: "a Replace without a block", Header: hdr(TypeReplace, id+key+hash)},
		{Name: "reject-W5-replace-chk", Op: "reject", Rule: "W5", Description: "a Replace of a CHK block (only an SSK block can lose a collision)", BlockPattern: "3c", BlockLen: keys.CHKBlockSize, Header: hdr(TypeReplace, id+key+hash)},
		{Name: "reject-W4-replace-short", Op: "reject", Rule: "W4", Description: "a Replace cut short in the hash of the block it replaces", Header: hdr(TypeReplace, id+key+hash[:20])},
		{Name: "reject-W3-replace-undeclared", Op: "reject", Rule: "W3", Description: "a Replace on a link that negotiated everything but replace", Negotiated: []string{"collisions", "location", "offers", "opennet", "peerlocations", "swapping"}, BlockPattern: "3c", BlockLen: keys.SSKBlockSize, Header: hdr(TypeReplace, id+key+hash)},
		{Name: "announce", Op: "message", Description: "a newcomer's announcement toward 0.25 with 18 hops, and its noderef", Type: "Announce", ID: id, HTL: 18, Target: "4000000000000000", Ref: ref, Header: hdr(TypeAnnounce, id+"12"+"4000000000000000")},
		{Name: "announce-reply", Op: "message", Description: "a node that takes the newcomer: its noderef", Type: "AnnounceReply", ID: id, Ref: ref, Header: hdr(TypeAnnounceReply, id)},
		{Name: "announce-done", Op: "message", Description: "the announcement ended", Type: "AnnounceDone", ID: id, Header: hdr(TypeAnnounceDone, id)},
		{Name: "fold-ref", Op: "message", Description: "the noderef of the node that answered a request, on its way to the originator", Type: "FoldRef", ID: id, Ref: ref, Header: hdr(TypeFoldRef, id)},
		{Name: "fold-ack", Op: "message", Description: "the originator's noderef, on its way back", Type: "FoldAck", ID: id, Ref: ref, Header: hdr(TypeFoldAck, id)},
		{Name: "reject-W10-fold-ref-empty", Op: "reject", Rule: "W10", Description: "a FoldRef without a noderef", Header: hdr(TypeFoldRef, id)},
		{Name: "reject-W10-announce-no-ref", Op: "reject", Rule: "W10", Description: "an Announce without a noderef", Header: hdr(TypeAnnounce, id+"12"+"4000000000000000")},
		{Name: "reject-W4-announce-done-trailing", Op: "reject", Rule: "W4", Description: "an AnnounceDone with a byte after its ID", Header: hdr(TypeAnnounceDone, id+"00")},
		{Name: "reject-W4-announce-short", Op: "reject", Rule: "W4", Description: "an Announce cut short in its target", Header: hdr(TypeAnnounce, id+"12"+"4000")},
		{Name: "swap-request", Op: "message", Description: "a swap request with 10 hops to walk", Type: "SwapRequest", ID: id, HTL: 10, Commit: key, Header: hdr(TypeSwapRequest, id+"0a"+key)},
		{Name: "swap-reply", Op: "message", Description: "the partner's commitment", Type: "SwapReply", ID: id, Commit: key, Header: hdr(TypeSwapReply, id+key)},
		{Name: "swap-commit", Op: "message", Description: "the initiator's reveal: nonce, location 0.25, beta 1, two peers", Type: "SwapCommit", ID: id,
			Nonce: nonce, Location: "4000000000000000", Beta: 65535, Locations: two, Header: hdr(TypeSwapCommit, id+nonce+"4000000000000000"+"ffff"+"02"+twoEnc)},
		{Name: "swap-complete", Op: "message", Description: "the partner's reveal, annealing (beta 0.25) and with no other peer", Type: "SwapComplete", ID: id,
			Nonce: nonce, Location: "c000000000000000", Beta: 16384, Header: hdr(TypeSwapComplete, id+nonce+"c000000000000000"+"4000"+"00")},
		{Name: "swap-rejected", Op: "message", Description: "the swap ends without a swap", Type: "SwapRejected", ID: id, Header: hdr(TypeSwapRejected, id)},
		{Name: "swap-probe", Op: "message", Description: "a probe toward 0.75 with 17 hops left", Type: "SwapProbe", ID: id, HTL: 17, Target: "c000000000000000", Header: hdr(TypeSwapProbe, id+"11"+"c000000000000000")},
		{Name: "swap-probe-reply", Op: "message", Description: "the closest location the probe reached", Type: "SwapProbeReply", ID: id, Target: "bfff000000000000", Header: hdr(TypeSwapProbeReply, id+"bfff000000000000")},
		{Name: "location", Op: "message", Description: "the sender moved to 0.5", Type: "Location", Target: "8000000000000000", Header: hdr(TypeLocation, "8000000000000000")},
		{Name: "reject-W4-swap-request-short", Op: "reject", Rule: "W4", Description: "a swap request without its commitment", Header: hdr(TypeSwapRequest, id+"0a")},
		{Name: "reject-W4-location-trailing", Op: "reject", Rule: "W4", Description: "a Location with a byte after it", Header: hdr(TypeLocation, "8000000000000000"+"00")},
		{Name: "reject-W6-swap-id-zero", Op: "reject", Rule: "W6", Description: "a SwapRejected with ID 0", Header: hdr(TypeSwapRejected, "0000000000000000")},
		{Name: "reject-W9-reveal-count", Op: "reject", Rule: "W9", Description: "a reveal whose count says 3 peers with two there", Header: hdr(TypeSwapCommit, id+nonce+"4000000000000000"+"ffff"+"03"+twoEnc)},
		{Name: "reject-W9-reveal-65", Op: "reject", Rule: "W9", Description: "a reveal of 65 peers", Header: hdr(TypeSwapComplete, id+nonce+"4000000000000000"+"ffff"+"41"+l65Enc)},
		{Name: "reject-W9-reveal-short", Op: "reject", Rule: "W9", Description: "a reveal cut short in its nonce", Header: hdr(TypeSwapCommit, id+nonce[:20])},
		{Name: "reject-W3-swap-undeclared", Op: "reject", Rule: "W3", Description: "a swap request on a link that negotiated everything but swapping", Negotiated: []string{"location", "offers", "peerlocations"}, HTL: 10, Header: hdr(TypeSwapRequest, id+"0a"+key)},
		{Name: "reject-W3-type-255", Op: "reject", Rule: "W3", Description: "type 255", Header: hdr(255, "00")},
		{Name: "reject-W4-short-request", Op: "reject", Rule: "W4", Description: "a request without its key", Header: hdr(TypeRequest, id+"12")},
		{Name: "reject-W4-trailing", Op: "reject", Rule: "W4", Description: "DataNotFound with a byte after the ID", Header: hdr(TypeDataNotFound, id+"00")},
		{Name: "reject-W4-short-id", Op: "reject", Rule: "W4", Description: "an ID of 7 bytes", Header: hdr(TypeInsertReply, id[:14])},
		{Name: "reject-W5-no-block", Op: "reject", Rule: "W5", Description: "Data without a block", Header: hdr(TypeData, id+key)},
		{Name: "reject-W5-offer-no-block", Op: "reject", Rule: "W5", Description: "an Offer without a block", Header: hdr(TypeOffer, id+key)},
		{Name: "reject-W5-block-size", Op: "reject", Rule: "W5", Description: "Data with a block one byte short of an SSK block", BlockPattern: "ff", BlockLen: keys.SSKBlockSize - 1, Header: hdr(TypeData, id+key)},
		{Name: "reject-W6-id-zero", Op: "reject", Rule: "W6", Description: "request ID 0", Header: hdr(TypeRejectedLoop, "0000000000000000")},
		{Name: "reject-W7-count-65", Op: "reject", Rule: "W7", Description: "PeerLocations with count 65 and 65 locations", Header: hdr(TypePeerLocations, "41"+l65Enc)},
		{Name: "reject-W7-count-255", Op: "reject", Rule: "W7", Description: "PeerLocations with count 255 and no locations", Header: hdr(TypePeerLocations, "ff")},
		{Name: "reject-W8-no-count", Op: "reject", Rule: "W8", Description: "PeerLocations without its count", Header: hdr(TypePeerLocations, "")},
		{Name: "reject-W8-missing", Op: "reject", Rule: "W8", Description: "PeerLocations with count 2 and one location", Header: hdr(TypePeerLocations, "02"+oneEnc)},
		{Name: "reject-W8-partial", Op: "reject", Rule: "W8", Description: "PeerLocations with count 1 and 7 bytes of its location", Header: hdr(TypePeerLocations, "01"+oneEnc[:14])},
		{Name: "reject-W8-trailing", Op: "reject", Rule: "W8", Description: "PeerLocations with count 1 and a byte after its location", Header: hdr(TypePeerLocations, "01"+oneEnc+"00")},
		{Name: "reject-W8-count-0-trailing", Op: "reject", Rule: "W8", Description: "PeerLocations with count 0 and a location", Header: hdr(TypePeerLocations, "00"+oneEnc)},
		{Name: "reject-W3-offer-undeclared", Op: "reject", Rule: "W3", Description: "an Offer on a link that negotiated PeerLocations only", Negotiated: []string{"peerlocations"}, BlockPattern: "a5", BlockLen: keys.SSKBlockSize, Header: hdr(TypeOffer, id+key)},
		{Name: "reject-W3-peer-locations-undeclared", Op: "reject", Rule: "W3", Description: "a PeerLocations on a link that negotiated offers only", Negotiated: []string{"offers"}, Header: hdr(TypePeerLocations, "01"+oneEnc)},
	}
}

func writeVectors(t *testing.T) {
	if err := os.MkdirAll(vectorDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	for _, p := range old {
		os.Remove(p)
	}
	for _, v := range cases() {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vectorDir, v.Name+".json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVectors(t *testing.T) {
	if *rewrite {
		writeVectors(t)
	}
	vs, err := vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
	if err != nil {
		t.Fatal(err)
	}
	if want := cases(); !reflect.DeepEqual(sortedByName(vs), sortedByName(want)) {
		t.Fatalf("docs/vectors/wire differs from the cases in this test; run go test ./node/peerwire -rewrite")
	}
	used := map[string]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			enc := v.encoded(t)
			if v.Op == "reject" && v.Negotiated != nil {
				used[v.Rule] = true
				if _, err := DecodeFrom(enc, AllFeatures); err != nil {
					t.Fatalf("DecodeFrom with every feature = %v, want the message", err)
				}
				_, err := DecodeFrom(enc, ParseFeatures(v.Negotiated))
				var we *Error
				if !errors.As(err, &we) || we.Rule != v.Rule || !errors.Is(err, ErrMalformed) {
					t.Fatalf("DecodeFrom(%v) = %v, want a %s error", v.Negotiated, err, v.Rule)
				}
				return
			}
			if v.Op == "reject" {
				used[v.Rule] = true
				_, err1 := DecodeMessage(enc)
				_, err2 := Decode(enc)
				_, err3 := DecodeFrom(enc, AllFeatures)
				for _, err := range []error{err1, err2, err3} {
					var we *Error
					if !errors.As(err, &we) || we.Rule != v.Rule || !errors.Is(err, ErrMalformed) {
						t.Fatalf("Decode = %v, want a %s error", err, v.Rule)
					}
				}
				return
			}
			if v.Type == "PeerLocations" {
				checkPeerLocations(t, enc, v.locations(t))
				return
			}
			if v.isSwap() {
				checkSwap(t, v, enc)
				return
			}
			if v.isOpennet() {
				checkOpennet(t, v, enc)
				return
			}
			m, err := Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			want := routing.Message{Type: msgType(v.Type), HTL: uint8(v.HTL), Block: v.block()}
			id, _ := hex.DecodeString(v.ID)
			want.ID = routing.RequestID(beUint64(id))
			if v.Key != "" {
				k, _ := hex.DecodeString(v.Key)
				copy(want.Key[:], k)
			}
			if v.Replaces != "" {
				h, _ := hex.DecodeString(v.Replaces)
				copy(want.Replaces[:], h)
			}
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("Decode = %+v, want %+v", m, want)
			}
			got, err := Append(nil, &want)
			if err != nil || !bytes.Equal(got, enc) {
				t.Fatalf("Append = %x, %v; want %x", got, err, enc)
			}
			if wm, err := DecodeMessage(enc); err != nil || wm.Type != enc[1] || !reflect.DeepEqual(wm.Routing, want) || wm.Locations != nil {
				t.Fatalf("DecodeMessage = %+v, %v", wm, err)
			}
		})
	}
	if err := vectorfile.CheckRules("../../docs/wire.md", `\*\*\[(W[0-9]+)\]\*\*`, used); err != nil {
		t.Fatal(err)
	}
}

// checkPeerLocations checks that enc decodes to a PeerLocations of want and
// that want encodes to enc.
func checkPeerLocations(t *testing.T, enc []byte, want []routing.Location) {
	t.Helper()
	m, err := DecodeMessage(enc)
	if err != nil || m.Type != TypePeerLocations || !reflect.DeepEqual(m.Locations, want) || !reflect.DeepEqual(m.Routing, routing.Message{}) {
		t.Fatalf("DecodeMessage = %+v, %v; want locations %v", m, err, want)
	}
	if _, err := Decode(enc); !errors.Is(err, ErrNotRouting) || errors.Is(err, ErrMalformed) {
		t.Fatalf("Decode = %v, want ErrNotRouting", err)
	}
	got, err := AppendPeerLocations(nil, want)
	if err != nil || !bytes.Equal(got, enc) {
		t.Fatalf("AppendPeerLocations = %x, %v; want %x", got, err, enc)
	}
}

// checkSwap checks that enc decodes to the swap message or Location v
// describes, and that it encodes to enc.
func checkSwap(t *testing.T, v vector, enc []byte) {
	t.Helper()
	m, err := DecodeMessage(enc)
	if err != nil || m.Type != enc[1] {
		t.Fatalf("DecodeMessage = %+v, %v", m, err)
	}
	if _, err := Decode(enc); !errors.Is(err, ErrNotRouting) {
		t.Fatalf("Decode = %v, want ErrNotRouting", err)
	}
	want := v.swap(t)
	var got []byte
	if v.Type == "Location" {
		if m.Location != want.Target {
			t.Fatalf("Location = %v, want %v", m.Location, want.Target)
		}
		got = AppendLocation(nil, want.Target)
	} else {
		if !reflect.DeepEqual(m.Swap, want) {
			t.Fatalf("DecodeMessage = %+v, want %+v", m.Swap, want)
		}
		if got, err = AppendSwap(nil, &want); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, enc) {
		t.Fatalf("encoding = %x, want %x", got, enc)
	}
}

// checkOpennet checks that enc decodes to the opennet message v describes,
// and that it encodes to enc.
func checkOpennet(t *testing.T, v vector, enc []byte) {
	t.Helper()
	m, err := DecodeMessage(enc)
	if err != nil || m.Type != enc[1] {
		t.Fatalf("DecodeMessage = %+v, %v", m, err)
	}
	want := v.swap(t) // for ID, HTL and Target
	o := m.Opennet
	if o.Type != enc[1] || o.ID != want.ID || o.HTL != want.HTL || o.Target != want.Target || string(o.Ref) != v.Ref {
		t.Fatalf("DecodeMessage = %+v, want %+v with ref %q", o, want, v.Ref)
	}
	got, err := AppendOpennet(nil, &o)
	if err != nil || !bytes.Equal(got, enc) {
		t.Fatalf("AppendOpennet = %x, %v; want %x", got, err, enc)
	}
}

func sortedByName(vs []vector) []vector {
	out := append([]vector(nil), vs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Name < out[i].Name {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func TestAppendRefuses(t *testing.T) {
	for _, m := range []routing.Message{
		{Type: 0, ID: 1},
		{Type: routing.MsgRequest, ID: 0},
		{Type: routing.MsgData, ID: 1, Block: make([]byte, 100)},
		{Type: routing.MsgInsert, ID: 1},
	} {
		if b, err := Append([]byte("x"), &m); err == nil || string(b) != "x" {
			t.Errorf("Append(%+v) = %q, %v; want an error and dst unchanged", m, b, err)
		}
	}
	if b, err := AppendPeerLocations([]byte("x"), make([]routing.Location, MaxPeerLocations+1)); err == nil || string(b) != "x" {
		t.Errorf("AppendPeerLocations(65 locations) = %q, %v; want an error and dst unchanged", b, err)
	}
	if b, err := AppendPeerLocations(nil, make([]routing.Location, MaxPeerLocations)); err != nil || len(b) > MaxMessage {
		t.Errorf("AppendPeerLocations(64 locations) = %d bytes, %v", len(b), err)
	}
	if MaxMessage > 65535-16 {
		t.Fatalf("MaxMessage %d does not fit a link frame", MaxMessage)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range cases() {
		h, _ := hex.DecodeString(v.Header)
		f.Add(append(h, v.block()...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		rm, rerr := Decode(b)
		negotiated := Features(len(b)) & AllFeatures // any set, drawn from the input
		_, ferr := DecodeFrom(b, negotiated)
		if wantErr := err != nil || !negotiated.Has(Needs(m.Type)); (ferr != nil) != wantErr || ferr != nil && !errors.Is(ferr, ErrMalformed) {
			t.Fatalf("DecodeFrom(%v) = %v; DecodeMessage = %+v, %v", negotiated, ferr, m, err)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			if rerr == nil || rerr.Error() != err.Error() {
				t.Fatalf("Decode = %v, DecodeMessage = %v", rerr, err)
			}
			return
		}
		var out []byte
		switch {
		case m.Type == TypePeerLocations:
			if !errors.Is(rerr, ErrNotRouting) {
				t.Fatalf("Decode of a PeerLocations = %v, want ErrNotRouting", rerr)
			}
			out, err = AppendPeerLocations(nil, m.Locations)
		case m.Type == TypeLocation:
			out = AppendLocation(nil, m.Location)
		case m.Type >= TypeAnnounce && m.Type <= TypeFoldAck:
			out, err = AppendOpennet(nil, &m.Opennet)
		case !isRouting(m.Type):
			if !errors.Is(rerr, ErrNotRouting) {
				t.Fatalf("Decode of a swap message = %v, want ErrNotRouting", rerr)
			}
			out, err = AppendSwap(nil, &m.Swap)
		default:
			if rerr != nil || !reflect.DeepEqual(rm, m.Routing) {
				t.Fatalf("Decode = %+v, %v; DecodeMessage = %+v", rm, rerr, m.Routing)
			}
			out, err = Append(nil, &m.Routing)
		}
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("decoded %+v does not re-encode to the input: %x, %v", m, out, err)
		}
	})
}
