// Package vault keeps files encrypted at rest under a passphrase, for the
// social front-end's local state (docs/social-vault.md).
//
// Each file is sealed with XChaCha20-Poly1305 under a random 24-byte
// nonce, with the file's name (relative to the directory) as associated
// data, so that files cannot be swapped for one another. The key comes
// from a random secret, which the header file in the directory
// (HeaderFile) keeps sealed under a key derived from the passphrase and a
// random salt with Argon2id (RFC 9106): a wrong passphrase does not open
// it, a damaged header fails its checksum, and changing the passphrase
// rewrites the header alone. Removing the header erases the directory
// cryptographically: without it, no passphrase gives the key again.
//
// The same envelope, with a salt of its own, seals a single file under a
// passphrase (SealPassphrase), for an identity exported to another
// device.
package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/text/unicode/norm"
)

// HeaderFile is the name of the vault's header in its directory.
const HeaderFile = "vault.json"

// Magic starts every sealed file: "HAMSVLT" and the format version, 1.
const Magic = "HAMSVLT\x01"

// Sizes of the sealed file format.
const (
	// NonceSize is the XChaCha20-Poly1305 nonce's size.
	NonceSize = chacha20poly1305.NonceSizeX
	// Overhead is what sealing adds to a file: magic, nonce and tag.
	Overhead = len(Magic) + NonceSize + chacha20poly1305.Overhead
	// SaltSize is the size of an Argon2id salt.
	SaltSize = 16
	// KeySize is the size of a derived key.
	KeySize = chacha20poly1305.KeySize
)

// The envelope's format name, and the bound of a passphrase.
const (
	envelopeFormat = "hams-social-sealed"
	// MaxPassphrase bounds a passphrase, in bytes.
	MaxPassphrase = 1024
)

// Params are Argon2id's parameters. They are stored in the header and in
// every envelope, so that later versions can raise them.
type Params struct {
	// Time is the number of passes over the memory.
	Time uint32 `json:"time"`
	// MemoryKiB is the memory used, in KiB.
	MemoryKiB uint32 `json:"memory_kib"`
	// Threads is the parallelism.
	Threads uint8 `json:"threads"`
}

// DefaultParams are the parameters of a new vault: three passes over
// 64 MiB with one thread. This is RFC 9106's second recommended option
// (for memory-constrained settings) with one lane instead of four: the
// front-end runs on the person's own device, which may be a phone with
// 1-2 GiB of memory and slow cores, and unlocking there must stay well
// under a second and a small share of the memory, while each guess of
// someone who took the device still costs 64 MiB and three passes.
var DefaultParams = Params{Time: 3, MemoryKiB: 64 << 10, Threads: 1}

// MinParams and MaxParams bound the parameters a header or an envelope
// may name: below MinParams a guess is too cheap; above MaxParams a
// crafted file could make opening it take gigabytes or minutes.
var (
	MinParams = Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1}
	MaxParams = Params{Time: 16, MemoryKiB: 1 << 20, Threads: 16}
)

// Check reports whether p lies within MinParams and MaxParams.
func (p Params) Check() error {
	if p.Time < MinParams.Time || p.Time > MaxParams.Time ||
		p.MemoryKiB < MinParams.MemoryKiB || p.MemoryKiB > MaxParams.MemoryKiB ||
		p.Threads < MinParams.Threads || p.Threads > MaxParams.Threads {
		return &FormatError{Reason: fmt.Sprintf("Argon2id parameters out of bounds (time %d, memory %d KiB, threads %d)", p.Time, p.MemoryKiB, p.Threads)}
	}
	return nil
}

// ErrWrongPassphrase: the passphrase does not open the header or the
// envelope (which is otherwise whole).
var ErrWrongPassphrase = errors.New("social/vault: wrong passphrase")

// ErrNoVault: the directory holds no vault header.
var ErrNoVault = errors.New("social/vault: no vault in this directory")

// ErrExists: Create found a vault already.
var ErrExists = errors.New("social/vault: a vault exists already")

// ErrClosed: the vault was closed (its key erased).
var ErrClosed = errors.New("social/vault: the vault is closed")

