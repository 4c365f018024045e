package keys

// Domain-separation labels. Every hash, MAC and key derivation in hams/v1
// starts with one of these labels (see hash.go and docs/keys.md §2), so a
// value computed for one purpose can never be mistaken for another.
const (
	// LabelCHKKey derives a CHK's convergent crypto key from its padded plaintext.
	LabelCHKKey = "hams/v1/chk/key"
	// LabelCHKRouting derives a CHK's routing key from its block.
	LabelCHKRouting = "hams/v1/chk/routing"
	// LabelSSKPubKeyHash hashes an SSK public key to the public key hash in request URIs.
	LabelSSKPubKeyHash = "hams/v1/ssk/pubkey"
	// LabelSSKDocName keys the MAC that hides an SSK's document name (E).
	LabelSSKDocName = "hams/v1/ssk/docname"
	// LabelSSKRouting derives an SSK's routing key from the public key hash and E.
	LabelSSKRouting = "hams/v1/ssk/routing"
	// LabelSSKDataKey derives the AES key of an SSK block's payload.
	LabelSSKDataKey = "hams/v1/ssk/datakey"
	// LabelSSKIV derives the synthetic IV of an SSK block from its plaintext.
	LabelSSKIV = "hams/v1/ssk/iv"
	// LabelSSKSignature prefixes the message an SSK block's Ed25519 signature covers.
	LabelSSKSignature = "hams/v1/ssk/signature"
	// LabelKSKSalt is the Argon2id salt of the KSK keyword derivation
	// (exactly 16 bytes, RFC 9106's recommended salt length).
	LabelKSKSalt = "hams/v1/ksk/salt"
)
