package vectorcheck

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// keyVector mirrors the files in docs/vectors/keys (tools/keyvectors).
type keyVector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Op          string `json:"op"`
	Rule        string `json:"rule"`
	Input       string `json:"input"`
	InputHex    string `json:"input_hex"`
	Canonical   string `json:"canonical"`
	Random      string `json:"random"`
	InsertURI   string `json:"insert_uri"`
	Data        string `json:"data"`
	Codec       int    `json:"codec"`
	Control     bool   `json:"control"`
	URI         string `json:"uri"`
	RoutingKey  string `json:"routing_key"`
	Block       string `json:"block"`
	Error       string `json:"error"`
}

const keyVectorDir = "../../docs/vectors/keys"

// TestKeyVectors recomputes every derived field of docs/vectors/keys from
// docs/keys.md: for encode vectors the insert URI from the randomness (or
// the keyword), the request URI, the routing key and every byte of the
// block (signature included: Ed25519 is deterministic), then verifies and
// decodes the block back; for parse vectors the canonical form; for reject
// vectors the rule (and error code) an independent parser, verifier and
// decoder reject them under, and the routing key the URI derives.
func TestKeyVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range readKeyVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			if err := checkKeyVector(v); err != nil {
				t.Error(err)
			}
		})
	}
	for _, op := range []string{"encode", "parse", "reject-uri", "reject-block", "reject-decode"} {
		if ops[op] == 0 {
			t.Errorf("no %q vectors", op)
		}
	}
}

