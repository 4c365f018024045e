package fcpwire

import (
	"io"
	"strconv"
	"strings"
)

// Field is one Field=Value line. Names are case-sensitive and may hold dots
// ("Metadata.ContentType", "Files.0.Name").
type Field struct {
	Name, Value string
}

// Message is one FCP message.
type Message struct {
	// Name is the message name, e.g. "ClientHello".
	Name string
	// Fields are the Field=Value lines in order. A name appears at most once.
	// A message read with many fields keeps an index of their names for
	// Lookup; it notices appends and a new slice, but renaming or removing
	// fields in place (Fields[i].Name = ..., reusing Fields[:0]) must go
	// through Set and Del instead.
	Fields []Field
	// Data, when not nil, is the payload: exactly DataLength bytes. From a
	// Reader it streams from the connection and is valid only until the next
	// ReadMessage; a Writer copies it after the header.
	Data io.Reader
	// DataLength is the size of Data; ignored when Data is nil.
	DataLength int64

	// index maps the names of Fields[:indexLen] to their positions, when
	// indexBase is &Fields[0]: set by a Reader for messages with many
	// fields, so that looking up each of n fields takes O(n), not O(n²).
	index     map[string]int32
	indexLen  int
	indexBase *Field
}

// setIndex attaches index, which covers all of m.Fields.
func (m *Message) setIndex(index map[string]int32) {
	if index == nil || len(m.Fields) == 0 {
		return
	}
	m.index, m.indexLen, m.indexBase = index, len(m.Fields), &m.Fields[0]
}

// find returns the position of field name, or -1.
func (m *Message) find(name string) int {
	if m.index != nil && len(m.Fields) >= m.indexLen && m.indexLen > 0 && &m.Fields[0] == m.indexBase {
		if i, ok := m.index[name]; ok && m.Fields[i].Name == name {
			return int(i)
		}
		// Not among the indexed fields: look at those appended since.
		for i := m.indexLen; i < len(m.Fields); i++ {
			if m.Fields[i].Name == name {
				return i
			}
		}
		return -1
	}
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Lookup returns the value of field name and whether it is present.
func (m *Message) Lookup(name string) (string, bool) {
	if i := m.find(name); i >= 0 {
		return m.Fields[i].Value, true
	}
	return "", false
}

// Get returns the value of field name, or "" when it is absent.
func (m *Message) Get(name string) string {
	v, _ := m.Lookup(name)
	return v
}

// Set sets field name to value, replacing an existing value in place or
// appending a new field. It returns m, so calls chain.
func (m *Message) Set(name, value string) *Message {
	if i := m.find(name); i >= 0 {
		m.Fields[i].Value = value
		return m
	}
	m.Fields = append(m.Fields, Field{name, value})
	return m
}

// Del removes field name if present.
func (m *Message) Del(name string) {
	if i := m.find(name); i >= 0 {
		m.Fields = append(m.Fields[:i], m.Fields[i+1:]...)
		m.index = nil // positions moved
	}
}

// Require returns the value of field name, or a ProtocolError of code
// CodeMissingField naming it.
func (m *Message) Require(name string) (string, error) {
	v, ok := m.Lookup(name)
	if !ok {
		return "", m.fieldErr(CodeMissingField, "%s needs field %s", m.Name, name)
	}
	return v, nil
}

// Bool returns field name as a boolean ("true"/"false"/"yes"/"no", any
// case), def when it is absent, or a ProtocolError of code CodeInvalidField.
func (m *Message) Bool(name string, def bool) (bool, error) {
	v, ok := m.Lookup(name)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return def, m.fieldErr(CodeInvalidField, "%s=%q is not true or false", name, v)
}

// Int64 returns field name as a decimal integer, def when it is absent, or a
// ProtocolError of code CodeErrorParsingNumber.
func (m *Message) Int64(name string, def int64) (int64, error) {
	v, ok := m.Lookup(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return def, m.fieldErr(CodeErrorParsingNumber, "%s=%q is not a decimal integer", name, v)
	}
	return n, nil
}

// fieldErr returns a non-fatal ProtocolError about m, carrying its
// Identifier and Global fields so the client can match it to its request.
func (m *Message) fieldErr(code int, format string, args ...any) *ProtocolError {
	e := protoErr(code, false, format, args...)
	e.Identifier = m.Get("Identifier")
	e.Global = strings.EqualFold(m.Get("Global"), "true")
	return e
}

// Errorf returns a non-fatal ProtocolError about m (with its Identifier and
// Global fields), for a handler that finds a field value it cannot use.
func (m *Message) Errorf(code int, format string, args ...any) *ProtocolError {
	return m.fieldErr(code, format, args...)
}

// String returns the message header as it goes on the wire (without data).
func (m *Message) String() string {
	var b strings.Builder
	b.WriteString(m.Name)
	b.WriteByte('\n')
	for _, f := range m.Fields {
		b.WriteString(f.Name)
		b.WriteByte('=')
		b.WriteString(f.Value)
		b.WriteByte('\n')
	}
	if m.Data != nil {
		b.WriteString("Data\n")
	} else {
		b.WriteString("EndMessage\n")
	}
	return b.String()
}