// FormatError is a file that is not a well-formed sealed file or
// envelope, or one that does not open under the key (damaged, changed, or
// moved from another name).
type FormatError struct {
	// Name is the file's name, if known.
	Name string
	// Reason says what is wrong.
	Reason string
}

func (e *FormatError) Error() string {
	if e.Name == "" {
		return "social/vault: " + e.Reason
	}
	return "social/vault: " + e.Name + ": " + e.Reason
}

// Key is a derived key: the key that seals files, and the key that
// blinds file names (Blind). Zero erases them.
type Key struct {
	k      [KeySize]byte
	names  [KeySize]byte
	zeroed bool
}

// HKDF-SHA256 infos of the two keys derived from Argon2id's output.
const (
	infoSeal  = "hams-social-vault v1 seal"
	infoNames = "hams-social-vault v1 names"
)

// DeriveKey derives a key from a passphrase (normalised to Unicode NFC,
// so that the same words typed on another keyboard give the same key) and
// a salt with Argon2id.
func DeriveKey(passphrase string, salt []byte, p Params) (*Key, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(salt) != SaltSize {
		return nil, &FormatError{Reason: fmt.Sprintf("salt of %d bytes, not %d", len(salt), SaltSize)}
	}
	if len(passphrase) > MaxPassphrase {
		return nil, fmt.Errorf("social/vault: passphrase longer than %d bytes", MaxPassphrase)
	}
	pw := []byte(norm.NFC.String(passphrase))
	master := argon2.IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, KeySize)
	clear(pw)
	defer clear(master)
	return keyFrom(master)
}

// keyFrom derives the sealing and naming keys from Argon2id's output with
// HKDF-SHA256 (no salt; the infos above).
func keyFrom(master []byte) (*Key, error) {
	k := &Key{}
	for _, d := range []struct {
		to   []byte
		info string
	}{{k.k[:], infoSeal}, {k.names[:], infoNames}} {
		b, err := hkdf.Key(sha256.New, master, nil, d.info, KeySize)
		if err != nil {
			return nil, err
		}
		copy(d.to, b)
		clear(b)
	}
	return k, nil
}

// Zero erases the key.
func (k *Key) Zero() {
	clear(k.k[:])
	clear(k.names[:])
	k.zeroed = true
}

// Blind is the name a file is stored under for what s identifies (a
// feed's key, an image's URI): the first 16 bytes of HMAC-SHA256 under
// the naming key, in hex. Without the key, nobody can tell from the
// names which feeds or images are kept.
func (k *Key) Blind(s string) string {
	m := hmac.New(sha256.New, k.names[:])
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ad is the associated data of a sealed file: its magic and its name.
func ad(name string) []byte { return append([]byte(Magic), name...) }

// Seal seals plain as the file name, with a nonce read from rnd (nil:
// crypto/rand).
func (k *Key) Seal(name string, plain []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	nonce := make([]byte, NonceSize)
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("social/vault: %w", err)
	}
	return k.sealNonce(name, plain, nonce)
}

func (k *Key) sealNonce(name string, plain, nonce []byte) ([]byte, error) {
	if k.zeroed {
		return nil, ErrClosed
	}
	aead, err := chacha20poly1305.NewX(k.k[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, Overhead+len(plain))
	out = append(out, Magic...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plain, ad(name)), nil
}

// IsSealed reports whether b starts like a sealed file (its magic), which
// plain JSON and images never do.
func IsSealed(b []byte) bool { return bytes.HasPrefix(b, []byte(Magic[:len(Magic)-1])) }

// Open opens the sealed file name. It refuses (FormatError) a file that
// does not start with Magic (another version included), is shorter than
// Overhead, or does not authenticate under the key and the name.
func (k *Key) Open(name string, b []byte) ([]byte, error) {
	if k.zeroed {
		return nil, ErrClosed
	}
	switch {
	case len(b) < len(Magic) || string(b[:len(Magic)-1]) != Magic[:len(Magic)-1]:
		return nil, &FormatError{Name: name, Reason: "not a sealed file"}
	case b[len(Magic)-1] != Magic[len(Magic)-1]:
		return nil, &FormatError{Name: name, Reason: fmt.Sprintf("sealed file version %d, not 1", b[len(Magic)-1])}
	case len(b) < Overhead:
		return nil, &FormatError{Name: name, Reason: "sealed file too short"}
	}
	aead, err := chacha20poly1305.NewX(k.k[:])
	if err != nil {
		return nil, err
	}
	nonce := b[len(Magic) : len(Magic)+NonceSize]
	plain, err := aead.Open(nil, nonce, b[len(Magic)+NonceSize:], ad(name))
	if err != nil {
		return nil, &FormatError{Name: name, Reason: "does not open: damaged, changed, or moved from another name or vault"}
	}
	return plain, nil
}

// envelope is a file sealed under a passphrase: the header of a vault,
// or an exported file.
type envelope struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	KDF     string `json:"kdf"`
	Params
	Salt   []byte `json:"salt"`
	Sealed []byte `json:"sealed"`
	// Sum is SHA-256 over the rest (see sum): it tells damage apart from
	// a wrong passphrase. It is no protection against a change made on
	// purpose (the sealed part is).
	Sum string `json:"sum"`
}

