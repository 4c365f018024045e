package keys

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// KeyType is the type of a key: what the part of a URI before '@' names.
type KeyType uint8

// The key types. The numbers are also the block type byte of the blocks they
// fetch (a USK or KSK fetches an SSK block).
const (
	CHK KeyType = 1 // content hash key: immutable, named by its content
	SSK KeyType = 2 // signed subspace key: a document signed by a keypair
	USK KeyType = 3 // updatable subspace key: numbered editions of an SSK
	KSK KeyType = 4 // keyword signed key: an SSK whose keypair comes from a keyword
)

// String returns "CHK", "SSK", "USK" or "KSK".
func (t KeyType) String() string {
	switch t {
	case CHK:
		return "CHK"
	case SSK:
		return "SSK"
	case USK:
		return "USK"
	case KSK:
		return "KSK"
	}
	return "KeyType(" + strconv.Itoa(int(t)) + ")"
}

// Sizes of the binary fields of a URI.
const (
	// KeySize is the size of a routing key, public key hash, private key seed
	// and crypto key.
	KeySize = 32
	// ExtraSize is the size of URI.Extra: the longest extra field, that of
	// an SSK or USK URI (Hyphanet's 5-byte layout, docs/keys.md §3.3).
	ExtraSize = 5
	// CHKExtraSize is the size of a CHK URI's extra field. It is held in
	// URI.Extra[:CHKExtraSize]; the rest of URI.Extra is zero.
	CHKExtraSize = 4
	// MaxURILength is the longest URI Parse accepts, in bytes.
	MaxURILength = 8192
	// MaxKeywordLength is the longest KSK keyword, in bytes.
	MaxKeywordLength = 1024
)

// RoutingKey is what a block is stored and routed by: for a CHK the hash of
// its block, for an SSK (and so a USK or KSK) a hash of its public key hash and
// its hidden document name.
type RoutingKey [KeySize]byte

// String returns the routing key in Freenet base64.
func (k RoutingKey) String() string { return EncodeBase64(k[:]) }

// Algorithm identifies the cryptographic construction of a key: extra byte 1
// of a CHK URI, extra byte 2 of an SSK or USK URI.
type Algorithm uint8

// AlgV1 is hams/v1: BLAKE3-256, AES-256-CTR and Ed25519, as in docs/keys.md.
const AlgV1 Algorithm = 1

// Codec identifies the compression applied to the plaintext before encoding.
// The block codec records it and never compresses; the client layer does.
type Codec uint8

// Compression codecs. A decoder MUST reject an id it does not know.
const (
	CodecNone Codec = 0 // not compressed
	CodecGzip Codec = 1 // gzip, RFC 1952
)

func (c Codec) known() bool { return c == CodecNone || c == CodecGzip }

// Extra-field layout (docs/keys.md §3.3).
const (
	extraVersion = 1 // byte 0 of every extra field

	// CHK: [version, algorithm, flags, codec].
	chkExtraAlg       = 1
	chkExtraFlags     = 2
	chkExtraCodec     = 3
	chkFlagCompressed = 1 << 0 // the plaintext is compressed with the codec in byte 3
	chkFlagControl    = 1 << 1 // the plaintext is a metadata (control) document
	chkFlagsKnown     = chkFlagCompressed | chkFlagControl

	// SSK, USK: [version, insert, algorithm, hash algorithm (u16be)], the
	// layout of Hyphanet's ClientSSK and InsertableClientSSK.
	sskExtraInsert = 1 // 1: the key field is the private key (insert URI); 0: request URI
	sskExtraAlg    = 2
	sskExtraHash   = 3 // bytes 3–4
	// sskHashAlg is the only hash-algorithm value hams/v1 writes or accepts.
	// The algorithm byte fixes the whole construction (BLAKE3 included); the
	// field is kept so the extra has Hyphanet's shape.
	sskHashAlg = 1

	// The legacy SSK/USK extra, still accepted on input:
	// [version, algorithm, flags, reserved 0], insert flag in bit 0 of flags.
	legacySSKExtraSize  = 4
	legacySSKFlagInsert = 1 << 0
)

// sskExtra returns the extra field of an SSK or USK URI of hams/v1.
func sskExtra(insert bool) [ExtraSize]byte {
	e := [ExtraSize]byte{0: extraVersion, sskExtraAlg: byte(AlgV1), sskExtraHash: sskHashAlg >> 8, sskExtraHash + 1: sskHashAlg & 0xff}
	if insert {
		e[sskExtraInsert] = 1
	}
	return e
}

