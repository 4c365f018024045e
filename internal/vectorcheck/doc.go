// Package vectorcheck is a second, minimal implementation of the formats
// whose test vectors are made by the code they test: keys, URIs and blocks
// (docs/keys.md), metadata documents and inserts (docs/metadata.md) and
// social feed documents (docs/social.md). It is written from those specs
// alone, on the standard library and golang.org/x/crypto, and imports
// nothing of hams (not keys, node/…, tools/…), so that a bug in a derivation
// of the product cannot agree with itself: its tests load the committed
// vectors in docs/vectors and recompute every derived value.
//
// BLAKE3 and the Leopard Reed-Solomon code are implemented here too, in
// their plainest form (the product uses zeebo/blake3 and
// klauspost/reedsolomon): BLAKE3 is checked against the official test
// vectors, Leopard (computed by interpolation, not FFT) against its field's
// definition and then by the insert vectors themselves. TestIndependent
// checks that no file here imports hams (but internal/vectorfile, which
// reads the JSON files) or those libraries.
//
// Only tests use this package.
package vectorcheck
