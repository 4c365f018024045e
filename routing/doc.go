// Package routing holds hams's routing logic as values without I/O: no
// sockets, no goroutines, no wall clock, no global random source. A Core is
// one node's router. Its driver — the node with real links and clocks, or the
// simulator with a virtual clock — feeds it messages and time through Step
// and Tick and carries out what Ready returns: messages to send, datastore
// reads and writes, and the outcomes of the requests it started.
//
// Routing follows Hyphanet's: nodes and keys have locations on the circle
// [0,1); a request goes greedily to the closest peer not yet tried, with a
// hops-to-live counter (HTL) that is decremented probabilistically at its
// maximum and at 1, backtracks on RejectedLoop, RouteNotFound and timeouts,
// and fails with DataNotFound when HTL runs out. docs/routing.md describes
// the rules and their numbers.
//
// It imports only keys, and is pure (internal/layout checks it): the node's
// network engine (node/network) and the simulator (routing/sim) are its two
// drivers.
package routing
