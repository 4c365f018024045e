package strictjson

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary texts to Parse and checks it against
// encoding/json. Nothing may panic. A rejected text gets an *Error at an
// offset within the text; invalid UTF-8 is BadUTF8 and only that, at the
// first bad byte; a text encoding/json calls a valid object is rejected
// only for a lone surrogate, nesting or a duplicate key, never as a syntax
// error. An accepted text is one encoding/json accepts and reads to the
// same values; written again in canonical form (AppendString, no white
// space) it parses to the same values, and Elements honours its limit.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{}`, ` {"a":"\ud83d\ude00","b":[1,-0,1e5,0.5E-3,true,false,null,{}],"c":"\u0000\/"} `,
		`{"a":1,"a":2}`, `{"name":1,"n\u0061me":2}`, `{"a":"\udc00"}`, `{"a":"\ud800\u0041"}`,
		`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		"{\"a\":\"\xff\"}", "\ufeff{}", `{}{}`, `[]`, `{"a":01}`, `{"a":"\x"}`, "{\"a\":\"\t\"}", `{"a":1,}`,
	} {
		f.Add([]byte(seed))
	}
	// The vectors of the two formats that use this package.
	for _, dir := range []string{"../../../docs/vectors/social", "../../../docs/vectors/social-inbox"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			var v struct {
				Doc  string `json:"doc"`
				Note string `json:"note"`
			}
			if err := json.Unmarshal(b, &v); err == nil && len(v.Doc+v.Note) > 0 && len(v.Doc+v.Note) < 4096 {
				f.Add([]byte(v.Doc + v.Note))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b, "")
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Kind < BadUTF8 || e.Kind > DuplicateKey || e.Offset < 0 || e.Offset > len(b) || e.Msg == "" {
				t.Fatalf("bad error %#v", err)
			}
			if (e.Kind == BadUTF8) != !utf8.Valid(b) || (e.Kind == BadUTF8 && !utf8.Valid(b[:e.Offset])) {
				t.Fatalf("%v for %q", err, b)
			}
			if e.Kind == BadSyntax && json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) {
				t.Fatalf("encoding/json accepts what Parse calls a syntax error: %v", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("Parse accepted invalid JSON %q", b)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil {
			t.Fatal(err)
		}
		got := tree(t, v)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse reads %v, encoding/json %v", got, want)
		}
		c := appendCanonical(nil, v)
		v2, err := Parse(c, "")
		if err != nil {
			t.Fatalf("the canonical form %s does not parse: %v", c, err)
		}
		if got2 := tree(t, v2); !reflect.DeepEqual(got, got2) {
			t.Fatalf("the canonical form %s reads %v, not %v", c, got2, got)
		}
		if c2 := appendCanonical(nil, v2); !bytes.Equal(c, c2) {
			t.Fatalf("the canonical form is not stable:\n%s\n%s", c, c2)
		}
	})
}

// tree reads v as encoding/json does into an any (with UseNumber), and
// checks Elements' limit on the way.
func tree(t *testing.T, v Value) any {
	switch v.Type() {
	case TypeObject:
		m := map[string]any{}
		for k, e := range v.Members() {
			m[k] = tree(t, e)
		}
		return m
	case TypeArray:
		es, ok := v.Elements(-1)
		if !ok {
			t.Fatal("Elements(-1) stopped")
		}
		if n := len(es); n > 0 {
			if cut, ok := v.Elements(n - 1); ok || cut != nil {
				t.Fatalf("Elements(%d) of %d elements: %v, %v", n-1, n, cut, ok)
			}
		}
		if all, ok := v.Elements(len(es)); !ok || len(all) != len(es) {
			t.Fatalf("Elements(%d) of %d elements: %d, %v", len(es), len(es), len(all), ok)
		}
		a := []any{}
		for _, e := range es {
			a = append(a, tree(t, e))
		}
		return a
	case TypeString:
		return v.String()
	case TypeNumber:
		return json.Number(v.String())
	case TypeBool:
		return v.String() == "true"
	case TypeNull:
		return nil
	}
	t.Fatalf("a value of type %d", v.Type())
	return nil
}

// appendCanonical writes v without white space, its strings by
// AppendString and its object members sorted by key.
func appendCanonical(b []byte, v Value) []byte {
	switch v.Type() {
	case TypeObject:
		m := v.Members()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = appendCanonical(b, m[k])
		}
		return append(b, '}')
	case TypeArray:
		es, _ := v.Elements(-1)
		b = append(b, '[')
		for i, e := range es {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	case TypeString:
		return AppendString(b, v.String())
	}
	return append(b, v.String()...) // a number, true, false, null
}

// TestFuzzSeeds keeps the helpers of FuzzParse honest on a known text.
func TestFuzzSeeds(t *testing.T) {
	v, err := Parse([]byte(` { "b" : [ 1 , "x\u0041" ] , "a" : { } } `), "")
	if err != nil {
		t.Fatal(err)
	}
	if c := string(appendCanonical(nil, v)); c != `{"a":{},"b":[1,"xA"]}` {
		t.Errorf("canonical %s", c)
	}
	want := map[string]any{"a": map[string]any{}, "b": []any{json.Number("1"), "xA"}}
	if got := tree(t, v); !reflect.DeepEqual(got, want) {
		t.Errorf("tree %v", got)
	}
}