func (e *envelope) sum() string {
	h := sha256.New()
	h.Write([]byte(envelopeFormat + "\x00argon2id\x00"))
	var p [9]byte
	binary.BigEndian.PutUint32(p[0:], e.Time)
	binary.BigEndian.PutUint32(p[4:], e.MemoryKiB)
	p[8] = e.Threads
	h.Write(p[:])
	h.Write(e.Salt)
	h.Write(e.Sealed)
	return hex.EncodeToString(h.Sum(nil))
}

// sealEnvelope seals plain as name under a key derived from passphrase
// with the given salt and nonce; it returns the envelope and the key.
func sealEnvelope(passphrase, name string, plain []byte, p Params, salt, nonce []byte) ([]byte, *Key, error) {
	k, err := DeriveKey(passphrase, salt, p)
	if err != nil {
		return nil, nil, err
	}
	sealed, err := k.sealNonce(name, plain, nonce)
	if err != nil {
		return nil, nil, err
	}
	e := envelope{Format: envelopeFormat, Version: 1, KDF: "argon2id", Params: p, Salt: salt, Sealed: sealed}
	e.Sum = e.sum()
	b, err := json.MarshalIndent(e, "", " ")
	return append(b, '\n'), k, err
}

// parseEnvelope reads an envelope, refusing anything not well formed
// (FormatError): unknown or missing fields, trailing data, another format
// or version, a KDF other than argon2id, parameters out of bounds, a salt
// not SaltSize bytes, a sealed part shorter than Overhead, or a sum that
// does not match.
func parseEnvelope(name string, b []byte) (*envelope, error) {
	var e envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, &FormatError{Name: name, Reason: "not a sealed envelope"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &FormatError{Name: name, Reason: "data after the envelope"}
	}
	switch {
	case e.Format != envelopeFormat:
		return nil, &FormatError{Name: name, Reason: "not a sealed envelope"}
	case e.Version != 1:
		return nil, &FormatError{Name: name, Reason: fmt.Sprintf("envelope version %d, not 1", e.Version)}
	case e.KDF != "argon2id":
		return nil, &FormatError{Name: name, Reason: "key derivation is not argon2id"}
	case len(e.Salt) != SaltSize:
		return nil, &FormatError{Name: name, Reason: "salt is not 16 bytes"}
	case len(e.Sealed) < Overhead || !IsSealed(e.Sealed):
		return nil, &FormatError{Name: name, Reason: "sealed part too short or not sealed"}
	case subtle.ConstantTimeCompare([]byte(e.Sum), []byte(e.sum())) != 1:
		return nil, &FormatError{Name: name, Reason: "damaged (its checksum does not match)"}
	}
	if err := e.Params.Check(); err != nil {
		return nil, &FormatError{Name: name, Reason: err.(*FormatError).Reason}
	}
	return &e, nil
}

// openEnvelope opens an envelope sealed as name; a well-formed envelope
// that does not open is a wrong passphrase.
func openEnvelope(passphrase, name string, b []byte) ([]byte, *Key, *envelope, error) {
	e, err := parseEnvelope(name, b)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := DeriveKey(passphrase, e.Salt, e.Params)
	if err != nil {
		return nil, nil, nil, err
	}
	plain, err := k.Open(name, e.Sealed)
	if err != nil {
		k.Zero()
		return nil, nil, nil, ErrWrongPassphrase
	}
	return plain, k, e, nil
}

