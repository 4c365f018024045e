package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// CHK block layout (docs/keys.md §5).
const (
	// CHKDataSize is the fixed payload size of a CHK block: 32 KiB. Shorter
	// plaintext is padded, so every CHK block has the same size.
	CHKDataSize = 32768
	// CHKHeaderSize is the size of a CHK block's header.
	CHKHeaderSize = 8
	// CHKBlockSize is the size of a CHK block.
	CHKBlockSize = CHKHeaderSize + CHKDataSize

	blockVersion = 1
	// chkPlainSize is the size of the encrypted part: the 4-byte meta field
	// (length, reserved) followed by the padded data.
	chkPlainSize = 4 + CHKDataSize
)

// EncodeOptions describe the plaintext given to EncodeCHK and EncodeSSK.
type EncodeOptions struct {
	// Codec records how the plaintext was compressed (CodecNone by default).
	// The codec does not compress; it only records the choice.
	Codec Codec
	// Control marks the plaintext as a metadata document rather than data.
	Control bool
}

func (o EncodeOptions) check() error {
	if !o.Codec.known() {
		return errorf(CodeInvalidArgument, "", "unknown compression codec %d", o.Codec)
	}
	return nil
}

// EncodeCHK encrypts data (at most CHKDataSize bytes) into a new CHK block and
// returns the block and the URI that fetches it. The encoding is convergent:
// the same data and options always give the same block and URI.
func EncodeCHK(data []byte, opts EncodeOptions) ([]byte, URI, error) {
	block := make([]byte, CHKBlockSize)
	u, err := EncodeCHKTo(block, data, opts)
	if err != nil {
		return nil, URI{}, err
	}
	return block, u, nil
}

// zeroPad is the CHK padding source: read-only zeros.
var zeroPad [CHKDataSize]byte

// EncodeCHKTo is EncodeCHK writing the block into block, which must be
// CHKBlockSize bytes long and must not overlap data. It allocates nothing
// large, so callers that encode many blocks can reuse one buffer.
func EncodeCHKTo(block, data []byte, opts EncodeOptions) (URI, error) {
	if len(data) > CHKDataSize {
		return URI{}, errorf(CodeTooBig, "", "%d bytes do not fit in a CHK block of %d", len(data), CHKDataSize)
	}
	if len(block) != CHKBlockSize {
		return URI{}, errorf(CodeInvalidArgument, "", "block buffer is %d bytes, want %d", len(block), CHKBlockSize)
	}
	if err := opts.check(); err != nil {
		return URI{}, err
	}
	// P = meta || data || zero padding is never built: it is hashed and
	// encrypted piece by piece, straight from data and zeroPad into block.
	var meta [4]byte
	binary.BigEndian.PutUint16(meta[0:2], uint16(len(data)))
	pad := zeroPad[:CHKDataSize-len(data)]

	u := URI{Type: CHK, Extra: chkExtra(opts)}
	u.CryptoKey = hashLabelled(LabelCHKKey, meta[:], data, pad)
	block[0], block[1], block[2], block[3] = blockVersion, byte(CHK), byte(AlgV1), 0
	stream := newCTR(&u.CryptoKey, nil)
	stream.XORKeyStream(block[4:8], meta[:])
	stream.XORKeyStream(block[8:8+len(data)], data)
	stream.XORKeyStream(block[8+len(data):], pad)
	u.Key = hashLabelled(LabelCHKRouting, block)
	return u, nil
}

// chkExtra returns the extra field of a CHK URI (its first CHKExtraSize bytes).
func chkExtra(opts EncodeOptions) [ExtraSize]byte {
	e := [ExtraSize]byte{0: extraVersion, chkExtraAlg: byte(AlgV1), chkExtraCodec: byte(opts.Codec)}
	if opts.Codec != CodecNone {
		e[chkExtraFlags] |= chkFlagCompressed
	}
	if opts.Control {
		e[chkExtraFlags] |= chkFlagControl
	}
	return e
}

// verifyCHK checks a CHK block against its routing key.
func verifyCHK(rk RoutingKey, block []byte) error {
	if len(block) != CHKBlockSize {
		return errorf(CodeInvalidBlock, "", "CHK block is %d bytes, want %d", len(block), CHKBlockSize)
	}
	if err := checkHeader(block, CHK); err != nil {
		return err
	}
	got := hashLabelled(LabelCHKRouting, block)
	if subtle.ConstantTimeCompare(got[:], rk[:]) != 1 {
		return errorf(CodeInvalidBlock, "", "CHK block does not hash to its routing key %s", rk)
	}
	return nil
}

