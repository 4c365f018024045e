package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/box"
)

// testSlot returns slot n of the inbox of test feed 1 on t0's day.
func testSlot(t testing.TB, n int) string {
	req, _ := testFeed(t, 1)
	id, err := ID(req.String())
	if err != nil {
		t.Fatal(err)
	}
	return Slot(id, t0, n)
}

// refWork is the proof of work of §5, computed the simple way.
func refWork(env []byte, slot string) int {
	digest := sha256.Sum256(env[14:])
	h := sha256.Sum256(append(append([]byte("hams/v1/note\n"+slot+"\n"), digest[:]...), env[6:14]...))
	n := 0
	for _, c := range h {
		n += bits.LeadingZeros8(c)
		if c != 0 {
			break
		}
	}
	return n
}

func TestSealOpen(t *testing.T) {
	lowWork(t, 4)
	me, sender := testKey(t, 1), testKey(t, 2)
	slot := testSlot(t, 3)
	long := strings.Repeat("ي", MaxMessageBytes/2)
	notes := testNotes(t)
	for _, text := range []string{"a", strings.Repeat("x", 600), strings.Repeat("x", 3000), long} {
		m, err := SealMessage(text, sender, me.Public, seeded(byte(len(text))))
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, &Note{Type: TypeMessage, From: notes[0].From, Time: t0, Message: m})
	}
	classes := map[int]bool{}
	for i, n := range notes {
		for _, work := range []int{4, 8} {
			env, err := Seal(n, me.Public, slot, work, seeded(byte(i)))
			if err != nil {
				t.Fatalf("%d %s: Seal: %v", i, n.Type, err)
			}
			j, _ := n.Encode()
			if len(env) != EnvelopeSize(Class(len(j))) {
				t.Fatalf("%d: envelope of %d bytes for a note of %d", i, len(env), len(j))
			}
			classes[len(env)] = true
			if string(env[:6]) != Magic {
				t.Fatal("no magic")
			}
			if w := Work(env, slot); w < work || w != refWork(env, slot) {
				t.Fatalf("Work = %d, reference %d, asked %d", w, refWork(env, slot), work)
			}
			// The nonce is the first that does: none below it.
			nonce := binary.BigEndian.Uint64(env[6:14])
			for k := uint64(0); k < nonce; k++ {
				e := bytes.Clone(env)
				binary.BigEndian.PutUint64(e[6:14], k)
				if Work(e, slot) >= work {
					t.Fatalf("nonce %d works, Seal chose %d", k, nonce)
				}
			}
			got, err := Open(env, slot, work, me)
			if err != nil {
				t.Fatalf("%d %s: Open: %v", i, n.Type, err)
			}
			g, _ := got.Encode()
			if !bytes.Equal(g, j) {
				t.Fatalf("opened %s, sealed %s", g, j)
			}
			if n.Message != nil {
				text, err := OpenMessage(got.Message, me)
				want, _ := OpenMessage(n.Message, me)
				if err != nil || text != want {
					t.Fatalf("OpenMessage = %q, %v", text, err)
				}
			}
		}
	}
	if len(classes) != 4 {
		t.Errorf("envelope sizes %v: want all four classes", classes)
	}
}

func TestSealDeterministic(t *testing.T) {
	lowWork(t, 6)
	me := testKey(t, 1)
	n := testNotes(t)[0]
	slot := testSlot(t, 0)
	a, err := Seal(n, me.Public, slot, 6, seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Seal(n, me.Public, slot, 6, seeded(7))
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gives two envelopes")
	}
	c, _ := Seal(n, me.Public, slot, 6, seeded(8))
	if bytes.Equal(a, c) {
		t.Fatal("two seeds give one envelope")
	}
	// Another slot: the same seal, the work done for that slot.
	d, _ := Seal(n, me.Public, testSlot(t, 1), 6, seeded(7))
	if !bytes.Equal(a[HeaderSize:], d[HeaderSize:]) || Work(d, testSlot(t, 1)) < 6 {
		t.Fatal("the slot changes the seal, or the work is not for the slot")
	}
}