// SealPassphrase seals plain under passphrase, with a new random salt and
// nonce, as an envelope; name is what the file is for (the same name must
// open it).
func SealPassphrase(passphrase, name string, plain []byte, p Params) ([]byte, error) {
	salt, nonce := make([]byte, SaltSize), make([]byte, NonceSize)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	b, k, err := sealEnvelope(passphrase, name, plain, p, salt, nonce)
	if k != nil {
		k.Zero()
	}
	return b, err
}

// OpenPassphrase opens an envelope made by SealPassphrase. A well-formed
// envelope the passphrase does not open gives ErrWrongPassphrase; one not
// well formed a FormatError.
func OpenPassphrase(passphrase, name string, b []byte) ([]byte, error) {
	plain, k, _, err := openEnvelope(passphrase, name, b)
	if k != nil {
		k.Zero()
	}
	return plain, err
}

// IsEnvelope reports whether b looks like an envelope (to tell an
// exported file from an older, unsealed one).
func IsEnvelope(b []byte) bool {
	var probe struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Format == envelopeFormat
}

// Vault is a directory whose files are sealed under one key. The key is
// derived from a random 32-byte secret, which the header keeps sealed
// under the passphrase: changing the passphrase rewrites the header only.
// Its methods are safe for concurrent use.
type Vault struct {
	dir    string
	params Params
	mu     sync.Mutex
	header []byte // the header's bytes, to check a passphrase again
	key    *Key
}

