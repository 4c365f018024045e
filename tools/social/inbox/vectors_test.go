package inbox

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/vectorfile"
)

// vector mirrors the files in docs/vectors/social-inbox (written by
// tools/inboxvectors, whose Vector type documents the fields). Unknown
// fields fail the test.
type vector struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Op          string      `json:"op"`
	Feed        string      `json:"feed"`
	ID          string      `json:"id"`
	Day         string      `json:"day"`
	N           *int        `json:"n"`
	Slot        string      `json:"slot"`
	Recipient   *vectorKeys `json:"recipient"`
	Work        int         `json:"work"`
	WorkBits    int         `json:"work_bits"`
	SealRand    string      `json:"seal_rand_hex"`
	Note        string      `json:"note"`
	NoteHex     string      `json:"note_hex"`
	PadTo       int         `json:"pad_to"`
	Canonical   string      `json:"canonical"`
	Message     *struct {
		Text    string     `json:"text"`
		Sender  vectorKeys `json:"sender"`
		RandHex string     `json:"rand_hex"`
		Error   string     `json:"error"`
		Path    string     `json:"path"`
	} `json:"message"`
	Envelope string `json:"envelope_hex"`
	Error    string `json:"error"`
	Path     string `json:"path"`
}

type vectorKeys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

const vectorDir = "../../../docs/vectors/social-inbox"

// codeNames are the error codes as vectors name them.
var codeNames = map[Code]string{
	CodeBadEnvelope: "bad-envelope",
	CodeWork:        "work",
	CodeNotForMe:    "not-for-me",
	CodeBadNote:     "bad-note",
	CodeBadArgument: "bad-argument",
}

