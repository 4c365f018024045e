// Package torbridge reads Tor bridge lines, as Tor Browser and
// bridges.torproject.org show them, checks them, and turns them into the
// torrc lines that make a node's tor reach the network only through those
// bridges. It serves `hams node --bridge LINE` (repeatable) and
// `--bridges FILE`, for places where Tor is blocked.
//
// A bridge line is tor's Bridge option without the keyword (a leading
// "Bridge" is accepted too):
//
//	192.0.2.10:443 4F0F25746F7A60DC02DFA0FDD211766CED8EE501
//	obfs4 192.0.2.11:9001 A46041865144B24F5758505CF33468899D2EE429 cert=… iat-mode=0
//	snowflake 192.0.2.3:80 9CD1500E2AEECC27B3747295044772ED2E9772AA fingerprint=… url=https://… fronts=… ice=stun:… utls-imitate=…
//	webtunnel [2001:db8::2]:443 4F0F25746F7A60DC02DFA0FDD211766CED8EE501 url=https://…
//
// Parse reads one line, ParseFile a file of them (blank lines and #
// comments skipped, errors numbered by line). Bridge.Line gives the
// canonical line back; Torrc builds "UseBridges 1", the Bridge lines and
// one ClientTransportPlugin line per transport program; Find locates a
// transport's program (obfs4proxy, snowflake-client, ...) with an install
// hint when it is missing.
//
// Choices, where tor leaves room:
//   - The transports are obfs4, snowflake, webtunnel and meek_lite
//     (Transports); any other name is refused, with the known ones listed.
//     obfs4 needs cert= (70 base64 characters, 52 bytes) and iat-mode= (0,
//     1 or 2); webtunnel and meek_lite need an https url=; snowflake's
//     url=, ampcache=, fronts=, ice= and fingerprint= are checked when
//     present. Other arguments pass through unchanged, so that newer
//     transport options keep working.
//   - A bridge without a fingerprint is accepted, as tor accepts it; tor
//     then cannot check that it reached the bridge it meant to.
//   - Addresses are IP literals: a host name is refused, since the node
//     never resolves names itself.
//   - Nothing that could end or bend a torrc line gets through: control
//     characters, line breaks, non-ASCII, # \ and " are refused, and so
//     are lines over MaxLineLen bytes and arguments longer than the 510
//     bytes tor can hand to a transport.
//
// The bridges a person uses are secret: whoever learns them can block
// them. So a Bridge prints (String, %v, %#v, log/slog) as Redacted, which
// shows only the transport and the first digits of the fingerprint, and
// no error of this package quotes an address, fingerprint or argument
// value. Only Line and Torrc give the bridge away, for tor's torrc.
//
// The package imports only the standard library; it reads no clock and
// starts no goroutine, and only Find touches the file system.
package torbridge