// URI is a parsed hams URI. The zero value is not a valid URI; obtain one from
// Parse, EncodeCHK, GenerateSSK, NewKSK or the methods below.
type URI struct {
	// Type is the key type.
	Type KeyType
	// Key is, for a CHK, the routing key; for an SSK or USK request URI the
	// public key hash; for an SSK or USK insert URI the Ed25519 private key
	// seed. Unused for a KSK.
	Key [KeySize]byte
	// CryptoKey decrypts the block (CHK, SSK, USK). Unused for a KSK.
	CryptoKey [KeySize]byte
	// Extra is the extra field (CHK, SSK, USK; zero for a KSK), laid out
	// as docs/keys.md §3.3 says: for an SSK or USK all ExtraSize bytes
	// [version, insert flag, algorithm, hash algorithm (2 bytes)], for a
	// CHK the first CHKExtraSize bytes [version, algorithm, flags, codec]
	// and a zero byte. ExtraBytes returns the part a URI writes.
	Extra [ExtraSize]byte
	// Name is the SSK document name, the USK site name or the KSK keyword.
	Name string
	// Edition is the USK edition; negative means "the latest edition from
	// -Edition on".
	Edition int64
	// Meta are the meta-strings: the path components after the key (CHK) or
	// after the name (SSK, KSK) or edition (USK). Nil when there are none.
	Meta []string
}

// IsInsert reports whether u is an SSK or USK insert URI, which holds the
// private key and must stay secret.
func (u URI) IsInsert() bool {
	return (u.Type == SSK || u.Type == USK) && u.Extra[sskExtraInsert] == 1
}

// ExtraBytes returns the extra field as u's string form writes it:
// CHKExtraSize bytes for a CHK, ExtraSize bytes for an SSK or USK, nil for
// a KSK. The slice is a copy.
func (u URI) ExtraBytes() []byte {
	switch u.Type {
	case CHK:
		return append([]byte(nil), u.Extra[:CHKExtraSize]...)
	case SSK, USK:
		return append([]byte(nil), u.Extra[:]...)
	}
	return nil
}

// Codec returns the compression codec recorded in a CHK URI.
func (u URI) Codec() Codec {
	if u.Type != CHK {
		return CodecNone
	}
	return Codec(u.Extra[chkExtraCodec])
}

// IsControl reports whether a CHK URI points at a metadata (control) document.
func (u URI) IsControl() bool { return u.Type == CHK && u.Extra[chkExtraFlags]&chkFlagControl != 0 }

// Equal reports whether u and v are the same URI.
func (u URI) Equal(v URI) bool {
	if u.Type != v.Type || u.Key != v.Key || u.CryptoKey != v.CryptoKey || u.Extra != v.Extra ||
		u.Name != v.Name || u.Edition != v.Edition || len(u.Meta) != len(v.Meta) {
		return false
	}
	for i := range u.Meta {
		if u.Meta[i] != v.Meta[i] {
			return false
		}
	}
	return true
}

// String returns the canonical form of u: no "freenet:" prefix, upper-case
// type, Freenet base64 fields, meta-strings joined by '/'. Parse(u.String())
// returns u, and for a canonical string s, Parse(s).String() == s.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString(u.Type.String())
	b.WriteByte('@')
	switch u.Type {
	case KSK:
		b.WriteString(u.Name)
	default:
		b.WriteString(EncodeBase64(u.Key[:]))
		b.WriteByte(',')
		b.WriteString(EncodeBase64(u.CryptoKey[:]))
		b.WriteByte(',')
		b.WriteString(EncodeBase64(u.ExtraBytes()))
		switch u.Type {
		case SSK:
			b.WriteByte('/')
			b.WriteString(u.Name)
		case USK:
			b.WriteByte('/')
			b.WriteString(u.Name)
			b.WriteByte('/')
			b.WriteString(strconv.FormatInt(u.Edition, 10))
		}
	}
	for _, m := range u.Meta {
		b.WriteByte('/')
		b.WriteString(m)
	}
	return b.String()
}

