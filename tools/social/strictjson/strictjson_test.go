package strictjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// wantError fails unless err is an *Error of kind at offset whose message
// holds msg.
func wantError(t *testing.T, err error, kind Kind, offset int, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %s at offset %d", err, kind, offset)
	}
	if e.Kind != kind || e.Offset != offset || !strings.Contains(e.Msg, msg) {
		t.Fatalf("got %s at offset %d: %q; want %s at offset %d: …%s…", e.Kind, e.Offset, e.Msg, kind, offset, msg)
	}
}

type rejectCase struct {
	name, in string
	kind     Kind
	offset   int
	msg      string
}

func testRejects(t *testing.T, cases []rejectCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in), "")
			wantError(t, err, c.kind, c.offset, c.msg)
		})
	}
}

// TestRejectUTF8: the text is valid UTF-8 (S2), whatever the bytes are
// part of; the offset is that of the first bad byte.
func TestRejectUTF8(t *testing.T) {
	testRejects(t, []rejectCase{
		{"in a string", "{\"a\":\"x\xffy\"}", BadUTF8, 7, "document is not valid UTF-8"},
		{"overlong", "{\"a\":\"\xc0\x80\"}", BadUTF8, 6, "not valid UTF-8"},
		{"surrogate in UTF-8", "{\"a\":\"\xed\xa0\x80\"}", BadUTF8, 6, "not valid UTF-8"},
		{"beyond U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", BadUTF8, 6, "not valid UTF-8"},
		{"truncated", "{\"a\":\"\xe2\x82", BadUTF8, 6, "not valid UTF-8"},
		{"in a key", "{\"\xfe\":1}", BadUTF8, 2, "not valid UTF-8"},
		{"outside the object", "{}\x80", BadUTF8, 2, "not valid UTF-8"},
		{"before a syntax error", "\xff{", BadUTF8, 0, "not valid UTF-8"},
	})
}

// TestRejectSurrogates: a \u escape of a surrogate must be a high one
// followed at once by an escaped low one (S2); the offset is that of the
// escape's backslash.
func TestRejectSurrogates(t *testing.T) {
	testRejects(t, []rejectCase{
		{"lone low", `{"a":"\udc00"}`, LoneSurrogate, 6, `\udc00 is a lone low surrogate`},
		{"lone low upper case", `{"a":"x\uDFFF"}`, LoneSurrogate, 7, `\udfff is a lone low surrogate`},
		{"low then high", `{"a":"\ude00\ud83d"}`, LoneSurrogate, 6, "lone low surrogate"},
		{"lone high at the end", `{"a":"\ud83d"}`, LoneSurrogate, 6, `\ud83d is a high surrogate without an escaped low surrogate`},
		{"high then a character", `{"a":"\ud83dx"}`, LoneSurrogate, 6, "without an escaped low surrogate"},
		{"high then raw low in UTF-8", "{\"a\":\"\\ud83d\xed\xb8\x80\"}", BadUTF8, 12, "not valid UTF-8"},
		{"high then another escape", `{"a":"\ud83d\u0041"}`, LoneSurrogate, 6, "without an escaped low surrogate"},
		{"high then high", `{"a":"\ud83d\ud83d"}`, LoneSurrogate, 6, "without an escaped low surrogate"},
		{"high then \\n", `{"a":"\ud83d\n"}`, LoneSurrogate, 6, "without an escaped low surrogate"},
		{"in a key", `{"\udc00":1}`, LoneSurrogate, 2, "lone low surrogate"},
		{"second pair half-bad", `{"a":"\ud83d\ude00\ud83d"}`, LoneSurrogate, 18, "high surrogate"},
	})
}

// TestRejectNotOneObject: exactly one JSON object with only JSON white
// space around it (S3).
func TestRejectNotOneObject(t *testing.T) {
	testRejects(t, []rejectCase{
		{"empty", "", BadSyntax, 0, "empty document"},
		{"white space only", " \t\r\n", BadSyntax, 4, "empty document"},
		{"null", "null", BadSyntax, 0, "the document is not a JSON object"},
		{"array", "[{}]", BadSyntax, 0, "not a JSON object"},
		{"string", `"{}"`, BadSyntax, 0, "not a JSON object"},
		{"number", "1", BadSyntax, 0, "not a JSON object"},
		{"byte order mark", "\ufeff{}", BadSyntax, 0, "not a JSON object"},
		{"form feed is no white space", "\f{}", BadSyntax, 0, "not a JSON object"},
		{"no-break space is no white space", "{}\u00a0", BadSyntax, 2, "data after the document's object"},
		{"two objects", "{}{}", BadSyntax, 2, "data after the document's object"},
		{"two objects, spaced", "{} \n{}", BadSyntax, 4, "data after"},
		{"a value after", `{"a":1} 2`, BadSyntax, 8, "data after"},
		{"a comma after", `{"a":1},`, BadSyntax, 7, "data after"},
		{"nul after", "{}\x00", BadSyntax, 2, "data after"},
		{"unclosed", `{"a":1`, BadSyntax, 6, "unexpected end of the document inside an object"},
		{"unclosed after key", `{"a":`, BadSyntax, 5, "unexpected end of the document"},
	})
}

