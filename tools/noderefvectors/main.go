// Command noderefvectors writes the noderef test vectors in
// docs/vectors/noderef/: valid refs with the seed and fields that make them,
// non-canonical texts a reader accepts, and at least one reject vector per
// MUST-reject rule of docs/noderef.md. The output is deterministic (every key
// comes from a fixed seed, and Ed25519 is deterministic), so running it again
// changes nothing unless the spec or this program changed; its test checks
// that the committed files are current.
//
// Usage:
//
//	go run ./tools/noderefvectors [-out docs/vectors/noderef]
//
// The texts and signatures are built here from docs/noderef.md directly, not
// through node/noderef, so the vectors cross-check the package against a
// second implementation of the spec. Every reject vector is signed correctly
// over the fields it holds, so it breaks only its own rule, whatever order a
// reader checks the rules in.
package main

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base32"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
)

// Vector is one test vector file; unused fields are omitted. The loader in
// node/noderef/vectors_test.go rejects unknown fields.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Op is what the vector tests:
	//   - "new": noderef.New with the private key of Seed and these fields
	//     writes exactly Text, whose ID is ID, and Parse accepts Text;
	//   - "parse": Parse accepts Text, and Marshal writes Canonical;
	//   - "reject": Parse rejects Text (or TextHex) under Rule.
	Op   string `json:"op"`
	Rule string `json:"rule,omitempty"`

	Seed     string            `json:"seed,omitempty"`     // new: the identity's Ed25519 seed, hex (32 bytes)
	Noise    string            `json:"noise,omitempty"`    // new: the X25519 public key, hex (32 bytes)
	Location string            `json:"location,omitempty"` // new: 16 hex digits
	MyName   string            `json:"my_name,omitempty"`  // new
	TCP      []string          `json:"tcp,omitempty"`      // new
	Onion    []string          `json:"onion,omitempty"`    // new
	Extra    map[string]string `json:"extra,omitempty"`    // new: unknown fields
	ID       string            `json:"id,omitempty"`       // new, parse: the identity in Freenet base64

	Protocol    int      `json:"protocol,omitempty"`     // new: protocol (0: absent)
	MinProtocol int      `json:"min_protocol,omitempty"` // new: protocol.min (0: absent)
	Features    []string `json:"features,omitempty"`     // new: protocol.features (nil: absent)

	Text      string `json:"text,omitempty"`      // the ref text
	TextHex   string `json:"text_hex,omitempty"`  // reject: the text's bytes, when they are not UTF-8 (JSON cannot hold them)
	Canonical string `json:"canonical,omitempty"` // parse: the canonical text
}

func main() {
	out := flag.String("out", filepath.Join("docs", "vectors", "noderef"), "directory to write the vectors to")
	flag.Parse()
	if _, err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "noderefvectors: error:", err)
		os.Exit(1)
	}
}

// write generates every vector and writes it to dir, removing stale .json
// files. It returns the number of vectors.
func write(dir string) (int, error) {
	vs, err := generate()
	if err != nil {
		return 0, err
	}
	return len(vs), vectorfile.Write(dir, vs, func(v *Vector) string { return v.Name })
}

// generate returns all vectors sorted by name, with unique names.
func generate() ([]Vector, error) {
	vs := append(validVectors(), rejectVectors()...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	for i := 1; i < len(vs); i++ {
		if vs[i].Name == vs[i-1].Name {
			return nil, fmt.Errorf("duplicate vector name %q", vs[i].Name)
		}
	}
	return vs, nil
}

// The spec, restated: the signature label and the limits (docs/noderef.md).
const (
	label      = "hams/v1/noderef\n"
	maxSize    = 4096
	maxFields  = 32
	maxNameLen = 64
	maxAddrs   = 8
	maxProto   = 65535
	maxFeats   = 32
	maxFeatLen = 32
)

type field = [2]string

// seed returns the 32-byte seed of a vector key: SHA-256 of a fixed phrase.
func seed(purpose string) []byte {
	h := sha256.Sum256([]byte("hams noderefvectors " + purpose))
	return h[:]
}

func identityKey(purpose string) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seed("identity " + purpose))
}

