package inbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOpen feeds arbitrary envelopes to Open, and arbitrary opened
// plaintexts to what Open does after the seal (the padding, then the
// note). Nothing may panic; every error is an *Error; what opens
// re-encodes to a note that seals and opens again, and the padding rules
// agree with DecodeNote. The work floor is lowered to 0 so that the fuzzer
// gets past the proof of work; the seeds are the vectors' envelopes, and
// the key and slot those of the vectors, so that they open.
func FuzzOpen(f *testing.F) {
	lowWork(f, 0)
	vs, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	var me KeyPair
	var slot string
	for _, v := range vs {
		if v.Name == "open-reply" {
			me, slot = v.Recipient.pair(f), v.Slot
		}
	}
	if slot == "" {
		f.Fatal("no vector open-reply")
	}
	for _, v := range vs {
		if (v.Op == "open" || v.Op == "reject") && len(v.Envelope) <= 2*EnvelopeSize(512) {
			note := v.noteBytes(f)
			f.Add(unhex(f, v.Envelope), append(note, bytes.Repeat([]byte{' '}, max(0, Class(len(note))-len(note)))...))
		}
	}
	f.Fuzz(func(t *testing.T, env, plain []byte) {
		n, err := Open(env, slot, 0, me)
		check(t, n, err, env, slot, me)

		// After the seal: the padding, then the note.
		n, err = unpad(plain)
		if err != nil && CodeOf(err) != CodeBadNote {
			t.Fatalf("an opened plaintext: %v", err)
		}
		j := bytes.TrimRight(plain, " ")
		if Class(len(j)) != len(plain) {
			if PathOf(err) != "padding" {
				t.Fatalf("%d bytes padded to %d: %v", len(j), len(plain), err)
			}
			return
		}
		if n2, err2 := DecodeNote(j); (err == nil) != (err2 == nil) || err != nil && PathOf(err) != PathOf(err2) {
			t.Fatalf("unpad: %v; DecodeNote: %v", err, err2)
		} else if err == nil {
			a, _ := n.Encode()
			b, _ := n2.Encode()
			if !bytes.Equal(a, b) {
				t.Fatalf("unpad reads %s, DecodeNote %s", a, b)
			}
		}
	})
}

// check checks what Open returned for env.
func check(t *testing.T, n *Note, err error, env []byte, slot string, me KeyPair) {
	t.Helper()
	if err != nil {
		if CodeOf(err) == 0 || !strings.HasPrefix(err.Error(), "inbox: "+CodeOf(err).String()) {
			t.Fatalf("not an *Error: %v", err)
		}
		if n != nil {
			t.Fatal("a note and an error")
		}
		return
	}
	if len(env) > MaxEnvelopeSize || string(env[:6]) != Magic {
		t.Fatalf("Open accepted %d bytes starting %q", len(env), env[:min(len(env), 6)])
	}
	c, err := n.Encode()
	if err != nil {
		t.Fatalf("an opened note does not encode: %v", err)
	}
	again, err := Seal(n, me.Public, slot, 0, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	n2, err := Open(again, slot, 0, me)
	if err != nil {
		t.Fatalf("the note sealed again does not open: %v", err)
	}
	if c2, _ := n2.Encode(); !bytes.Equal(c, c2) {
		t.Fatalf("%s became %s", c, c2)
	}
}

// FuzzNote feeds arbitrary notes to DecodeNote. Nothing may panic; every
// error is a CodeBadNote *Error; what decodes is valid JSON that
// encoding/json reads the same, re-encodes, and its canonical form decodes
// to itself and is no longer than the input.
func FuzzNote(f *testing.F) {
	vs, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.Op == "open" || v.Op == "reject" {
			f.Add(v.noteBytes(f))
		}
	}
	f.Add([]byte(`{"a":"\ud83d\ude00","b":[1,-0,1e5,0.5,true,false,null,{}],"c":"\u0000\/"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := DecodeNote(b)
		if err != nil {
			if CodeOf(err) != CodeBadNote {
				t.Fatalf("not a bad-note error: %v", err)
			}
			if PathOf(err) == "json" && len(b) <= MaxNoteSize && utf8.Valid(b) && json.Valid(b) &&
				bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) && !strings.Contains(err.Error(), "nested") &&
				!strings.Contains(err.Error(), "twice") && !strings.Contains(err.Error(), "surrogate") {
				t.Fatalf("encoding/json accepts what DecodeNote calls a syntax error: %v", err)
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("DecodeNote accepted what encoding/json does not: %v", err)
		}
		if m["type"] != n.Type || m["from"] != n.From {
			t.Fatalf("type %q from %q; encoding/json reads %v, %v", n.Type, n.From, m["type"], m["from"])
		}
		c, err := n.Encode()
		if err != nil {
			t.Fatalf("a decoded note does not encode: %v", err)
		}
		n2, err := DecodeNote(c)
		if err != nil {
			t.Fatalf("the canonical form %s does not decode: %v", c, err)
		}
		if c2, _ := n2.Encode(); !bytes.Equal(c, c2) {
			t.Fatalf("the canonical form is not stable:\n%s\n%s", c, c2)
		}
		if len(c) > len(b) {
			t.Fatalf("the canonical form is longer than the note: %d > %d", len(c), len(b))
		}
	})
}
