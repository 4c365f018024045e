package tornet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// These tests need no tor and no obfs4proxy.

// The files obfs4proxy 0.0.14 wrote for one bridge.
const (
	sampleBridgeLineFile = `# obfs4 torrc client bridge line
#
# This file is an automatically generated bridge line based on
# the current obfs4proxy configuration.  EDITING IT WILL HAVE
# NO EFFECT.
#
# Before distributing this Bridge, edit the placeholder fields
# to contain the actual values:
#  <IP ADDRESS>  - The public IP address of your obfs4 bridge.
#  <PORT>        - The TCP/IP port of your obfs4 bridge.
#  <FINGERPRINT> - The bridge's fingerprint.

Bridge obfs4 <IP ADDRESS>:<PORT> <FINGERPRINT> cert=hfEvo8GHtDs/Aow80fM2QHsWOwPTAWpH0lqZ+uCOWYj+u1STTIbS7EKdDOOqzZDykhHuHQ iat-mode=0
`
	sampleObfs4State = `{"node-id":"85f12fa3c187b43b3f028c3cd1f336407b163b03","private-key":"627f688095942388e87cdf0ba853b977bcc2d3ccaa1564a24eb92d9c6870be3d","public-key":"d3016a47d25a99fae08e5988febb54934c86d2ec429d0ce3aacd90f29211ee1d","drbg-seed":"0d7ff262b41d1596e7d931b11d01238e7a905fd90060637a","iat-mode":0}`
	sampleCert       = "hfEvo8GHtDs/Aow80fM2QHsWOwPTAWpH0lqZ+uCOWYj+u1STTIbS7EKdDOOqzZDykhHuHQ"
)

func TestObfs4Cert(t *testing.T) {
	cert, iat, err := parseObfs4BridgeLine([]byte(sampleBridgeLineFile))
	if err != nil || cert != sampleCert || iat != "0" {
		t.Errorf("parseObfs4BridgeLine = %q, %q, %v", cert, iat, err)
	}
	for _, bad := range []string{"", "# Bridge obfs4 x\n", "Bridge obfs4 <IP ADDRESS>:<PORT> <FINGERPRINT> iat-mode=0\n"} {
		if _, _, err := parseObfs4BridgeLine([]byte(bad)); err == nil {
			t.Errorf("parseObfs4BridgeLine(%q) accepted", bad)
		}
	}
	cert, iat, err = obfs4StateCert([]byte(sampleObfs4State))
	if err != nil || cert != sampleCert || iat != "0" {
		t.Errorf("obfs4StateCert = %q, %q, %v; want %q", cert, iat, err, sampleCert)
	}
	if _, _, err := obfs4StateCert([]byte(`{"node-id":"85f1","public-key":"d301"}`)); err == nil {
		t.Error("obfs4StateCert accepted short keys")
	}

	// readBridgeCert prefers the bridge line file and falls back to the
	// state file.
	dir := t.TempDir()
	if _, _, err := readBridgeCert(dir); err == nil {
		t.Error("readBridgeCert without files succeeded")
	}
	os.MkdirAll(filepath.Join(dir, ptStateDir), 0o700)
	os.WriteFile(filepath.Join(dir, ptStateDir, obfs4StateFile), []byte(sampleObfs4State), 0o600)
	if cert, _, err := readBridgeCert(dir); err != nil || cert != sampleCert {
		t.Errorf("readBridgeCert from the state file = %q, %v", cert, err)
	}
	os.WriteFile(filepath.Join(dir, ptStateDir, bridgeLineFile), []byte(strings.Replace(sampleBridgeLineFile, "iat-mode=0", "iat-mode=1", 1)), 0o600)
	if _, iat, err := readBridgeCert(dir); err != nil || iat != "1" {
		t.Errorf("readBridgeCert from the bridge line file: iat-mode %q, %v", iat, err)
	}
}

func TestCachedMicrodescDigests(t *testing.T) {
	md1 := "onion-key\nntor-onion-key AAAA\nid ed25519 BBBB\n"
	md2 := "onion-key\nntor-onion-key CCCC\nid ed25519 DDDD\n"
	digest := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return base64.RawStdEncoding.EncodeToString(sum[:])
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cached-microdescs"), []byte("@last-listed 2026-12-06 05:37:10\n"+md1), 0o600)
	os.WriteFile(filepath.Join(dir, "cached-microdescs.new"), []byte("@last-listed 2026-12-06 05:37:10\n"+md2+"@last-listed 2026-12-06 05:37:10\n"+md1), 0o600)
	got := cachedMicrodescDigests(dir)
	if want := []string{digest(md1), digest(md2), digest(md1)}; !slices.Equal(got, want) {
		t.Errorf("digests %v, want %v", got, want)
	}
}

// bridgeNetwork is a network of one authority, one relay and the bridge,
// as prepare would set it up.
func bridgeNetwork() *Network {
	return &Network{
		cfg: Config{Obfs4Proxy: "/usr/bin/obfs4proxy"},
		nodes: []*node{
			{name: "auth0", auth: true, dir: "/d/auth0", orPort: 1000, dirPort: 1001, fpr: fprA, v3ident: fprB},
			{name: "relay0", dir: "/d/relay0", orPort: 2000, dirPort: 2001, fpr: fprB},
			{name: "bridge0", bridge: true, dir: "/d/bridge0", orPort: 3000, ptPort: 3001, fpr: strings.Repeat("C", 40)},
		},
	}
}

