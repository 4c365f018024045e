package strictjson_test

import (
	"errors"
	"fmt"

	"github.com/hamsnet/hams/tools/social/strictjson"
)

// Read a text, then only the members wanted: "extra" is checked by Parse
// but never decoded.
func Example() {
	text := []byte(`{"name":"Layla \u0627", "tags":["a","b"], "n":7, "extra":{"x":[1,2,3]}}`)
	v, err := strictjson.Parse(text, "note")
	if err != nil {
		panic(err)
	}
	m := v.Members()
	fmt.Println(m["name"].Type(), m["name"].String())
	tags, ok := m["tags"].Elements(4)
	fmt.Println(len(tags), ok, tags[1].String())
	fmt.Println(m["n"].Type(), m["n"].String())
	// Output:
	// a string Layla ا
	// 2 true b
	// a number 7
}

// A key that appears twice, spelled differently, is rejected.
func ExampleParse_duplicateKey() {
	_, err := strictjson.Parse([]byte(`{"edition":1,"edit\u0069on":2}`), "document")
	fmt.Println(err)
	var e *strictjson.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Offset)
	}
	// Output:
	// strictjson: offset 13: key "edition" appears twice in one object
	// duplicate key 13
}

func ExampleAppendString() {
	b := []byte(`{"text":`)
	b = strictjson.AppendString(b, "Tab\there, \"quotes\", </b> and ☀️")
	b = append(b, '}')
	fmt.Println(string(b))
	// Output:
	// {"text":"Tab\there, \"quotes\", </b> and ☀️"}
}
