package keys

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// vector mirrors the files in docs/vectors/keys (written by
// tools/keyvectors). Decoding rejects unknown fields, so a vector this test
// does not understand fails instead of passing silently.
type vector struct {
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

const vectorDir = "../docs/vectors/keys"

func loadVectors(t *testing.T) []vector {
	t.Helper()
	vs, err := readVectors()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// readVectors reads every vector file (strictly: see vectorfile.Read).
func readVectors() ([]vector, error) {
	return vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range loadVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			switch v.Op {
			case "encode":
				checkEncodeVector(t, v)
			case "parse":
				u, err := Parse(v.Input)
				if err != nil {
					t.Fatal(err)
				}
				if u.String() != v.Canonical {
					t.Fatalf("String() = %q, want %q", u.String(), v.Canonical)
				}
				u2, err := Parse(v.Canonical)
				if err != nil || !u2.Equal(u) || u2.String() != v.Canonical {
					t.Fatalf("canonical form does not round-trip: %v", err)
				}
			case "reject-uri":
				in := v.Input
				if v.InputHex != "" {
					in = string(mustHex(t, v.InputHex))
				}
				_, err := Parse(in)
				checkReject(t, v, err)
			case "reject-block":
				err := VerifyBlock(RoutingKey(mustHex(t, v.RoutingKey)), mustHex(t, v.Block))
				checkReject(t, v, err)
			case "reject-decode":
				u, err := Parse(v.URI)
				if err != nil {
					t.Fatal(err)
				}
				rk, err := RoutingKeyOf(u)
				if err != nil || hex.EncodeToString(rk[:]) != v.RoutingKey {
					t.Fatalf("routing key %x, want %s (%v)", rk, v.RoutingKey, err)
				}
				block := mustHex(t, v.Block)
				if v.Error == CodeDecode.String() {
					// These blocks verify: only a decoder can catch them.
					if err := VerifyBlock(rk, block); err != nil {
						t.Fatalf("block should verify: %v", err)
					}
				}
				_, err = Decode(block, u)
				checkReject(t, v, err)
			default:
				t.Fatalf("unknown op %q", v.Op)
			}
		})
	}
	for _, op := range []string{"encode", "parse", "reject-uri", "reject-block", "reject-decode"} {
		if ops[op] == 0 {
			t.Errorf("no %q vectors", op)
		}
	}
}

func checkReject(t *testing.T, v vector, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; rule %s says reject", v.Rule)
	}
	if got := CodeOf(err).String(); got != v.Error {
		t.Fatalf("error code %q, want %q (%v)", got, v.Error, err)
	}
}

func checkEncodeVector(t *testing.T, v vector) {
	data := mustHex(t, v.Data)
	opts := EncodeOptions{Codec: Codec(v.Codec), Control: v.Control}
	want, err := Parse(v.URI)
	if err != nil {
		t.Fatal(err)
	}
	var block []byte
	var got URI
	if want.Type == CHK {
		block, got, err = EncodeCHK(data, opts)
	} else {
		ins, err := Parse(v.InsertURI)
		if err != nil {
			t.Fatal(err)
		}
		if v.Random != "" {
			gen, _, err := GenerateSSK(bytes.NewReader(mustHex(t, v.Random)))
			if err != nil {
				t.Fatal(err)
			}
			if gen.Key != ins.Key || gen.CryptoKey != ins.CryptoKey || gen.Extra != ins.Extra {
				t.Fatal("GenerateSSK from the vector's randomness gives other keys")
			}
		}
		block, got, err = EncodeSSK(ins, data, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) || got.String() != v.URI {
		t.Fatalf("URI %s, want %s", got, v.URI)
	}
	if hex.EncodeToString(block) != v.Block {
		t.Fatal("block differs from the vector")
	}
	rk, err := RoutingKeyOf(want)
	if err != nil || hex.EncodeToString(rk[:]) != v.RoutingKey {
		t.Fatalf("routing key %x, want %s (%v)", rk, v.RoutingKey, err)
	}
	if err := VerifyBlock(rk, block); err != nil {
		t.Fatal(err)
	}
	d, err := Decode(block, want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Bytes, data) || d.Codec != opts.Codec || d.Control != opts.Control {
		t.Fatal("decoded content differs")
	}
}

// TestSpecRulesHaveVectors checks that every MUST-reject rule named in
// docs/keys.md ("[U1]", "[B3]", "[D5]") has at least one vector, and every
// vector's rule exists in the spec.
func TestSpecRulesHaveVectors(t *testing.T) {
	covered := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Rule != "" {
			covered[v.Rule] = true
		}
	}
	if err := vectorfile.CheckRules("../docs/keys.md", `\*\*\[([UBD][0-9]+)\]\*\*`, covered); err != nil {
		t.Error(err)
	}
}
