// Command inboxvectors writes the test vectors of hams social inboxes,
// notes and private messages (docs/social-inbox.md §3–§5) to
// docs/vectors/social-inbox/: one JSON file per case. They hold inbox IDs
// of feeds, slot names, envelopes that open (with the recipient's private
// key, the randomness the seal used and the note inside) and envelopes
// that a reader must reject, one rule broken in each: the envelope's form,
// its proof of work, its seal, its padding, and every rule of the note.
//
// The envelopes are built here from the spec's primitives (SHA-256,
// nacl/box), not with package inbox, and then checked against it: a valid
// one must open and, where the note is canonical, be exactly what
// inbox.Seal writes from the same randomness; a reject one must be refused
// for the reason the vector names. The output is deterministic: keys and
// randomness come from a fixed seed. tools/social/inbox's vector test
// loads every file; this command's test checks that the committed files
// are current.
//
// Usage:
//
//	go run ./tools/inboxvectors [-out docs/vectors/social-inbox]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/internal/vectorfile"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
	"golang.org/x/crypto/nacl/box"
)

// Vector is one test vector file. The loader in
// tools/social/inbox/vectors_test.go rejects unknown fields.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Op is what the vector tests:
	//   - "id": ID(feed) is id;
	//   - "id-reject": ID(feed) fails with error;
	//   - "slot": Slot(id, day, n) is slot, and ParseSlot reads it back;
	//   - "slot-reject": ParseSlot(slot) fails with error;
	//   - "open": Open(envelope, slot, work, recipient) gives the note
	//     (canonical, when set, is its canonical form); when the note is
	//     canonical and pad_to is unset, Seal of that note with
	//     seal_rand_hex writes envelope;
	//   - "reject": Open(envelope, slot, work, recipient) fails with error
	//     at path.
	Op string `json:"op"`
	// Feed is a feed URI: the one whose ID is computed, or the
	// recipient's feed of an envelope.
	Feed string `json:"feed,omitempty"`
	// ID is the inbox ID of Feed.
	ID string `json:"id,omitempty"`
	// Day and N are the slot's UTC day (YYYY-MM-DD) and number.
	Day string `json:"day,omitempty"`
	N   *int   `json:"n,omitempty"`
	// Slot is the slot name an envelope was written for and is read from.
	Slot string `json:"slot,omitempty"`
	// Recipient is the recipient's key pair, which opens the envelope.
	Recipient *Keys `json:"recipient,omitempty"`
	// Work is the work the envelope was sealed with and the reader asks
	// for ("open"), or the reader's minimum ("reject").
	Work int `json:"work,omitempty"`
	// WorkBits is Work(envelope, slot): the leading zero bits it has.
	WorkBits int `json:"work_bits,omitempty"`
	// SealRand is the randomness the sealed box read: 32 bytes, the
	// ephemeral X25519 private key.
	SealRand string `json:"seal_rand_hex,omitempty"`
	// Note is what was sealed before the padding: text, or NoteHex when
	// it is not valid UTF-8.
	Note    string `json:"note,omitempty"`
	NoteHex string `json:"note_hex,omitempty"`
	// PadTo, when set, is the size the note was padded to with spaces
	// instead of its class (or no padding, when it equals the note's size).
	PadTo int `json:"pad_to,omitempty"`
	// Canonical is the note's canonical form when Note is not canonical.
	Canonical string `json:"canonical,omitempty"`
	// Message describes the private message of a message note.
	Message *Message `json:"message,omitempty"`
	// Envelope is the data in the slot, in hex.
	Envelope string `json:"envelope_hex,omitempty"`
	// Error is the code of the error expected: bad-envelope, work,
	// not-for-me, bad-note or bad-argument; Path is the error's path.
	Error string `json:"error,omitempty"`
	Path  string `json:"path,omitempty"`
}

// Keys is an X25519 key pair, each key in unpadded base64url (as a
// profile's box).
type Keys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// Message is the private message of an "open" vector of a message note.
type Message struct {
	// Text is the message text. When Error is empty, OpenMessage gives it,
	// and SealMessage of it with Sender and RandHex writes the note's
	// message.
	Text string `json:"text"`
	// Sender is the writer's key pair.
	Sender Keys `json:"sender"`
	// RandHex is the 24-byte nonce SealMessage read.
	RandHex string `json:"rand_hex"`
	// Error and Path, when set, are the error OpenMessage returns.
	Error string `json:"error,omitempty"`
	Path  string `json:"path,omitempty"`
}

// codes names the error codes in vectors.
var codes = map[inbox.Code]string{
	inbox.CodeBadEnvelope: "bad-envelope",
	inbox.CodeWork:        "work",
	inbox.CodeNotForMe:    "not-for-me",
	inbox.CodeBadNote:     "bad-note",
	inbox.CodeBadArgument: "bad-argument",
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// identity is a deterministic feed: its USK insert and request URIs.
type identity struct{ insert, request keys.URI }

func newIdentity(r io.Reader) identity {
	ins, req, err := keys.GenerateSSK(r)
	if err != nil {
		panic(err)
	}
	for _, u := range []*keys.URI{&ins, &req} {
		u.Type, u.Name = keys.USK, feed.SiteName
	}
	return identity{ins, req}
}

// at returns the feed's request URI at edition n.
func (id identity) at(n int64) string { return id.request.WithEdition(n).String() }

// inboxID computes the inbox ID from the spec (§3), independently of
// package inbox.
func (id identity) inboxID() string {
	h := sha256.Sum256(append([]byte("hams/v1/inbox\n"), id.request.Key[:]...))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:16]))
}