// Parse parses a CHK, SSK, USK or KSK URI, with or without a "freenet:"
// prefix. The key type and prefix are matched without regard to case. An SSK
// without a '/' after its keys is accepted as having an empty document name,
// and an SSK or USK with the legacy 4-byte extra field as the same URI with
// the 5-byte one (docs/keys.md §3.3).
// Any other deviation from docs/keys.md §3 is rejected with an *Error of code
// CodeInvalidURI that quotes the offending part.
func Parse(s string) (URI, error) {
	var u URI
	if len(s) > MaxURILength {
		return u, errorf(CodeInvalidURI, s, "URI is %d bytes, longer than %d", len(s), MaxURILength)
	}
	if len(s) >= 8 && strings.EqualFold(s[:8], "freenet:") {
		s = s[8:]
	}
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return u, errorf(CodeInvalidURI, s, "no '@' after the key type (want CHK@, SSK@, USK@ or KSK@)")
	}
	switch strings.ToUpper(s[:at]) {
	case "CHK":
		u.Type = CHK
	case "SSK":
		u.Type = SSK
	case "USK":
		u.Type = USK
	case "KSK":
		u.Type = KSK
	default:
		return u, errorf(CodeInvalidURI, s[:at], "unknown key type (want CHK, SSK, USK or KSK)")
	}
	rest := s[at+1:]

	if u.Type == KSK {
		name, path, _ := strings.Cut(rest, "/")
		if err := checkKeyword(name); err != nil {
			return URI{}, err
		}
		u.Name = name
		meta, err := splitMeta(path, strings.Contains(rest, "/"))
		if err != nil {
			return URI{}, err
		}
		u.Meta = meta
		return u, nil
	}

	keysPart, path, hasPath := strings.Cut(rest, "/")
	fields := strings.Split(keysPart, ",")
	if len(fields) != 3 {
		return URI{}, errorf(CodeInvalidURI, keysPart, "want 3 comma-separated fields (key,cryptokey,extra), got %d", len(fields))
	}
	if err := decodeField(u.Key[:], fields[0], "key"); err != nil {
		return URI{}, err
	}
	if err := decodeField(u.CryptoKey[:], fields[1], "crypto key"); err != nil {
		return URI{}, err
	}
	extra, err := parseExtra(u.Type, fields[2])
	if err != nil {
		return URI{}, err
	}
	u.Extra = extra
	comps, err := splitMeta(path, hasPath)
	if err != nil {
		return URI{}, err
	}
	switch u.Type {
	case CHK:
		u.Meta = comps
	case SSK:
		if len(comps) > 0 {
			u.Name, u.Meta = comps[0], comps[1:]
		}
	case USK:
		if len(comps) < 2 {
			return URI{}, errorf(CodeInvalidURI, rest, "a USK needs a site name and an edition: USK@key,cryptokey,extra/site/edition")
		}
		if comps[0] == "" {
			return URI{}, errorf(CodeInvalidURI, rest, "empty USK site name")
		}
		ed, err := parseEdition(comps[1])
		if err != nil {
			return URI{}, err
		}
		u.Name, u.Edition, u.Meta = comps[0], ed, comps[2:]
	}
	if len(u.Meta) == 0 {
		u.Meta = nil
	}
	return u, nil
}

