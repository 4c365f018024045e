package inbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/box"
)

// testNotes returns one valid note of each type.
func testNotes(t testing.TB) []*Note {
	t.Helper()
	omar, _ := testFeed(t, 2)
	from := omar.WithEdition(4).String()
	msg, err := SealMessage("مرحبا\n👋", testKey(t, 2), testKey(t, 1).Public, seeded(9))
	if err != nil {
		t.Fatal(err)
	}
	return []*Note{
		{Type: TypeReply, From: from, N: 5, Time: t0},
		{Type: TypeMention, From: from, N: 1, Time: t0},
		{Type: TypeLike, From: omar.WithEdition(0).String(), N: 1<<63 - 1, Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Type: TypeFollow, From: from, Time: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{Type: TypeMessage, From: from, Time: t0.In(time.FixedZone("+3", 3*3600)), Message: msg},
	}
}

func TestNoteRoundTrip(t *testing.T) {
	for _, n := range testNotes(t) {
		b, err := n.Encode()
		if err != nil {
			t.Fatalf("%s: %v", n.Type, err)
		}
		d, err := DecodeNote(b)
		if err != nil {
			t.Fatalf("%s: DecodeNote(%s): %v", n.Type, b, err)
		}
		b2, err := d.Encode()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("%s: re-encodes to %s, %v", n.Type, b2, err)
		}
		if d.Type != n.Type || d.From != n.From || d.N != n.N || !d.Time.Equal(n.Time) || d.Time.Location() != time.UTC {
			t.Fatalf("%s: decoded %+v", n.Type, d)
		}
		if (d.Message == nil) != (n.Message == nil) || d.Message != nil &&
			(d.Message.Box != n.Message.Box || d.Message.Nonce != n.Message.Nonce || !bytes.Equal(d.Message.Sealed, n.Message.Sealed)) {
			t.Fatalf("%s: message %+v", n.Type, d.Message)
		}
		// The canonical form is what encoding/json reads too.
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m["type"] != n.Type || m["from"] != n.From {
			t.Fatalf("%s: encoding/json reads %v, %v", n.Type, m, err)
		}
		if _, ok := m["n"]; ok != hasN(n.Type) {
			t.Fatalf("%s: n present %v", n.Type, ok)
		}
	}
}

