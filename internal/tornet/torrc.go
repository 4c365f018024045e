package tornet

import (
	"fmt"
	"os"
	"strings"
)

// dirAuthorityLines returns one DirAuthority line per authority, in the
// form "DirAuthority <nick> orport=<port> no-v2 v3ident=<hex> 127.0.0.1:<dirport> <fingerprint>".
func (n *Network) dirAuthorityLines() []string {
	var lines []string
	for _, nd := range n.nodes {
		if nd.auth {
			lines = append(lines, fmt.Sprintf("DirAuthority %s orport=%d no-v2 v3ident=%s 127.0.0.1:%d %s",
				nd.name, nd.orPort, nd.v3ident, nd.dirPort, nd.fpr))
		}
	}
	return lines
}

// torrc returns the configuration of one network tor.
func (n *Network) torrc(nd *node) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	// TestingTorNetwork changes the defaults of many options, so it comes
	// first.
	w("TestingTorNetwork 1")
	w("DataDirectory %s", nd.dir)
	w("PidFile %s/pid", nd.dir)
	w("Log notice stdout")
	w("SafeLogging 0")
	w("ProtocolWarnings 1")
	w("ShutdownWaitLength 0")
	w("Nickname %s", nd.name)
	w("ContactInfo %s@hams.invalid", nd.name)
	w("Address 127.0.0.1")
	w("ORPort 127.0.0.1:%d", nd.orPort)
	if !nd.bridge {
		w("DirPort 127.0.0.1:%d", nd.dirPort)
	}
	w("SocksPort 0")
	// Empty values: no GeoIP database to parse (26 MB, about a second).
	w("GeoIPFile")
	w("GeoIPv6File")
	w("DirReqStatistics 0")
	if nd.bridge {
		// A bridge relays bridge clients into the network and exits
		// nowhere. It publishes no descriptor, so it is in no consensus;
		// clients fetch its descriptor from the bridge itself, which a
		// bridge serves as a directory cache (DirCache is on by default,
		// over the ORPort: tor refuses a DirPort on a bridge).
		w("BridgeRelay 1")
		w("PublishServerDescriptor 0")
		w("BridgeDistribution none")
		w("ExitRelay 0")
		w("ExitPolicy reject *:*")
		w("ServerTransportPlugin obfs4 exec %s", n.cfg.Obfs4Proxy)
		w("ServerTransportListenAddr obfs4 127.0.0.1:%d", nd.ptPort)
		w("ExtORPort auto")
	} else {
		// Exit only to loopback: the network never carries traffic
		// elsewhere.
		w("ExitRelay 1")
		w("ExitPolicyRejectPrivate 0")
		w("ExitPolicy accept 127.0.0.0/8:*")
		w("ExitPolicy reject *:*")
		w("IPv6Exit 0")
	}
	// Skip reachability self-tests and the authorities' flag requirements.
	w("AssumeReachable 1")
	w("TestingDirAuthVoteGuard *")
	w("TestingDirAuthVoteExit *")
	w("TestingDirAuthVoteHSDir *")
	w("TestingMinExitFlagThreshold 0")
	w("PathsNeededToBuildCircuits 0.25")
	// Exit when the process that started us goes away.
	w("__OwningControllerProcess %d", os.Getpid())
	if !nd.auth {
		// Fetch each new consensus as soon as the authorities publish it,
		// so that a relay serves the complete one without waiting up to
		// half a voting interval.
		w("FetchDirInfoEarly 1")
		w("FetchDirInfoExtraEarly 1")
	}
	if nd.auth {
		w("AuthoritativeDirectory 1")
		w("V3AuthoritativeDirectory 1")
		// The fastest schedule tor accepts (see voting.go).
		w("V3AuthVotingInterval %d", votingInterval)
		w("V3AuthVoteDelay %d", voteDelay)
		w("V3AuthDistDelay %d", distDelay)
		w("TestingV3AuthInitialVotingInterval %d", initialVotingInterval)
		w("TestingV3AuthInitialVoteDelay %d", voteDelay)
		w("TestingV3AuthInitialDistDelay %d", distDelay)
		w("V3AuthNIntervalsValid 2")
		w("AuthDirVoteStableGuaranteeMinUptime 0")
		w("AuthDirVoteStableGuaranteeMTBF 0")
		w("AuthDirFastGuarantee 1")
		w("AuthDirMaxServersPerAddr 0")
	}
	for _, l := range n.dirAuthorityLines() {
		w("%s", l)
	}
	return b.String()
}
