package keys

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"io"
)

// SSK block layout (docs/keys.md §6).
const (
	// SSKDataSize is the fixed payload size of an SSK block: 1 KiB.
	SSKDataSize = 1024
	// SSKHeaderSize is the size of an SSK block's header.
	SSKHeaderSize = 56
	// SSKBlockSize is the size of an SSK block: header, payload, Ed25519
	// signature and public key.
	SSKBlockSize = SSKHeaderSize + SSKDataSize + ed25519.SignatureSize + ed25519.PublicKeySize

	sskEOff      = 4                           // E, the hidden document name
	sskIVOff     = 36                          // synthetic IV
	sskCipherOff = 52                          // ciphertext: meta (4) then payload
	sskSigOff    = SSKHeaderSize + SSKDataSize // signature
	sskPubOff    = sskSigOff + ed25519.SignatureSize
	sskPlainSize = 4 + SSKDataSize

	sskMetaFlagControl = 1 << 0 // the payload is a metadata (control) document
)

// GenerateSSK makes a new SSK keypair from rand (64 bytes: the Ed25519 seed
// and the crypto key) and returns its insert URI and request URI, both with an
// empty document name. The insert URI holds the private key: keep it secret.
func GenerateSSK(rand io.Reader) (insert, request URI, err error) {
	insert = URI{Type: SSK, Extra: sskExtra(true)}
	if _, err := io.ReadFull(rand, insert.Key[:]); err != nil {
		return URI{}, URI{}, errorf(CodeInvalidArgument, "", "reading randomness: %v", err)
	}
	if _, err := io.ReadFull(rand, insert.CryptoKey[:]); err != nil {
		return URI{}, URI{}, errorf(CodeInvalidArgument, "", "reading randomness: %v", err)
	}
	request, err = insert.RequestURI()
	return insert, request, err
}

// RequestURI returns the URI others use to fetch what u inserts: for an SSK
// or USK insert URI the same URI with the public key hash in place of the
// private key; any other URI unchanged.
func (u URI) RequestURI() (URI, error) {
	if !u.IsInsert() {
		return u, nil
	}
	pub := ed25519.NewKeyFromSeed(u.Key[:]).Public().(ed25519.PublicKey)
	return requestFor(u, hashLabelled(LabelSSKPubKeyHash, pub)), nil
}

// sskParams are the values an SSK block is derived from.
type sskParams struct {
	priv    ed25519.PrivateKey // nil for a request URI
	pkh     [KeySize]byte
	crypto  [KeySize]byte
	docName string
}

// sskParamsOf resolves an SSK, USK (at a non-negative edition) or KSK URI to
// the SSK it names.
func sskParamsOf(u URI) (sskParams, error) {
	var p sskParams
	switch u.Type {
	case SSK:
		p.docName = u.Name
	case USK:
		if u.Edition < 0 {
			return p, errorf(CodeInvalidArgument, u.String(), "a USK with a negative edition names a search, not a block")
		}
		p.docName = u.sskDocName()
	case KSK:
		seed, crypto := kskKeys(u.Name)
		p.priv = ed25519.NewKeyFromSeed(seed[:])
		p.pkh = hashLabelled(LabelSSKPubKeyHash, p.priv.Public().(ed25519.PublicKey))
		p.crypto = crypto
		return p, nil
	default:
		return p, errorf(CodeInvalidArgument, u.String(), "not an SSK, USK or KSK")
	}
	p.crypto = u.CryptoKey
	if u.IsInsert() {
		p.priv = ed25519.NewKeyFromSeed(u.Key[:])
		p.pkh = hashLabelled(LabelSSKPubKeyHash, p.priv.Public().(ed25519.PublicKey))
	} else {
		p.pkh = u.Key
	}
	return p, nil
}

// hiddenName returns E = MAC(cryptokey, LabelSSKDocName, docname).
func (p *sskParams) hiddenName() [KeySize]byte {
	return macLabelled(&p.crypto, LabelSSKDocName, []byte(p.docName))
}

func sskRoutingKey(pkh, e *[KeySize]byte) RoutingKey {
	return hashLabelled(LabelSSKRouting, pkh[:], e[:])
}