func slotName(id, day string, n int) string {
	return "KSK@hams-inbox-" + id + "-" + day + "-" + strconv.Itoa(n)
}

func keysOf(k inbox.KeyPair) *Keys {
	return &Keys{Public: inbox.EncodeBox(k.Public), Private: inbox.EncodeBox(k.Private)}
}

func ts(s string) time.Time { return must(time.Parse(feed.TimeLayout, s)) }

// mut replaces the one occurrence of old in s by new.
func mut(s, old, new string) string {
	if n := strings.Count(s, old); n != 1 {
		panic(fmt.Sprintf("mut: %q occurs %d times in %s", old, n, s))
	}
	return strings.Replace(s, old, new, 1)
}

// gen builds the vectors; r is its only randomness.
type gen struct {
	r         *rand.ChaCha8
	vs        []Vector
	recipient inbox.KeyPair
	layla     identity // the recipient
	laylaID   string   // the recipient's inbox
	slot      string   // slot 0 of Layla's inbox on the day of the notes
}

// read returns n bytes of the generator's randomness.
func (g *gen) read(n int) []byte {
	b := make([]byte, n)
	must(io.ReadFull(g.r, b))
	return b
}

// envelope seals plain (already padded) to the recipient for slot with
// work bits of work, from the spec (§4, §5): box.SealAnonymous, then the
// first nonce from 0 up that gives SHA-256("hams/v1/note\n" ‖ slot ‖ "\n" ‖
// SHA-256(sealed) ‖ nonce) work leading zero bits. It returns the envelope and the
// randomness the seal read.
func (g *gen) envelope(plain []byte, to [32]byte, slot string, work int) (env, sealRand []byte) {
	sealRand = g.read(32)
	sealed := must(box.SealAnonymous(nil, plain, &to, bytes.NewReader(sealRand)))
	return solve(sealed, slot, work), sealRand
}

func solve(sealed []byte, slot string, work int) []byte {
	digest := sha256.Sum256(sealed)
	pre := append([]byte("hams/v1/note\n"+slot+"\n"), digest[:]...)
	msg := append(pre, make([]byte, 8)...)
	for nonce := uint64(0); ; nonce++ {
		binary.BigEndian.PutUint64(msg[len(pre):], nonce)
		if h := sha256.Sum256(msg); zeroBits(h) >= work {
			return append(append([]byte("HNOTE1"), msg[len(pre):]...), sealed...)
		}
	}
}

// workOf counts the leading zero bits of the envelope's hash for slot:
// SHA-256("hams/v1/note\n" ‖ slot ‖ "\n" ‖ SHA-256(sealed) ‖ nonce).
func workOf(env []byte, slot string) int {
	digest := sha256.Sum256(env[14:])
	return zeroBits(sha256.Sum256(append(append([]byte("hams/v1/note\n"+slot+"\n"), digest[:]...), env[6:14]...)))
}

func zeroBits(h [32]byte) int {
	n := 0
	for _, c := range h {
		n += bits.LeadingZeros8(c)
		if c != 0 {
			break
		}
	}
	return n
}

// class returns the padding class of a note of n bytes (§4).
func class(n int) int {
	for _, c := range []int{512, 2048, 8192, 16384} {
		if n <= c {
			return c
		}
	}
	panic(fmt.Sprintf("a note of %d bytes has no class", n))
}

// pad pads note with spaces to padTo, or to its class when padTo is 0.
func pad(note []byte, padTo int) []byte {
	if padTo == 0 {
		padTo = class(len(note))
	}
	return append(bytes.Clone(note), bytes.Repeat([]byte{' '}, padTo-len(note))...)
}

// sealNote adds an "open" or "reject" vector of note, sealed to the
// recipient for slot at work bits; v holds the rest.
func (g *gen) sealNote(v Vector, note []byte, work int) Vector {
	if v.Slot == "" {
		v.Slot = g.slot
	}
	if v.Recipient == nil {
		v.Recipient = keysOf(g.recipient)
	}
	v.Feed = g.layla.at(0)
	v.Work = work
	if utf8.Valid(note) {
		v.Note = string(note)
	} else {
		v.NoteHex = hex.EncodeToString(note)
	}
	env, sealRand := g.envelope(pad(note, v.PadTo), g.recipient.Public, v.Slot, work)
	v.SealRand = hex.EncodeToString(sealRand)
	v.Envelope = hex.EncodeToString(env)
	return v
}

func (g *gen) open(name, desc string, note []byte, work int) {
	g.vs = append(g.vs, g.sealNote(Vector{Name: "open-" + name, Description: desc, Op: "open"}, note, work))
}

