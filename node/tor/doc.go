// Package tor is the Tor transport a hams node uses for its peer links in
// Tor mode (design.md §5): the node's only way in is its own v3 onion
// service, and its only way out is tor.
//
// Start runs the tor binary (Debian's, found with Find) through
// github.com/cretz/bine with its DataDirectory under the node's directory,
// waits for it to bootstrap, publishes the onion service with the node's
// Ed25519 key (so the address is stable across restarts) and returns a
// Transport. Inbound link streams arrive on Transport.Listener; outbound
// ones are made with Transport.Dial, which accepts nothing but v3 .onion
// addresses and hands the name to tor's SOCKS port unresolved.
//
// No byte leaves the node except through tor: every TCP connection the
// transport itself makes goes through one dialer that refuses any address
// but a loopback IP (tor's SOCKS and control ports), and that a test can
// observe with Config.DialRecorder. Tor's SOCKS port is bound to 127.0.0.1
// and configured OnionTrafficOnly, so tor too refuses IP addresses and DNS
// names. tor is told to exit if the node's process goes away
// (__OwningControllerProcess, then TAKEOWNERSHIP), and Close stops it and
// waits for it.
//
// Tests run against a private Tor network on 127.0.0.1 (package
// internal/tornet): pass its ClientTorrc lines as Config.ExtraTorrc.
//
// It imports nothing of hams: node/network wires it into the node.
package tor
