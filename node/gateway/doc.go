// Package gateway is the node's web gateway, as Hyphanet's FProxy: keys
// and freesites opened in a browser at http://127.0.0.1:8888/KEY, every
// document passed through the content filter, publishing from the
// browser, bookmarks, and the node's status page (docs/gateway.md).
//
// It knows the node only through fcp's Backend and statuspage's Snapshot;
// it may import fcp, fcp/fcpwire, keys, node/gateway/contentfilter and
// node/statuspage.
package gateway
