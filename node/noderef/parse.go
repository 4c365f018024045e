package noderef

import (
	"bytes"
	"crypto/ed25519"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// Parse reads a noderef's text strictly: it rejects whatever breaks one of
// the MUST-reject rules of docs/noderef.md (the *Error names the rule) and
// verifies the signature. Fields may come in any order; the final LF after
// "End" may be missing. Marshal writes the canonical text of the result.
func Parse(text []byte) (Ref, error) {
	fs, err := splitText(text)
	if err != nil {
		return Ref{}, err
	}
	return parseFields(fs, true)
}

// FromFields reads a noderef from key/value pairs in any order, as FCP's
// AddPeer carries them, with the checks of Parse. A key or value holding CR
// or LF, or not UTF-8, breaks rule N1, since the pairs would not make a text.
func FromFields(fields [][2]string) (Ref, error) {
	if len(fields) > MaxFields {
		return Ref{}, errorf("N1", "", "%d fields, at most %d", len(fields), MaxFields)
	}
	for _, f := range fields {
		for _, s := range f {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") {
				return Ref{}, errorf("N1", "", "key or value %s holds CR or LF, or is not UTF-8", quote(s))
			}
		}
	}
	return parseFields(fields, true)
}

// splitText applies the text rules (N1) and splits the lines before "End"
// into key/value pairs (N2).
func splitText(text []byte) ([][2]string, error) {
	if len(text) > MaxSize {
		return nil, errorf("N1", "", "%d bytes, at most %d", len(text), MaxSize)
	}
	if !utf8.Valid(text) {
		return nil, errorf("N1", "", "not UTF-8")
	}
	if bytes.IndexByte(text, '\r') >= 0 {
		return nil, errorf("N1", "", "holds CR: lines end in LF alone")
	}
	lines := strings.Split(string(text), "\n")
	if lines[len(lines)-1] == "" { // the final LF, or no text at all
		lines = lines[:len(lines)-1]
	}
	end := slices.Index(lines, "End")
	switch {
	case end < 0:
		return nil, errorf("N1", "", "no End line")
	case end != len(lines)-1:
		return nil, errorf("N1", "", "data after the End line")
	case end > MaxFields:
		return nil, errorf("N1", "", "%d fields, at most %d", end, MaxFields)
	}
	fs := make([][2]string, end)
	for i, line := range lines[:end] {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, errorf("N2", "", "line %d (%s): no '='", i+1, quote(line))
		}
		fs[i] = [2]string{k, v}
	}
	return fs, nil
}

// parseFields applies the field rules (N1 to N11, N13) to fs and, if
// verify, the signature rule (N12). Rules are checked in order of their
// numbers, except that N2 and N3 are checked field by field in fs's order.
func parseFields(fs [][2]string, verify bool) (Ref, error) {
	if err := checkSize(fs); err != nil {
		return Ref{}, err
	}
	byKey := make(map[string]string, len(fs))
	for _, f := range fs {
		k, v := f[0], f[1]
		if !known(k) {
			if err := checkExtra(k, v); err != nil {
				return Ref{}, err
			}
		} else if v == "" {
			return Ref{}, errorf("N2", k, "empty value")
		}
		if _, dup := byKey[k]; dup {
			return Ref{}, errorf("N3", k, "key appears twice")
		}
		byKey[k] = v
	}

	var r Ref
	switch v, ok := byKey[keyVersion]; {
	case !ok:
		return Ref{}, errorf("N4", keyVersion, "missing")
	case v != strconv.Itoa(Version):
		return Ref{}, errorf("N4", keyVersion, "%s: this reader reads only version %d", quote(v), Version)
	}
	r.Version = Version

	id, err := decodeKey(byKey, keyIdentity, "N5", ed25519.PublicKeySize)
	if err != nil {
		return Ref{}, err
	}
	r.Identity = id
	noise, err := decodeKey(byKey, keyNoise, "N6", 32)
	if err != nil {
		return Ref{}, err
	}
	r.Noise = [32]byte(noise)

	loc, ok := byKey[keyLocation]
	if !ok {
		return Ref{}, errorf("N7", keyLocation, "missing")
	}
	l, ok := parseLocation(loc)
	if !ok {
		return Ref{}, errorf("N7", keyLocation, "%s: not exactly 16 lowercase hex digits", quote(loc))
	}
	r.Location = l

	if name, ok := byKey[keyName]; ok {
		if err := checkName(name); err != nil {
			return Ref{}, err
		}
		r.Name = name
	}
	if v, ok := byKey[keyTCP]; ok {
		r.TCP = strings.Split(v, ";")
		if err := checkList(keyTCP, r.TCP, checkTCP); err != nil {
			return Ref{}, err
		}
	}
	if v, ok := byKey[keyOnion]; ok {
		r.Onion = strings.Split(v, ";")
		if err := checkList(keyOnion, r.Onion, checkOnion); err != nil {
			return Ref{}, err
		}
	}
	sig, err := decodeKey(byKey, keySig, "N11", ed25519.SignatureSize)
	if err != nil {
		return Ref{}, err
	}
	r.Signature = sig

	for k, v := range byKey {
		if !known(k) {
			if r.Extra == nil {
				r.Extra = map[string]string{}
			}
			r.Extra[k] = v
		}
	}

	if verify {
		signed := make([][2]string, 0, len(fs)-1)
		for _, f := range fs {
			if f[0] != keySig {
				signed = append(signed, f)
			}
		}
		slices.SortFunc(signed, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		if !ed25519.Verify(r.Identity, signedMessage(signed), r.Signature) {
			return Ref{}, errorf("N12", keySig, "the signature does not verify")
		}
	}
	if err := parseProtocol(byKey, &r); err != nil {
		return Ref{}, err
	}
	return r, nil
}

// decodeKey decodes the field key, which must be present and hold exactly
// size bytes in Freenet base64 (strict: no padding, no unused bits set).
func decodeKey(byKey map[string]string, key, rule string, size int) ([]byte, error) {
	v, ok := byKey[key]
	if !ok {
		return nil, errorf(rule, key, "missing")
	}
	// The length check also keeps out CR and LF, which Go's base64 decoder
	// would skip.
	if len(v) != (size*8+5)/6 {
		return nil, errorf(rule, key, "%s: not %d bytes in Freenet base64", quote(v), size)
	}
	b, err := keys.DecodeBase64(v)
	if err != nil || len(b) != size {
		return nil, errorf(rule, key, "%s: not %d bytes in Freenet base64", quote(v), size)
	}
	return b, nil
}

// parseLocation reads exactly 16 lowercase hex digits.
func parseLocation(s string) (routing.Location, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var l uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			l = l<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			l = l<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return routing.Location(l), true
}
