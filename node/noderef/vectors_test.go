package noderef

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"reflect"
	"strconv"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/routing"
)

// vector mirrors the files in docs/vectors/noderef (written by
// tools/noderefvectors). Decoding rejects unknown fields, so a vector this
// test does not understand fails instead of passing silently.
type vector struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Op          string            `json:"op"`
	Rule        string            `json:"rule"`
	Seed        string            `json:"seed"`
	Noise       string            `json:"noise"`
	Location    string            `json:"location"`
	MyName      string            `json:"my_name"`
	TCP         []string          `json:"tcp"`
	Onion       []string          `json:"onion"`
	Extra       map[string]string `json:"extra"`
	ID          string            `json:"id"`
	Protocol    int               `json:"protocol"`
	MinProtocol int               `json:"min_protocol"`
	Features    []string          `json:"features"`
	Text        string            `json:"text"`
	TextHex     string            `json:"text_hex"`
	Canonical   string            `json:"canonical"`
}

const (
	vectorDir = "../../docs/vectors/noderef"
	specPath  = "../../docs/noderef.md"
)

func readVectors() ([]vector, error) {
	return vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	vs, err := readVectors()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// text returns the vector's input text.
func (v vector) text(t *testing.T) []byte {
	if v.TextHex != "" {
		return mustHex(t, v.TextHex)
	}
	return []byte(v.Text)
}

func TestVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range loadVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			switch v.Op {
			case "new":
				checkNewVector(t, v)
			case "parse":
				r, err := Parse([]byte(v.Text))
				if err != nil {
					t.Fatal(err)
				}
				if got := string(r.Marshal()); got != v.Canonical {
					t.Fatalf("Marshal = %q, want %q", got, v.Canonical)
				}
				if r.ID() != v.ID {
					t.Fatalf("ID = %s, want %s", r.ID(), v.ID)
				}
				r2, err := Parse([]byte(v.Canonical))
				if err != nil || !reflect.DeepEqual(r2, r) {
					t.Fatalf("the canonical text parses to another ref (%v)", err)
				}
			case "reject":
				_, err := Parse(v.text(t))
				if err == nil {
					t.Fatalf("accepted; rule %s says reject", v.Rule)
				}
				if got := RuleOf(err); got != v.Rule {
					t.Fatalf("rule %q, want %q (%v)", got, v.Rule, err)
				}
			default:
				t.Fatalf("unknown op %q", v.Op)
			}
		})
	}
	for _, op := range []string{"new", "parse", "reject"} {
		if ops[op] == 0 {
			t.Errorf("no %q vectors", op)
		}
	}
}

func checkNewVector(t *testing.T, v vector) {
	priv := ed25519.NewKeyFromSeed(mustHex(t, v.Seed))
	loc, err := strconv.ParseUint(v.Location, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	in := Ref{Noise: [32]byte(mustHex(t, v.Noise)), Location: routing.Location(loc),
		Name: v.MyName, TCP: v.TCP, Onion: v.Onion, Extra: v.Extra,
		Protocol: v.Protocol, MinProtocol: v.MinProtocol, Features: v.Features}
	r, err := New(priv, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Protocol != v.Protocol || r.MinProtocol != v.MinProtocol || !reflect.DeepEqual(r.Features, v.Features) {
		t.Fatalf("New kept protocol %d, min %d, features %q; want %d, %d, %q",
			r.Protocol, r.MinProtocol, r.Features, v.Protocol, v.MinProtocol, v.Features)
	}
	if r.Negotiates() != (v.Protocol != 0) || r.ProtocolVersion() != max(v.Protocol, 1) ||
		r.MinProtocolVersion() != max(v.MinProtocol, 1) {
		t.Fatalf("Negotiates %v, ProtocolVersion %d, MinProtocolVersion %d for protocol %d, min %d",
			r.Negotiates(), r.ProtocolVersion(), r.MinProtocolVersion(), v.Protocol, v.MinProtocol)
	}
	if got := r.Marshal(); !bytes.Equal(got, []byte(v.Text)) {
		t.Fatalf("New wrote\n%s\nwant\n%s", got, v.Text)
	}
	if r.ID() != v.ID {
		t.Fatalf("ID = %s, want %s", r.ID(), v.ID)
	}
	p, err := Parse([]byte(v.Text))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, r) {
		t.Fatalf("Parse = %+v, New = %+v", p, r)
	}
	f, err := FromFields(r.Fields())
	if err != nil || !reflect.DeepEqual(f, r) {
		t.Fatalf("FromFields(Fields()) = %+v, %v", f, err)
	}
}

// TestSpecRulesHaveVectors checks that every MUST-reject rule of
// docs/noderef.md ("**[N1]**") has at least one vector, and every vector's
// rule exists in the spec.
func TestSpecRulesHaveVectors(t *testing.T) {
	covered := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Rule != "" {
			covered[v.Rule] = true
		}
	}
	if err := vectorfile.CheckRules(specPath, `\*\*\[(N[0-9]+)\]\*\*`, covered); err != nil {
		t.Error(err)
	}
}
