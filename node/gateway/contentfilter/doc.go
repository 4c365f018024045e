// Package contentfilter makes a document fetched from the network safe to
// show in a browser without losing the reader's anonymity: HTML is parsed
// and rebuilt, CSS filtered, images checked by their signature, and every
// URL that would leave the gateway removed or rewritten to a gateway path
// (docs/gateway.md, "The content filter", rules F1-F37).
//
// Filter is the whole interface: it returns the type to send, or
// ErrUnknownType (the gateway offers a download instead) or ErrBadImage
// (the data is not what it claims). Links to the web become links to
// ExternalPath, the gateway's warning page.
//
// It is pure: no I/O but the reader and writer it is given, no clock, no
// goroutine. It imports nothing of the module.
package contentfilter