func noiseKey(purpose string) []byte {
	k, err := ecdh.X25519().NewPrivateKey(seed("noise " + purpose))
	if err != nil {
		panic(err) // a 32-byte X25519 key never fails
	}
	return k.PublicKey().Bytes()
}

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// onionAddress returns the Tor v3 address of the Ed25519 key of purpose,
// with the given version byte (3 for a valid address), as Tor's
// rend-spec-v3 defines it: base32(pubkey || checksum || version).
func onionAddress(purpose string, version byte, port int, badSum ...bool) string {
	pub := ed25519.NewKeyFromSeed(seed("onion " + purpose)).Public().(ed25519.PublicKey)
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{version})
	raw := append(append(slices.Clone(pub), h.Sum(nil)[:2]...), version)
	if len(badSum) > 0 && badSum[0] {
		raw[33] ^= 1
	}
	return b32.EncodeToString(raw) + ".onion:" + strconv.Itoa(port)
}

// sortFields sorts by key in byte order (stable, for duplicate keys).
func sortFields(fs []field) []field {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b field) int { return strings.Compare(a[0], b[0]) })
	return fs
}

// signature signs fs (without sig) as the spec says: the label, then each
// field as "key=value\n", sorted by key.
func signature(priv ed25519.PrivateKey, fs []field) string {
	msg := []byte(label)
	for _, f := range sortFields(fs) {
		msg = append(msg, f[0]+"="+f[1]+"\n"...)
	}
	return keys.EncodeBase64(ed25519.Sign(priv, msg))
}

// lines writes fs in the given order, then End.
func lines(fs []field) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f[0] + "=" + f[1] + "\n")
	}
	return b.String() + "End\n"
}

// signed returns the canonical text of fs signed by priv: the fields sorted,
// sig last, End.
func signed(priv ed25519.PrivateKey, fs []field) string {
	return lines(append(sortFields(fs), field{"sig", signature(priv, fs)}))
}

// refSpec is a ref's content; fields returns it as the spec's fields.
type refSpec struct {
	purpose  string // names the identity and noise keys
	location uint64
	name     string
	tcp      []string
	onion    []string
	extra    map[string]string
	protocol int // 0: no protocol field
	minProto int // 0: no protocol.min field
	features []string
}

func (s refSpec) fields() []field {
	fs := []field{
		{"version", "1"},
		{"identity", keys.EncodeBase64(identityKey(s.purpose).Public().(ed25519.PublicKey))},
		{"noise", keys.EncodeBase64(noiseKey(s.purpose))},
		{"location", fmt.Sprintf("%016x", s.location)},
	}
	if s.name != "" {
		fs = append(fs, field{"myName", s.name})
	}
	if len(s.tcp) > 0 {
		fs = append(fs, field{"physical.tcp", strings.Join(s.tcp, ";")})
	}
	if len(s.onion) > 0 {
		fs = append(fs, field{"physical.onion", strings.Join(s.onion, ";")})
	}
	if s.protocol != 0 {
		fs = append(fs, field{"protocol", strconv.Itoa(s.protocol)})
	}
	if s.minProto != 0 {
		fs = append(fs, field{"protocol.min", strconv.Itoa(s.minProto)})
	}
	if len(s.features) > 0 {
		fs = append(fs, field{"protocol.features", strings.Join(s.features, ";")})
	}
	for k, v := range s.extra {
		fs = append(fs, field{k, v})
	}
	return fs
}

func (s refSpec) text() string { return signed(identityKey(s.purpose), s.fields()) }

