package noderef

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Limits and constants of the format (docs/noderef.md §2).
const (
	// Version is the format major version this package reads and writes.
	Version = 1
	// SignatureLabel starts the message a noderef's signature covers
	// (docs/noderef.md §4). It separates noderef signatures from every other
	// Ed25519 signature an identity key might make.
	SignatureLabel = "hams/v1/noderef\n"
	// MaxSize is the largest canonical text, in bytes, End line included.
	MaxSize = 4096
	// MaxFields is the most fields a ref may have, version and sig included.
	MaxFields = 32
	// MaxKeyLength is the longest key of an unknown field.
	MaxKeyLength = 64
	// MaxNameLength is the longest myName, in bytes.
	MaxNameLength = 64
	// MaxAddresses is the most addresses in physical.tcp, and in physical.onion.
	MaxAddresses = 8
	// MaxProtocol is the largest protocol version, in protocol and
	// protocol.min.
	MaxProtocol = 65535
	// MaxFeatures is the most names in protocol.features.
	MaxFeatures = 32
	// MaxFeatureLength is the longest feature name, in bytes.
	MaxFeatureLength = 32
)

// The keys of the fields this version knows.
const (
	keyVersion  = "version"
	keyIdentity = "identity"
	keyNoise    = "noise"
	keyLocation = "location"
	keyName     = "myName"
	keyTCP      = "physical.tcp"
	keyOnion    = "physical.onion"
	keyProtocol = "protocol"
	keyMinProto = "protocol.min"
	keyFeatures = "protocol.features"
	keySig      = "sig"
)

// known reports whether key is one of the fields this version knows.
func known(key string) bool {
	switch key {
	case keyVersion, keyIdentity, keyNoise, keyLocation, keyName, keyTCP, keyOnion,
		keyProtocol, keyMinProto, keyFeatures, keySig:
		return true
	}
	return false
}

// Ref is a parsed, verified noderef: what a node gives its friends so that
// they can link to it. New, Parse and FromFields return Refs whose fields
// all hold; a Ref built by hand is only checked when New signs it.
type Ref struct {
	// Version is the format major version: 1.
	Version int
	// Identity is who the node is: its Ed25519 public key (32 bytes), which
	// signs the ref.
	Identity ed25519.PublicKey
	// Noise is the X25519 static public key of the node's links (Noise).
	Noise [32]byte
	// Location is the node's location on the circle.
	Location routing.Location
	// Name is an optional human name (fred's myName): at most 64 bytes of
	// UTF-8 without control characters. Empty means none.
	Name string
	// TCP holds "ip:port" addresses, in the writer's order of preference:
	// IP literals only (IPv6 in brackets), never host names, because a node
	// must never resolve a name (DNS leaks). Nil means none.
	TCP []string
	// Onion holds Tor v3 onion service addresses, "<56 base32 chars>.onion:port",
	// lowercase, in the writer's order of preference. Nil means none.
	Onion []string
	// Protocol is the protocol version the node speaks, 1 to 65535; 0 means
	// the ref has no protocol field: it predates version negotiation (see
	// ProtocolVersion and Negotiates).
	Protocol int
	// MinProtocol is the oldest protocol version the node links with, 1 to
	// Protocol; 0 means absent (see MinProtocolVersion). Only with Protocol.
	MinProtocol int
	// Features names the optional message kinds the node speaks: at most 32
	// names of 1 to 32 characters from a-z, 0-9 and '-', in strictly
	// ascending byte order. Names this package does not know are kept. Only
	// with Protocol; nil means none.
	Features []string
	// Extra holds the fields this version does not know, by key. They are
	// kept and covered by the signature, so a ref from a newer writer still
	// verifies. Nil means none.
	Extra map[string]string
	// Signature is the Ed25519 signature (64 bytes) by Identity over the
	// other fields (docs/noderef.md §4).
	Signature []byte
}

// New checks r's fields against the rules Parse applies, sets Version to 1
// and Identity to priv's public key, signs, and returns the signed copy. r's
// Version must be 0 or 1; its Identity must be empty or priv's public key;
// its Signature is ignored. The copy shares no slice or map with r; empty
// TCP, Onion, Features and Extra become nil. Ed25519 is deterministic, so
// the same priv and fields always give the same text.
func New(priv ed25519.PrivateKey, r Ref) (Ref, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return Ref{}, errorf("", "", "private key of %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	pub := priv.Public().(ed25519.PublicKey)
	if len(r.Identity) != 0 && !pub.Equal(r.Identity) {
		return Ref{}, errorf("", keyIdentity, "Identity is not the private key's public key")
	}
	if r.Version != 0 && r.Version != Version {
		return Ref{}, errorf("N4", keyVersion, "version %d, this writer writes only %d", r.Version, Version)
	}
	out := Ref{
		Version:  Version,
		Identity: slices.Clone(pub),
		Noise:    r.Noise,
		Location: r.Location,
		Name:     r.Name,

		Protocol:    r.Protocol,
		MinProtocol: r.MinProtocol,
	}
	if len(r.TCP) > 0 {
		out.TCP = slices.Clone(r.TCP)
	}
	if len(r.Onion) > 0 {
		out.Onion = slices.Clone(r.Onion)
	}
	if len(r.Features) > 0 {
		out.Features = slices.Clone(r.Features)
	}
	if len(r.Extra) > 0 {
		out.Extra = maps.Clone(r.Extra)
	}
	if err := checkNew(out); err != nil {
		return Ref{}, err
	}
	out.Signature = ed25519.Sign(priv, out.signedMessage())
	return out, nil
}

// checkNew applies to a ref New is about to sign the rules Parse applies to
// its fields, in Parse's order; a ref that breaks one rule gets the rule
// number Parse would report for it signed anyway.
func checkNew(r Ref) error {
	strs := append(append(append([]string{r.Name}, r.TCP...), r.Onion...), r.Features...)
	for k, v := range r.Extra {
		strs = append(strs, k, v)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return errorf("N1", "", "%s is not UTF-8", quote(s))
		}
	}
	// Count as Parse does: with the signature.
	r.Signature = make([]byte, ed25519.SignatureSize)
	if err := checkSize(r.fields(true)); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		if known(k) { // Marshal would write the key twice
			return errorf("N3", k, "Extra holds a known key")
		}
		if err := checkExtra(k, r.Extra[k]); err != nil {
			return err
		}
	}
	if r.Name != "" {
		if err := checkName(r.Name); err != nil {
			return err
		}
	}
	if len(r.TCP) > 0 {
		if err := checkList(keyTCP, r.TCP, checkTCP); err != nil {
			return err
		}
	}
	if len(r.Onion) > 0 {
		if err := checkList(keyOnion, r.Onion, checkOnion); err != nil {
			return err
		}
	}
	return checkProtocol(r.Protocol, r.MinProtocol, r.Features)
}

