// Package tornet starts a private Tor network on 127.0.0.1: a few directory
// authorities and relays run by the system's tor (developed against
// Debian's tor 0.4.9), with throw-away keys generated at start time. It
// exists so that tests, and "hams testnet --transport tor", can link hams
// nodes over onion services without touching the public Tor network or any
// address outside 127.0.0.0/8: every port is on 127.0.0.1, and the relays
// exit only to 127.0.0.0/8.
//
// Start generates the authority keys (tor-gencert --create-identity-key and
// tor --list-fingerprint), writes one torrc per tor under Config.Dir, starts
// every tor as a child process and returns once the network is usable: every
// tor serves a consensus that lists every relay as Running, Valid and HSDir,
// and serves the microdescriptors of all of them. Waiting for that gate
// before starting clients makes them bootstrap in two or three seconds
// instead of up to 40.
//
// Measured on two cores with the default 3 authorities and 2 relays: key
// generation 2-4 s, then the gate 5.5-8.5 s after the tors start (once in
// over 30 runs 19 s: one voting round, 10 s, later); authorities use about
// 70 MB each, relays 15-30 MB.
//
// A client tor (for instance a hams node's own tor started through bine)
// joins the network by adding the lines from Network.ClientTorrc to its
// configuration. Such a client reaches "Bootstrapped 100%" within seconds;
// an onion service it publishes, however, may still answer "not found" for
// a second or two after publication, so clients must dial onions with retry.
//
// With Config.Bridge the network also runs an obfs4 bridge, bridge0: a
// relay with BridgeRelay 1 and PublishServerDescriptor 0, so it is in no
// consensus, and with obfs4proxy (Debian package obfs4proxy; lyrebird is
// its successor) as its pluggable transport on a loopback port. A client
// that adds the lines from Network.BridgeClientTorrc (the ClientTorrc
// lines plus UseBridges, the Bridge line and ClientTransportPlugin) joins
// the network as a user behind a censor would: its only way in is the
// bridge, which serves it the bridge's own descriptor, the consensus and
// the microdescriptors, and is the first hop of all its circuits. Such a
// client bootstraps in about 4 s, against 1-3 s for a plain one: tor
// launches the client's obfs4proxy, then asks the bridge for its
// descriptor, then for the consensus, each on its next once-a-second tick.
// (A plain client that runs an onion service at times takes 14-19 s
// instead: its log shows every internal circuit picking its own guard as
// last hop too, which the middle hop refuses, until a new consensus;
// apparently, in a young consensus, that relay carries nearly all the
// bandwidth weight. A bridge, in no consensus, is never a last hop.)
//
// Close stops every tor by PID (SIGTERM, then SIGKILL) and waits for it. As
// a second line of defence every tor is also told to exit when the process
// that started it goes away (__OwningControllerProcess), so a crashed test
// does not leave tors behind.
//
// Require is how a test that runs tor, tor-gencert, obfs4proxy,
// snowflake-client or ss asks for them: it skips the test when one is
// missing, but fails it in CI (the environment variable CI set), naming the
// step of .ci/run that installs it, so that no such test passes there by
// not running.
//
// It is test infrastructure: tests and hams testnet use it; no package of the
// node does.
package tornet
