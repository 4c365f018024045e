package feed

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary documents to Decode. Nothing may panic; every
// error is an *Error with a rule; whatever decodes re-encodes, and the
// canonical form decodes to the same document and encodes to itself. The
// JSON layer is checked against encoding/json: a document Decode accepts is
// valid JSON, its texts read the same, and a valid JSON object Decode calls
// a syntax error (S3) must be nested too deep. The fields of 1.1 are read
// from a document of version 1.1 or later only, and a document without
// them is written as it was read: a 1.0 document stays 1.0.
func FuzzDecode(f *testing.F) {
	vs, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.PadTo > 0 {
			continue // 1 MiB seeds slow the fuzzer down
		}
		f.Add(v.bytes(f), v.Edition)
	}
	f.Add([]byte(`{"a":"\ud83d\ude00","b":[1,-0,1e5,0.5,true,false,null,{}],"c":"\u0000\/"}`), int64(0))
	f.Add([]byte(`{"format":"hams-social","version":"1.1","edition":1,"time":"2026-12-05T10:00:00Z","device":4095,`+
		`"profile":{"name":"x","box":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","inbox_work":16},`+
		`"posts":[{"n":1,"time":"2026-12-05T10:00:00Z","text":"@y","mentions":["USK@x/hams-social/0"]}],"blocks":[{"feed":""}]}`), int64(1))
	f.Add([]byte(`{"format":"hams-social","version":"1.1","edition":2,"time":"2026-12-05T10:00:00Z","profile":{"name":"x"},`+
		`"posts":[{"n":2,"time":"2026-12-05T09:00:00Z","edited":"2026-12-05T09:30:00Z","warning":"حرق","text":"y"},`+
		`{"n":1,"time":"2026-12-05T08:00:00Z","edited":"2026-12-05T07:59:59Z","warning":"","text":"z"}]}`), int64(2))
	f.Fuzz(func(t *testing.T, b []byte, edition int64) {
		d, err := Decode(b, edition)
		if err != nil {
			rule := RuleOf(err)
			if rule == "" || !strings.HasPrefix(err.Error(), "feed: "+rule+": ") {
				t.Fatalf("error without a rule: %v", err)
			}
			if rule == "S3" && len(b) <= MaxDocSize && utf8.Valid(b) && json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) &&
				!strings.Contains(err.Error(), "nested") {
				t.Fatalf("encoding/json accepts what Decode calls a syntax error: %v", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("Decode accepted invalid JSON %q", b)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if name := m["profile"].(map[string]any)["name"]; name != d.Profile.Name {
			t.Fatalf("name %q, encoding/json reads %q", d.Profile.Name, name)
		}
		for i, p := range d.Posts {
			post := m["posts"].([]any)[i].(map[string]any)
			if text := post["text"]; text != p.Text {
				t.Fatalf("post %d text %q, encoding/json reads %q", i, p.Text, text)
			}
			if ms, _ := post["mentions"].([]any); reads11(d.Version) && len(ms) != len(p.Mentions) {
				t.Fatalf("post %d has %d mentions, encoding/json reads %d", i, len(p.Mentions), len(ms))
			}
			if as, _ := post["alt"].([]any); reads11(d.Version) && len(as) != len(p.Alt) {
				t.Fatalf("post %d has %d alt texts, encoding/json reads %d", i, len(p.Alt), len(as))
			}
			if w, _ := post["warning"].(string); reads11(d.Version) && w != p.Warning {
				t.Fatalf("post %d warning %q, encoding/json reads %q", i, p.Warning, w)
			}
			if !p.Edited.IsZero() && p.Edited.Before(p.Time) {
				t.Fatalf("post %d edited %v before its time %v", i, p.Edited, p.Time)
			}
			for j, a := range p.Alt {
				if ja := post["alt"].([]any)[j]; ja != a {
					t.Fatalf("post %d alt %d %q, encoding/json reads %q", i, j, a, ja)
				}
			}
		}
		if box, _ := m["profile"].(map[string]any)["box"].(string); reads11(d.Version) && box != d.Profile.Box {
			t.Fatalf("box %q, encoding/json reads %q", d.Profile.Box, box)
		}
		if !reads11(d.Version) && d.uses11() {
			t.Fatalf("fields of 1.1 read from a document of version %s", d.Version)
		}
		c, err := d.Encode()
		if err != nil {
			t.Fatalf("a decoded document does not encode: %v", err)
		}
		if want := `{"format":"hams-social","version":` + strconv.Quote(d.Version) + `,`; !strings.HasPrefix(string(c), want) {
			t.Fatalf("a document of version %s is written as %.60s", d.Version, c)
		}
		d2, err := Decode(c, edition)
		if err != nil {
			t.Fatalf("the canonical form %s does not decode: %v", c, err)
		}
		if d2.String() != d.String() {
			t.Fatalf("the canonical form decodes to\n%s\nnot\n%s", d2, d)
		}
		c2, err := d2.Encode()
		if err != nil || !bytes.Equal(c, c2) {
			t.Fatalf("the canonical form is not stable:\n%s\n%s", c, c2)
		}
		if len(c) > len(b) {
			t.Fatalf("the canonical form is longer than the document: %d > %d", len(c), len(b))
		}
	})
}
