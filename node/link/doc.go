// Package link carries opaque frames between two hams nodes over an
// encrypted, mutually authenticated link on any byte stream (a Tor stream,
// TCP, net.Pipe in tests).
//
// Handshake runs Noise_XX_25519_ChaChaPoly_BLAKE2s with the prologue
// "hams/v1/link": each side proves its static X25519 key and sends a payload
// (its signed noderef) encrypted in the handshake, and the caller's Verify
// checks the peer's key and payload before the link exists. The responder
// then sends one empty transport message, the confirmation, so that a
// rejected initiator fails in Handshake too instead of getting a link that
// dies at once.
//
// After the handshake a Link sends frames from a bounded queue (Send), hands
// received frames to a Handler in order, sends keepalives when idle and
// declares the link lost when nothing arrives for Config.Timeout. Every Noise
// message travels as a 2-byte big-endian length and that many bytes. The
// wire format, limits and what closes a link are in docs/link.md.
//
// Ownership: Handshake runs on the caller's goroutine (with one helper that
// closes the stream when ctx or the handshake timeout expires, stopped
// before Handshake returns). Start starts three goroutines (reader, writer,
// timer); the link stops them, and Close waits for them.
//
// It imports nothing of hams: frames are opaque here (node/peerwire gives
// them meaning).
package link