func TestSealRejects(t *testing.T) {
	me := testKey(t, 1)
	n := testNotes(t)[0]
	slot := testSlot(t, 0)
	_, err := Seal(n, me.Public, slot, MinWork-1, seeded(1))
	wantCode(t, err, CodeBadArgument, "work")
	_, err = Seal(n, me.Public, slot, MaxWork+1, seeded(1))
	wantCode(t, err, CodeBadArgument, "work")
	_, err = Seal(n, me.Public, "KSK@hams-inbox-x", MinWork, seeded(1))
	wantCode(t, err, CodeBadArgument, "slot")
	_, err = Seal(nil, me.Public, slot, MinWork, seeded(1))
	wantCode(t, err, CodeBadArgument, "note")
	_, err = Seal(&Note{Type: TypeLike, From: n.From, Time: t0}, me.Public, slot, MinWork, seeded(1))
	wantCode(t, err, CodeBadNote, "n")
	_, err = Seal(n, me.Public, slot, MinWork, errReader{})
	wantCode(t, err, CodeBadArgument, "rand")
}

func TestOpenRejects(t *testing.T) {
	lowWork(t, 8)
	me, other := testKey(t, 1), testKey(t, 2)
	slot := testSlot(t, 0)
	n := testNotes(t)[0]
	env, err := Seal(n, me.Public, slot, 8, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := n.Encode()
	// seal seals plain as Seal does, with no checks.
	seal := func(plain []byte, work int) []byte {
		sealed, err := box.SealAnonymous(nil, plain, &me.Public, seeded(2))
		if err != nil {
			t.Fatal(err)
		}
		return solve(slot, sealed, work)
	}
	padded := func(b []byte, to int) []byte { return append(bytes.Clone(b), bytes.Repeat([]byte{' '}, to-len(b))...) }
	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 0x80; return b }
	tests := []struct {
		name    string
		env     []byte
		slot    string
		minWork int
		key     KeyPair
		code    Code
		path    string
	}{
		{"nil", nil, slot, 8, me, CodeBadEnvelope, "size"},
		{"magic only", []byte(Magic), slot, 8, me, CodeBadEnvelope, "size"},
		{"header only", env[:HeaderSize], slot, 8, me, CodeBadEnvelope, "size"},
		{"magic", append([]byte("HNOTE0"), env[6:]...), slot, 8, me, CodeBadEnvelope, "magic"},
		{"short magic", []byte("HNO"), slot, 8, me, CodeBadEnvelope, "size"},
		{"one more", append(bytes.Clone(env), ' '), slot, 8, me, CodeBadEnvelope, "size"},
		{"one less", env[:len(env)-1], slot, 8, me, CodeBadEnvelope, "size"},
		{"too big", append([]byte(Magic), make([]byte, MaxEnvelopeSize)...), slot, 8, me, CodeBadEnvelope, "size"},
		{"unpadded", seal(j, 8), slot, 8, me, CodeBadEnvelope, "size"},
		{"work", env, slot, min(Work(env, slot)+1, MaxWork), me, CodeWork, ""},
		{"other slot", env, testSlot(t, 1), 8, me, CodeWork, ""},
		{"flipped nonce", flip(env, 13), slot, 8, me, CodeWork, ""},
		{"flipped box", flip(env, 40), slot, 8, me, CodeWork, ""},
		{"wrong key", env, slot, 8, other, CodeNotForMe, ""},
		{"public key only", env, slot, 8, KeyPair{Public: me.Public}, CodeNotForMe, ""},
		{"damaged", solve(slot, flip(env, 40)[HeaderSize:], 8), slot, 8, me, CodeNotForMe, ""},
		{"overpadded", seal(padded(j, 2048), 8), slot, 8, me, CodeBadNote, "padding"},
		{"overpadded twice", seal(padded(j, 8192), 8), slot, 8, me, CodeBadNote, "padding"},
		{"nul padding", seal(append(bytes.Clone(j), make([]byte, 512-len(j))...), 8), slot, 8, me, CodeBadNote, "json"},
		{"no note", seal(padded(nil, 512), 8), slot, 8, me, CodeBadNote, "json"},
		{"bad note", seal(padded([]byte(strings.Replace(string(j), `"n":5`, `"n":0`, 1)), 512), 8), slot, 8, me, CodeBadNote, "n"},
		{"bad slot", env, strings.ToUpper(slot), 8, me, CodeBadArgument, "slot"},
		{"work too low", env, slot, 7, me, CodeBadArgument, "work"},
		{"work too high", env, slot, MaxWork + 1, me, CodeBadArgument, "work"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.env, tt.slot, tt.minWork, tt.key)
			wantCode(t, err, tt.code, tt.path)
		})
	}
	// The sealed padding (spaces after the JSON) may contain more spaces
	// inside the JSON text: only the trailing ones are padding.
	if _, err := Open(seal(padded(append([]byte("  \n"), j...), 512), 8), slot, 8, me); err != nil {
		t.Errorf("leading white space: %v", err)
	}
}