func TestValidate(t *testing.T) {
	omar, omarInsert := testFeed(t, 2)
	from := omar.WithEdition(4).String()
	msg := testNotes(t)[4].Message
	sealed := func(n int) *Message { return &Message{Sealed: make([]byte, n)} }
	tests := []struct {
		name string
		note Note
		path string
	}{
		{"type empty", Note{From: from, N: 1, Time: t0}, "type"},
		{"type unknown", Note{Type: "repost", From: from, N: 1, Time: t0}, "type"},
		{"type case", Note{Type: "Like", From: from, N: 1, Time: t0}, "type"},
		{"from empty", Note{Type: TypeLike, N: 1, Time: t0}, "from"},
		{"from insert", Note{Type: TypeLike, From: omarInsert.WithEdition(4).String(), N: 1, Time: t0}, "from"},
		{"from noncanonical", Note{Type: TypeLike, From: "freenet:" + from, N: 1, Time: t0}, "from"},
		{"from search", Note{Type: TypeLike, From: omar.WithEdition(-1).String(), N: 1, Time: t0}, "from"},
		{"from meta", Note{Type: TypeLike, From: from + "/x", N: 1, Time: t0}, "from"},
		{"from site", Note{Type: TypeLike, From: strings.Replace(from, "hams-social", "blog", 1), N: 1, Time: t0}, "from"},
		{"n zero reply", Note{Type: TypeReply, From: from, Time: t0}, "n"},
		{"n negative mention", Note{Type: TypeMention, From: from, N: -1, Time: t0}, "n"},
		{"n zero like", Note{Type: TypeLike, From: from, Time: t0}, "n"},
		{"n on follow", Note{Type: TypeFollow, From: from, N: 1, Time: t0}, "n"},
		{"n on message", Note{Type: TypeMessage, From: from, N: 1, Time: t0, Message: msg}, "n"},
		{"time zero", Note{Type: TypeFollow, From: from}, "time"},
		{"time fraction", Note{Type: TypeFollow, From: from, Time: t0.Add(time.Millisecond)}, "time"},
		{"time 1969", Note{Type: TypeFollow, From: from, Time: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)}, "time"},
		{"time 10000", Note{Type: TypeFollow, From: from, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "time"},
		{"message missing", Note{Type: TypeMessage, From: from, Time: t0}, "message"},
		{"message on like", Note{Type: TypeLike, From: from, N: 1, Time: t0, Message: msg}, "message"},
		{"sealed empty", Note{Type: TypeMessage, From: from, Time: t0, Message: sealed(0)}, "message.sealed"},
		{"sealed empty text", Note{Type: TypeMessage, From: from, Time: t0, Message: sealed(box.Overhead)}, "message.sealed"},
		{"sealed too long", Note{Type: TypeMessage, From: from, Time: t0, Message: sealed(box.Overhead + MaxMessageBytes + 1)}, "message.sealed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.note.Validate(), CodeBadNote, tt.path)
			_, err := tt.note.Encode()
			wantCode(t, err, CodeBadNote, tt.path)
		})
	}
	for _, n := range []Note{
		{Type: TypeMessage, From: from, Time: t0, Message: sealed(box.Overhead + 1)},
		{Type: TypeMessage, From: from, Time: t0, Message: sealed(box.Overhead + MaxMessageBytes)},
	} {
		if err := n.Validate(); err != nil {
			t.Errorf("sealed of %d bytes: %v", len(n.Message.Sealed), err)
		}
	}
}

func TestNoteSizes(t *testing.T) {
	// The longest valid note fits the largest class.
	omar, _ := testFeed(t, 2)
	n := &Note{Type: TypeMessage, From: omar.WithEdition(1<<63 - 1).String(), Time: t0,
		Message: &Message{Sealed: make([]byte, box.Overhead+MaxMessageBytes)}}
	b, err := n.Encode()
	if err != nil || Class(len(b)) != MaxNoteSize {
		t.Fatalf("the largest note is %d bytes (%v)", len(b), err)
	}
	_, err = DecodeNote(append(b, bytes.Repeat([]byte{' '}, MaxNoteSize+1-len(b))...))
	wantCode(t, err, CodeBadNote, "size")
}