// openMessage adds an "open" vector of a message note from sender at
// an edition of its feed, its message text sealed with SealMessage's
// construction (box.Seal, a random nonce) even when SealMessage would
// refuse the text; m.Error names what OpenMessage says then.
func (g *gen) openMessage(name, desc string, from identity, edition int64, sender inbox.KeyPair, m Message, mutate func(*inbox.Message)) {
	nonce := [24]byte(g.read(24))
	msg := &inbox.Message{Box: sender.Public, Nonce: nonce,
		Sealed: box.Seal(nil, []byte(m.Text), &nonce, &g.recipient.Public, &sender.Private)}
	if mutate != nil {
		mutate(msg)
	}
	m.Sender, m.RandHex = *keysOf(sender), hex.EncodeToString(nonce[:])
	n := &inbox.Note{Type: inbox.TypeMessage, From: from.at(edition), Time: ts("2026-12-05T10:00:00Z"), Message: msg}
	v := g.sealNote(Vector{Name: "open-" + name, Description: desc, Op: "open", Message: &m}, must(n.Encode()), inbox.MinWork)
	g.vs = append(g.vs, v)
}

func (g *gen) reject(name, desc, code, path string, v Vector) {
	v.Name, v.Description, v.Op, v.Error, v.Path = "reject-"+name, desc, "reject", code, path
	if v.Slot == "" {
		v.Slot = g.slot
	}
	if v.Recipient == nil {
		v.Recipient = keysOf(g.recipient)
	}
	if v.Work == 0 {
		v.Work = inbox.MinWork
	}
	if id, _, _, err := inbox.ParseSlot(v.Slot); err == nil && id == g.laylaID {
		v.Feed = g.layla.at(0)
	}
	g.vs = append(g.vs, v)
}

// rejectNote adds a "reject" vector of a note (padded as pad_to says,
// else to its class) sealed properly at the minimum work.
func (g *gen) rejectNote(name, desc, path string, note string, padTo int) {
	v := g.sealNote(Vector{PadTo: padTo}, []byte(note), inbox.MinWork)
	g.reject(name, desc, "bad-note", path, v)
}

