package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorDir holds the test vectors of docs/social-vault.md.
const vectorDir = "../../../docs/vectors/social-vault"

var writeVectors = flag.Bool("write-vectors", false, "write the vectors in "+vectorDir+" from the vector specs (then review the diff)")

// vector is one file of docs/vectors/social-vault. Kind "file": Key (hex:
// the sealing key, derived from a vault's Secret when it is given) seals
// Plain as Name under
// Nonce into Sealed (hex). Kind "envelope": Passphrase, Salt, Params and
// Nonce seal Plain as Name into Envelope (its text). A vector with Reject
// set must be refused when opened ("format" or "passphrase": the error)
// with Key or Passphrase, and Sealed or Envelope is what to open.
type vector struct {
	Comment    string  `json:"comment"`
	Kind       string  `json:"kind"`
	Passphrase string  `json:"passphrase,omitempty"`
	Secret     string  `json:"secret,omitempty"`
	Params     *Params `json:"params,omitempty"`
	Salt       string  `json:"salt,omitempty"`
	Key        string  `json:"key,omitempty"`
	Name       string  `json:"name"`
	Nonce      string  `json:"nonce,omitempty"`
	Plain      string  `json:"plain,omitempty"`
	Sealed     string  `json:"sealed,omitempty"`
	Envelope   string  `json:"envelope,omitempty"`
	Reject     string  `json:"reject,omitempty"`
	// Blind, when set, is blinded (Key.Blind) into Blinded under the key
	// derived from Secret.
	Blind   string `json:"blind,omitempty"`
	Blinded string `json:"blinded,omitempty"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seq(from, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return hex.EncodeToString(b)
}

// specs are the vectors before their expected bytes are computed
// (-write-vectors); mutate changes the bytes of a rejected one.
var specs = []struct {
	file   string
	v      vector
	mutate func(v *vector)
}{
	{"file-own.json", vector{Comment: "the own feed sealed under the keys derived from a vault's secret", Kind: "file",
		Secret: seq(0, 32), Name: "own.json", Nonce: seq(16, 24),
		Plain: `{"edition":-1,"next_n":1}`, Blind: "feed:USK@abc,def,AQACAAE/hams-social/0"}, nil},
	{"file-image.json", vector{Comment: "a cached image in a folder: the name uses forward slashes", Kind: "file",
		Key: seq(100, 32), Name: "images/0a1b2c", Nonce: seq(40, 24), Plain: "GIF89a\x01\x00\x01\x00"}, nil},
	{"file-empty.json", vector{Comment: "an empty file: magic, nonce and tag only", Kind: "file",
		Key: seq(100, 32), Name: "notes.json", Nonce: seq(0, 24), Plain: ""}, nil},
	{"envelope-header.json", vector{Comment: "a vault header (vault.json): the vault's secret, in hex, sealed under the passphrase", Kind: "envelope",
		Passphrase: "correct horse battery staple", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(200, 24),
		Plain: seq(0, 32)}, nil},
	{"envelope-arabic-nfd.json", vector{Comment: "an Arabic passphrase typed decomposed (alef + hamza above, U+0627 U+0654) opens what the composed one (U+0623) sealed: passphrases are normalised to NFC", Kind: "envelope",
		Passphrase: "\u0623\u0645\u0627\u0646 \u0627\u0644\u0628\u064a\u062a \u0661\u0662\u0663", Params: &MinParams, Salt: seq(50, 16), Name: "hams-social-identity", Nonce: seq(1, 24),
		Plain: `{"format":"hams-social-identity"}`}, func(v *vector) {
		v.Passphrase = strings.ReplaceAll(v.Passphrase, "\u0623", "\u0627\u0654")
		v.Reject = ""
	}},
	{"reject-magic.json", vector{Comment: "MUST reject: not the magic", Kind: "file", Key: seq(100, 32), Name: "own.json", Nonce: seq(0, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Sealed = "48414d53564c5801" + v.Sealed[16:] }},
	{"reject-version.json", vector{Comment: "MUST reject: format version 2", Kind: "file", Key: seq(100, 32), Name: "own.json", Nonce: seq(0, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Sealed = v.Sealed[:14] + "02" + v.Sealed[16:] }},
	{"reject-short.json", vector{Comment: "MUST reject: shorter than magic, nonce and tag (47 bytes)", Kind: "file", Key: seq(100, 32), Name: "own.json", Nonce: seq(0, 24), Plain: "", Reject: "format"},
		func(v *vector) { v.Sealed = v.Sealed[:94] }},
	{"reject-tag.json", vector{Comment: "MUST reject: one bit of the tag flipped", Kind: "file", Key: seq(100, 32), Name: "own.json", Nonce: seq(0, 24), Plain: "hello", Reject: "format"},
		func(v *vector) {
			b, _ := hex.DecodeString(v.Sealed)
			b[len(b)-1] ^= 1
			v.Sealed = hex.EncodeToString(b)
		}},
	{"reject-swapped.json", vector{Comment: "MUST reject: a file sealed as identity.json, opened as own.json (files cannot be swapped)", Kind: "file", Key: seq(100, 32), Name: "identity.json", Nonce: seq(0, 24), Plain: "{}", Reject: "format"},
		func(v *vector) { v.Name = "own.json" }},
	{"reject-wrong-passphrase.json", vector{Comment: "MUST reject, as a wrong passphrase: a whole envelope opened with another passphrase", Kind: "envelope", Passphrase: "correct horse battery staple", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: seq(0, 32), Reject: "passphrase"},
		func(v *vector) { v.Passphrase = "correct horse battery stable" }},
	{"reject-sum.json", vector{Comment: "MUST reject, as damage (not a wrong passphrase): one byte of the salt changed, the sum no longer matches", Kind: "envelope", Passphrase: "correct horse battery staple", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: seq(0, 32), Reject: "format"},
		func(v *vector) { v.Envelope = strings.Replace(v.Envelope, `"salt": "A`, `"salt": "B`, 1) }},
	{"reject-params-memory.json", vector{Comment: "MUST reject: memory above MaxParams (1 GiB), even with a matching sum", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = resum(v.Envelope, func(e *envelope) { e.MemoryKiB = 1<<20 + 1 }) }},
	{"reject-params-time.json", vector{Comment: "MUST reject: zero passes, even with a matching sum", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = resum(v.Envelope, func(e *envelope) { e.Time = 0 }) }},
	{"reject-salt.json", vector{Comment: "MUST reject: a 15-byte salt", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = resum(v.Envelope, func(e *envelope) { e.Salt = e.Salt[:15] }) }},
	{"reject-kdf.json", vector{Comment: "MUST reject: a key derivation other than argon2id", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = resum(v.Envelope, func(e *envelope) { e.KDF = "argon2i" }) }},
	{"reject-envelope-version.json", vector{Comment: "MUST reject: envelope version 2", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = resum(v.Envelope, func(e *envelope) { e.Version = 2 }) }},
	{"reject-unknown-field.json", vector{Comment: "MUST reject: an unknown field", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope = strings.Replace(v.Envelope, "{", `{"extra": 1,`, 1) }},
	{"reject-trailing.json", vector{Comment: "MUST reject: data after the envelope", Kind: "envelope", Passphrase: "p", Params: &MinParams, Salt: seq(0, 16), Name: HeaderFile, Nonce: seq(3, 24), Plain: "x", Reject: "format"},
		func(v *vector) { v.Envelope += "{}" }},
}

// resum changes an envelope and computes its sum again.
func resum(s string, f func(*envelope)) string {
	var e envelope
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		panic(err)
	}
	f(&e)
	e.Sum = e.sum()
	b, _ := json.MarshalIndent(e, "", " ")
	return string(b) + "\n"
}

// compute fills in a vector's expected bytes.
func compute(t *testing.T, v *vector) {
	t.Helper()
	switch v.Kind {
	case "file":
		k := vectorKey(t, v)
		b, err := k.sealNonce(v.Name, []byte(v.Plain), unhex(t, v.Nonce))
		if err != nil {
			t.Fatal(err)
		}
		v.Sealed = hex.EncodeToString(b)
	case "envelope":
		b, _, err := sealEnvelope(v.Passphrase, v.Name, []byte(v.Plain), *v.Params, unhex(t, v.Salt), unhex(t, v.Nonce))
		if err != nil {
			t.Fatal(err)
		}
		v.Envelope = string(b)
	}
}

func vectorKey(t *testing.T, v *vector) *Key {
	t.Helper()
	if v.Key != "" {
		k := &Key{}
		copy(k.k[:], unhex(t, v.Key))
		return k
	}
	k, err := keyFrom(unhex(t, v.Secret))
	if err != nil {
		t.Fatal(err)
	}
	v.Key = hex.EncodeToString(k.k[:])
	if v.Blind != "" {
		v.Blinded = k.Blind(v.Blind)
	}
	return k
}

// TestVectors checks every vector: the accepted ones seal to their bytes
// and open back; the rejected ones are refused with the error they name.
func TestVectors(t *testing.T) {
	if *writeVectors {
		os.MkdirAll(vectorDir, 0o755)
		for _, s := range specs {
			v := s.v
			compute(t, &v)
			if v.Kind == "file" {
				vectorKey(t, &v)
			}
			if s.mutate != nil {
				s.mutate(&v)
			}
			b, _ := json.MarshalIndent(v, "", "  ")
			if err := os.WriteFile(filepath.Join(vectorDir, s.file), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if len(files) < len(specs) {
		t.Fatalf("%d vectors in %s, want %d", len(files), vectorDir, len(specs))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v vector
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			switch v.Kind {
			case "file":
				checkFileVector(t, v)
			case "envelope":
				checkEnvelopeVector(t, v)
			default:
				t.Fatalf("kind %q", v.Kind)
			}
		})
	}
}

func checkFileVector(t *testing.T, v vector) {
	k := &Key{}
	copy(k.k[:], unhex(t, v.Key))
	if v.Secret != "" {
		d, err := keyFrom(unhex(t, v.Secret))
		if err != nil || d.k != k.k {
			t.Fatalf("the key derived from the secret is not the vector's key (%v)", err)
		}
		if v.Blind != "" && d.Blind(v.Blind) != v.Blinded {
			t.Fatalf("blinded name %s, want %s", d.Blind(v.Blind), v.Blinded)
		}
	}
	sealed := unhex(t, v.Sealed)
	plain, err := k.Open(v.Name, sealed)
	if v.Reject != "" {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("accepted (%q, %v), want a FormatError", plain, err)
		}
		return
	}
	if err != nil || string(plain) != v.Plain {
		t.Fatalf("open: %q %v", plain, err)
	}
	again, err := k.sealNonce(v.Name, []byte(v.Plain), unhex(t, v.Nonce))
	if err != nil || !bytes.Equal(again, sealed) {
		t.Fatalf("sealing again gives other bytes: %x", again)
	}
}

func checkEnvelopeVector(t *testing.T, v vector) {
	plain, err := OpenPassphrase(v.Passphrase, v.Name, []byte(v.Envelope))
	switch v.Reject {
	case "passphrase":
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("got %q %v, want ErrWrongPassphrase", plain, err)
		}
		return
	case "format":
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("got %q %v, want a FormatError", plain, err)
		}
		return
	}
	if err != nil || string(plain) != v.Plain {
		t.Fatalf("open: %q %v", plain, err)
	}
	if v.Nonce == "" || v.Salt == "" {
		return
	}
	// Sealed with the composed passphrase when it is given decomposed.
	again, _, err := sealEnvelope(v.Passphrase, v.Name, []byte(v.Plain), *v.Params, unhex(t, v.Salt), unhex(t, v.Nonce))
	if err != nil || string(again) != v.Envelope {
		t.Fatalf("sealing again gives another envelope:\n%s", again)
	}
}