func TestBridgeTorrc(t *testing.T) {
	n := bridgeNetwork()
	br := n.nodes[2]
	lines := strings.Split(strings.TrimSpace(n.torrc(br)), "\n")
	if lines[0] != "TestingTorNetwork 1" {
		t.Errorf("first line %q", lines[0])
	}
	for _, want := range []string{
		"BridgeRelay 1",
		"PublishServerDescriptor 0",
		"ORPort 127.0.0.1:3000",
		"ServerTransportPlugin obfs4 exec /usr/bin/obfs4proxy",
		"ServerTransportListenAddr obfs4 127.0.0.1:3001",
		"ExtORPort auto",
		"AssumeReachable 1",
		"Address 127.0.0.1",
		"ExitRelay 0",
		"DirAuthority auth0 orport=1000 no-v2 v3ident=" + fprB + " 127.0.0.1:1001 " + fprA,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("bridge torrc lacks %q", want)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "DirPort") || strings.HasPrefix(l, "ExitPolicy accept") || strings.HasPrefix(l, "AuthoritativeDirectory") {
			t.Errorf("bridge torrc has %q", l)
		}
	}
	// The relays' torrcs are unchanged by the bridge.
	relay := n.torrc(n.nodes[1])
	if strings.Contains(relay, "Bridge") || strings.Contains(relay, "Transport") || !strings.Contains(relay, "DirPort 127.0.0.1:2001") {
		t.Errorf("relay torrc:\n%s", relay)
	}
	// The bridge gets no DirAuthority line of its own.
	if slices.ContainsFunc(n.dirAuthorityLines(), func(l string) bool { return strings.Contains(l, "bridge0") }) {
		t.Error("the bridge has a DirAuthority line")
	}
}

func TestBridgeLines(t *testing.T) {
	n := bridgeNetwork()
	if got := n.BridgeLine(); got != "" {
		t.Errorf("BridgeLine before the gate read the cert: %q", got)
	}
	if got := n.BridgeClientTorrc(""); got != nil {
		t.Errorf("BridgeClientTorrc before the gate read the cert: %q", got)
	}
	n.nodes[2].cert, n.nodes[2].iatMode = sampleCert, "0"
	line := "obfs4 127.0.0.1:3001 " + strings.Repeat("C", 40) + " cert=" + sampleCert + " iat-mode=0"
	if got := n.BridgeLine(); got != line {
		t.Errorf("BridgeLine = %q, want %q", got, line)
	}
	if got, want := n.PlainBridgeLine(), "127.0.0.1:3000 "+strings.Repeat("C", 40); got != want {
		t.Errorf("PlainBridgeLine = %q, want %q", got, want)
	}
	client := n.BridgeClientTorrc("")
	want := append(n.ClientTorrc(), "UseBridges 1", "Bridge "+line, "ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy")
	if !slices.Equal(client, want) {
		t.Errorf("BridgeClientTorrc = %q, want %q", client, want)
	}
	if got := n.BridgeClientTorrc("/opt/lyrebird"); got[len(got)-1] != "ClientTransportPlugin obfs4 exec /opt/lyrebird" {
		t.Errorf("BridgeClientTorrc(/opt/lyrebird) ends with %q", got[len(got)-1])
	}
	if n.Obfs4Proxy() != "/usr/bin/obfs4proxy" {
		t.Errorf("Obfs4Proxy = %q", n.Obfs4Proxy())
	}

	plain := &Network{nodes: n.nodes[:2]}
	if plain.BridgeLine() != "" || plain.PlainBridgeLine() != "" || plain.BridgeClientTorrc("") != nil || plain.Obfs4Proxy() != "" {
		t.Error("a network without a bridge has bridge lines")
	}
}

// The gate never passes a consensus that lists the bridge, and does not
// require the bridge in it.
func TestCheckConsensusBridge(t *testing.T) {
	c, err := parseMicrodescConsensus([]byte(sampleConsensus(t)))
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{nodes: []*node{{name: "auth0", fpr: fprA}, {name: "bridge0", bridge: true, fpr: strings.Repeat("C", 40)}}}
	if why, mds := n.checkConsensus(c.routers); why != "" || len(mds) != 1 {
		t.Errorf("checkConsensus = %q, %v; want pass", why, mds)
	}
	n.nodes[1].fpr = fprB // relay0 of the sample consensus
	if why, _ := n.checkConsensus(c.routers); !strings.Contains(why, "bridge0 listed") || !strings.Contains(why, "1/1 relays") {
		t.Errorf("checkConsensus = %q, want the bridge listed", why)
	}
}

func TestStartBridgeWithoutObfs4Proxy(t *testing.T) {
	_, err := Start(context.Background(), Config{Dir: t.TempDir(), Bridge: true, TorPath: fakeTor(t), Obfs4Proxy: filepath.Join(t.TempDir(), "no-obfs4proxy")})
	if err == nil || !strings.Contains(err.Error(), "apt install obfs4proxy") {
		t.Errorf("Start without obfs4proxy: %v", err)
	}
}