// checkHeader checks the version, type, algorithm and reserved bytes every
// block starts with.
func checkHeader(block []byte, t KeyType) error {
	switch {
	case block[0] != blockVersion:
		return errorf(CodeInvalidBlock, "", "unknown block version %d", block[0])
	case KeyType(block[1]) != t:
		return errorf(CodeInvalidBlock, "", "block type %d, want %d (%s)", block[1], t, t)
	case Algorithm(block[2]) != AlgV1:
		return errorf(CodeInvalidBlock, "", "unknown block algorithm %d", block[2])
	case block[3] != 0:
		return errorf(CodeInvalidBlock, "", "reserved header byte is %d, want 0", block[3])
	}
	return nil
}

// decodeCHK decrypts block with u. It checks the size and header but does
// not hash the block against the routing key: the check that the plaintext
// hashes to the crypto key (rule D2) already rejects any block other than the
// one the routing key names, since a different ciphertext decrypts to a
// different plaintext, and matching its hash would take a BLAKE3 second
// preimage. That saves a third hash pass per block on every fetch.
func decodeCHK(block []byte, u URI) (Data, error) {
	return decodeCHKTo(make([]byte, CHKDataSize), block, u)
}

// DecodeCHKTo is Decode for a CHK URI u, decrypting into dst, which must be
// CHKDataSize bytes long; the returned Bytes alias dst (dst[:n]). On success
// dst[n:] is all zeros, so dst is the block's zero-padded payload. It lets a
// fetch reuse its buffers; a dst of the wrong size is refused.
func DecodeCHKTo(dst, block []byte, u URI) (Data, error) {
	if u.Type != CHK {
		return Data{}, errorf(CodeInvalidArgument, "", "DecodeCHKTo needs a CHK URI, not %s", u.Type)
	}
	if len(dst) != CHKDataSize {
		return Data{}, errorf(CodeInvalidArgument, "", "DecodeCHKTo buffer is %d bytes, want %d", len(dst), CHKDataSize)
	}
	return decodeCHKTo(dst, block, u)
}

func decodeCHKTo(out, block []byte, u URI) (Data, error) {
	if len(block) != CHKBlockSize {
		return Data{}, errorf(CodeInvalidBlock, "", "CHK block is %d bytes, want %d", len(block), CHKBlockSize)
	}
	if err := checkHeader(block, CHK); err != nil {
		return Data{}, err
	}
	// Decrypt the meta field apart and the payload straight into the buffer
	// that is returned (no copy).
	var meta [4]byte
	stream := newCTR(&u.CryptoKey, nil)
	stream.XORKeyStream(meta[:], block[4:8])
	stream.XORKeyStream(out, block[8:])
	// The convergent key must be the hash of what it decrypts to; anything else
	// means the URI's crypto key is wrong.
	want := hashLabelled(LabelCHKKey, meta[:], out)
	if subtle.ConstantTimeCompare(want[:], u.CryptoKey[:]) != 1 {
		return Data{}, errorf(CodeDecode, EncodeBase64(u.CryptoKey[:]), "crypto key does not decrypt this CHK block")
	}
	// A malicious inserter can hash any P honestly, so the layout rules are
	// checked too: one plaintext has exactly one block.
	n, err := checkPlain(meta, out, CHKDataSize)
	if err != nil {
		return Data{}, err
	}
	if meta[2] != 0 || meta[3] != 0 {
		return Data{}, errorf(CodeDecode, "", "CHK meta field: reserved bytes are not zero")
	}
	return Data{Bytes: out[:n:n], Codec: u.Codec(), Control: u.IsControl()}, nil
}

// checkPlain checks the length field of a decrypted meta field against its
// payload (data then padding) and that the padding is all zero; it returns the
// data length.
func checkPlain(meta [4]byte, payload []byte, max int) (int, error) {
	n := int(binary.BigEndian.Uint16(meta[0:2]))
	if n > max {
		return 0, errorf(CodeDecode, "", "length field %d exceeds the payload size %d", n, max)
	}
	for _, b := range payload[n:] {
		if b != 0 {
			return 0, errorf(CodeDecode, "", "padding after %d data bytes is not zero", n)
		}
	}
	return n, nil
}

// ctrXOR sets dst = src XOR AES-256-CTR(key, iv) (iv nil means all zero).
func ctrXOR(key *[KeySize]byte, iv []byte, dst, src []byte) {
	newCTR(key, iv).XORKeyStream(dst, src)
}

// newCTR returns the AES-256-CTR key stream for key and iv (nil: all zero).
func newCTR(key *[KeySize]byte, iv []byte) cipher.Stream {
	c, err := aes.NewCipher(key[:])
	if err != nil {
		panic("keys: " + err.Error()) // unreachable: the key is 32 bytes
	}
	if iv == nil {
		var zero [aes.BlockSize]byte
		iv = zero[:]
	}
	return cipher.NewCTR(c, iv)
}
