// Package node is the hams daemon: it owns the datastore, the client layer
// and the FCP server, starts them in order and stops them in reverse. Peers,
// links and routing arrive with the network; for now a node serves its own
// datastore to local FCP clients (transport "none").
package node
