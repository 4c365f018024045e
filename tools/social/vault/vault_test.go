package vault

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// cheap are the parameters of the tests: MinParams.
var cheap = MinParams

// TestVaultRoundTrip: a vault made, written, closed and unlocked again
// gives back its files; a wrong passphrase and a damaged header are told
// apart; a closed vault's key is erased.
func TestVaultRoundTrip(t *testing.T) {
	dir := t.TempDir()
	v, err := Create(dir, "correct horse battery staple", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir, "another one", cheap); !errors.Is(err, ErrExists) {
		t.Fatalf("a second Create: %v", err)
	}
	if err := v.WriteFile(filepath.Join("feeds", "a.json"), []byte(`{"secret":1}`)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "feeds", "a.json"))
	if bytes.Contains(raw, []byte("secret")) || !bytes.HasPrefix(raw, []byte(Magic)) {
		t.Fatalf("not sealed: %q", raw)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "feeds", "a.json")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if _, err := v.ReadFile("missing.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
	for _, bad := range []string{"../x", "/abs", HeaderFile, "a/../b", ""} {
		if err := v.WriteFile(bad, nil); err == nil {
			t.Errorf("wrote %q", bad)
		}
	}
	if err := v.Verify("correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify("wrong"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Verify a wrong passphrase: %v", err)
	}
	key := v.key
	v.Close()
	if key.k != [KeySize]byte{} {
		t.Fatal("Close left the key in memory")
	}
	if _, err := v.ReadFile("feeds/a.json"); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}

	if _, err := Unlock(dir, "correct horse battery stapler"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	v, err = Unlock(dir, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := v.ReadFile("feeds/a.json"); err != nil || string(b) != `{"secret":1}` {
		t.Fatalf("read back: %q %v", b, err)
	}
	// A file moved to another name does not open.
	os.WriteFile(filepath.Join(dir, "b.json"), raw, 0o600)
	var fe *FormatError
	if _, err := v.ReadFile("b.json"); !errors.As(err, &fe) {
		t.Fatalf("a moved file: %v", err)
	}
	// Sealing in place: a plain file is sealed, a sealed one left alone.
	os.WriteFile(filepath.Join(dir, "plain.json"), []byte(`{"old":true}`), 0o600)
	if done, err := v.SealInPlace("plain.json"); !done || err != nil {
		t.Fatalf("SealInPlace: %v %v", done, err)
	}
	if done, err := v.SealInPlace("plain.json"); done || err != nil {
		t.Fatalf("SealInPlace twice: %v %v", done, err)
	}
	if b, err := v.ReadFile("plain.json"); err != nil || string(b) != `{"old":true}` {
		t.Fatalf("sealed in place: %q %v", b, err)
	}
	v.Close()

	// A damaged header is damage, not a wrong passphrase.
	h, _ := os.ReadFile(filepath.Join(dir, HeaderFile))
	os.WriteFile(filepath.Join(dir, HeaderFile), bytes.Replace(h, []byte(`"time": 1`), []byte(`"time": 2`), 1), 0o600)
	if _, err := Unlock(dir, "correct horse battery staple"); !errors.As(err, &fe) {
		t.Fatalf("damaged header: %v", err)
	}
	// Erased: nothing opens any more.
	// A new passphrase: the header alone changes; the files still open.
	if err := os.WriteFile(filepath.Join(dir, HeaderFile), h, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err = Unlock(dir, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.ChangePassphrase("wrong", "new passphrase", cheap); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with a wrong passphrase: %v", err)
	}
	if err := v.ChangePassphrase("correct horse battery staple", "new passphrase", cheap); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify("new passphrase"); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if _, err := Unlock(dir, "correct horse battery staple"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("the old passphrase after the change: %v", err)
	}
	v, err = Unlock(dir, "new passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := v.ReadFile("plain.json"); err != nil || string(b) != `{"old":true}` {
		t.Fatalf("a file after the change: %q %v", b, err)
	}
	v.Close()
	if err := Erase(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Unlock(dir, "correct horse battery staple"); !errors.Is(err, ErrNoVault) {
		t.Fatalf("after Erase: %v", err)
	}
	if ok, err := Exists(dir); ok || err != nil {
		t.Fatalf("Exists after Erase: %v %v", ok, err)
	}
}

// TestParams: parameters out of bounds are refused before any work.
func TestParams(t *testing.T) {
	for _, p := range []Params{{0, 8 << 10, 1}, {17, 8 << 10, 1}, {1, 8<<10 - 1, 1}, {1, 1<<20 + 1, 1}, {1, 8 << 10, 0}, {1, 8 << 10, 17}} {
		var fe *FormatError
		if _, err := DeriveKey("p", make([]byte, SaltSize), p); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	if err := DefaultParams.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := DeriveKey("p", make([]byte, 15), cheap); err == nil {
		t.Error("a short salt")
	}
}

// TestSealPassphrase: an envelope opens with its passphrase and name only.
func TestSealPassphrase(t *testing.T) {
	b, err := SealPassphrase("export passphrase", "hams-social-identity", []byte("the identity"), cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !IsEnvelope(b) || IsEnvelope([]byte(`{"format":"hams-social-identity"}`)) {
		t.Fatal("IsEnvelope")
	}
	if p, err := OpenPassphrase("export passphrase", "hams-social-identity", b); err != nil || string(p) != "the identity" {
		t.Fatalf("open: %q %v", p, err)
	}
	if _, err := OpenPassphrase("export passphrase!", "hams-social-identity", b); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := OpenPassphrase("export passphrase", "vault.json", b); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("another name: %v", err)
	}
}

// FuzzOpen: the sealed file parser never panics, and accepts only what
// the key sealed under that name.
func FuzzOpen(f *testing.F) {
	k := &Key{}
	copy(k.k[:], "0123456789abcdef0123456789abcdef")
	good, _ := k.Seal("own.json", []byte("{}"), nil)
	f.Add(good)
	f.Add([]byte(Magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := k.Open("own.json", b)
		if err == nil && !bytes.Equal(b, good) { // only a forgery could
			t.Fatalf("opened %x as %q", b, p)
		}
		var fe *FormatError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error not a FormatError: %v", err)
		}
	})
}

// FuzzEnvelope: the envelope parser never panics, and refuses with a
// FormatError whatever is not well formed.
func FuzzEnvelope(f *testing.F) {
	env, _, _ := sealEnvelope("p", HeaderFile, []byte(seq(0, 32)), cheap, make([]byte, SaltSize), make([]byte, NonceSize))
	f.Add(env)
	f.Add([]byte(`{"format":"hams-social-sealed"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseEnvelope("x", b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error not a FormatError: %v", err)
			}
			return
		}
		if e.Params.Check() != nil || len(e.Salt) != SaltSize || len(e.Sealed) < Overhead || e.Sum != e.sum() {
			t.Fatalf("accepted a bad envelope: %+v", e)
		}
	})
}