func readKeyVectors(t *testing.T) []keyVector {
	t.Helper()
	vs, err := vectorfile.Read(keyVectorDir, func(v *keyVector) string { return v.Name })
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// derivedKeyFields are the fields of a key vector that its other fields
// determine, by op.
var derivedKeyFields = map[string][]string{
	"encode":        {"insert_uri", "uri", "routing_key", "block"},
	"parse":         {"canonical"},
	"reject-uri":    {"rule", "error"},
	"reject-block":  {"rule", "error"},
	"reject-decode": {"rule", "error", "routing_key"},
}

// keyField returns a pointer to a field of v by its JSON name.
func keyField(v *keyVector, name string) *string {
	return map[string]*string{"insert_uri": &v.InsertURI, "uri": &v.URI, "routing_key": &v.RoutingKey,
		"block": &v.Block, "canonical": &v.Canonical, "rule": &v.Rule, "error": &v.Error}[name]
}

// TestKeyChecksCatchCorruption shows that checkKeyVector can fail: every
// derived field of every vector, corrupted in one character, must be
// reported.
func TestKeyChecksCatchCorruption(t *testing.T) {
	n := 0
	for _, v := range readKeyVectors(t) {
		for _, f := range derivedKeyFields[v.Op] {
			if v.Op == "encode" && f == "insert_uri" && v.Random == "" {
				continue // a KSK's insert URI is the keyword, an input
			}
			for _, bad := range corruptions(*keyField(&v, f)) {
				w := v
				*keyField(&w, f) = bad
				n++
				if checkKeyVector(w) == nil {
					t.Errorf("%s: %s corrupted to %.80q passes", v.Name, f, bad)
				}
			}
		}
	}
	t.Logf("%d corrupted vectors, each caught", n)
}

// checkKeyVector recomputes a vector's derived fields and returns what
// differs.
func checkKeyVector(v keyVector) error {
	c := &checker{}
	switch v.Op {
	case "encode":
		checkKeyEncode(c, v)
	case "parse":
		u, err := parseURI(v.Input)
		if err != nil {
			return err
		}
		if got := u.String(); got != v.Canonical {
			c.fail("canonical form %q, want %q", got, v.Canonical)
		}
		u2, err := parseURI(v.Canonical)
		if err != nil || u2.String() != v.Canonical {
			c.fail("the canonical form does not parse to itself: %v", err)
		}
	case "reject-uri":
		in := v.Input
		if v.InputHex != "" {
			in = string(c.unhex("input_hex", v.InputHex))
		}
		_, err := parseURI(in)
		var ue *uriError
		if !errors.As(err, &ue) {
			return fmt.Errorf("accepted; rule %s says reject", v.Rule)
		}
		checkRejectRule(c, v, ue.rule)
	case "reject-block":
		var r [32]byte
		copy(r[:], c.unhex("routing_key", v.RoutingKey))
		checkRejectRule(c, v, verifyBlock(r, c.unhex("block", v.Block)))
	case "reject-decode":
		u, err := parseURI(v.URI)
		if err != nil {
			return err
		}
		r := routingKeyOf(u)
		if hex.EncodeToString(r[:]) != v.RoutingKey {
			c.fail("routing key %x, want %s", r, v.RoutingKey)
		}
		block := c.unhex("block", v.Block)
		if v.Rule != "D1" {
			// These blocks verify (a malicious inserter can make them):
			// only a decoder catches them.
			if rule := verifyBlock(r, block); rule != "" {
				c.fail("block breaks %s; it should verify", rule)
			}
		}
		_, rule := decodeBlock(block, u)
		checkRejectRule(c, v, rule)
	default:
		c.fail("unknown op %q", v.Op)
	}
	return c.err()
}

// checkRejectRule compares the rule an independent check found with the
// vector's, and the vector's error code with docs/keys.md §10.
func checkRejectRule(c *checker, v keyVector, got string) {
	if got != v.Rule {
		c.fail("rejected under %q, the vector says %q", got, v.Rule)
	}
	code := "decode error"
	switch {
	case strings.HasPrefix(v.Rule, "U"):
		code = "invalid URI"
	case strings.HasPrefix(v.Rule, "B"), v.Rule == "D1":
		code = "invalid block"
	}
	if v.Error != code {
		c.fail("error code %q; §10 gives %q for %s", v.Error, code, v.Rule)
	}
}

// routingKeyOf is the routing key a request or insert URI names.
func routingKeyOf(u *refURI) [32]byte {
	if u.Type == "CHK" {
		return u.Key
	}
	pkh, ck, name, _ := u.sskAddress()
	_, r := sskRouting(pkh, ck, name)
	return r
}

func checkKeyEncode(c *checker, v keyVector) {
	data := c.unhex("data", v.Data)
	want, err := parseURI(v.URI)
	if err != nil {
		c.fail("uri: %v", err)
		return
	}
	var (
		block []byte
		r     [32]byte
		uri   string
	)
	switch want.Type {
	case "CHK":
		var k [32]byte
		if block, r, k, err = encodeCHK(data); err != nil {
			c.fail("%v", err)
			return
		}
		uri = chkURI(r, k, v.Codec, v.Control)
	case "SSK", "USK", "KSK":
		ins, err := parseURI(v.InsertURI)
		if err != nil {
			c.fail("insert_uri: %v", err)
			return
		}
		var seed, ck [32]byte
		switch {
		case ins.Type == "KSK":
			seed, ck = kskKeys(ins.Name)
			uri = (&refURI{Type: "KSK", Name: ins.Name, Meta: ins.Meta}).String()
			if v.InsertURI != uri {
				c.fail("insert URI %s, want %s (a KSK's is its request URI)", v.InsertURI, uri)
			}
		default:
			seed, ck = ins.Key, ins.Crypto
			if v.Random != "" {
				// §6.1: GenerateSSK reads s, then ck.
				random := c.unhex("random", v.Random)
				if len(random) != 64 {
					c.fail("%d bytes of randomness", len(random))
					return
				}
				copy(seed[:], random[:32])
				copy(ck[:], random[32:64])
			}
			gen := refURI{Type: ins.Type, Key: seed, Crypto: ck, Extra: sskExtra(true), Name: ins.Name, Edition: ins.Edition, Meta: ins.Meta}
			if got := gen.String(); got != v.InsertURI {
				c.fail("insert URI %s, want %s", got, v.InsertURI)
			}
			_, pkh := sskPublic(seed)
			req := refURI{Type: ins.Type, Key: pkh, Crypto: ck, Extra: sskExtra(false), Name: ins.Name, Edition: ins.Edition, Meta: ins.Meta}
			uri = req.String()
		}
		name, ok := ins.docName()
		if ins.Type == "KSK" {
			name, ok = "", true
		}
		if !ok {
			c.fail("%s names no block", v.InsertURI)
			return
		}
		if block, r, err = encodeSSK(seed, ck, name, data, v.Codec, v.Control); err != nil {
			c.fail("%v", err)
			return
		}
	default:
		c.fail("encode of a %s", want.Type)
		return
	}
	if uri != v.URI {
		c.fail("request URI %s, want %s", uri, v.URI)
	}
	if got := hex.EncodeToString(r[:]); got != v.RoutingKey {
		c.fail("routing key %s, want %s", got, v.RoutingKey)
	}
	if got := routingKeyOf(want); got != r {
		c.fail("the request URI derives routing key %x, the block %x", got, r)
	}
	vb := c.unhex("block", v.Block)
	if !bytes.Equal(block, vb) {
		c.fail("block differs from the vector from byte %d (%d and %d bytes)", firstDiff(block, vb), len(block), len(vb))
	}
	if rule := verifyBlock(r, vb); rule != "" {
		c.fail("the vector's block breaks %s", rule)
	}
	d, rule := decodeBlock(vb, want)
	if rule != "" {
		c.fail("the vector's block does not decode: %s", rule)
		return
	}
	if !bytes.Equal(d.data, data) || d.codec != v.Codec || d.control != v.Control {
		c.fail("decodes to %x codec %d control %t", d.data, d.codec, d.control)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestParseURIEdges checks a few parser cases no vector holds.
func TestParseURIEdges(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"KSK@a//b", "KSK@a//b"},
		{"FREENET:ksk@x", "KSK@x"},
	} {
		u, err := parseURI(c.in)
		if err != nil || u.String() != c.out {
			t.Errorf("%q: %v, %v", c.in, u, err)
		}
	}
	for _, in := range []string{"USK@" + strings.Repeat("A", 43) + "," + strings.Repeat("A", 43) + ",AQABAAE/s/-0"} {
		if _, err := parseURI(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
