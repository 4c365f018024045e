package strictjson

// Type is the JSON type of a Value.
type Type uint8

// The JSON types. A Value of the zero Type is no value.
const (
	// TypeObject is a JSON object: {…}.
	TypeObject Type = iota + 1
	// TypeArray is a JSON array: […].
	TypeArray
	// TypeString is a JSON string: "…".
	TypeString
	// TypeNumber is a JSON number, such as -0.5e3.
	TypeNumber
	// TypeBool is true or false.
	TypeBool
	// TypeNull is null.
	TypeNull
)

// String names the type as an error message does, with its article: "an
// object", "an array", "a string", "a number", "a boolean", "null" (so
// that a message reads "is an array, want a string").
func (t Type) String() string {
	switch t {
	case TypeObject:
		return "an object"
	case TypeArray:
		return "an array"
	case TypeString:
		return "a string"
	case TypeNumber:
		return "a number"
	case TypeBool:
		return "a boolean"
	case TypeNull:
		return "null"
	}
	return "no value"
}

// Value is one value of a text Parse accepted: its bytes, as they are in
// the text. Its methods read them again as they are asked to, and never
// meet an error. The zero Value is no value: its Type is 0, and it has no
// members or elements.
type Value struct{ raw []byte }

// Type returns v's JSON type.
func (v Value) Type() Type {
	if len(v.raw) == 0 {
		return 0
	}
	switch v.raw[0] {
	case '{':
		return TypeObject
	case '[':
		return TypeArray
	case '"':
		return TypeString
	case 't', 'f':
		return TypeBool
	case 'n':
		return TypeNull
	}
	return TypeNumber
}

// String returns the value of a string (unescaped), and the JSON text of
// any other value as it is in the parsed text: a number's literal ("-0",
// "1.5e3"), "true", an object with its white space.
func (v Value) String() string {
	if v.Type() != TypeString {
		return string(v.raw)
	}
	s := scanner{b: v.raw}
	r, _ := s.str(true)
	return r
}

// Members returns the members of the object v by key (unescaped); nil when
// v is not an object.
func (v Value) Members() map[string]Value {
	if v.Type() != TypeObject {
		return nil
	}
	b := v.raw
	m := map[string]Value{}
	i := ws(b, 1)
	if b[i] == '}' {
		return m
	}
	for {
		i = ws(b, i)
		s := scanner{b: b, i: i}
		k, _ := s.str(true)
		i = ws(b, s.i) + 1 // ':'
		i = ws(b, i)
		e := end(b, i)
		m[k] = Value{b[i:e]}
		i = ws(b, e)
		if b[i] == '}' {
			return m
		}
		i++ // ','
	}
}

// Elements returns the elements of the array v, and true; or, when it has
// more than max elements, nil and false (it stops reading there). A
// negative max is no limit. An empty array, or a v that is not an array,
// has no elements (nil, true).
func (v Value) Elements(max int) ([]Value, bool) {
	if v.Type() != TypeArray {
		return nil, true
	}
	b := v.raw
	var es []Value
	i := ws(b, 1)
	if b[i] == ']' {
		return nil, true
	}
	for {
		if len(es) == max {
			return nil, false
		}
		i = ws(b, i)
		e := end(b, i)
		es = append(es, Value{b[i:e]})
		i = ws(b, e)
		if b[i] == ']' {
			return es, true
		}
		i++ // ','
	}
}

// end returns the end of the value that starts at b[i] (checked by Parse).
func end(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = endString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// endString returns the end of the string that starts at b[i].
func endString(b []byte, i int) int {
	i++
	for b[i] != '"' {
		if b[i] == '\\' {
			i++
		}
		i++
	}
	return i + 1
}

// ws skips the white space at b[i:].
func ws(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
