// Package statuspage shows a node's state to its operator: the /status page
// (HTML with server-side SVG plots, no JavaScript) and /metrics in the
// Prometheus text format. Neither carries a key, a URI or a peer identity.
//
// It imports nothing of the module: the node fills its Snapshot.
package statuspage
