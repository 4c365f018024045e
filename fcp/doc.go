// Package fcp is the node's FCP 2.0 server: the client protocol of
// Hyphanet's fred, spoken so that existing clients (pyFreenet's fcp3, FMS,
// jSite) work with hams unchanged.
//
// A Server reads messages with package fcp/fcpwire, checks them the way fred
// does (answering bad input with fred's ProtocolError codes), and runs
// inserts and fetches through a Backend, the client layer. Each connection
// has one reader goroutine; each request runs in its own goroutine; writes
// to a connection are serialised. Requests are connection-scoped,
// reboot-persistent or forever-persistent (kept in Config.StateDir and run
// again after a restart), on a client's own queue or the global one.
//
// Hostile clients are bounded (docs/fcp.md, "Memory and hostile clients"):
// the client data a server holds in memory is at most
// Config.MaxBufferedBytes plus about 16 KiB per connection; uploads beyond
// the budget are spooled to disk, headers beyond it refused; a connection
// that stalls inside a message is closed after Config.StallTimeout.
//
// docs/fcp.md lists every FCP 2.0 message and field and what the server
// does with it; the transcripts in testdata pin the wire format.
//
// It imports only keys and fcp/fcpwire: the node is behind the Backend
// interface, so nothing of node/ is imported here.
package fcp
