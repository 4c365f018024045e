package vectorcheck

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// docs/keys.md, from §2 (primitives) to §9 (KSK).

// Sizes of docs/keys.md §4–§6.
const (
	chkDataSize  = 32768
	chkBlockSize = 4 + 4 + chkDataSize // 32776
	sskDataSize  = 1024
	sskHeader    = 4 + 32 + 16 + 4 // 56
	sskBlockSize = sskHeader + sskDataSize + 64 + 32
	maxURILen    = 8192
	maxKeyword   = 1024
)

// The labels of docs/keys.md §2.
const (
	labelCHKKey     = "hams/v1/chk/key"
	labelCHKRouting = "hams/v1/chk/routing"
	labelPubKey     = "hams/v1/ssk/pubkey"
	labelDocName    = "hams/v1/ssk/docname"
	labelSSKRouting = "hams/v1/ssk/routing"
	labelDataKey    = "hams/v1/ssk/datakey"
	labelIV         = "hams/v1/ssk/iv"
	labelSignature  = "hams/v1/ssk/signature"
	labelKSKSalt    = "hams/v1/ksk/salt"
)

// freenetB64 is Freenet's base64: RFC 4648 with '+' → '~', '/' → '-', no
// padding; Strict rejects unused trailing bits that are not zero (U4).
var freenetB64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~-").
	WithPadding(base64.NoPadding).Strict()

func b64(b []byte) string { return freenetB64.EncodeToString(b) }