func vectors() []Vector {
	r := rand.NewChaCha8([32]byte{'h', 'a', 'm', 's', '-', 'i', 'n', 'b', 'o', 'x'})
	g := &gen{r: r}
	g.layla = newIdentity(r)
	omar, sam := newIdentity(r), newIdentity(r)
	g.recipient = must(inbox.GenerateKey(r))
	omarBox, samBox := must(inbox.GenerateKey(r)), must(inbox.GenerateKey(r))
	const day = "2026-12-05"
	laylaID := g.layla.inboxID()
	g.laylaID = laylaID
	g.slot = slotName(laylaID, day, 0)

	// Inbox IDs (§3).
	id := func(name, desc, uri, want string) {
		g.vs = append(g.vs, Vector{Name: "id-" + name, Description: desc, Op: "id", Feed: uri, ID: want})
	}
	id("layla", "the inbox ID of a feed at edition 0", g.layla.at(0), laylaID)
	id("omar", "the inbox ID of another feed", omar.at(12), omar.inboxID())
	id("sam", "the inbox ID of a third feed", sam.at(1), sam.inboxID())
	id("any-edition", "the edition does not matter: the same ID as id-layla", g.layla.at(4096), laylaID)
	id("search-edition", "a negative edition (a search from edition 3 on) names the same feed", g.layla.at(-3), laylaID)
	id("freenet-prefix", "any spelling keys.Parse accepts names the same feed", "freenet:"+g.layla.at(2), laylaID)
	idReject := func(name, desc, uri string) {
		g.vs = append(g.vs, Vector{Name: "id-reject-" + name, Description: desc, Op: "id-reject", Feed: uri, Error: "bad-argument", Path: "feed"})
	}
	idReject("insert", "an insert URI holds the private key: never a feed's name", g.layla.insert.WithEdition(0).String())
	ssk := g.layla.request
	ssk.Type, ssk.Name = keys.SSK, "hams-social-0"
	idReject("ssk", "an SSK, not a USK", ssk.String())
	other := g.layla.request
	other.Name = "blog"
	idReject("site", "a USK of another site than hams-social", other.WithEdition(0).String())
	idReject("meta", "a feed URI with a meta-string", g.layla.at(0)+"/profile")
	idReject("chk", "a CHK", must2(keys.EncodeCHK([]byte("x"), keys.EncodeOptions{})).String())
	idReject("garbage", "not a URI", "hello")

	// Slots (§3).
	slot := func(name, desc, d string, n int) {
		g.vs = append(g.vs, Vector{Name: "slot-" + name, Description: desc, Op: "slot", ID: laylaID, Day: d, N: new(n), Slot: slotName(laylaID, d, n)})
	}
	slot("first", "slot 0 of a day", day, 0)
	slot("second", "slot 1", day, 1)
	slot("last", "slot 1023, the last of a day", day, 1023)
	slot("epoch", "the first day", "1970-01-01", 7)
	slot("leap-day", "29 February of a leap year", "2028-02-29", 42)
	slotReject := func(name, desc, s string) {
		g.vs = append(g.vs, Vector{Name: "slot-reject-" + name, Description: desc, Op: "slot-reject", Slot: s, Error: "bad-argument", Path: "slot"})
	}
	base := slotName(laylaID, day, 0)
	slotReject("n-1024", "slot numbers stop at 1023", slotName(laylaID, day, 1024))
	slotReject("n-leading-zero", "a slot number with a leading zero", slotName(laylaID, day, 0)+"7")
	slotReject("n-empty", "no slot number", strings.TrimSuffix(base, "0"))
	slotReject("n-sign", "a sign before the slot number", mut(base, day+"-0", day+"-+1"))
	slotReject("n-negative", "a negative slot number", mut(base, day+"-0", day+"--1"))
	slotReject("ksk-lower", "a lower-case key type: the one spelling is KSK@", "ksk@"+strings.TrimPrefix(base, "KSK@"))
	slotReject("freenet-prefix", "a freenet: prefix: the one spelling has none", "freenet:"+base)
	slotReject("id-upper", "an inbox ID in upper case", mut(base, laylaID, strings.ToUpper(laylaID)))
	slotReject("id-short", "an inbox ID of 25 characters", mut(base, laylaID, laylaID[:25]))
	slotReject("id-long", "an inbox ID of 27 characters", mut(base, laylaID, laylaID+"a"))
	slotReject("id-trailing-bits", "an inbox ID whose last character has bits beyond the 16 bytes", mut(base, laylaID, laylaID[:25]+nextB32(laylaID[25])))
	slotReject("id-alphabet", "an inbox ID with a character outside base32 ('1')", mut(base, laylaID, "1"+laylaID[1:]))
	slotReject("day-invalid", "30 February", mut(base, day, "2026-02-30"))
	slotReject("day-short", "a day without leading zeros", mut(base, day+"-0", "2026-12-5-0"))
	slotReject("day-1969", "a day before 1970", mut(base, day, "1969-12-31"))
	slotReject("meta", "a meta-string after the slot", base+"/x")
	slotReject("prefix", "another keyword", mut(base, "hams-inbox-", "hams-inbux-"))

	// Notes that open (§4).
	note := func(n *inbox.Note) []byte { return must(n.Encode()) }
	t0 := ts("2026-12-05T10:00:00Z")
	reply := note(&inbox.Note{Type: inbox.TypeReply, From: omar.at(4), N: 5, Time: t0})
	g.open("reply", "a reply: post 5 of Omar's feed, edition 4, answers one of Layla's posts", reply, inbox.MinWork)
	g.open("mention", "a mention in post 6 of Sam's feed, edition 9", note(&inbox.Note{Type: inbox.TypeMention, From: sam.at(9), N: 6, Time: t0}), inbox.MinWork)
	g.open("like", "Omar likes Layla's post 3", note(&inbox.Note{Type: inbox.TypeLike, From: omar.at(5), N: 3, Time: t0}), inbox.MinWork)
	g.open("follow", "Sam follows Layla: no post number", note(&inbox.Note{Type: inbox.TypeFollow, From: sam.at(10), Time: t0}), inbox.MinWork)
	g.open("default-work", "a reply with the default work, 20 bits", note(&inbox.Note{Type: inbox.TypeReply, From: omar.at(6), N: 7, Time: t0}), inbox.DefaultWork)
	{
		v := g.sealNote(Vector{Name: "open-other-slot", Description: "slot 1023 of the day before: the work is for that slot", Op: "open",
			Slot: slotName(laylaID, "2026-12-04", 1023)}, note(&inbox.Note{Type: inbox.TypeLike, From: sam.at(0), N: 1, Time: ts("2026-12-04T23:59:59Z")}), inbox.MinWork)
		g.vs = append(g.vs, v)
	}
	g.open("time-bounds", "the latest time and the largest post number", note(&inbox.Note{Type: inbox.TypeReply, From: omar.at(1 << 62), N: 1<<63 - 1, Time: ts("9999-12-31T23:59:59Z")}), inbox.MinWork)
	// Notes of exactly 512 bytes (no padding) and 513 (class 2048): message
	// notes, whose length is set by the text's and the edition's.
	for _, size := range []int{512, 513} {
		found := false
		for l := 1; l < 400 && !found; l++ {
			for e := int64(0); e < 1e15 && !found; e = e*10 + 1 {
				n := &inbox.Note{Type: inbox.TypeMessage, From: omar.at(e), Time: t0,
					Message: &inbox.Message{Sealed: make([]byte, box.Overhead+l)}}
				if len(note(n)) == size {
					g.openMessage("size-"+strconv.Itoa(size), fmt.Sprintf("a note of exactly %d bytes: class %d", size, class(size)),
						omar, e, omarBox, Message{Text: strings.Repeat("x", l)}, nil)
					found = true
				}
			}
		}
		if !found {
			panic(fmt.Sprintf("no note of %d bytes", size))
		}
	}
	g.openMessage("message", "a private message from Omar: Arabic, an emoji, a newline", omar, 4, omarBox,
		Message{Text: "مرحبا يا ليلى! 👋\nHow are you?"}, nil)
	g.openMessage("message-2048", "a message of 1000 bytes: class 2048", sam, 4, samBox,
		Message{Text: strings.Repeat("سلام ", 100)}, nil)
	g.openMessage("message-8192", "a message of 5000 bytes: class 8192", omar, 4, omarBox,
		Message{Text: strings.Repeat("abcd\tefg\n", 555) + "hello"}, nil)
	g.openMessage("message-max", "a message of 8192 bytes, the longest: class 16384", omar, 4, omarBox,
		Message{Text: strings.Repeat("ب", 4096)}, nil)
	g.openMessage("message-forged-box", "a message whose box names Sam's key but was sealed with Omar's: the note opens, the message does not",
		omar, 4, omarBox, Message{Text: "I am Sam", Error: "not-for-me"}, func(m *inbox.Message) { m.Box = samBox.Public })
	g.openMessage("message-control", "a message text with a carriage return: the note opens, the text is refused",
		sam, 4, samBox, Message{Text: "line\r\nline", Error: "bad-note", Path: "message.sealed"}, nil)
	g.open("noncanonical", "white space, another key order, escaped characters and unknown fields (top level and in message) are accepted",
		[]byte(" {\n\t\"ti\\u006de\" : \"2026-12-05T10:00:00Z\",\n\t\"client\": {\"name\": \"hams\", \"v\": [1, 2.5, null, true]},\n"+
			"\t\"n\": 5, \"from\": \""+strings.ReplaceAll(omar.at(4), "/", "\\/")+"\", \"type\": \"reply\"\n}\n"), inbox.MinWork)
	msgRand := g.read(24)
	msgNote := string(note(&inbox.Note{Type: inbox.TypeMessage, From: omar.at(4), Time: t0,
		Message: must(inbox.SealMessage("مرحبا", omarBox, g.recipient.Public, bytes.NewReader(msgRand)))}))
	g.vs = append(g.vs, g.sealNote(Vector{Name: "open-message-unknown-field", Description: "an unknown field inside message is ignored", Op: "open",
		Message: &Message{Text: "مرحبا", Sender: *keysOf(omarBox), RandHex: hex.EncodeToString(msgRand)}},
		[]byte(mut(msgNote, `{"box":`, `{"read_receipt":false,"box":`)), inbox.MinWork))

	// Envelopes a reader rejects before opening the seal.
	replyEnv := func() []byte {
		v := g.sealNote(Vector{}, reply, inbox.MinWork)
		return must(hex.DecodeString(v.Envelope))
	}
	env := replyEnv()
	h := hex.EncodeToString
	g.reject("empty", "no data", "bad-envelope", "size", Vector{Envelope: ""})
	g.reject("short", "five bytes: shorter than the magic", "bad-envelope", "size", Vector{Envelope: h([]byte("HNOTE"))})
	g.reject("header-only", "the magic and a nonce, nothing sealed", "bad-envelope", "size", Vector{Envelope: h(env[:inbox.HeaderSize])})
	g.reject("magic", "another version: HNOTE2", "bad-envelope", "magic", Vector{Envelope: h(append([]byte("HNOTE2"), env[6:]...))})
	g.reject("magic-lower", "the magic in lower case", "bad-envelope", "magic", Vector{Envelope: h(append([]byte("hnote1"), env[6:]...))})
	g.reject("truncated", "a valid envelope less its last byte", "bad-envelope", "size", Vector{Envelope: h(env[:len(env)-1])})
	g.reject("extended", "a valid envelope and one more byte", "bad-envelope", "size", Vector{Envelope: h(append(bytes.Clone(env), 0))})
	g.reject("too-big", "more than a slot holds (32 KiB)", "bad-envelope", "size",
		Vector{Envelope: h(append([]byte("HNOTE1"), make([]byte, 32768-6+1)...))})
	{
		v := g.sealNote(Vector{PadTo: len(reply)}, reply, inbox.MinWork)
		g.reject("unpadded", "a note sealed without its padding: the envelope's size is no class", "bad-envelope", "size", v)
	}
	// Work (§5).
	for i := 0; ; i++ {
		v := g.sealNote(Vector{}, reply, inbox.MinWork)
		e := must(hex.DecodeString(v.Envelope))
		if w := workOf(e, v.Slot); w >= inbox.DefaultWork {
			continue // find one with less than 20 bits
		}
		v.Work = inbox.DefaultWork
		g.reject("work-below", "sealed with 16 bits of work; the reader asks 20", "work", "", v)
		break
	}
	g.reject("work-other-slot", "a valid envelope of slot 0 copied to slot 1: its work is for slot 0", "work", "",
		Vector{Envelope: h(env), Slot: slotName(laylaID, day, 1)})
	g.reject("work-other-day", "a valid envelope of one day copied to the next day's slot 0", "work", "",
		Vector{Envelope: h(env), Slot: slotName(laylaID, "2026-12-06", 0)})
	g.reject("work-other-inbox", "a valid envelope of Layla's inbox copied to Omar's", "work", "",
		Vector{Envelope: h(env), Slot: slotName(omar.inboxID(), day, 0)})
	g.reject("work-none", "the magic, then random bytes of an envelope's size", "work", "",
		Vector{Envelope: h(append([]byte("HNOTE1"), g.read(inbox.EnvelopeSize(512)-6)...))})
	flipped := bytes.Clone(env)
	flipped[len(flipped)-1] ^= 1
	g.reject("work-damaged", "a valid envelope with one bit of its sealed box flipped: its work is gone", "work", "", Vector{Envelope: h(flipped)})
	// The seal.
	g.reject("wrong-key", "a valid envelope, opened with another key pair", "not-for-me", "", Vector{Envelope: h(env), Recipient: keysOf(omarBox)})
	g.reject("damaged-seal", "one bit of the sealed box flipped, and the work done again: the seal does not open", "not-for-me", "",
		Vector{Envelope: h(solve(flipped[inbox.HeaderSize:], g.slot, inbox.MinWork))})
	{
		other := must(box.SealAnonymous(nil, pad(reply, 0), &omarBox.Public, bytes.NewReader(g.read(32))))
		g.reject("sealed-to-other", "a note sealed to Omar's key, in Layla's inbox", "not-for-me", "", Vector{Envelope: h(solve(other, g.slot, inbox.MinWork))})
	}
	// Padding.
	g.rejectNote("overpadded", "a note of class 512 padded to 2048", "padding", string(reply), 2048)
	g.rejectNote("padding-nul", "padded with NUL bytes, not spaces", "json", string(reply)+strings.Repeat("\x00", 512-len(reply)), 0)
	g.rejectNote("padding-x", "padded with 'x', not spaces", "json", string(reply)+strings.Repeat("x", 512-len(reply)), 0)
	g.rejectNote("all-spaces", "only padding: no note", "json", "", 512)

	// Notes that break a rule of the JSON layer (docs/social.md §3).
	r0 := string(reply)
	g.rejectNote("not-utf8", "a byte that is not UTF-8 in a string", "json", mut(r0, `"reply"`, "\"repl\xff\""), 0)
	g.rejectNote("lone-surrogate", "a \\u escape of a lone high surrogate", "json", mut(r0, `"reply"`, `"reply\ud800"`), 0)
	g.rejectNote("syntax", "a missing closing brace", "json", strings.TrimSuffix(r0, "}"), 0)
	g.rejectNote("not-object", "an array, not an object", "json", "["+r0+"]", 0)
	g.rejectNote("bom", "a byte order mark before the object", "json", "\ufeff"+r0, 0)
	g.rejectNote("trailing-data", "a second value after the object", "json", r0+"{}", 0)
	g.rejectNote("control-char", "a raw tab inside a string", "json", mut(r0, `"reply"`, "\"re\tply\""), 0)
	g.rejectNote("duplicate-key", "type twice", "json", mut(r0, `{"type":"reply"`, `{"type":"like","type":"reply"`), 0)
	g.rejectNote("duplicate-key-escaped", `"type" and "typ\u0065" are the same key`, "json", mut(r0, `{"type":"reply"`, `{"typ\u0065":"like","type":"reply"`), 0)
	g.rejectNote("depth", "an unknown field nested 65 deep", "json", mut(r0, `{"type"`, `{"x":`+strings.Repeat("[", 64)+strings.Repeat("]", 64)+`,"type"`), 0)
	// Fields (§4).
	field := func(name, desc, path, old, new string) { g.rejectNote(name, desc, path, mut(r0, old, new), 0) }
	from := `"from":"` + omar.at(4) + `"`
	field("type-missing", "no type", "type", `"type":"reply",`, ``)
	field("type-null", "type null", "type", `"type":"reply"`, `"type":null`)
	field("type-number", "type a number", "type", `"type":"reply"`, `"type":1`)
	field("type-unknown", "an unknown type", "type", `"type":"reply"`, `"type":"repost"`)
	field("type-case", "types are lower case", "type", `"type":"reply"`, `"type":"Reply"`)
	field("from-missing", "no from", "from", from+`,`, ``)
	field("from-number", "from a number", "from", from, `"from":4`)
	field("from-garbage", "from not a URI", "from", from, `"from":"omar"`)
	field("from-insert", "from an insert URI", "from", from, `"from":"`+omar.insert.WithEdition(4).String()+`"`)
	ossk := omar.request
	ossk.Type, ossk.Name = keys.SSK, "hams-social-4"
	field("from-ssk", "from an SSK", "from", from, `"from":"`+ossk.String()+`"`)
	osite := omar.request
	osite.Name = "blog"
	field("from-site", "from a USK of another site", "from", from, `"from":"`+osite.WithEdition(4).String()+`"`)
	field("from-meta", "from with a meta-string", "from", from, `"from":"`+omar.at(4)+`/x"`)
	field("from-prefix", "from with a freenet: prefix (not canonical)", "from", from, `"from":"freenet:`+omar.at(4)+`"`)
	field("from-lower", "from with a lower-case key type (not canonical)", "from", from, `"from":"usk`+strings.TrimPrefix(omar.at(4), "USK")+`"`)
	field("from-negative-edition", "from at a negative edition (a search, not an edition)", "from", from, `"from":"`+omar.at(-4)+`"`)
	field("n-missing", "a reply without n", "n", `"n":5,`, ``)
	field("n-zero", "n 0", "n", `"n":5`, `"n":0`)
	field("n-negative", "n -5", "n", `"n":5`, `"n":-5`)
	field("n-fraction", "n 5.0", "n", `"n":5`, `"n":5.0`)
	field("n-exponent", "n 5e0", "n", `"n":5`, `"n":5e0`)
	field("n-range", "n 2^63", "n", `"n":5`, `"n":9223372036854775808`)
	field("n-string", `n "5"`, "n", `"n":5`, `"n":"5"`)
	field("n-null", "n null", "n", `"n":5`, `"n":null`)
	follow := string(note(&inbox.Note{Type: inbox.TypeFollow, From: sam.at(10), Time: t0}))
	g.rejectNote("n-follow", "a follow with n", "n", mut(follow, `,"time"`, `,"n":1,"time"`), 0)
	g.rejectNote("n-message", "a message with n", "n", mut(msgNote, `,"time"`, `,"n":1,"time"`), 0)
	field("time-missing", "no time", "time", `,"time":"2026-12-05T10:00:00Z"`, ``)
	field("time-offset", "a time with an offset", "time", `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00:00+00:00"`)
	field("time-fraction", "a time with a fraction of a second", "time", `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00:00.5Z"`)
	field("time-lower-z", "a time with a lower-case z", "time", `"2026-12-05T10:00:00Z"`, `"2026-12-05T10:00:00z"`)
	field("time-invalid", "30 February", "time", `"2026-12-05T10:00:00Z"`, `"2026-02-30T10:00:00Z"`)
	field("time-1969", "a time before 1970", "time", `"2026-12-05T10:00:00Z"`, `"1969-12-31T23:59:59Z"`)
	field("time-number", "a time as a number", "time", `"2026-12-05T10:00:00Z"`, `1796464800`)
	field("message-on-reply", "a reply with a message", "message", `"}`, `","message":`+msgNote[strings.Index(msgNote, `{"box"`):len(msgNote)-1]+`}`)
	m0 := msgNote
	msgField := func(name, desc, path, old, new string) { g.rejectNote(name, desc, path, mut(m0, old, new), 0) }
	boxS := m0[strings.Index(m0, `"box":"`)+7:][:43]
	nonceS := m0[strings.Index(m0, `"nonce":"`)+9:][:32]
	sealedS := m0[strings.Index(m0, `"sealed":"`)+10 : len(m0)-3]
	msgField("message-missing", "a message note without message", "message", m0[strings.Index(m0, `,"message"`):len(m0)-1], ``)
	msgField("message-string", "message a string", "message", m0[strings.Index(m0, `{"box"`):len(m0)-1], `"hi"`)
	msgField("message-null", "message null", "message", m0[strings.Index(m0, `{"box"`):len(m0)-1], `null`)
	msgField("box-missing", "message without box", "message.box", `"box":"`+boxS+`",`, ``)
	msgField("box-short", "a box of 31 bytes", "message.box", boxS, b64(make([]byte, 31)))
	msgField("box-padded", "a box with base64 padding", "message.box", boxS, boxS+"=")
	msgField("box-std-alphabet", "a box in the standard base64 alphabet ('+', '/')", "message.box", boxS, "+/"+boxS[2:])
	msgField("box-trailing-bits", "a box whose last character has bits beyond the 32 bytes", "message.box", boxS, boxS[:42]+nextB64(boxS[42]))
	msgField("nonce-missing", "message without nonce", "message.nonce", `"nonce":"`+nonceS+`",`, ``)
	msgField("nonce-short", "a nonce of 23 bytes", "message.nonce", nonceS, b64(make([]byte, 23)))
	msgField("nonce-null", "nonce null", "message.nonce", `"`+nonceS+`"`, `null`)
	msgField("sealed-missing", "message without sealed", "message.sealed", `,"sealed":"`+sealedS+`"`, ``)
	msgField("sealed-empty-text", "sealed of an empty text: only the box overhead (16 bytes)", "message.sealed", sealedS, b64(make([]byte, box.Overhead)))
	msgField("sealed-too-long", "sealed of a text of 8193 bytes", "message.sealed", sealedS, b64(make([]byte, box.Overhead+inbox.MaxMessageBytes+1)))
	msgField("sealed-padded", "sealed with base64 padding", "message.sealed", sealedS, base64.URLEncoding.EncodeToString(must(base64.RawURLEncoding.DecodeString(sealedS))))
	msgField("sealed-newline", "sealed with an escaped newline inside (base64 decoders skip it)", "message.sealed", sealedS, sealedS[:8]+`\n`+sealedS[8:])
	msgField("sealed-number", "sealed a number", "message.sealed", `"`+sealedS+`"`, `7`)
	return g.vs
}