func TestWork(t *testing.T) {
	slot := testSlot(t, 0)
	for _, env := range [][]byte{nil, []byte("HNOTE1"), []byte("HNOTE1\x00\x00\x00\x00\x00\x00\x00"), []byte("XNOTE1\x00\x00\x00\x00\x00\x00\x00\x00")} {
		if w := Work(env, slot); w != 0 {
			t.Errorf("Work(%q) = %d", env, w)
		}
	}
	env := append([]byte("HNOTE1"), make([]byte, 8+600)...)
	for i := range 1000 {
		binary.BigEndian.PutUint64(env[6:], uint64(i))
		if Work(env, slot) != refWork(env, slot) {
			t.Fatalf("nonce %d: Work %d, reference %d", i, Work(env, slot), refWork(env, slot))
		}
	}
}

func TestMessages(t *testing.T) {
	me, sender, other := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	for _, text := range []string{"a", "مرحبا\n\tيا ليلى 👨‍👩‍👧 \u200f", strings.Repeat("x", MaxMessageBytes)} {
		m, err := SealMessage(text, sender, me.Public, seeded(1))
		if err != nil {
			t.Fatalf("%.20q: %v", text, err)
		}
		if m.Box != sender.Public || len(m.Sealed) != len(text)+box.Overhead {
			t.Fatalf("message %+v", m)
		}
		if got, err := OpenMessage(m, me); err != nil || got != text {
			t.Fatalf("OpenMessage = %.20q, %v", got, err)
		}
		_, err = OpenMessage(m, other)
		wantCode(t, err, CodeNotForMe, "")
		forged := *m
		forged.Box = other.Public
		_, err = OpenMessage(&forged, me)
		wantCode(t, err, CodeNotForMe, "")
		m2, _ := SealMessage(text, sender, me.Public, seeded(1))
		if m2.Nonce != m.Nonce || !bytes.Equal(m2.Sealed, m.Sealed) {
			t.Fatal("SealMessage is not deterministic")
		}
	}
	for _, text := range []string{"", strings.Repeat("x", MaxMessageBytes+1), "a\rb", "a\x00", "\x7f", "a\u0085", "\xff"} {
		_, err := SealMessage(text, sender, me.Public, seeded(1))
		wantCode(t, err, CodeBadArgument, "text")
	}
	_, err := SealMessage("hi", sender, me.Public, errReader{})
	wantCode(t, err, CodeBadArgument, "rand")
	_, err = OpenMessage(nil, me)
	wantCode(t, err, CodeBadArgument, "message")
	// A text SealMessage refuses, sealed by hand, opens as a bad note.
	m := &Message{Box: sender.Public}
	m.Sealed = box.Seal(nil, []byte("\x1b[31m"), &m.Nonce, &me.Public, &sender.Private)
	_, err = OpenMessage(m, me)
	wantCode(t, err, CodeBadNote, "message.sealed")
}

// TestFarTimes: the clock does not matter; notes and slots far from today
// seal and open (the package never reads the clock).
func TestFarTimes(t *testing.T) {
	lowWork(t, 1)
	me := testKey(t, 1)
	n := *testNotes(t)[0]
	n.Time = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	req, _ := testFeed(t, 1)
	id, _ := ID(req.String())
	slot := Slot(id, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), MaxSlots-1)
	env, err := Seal(&n, me.Public, slot, 1, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(env, slot, 1, me); err != nil {
		t.Fatal(err)
	}
}
