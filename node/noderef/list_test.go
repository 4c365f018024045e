package noderef

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	var refs [][]byte
	for i := range 3 {
		priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
		r, err := New(priv, Ref{Name: strings.Repeat("x", i+1), TCP: []string{"127.0.0.1:9700"}})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, r.Marshal())
	}
	text := bytes.Join(refs, []byte("\n")) // a blank line between each
	got, err := ParseList(text)
	if err != nil || len(got) != 3 || got[2].Name != "xxx" {
		t.Fatalf("ParseList = %d refs, %v", len(got), err)
	}
	if got, err := ParseList(bytes.TrimSuffix(text, []byte("\n"))); err != nil || len(got) != 3 {
		t.Fatalf("without the final LF: %d refs, %v", len(got), err)
	}
	bad := append(append([]byte(nil), refs[0]...), bytes.Replace(refs[1], []byte("myName=xx"), []byte("myName=yy"), 1)...)
	var e *Error
	if _, err := ParseList(bad); !errors.As(err, &e) || e.Rule != "N12" || !strings.Contains(err.Error(), "ref 2") {
		t.Fatalf("a tampered second ref: %v", err)
	}
	for _, s := range []string{"", "\n\n", "garbage", string(refs[0]) + "trailing"} {
		if _, err := ParseList([]byte(s)); err == nil {
			t.Errorf("ParseList(%q) accepted", s)
		}
	}
}

func FuzzParseList(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	r, _ := New(priv, Ref{Name: "seed", Onion: []string{}})
	f.Add(r.Marshal())
	f.Add(append(append(r.Marshal(), '\n'), r.Marshal()...))
	f.Add([]byte("End\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		refs, err := ParseList(text)
		if err != nil {
			return
		}
		for _, r := range refs {
			if _, err := Parse(r.Marshal()); err != nil {
				t.Fatalf("a listed ref does not parse again: %v", err)
			}
		}
	})
}
