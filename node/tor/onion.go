package tor

import (
	"crypto/ed25519"
	"crypto/sha3"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// onionIDLen is the length of a v3 onion service ID: base32 of a 32-byte
// public key, a 2-byte checksum and a version byte, without padding.
const onionIDLen = 56

var onionEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// onionID returns the v3 onion service ID (56 lower-case base32 characters,
// without ".onion") of an Ed25519 public key, as defined in tor's
// rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION) with
// CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2].
func onionID(pub ed25519.PublicKey) string {
	const version = 3
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{version})
	sum := h.Sum(nil)
	b := make([]byte, 0, 35)
	b = append(b, pub...)
	b = append(b, sum[0], sum[1], version)
	return strings.ToLower(onionEncoding.EncodeToString(b))
}

// OnionAddress returns the address ("<id>.onion:port") of the v3 onion
// service whose key is key, on virtual port port (0: DefaultPort): the
// address Start publishes with that key, known before tor runs.
func OnionAddress(key ed25519.PrivateKey, port int) string {
	if port == 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(onionID(key.Public().(ed25519.PublicKey))+".onion", strconv.Itoa(port))
}

// errNotOnion is wrapped by every refusal of parseOnionAddr.
var errNotOnion = errors.New("not a v3 onion address")

// parseOnionAddr checks that addr is "<56 base32 chars>.onion:<port>" with a
// valid v3 checksum and version, and returns it in canonical (lower-case)
// form. It never resolves anything.
func parseOnionAddr(addr string) (string, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", errNotOnion, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return "", fmt.Errorf("%w: %q: bad port", errNotOnion, addr)
	}
	host = strings.ToLower(host)
	id, ok := strings.CutSuffix(host, ".onion")
	if !ok {
		return "", fmt.Errorf("%w: %q: host is not a .onion name", errNotOnion, addr)
	}
	if len(id) != onionIDLen {
		return "", fmt.Errorf("%w: %q: service ID has %d characters, want %d", errNotOnion, addr, len(id), onionIDLen)
	}
	raw, err := onionEncoding.DecodeString(strings.ToUpper(id))
	if err != nil || len(raw) != 35 {
		return "", fmt.Errorf("%w: %q: service ID is not base32", errNotOnion, addr)
	}
	if raw[34] != 3 {
		return "", fmt.Errorf("%w: %q: version %d", errNotOnion, addr, raw[34])
	}
	if onionID(ed25519.PublicKey(raw[:32])) != id {
		return "", fmt.Errorf("%w: %q: bad checksum", errNotOnion, addr)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// onionAddr is the net.Addr of the onion service (Listener().Addr()).
type onionAddr string

func (a onionAddr) Network() string { return "tcp" }
func (a onionAddr) String() string  { return string(a) }
