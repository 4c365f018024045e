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
	// ExtraSize is the size of a URI's extra field.
	ExtraSize = 4
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

// Algorithm identifies the cryptographic construction of a key (extra byte 1).
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

// Extra-field layout (docs/keys.md §4).
const (
	extraVersion = 1

	chkFlagCompressed = 1 << 0 // CHK: the plaintext is compressed with the codec in byte 3
	chkFlagControl    = 1 << 1 // CHK: the plaintext is a metadata (control) document
	chkFlagsKnown     = chkFlagCompressed | chkFlagControl

	sskFlagInsert = 1 << 0 // SSK/USK: the first field is the private key (insert URI)
	sskFlagsKnown = sskFlagInsert
)

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
	// Extra holds the version, algorithm and flags bytes (CHK, SSK, USK).
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
	return (u.Type == SSK || u.Type == USK) && u.Extra[2]&sskFlagInsert != 0
}

// Codec returns the compression codec recorded in a CHK URI.
func (u URI) Codec() Codec {
	if u.Type != CHK {
		return CodecNone
	}
	return Codec(u.Extra[3])
}

// IsControl reports whether a CHK URI points at a metadata (control) document.
func (u URI) IsControl() bool { return u.Type == CHK && u.Extra[2]&chkFlagControl != 0 }

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
		b.WriteString(EncodeBase64(u.Extra[:]))
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
// without a '/' after its keys is accepted as having an empty document name.
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
	if err := decodeField(u.Extra[:], fields[2], "extra"); err != nil {
		return URI{}, err
	}
	if err := checkExtra(u.Type, u.Extra, fields[2]); err != nil {
		return URI{}, err
	}
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

// checkExtra applies the MUST-reject rules for the extra field of type t.
func checkExtra(t KeyType, e [ExtraSize]byte, field string) error {
	if e[0] != extraVersion {
		return errorf(CodeInvalidURI, field, "extra: unknown version %d (want %d)", e[0], extraVersion)
	}
	if Algorithm(e[1]) != AlgV1 {
		return errorf(CodeInvalidURI, field, "extra: unknown algorithm %d (want %d)", e[1], AlgV1)
	}
	switch t {
	case CHK:
		if e[2]&^chkFlagsKnown != 0 {
			return errorf(CodeInvalidURI, field, "extra: unknown CHK flags %#02x", e[2]&^chkFlagsKnown)
		}
		codec := Codec(e[3])
		if !codec.known() {
			return errorf(CodeInvalidURI, field, "extra: unknown compression codec %d", e[3])
		}
		if (e[2]&chkFlagCompressed != 0) != (codec != CodecNone) {
			return errorf(CodeInvalidURI, field, "extra: compressed flag and codec %d disagree", e[3])
		}
	case SSK, USK:
		if e[2]&^sskFlagsKnown != 0 {
			return errorf(CodeInvalidURI, field, "extra: unknown SSK flags %#02x", e[2]&^sskFlagsKnown)
		}
		if e[3] != 0 {
			return errorf(CodeInvalidURI, field, "extra: reserved byte is %d, want 0", e[3])
		}
	}
	return nil
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