// decodeField decodes one base64 field of exactly len(dst) bytes into dst.
func decodeField(dst []byte, field, what string) error {
	b, err := DecodeBase64(field)
	if err != nil {
		return errorf(CodeInvalidURI, field, "%s is not Freenet base64", what)
	}
	if len(b) != len(dst) {
		return errorf(CodeInvalidURI, field, "%s is %d bytes, want %d", what, len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

// parseExtra decodes the extra field of a URI of type t (CHK, SSK or USK)
// and applies its MUST-reject rules (docs/keys.md §3.4, U5–U12). A legacy
// 4-byte SSK or USK extra comes back in the 5-byte layout.
func parseExtra(t KeyType, field string) ([ExtraSize]byte, error) {
	var e [ExtraSize]byte
	b, err := DecodeBase64(field)
	if err != nil {
		return e, errorf(CodeInvalidURI, field, "extra is not Freenet base64")
	}
	if t == CHK {
		if len(b) != CHKExtraSize {
			return e, errorf(CodeInvalidURI, field, "extra is %d bytes, want %d for a CHK", len(b), CHKExtraSize)
		}
		copy(e[:], b)
		return e, checkCHKExtra(e, field)
	}
	switch len(b) {
	case ExtraSize:
		copy(e[:], b)
		return e, checkSSKExtra(e, field)
	case legacySSKExtraSize:
		return legacySSKExtra([legacySSKExtraSize]byte(b), field)
	}
	return e, errorf(CodeInvalidURI, field, "extra is %d bytes, want %d for an SSK or USK (or %d, the legacy form)", len(b), ExtraSize, legacySSKExtraSize)
}

func checkVersionAlg(version, alg byte, field string) error {
	if version != extraVersion {
		return errorf(CodeInvalidURI, field, "extra: unknown version %d (want %d)", version, extraVersion)
	}
	if Algorithm(alg) != AlgV1 {
		return errorf(CodeInvalidURI, field, "extra: unknown algorithm %d (want %d; Hyphanet's keys have 2 or 3, and hams cannot read their blocks)", alg, AlgV1)
	}
	return nil
}

// checkCHKExtra applies U6–U10 to a CHK extra field.
func checkCHKExtra(e [ExtraSize]byte, field string) error {
	if err := checkVersionAlg(e[0], e[chkExtraAlg], field); err != nil {
		return err
	}
	flags := e[chkExtraFlags]
	if flags&^chkFlagsKnown != 0 {
		return errorf(CodeInvalidURI, field, "extra: unknown CHK flags %#02x", flags&^chkFlagsKnown)
	}
	codec := Codec(e[chkExtraCodec])
	if !codec.known() {
		return errorf(CodeInvalidURI, field, "extra: unknown compression codec %d", codec)
	}
	if (flags&chkFlagCompressed != 0) != (codec != CodecNone) {
		return errorf(CodeInvalidURI, field, "extra: compressed flag and codec %d disagree", codec)
	}
	return nil
}

// checkSSKExtra applies U6, U7, U11 and U12 to a 5-byte SSK or USK extra.
func checkSSKExtra(e [ExtraSize]byte, field string) error {
	if err := checkVersionAlg(e[0], e[sskExtraAlg], field); err != nil {
		return err
	}
	if e[sskExtraInsert] > 1 {
		return errorf(CodeInvalidURI, field, "extra: insert flag is %d, want 0 (request URI) or 1 (insert URI)", e[sskExtraInsert])
	}
	if h := uint16(e[sskExtraHash])<<8 | uint16(e[sskExtraHash+1]); h != sskHashAlg {
		return errorf(CodeInvalidURI, field, "extra: hash algorithm is %d, want %d", h, sskHashAlg)
	}
	return nil
}

// legacySSKExtra applies U6, U7, U11 and U12 to a legacy 4-byte SSK or USK
// extra [version, algorithm, flags, reserved] and returns its 5-byte form.
func legacySSKExtra(l [legacySSKExtraSize]byte, field string) ([ExtraSize]byte, error) {
	if err := checkVersionAlg(l[0], l[1], field); err != nil {
		return [ExtraSize]byte{}, err
	}
	if l[2]&^legacySSKFlagInsert != 0 {
		return [ExtraSize]byte{}, errorf(CodeInvalidURI, field, "extra: unknown SSK flags %#02x", l[2]&^legacySSKFlagInsert)
	}
	if l[3] != 0 {
		return [ExtraSize]byte{}, errorf(CodeInvalidURI, field, "extra: reserved byte is %d, want 0", l[3])
	}
	return sskExtra(l[2]&legacySSKFlagInsert != 0), nil
}

// splitMeta splits the part after the first '/' into components. hasPath says
// whether there was a '/' at all: "CHK@k,c,e" has no components, "CHK@k,c,e/"
// has one empty one.
func splitMeta(path string, hasPath bool) ([]string, error) {
	if !hasPath {
		return nil, nil
	}
	comps := strings.Split(path, "/")
	for _, c := range comps {
		if err := checkText(c, "path component"); err != nil {
			return nil, err
		}
	}
	return comps, nil
}

// checkText rejects invalid UTF-8 and control characters, which no name or
// meta-string may hold (FCP is line-based; a NUL or newline would split it).
func checkText(s, what string) error {
	if !utf8.ValidString(s) {
		return errorf(CodeInvalidURI, s, "%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errorf(CodeInvalidURI, s, "%s holds control character %U", what, r)
		}
	}
	return nil
}

func checkKeyword(k string) error {
	if k == "" {
		return errorf(CodeInvalidURI, "KSK@", "empty keyword")
	}
	if len(k) > MaxKeywordLength {
		return errorf(CodeInvalidURI, k, "keyword is %d bytes, longer than %d", len(k), MaxKeywordLength)
	}
	return checkText(k, "keyword")
}

// parseEdition parses a USK edition in canonical decimal: no sign but '-', no
// leading zeros, no "-0", within int64.
func parseEdition(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (len(digits) > 1 && digits[0] == '0') || s == "-0" {
		return 0, errorf(CodeInvalidURI, s, "USK edition must be a decimal integer without leading zeros (negative means 'latest from')")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, errorf(CodeInvalidURI, s, "USK edition must be a decimal integer")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errorf(CodeInvalidURI, s, "USK edition out of range")
	}
	return n, nil
}