// Exists reports whether dir holds a vault header.
func Exists(dir string) (bool, error) {
	_, err := os.Lstat(filepath.Join(dir, HeaderFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// newHeader seals secret (in hex) under passphrase with a new salt.
func newHeader(passphrase string, secret []byte, p Params) ([]byte, error) {
	salt, nonce := make([]byte, SaltSize), make([]byte, NonceSize)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	hx := []byte(hex.EncodeToString(secret))
	defer clear(hx)
	b, k, err := sealEnvelope(passphrase, HeaderFile, hx, p, salt, nonce)
	if k != nil {
		k.Zero()
	}
	return b, err
}

// openHeader opens a header with passphrase and returns its secret.
func openHeader(passphrase string, b []byte) ([]byte, *envelope, error) {
	plain, k, e, err := openEnvelope(passphrase, HeaderFile, b)
	if err != nil {
		return nil, nil, err
	}
	k.Zero()
	defer clear(plain)
	secret := make([]byte, KeySize)
	if n, err := hex.Decode(secret, plain); err != nil || n != KeySize || len(plain) != 2*KeySize {
		return nil, nil, &FormatError{Name: HeaderFile, Reason: "the sealed secret is not 32 bytes in hex"}
	}
	return secret, e, nil
}

// Create makes a vault in dir (created if needed) under passphrase with
// parameters p, writing its header; it refuses a directory holding one.
func Create(dir, passphrase string, p Params) (*Vault, error) {
	if ok, err := Exists(dir); err != nil || ok {
		if err == nil {
			err = ErrExists
		}
		return nil, err
	}
	secret := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, secret); err != nil {
		return nil, err
	}
	defer clear(secret)
	b, err := newHeader(passphrase, secret, p)
	if err != nil {
		return nil, err
	}
	k, err := keyFrom(secret)
	if err != nil {
		return nil, err
	}
	if err := WriteAtomic(filepath.Join(dir, HeaderFile), b); err != nil {
		k.Zero()
		return nil, err
	}
	return &Vault{dir: dir, params: p, header: b, key: k}, nil
}

// Unlock opens the vault in dir: ErrNoVault without a header,
// ErrWrongPassphrase when passphrase is not the vault's, a FormatError
// when the header is damaged.
func Unlock(dir, passphrase string) (*Vault, error) {
	b, err := os.ReadFile(filepath.Join(dir, HeaderFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoVault
	}
	if err != nil {
		return nil, fmt.Errorf("social/vault: %w", err)
	}
	secret, e, err := openHeader(passphrase, b)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	k, err := keyFrom(secret)
	if err != nil {
		return nil, err
	}
	return &Vault{dir: dir, params: e.Params, header: b, key: k}, nil
}

// Verify reports whether passphrase is the vault's (nil) or not
// (ErrWrongPassphrase).
func (v *Vault) Verify(passphrase string) error {
	v.mu.Lock()
	h, closed := v.header, v.key == nil
	v.mu.Unlock()
	if closed {
		return ErrClosed
	}
	secret, _, err := openHeader(passphrase, h)
	clear(secret)
	return err
}

// ChangePassphrase seals the vault's secret under a new passphrase (with a
// new salt and parameters p) and writes the header again, atomically: the
// files stay as they are, and an interruption leaves the old passphrase
// or the new one working. old must be the vault's passphrase.
func (v *Vault) ChangePassphrase(old, passphrase string, p Params) error {
	v.mu.Lock()
	h, closed := v.header, v.key == nil
	v.mu.Unlock()
	if closed {
		return ErrClosed
	}
	secret, _, err := openHeader(old, h)
	if err != nil {
		return err
	}
	defer clear(secret)
	b, err := newHeader(passphrase, secret, p)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := WriteAtomic(filepath.Join(v.dir, HeaderFile), b); err != nil {
		return err
	}
	v.header, v.params = b, p
	return nil
}

// Params are the vault's Argon2id parameters.
func (v *Vault) Params() Params { return v.params }

// Blind is the name to store what s identifies under (Key.Blind); "" once
// the vault is closed.
func (v *Vault) Blind(s string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.key == nil {
		return ""
	}
	return v.key.Blind(s)
}

// Close erases the key; the vault cannot be used after.
func (v *Vault) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.key != nil {
		v.key.Zero()
		v.key = nil
	}
}

// fileName checks a name relative to the vault's directory and returns it
// with forward slashes (the associated data).
func fileName(name string) (string, error) {
	n := filepath.ToSlash(name)
	if !filepath.IsLocal(name) || path.Clean(n) != n || n == HeaderFile || strings.HasPrefix(n, "../") {
		return "", fmt.Errorf("social/vault: %q is not a file name inside the vault", name)
	}
	return n, nil
}

// Seal seals plain as the file name (relative to the directory).
func (v *Vault) Seal(name string, plain []byte) ([]byte, error) {
	n, err := fileName(name)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.key == nil {
		return nil, ErrClosed
	}
	return v.key.Seal(n, plain, nil)
}

// Open opens b, the sealed file name.
func (v *Vault) Open(name string, b []byte) ([]byte, error) {
	n, err := fileName(name)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.key == nil {
		return nil, ErrClosed
	}
	return v.key.Open(n, b)
}

// WriteFile seals b and writes it as name, atomically (WriteAtomic).
func (v *Vault) WriteFile(name string, b []byte) error {
	sealed, err := v.Seal(name, b)
	if err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(v.dir, name), sealed)
}

// ReadFile reads and opens the file name; a missing file gives an error
// matching fs.ErrNotExist.
func (v *Vault) ReadFile(name string) ([]byte, error) {
	if _, err := fileName(name); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(v.dir, name))
	if err != nil {
		return nil, err
	}
	return v.Open(name, b)
}

// SealInPlace seals the file name if it is not sealed yet (a file of an
// older, unencrypted directory), atomically: the sealed copy is written
// beside it and renamed over it, so that an interruption leaves either
// the old file or the sealed one. It reports whether it sealed the file.
func (v *Vault) SealInPlace(name string) (bool, error) {
	if _, err := fileName(name); err != nil {
		return false, err
	}
	b, err := os.ReadFile(filepath.Join(v.dir, name))
	if err != nil || IsSealed(b) {
		return false, err
	}
	defer clear(b)
	return true, v.WriteFile(name, b)
}

// Erase removes the header of the vault in dir: the files sealed under
// it can then no longer be opened by anyone, whatever passphrase they
// know. It does not remove the files.
func Erase(dir string) error {
	err := os.Remove(filepath.Join(dir, HeaderFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// WriteAtomic writes b to path with mode 0600: a temporary file in the
// same directory (named "."+base+".*"), synced and renamed over path, then
// the directory synced. The directory is made (0700) if needed.
func WriteAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
