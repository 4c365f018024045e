// Package network is a node's network engine: who the node is on the
// network (its identity and noderef), its peers and their links, and the
// router that drives a routing.Core over them.
//
// The client layer reaches it through Network.Store, a
// clientlayer.BlockStore: a block missing from the local datastore is asked
// of the network, and an insert is routed to the nodes closest to its key.
// Inside, the router's loop is the only goroutine that touches the routing
// core; link readers decode and verify frames before they reach it, lookup
// workers and a writer do its datastore I/O.
//
// Files, one concept each:
//   - network.go: Start, Close and the public methods; config.go: Config.
//   - blockstore.go: the client layer's BlockStore over the network; it owns
//     the local lookup of a node's own fetches.
//   - router.go: the loop around the routing core and its datastore I/O;
//     peerlocs.go: PeerLocations (friend-of-a-friend); offers.go: blocks
//     offered for this node's own failed requests.
//   - peers.go: the peer table; peerstore.go: peers kept on disk;
//     dialer.go: dialling and backoff; handshake.go: who may link, and which
//     of two links is kept; frames.go: decoding and verifying a link's
//     frames.
//   - identity.go: the node's keys and location; tor.go: the Tor transport's
//     wiring; files.go: atomic file writes.
//
// It owns the goroutines it starts (the router's loop, lookup workers and
// writer, one dialer per peer with an address, the listener's accept loop
// and inbound handshakes) and Close ends them all.
//
// It may import routing, datastore, keys, the node's link, peerwire,
// noderef and tor packages, and clientlayer for the BlockStore contract
// only (interfaces and errors). It must not import node, fcp or anything
// under tools: they sit above it.
package network
