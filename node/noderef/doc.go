// Package noderef reads and writes noderefs: the signed text records hams
// nodes give their friends so that they can link to them.
//
// A noderef names a node's identity (an Ed25519 public key, which signs the
// ref), the X25519 static key its Noise links use, its location on the
// routing circle, an optional human name, and where to reach it: TCP
// addresses (IP literals only: a node never resolves a host name) and Tor v3
// onion addresses. None is allowed, for a node that only links out.
//
// A ref may also declare the protocol the node speaks (Ref.Protocol), the
// oldest version it links with (Ref.MinProtocol) and its optional message
// kinds (Ref.Features), so that nodes of different versions keep their
// links; a ref without them predates negotiation and reads as version 1
// (Ref.ProtocolVersion, Ref.Negotiates).
//
// The text is fred's SimpleFieldSet style, one "key=value" line per field
// and a final "End" line:
//
//	identity=…
//	location=8000000000000000
//	noise=…
//	physical.tcp=127.0.0.1:9700
//	version=1
//	sig=…
//	End
//
// Parse and FromFields are strict: they reject, with an *Error naming the
// rule, whatever breaks one of the numbered MUST-reject rules of
// docs/noderef.md, and they verify the signature. New signs; Marshal writes
// the one canonical text. Fields this version does not know are kept in
// Ref.Extra and covered by the signature, so refs from newer writers of the
// same major version still verify.
//
// Nothing here does I/O, reads a clock or draws randomness: Ed25519 signing
// is deterministic.
//
// It imports only keys and routing (for Location), and is pure.
package noderef
