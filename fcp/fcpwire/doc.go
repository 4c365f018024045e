// Package fcpwire reads and writes FCP 2.0 messages: the framing Hyphanet's
// client protocol uses, byte-compatible with what fred accepts and sends.
//
// A message is a name line, then Field=Value lines, then an end marker line:
// "EndMessage" (any line starting with "End"), or "Data" followed by exactly
// DataLength raw bytes. Lines end in "\n" ("\r\n" is accepted); text is
// UTF-8. Blank lines between messages are skipped.
//
//	ClientPut
//	Identifier=hello
//	URI=CHK@
//	UploadFrom=direct
//	DataLength=5
//	Data
//	hello
//
// A Reader streams: a message's data is an io.Reader over the connection, so
// a 100 GiB upload never sits in memory. Every size is bounded by Limits, a
// header's memory can be charged to a Budget shared by many Readers, and
// every malformed input yields a *ProtocolError carrying fred's error code,
// with Fatal set when the stream cannot be resynchronised and the connection
// must close. Reading a header, and looking up each of its fields, takes
// time linear in its size. Over a stream that is a Waiter, a Reader holds
// no buffer while it waits for data.
//
// It imports nothing of hams: the client layer and the network import it for
// fred's failure codes (codes.go), which FCP reports.
package fcpwire
