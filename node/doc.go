// Package node is the hams daemon's assembly point: it owns the datastore,
// the client layer (node/clientlayer), the network engine (node/network,
// unless the transport is "none") and the FCP server, starts them in order
// and stops them in reverse.
//
// backend.go adapts the client layer and the network to what the FCP server
// asks of a node (fcp.Backend, fcp.PeerBackend): options, progress, fred's
// failure codes, peer status names. The node itself holds no routing or peer
// logic.
//
// It may import any package of the node and fcp; nothing but tools imports
// it.
package node
