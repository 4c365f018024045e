package noderef

import (
	"crypto/sha3"
	"encoding/base32"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// validKey reports whether k may be the key of an unknown field: 1 to 64
// lowercase ASCII letters, digits, '.', '_' and '-'.
func validKey(k string) bool {
	if len(k) == 0 || len(k) > MaxKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// controlFree reports whether s holds no control character (Unicode
// category Cc: U+0000–U+001F, U+007F–U+009F).
func controlFree(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// checkSize applies the limits on the number of fields and on the size of
// the canonical text (rule N1). fs holds every field, sig included.
func checkSize(fs [][2]string) error {
	if len(fs) > MaxFields {
		return errorf("N1", "", "%d fields, at most %d", len(fs), MaxFields)
	}
	n := len("End\n")
	for _, f := range fs {
		n += len(f[0]) + len(f[1]) + 2
	}
	if n > MaxSize {
		return errorf("N1", "", "canonical text of %d bytes, at most %d", n, MaxSize)
	}
	return nil
}

// checkExtra checks an unknown field (rule N2). Its caller has checked that
// k and v are UTF-8 (rule N1).
func checkExtra(k, v string) error {
	if !validKey(k) {
		return errorf("N2", "", "key %s: not 1 to %d lowercase letters, digits, '.', '_' or '-'", quote(k), MaxKeyLength)
	}
	if v == "" {
		return errorf("N2", k, "empty value")
	}
	if !controlFree(v) {
		return errorf("N2", k, "value %s holds a control character", quote(v))
	}
	return nil
}

// checkName checks myName (rule N8). Its caller has checked that s is UTF-8
// (rule N1).
func checkName(s string) error {
	if len(s) > MaxNameLength {
		return errorf("N8", keyName, "%d bytes, at most %d", len(s), MaxNameLength)
	}
	if !controlFree(s) {
		return errorf("N8", keyName, "%s holds a control character", quote(s))
	}
	return nil
}

// checkList checks an address list (rule N9 for physical.tcp, N10 for
// physical.onion): at most MaxAddresses items, each valid, none twice.
func checkList(field string, items []string, check func(string) string) error {
	rule := "N9"
	if field == keyOnion {
		rule = "N10"
	}
	if len(items) > MaxAddresses {
		return errorf(rule, field, "%d addresses, at most %d", len(items), MaxAddresses)
	}
	for i, it := range items {
		if msg := check(it); msg != "" {
			return errorf(rule, field, "%s: %s", quote(it), msg)
		}
		for _, prev := range items[:i] {
			if prev == it {
				return errorf(rule, field, "%s: listed twice", quote(it))
			}
		}
	}
	return nil
}

// broadcast is the IPv4 limited broadcast address, which no node can have.
var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// checkTCP checks one physical.tcp address, returning what is wrong with it
// or "". It accepts only the canonical text of an IP literal and a port, so
// that a name is never looked up and every address has one spelling.
func checkTCP(s string) string {
	if s == "" {
		return "empty address"
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return "no port"
		}
		host, bracketed := strings.CutPrefix(s[:i], "[")
		host, _ = strings.CutSuffix(host, "]")
		if a, err := netip.ParseAddr(host); err == nil {
			if a.Is6() && !bracketed {
				return "an IPv6 address must be in brackets"
			}
			return "not a port from 1 to 65535"
		}
		return "not an IP literal in canonical form (host names are not allowed: a node never resolves names)"
	}
	a := ap.Addr()
	switch {
	case a.Zone() != "":
		return "an IPv6 zone is not allowed"
	case a.Is4In6():
		return "an IPv4-mapped IPv6 address: write the IPv4 address"
	case a.IsUnspecified(), a.IsMulticast(), a == broadcast:
		return "not an address a node can have (unspecified, multicast or broadcast)"
	case ap.Port() == 0:
		return "port 0"
	case ap.String() != s:
		return "not in canonical form (" + strconv.Quote(ap.String()) + ")"
	}
	return ""
}

// onionSuffix follows the 56 base32 characters of a Tor v3 onion address.
const onionSuffix = ".onion:"

// onionBase32 is RFC 4648 base32 in lowercase, without padding, as Tor
// writes onion addresses.
var onionBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// checkOnion checks one physical.onion address, returning what is wrong with
// it or "": 56 lowercase base32 characters that decode to a Tor v3 address
// (public key, checksum, version 3), ".onion:" and a port.
func checkOnion(s string) string {
	if s == "" {
		return "empty address"
	}
	if len(s) <= 56+len(onionSuffix) || s[56:56+len(onionSuffix)] != onionSuffix {
		return "not <56 base32 characters>.onion:<port>"
	}
	label, port := s[:56], s[56+len(onionSuffix):]
	for i := 0; i < len(label); i++ {
		if c := label[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return "not lowercase base32"
		}
	}
	raw, err := onionBase32.DecodeString(label)
	if err != nil || len(raw) != 35 {
		return "not lowercase base32"
	}
	if raw[34] != 3 {
		return "not a Tor v3 address (version byte " + strconv.Itoa(int(raw[34])) + ")"
	}
	if sum := onionChecksum(raw[:32]); raw[32] != sum[0] || raw[33] != sum[1] {
		return "bad checksum"
	}
	if !canonicalPort(port) {
		return "port not a decimal number from 1 to 65535 without leading zeros"
	}
	return ""
}

// onionChecksum is the checksum of a Tor v3 onion address of the given
// Ed25519 public key: SHA3-256(".onion checksum" || pubkey || 0x03)[:2].
func onionChecksum(pub []byte) [2]byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{3})
	var sum [2]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// canonicalPort reports whether p is a port from 1 to 65535 in decimal
// without a sign or leading zeros.
func canonicalPort(p string) bool {
	_, ok := parseDecimal16(p)
	return ok
}

// parseDecimal16 reads a number from 1 to 65535 in decimal without a sign
// or leading zeros: a port, or a protocol version.
func parseDecimal16(s string) (int, bool) {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= 65535
}

// parseProtocol reads protocol, protocol.min and protocol.features from
// byKey into r and checks them (rule N13).
func parseProtocol(byKey map[string]string, r *Ref) error {
	for _, f := range []struct {
		key string
		dst *int
	}{{keyProtocol, &r.Protocol}, {keyMinProto, &r.MinProtocol}} {
		v, ok := byKey[f.key]
		if !ok {
			continue
		}
		n, ok := parseDecimal16(v)
		if !ok {
			return errorf("N13", f.key, "%s: not a decimal number from 1 to %d without sign or leading zeros", quote(v), MaxProtocol)
		}
		*f.dst = n
	}
	if v, ok := byKey[keyFeatures]; ok {
		r.Features = strings.Split(v, ";")
	}
	return checkProtocol(r.Protocol, r.MinProtocol, r.Features)
}

// checkProtocol checks a protocol version, its minimum and its feature
// names (rule N13); 0 and nil mean absent.
func checkProtocol(protocol, minProtocol int, features []string) error {
	if protocol < 0 || protocol > MaxProtocol {
		return errorf("N13", keyProtocol, "%d: not from 1 to %d", protocol, MaxProtocol)
	}
	if minProtocol < 0 || minProtocol > MaxProtocol {
		return errorf("N13", keyMinProto, "%d: not from 1 to %d", minProtocol, MaxProtocol)
	}
	if protocol == 0 {
		if minProtocol != 0 {
			return errorf("N13", keyMinProto, "present without %s", keyProtocol)
		}
		if len(features) > 0 {
			return errorf("N13", keyFeatures, "present without %s", keyProtocol)
		}
		return nil
	}
	if minProtocol > protocol {
		return errorf("N13", keyMinProto, "%d is above %s %d", minProtocol, keyProtocol, protocol)
	}
	if len(features) > MaxFeatures {
		return errorf("N13", keyFeatures, "%d names, at most %d", len(features), MaxFeatures)
	}
	for i, name := range features {
		if msg := checkFeature(name); msg != "" {
			return errorf("N13", keyFeatures, "%s: %s", quote(name), msg)
		}
		if i > 0 && features[i-1] == name {
			return errorf("N13", keyFeatures, "%s: listed twice", quote(name))
		}
		if i > 0 && features[i-1] > name {
			return errorf("N13", keyFeatures, "%s: not in ascending order (after %s)", quote(name), quote(features[i-1]))
		}
	}
	return nil
}

// checkFeature checks one feature name, returning what is wrong with it or
// "": 1 to MaxFeatureLength characters from a-z, 0-9 and '-'.
func checkFeature(name string) string {
	if name == "" {
		return "empty name"
	}
	if len(name) > MaxFeatureLength {
		return "longer than " + strconv.Itoa(MaxFeatureLength) + " characters"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "a character other than a-z, 0-9 and '-'"
		}
	}
	return ""
}
