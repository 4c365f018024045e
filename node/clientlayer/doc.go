// Package clientlayer is the client layer of a hams node: it turns files and
// directories into blocks and back.
//
// Insert cuts a file into 32 KiB CHK blocks (after optional gzip
// compression), groups them into segments of 128 data blocks, adds 128
// Reed-Solomon check blocks per segment, stores every block through a
// BlockStore and describes the file with a metadata document stored as its
// own CHK (itself a splitfile when large). Small files cost one block: the
// data sits inline in the document. Inserts under SSK, USK and KSK URIs put
// a small document in the signed SSK block. InsertDir builds a manifest
// mapping names to files.
//
// Fetch resolves a URI through manifests, redirects, metadata levels and USK
// editions, fetches each segment's blocks in parallel and decodes it from
// any k of its n blocks, and streams the file to an io.Writer in order.
// Neither direction holds more than a few segments in memory.
//
// The metadata format is specified in docs/metadata.md. Errors are
// *FetchError and *InsertError values carrying fred's FetchException and
// InsertException codes, which FCP reports as GetFailed and PutFailed.
//
// It imports keys, datastore (for NewLocalStore) and fcp/fcpwire (fred's
// codes) only: the network is behind the BlockStore interface, and the FCP
// server above it goes through node's backend.
package clientlayer