// TestRejectGrammar: the RFC 8259 grammar inside the object (S3).
func TestRejectGrammar(t *testing.T) {
	testRejects(t, []rejectCase{
		{"trailing comma in object", `{"a":1,}`, BadSyntax, 7, "want a string key"},
		{"trailing comma in array", `{"a":[1,]}`, BadSyntax, 8, "invalid character ']'"},
		{"missing comma", `{"a":1 "b":2}`, BadSyntax, 7, `want ',' or '}' after an object member, got '"'`},
		{"missing comma in array", `{"a":[1 2]}`, BadSyntax, 8, `want ',' or ']' after an array element, got '2'`},
		{"unquoted key", `{a:1}`, BadSyntax, 1, "want a string key"},
		{"number key", `{1:1}`, BadSyntax, 1, "want a string key"},
		{"single quotes", `{'a':1}`, BadSyntax, 1, "want a string key"},
		{"missing colon", `{"a" 1}`, BadSyntax, 5, "want ':' after an object key"},
		{"leading zero", `{"a":01}`, BadSyntax, 6, "want ',' or '}'"},
		{"plus", `{"a":+1}`, BadSyntax, 5, "invalid character '+'"},
		{"minus alone", `{"a":-}`, BadSyntax, 6, "invalid number"},
		{"dot without digits", `{"a":1.}`, BadSyntax, 7, "no digit after '.'"},
		{"leading dot", `{"a":.5}`, BadSyntax, 5, "invalid character '.'"},
		{"exponent without digits", `{"a":1e+}`, BadSyntax, 8, "no digit in the exponent"},
		{"hex", `{"a":0x1}`, BadSyntax, 6, "got 'x'"},
		{"NaN", `{"a":NaN}`, BadSyntax, 5, "invalid character 'N'"},
		{"bad literal", `{"a":nul}`, BadSyntax, 5, "invalid literal"},
		{"capital literal", `{"a":True}`, BadSyntax, 5, "invalid character 'T'"},
		{"truncated literal", `{"a":tru`, BadSyntax, 5, "invalid literal"},
		{"raw newline in a string", "{\"a\":\"x\ny\"}", BadSyntax, 7, "control character 0x0a in a string"},
		{"raw tab in a string", "{\"a\":\"\t\"}", BadSyntax, 6, "control character 0x09"},
		{"raw nul in a key", "{\"\x00\":1}", BadSyntax, 2, "control character 0x00"},
		{"bad escape", `{"a":"\x"}`, BadSyntax, 6, `invalid escape 'x'`},
		{"escaped apostrophe", `{"a":"\'"}`, BadSyntax, 6, `invalid escape '\''`},
		{"short \\u", `{"a":"\u12"}`, BadSyntax, 6, "want four hex digits"},
		{"\\u at the end", `{"a":"\u12`, BadSyntax, 6, "truncated \\u escape"},
		{"\\u not hex", `{"a":"\u00g0"}`, BadSyntax, 6, "want four hex digits"},
		{"low half not hex", `{"a":"\ud83d\udz00"}`, BadSyntax, 6, "want four hex digits"},
		{"unterminated string", `{"a":"x`, BadSyntax, 7, "unterminated string"},
		{"unterminated after backslash", `{"a":"x\`, BadSyntax, 7, "unterminated string"},
		{"comment", `{"a":1 /* c */}`, BadSyntax, 7, "got '/'"},
		{"unclosed array", `{"a":[1`, BadSyntax, 7, "unexpected end of the document inside an array"},
		{"array closed by brace", `{"a":[1}`, BadSyntax, 7, "after an array element, got '}'"},
	})
}

// TestRejectDuplicateKeys: no object has a key twice, compared after
// unescaping (S4); the offset is that of the second key.
func TestRejectDuplicateKeys(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(`"k` + strings.Repeat("x", i) + `":0,`)
		}
		return b.String()
	}
	testRejects(t, []rejectCase{
		{"plain", `{"a":1,"a":2}`, DuplicateKey, 7, `key "a" appears twice in one object`},
		{"escaped", `{"name":1,"n\u0061me":2}`, DuplicateKey, 10, `key "name" appears twice`},
		{"escaped slash", `{"a/b":1,"a\/b":2}`, DuplicateKey, 9, `key "a/b"`},
		{"surrogate pair", `{"😀":1,"\ud83d\ude00":2}`, DuplicateKey, 10, `key "😀"`},
		{"empty key", `{"":1,"x":2,"":3}`, DuplicateKey, 12, `key ""`},
		{"nested", `{"a":{"b":1,"b":2}}`, DuplicateKey, 12, `key "b"`},
		{"in an array", `{"a":[{"b":1},{"b":1,"b":1}]}`, DuplicateKey, 21, `key "b"`},
		{"after 16 keys", `{` + many(16) + `"k":1}`, DuplicateKey, len(`{` + many(16)), `key "k"`},
		{"after 40 keys", `{` + many(40) + `"kxxxxx":1}`, DuplicateKey, len(`{` + many(40)), `key "kxxxxx"`},
	})
	// The same key in different objects is no duplicate.
	for _, ok := range []string{`{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`, `{"a":1,"A":2,"a ":3}`, `{` + many(40) + `"y":1}`} {
		if _, err := Parse([]byte(ok), ""); err != nil {
			t.Errorf("%.40s: %v", ok, err)
		}
	}
}

// TestDepth: arrays and objects nest at most MaxDepth deep, the outer
// object counting as 1 (S3); far deeper nesting fails at once.
func TestDepth(t *testing.T) {
	objects := func(depth int) string {
		return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
	}
	arrays := func(depth int) string {
		return `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + "}"
	}
	for _, doc := range []string{objects(MaxDepth), arrays(MaxDepth)} {
		if _, err := Parse([]byte(doc), ""); err != nil {
			t.Errorf("depth %d: %v", MaxDepth, err)
		}
	}
	_, err := Parse([]byte(objects(MaxDepth+1)), "")
	wantError(t, err, TooDeep, 5*MaxDepth, "nested more than 64 deep")
	_, err = Parse([]byte(arrays(MaxDepth+1)), "")
	wantError(t, err, TooDeep, 5+MaxDepth-1, "nested more than 64 deep")
	_, err = Parse([]byte(`{"a":`+strings.Repeat("[", 1<<20)), "")
	wantError(t, err, TooDeep, 5+MaxDepth-1, "nested")
}

// TestNoun: the noun names the text in messages.
func TestNoun(t *testing.T) {
	for in, want := range map[string]string{
		"":        "strictjson: offset 0: empty note",
		"[]":      "strictjson: offset 0: the note is not a JSON object",
		"{} {}":   "strictjson: offset 3: data after the note's object",
		"{\"a\":": "strictjson: offset 5: unexpected end of the note",
		"{\xff":   "strictjson: offset 1: note is not valid UTF-8",
	} {
		if _, err := Parse([]byte(in), "note"); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

// TestValue reads what Parse accepted: escapes decoded, members by key,
// elements with and without a limit, literals as they are.
func TestValue(t *testing.T) {
	doc := " {\"s\" : \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u0627\\ud83d\\ude00 ليلى\", \"n\":-0.5e+3,\n" +
		"\"arr\":[ 1 , true,false,null,{},[],\"x\"], \"o\":{\"k\\u0031\":{\"z\":[]}}, \"empty\":[] } "
	v, err := Parse([]byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Type() != TypeObject || !strings.HasPrefix(v.String(), "{") || !strings.HasSuffix(v.String(), "}") {
		t.Fatalf("root %v %q", v.Type(), v)
	}
	m := v.Members()
	if len(m) != 5 {
		t.Fatalf("%d members", len(m))
	}
	if s := m["s"]; s.Type() != TypeString || s.String() != "a\"b\\c/d\b\f\n\r\tAéا😀 ليلى" {
		t.Errorf("s = %q", s.String())
	}
	if n := m["n"]; n.Type() != TypeNumber || n.String() != "-0.5e+3" {
		t.Errorf("n = %v %q", n.Type(), n)
	}
	es, ok := m["arr"].Elements(-1)
	var types []Type
	for _, e := range es {
		types = append(types, e.Type())
	}
	if !ok || !reflect.DeepEqual(types, []Type{TypeNumber, TypeBool, TypeBool, TypeNull, TypeObject, TypeArray, TypeString}) ||
		es[0].String() != "1" || es[1].String() != "true" || es[2].String() != "false" || es[6].String() != "x" {
		t.Errorf("arr: %v %v %q", ok, types, es)
	}
	if es, ok := m["arr"].Elements(7); !ok || len(es) != 7 {
		t.Errorf("Elements(7) = %d, %v", len(es), ok)
	}
	if es, ok := m["arr"].Elements(6); ok || es != nil {
		t.Errorf("Elements(6) = %v, %v", es, ok)
	}
	if es, ok := m["empty"].Elements(0); !ok || es != nil {
		t.Errorf("empty: %v %v", es, ok)
	}
	inner := m["o"].Members()["k1"]
	if inner.Type() != TypeObject || len(inner.Members()) != 1 || inner.Members()["z"].Type() != TypeArray {
		t.Errorf("o.k1 = %q", inner)
	}
	if len(es[4].Members()) != 0 || es[4].Members() == nil {
		t.Error("{} has members")
	}
	// Values of another type have no members or elements.
	if m["s"].Members() != nil {
		t.Error("a string has members")
	}
	if es, ok := m["o"].Elements(0); es != nil || !ok {
		t.Error("an object has elements")
	}
	var zero Value
	if zero.Type() != 0 || zero.String() != "" || zero.Members() != nil || zero.Type().String() != "no value" {
		t.Error("the zero Value")
	}
}

// TestValueDoesNotAlias: strings read from a Value are copies.
func TestValueDoesNotAlias(t *testing.T) {
	b := []byte(`{"plain":"abc","esc":"a\nb"}`)
	v, err := Parse(b, "")
	if err != nil {
		t.Fatal(err)
	}
	m := v.Members()
	plain, esc := m["plain"].String(), m["esc"].String()
	for i := range b {
		b[i] = 'x'
	}
	if plain != "abc" || esc != "a\nb" {
		t.Error("the strings alias the text")
	}
}

func TestTypeAndKindNames(t *testing.T) {
	for ty, want := range map[Type]string{TypeObject: "an object", TypeArray: "an array", TypeString: "a string",
		TypeNumber: "a number", TypeBool: "a boolean", TypeNull: "null"} {
		if ty.String() != want {
			t.Errorf("%d: %s", ty, ty)
		}
	}
	for k, want := range map[Kind]string{BadUTF8: "invalid UTF-8", LoneSurrogate: "lone surrogate", BadSyntax: "syntax error",
		TooDeep: "nested too deep", DuplicateKey: "duplicate key", 0: "kind 0"} {
		if k.String() != want {
			t.Errorf("%d: %s", k, k)
		}
	}
}

// TestAppendString: the canonical string form of docs/social.md §7 (RFC
// 8785), which Parse and encoding/json read back.
func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"":                        `""`,
		"plain":                   `"plain"`,
		"a\"b\\c/d<e>&":           `"a\"b\\c/d<e>&"`,
		"\b\t\n\f\r":              `"\b\t\n\f\r"`,
		"\x00\x01\x1a\x1f\x7f":    "\"\\u0000\\u0001\\u001a\\u001f\x7f\"",
		"ليلى\u2028\u2029👋\u0085": "\"ليلى\u2028\u2029👋\u0085\"",
	} {
		got := string(AppendString([]byte("x"), in))
		if got != "x"+want {
			t.Errorf("AppendString(%q) = %s, want x%s", in, got, want)
			continue
		}
		v, err := Parse([]byte(`{"k":`+want+`}`), "")
		if err != nil || v.Members()["k"].String() != in {
			t.Errorf("%s reads back as %q, %v", want, v.Members()["k"].String(), err)
		}
		var back string
		if err := json.Unmarshal([]byte(want), &back); err != nil || back != in {
			t.Errorf("%s: encoding/json reads %q, %v", want, back, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{
		"":                            `""`,
		"a\"b\n":                      `"a\"b\n"`,
		strings.Repeat("x", 80):       `"` + strings.Repeat("x", 80) + `"`,
		strings.Repeat("x", 81):       `"` + strings.Repeat("x", 80) + `…"`,
		strings.Repeat("ل", 41):       `"` + strings.Repeat("ل", 40) + `…"`,
		"x" + strings.Repeat("ل", 41): `"x` + strings.Repeat("ل", 39) + `…"`,
	} {
		if got := Describe(in); got != want {
			t.Errorf("Describe(%q) = %s, want %s", in, got, want)
		}
	}
}