// limits is a ref at every limit at once: a 64-byte name, 8 TCP and 8 onion
// addresses, 32 fields and a canonical text of exactly 4096 bytes (plus
// grow bytes more, to break the size limit).
func limits(grow int) refSpec {
	s := refSpec{purpose: "limits", location: 0x0123456789abcdef,
		name: strings.Repeat("همس", 9) + "-名前xyz", extra: map[string]string{}}
	if len(s.name) != maxNameLen {
		panic("limits: the name is not 64 bytes")
	}
	for i := range maxAddrs {
		s.tcp = append(s.tcp, fmt.Sprintf("198.51.100.%d:%d", i+1, 9700+i))
		s.onion = append(s.onion, onionAddress("limits "+strconv.Itoa(i), 3, 9700+i))
	}
	for i := 0; len(s.fields())+1 < maxFields; i++ {
		s.extra[fmt.Sprintf("x.%02d", i)] = "v"
	}
	s.extra["x.00"] = "" // sized below
	size := len(s.text())
	s.extra["x.00"] = strings.Repeat("p", maxSize-size+grow)
	return s
}

// validVectors returns the "new" and "parse" vectors.
func validVectors() []Vector {
	news := []struct {
		name, desc string
		s          refSpec
	}{
		{"new-minimal", "only the required fields: no name and no address (a node that only dials out), location 0",
			refSpec{purpose: "minimal"}},
		{"new-tcp", "a name and TCP addresses, IPv4 and IPv6", refSpec{purpose: "tcp", location: 0x8000000000000000,
			name: "alice's node", tcp: []string{"192.0.2.7:9700", "[2001:db8::7]:9700"}}},
		{"new-onion", "a Tor v3 onion address and a loopback TCP address", refSpec{purpose: "onion", location: 0x5555555555555555,
			tcp: []string{"127.0.0.1:9701"}, onion: []string{onionAddress("onion", 3, 9700)}}},
		{"new-extra", "unknown fields from a newer writer are signed and kept; a non-ASCII name; the largest location",
			refSpec{purpose: "extra", location: 0xffffffffffffffff, name: "همس = whisper",
				onion: []string{onionAddress("extra a", 3, 443), onionAddress("extra b", 3, 9700)},
				extra: map[string]string{"physical.i2p": "abcd.b32.i2p", "zz-future_1.x": "a value; with = and spaces "}}},
		{"new-limits", "every limit at once: 64-byte name, 8+8 addresses, 32 fields, 4096 bytes", limits(0)},
		{"new-protocol", "protocol version 1, links with 1 and up, two optional features",
			refSpec{purpose: "protocol", location: 0x2000000000000000, tcp: []string{"192.0.2.30:9700"},
				protocol: 1, minProto: 1, features: []string{"offers", "peerlocations"}}},
		{"new-protocol-only", "protocol version 3 without protocol.min (so 1) and without features",
			refSpec{purpose: "protocol only", location: 0x6000000000000000, protocol: 3}},
		{"new-protocol-limits", fmt.Sprintf("protocol and protocol.min %d, %d features of %d characters",
			maxProto, maxFeats, maxFeatLen), protocolLimits()},
	}
	var vs []Vector
	for _, n := range news {
		s := n.s
		v := Vector{Name: n.name, Description: n.desc, Op: "new",
			Seed:     hex.EncodeToString(seed("identity " + s.purpose)),
			Noise:    hex.EncodeToString(noiseKey(s.purpose)),
			Location: fmt.Sprintf("%016x", s.location),
			MyName:   s.name, TCP: s.tcp, Onion: s.onion, Extra: s.extra,
			Protocol: s.protocol, MinProtocol: s.minProto, Features: s.features,
			ID:   keys.EncodeBase64(identityKey(s.purpose).Public().(ed25519.PublicKey)),
			Text: s.text()}
		if len(v.Extra) == 0 {
			v.Extra = nil
		}
		vs = append(vs, v)
	}

	s := refSpec{purpose: "parse", location: 0x0102030405060708, name: "bob",
		tcp: []string{"203.0.113.9:9700"}, onion: []string{onionAddress("parse", 3, 9700)}}
	canon := s.text()
	ls := strings.Split(strings.TrimSuffix(canon, "End\n"), "\n")
	ls = ls[:len(ls)-1]
	slices.Reverse(ls) // sig first, version next, …
	id := keys.EncodeBase64(identityKey(s.purpose).Public().(ed25519.PublicKey))
	vs = append(vs,
		Vector{Name: "parse-reordered", Description: "fields in reverse order, sig first: accepted (FCP may reorder)",
			Op: "parse", ID: id, Text: strings.Join(ls, "\n") + "\nEnd\n", Canonical: canon},
		Vector{Name: "parse-no-final-lf", Description: "no LF after End: accepted",
			Op: "parse", ID: id, Text: strings.TrimSuffix(canon, "\n"), Canonical: canon},
	)

	p := refSpec{purpose: "parse protocol", location: 0x0807060504030201, protocol: 2, minProto: 1,
		features: []string{"0-new-feature", "offers"}}
	canon = p.text()
	ls = strings.Split(strings.TrimSuffix(canon, "End\n"), "\n")
	ls = ls[:len(ls)-1]
	slices.Reverse(ls) // protocol.min before protocol.features before protocol
	vs = append(vs, Vector{Name: "parse-protocol-reordered",
		Description: "the protocol fields in reverse order, and a feature no reader knows yet: accepted and kept",
		Op:          "parse", ID: keys.EncodeBase64(identityKey(p.purpose).Public().(ed25519.PublicKey)),
		Text: strings.Join(ls, "\n") + "\nEnd\n", Canonical: canon})
	return vs
}