func TestDecodeNote(t *testing.T) {
	reply, err := testNotes(t)[0].Encode()
	if err != nil {
		t.Fatal(err)
	}
	r := string(reply)
	sub := func(old, new string) string {
		if strings.Count(r, old) != 1 {
			t.Fatalf("%q in %s", old, r)
		}
		return strings.Replace(r, old, new, 1)
	}
	many := func(k int) string { // an unknown object with k keys
		var b strings.Builder
		b.WriteString(`{`)
		for i := range k {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"k` + strings.Repeat("x", i) + `":0`)
		}
		return b.String() + `}`
	}
	ok := []struct{ name, note string }{
		{"white space", " \t\r\n" + strings.ReplaceAll(strings.ReplaceAll(r, `,"`, " ,\n \""), `":`, "\" : ") + "\n "},
		{"escapes", sub(`"type":"reply"`, `"\u0074ype":"r\u0065ply"`)},
		{"slash escape", sub(`/hams-social/`, `\/hams-social\/`)},
		{"unknown fields", sub(`{"type"`, `{"x":[1,-0,1.5e-3,true,false,null,{"y":"\ud83d\ude00"}],"type"`)},
		{"many unknown keys", sub(`{"type"`, `{"x":`+many(40)+`,"type"`)},
		{"depth 64", sub(`{"type"`, `{"x":`+strings.Repeat("[", 63)+strings.Repeat("]", 63)+`,"type"`)},
		{"canonical", r},
	}
	for _, tt := range ok {
		d, err := DecodeNote([]byte(tt.note))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c, _ := d.Encode(); string(c) != r {
			t.Errorf("%s: canonical %s", tt.name, c)
		}
	}
	bad := []struct{ name, note, path string }{
		{"empty", "", "json"},
		{"spaces", "   ", "json"},
		{"null", "null", "json"},
		{"not utf8", sub(`"reply"`, "\"\xc0\x80\""), "json"},
		{"lone low surrogate", sub(`"reply"`, `"\udc00"`), "json"},
		{"high then not low", sub(`"reply"`, `"\ud800\u0041"`), "json"},
		{"bad escape", sub(`"reply"`, `"\x"`), "json"},
		{"short escape", sub(`"reply"`, `"\u12"`), "json"},
		{"raw newline", sub(`"reply"`, "\"re\nply\""), "json"},
		{"dup in 20 keys", sub(`{"type"`, `{"x":`+strings.TrimSuffix(many(20), "}")+`,"k":1}`+`,"type"`), "json"},
		{"dup in many keys", sub(`{"type"`, `{"x":`+strings.TrimSuffix(many(40), "}")+`,"kxxx":1}`+`,"type"`), "json"},
		{"depth 65", sub(`{"type"`, `{"x":`+strings.Repeat("[", 64)+strings.Repeat("]", 64)+`,"type"`), "json"},
		{"depth 65 objects", sub(`{"type"`, `{"x":`+strings.Repeat(`{"a":`, 64)+"1"+strings.Repeat("}", 64)+`,"type"`), "json"},
		{"leading zero", sub(`"n":5`, `"n":05`), "json"},
		{"plus", sub(`"n":5`, `"n":+5`), "json"},
		{"dot", sub(`"n":5`, `"n":5.`), "json"},
		{"exp", sub(`"n":5`, `"n":5e`), "json"},
		{"trailing comma", sub(`Z"}`, `Z",}`), "json"},
		{"single quotes", sub(`"reply"`, `'reply'`), "json"},
		{"literal", sub(`"n":5`, `"n":nul`), "json"},
		{"unterminated", r[:len(r)-3], "json"},
		{"two objects", r + r, "json"},
		{"n minus zero", sub(`"n":5`, `"n":-0`), "n"},
		{"n bool", sub(`"n":5`, `"n":true`), "n"},
		{"n array", sub(`"n":5`, `"n":[5]`), "n"},
		{"n -2^63-1", sub(`"n":5`, `"n":-9223372036854775809`), "n"},
		{"time array", sub(`"2026-12-05T10:00:00Z"`, `["2026-12-05T10:00:00Z"]`), "time"},
		{"time year 0", sub(`"2026-12-05T10:00:00Z"`, `"0000-12-05T10:00:00Z"`), "time"},
		{"time space", sub(`"2026-12-05T10:00:00Z"`, `"2026-12-05 10:00:00Z"`), "time"},
		{"time leap second", sub(`"2026-12-05T10:00:00Z"`, `"2026-12-31T23:59:60Z"`), "time"},
		{"type object", sub(`"reply"`, `{}`), "type"},
		{"from null", sub(`"from":"`, `"from":null,"x":"`), "from"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeNote([]byte(tt.note))
			wantCode(t, err, CodeBadNote, tt.path)
		})
	}
}

// TestAppendString: the canonical string form of docs/social.md §7 (RFC
// 8785). A valid note's strings never need an escape, but the rule is the
// feed format's.
func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"":                 `""`,
		"reply":            `"reply"`,
		"a\"b\\c/d<e>&":    `"a\"b\\c/d<e>&"`,
		"\b\t\n\f\r":       `"\b\t\n\f\r"`,
		"\x00\x01\x1f\x7f": "\"\\u0000\\u0001\\u001f\x7f\"",
		"ليلى\u2028👋":      "\"ليلى\u2028👋\"",
	} {
		got := string(appendString(nil, in))
		if got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != in {
			t.Errorf("%s reads back as %q, %v", got, back, err)
		}
	}
}
