package tornet

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The files obfs4proxy (and lyrebird) write into the bridge's
// DataDirectory/pt_state, the directory tor gives it as
// TOR_PT_STATE_LOCATION.
const (
	ptStateDir     = "pt_state"
	bridgeLineFile = "obfs4_bridgeline.txt"
	obfs4StateFile = "obfs4_state.json"
)

// findObfs4Proxy resolves the obfs4 pluggable transport binary: path if
// given, else obfs4proxy on PATH, else lyrebird (its successor's name).
func findObfs4Proxy(path string) (string, error) {
	names := []string{path}
	if path == "" {
		names = []string{"obfs4proxy", "lyrebird"}
	}
	var first error
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err == nil {
			if p, err = filepath.Abs(p); err != nil {
				return "", fmt.Errorf("tornet: %w", err)
			}
			return p, nil
		}
		if first == nil {
			first = err
		}
	}
	return "", fmt.Errorf("tornet: the bridge needs obfs4proxy (apt install obfs4proxy): %w", first)
}

// parseObfs4BridgeLine reads the cert and iat-mode arguments from the
// "Bridge obfs4 <IP ADDRESS>:<PORT> <FINGERPRINT> cert=... iat-mode=..."
// template that obfs4proxy writes to obfs4_bridgeline.txt.
func parseObfs4BridgeLine(data []byte) (cert, iatMode string, err error) {
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Bridge" || f[1] != "obfs4" {
			continue
		}
		for _, arg := range f[2:] {
			if v, ok := strings.CutPrefix(arg, "cert="); ok {
				cert = v
			} else if v, ok := strings.CutPrefix(arg, "iat-mode="); ok {
				iatMode = v
			}
		}
		if cert == "" || iatMode == "" {
			return "", "", fmt.Errorf("bridge line without cert or iat-mode: %q", strings.TrimSpace(line))
		}
		return cert, iatMode, nil
	}
	return "", "", errors.New("no \"Bridge obfs4\" line")
}