// labelled returns u8(len(label)) || label || parts….
func labelled(label string, parts ...[]byte) []byte {
	b := append([]byte{byte(len(label))}, label...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// hashL is H(label, parts…) of §2.
func hashL(label string, parts ...[]byte) [32]byte {
	return blake3Sum(labelled(label, parts...))
}

// macL is MAC(key, label, parts…) of §2.
func macL(key [32]byte, label string, parts ...[]byte) [32]byte {
	return blake3Keyed(key, labelled(label, parts...))
}

// aesCTR is AES-CTR(k, iv, x) of §2.
func aesCTR(key [32]byte, iv []byte, x []byte) []byte {
	c, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(x))
	cipher.NewCTR(c, iv).XORKeyStream(out, x)
	return out
}

// plaintext builds P = u16be(len(data)) || b2 || b3 || data || zeros, of
// size+4 bytes.
func plaintext(data []byte, b2, b3 byte, size int) []byte {
	p := make([]byte, size+4)
	binary.BigEndian.PutUint16(p, uint16(len(data)))
	p[2], p[3] = b2, b3
	copy(p[4:], data)
	return p
}

// chkExtra is the CHK extra field of §3.3.
func chkExtra(codec int, control bool) [4]byte {
	e := [4]byte{1, 1, 0, byte(codec)}
	if codec != 0 {
		e[2] |= 1
	}
	if control {
		e[2] |= 2
	}
	return e
}

// encodeCHK is §5: the block and the URI's routing key R and crypto key K.
func encodeCHK(data []byte) (block []byte, r, k [32]byte, err error) {
	if len(data) > chkDataSize {
		return nil, r, k, fmt.Errorf("vectorcheck: %d bytes do not fit a CHK", len(data))
	}
	p := plaintext(data, 0, 0, chkDataSize)
	k = hashL(labelCHKKey, p)
	block = append([]byte{1, 1, 1, 0}, aesCTR(k, make([]byte, 16), p)...)
	r = hashL(labelCHKRouting, block)
	return block, r, k, nil
}

// chkURI writes CHK@b64(R),b64(K),b64(extra) (§5 step 6).
func chkURI(r, k [32]byte, codec int, control bool) string {
	e := chkExtra(codec, control)
	return "CHK@" + b64(r[:]) + "," + b64(k[:]) + "," + b64(e[:])
}

// sskPublic returns A and PKH of §6.1 for a seed.
func sskPublic(seed [32]byte) (a ed25519.PublicKey, pkh [32]byte) {
	a = ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	return a, hashL(labelPubKey, a)
}

// sskRouting is E and R of §6.2 steps 1–2.
func sskRouting(pkh, ck [32]byte, docName string) (e, r [32]byte) {
	e = macL(ck, labelDocName, []byte(docName))
	return e, hashL(labelSSKRouting, pkh[:], e[:])
}

// encodeSSK is §6.2: the block for seed, crypto key and document name, and
// its routing key.
func encodeSSK(seed, ck [32]byte, docName string, data []byte, codec int, control bool) (block []byte, r [32]byte, err error) {
	if len(data) > sskDataSize {
		return nil, r, fmt.Errorf("vectorcheck: %d bytes do not fit an SSK", len(data))
	}
	a, pkh := sskPublic(seed)
	e, r := sskRouting(pkh, ck, docName)
	dk := macL(ck, labelDataKey, e[:])
	var flags byte
	if control {
		flags = 1
	}
	p := plaintext(data, flags, byte(codec), sskDataSize)
	mac := macL(ck, labelIV, e[:], p)
	iv := mac[:16]
	c := aesCTR(dk, iv, p)
	block = append([]byte{1, 2, 1, 0}, e[:]...)
	block = append(block, iv...)
	block = append(block, c...) // header (56 bytes) and payload (1024)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(seed[:]), labelled(labelSignature, block))
	block = append(block, sig...)
	block = append(block, a...)
	return block, r, nil
}

// kskCache remembers kskKeys: each derivation costs 64 MiB and three passes.
var kskCache = struct {
	sync.Mutex
	m map[string][64]byte
}{m: map[string][64]byte{}}

// kskKeys is §9 steps 1–2.
func kskKeys(keyword string) (seed, ck [32]byte) {
	kskCache.Lock()
	defer kskCache.Unlock()
	out, ok := kskCache.m[keyword]
	if !ok {
		out = [64]byte(argon2.IDKey([]byte(keyword), []byte(labelKSKSalt), 3, 64*1024, 4, 64))
		kskCache.m[keyword] = out
	}
	copy(seed[:], out[:32])
	copy(ck[:], out[32:])
	return seed, ck
}

// verifyBlock applies §7.1 and returns the rule a block breaks, or "".
func verifyBlock(r [32]byte, block []byte) string {
	if len(block) < 4 {
		return "B1"
	}
	switch {
	case block[0] != 1:
		return "B2"
	case block[1] != 1 && block[1] != 2:
		return "B3"
	case block[2] != 1:
		return "B4"
	case block[3] != 0:
		return "B5"
	case block[1] == 1 && len(block) != chkBlockSize, block[1] == 2 && len(block) != sskBlockSize:
		return "B1"
	}
	if block[1] == 1 {
		got := hashL(labelCHKRouting, block)
		if subtle.ConstantTimeCompare(got[:], r[:]) != 1 {
			return "B6"
		}
		return ""
	}
	signed := sskHeader + sskDataSize // 1080
	sig, a := block[signed:signed+64], block[signed+64:]
	pkh := hashL(labelPubKey, a)
	got := hashL(labelSSKRouting, pkh[:], block[4:36])
	if subtle.ConstantTimeCompare(got[:], r[:]) != 1 {
		return "B7"
	}
	if !ed25519.Verify(a, labelled(labelSignature, block[:signed]), sig) {
		return "B8"
	}
	return ""
}

// decoded is what a block decodes to with its URI.
type decoded struct {
	data    []byte
	codec   int
	control bool
}

// checkPlaintext applies D4 and D5 to P and returns its data.
func checkPlaintext(p []byte, size int) ([]byte, string) {
	n := int(binary.BigEndian.Uint16(p))
	if n > size {
		return nil, "D4"
	}
	if bytes.ContainsFunc(p[4+n:], func(r rune) bool { return r != 0 }) {
		return nil, "D5"
	}
	return p[4 : 4+n], ""
}

// decodeBlock applies §5/§6.2 decoding and §7.2; it returns the rule the
// block breaks, or "".
func decodeBlock(block []byte, u *refURI) (decoded, string) {
	if u.Type == "CHK" {
		// §5: B1–B5 only; D2 covers the hash (an R that names another
		// block gives a P that does not hash to K).
		if rule := verifyBlock(u.Key, block); rule != "" && rule != "B6" {
			return decoded{}, "D1"
		}
		if block[1] != 1 {
			return decoded{}, "D1"
		}
		p := aesCTR(u.Crypto, make([]byte, 16), block[4:])
		if hashL(labelCHKKey, p) != u.Crypto {
			return decoded{}, "D2"
		}
		if p[2] != 0 || p[3] != 0 {
			return decoded{}, "D6"
		}
		data, rule := checkPlaintext(p, chkDataSize)
		if rule != "" {
			return decoded{}, rule
		}
		return decoded{data: data, codec: int(u.Extra[3]), control: u.Extra[2]&2 != 0}, ""
	}
	pkh, ck, docName, ok := u.sskAddress()
	if !ok {
		return decoded{}, "D1"
	}
	e, r := sskRouting(pkh, ck, docName)
	if verifyBlock(r, block) != "" || block[1] != 2 {
		return decoded{}, "D1"
	}
	dk := macL(ck, labelDataKey, e[:])
	iv := block[36:52]
	p := aesCTR(dk, iv, block[52:sskHeader+sskDataSize])
	if mac := macL(ck, labelIV, e[:], p); !bytes.Equal(mac[:16], iv) {
		return decoded{}, "D3"
	}
	if p[2]&^1 != 0 {
		return decoded{}, "D6"
	}
	if p[3] > 1 {
		return decoded{}, "D7"
	}
	data, rule := checkPlaintext(p, sskDataSize)
	if rule != "" {
		return decoded{}, rule
	}
	return decoded{data: data, codec: int(p[3]), control: p[2]&1 != 0}, ""
}

// refURI is a parsed URI of §3.
type refURI struct {
	Type    string // CHK, SSK, USK or KSK
	Key     [32]byte
	Crypto  [32]byte
	Extra   []byte // §3.3: 4 bytes (CHK) or 5 (SSK, USK; a legacy 4-byte input is stored as its 5-byte form)
	Name    string // SSK document name, USK site, KSK keyword
	Edition int64  // USK
	Meta    []string
}

func (u *refURI) insert() bool { return (u.Type == "SSK" || u.Type == "USK") && u.Extra[1] == 1 }

// sskExtra is the 5-byte SSK/USK extra field of §3.3: version 1, the insert
// flag, algorithm 1, hash algorithm u16be(1).
func sskExtra(insert bool) []byte {
	e := []byte{1, 0, 1, 0, 1}
	if insert {
		e[1] = 1
	}
	return e
}

// docName is the SSK document name a URI's block is stored under (§8, §9).
func (u *refURI) docName() (string, bool) {
	switch u.Type {
	case "SSK":
		return u.Name, true
	case "USK":
		return u.Name + "-" + strconv.FormatInt(u.Edition, 10), u.Edition >= 0
	}
	return "", false
}

// sskAddress returns the public key hash, crypto key and document name of
// the SSK block an SSK, USK or KSK URI (request or insert) names; ok is
// false for a CHK and a negative USK edition (a search, §8).
func (u *refURI) sskAddress() (pkh, ck [32]byte, docName string, ok bool) {
	pkh, ck = u.Key, u.Crypto
	switch {
	case u.Type == "KSK":
		var seed [32]byte
		seed, ck = kskKeys(u.Name)
		_, pkh = sskPublic(seed)
		return pkh, ck, "", true
	case u.insert():
		_, pkh = sskPublic(u.Key)
	}
	docName, ok = u.docName()
	return pkh, ck, docName, ok
}

// String writes the canonical form of §3.2.
func (u *refURI) String() string {
	var b strings.Builder
	b.WriteString(u.Type + "@")
	if u.Type == "KSK" {
		b.WriteString(u.Name)
	} else {
		b.WriteString(b64(u.Key[:]) + "," + b64(u.Crypto[:]) + "," + b64(u.Extra))
		switch u.Type {
		case "SSK":
			b.WriteString("/" + u.Name)
		case "USK":
			b.WriteString("/" + u.Name + "/" + strconv.FormatInt(u.Edition, 10))
		}
	}
	for _, m := range u.Meta {
		b.WriteString("/" + m)
	}
	return b.String()
}

// uriError is a URI a parser MUST reject, with the rule of §3.4.
type uriError struct{ rule, msg string }

func (e *uriError) Error() string { return e.rule + ": " + e.msg }

func uriErr(rule, format string, a ...any) error {
	return &uriError{rule, fmt.Sprintf(format, a...)}
}

// parseURI parses s by §3.1 and §3.4.
func parseURI(s string) (*refURI, error) {
	if len(s) > maxURILen {
		return nil, uriErr("U18", "%d bytes", len(s))
	}
	if len(s) >= 8 && strings.EqualFold(s[:8], "freenet:") {
		s = s[8:]
	}
	typ, rest, ok := strings.Cut(s, "@")
	if !ok {
		return nil, uriErr("U1", "no '@'")
	}
	u := &refURI{Type: strings.ToUpper(typ)}
	switch u.Type {
	case "CHK", "SSK", "USK":
	case "KSK":
		kw, path, _ := strings.Cut(rest, "/")
		if kw == "" || len(kw) > maxKeyword {
			return nil, uriErr("U16", "keyword of %d bytes", len(kw))
		}
		u.Name = kw
		if err := checkText(kw); err != nil {
			return nil, err
		}
		if strings.Contains(rest, "/") {
			u.Meta = strings.Split(path, "/")
		}
		return u, checkTexts(u.Meta)
	default:
		return nil, uriErr("U1", "key type %q", typ)
	}
	keyPart, path, hasPath := strings.Cut(rest, "/")
	fields := strings.Split(keyPart, ",")
	if len(fields) != 3 {
		return nil, uriErr("U2", "%d key fields", len(fields))
	}
	var raw [3][]byte
	for i, f := range fields {
		for _, c := range []byte(f) {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~-", rune(c)) {
				return nil, uriErr("U3", "character %q", c)
			}
		}
		b, err := freenetB64.DecodeString(f)
		if err != nil {
			if len(f)%4 == 1 {
				return nil, uriErr("U3", "%d characters", len(f))
			}
			return nil, uriErr("U4", "%v", err)
		}
		raw[i] = b
	}
	e := raw[2]
	ssk := u.Type != "CHK"
	if len(raw[0]) != 32 || len(raw[1]) != 32 || !ssk && len(e) != 4 || ssk && len(e) != 5 && len(e) != 4 {
		return nil, uriErr("U5", "field lengths %d, %d, %d", len(raw[0]), len(raw[1]), len(e))
	}
	copy(u.Key[:], raw[0])
	copy(u.Crypto[:], raw[1])
	// The algorithm is byte 2 of a 5-byte SSK/USK extra, byte 1 otherwise.
	alg := e[1]
	if len(e) == 5 {
		alg = e[2]
	}
	switch {
	case e[0] != 1:
		return nil, uriErr("U6", "version %d", e[0])
	case alg != 1:
		return nil, uriErr("U7", "algorithm %d", alg)
	}
	switch {
	case !ssk:
		u.Extra = e
	case len(e) == 5:
		switch {
		case e[1] > 1:
			return nil, uriErr("U11", "insert flag %d", e[1])
		case binary.BigEndian.Uint16(e[3:]) != 1:
			return nil, uriErr("U12", "hash algorithm %d", binary.BigEndian.Uint16(e[3:]))
		}
		u.Extra = e
	default: // the legacy form [1, 1, flags, reserved]
		switch {
		case e[2]&^1 != 0:
			return nil, uriErr("U11", "legacy flags %#x", e[2])
		case e[3] != 0:
			return nil, uriErr("U12", "legacy reserved byte %d", e[3])
		}
		u.Extra = sskExtra(e[2] == 1)
	}
	var parts []string
	if hasPath {
		parts = strings.Split(path, "/")
	}
	switch u.Type {
	case "CHK":
		flags, codec := e[2], e[3]
		switch {
		case flags&^3 != 0:
			return nil, uriErr("U8", "flags %#x", flags)
		case codec > 1:
			return nil, uriErr("U9", "codec %d", codec)
		case (flags&1 != 0) != (codec != 0):
			return nil, uriErr("U10", "flags %#x with codec %d", flags, codec)
		}
		u.Meta = parts
	case "SSK", "USK":
		if u.Type == "SSK" {
			if len(parts) > 0 {
				u.Name, u.Meta = parts[0], parts[1:]
			}
			break
		}
		if len(parts) < 2 {
			return nil, uriErr("U13", "no site and edition")
		}
		if parts[0] == "" {
			return nil, uriErr("U15", "empty site")
		}
		ed, err := parseEdition(parts[1])
		if err != nil {
			return nil, err
		}
		u.Name, u.Edition, u.Meta = parts[0], ed, parts[2:]
	}
	if u.Type != "CHK" {
		if err := checkText(u.Name); err != nil {
			return nil, err
		}
	}
	return u, checkTexts(u.Meta)
}

// parseEdition reads a canonical decimal int64 (U14).
func parseEdition(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" || (digits[0] == '0' && (len(digits) > 1 || digits != s)) {
		return 0, uriErr("U14", "edition %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, uriErr("U14", "edition %q", s)
	}
	return n, nil
}

func checkTexts(ss []string) error {
	for _, s := range ss {
		if err := checkText(s); err != nil {
			return err
		}
	}
	return nil
}

// checkText is U17.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return uriErr("U17", "%q is not UTF-8", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return uriErr("U17", "control character in %q", s)
		}
	}
	return nil
}
