package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/bits"

	"golang.org/x/crypto/nacl/box"
)

// The envelope (docs/social-inbox.md §4) and its proof of work (§5).
const (
	// Magic starts every envelope: the format and its version.
	Magic = "HNOTE1"
	// NonceSize is the size of the proof-of-work nonce after Magic, a
	// big-endian integer.
	NonceSize = 8
	// HeaderSize is the size of Magic and the nonce; the sealed box
	// follows.
	HeaderSize = len(Magic) + NonceSize
	// MaxEnvelopeSize is the most a slot holds. Every valid envelope is
	// smaller: it is EnvelopeSize of one of the four classes.
	MaxEnvelopeSize = 32768
	// MinWork and MaxWork bound the proof of work a recipient may ask for
	// (a profile's inbox_work), in leading zero bits.
	MinWork = 16
	// MaxWork is the most work a recipient may ask for.
	MaxWork = 32
	// DefaultWork is the work asked of a note when the recipient's profile
	// names none.
	DefaultWork = 20
)

// workFloor is the least work Seal makes and Open may be asked for:
// MinWork. Only this package's tests lower it, to run fast.
var workFloor = MinWork

// classes are the padding classes, smallest first.
var classes = [...]int{512, 2048, 8192, MaxNoteSize}

// Class returns the padding class of a note of n bytes: the smallest of
// 512, 2048, 8192 and 16384 that is at least n, or 0 when n is more than
// MaxNoteSize.
func Class(n int) int {
	for _, c := range classes {
		if n <= c {
			return c
		}
	}
	return 0
}

// EnvelopeSize returns the size of the envelope of a note padded to class:
// HeaderSize, the sealed box's box.AnonymousOverhead, and class.
func EnvelopeSize(class int) int { return HeaderSize + box.AnonymousOverhead + class }

// Seal writes the envelope of note for the slot slot of the recipient
// whose box public key is to, with work bits of proof of work: the note's
// canonical JSON (Encode), padded with spaces to its Class, sealed with
// box.SealAnonymous (an ephemeral key pair from 32 bytes of rand), then
// the proof of work: the nonce, counted up from 0, is the first for which
// SHA-256(LabelNote "\n" ‖ slot ‖ "\n" ‖ SHA-256(sealed) ‖ nonce) starts
// with work zero bits. The search is deterministic: the same note, key,
// slot, work and randomness give the same envelope. It takes about 2^work
// hashes of a short string, whatever the note's class (BenchmarkNoteWork,
// BenchmarkWorkHash).
//
// slot must be a slot name as Slot writes it, and work within MinWork..
// MaxWork (the recipient's inbox_work, DefaultWork when unset): else a
// CodeBadArgument error. A note that fails Validate is a CodeBadNote error.
func Seal(note *Note, to [32]byte, slot string, work int, rand io.Reader) ([]byte, error) {
	if work < workFloor || work > MaxWork {
		return nil, errorf(CodeBadArgument, "work", "is %d bits, want %d to %d", work, MinWork, MaxWork)
	}
	if _, _, _, err := ParseSlot(slot); err != nil {
		return nil, err
	}
	if note == nil {
		return nil, errorf(CodeBadArgument, "note", "no note")
	}
	j, err := note.Encode()
	if err != nil {
		return nil, err
	}
	plain := append(j, bytes.Repeat([]byte{' '}, Class(len(j))-len(j))...)
	sealed, err := box.SealAnonymous(nil, plain, &to, rand)
	if err != nil {
		return nil, errorf(CodeBadArgument, "rand", "sealing: %v", err)
	}
	return solve(slot, sealed, work), nil
}

// SlotWork returns the work, in bits, a note in slot n of a day asks when
// the recipient asks base (their inbox_work): base for the day's first 64
// slots, one bit more for the next 128, two for the next 256, and so on
// (base + ⌊log2(n/64 + 1)⌋), at most MaxWork. A quiet inbox costs a writer
// base; filling a day's 1024 slots costs a flooder about six times as
// much as 1024 notes at base would, the last ones sixteen times one note
// (docs/social-inbox.md §5).
func SlotWork(base, n int) int {
	return min(base+bits.Len(uint(n/64+1))-1, MaxWork)
}

// workPrefix is what the proof-of-work hash of slot starts with.
func workPrefix(slot string) []byte { return []byte(LabelNote + "\n" + slot + "\n") }