// obfs4StateCert derives the cert and iat-mode from obfs4proxy's
// obfs4_state.json: the cert is the unpadded base64 of the node ID
// (20 bytes) followed by the Curve25519 public key (32 bytes).
func obfs4StateCert(data []byte) (cert, iatMode string, err error) {
	var st struct {
		NodeID    string `json:"node-id"`
		PublicKey string `json:"public-key"`
		IATMode   int    `json:"iat-mode"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return "", "", err
	}
	id, err1 := hex.DecodeString(st.NodeID)
	pub, err2 := hex.DecodeString(st.PublicKey)
	if err1 != nil || err2 != nil || len(id) != 20 || len(pub) != 32 {
		return "", "", errors.New("bad node-id or public-key")
	}
	return base64.RawStdEncoding.EncodeToString(append(id, pub...)), fmt.Sprint(st.IATMode), nil
}

// readBridgeCert reads the bridge's obfs4 cert and iat-mode from
// obfs4_bridgeline.txt, or from obfs4_state.json if the former is absent.
func readBridgeCert(dataDir string) (cert, iatMode string, err error) {
	dir := filepath.Join(dataDir, ptStateDir)
	if data, err := os.ReadFile(filepath.Join(dir, bridgeLineFile)); err == nil {
		return parseObfs4BridgeLine(data)
	}
	data, err := os.ReadFile(filepath.Join(dir, obfs4StateFile))
	if err != nil {
		return "", "", err
	}
	return obfs4StateCert(data)
}

// cachedMicrodescDigests returns the digests of the microdescriptors a
// tor keeps in its DataDirectory (cached-microdescs and its journal,
// cached-microdescs.new). Their "@last-listed" annotation lines are not
// part of the microdescriptors.
func cachedMicrodescDigests(dataDir string) []string {
	var all []string
	for _, name := range []string{"cached-microdescs", "cached-microdescs.new"} {
		data, err := os.ReadFile(filepath.Join(dataDir, name))
		if err != nil {
			continue
		}
		var body bytes.Buffer
		for line := range bytes.Lines(data) {
			if !bytes.HasPrefix(line, []byte("@")) {
				body.Write(line)
			}
		}
		all = append(all, microdescDigests(body.Bytes())...)
	}
	return all
}

// checkBridge checks whether the bridge passes the gate: obfs4proxy has
// written its bridge line, tor has registered the obfs4 listener and
// bootstrapped, and the bridge holds a consensus that lists every relay
// with gateFlags (and not the bridge), with all their microdescriptors,
// which it serves to its clients. The bridge has no DirPort, so this reads
// its DataDirectory and log.
func (n *Network) checkBridge(nd *node) nodeState {
	cert, iatMode, err := readBridgeCert(nd.dir)
	if err != nil {
		return nodeState{why: "no obfs4 bridge line yet (" + err.Error() + ")"}
	}
	logText, _ := os.ReadFile(nd.logPath())
	st := nodeState{}
	data, err := os.ReadFile(filepath.Join(nd.dir, "cached-microdesc-consensus"))
	if err != nil {
		st.why = "no consensus yet"
		return st
	}
	c, err := parseMicrodescConsensus(data)
	if err != nil {
		st.why = "bad consensus (" + err.Error() + ")"
		return st
	}
	st.validAfter = c.validAfter
	why, mds := n.checkConsensus(c.routers)
	if why != "" {
		st.why = why
		return st
	}
	if k := countIn(mds, cachedMicrodescDigests(nd.dir)); k < len(mds) {
		st.why = fmt.Sprintf("microdescriptors: %d/%d cached", k, len(mds))
		return st
	}
	st.dirInfo = true
	if want := fmt.Sprintf("Registered server transport 'obfs4' at '127.0.0.1:%d'", nd.ptPort); !bytes.Contains(logText, []byte(want)) {
		st.why = "obfs4 listener not registered yet"
		return st
	}
	if !bytes.Contains(logText, []byte("Bootstrapped 100%")) {
		st.why = "not bootstrapped yet"
		return st
	}
	nd.cert, nd.iatMode = cert, iatMode
	st.ok = true
	return st
}

// bridgeNode returns the bridge, or nil if the network has none.
func (n *Network) bridgeNode() *node {
	for _, nd := range n.nodes {
		if nd.bridge {
			return nd
		}
	}
	return nil
}

// BridgeLine returns the bridge's obfs4 bridge line, as it follows
// "Bridge" in a client's torrc:
//
//	obfs4 127.0.0.1:<obfs4 port> <fingerprint> cert=<cert> iat-mode=0
//
// The cert is the one obfs4proxy wrote to the bridge's
// DataDirectory/pt_state/obfs4_bridgeline.txt, the fingerprint the
// bridge's RSA identity. It returns "" if the network has no bridge
// (Config.Bridge unset).
func (n *Network) BridgeLine() string {
	nd := n.bridgeNode()
	if nd == nil || nd.cert == "" {
		return ""
	}
	return fmt.Sprintf("obfs4 127.0.0.1:%d %s cert=%s iat-mode=%s", nd.ptPort, nd.fpr, nd.cert, nd.iatMode)
}

// PlainBridgeLine returns the line that reaches the bridge without a
// pluggable transport, on its ORPort: "127.0.0.1:<orport> <fingerprint>".
// It returns "" if the network has no bridge.
func (n *Network) PlainBridgeLine() string {
	nd := n.bridgeNode()
	if nd == nil {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d %s", nd.orPort, nd.fpr)
}

// Obfs4Proxy returns the path of the obfs4 pluggable transport the bridge
// runs, "" if the network has no bridge.
func (n *Network) Obfs4Proxy() string {
	if n.bridgeNode() == nil {
		return ""
	}
	return n.cfg.Obfs4Proxy
}

// BridgeClientTorrc returns the torrc lines a client tor needs to join the
// network through the obfs4 bridge only: the lines of ClientTorrc, which
// make it trust the network's authorities (it needs their keys to check
// the consensus, and TestingTorNetwork lets it use relays on 127.0.0.1),
// followed by
//
//	UseBridges 1
//	Bridge obfs4 127.0.0.1:<obfs4 port> <fingerprint> cert=<cert> iat-mode=0
//	ClientTransportPlugin obfs4 exec <obfs4proxy>
//
// With UseBridges a client makes every connection of its own through its
// bridges: it fetches the bridge's descriptor from the bridge, the
// consensus and microdescriptors through it, and builds every circuit
// with the bridge as first hop; it never connects to the authorities or
// relays, so the bridge is its only way in. The network's defaults
// suffice: the bridge caches directory documents (DirCache is on by
// default), and the client needs no UpdateBridgesFromAuthority (default
// 0: no bridge authority).
//
// obfs4proxy is the client's transport binary; "" means the one the
// bridge runs. It returns nil if the network has no bridge.
func (n *Network) BridgeClientTorrc(obfs4proxy string) []string {
	line := n.BridgeLine()
	if line == "" {
		return nil
	}
	if obfs4proxy == "" {
		obfs4proxy = n.cfg.Obfs4Proxy
	}
	return append(n.ClientTorrc(),
		"UseBridges 1",
		"Bridge "+line,
		"ClientTransportPlugin obfs4 exec "+obfs4proxy,
	)
}
