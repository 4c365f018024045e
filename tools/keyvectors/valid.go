package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"

	"github.com/hamsnet/hams/keys"
)

// rng returns the generator's deterministic random source for a purpose.
func rng(purpose string) *rand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], "hams keyvectors "+purpose)
	return rand.NewChaCha8(seed)
}

func randBytes(purpose string, n int) []byte {
	b := make([]byte, n)
	rng(purpose).Read(b)
	return b
}

// validVectors returns one encode vector per key type and variant, and the
// parse vectors for accepted non-canonical and canonical URI forms.
func validVectors() ([]Vector, error) {
	var vs []Vector
	chk := []struct {
		name, desc string
		data       []byte
		opts       keys.EncodeOptions
	}{
		{"chk-empty", "CHK of zero bytes: the whole payload is padding", nil, keys.EncodeOptions{}},
		{"chk-text", "CHK of a short UTF-8 text (Arabic and English)", []byte("همس: hams whispers\n"), keys.EncodeOptions{}},
		{"chk-full", "CHK of exactly 32768 bytes: no padding", randBytes("chk-full", keys.CHKDataSize), keys.EncodeOptions{}},
		{"chk-gzip-control", "CHK of a gzip-compressed metadata document: flags and codec in the extra field", randBytes("chk-gzip", 300), keys.EncodeOptions{Codec: keys.CodecGzip, Control: true}},
	}
	for _, c := range chk {
		block, u, err := keys.EncodeCHK(c.data, c.opts)
		if err != nil {
			return nil, err
		}
		vs = append(vs, Vector{Name: c.name, Description: c.desc, Op: "encode", Data: hex.EncodeToString(c.data),
			Codec: int(c.opts.Codec), Control: c.opts.Control, URI: u.String(),
			RoutingKey: hex.EncodeToString(u.Key[:]), Block: hex.EncodeToString(block)})
	}

	ssk := []struct {
		name, desc string
		typ        keys.KeyType
		docName    string
		edition    int64
		data       []byte
		opts       keys.EncodeOptions
	}{
		{"ssk-text", "SSK with document name \"hello\": keypair from 64 bytes of randomness", keys.SSK, "hello", 0, []byte("السلام عليكم — peace be upon you"), keys.EncodeOptions{}},
		{"ssk-full-control-gzip", "SSK with a full 1024-byte payload, marked compressed (gzip) and control", keys.SSK, "meta", 0, randBytes("ssk-full", keys.SSKDataSize), keys.EncodeOptions{Codec: keys.CodecGzip, Control: true}},
		{"ssk-empty-name", "SSK with the empty document name", keys.SSK, "", 0, []byte("x"), keys.EncodeOptions{}},
		{"usk-edition-3", "USK site \"blog\" edition 3: the SSK block named \"blog-3\"", keys.USK, "blog", 3, []byte("third post"), keys.EncodeOptions{}},
	}
	for _, c := range ssk {
		random := randBytes(c.name, 64)
		ins, _, err := keys.GenerateSSK(bytes.NewReader(random))
		if err != nil {
			return nil, err
		}
		ins.Type, ins.Name, ins.Edition = c.typ, c.docName, c.edition
		block, req, err := keys.EncodeSSK(ins, c.data, c.opts)
		if err != nil {
			return nil, err
		}
		rk, err := keys.RoutingKeyOf(req)
		if err != nil {
			return nil, err
		}
		vs = append(vs, Vector{Name: c.name, Description: c.desc, Op: "encode", Random: hex.EncodeToString(random),
			InsertURI: ins.String(), Data: hex.EncodeToString(c.data), Codec: int(c.opts.Codec), Control: c.opts.Control,
			URI: req.String(), RoutingKey: hex.EncodeToString(rk[:]), Block: hex.EncodeToString(block)})
	}

	for _, kw := range []struct{ name, keyword string }{{"ksk-ascii", "hams-test-keyword"}, {"ksk-arabic", "أخبار"}} {
		u, err := keys.NewKSK(kw.keyword)
		if err != nil {
			return nil, err
		}
		data := []byte("keyword content: " + kw.keyword)
		block, _, err := keys.EncodeSSK(u, data, keys.EncodeOptions{})
		if err != nil {
			return nil, err
		}
		rk, err := keys.RoutingKeyOf(u)
		if err != nil {
			return nil, err
		}
		vs = append(vs, Vector{Name: kw.name, Description: "KSK: keypair and crypto key from Argon2id of the keyword", Op: "encode",
			InsertURI: u.String(), Data: hex.EncodeToString(data), URI: u.String(),
			RoutingKey: hex.EncodeToString(rk[:]), Block: hex.EncodeToString(block)})
	}

	// Parse vectors: accepted inputs and their canonical forms.
	_, chkURI, _ := keys.EncodeCHK([]byte("parse"), keys.EncodeOptions{})
	c := chkURI.String()
	ins, req, _ := keys.GenerateSSK(bytes.NewReader(randBytes("parse-ssk", 64)))
	keysOf := func(u keys.URI) string { s := u.String(); return s[4 : len(s)-1] } // "k,c,e" of an SSK URI with empty name
	// legacyKeysOf is keysOf with the legacy 4-byte extra [1, 1, flags, 0]
	// (docs/keys.md §3.3), which parses to the same URI.
	legacyKeysOf := func(u keys.URI) string {
		var flags byte
		if u.IsInsert() {
			flags = 1
		}
		return keys.EncodeBase64(u.Key[:]) + "," + keys.EncodeBase64(u.CryptoKey[:]) + "," + keys.EncodeBase64([]byte{1, 1, flags, 0})
	}
	parse := []struct{ name, desc, in, canon string }{
		{"parse-chk", "canonical CHK", c, c},
		{"parse-chk-meta", "CHK with meta-strings, one of them empty", c + "/dir//file.txt", c + "/dir//file.txt"},
		{"parse-freenet-prefix", "the freenet: prefix is accepted and dropped", "freenet:" + c, c},
		{"parse-lowercase-type", "the key type is matched without regard to case", "chk@" + c[4:], c},
		{"parse-ssk-request", "SSK request URI with document name and meta-string", "SSK@" + keysOf(req) + "/site/index.html", "SSK@" + keysOf(req) + "/site/index.html"},
		{"parse-ssk-insert", "SSK insert URI (private key in the first field, insert flag set)", "SSK@" + keysOf(ins) + "/doc", "SSK@" + keysOf(ins) + "/doc"},
		{"parse-ssk-no-slash", "SSK without '/' has the empty document name; canonical form ends in '/'", "SSK@" + keysOf(req), "SSK@" + keysOf(req) + "/"},
		{"parse-usk", "USK with edition and meta-string", "USK@" + keysOf(req) + "/blog/42/a.png", "USK@" + keysOf(req) + "/blog/42/a.png"},
		{"parse-usk-negative", "USK with a negative edition: find the latest from 5 on", "USK@" + keysOf(req) + "/blog/-5", "USK@" + keysOf(req) + "/blog/-5"},
		{"parse-ssk-legacy-extra-request", "SSK request URI with the legacy 4-byte extra (01 01 00 00): canonical form has the 5-byte one", "SSK@" + legacyKeysOf(req) + "/site", "SSK@" + keysOf(req) + "/site"},
		{"parse-ssk-legacy-extra-insert", "SSK insert URI with the legacy 4-byte extra (01 01 01 00): canonical form has the 5-byte one", "SSK@" + legacyKeysOf(ins) + "/doc", "SSK@" + keysOf(ins) + "/doc"},
		{"parse-usk-legacy-extra", "USK request URI with the legacy 4-byte extra: canonical form has the 5-byte one", "USK@" + legacyKeysOf(req) + "/blog/7", "USK@" + keysOf(req) + "/blog/7"},
		{"parse-usk-legacy-extra-insert", "USK insert URI with the legacy 4-byte extra: canonical form has the 5-byte one", "freenet:USK@" + legacyKeysOf(ins) + "/blog/-2", "USK@" + keysOf(ins) + "/blog/-2"},
		{"parse-ksk-meta", "KSK with a meta-string; the keyword ends at the first '/'", "freenet:KSK@مرحبا/page", "KSK@مرحبا/page"},
	}
	for _, p := range parse {
		u, err := keys.Parse(p.in)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p.name, err)
		}
		if u.String() != p.canon {
			return nil, fmt.Errorf("%s: canonical form %q, want %q", p.name, u.String(), p.canon)
		}
		vs = append(vs, Vector{Name: p.name, Description: p.desc, Op: "parse", Input: p.in, Canonical: p.canon})
	}
	return vs, nil
}
