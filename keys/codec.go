package keys

// Data is the decoded content of a block.
type Data struct {
	// Bytes is the plaintext (still compressed if Codec is not CodecNone).
	Bytes []byte
	// Codec is the compression codec the plaintext was encoded with.
	Codec Codec
	// Control reports whether the plaintext is a metadata document.
	Control bool
}

// Decode verifies block against the URI u and decrypts it. u is a CHK, SSK,
// KSK or USK at a non-negative edition, in request or insert form. Meta-strings
// are ignored.
func Decode(block []byte, u URI) (Data, error) {
	if u.Type == CHK {
		return decodeCHK(block, u)
	}
	return decodeSSK(block, u)
}

// RoutingKeyOf returns the routing key of the block u names: what a node asks
// its peers for. For a KSK it runs the slow keyword derivation.
func RoutingKeyOf(u URI) (RoutingKey, error) {
	if u.Type == CHK {
		return RoutingKey(u.Key), nil
	}
	p, err := sskParamsOf(u)
	if err != nil {
		return RoutingKey{}, err
	}
	e := p.hiddenName()
	return sskRoutingKey(&p.pkh, &e), nil
}

// VerifyBlock checks block against its routing key without a URI: what every
// relaying node and the datastore do before storing or forwarding a block. It
// returns nil for a valid CHK or SSK block and an *Error of code
// CodeInvalidBlock otherwise.
func VerifyBlock(rk RoutingKey, block []byte) error {
	if len(block) < 4 {
		return errorf(CodeInvalidBlock, "", "block is %d bytes, too short for a header", len(block))
	}
	switch KeyType(block[1]) {
	case CHK:
		return verifyCHK(rk, block)
	case SSK:
		return verifySSK(rk, block)
	}
	return errorf(CodeInvalidBlock, "", "unknown block type %d", block[1])
}

// BlockType returns the key type of a block from its header (CHK or SSK), or
// 0 if the header names no known type. It does not verify the block.
func BlockType(block []byte) KeyType {
	if len(block) < 4 {
		return 0
	}
	switch t := KeyType(block[1]); t {
	case CHK, SSK:
		return t
	}
	return 0
}