func readVectors() ([]vector, error) {
	return vectorfile.Read(vectorDir, func(v *vector) string { return v.Name })
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	vs, err := readVectors()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (k *vectorKeys) pair(t testing.TB) KeyPair {
	t.Helper()
	pub, err := ParseBox(k.Public)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParseBox(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return KeyPair{Public: pub, Private: priv}
}

// noteBytes returns what the vector says was sealed, before padding.
func (v *vector) noteBytes(t testing.TB) []byte {
	if v.NoteHex != "" {
		return unhex(t, v.NoteHex)
	}
	return []byte(v.Note)
}

// wantErr checks err against a vector's error code and path.
func wantErr(t *testing.T, what string, err error, code, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s accepted; want %s at %q", what, code, path)
	}
	if got := codeNames[CodeOf(err)]; got != code || PathOf(err) != path {
		t.Fatalf("%s: %v (code %q, path %q); want %s at %q", what, err, got, PathOf(err), code, path)
	}
}

func TestVectors(t *testing.T) {
	ops := map[string]int{}
	for _, v := range loadVectors(t) {
		ops[v.Op]++
		t.Run(v.Name, func(t *testing.T) {
			switch v.Op {
			case "id":
				if got, err := ID(v.Feed); err != nil || got != v.ID {
					t.Fatalf("ID = %q, %v; want %q", got, err, v.ID)
				}
			case "id-reject":
				_, err := ID(v.Feed)
				wantErr(t, "ID", err, v.Error, v.Path)
			case "slot":
				day, err := time.Parse(DayLayout, v.Day)
				if err != nil {
					t.Fatal(err)
				}
				// Any time of the day, in any zone that keeps the UTC date.
				if got := Slot(v.ID, day.Add(23*time.Hour+59*time.Minute).In(time.FixedZone("x", 3600)), *v.N); got != v.Slot {
					t.Errorf("Slot = %q, want %q", got, v.Slot)
				}
				id, d, n, err := ParseSlot(v.Slot)
				if err != nil || id != v.ID || !d.Equal(day) || d.Location() != time.UTC || n != *v.N {
					t.Errorf("ParseSlot = %q %v %d %v", id, d, n, err)
				}
			case "slot-reject":
				_, _, _, err := ParseSlot(v.Slot)
				wantErr(t, "ParseSlot", err, v.Error, v.Path)
			case "open", "reject":
				testEnvelopeVector(t, &v)
			default:
				t.Fatalf("unknown op %q", v.Op)
			}
		})
	}
	for _, op := range []string{"id", "id-reject", "slot", "slot-reject", "open", "reject"} {
		if ops[op] == 0 {
			t.Errorf("no vector of op %s", op)
		}
	}
}

func testEnvelopeVector(t *testing.T, v *vector) {
	env := unhex(t, v.Envelope)
	key := v.Recipient.pair(t)
	if v.Feed != "" {
		id, err := ID(v.Feed)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _, err := ParseSlot(v.Slot); err != nil || got != id {
			t.Fatalf("slot %s is not in the inbox of %s", v.Slot, v.Feed)
		}
	}
	if got := Work(env, v.Slot); got != v.WorkBits {
		t.Errorf("Work = %d, want %d", got, v.WorkBits)
	}
	note, err := Open(env, v.Slot, v.Work, key)
	if v.Op == "reject" {
		wantErr(t, "Open", err, v.Error, v.Path)
		// A note the JSON layer or the rules refuse is refused by
		// DecodeNote alone, the same way.
		if v.Error == "bad-note" && v.Path != "padding" {
			_, err := DecodeNote(bytes.TrimRight(v.noteBytes(t), " "))
			wantErr(t, "DecodeNote", err, v.Error, v.Path)
		}
		return
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if v.WorkBits < v.Work {
		t.Errorf("work_bits %d below work %d", v.WorkBits, v.Work)
	}
	c, err := note.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := v.Note
	if v.Canonical != "" {
		want = v.Canonical
		if v.Canonical == v.Note {
			t.Error("canonical is given but equals the note")
		}
	}
	if string(c) != want {
		t.Fatalf("the note encodes to\n%s\nwant\n%s", c, want)
	}
	if d, err := DecodeNote(v.noteBytes(t)); err != nil {
		t.Fatalf("DecodeNote: %v", err)
	} else if c2, _ := d.Encode(); !bytes.Equal(c, c2) {
		t.Fatalf("DecodeNote of the note gives %s", c2)
	}
	if v.Canonical == "" && v.PadTo == 0 {
		got, err := Seal(note, key.Public, v.Slot, v.Work, bytes.NewReader(unhex(t, v.SealRand)))
		if err != nil || !bytes.Equal(got, env) {
			t.Fatalf("Seal with the vector's randomness writes another envelope (%v)", err)
		}
	}
	if m := v.Message; m != nil {
		if note.Message == nil {
			t.Fatal("no message in the note")
		}
		text, err := OpenMessage(note.Message, key)
		if m.Error != "" {
			wantErr(t, "OpenMessage", err, m.Error, m.Path)
			return
		}
		if err != nil || text != m.Text {
			t.Fatalf("OpenMessage = %q, %v; want %q", text, err, m.Text)
		}
		sm, err := SealMessage(m.Text, m.Sender.pair(t), key.Public, bytes.NewReader(unhex(t, m.RandHex)))
		if err != nil || sm.Box != note.Message.Box || sm.Nonce != note.Message.Nonce || !bytes.Equal(sm.Sealed, note.Message.Sealed) {
			t.Fatalf("SealMessage with the vector's nonce writes another message (%v)", err)
		}
	} else if note.Message != nil {
		t.Fatal("a message note without a message vector")
	}
}

// TestVectorsCoverPaths checks that every note field a rule names has a
// reject vector, and every envelope check too.
func TestVectorsCoverPaths(t *testing.T) {
	have := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Op == "reject" {
			have[v.Error+" "+v.Path] = true
		}
	}
	for _, want := range []string{
		"bad-envelope size", "bad-envelope magic", "work ", "not-for-me ", "bad-note padding", "bad-note json",
		"bad-note type", "bad-note from", "bad-note n", "bad-note time", "bad-note message",
		"bad-note message.box", "bad-note message.nonce", "bad-note message.sealed",
	} {
		if !have[want] {
			t.Errorf("no reject vector for %q", want)
		}
	}
}