func must2(_ []byte, u keys.URI, err error) keys.URI {
	if err != nil {
		panic(err)
	}
	return u
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// nextB32 returns the base32 character after c: a last character of an
// ID with bits set beyond its 16 bytes when c has none.
func nextB32(c byte) string {
	const a = "abcdefghijklmnopqrstuvwxyz234567"
	return string(a[(strings.IndexByte(a, c)+1)%32])
}

// nextB64 returns the base64url character after c.
func nextB64(c byte) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(a[(strings.IndexByte(a, c)+1)%64])
}

// Fill checks every vector against package inbox and completes what it
// computes: work_bits, and canonical forms.
func Fill(vs []Vector) error {
	for i := range vs {
		if err := fill(&vs[i]); err != nil {
			return fmt.Errorf("%s: %v", vs[i].Name, err)
		}
	}
	return nil
}

func code(err error) string { return codes[inbox.CodeOf(err)] }

func keyPair(k *Keys) (inbox.KeyPair, error) {
	pub, err := inbox.ParseBox(k.Public)
	if err != nil {
		return inbox.KeyPair{}, err
	}
	priv, err := inbox.ParseBox(k.Private)
	return inbox.KeyPair{Public: pub, Private: priv}, err
}

func fill(v *Vector) error {
	switch v.Op {
	case "id":
		got, err := inbox.ID(v.Feed)
		if err != nil || got != v.ID {
			return fmt.Errorf("ID gives %q, %v; the spec gives %q", got, err, v.ID)
		}
		return nil
	case "id-reject":
		_, err := inbox.ID(v.Feed)
		if code(err) != v.Error || inbox.PathOf(err) != v.Path {
			return fmt.Errorf("ID: %v, want %s at %s", err, v.Error, v.Path)
		}
		return nil
	case "slot":
		d := must(time.Parse(inbox.DayLayout, v.Day))
		if got := inbox.Slot(v.ID, d.Add(13*time.Hour), *v.N); got != v.Slot {
			return fmt.Errorf("Slot gives %q, the spec %q", got, v.Slot)
		}
		id, day, n, err := inbox.ParseSlot(v.Slot)
		if err != nil || id != v.ID || !day.Equal(d) || n != *v.N {
			return fmt.Errorf("ParseSlot: %v %v %v %v", id, day, n, err)
		}
		return nil
	case "slot-reject":
		_, _, _, err := inbox.ParseSlot(v.Slot)
		if code(err) != v.Error || inbox.PathOf(err) != v.Path {
			return fmt.Errorf("ParseSlot: %v, want %s at %s", err, v.Error, v.Path)
		}
		return nil
	case "open", "reject":
	default:
		return fmt.Errorf("unknown op %q", v.Op)
	}
	env, err := hex.DecodeString(v.Envelope)
	if err != nil {
		return err
	}
	rcpt, err := keyPair(v.Recipient)
	if err != nil {
		return err
	}
	if w := inbox.Work(env, v.Slot); len(env) >= inbox.HeaderSize && string(env[:6]) == inbox.Magic {
		if w != workOf(env, v.Slot) {
			return fmt.Errorf("Work gives %d, the spec %d", w, workOf(env, v.Slot))
		}
		v.WorkBits = w
	}
	if v.Feed != "" {
		id, _, _, err := inbox.ParseSlot(v.Slot)
		if err != nil {
			return err
		}
		if fid := must(inbox.ID(v.Feed)); fid != id {
			return fmt.Errorf("the slot is not in the inbox of %s", v.Feed)
		}
	}
	n, err := inbox.Open(env, v.Slot, v.Work, rcpt)
	if v.Op == "reject" {
		if code(err) != v.Error || inbox.PathOf(err) != v.Path {
			return fmt.Errorf("Open: %v, want %s at %q", err, v.Error, v.Path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("Open: %v", err)
	}
	c, err := n.Encode()
	if err != nil {
		return err
	}
	if string(c) != v.Note {
		v.Canonical = string(c)
	} else if v.PadTo == 0 {
		// A canonical note: Seal writes the same envelope.
		to := rcpt.Public
		got, err := inbox.Seal(n, to, v.Slot, v.Work, bytes.NewReader(must(hex.DecodeString(v.SealRand))))
		if err != nil || !bytes.Equal(got, env) {
			return fmt.Errorf("Seal writes another envelope (%v)", err)
		}
	}
	if m := v.Message; m != nil {
		text, err := inbox.OpenMessage(n.Message, rcpt)
		if code(err) != m.Error || inbox.PathOf(err) != m.Path {
			return fmt.Errorf("OpenMessage: %v, want %q at %q", err, m.Error, m.Path)
		}
		if err == nil {
			if text != m.Text {
				return fmt.Errorf("OpenMessage gives %q", text)
			}
			sender, err := keyPair(&m.Sender)
			if err != nil {
				return err
			}
			sm, err := inbox.SealMessage(m.Text, sender, rcpt.Public, bytes.NewReader(must(hex.DecodeString(m.RandHex))))
			if err != nil || sm.Box != n.Message.Box || sm.Nonce != n.Message.Nonce || !bytes.Equal(sm.Sealed, n.Message.Sealed) {
				return errors.New("SealMessage writes another message")
			}
		}
	}
	return nil
}

func main() {
	out := flag.String("out", "docs/vectors/social-inbox", "output directory")
	flag.Parse()
	n, err := write(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inboxvectors:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d vectors to %s\n", n, *out)
}

// write generates every vector into dir and removes .json files there that
// no vector writes any more. It returns the number of vectors.
func write(dir string) (int, error) {
	vs := vectors()
	if err := Fill(vs); err != nil {
		return 0, err
	}
	return len(vs), vectorfile.Write(dir, vs, func(v *Vector) string { return v.Name })
}