// protocolLimits is a ref with the protocol fields at their limits: the
// largest versions, and the most features, each of the longest length.
func protocolLimits() refSpec {
	s := refSpec{purpose: "protocol limits", location: 0x7fffffffffffffff, protocol: maxProto, minProto: maxProto}
	for i := range maxFeats {
		f := fmt.Sprintf("feature-%02d-", i)
		s.features = append(s.features, f+strings.Repeat("x", maxFeatLen-len(f)))
	}
	s.features[maxFeats-1] = "z-" + strings.Repeat("9", maxFeatLen-3) + "-" // digits, and '-' at both ends
	return s
}

// base is the ref most reject vectors change one thing in.
var base = refSpec{purpose: "reject", location: 0x3fffffffffffffff, name: "mallory",
	tcp: []string{"192.0.2.1:9700"}, onion: []string{onionAddress("reject", 3, 9700)}}

// with returns base's fields with key set to value ("" removes it).
func with(key, value string) []field { return set(base.fields(), key, value) }

// withAll returns base's fields with each key of kv (key, value, key,
// value, …) set to its value.
func withAll(kv ...string) []field {
	fs := base.fields()
	for i := 0; i+1 < len(kv); i += 2 {
		fs = set(fs, kv[i], kv[i+1])
	}
	return fs
}

// set returns fs with key set to value ("" removes it): replaced where it
// is, or added at the end.
func set(fs0 []field, key, value string) []field {
	var fs []field
	found := false
	for _, f := range fs0 {
		if f[0] == key {
			found = true
			if value == "" {
				continue
			}
			f[1] = value
		}
		fs = append(fs, f)
	}
	if !found && value != "" {
		fs = append(fs, field{key, value})
	}
	return fs
}

