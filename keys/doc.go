// Package keys implements the hams key types (CHK, SSK, USK, KSK), their URIs
// and the block codec.
//
// Everything here is a pure function: no I/O, no clock, no global random
// source. Randomness (only needed to generate SSK keypairs) is passed in as an
// io.Reader. The byte layouts, derivations and the rules a parser or decoder
// MUST follow are specified in docs/keys.md; the domain-separation labels in
// labels.go are the same constants the spec names.
//
// Three operations matter to the rest of the node:
//
//   - EncodeCHK and EncodeSSK turn at most one block of plaintext into a
//     block and the URI that fetches it.
//   - Decode turns a block back into plaintext, given its URI.
//   - VerifyBlock checks a block against its routing key alone. Every relaying
//     node and the datastore call it; it needs no URI and learns nothing about
//     the plaintext.
//
// It imports nothing of hams; every other package may import it.
package keys
