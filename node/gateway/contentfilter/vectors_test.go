package contentfilter

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"testing"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// vector mirrors the files in docs/vectors/gateway: a document in, the
// filtered document out (or the error). Decoding rejects unknown fields.
// Binary documents (images) use the _hex fields.
type vector struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Rules       []string `json:"rules"`
	Base        string   `json:"base"`
	ContentType string   `json:"content_type"`
	Input       string   `json:"input,omitempty"`
	InputHex    string   `json:"input_hex,omitempty"`
	OutputType  string   `json:"output_type,omitempty"`
	Output      string   `json:"output,omitempty"`
	OutputHex   string   `json:"output_hex,omitempty"`
	// Error is "unknown type" (ErrUnknownType) or "bad image" (ErrBadImage).
	Error string `json:"error,omitempty"`
}

const (
	vectorDir = "../../../docs/vectors/gateway"
	specPath  = "../../../docs/gateway.md"
)

// update rewrites the outputs of the vectors from the filter; the diff
// is then reviewed by hand, rule by rule.
var update = flag.Bool("update", false, "rewrite the expected outputs in "+vectorDir)

func vectorName(v *vector) string { return v.Name }

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	vs, err := vectorfile.Read(vectorDir, vectorName)
	if err != nil {
		tb.Fatal(err)
	}
	return vs
}

func (v *vector) input(tb testing.TB) []byte {
	if v.InputHex != "" {
		b, err := hex.DecodeString(v.InputHex)
		if err != nil {
			tb.Fatalf("%s: %v", v.Name, err)
		}
		return b
	}
	return []byte(v.Input)
}

func errName(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnknownType):
		return "unknown type"
	case errors.Is(err, ErrBadImage):
		return "bad image"
	}
	return err.Error()
}

// TestVectors filters every vector and compares the output byte for byte;
// the output filtered again must not change (F35).
func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) < 40 {
		t.Errorf("%d vectors, want at least 40", len(vs))
	}
	for i := range vs {
		v := &vs[i]
		var out bytes.Buffer
		res, err := Filter(&out, bytes.NewReader(v.input(t)), v.ContentType, Options{Base: v.Base})
		if *update {
			v.Error, v.OutputType, v.Output, v.OutputHex = errName(err), res.ContentType, "", ""
			if err == nil && v.InputHex != "" {
				v.OutputHex = hex.EncodeToString(out.Bytes())
			} else if err == nil {
				v.Output = out.String()
			}
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			if got := errName(err); got != v.Error {
				t.Fatalf("error %q, want %q", got, v.Error)
			}
			if err != nil {
				if out.Len() != 0 {
					t.Errorf("wrote %d bytes before the error", out.Len())
				}
				return
			}
			if res.ContentType != v.OutputType {
				t.Errorf("type %q, want %q", res.ContentType, v.OutputType)
			}
			want := v.Output
			if v.OutputHex != "" {
				want = string(mustHex(t, v.OutputHex))
			}
			if out.String() != want {
				t.Errorf("output\n%s\nwant\n%s", out.String(), want)
			}
			var again bytes.Buffer
			if _, err := Filter(&again, bytes.NewReader(out.Bytes()), res.ContentType, Options{Base: v.Base}); err != nil {
				t.Fatalf("filtering the output again: %v", err)
			}
			if again.String() != out.String() {
				t.Errorf("not idempotent (F35): again\n%s", again.String())
			}
		})
	}
	if *update {
		if err := vectorfile.Write(vectorDir, vs, vectorName); err != nil {
			t.Fatal(err)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectorsCoverEveryRule: every rule of docs/gateway.md ("**[F1]**")
// has a vector, and every vector names only rules that exist.
func TestVectorsCoverEveryRule(t *testing.T) {
	used := map[string]bool{}
	for _, v := range loadVectors(t) {
		if len(v.Rules) == 0 {
			t.Errorf("%s: no rule", v.Name)
		}
		for _, r := range v.Rules {
			used[r] = true
		}
	}
	if err := vectorfile.CheckRules(specPath, `\*\*\[(F[0-9]+)\]\*\*`, used); err != nil {
		t.Error(err)
	}
}