// rejectVectors returns at least one vector per MUST-reject rule.
func rejectVectors() []Vector {
	priv := identityKey(base.purpose)
	good := base.text()
	bs := base.fields()
	rc := func(fs []field) string { return signed(priv, fs) }
	tcp := func(a ...string) string { return rc(with("physical.tcp", strings.Join(a, ";"))) }
	onion := func(a ...string) string { return rc(with("physical.onion", strings.Join(a, ";"))) }
	okOnion := onionAddress("reject", 3, 9700)
	id := keys.EncodeBase64(priv.Public().(ed25519.PublicKey))

	many := make([]string, maxAddrs+1)
	manyOnions := make([]string, maxAddrs+1)
	for i := range many {
		many[i] = fmt.Sprintf("192.0.2.%d:9700", i+1)
		manyOnions[i] = onionAddress("many "+strconv.Itoa(i), 3, 9700)
	}
	tooMany := slices.Clone(bs)
	for i := 0; len(tooMany)+1 <= maxFields; i++ {
		tooMany = append(tooMany, field{fmt.Sprintf("x.%02d", i), "v"})
	}
	dupExtra := append(slices.Clone(bs), field{"x.dup", "1"}, field{"x.dup", "2"})
	dupLoc := append(slices.Clone(bs), field{"location", "0000000000000001"})
	unsorted := func() string { // signed over the fields in written order, not sorted
		msg := []byte(label)
		for _, f := range bs {
			msg = append(msg, f[0]+"="+f[1]+"\n"...)
		}
		return lines(append(sortFields(bs), field{"sig", keys.EncodeBase64(ed25519.Sign(priv, msg))}))
	}
	noLabel := func() string {
		var msg []byte
		for _, f := range sortFields(bs) {
			msg = append(msg, f[0]+"="+f[1]+"\n"...)
		}
		return lines(append(sortFields(bs), field{"sig", keys.EncodeBase64(ed25519.Sign(priv, msg))}))
	}
	sigLine := func(text string) string { // the text without its sig line
		i := strings.Index(text, "\nsig=")
		j := strings.Index(text[i+1:], "\n")
		return text[:i+1] + text[i+1+j+1:]
	}
	lastBit := func(s string) string { // sets an unused trailing bit: 'A'→'B' in the last character
		return s[:len(s)-1] + string(rune(s[len(s)-1]+1))
	}
	over := limits(1)
	withSig := func(sig string) string { return strings.TrimSuffix(sigLine(good), "End\n") + "sig=" + sig + "\nEnd\n" }
	proto := func(kv ...string) string { return rc(withAll(kv...)) }
	feats := func(names ...string) string {
		return proto("protocol", "1", "protocol.features", strings.Join(names, ";"))
	}
	manyFeats := make([]string, maxFeats+1)
	for i := range manyFeats {
		manyFeats[i] = fmt.Sprintf("f%02d", i)
	}
	goodSig, err := keys.DecodeBase64(signature(priv, bs))
	if err != nil {
		panic(err)
	}

	cases := []struct{ rule, name, desc, text string }{
		{"N1", "not-utf8", "a name that is not UTF-8", rc(with("myName", "mal\xffory"))},
		{"N1", "crlf", "lines end in CR LF", strings.ReplaceAll(good, "\n", "\r\n")},
		{"N1", "too-long", "a canonical text of 4097 bytes", over.text()},
		{"N1", "too-long-no-final-lf", "4096 bytes without the final LF: the canonical text has 4097", strings.TrimSuffix(over.text(), "\n")},
		{"N1", "too-many-fields", fmt.Sprintf("%d fields", maxFields+1), rc(tooMany)},
		{"N1", "no-end", "no End line", strings.TrimSuffix(good, "End\n")},
		{"N1", "lowercase-end", "the last line is end, not End", strings.TrimSuffix(good, "End\n") + "end\n"},
		{"N1", "empty", "no text at all", ""},
		{"N1", "data-after-end", "a field after End", good + "x=y\n"},
		{"N1", "blank-after-end", "an empty line after End", good + "\n"},
		{"N2", "no-equals", "a line without '='", strings.Replace(good, "\nsig=", "\nmallory\nsig=", 1)},
		{"N2", "empty-line", "an empty line between fields", strings.Replace(good, "\nsig=", "\n\nsig=", 1)},
		{"N2", "empty-value", "an unknown field with an empty value", strings.Replace(good, "\nsig=", "\nx.empty=\nsig=", 1)},
		{"N2", "empty-name", "myName with an empty value", strings.Replace(good, "myName=mallory\n", "myName=\n", 1)},
		{"N2", "uppercase-key", "a key with an uppercase letter", rc(with("X.future", "1"))},
		{"N2", "key-space", "a key with a space", rc(with("x future", "1"))},
		{"N2", "key-too-long", "a key of 65 characters", rc(with(strings.Repeat("k", 65), "1"))},
		{"N2", "extra-control", "an unknown field whose value holds a tab", rc(with("x.future", "a\tb"))},
		{"N2", "empty-features", "protocol.features with an empty value: a node with no features leaves it out",
			rc(append(with("protocol", "1"), field{"protocol.features", ""}))},
		{"N3", "location", "location twice", rc(dupLoc)},
		{"N3", "extra", "an unknown key twice", rc(dupExtra)},
		{"N4", "missing", "no version", rc(with("version", ""))},
		{"N4", "two", "version 2", rc(with("version", "2"))},
		{"N4", "leading-zero", "version 01", rc(with("version", "01"))},
		{"N4", "minor", "version 1.0", rc(with("version", "1.0"))},
		{"N5", "missing", "no identity", rc(with("identity", ""))},
		{"N5", "short", "an identity of 31 bytes", rc(with("identity", id[:42]))},
		{"N5", "bad-char", "'+' is not in Freenet's base64", rc(with("identity", "+"+id[1:]))},
		{"N5", "padding", "base64 padding", rc(with("identity", id+"="))},
		{"N5", "trailing-bits", "unused trailing bits set", rc(with("identity", lastBit(id)))},
		{"N6", "missing", "no noise key", rc(with("noise", ""))},
		{"N6", "long", "a noise key of 33 bytes", rc(with("noise", keys.EncodeBase64(append(noiseKey("reject"), 0))))},
		{"N7", "missing", "no location", rc(with("location", ""))},
		{"N7", "uppercase", "uppercase hex digits", rc(with("location", "3FFFFFFFFFFFFFFF"))},
		{"N7", "short", "15 hex digits", rc(with("location", "3ffffffffffffff"))},
		{"N7", "float", "a decimal fraction", rc(with("location", "0.25"))},
		{"N7", "prefix", "a 0x prefix", rc(with("location", "0x3fffffffffffff"))},
		{"N8", "long", "a name of 65 bytes", rc(with("myName", strings.Repeat("n", 65)))},
		{"N8", "tab", "a name holding a tab", rc(with("myName", "mal\tlory"))},
		{"N8", "c1-control", "a name holding U+0085 (a C1 control)", rc(with("myName", "mal\u0085lory"))},
		{"N9", "host-name", "a host name: a node never resolves names", tcp("localhost:9700")},
		{"N9", "dns-name", "a host name: a node never resolves names", tcp("node.example.com:9700")},
		{"N9", "no-port", "no port", tcp("192.0.2.1")},
		{"N9", "port-zero", "port 0", tcp("192.0.2.1:0")},
		{"N9", "port-leading-zero", "port 09700", tcp("192.0.2.1:09700")},
		{"N9", "port-overflow", "port 65536", tcp("192.0.2.1:65536")},
		{"N9", "ipv4-leading-zero", "an IPv4 octet with a leading zero", tcp("192.0.2.01:9700")},
		{"N9", "ipv6-no-brackets", "IPv6 without brackets", tcp("2001:db8::1:9700")},
		{"N9", "ipv6-uppercase", "IPv6 not in canonical form (uppercase)", tcp("[2001:DB8::1]:9700")},
		{"N9", "ipv6-uncompressed", "IPv6 not in canonical form (zeros not compressed)", tcp("[2001:db8:0:0:0:0:0:1]:9700")},
		{"N9", "ipv6-zone", "an IPv6 zone", tcp("[fe80::1%eth0]:9700")},
		{"N9", "ipv4-mapped", "an IPv4-mapped IPv6 address", tcp("[::ffff:192.0.2.1]:9700")},
		{"N9", "unspecified", "the unspecified address", tcp("0.0.0.0:9700")},
		{"N9", "multicast", "a multicast address", tcp("[ff02::1]:9700")},
		{"N9", "empty-item", "an empty address after ';'", tcp("192.0.2.1:9700", "")},
		{"N9", "space", "a space after ';'", tcp("192.0.2.1:9700", " 192.0.2.2:9700")},
		{"N9", "duplicate", "the same address twice", tcp("192.0.2.1:9700", "192.0.2.1:9700")},
		{"N9", "too-many", "9 addresses", tcp(many...)},
		{"N10", "uppercase", "an uppercase onion address", onion(strings.ToUpper(okOnion[:56]) + okOnion[56:])},
		{"N10", "checksum", "a bad checksum", onion(onionAddress("reject", 3, 9700, true))},
		{"N10", "version-2", "version byte 2", onion(onionAddress("reject", 2, 9700))},
		{"N10", "v2-address", "a 16-character (v2) onion address", onion("expyuzz4wqqyqhjn.onion:9700")},
		{"N10", "no-port", "no port", onion(okOnion[:62])},
		{"N10", "port-zero", "port 0", onion(okOnion[:63] + "0")},
		{"N10", "not-onion", "not .onion", onion(okOnion[:56] + ".union:9700")},
		{"N10", "duplicate", "the same address twice", onion(okOnion, okOnion)},
		{"N10", "too-many", "9 addresses", onion(manyOnions...)},
		{"N11", "missing", "no sig", sigLine(good)},
		{"N11", "short", "a signature of 63 bytes", withSig(keys.EncodeBase64(goodSig[:63]))},
		{"N11", "long", "a signature of 65 bytes", withSig(keys.EncodeBase64(append(slices.Clone(goodSig), 0)))},
		{"N11", "bad-char", "'/' is not in Freenet's base64", withSig("/" + keys.EncodeBase64(goodSig)[1:])},
		{"N12", "tampered", "location changed after signing", strings.Replace(good, "location=3fffffffffffffff", "location=4000000000000000", 1)},
		{"N12", "other-key", "signed by another key", signed(identityKey("other"), bs)},
		{"N12", "no-label", "signed without the label", noLabel()},
		{"N12", "unsorted", "signed over the fields in written order, not sorted by key", unsorted()},
		{"N12", "extra-added", "an unknown field added after signing", strings.Replace(good, "\nsig=", "\nx.added=1\nsig=", 1)},
		{"N12", "protocol-added", "a protocol field added after signing", strings.Replace(good, "\nversion=1\n", "\nprotocol=1\nversion=1\n", 1)},
		{"N13", "protocol-zero", "protocol 0", proto("protocol", "0")},
		{"N13", "protocol-leading-zero", "protocol 01", proto("protocol", "01")},
		{"N13", "protocol-too-large", "protocol 65536", proto("protocol", "65536")},
		{"N13", "protocol-not-number", "protocol v2", proto("protocol", "v2")},
		{"N13", "protocol-sign", "protocol +1", proto("protocol", "+1")},
		{"N13", "protocol-space", "protocol with a trailing space", proto("protocol", "1 ")},
		{"N13", "min-zero", "protocol.min 0", proto("protocol", "1", "protocol.min", "0")},
		{"N13", "min-leading-zero", "protocol.min 01", proto("protocol", "2", "protocol.min", "01")},
		{"N13", "min-above-protocol", "protocol.min 3 above protocol 2", proto("protocol", "2", "protocol.min", "3")},
		{"N13", "min-without-protocol", "protocol.min without protocol", proto("protocol.min", "1")},
		{"N13", "features-without-protocol", "protocol.features without protocol", proto("protocol.features", "offers")},
		{"N13", "features-unsorted", "feature names not in ascending order", feats("peerlocations", "offers")},
		{"N13", "features-duplicate", "a feature name twice", feats("offers", "offers")},
		{"N13", "features-empty-item", "an empty name between two ';'", feats("offers", "", "peerlocations")},
		{"N13", "features-leading-separator", "an empty name before a leading ';'", feats("", "offers")},
		{"N13", "features-trailing-separator", "an empty name after a trailing ';'", feats("offers", "")},
		{"N13", "feature-uppercase", "a feature name with an uppercase letter", feats("Offers")},
		{"N13", "feature-bad-char", "a feature name with '_'", feats("peer_locations")},
		{"N13", "feature-too-long", fmt.Sprintf("a feature name of %d characters", maxFeatLen+1), feats(strings.Repeat("f", maxFeatLen+1))},
		{"N13", "features-too-many", fmt.Sprintf("%d feature names", maxFeats+1), feats(manyFeats...)},
	}
	var vs []Vector
	for _, c := range cases {
		v := Vector{Name: "reject-" + c.rule + "-" + c.name, Description: c.desc, Op: "reject", Rule: c.rule, Text: c.text}
		if !utf8.ValidString(c.text) {
			v.Text, v.TextHex = "", hex.EncodeToString([]byte(c.text))
		}
		vs = append(vs, v)
	}
	return vs
}