// Marshal returns r's canonical text: one "key=value" line per field, sorted
// by key in byte order with sig last, then the line "End", each line ending
// in LF. Parse accepts it and returns r again. For a Ref that New, Parse or
// FromFields did not return, the text may not parse.
func (r Ref) Marshal() []byte {
	var b strings.Builder
	for _, f := range r.fields(true) {
		b.WriteString(f[0])
		b.WriteByte('=')
		b.WriteString(f[1])
		b.WriteByte('\n')
	}
	b.WriteString("End\n")
	return []byte(b.String())
}

// Fields returns r's fields as key/value pairs in canonical order (sorted by
// key, sig last), signature included: what FCP's Peer message carries.
func (r Ref) Fields() [][2]string { return r.fields(true) }

// ProtocolVersion returns the protocol version the node speaks: Protocol,
// or 1 for a ref without the protocol field, which was written before
// version negotiation existed.
func (r Ref) ProtocolVersion() int {
	if r.Protocol == 0 {
		return 1
	}
	return r.Protocol
}

// MinProtocolVersion returns the oldest protocol version the node links
// with: MinProtocol, or 1 when the ref has no protocol.min field.
func (r Ref) MinProtocolVersion() int {
	if r.MinProtocol == 0 {
		return 1
	}
	return r.MinProtocol
}

// Negotiates reports whether the ref has the protocol field, and so
// declares its version and features explicitly. A ref without it predates
// negotiation: its Features are nil, and docs/wire.md says which features a
// node of that era speaks.
func (r Ref) Negotiates() bool { return r.Protocol != 0 }

// ID returns the identity in Freenet base64 (keys.EncodeBase64): how FCP and
// logs name a peer.
func (r Ref) ID() string { return keys.EncodeBase64(r.Identity) }

// fields returns r's fields sorted by key, then sig if withSig. Empty
// optional fields are left out.
func (r Ref) fields(withSig bool) [][2]string {
	fs := make([][2]string, 0, 11+len(r.Extra))
	fs = append(fs,
		[2]string{keyVersion, strconv.Itoa(r.Version)},
		[2]string{keyIdentity, keys.EncodeBase64(r.Identity)},
		[2]string{keyNoise, keys.EncodeBase64(r.Noise[:])},
		[2]string{keyLocation, formatLocation(r.Location)},
	)
	if r.Name != "" {
		fs = append(fs, [2]string{keyName, r.Name})
	}
	if len(r.TCP) > 0 {
		fs = append(fs, [2]string{keyTCP, strings.Join(r.TCP, ";")})
	}
	if len(r.Onion) > 0 {
		fs = append(fs, [2]string{keyOnion, strings.Join(r.Onion, ";")})
	}
	if r.Protocol != 0 {
		fs = append(fs, [2]string{keyProtocol, strconv.Itoa(r.Protocol)})
	}
	if r.MinProtocol != 0 {
		fs = append(fs, [2]string{keyMinProto, strconv.Itoa(r.MinProtocol)})
	}
	if len(r.Features) > 0 {
		fs = append(fs, [2]string{keyFeatures, strings.Join(r.Features, ";")})
	}
	for k, v := range r.Extra {
		fs = append(fs, [2]string{k, v})
	}
	slices.SortFunc(fs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if withSig {
		fs = append(fs, [2]string{keySig, keys.EncodeBase64(r.Signature)})
	}
	return fs
}

// signedMessage is what the signature covers: SignatureLabel, then every
// field but sig as "key=value\n", sorted by key in byte order.
func (r Ref) signedMessage() []byte {
	return signedMessage(r.fields(false))
}

// signedMessage returns SignatureLabel followed by fs (sorted, without sig)
// as "key=value\n" lines.
func signedMessage(fs [][2]string) []byte {
	n := len(SignatureLabel)
	for _, f := range fs {
		n += len(f[0]) + len(f[1]) + 2
	}
	msg := make([]byte, 0, n)
	msg = append(msg, SignatureLabel...)
	for _, f := range fs {
		msg = append(msg, f[0]...)
		msg = append(msg, '=')
		msg = append(msg, f[1]...)
		msg = append(msg, '\n')
	}
	return msg
}

// formatLocation writes l as exactly 16 lowercase hex digits.
func formatLocation(l routing.Location) string { return fmt.Sprintf("%016x", uint64(l)) }
