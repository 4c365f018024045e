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
// Close stops every tor by PID (SIGTERM, then SIGKILL) and waits for it. As
// a second line of defence every tor is also told to exit when the process
// that started it goes away (__OwningControllerProcess), so a crashed test
// does not leave tors behind.
//
// It is test infrastructure: tests and hams testnet use it; no package of the
// node does.
package tornet
