// Package inbox implements the inboxes, notes and private messages of hams
// social, docs/social-inbox.md §3–§5: how a note — a reply, a mention, a
// like, a new follower or a private message — reaches a person whose feed
// the writer does not otherwise touch.
//
// A feed's inbox is a set of KSK slots, "KSK@hams-inbox-<ID>-<day>-<n>"
// (ID, Slot, ParseSlot), derived from the feed's public key hash, so anyone
// can compute it and insert into it. Each slot holds one envelope: "HNOTE1",
// an 8-byte proof-of-work nonce and a NaCl sealed box (box.SealAnonymous)
// of the note, padded to one of four size classes, sealed to the
// recipient's X25519 "box" key (KeyPair, EncodeBox, ParseBox). Nobody but
// the recipient learns who wrote a note, what kind it is, or a message's
// text; anyone learns that a note arrived, when, and its size class.
//
// Writing costs work, reading a bad envelope costs one hash: Seal searches
// a nonce that gives SHA-256 over the slot name and the envelope the
// recipient's number of leading zero bits; Open checks the envelope's form,
// then the work (Work), and only then opens the seal, strips the padding
// and reads the note (Note, DecodeNote, Encode), which follows the JSON
// rules of the feed format (docs/social.md §3, §7; package strictjson). A
// private message travels inside a note, sealed a second time from the
// writer's box key to the recipient's (SealMessage, OpenMessage), so that
// the reader can tell who wrote it by comparing the writer's key with
// their profile.
//
// A note that opens is a claim, not a fact: a reader fetches the From
// edition it names and checks it (§4, "Checking") before showing anything;
// that, and deciding whom to show (§6), is the front-end's job.
//
// The package is pure: no I/O, no clock, no goroutines; times and
// randomness are passed in, and the same inputs give the same envelope.
// Errors are *Error values with a Code, matched by errors.Is against
// ErrBadEnvelope, ErrWork, ErrNotForMe, ErrBadNote and ErrBadArgument.
// Test vectors: docs/vectors/social-inbox/ (go run ./tools/inboxvectors).
package inbox