// solve finds the first nonce that gives sealed work bits for slot and
// returns the envelope.
func solve(slot string, sealed []byte, work int) []byte {
	pre := workPrefix(slot)
	digest := sha256.Sum256(sealed)
	buf := make([]byte, len(pre)+sha256.Size+NonceSize)
	copy(buf, pre)
	copy(buf[len(pre):], digest[:])
	nonce := buf[len(pre)+sha256.Size:]
	for i := uint64(0); ; i++ {
		binary.BigEndian.PutUint64(nonce, i)
		h := sha256.Sum256(buf)
		if binary.BigEndian.Uint64(h[:8])>>(64-work) == 0 {
			break
		}
	}
	env := make([]byte, HeaderSize+len(sealed))
	copy(env, Magic)
	copy(env[len(Magic):], nonce)
	copy(env[HeaderSize:], sealed)
	return env
}

// Work returns the proof of work of env for slot: the number of leading
// zero bits of SHA-256(LabelNote "\n" ‖ slot ‖ "\n" ‖ SHA-256(sealed) ‖
// nonce). It costs one hash of the envelope. Data shorter than HeaderSize or without
// Magic has no work: 0.
func Work(env []byte, slot string) int {
	if len(env) < HeaderSize || !bytes.HasPrefix(env, []byte(Magic)) {
		return 0
	}
	digest := sha256.Sum256(env[HeaderSize:])
	h := sha256.New()
	h.Write(workPrefix(slot))
	h.Write(digest[:])
	h.Write(env[len(Magic):HeaderSize])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	n := 0
	for _, c := range sum {
		n += bits.LeadingZeros8(c)
		if c != 0 {
			break
		}
	}
	return n
}

// Open reads the envelope env found in slot slot of the reader's inbox,
// with the reader's key pair, asking minWork bits of work (the reader's
// inbox_work). It checks, in this order and cheapest first, so that a
// flood costs the reader as little as it can:
//
//  1. the form: Magic, and a size that is EnvelopeSize of a class (at most
//     MaxEnvelopeSize): else CodeBadEnvelope;
//  2. the proof of work, one hash: else CodeWork;
//  3. the seal (box.OpenAnonymous): else CodeNotForMe;
//  4. the padding: spaces after the note, to the note's Class: else
//     CodeBadNote at "padding";
//  5. the note (DecodeNote): else CodeBadNote.
//
// A slot name that Slot would not write, or minWork outside MinWork..
// MaxWork, is a CodeBadArgument error. A note that opens is only a claim:
// check it against its From edition before showing it (§4).
func Open(env []byte, slot string, minWork int, key KeyPair) (*Note, error) {
	if minWork < workFloor || minWork > MaxWork {
		return nil, errorf(CodeBadArgument, "work", "is %d bits, want %d to %d", minWork, MinWork, MaxWork)
	}
	if _, _, _, err := ParseSlot(slot); err != nil {
		return nil, err
	}
	if err := checkEnvelope(env); err != nil {
		return nil, err
	}
	if w := Work(env, slot); w < minWork {
		return nil, errorf(CodeWork, "", "the envelope has %d of the %d bits of work asked, for this slot", w, minWork)
	}
	plain, ok := box.OpenAnonymous(nil, env[HeaderSize:], &key.Public, &key.Private)
	if !ok {
		return nil, errorf(CodeNotForMe, "", "the seal does not open with this key")
	}
	return unpad(plain)
}

// unpad strips the padding of an opened note (spaces after it, to its
// class) and reads the note.
func unpad(plain []byte) (*Note, error) {
	j := bytes.TrimRight(plain, " ")
	if c := Class(len(j)); c != len(plain) {
		return nil, errorf(CodeBadNote, "padding", "a note of %d bytes is padded to %d bytes, want %d", len(j), len(plain), c)
	}
	return DecodeNote(j)
}

// checkEnvelope checks the magic and the size of an envelope.
func checkEnvelope(env []byte) error {
	switch {
	case len(env) > MaxEnvelopeSize:
		return errorf(CodeBadEnvelope, "size", "%d bytes, more than a slot holds (%d)", len(env), MaxEnvelopeSize)
	case len(env) < len(Magic):
		return errorf(CodeBadEnvelope, "size", "%d bytes, too short for an envelope", len(env))
	case !bytes.HasPrefix(env, []byte(Magic)):
		return errorf(CodeBadEnvelope, "magic", "does not start with %s", Magic)
	}
	for _, c := range classes {
		if len(env) == EnvelopeSize(c) {
			return nil
		}
	}
	return errorf(CodeBadEnvelope, "size", "%d bytes; an envelope is %d, %d, %d or %d bytes (a note padded to %v, sealed)",
		len(env), EnvelopeSize(classes[0]), EnvelopeSize(classes[1]), EnvelopeSize(classes[2]), EnvelopeSize(classes[3]), classes)
}
