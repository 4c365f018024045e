// Package statuspage shows a node's state to its operator: the /status page
// (HTML with server-side SVG plots, no JavaScript) and /metrics in the
// Prometheus text format. Neither carries a key, a URI or a peer identity.
//
// It imports nothing of the module: the node fills its Snapshot. A Page
// keeps a bounded history for its plots and starts no goroutine: the node
// calls Page.Sample from a ticker it owns, and each /status samples too.
// The page links its style sheet (StyleSheet, at StylePath) rather than
// carry inline styles, so that it works under a strict
// Content-Security-Policy.
package statuspage