// EncodeSSK encrypts and signs data (at most SSKDataSize bytes) as the SSK
// block named by u, which must be able to sign: an SSK or USK insert URI (a
// USK at a non-negative edition) or a KSK. It returns the block and the URI
// others fetch it with. The encoding is deterministic.
func EncodeSSK(u URI, data []byte, opts EncodeOptions) ([]byte, URI, error) {
	if len(data) > SSKDataSize {
		return nil, URI{}, errorf(CodeTooBig, "", "%d bytes do not fit in an SSK block of %d", len(data), SSKDataSize)
	}
	if err := opts.check(); err != nil {
		return nil, URI{}, err
	}
	p, err := sskParamsOf(u)
	if err != nil {
		return nil, URI{}, err
	}
	if p.priv == nil {
		return nil, URI{}, errorf(CodeInvalidArgument, u.String(), "a request URI cannot sign: encode with the insert URI")
	}
	e := p.hiddenName()

	block := make([]byte, SSKBlockSize)
	block[0], block[1], block[2], block[3] = blockVersion, byte(SSK), byte(AlgV1), 0
	copy(block[sskEOff:], e[:])
	plain := block[sskCipherOff:sskSigOff]
	binary.BigEndian.PutUint16(plain[0:2], uint16(len(data)))
	if opts.Control {
		plain[2] = sskMetaFlagControl
	}
	plain[3] = byte(opts.Codec)
	copy(plain[4:], data)

	iv := macLabelled(&p.crypto, LabelSSKIV, e[:], plain)
	copy(block[sskIVOff:sskCipherOff], iv[:16])
	dataKey := macLabelled(&p.crypto, LabelSSKDataKey, e[:])
	ctrXOR(&dataKey, iv[:16], plain, plain)

	copy(block[sskSigOff:], ed25519.Sign(p.priv, sskSignedMessage(block)))
	copy(block[sskPubOff:], p.priv.Public().(ed25519.PublicKey))

	return block, requestFor(u, p.pkh), nil
}

// requestFor returns the request form of u given its public key hash,
// without deriving the public key again (that is a scalar multiplication).
func requestFor(u URI, pkh [KeySize]byte) URI {
	if !u.IsInsert() {
		return u
	}
	r := u
	r.Key = pkh
	r.Extra[sskExtraInsert] = 0
	r.Meta = append([]string(nil), u.Meta...)
	if len(r.Meta) == 0 {
		r.Meta = nil
	}
	return r
}

// sskSignedMessage returns u8(len(label)) || LabelSSKSignature || header || payload.
func sskSignedMessage(block []byte) []byte {
	msg := make([]byte, 0, 1+len(LabelSSKSignature)+sskSigOff)
	msg = append(msg, byte(len(LabelSSKSignature)))
	msg = append(msg, LabelSSKSignature...)
	return append(msg, block[:sskSigOff]...)
}

// verifySSK checks an SSK block against its routing key: layout, that the
// inline public key and hidden name hash to the routing key, and the signature.
func verifySSK(rk RoutingKey, block []byte) error {
	if len(block) != SSKBlockSize {
		return errorf(CodeInvalidBlock, "", "SSK block is %d bytes, want %d", len(block), SSKBlockSize)
	}
	if err := checkHeader(block, SSK); err != nil {
		return err
	}
	pub := ed25519.PublicKey(block[sskPubOff:])
	pkh := hashLabelled(LabelSSKPubKeyHash, pub)
	e := [KeySize]byte(block[sskEOff:sskIVOff])
	got := sskRoutingKey(&pkh, &e)
	if subtle.ConstantTimeCompare(got[:], rk[:]) != 1 {
		return errorf(CodeInvalidBlock, "", "SSK block's public key and name do not hash to its routing key %s", rk)
	}
	if !ed25519.Verify(pub, sskSignedMessage(block), block[sskSigOff:sskPubOff]) {
		return errorf(CodeInvalidBlock, "", "SSK block signature does not verify")
	}
	return nil
}

// decodeSSK verifies block as the SSK named by u and decrypts it.
func decodeSSK(block []byte, u URI) (Data, error) {
	p, err := sskParamsOf(u)
	if err != nil {
		return Data{}, err
	}
	e := p.hiddenName()
	if err := verifySSK(sskRoutingKey(&p.pkh, &e), block); err != nil {
		return Data{}, err
	}
	dataKey := macLabelled(&p.crypto, LabelSSKDataKey, e[:])
	iv := block[sskIVOff:sskCipherOff]
	plain := make([]byte, sskPlainSize)
	ctrXOR(&dataKey, iv, plain, block[sskCipherOff:sskSigOff])
	want := macLabelled(&p.crypto, LabelSSKIV, e[:], plain)
	if subtle.ConstantTimeCompare(want[:16], iv) != 1 {
		return Data{}, errorf(CodeDecode, EncodeBase64(u.CryptoKey[:]), "crypto key does not decrypt this SSK block (IV mismatch)")
	}
	n, err := checkPlain([4]byte(plain[:4]), plain[4:], SSKDataSize)
	if err != nil {
		return Data{}, err
	}
	if plain[2]&^sskMetaFlagControl != 0 {
		return Data{}, errorf(CodeDecode, "", "SSK meta field: unknown flags %#02x", plain[2]&^sskMetaFlagControl)
	}
	codec := Codec(plain[3])
	if !codec.known() {
		return Data{}, errorf(CodeDecode, "", "SSK meta field: unknown compression codec %d", plain[3])
	}
	return Data{Bytes: plain[4 : 4+n : 4+n], Codec: codec, Control: plain[2]&sskMetaFlagControl != 0}, nil
}
