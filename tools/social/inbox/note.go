package inbox

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/strictjson"
	"golang.org/x/crypto/nacl/box"
)

// The types of note (docs/social-inbox.md §4).
const (
	// TypeReply: post N of the From feed replies to one of the recipient's
	// posts.
	TypeReply = "reply"
	// TypeMention: post N of the From feed mentions the recipient.
	TypeMention = "mention"
	// TypeLike: the From feed likes the recipient's post N.
	TypeLike = "like"
	// TypeFollow: the From feed follows the recipient.
	TypeFollow = "follow"
	// TypeMessage: a private message, sealed inside the note's Message.
	TypeMessage = "message"
)

// Limits of a note (§4).
const (
	// MaxNoteSize is the largest note, in bytes of JSON; it is also the
	// largest padding class.
	MaxNoteSize = 16384
	// MaxMessageBytes is the longest private message text, in bytes of
	// UTF-8.
	MaxMessageBytes = 8192
)

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Note is what an envelope carries, sealed to the recipient: a pointer to
// what the writer published, or a private message. A reader believes
// nothing of it until it has checked the From edition (§4, "Checking");
// this package checks only the note's form.
type Note struct {
	// Type is TypeReply, TypeMention, TypeLike, TypeFollow or TypeMessage.
	Type string
	// From is the writer's feed: a canonical USK request URI of site
	// feed.SiteName at the edition that holds what the note is about (for
	// a message, an edition whose profile has the writer's box key).
	From string
	// N is, for a reply or mention, the number of the writer's post; for a
	// like, the number of the recipient's liked post: at least 1. It is 0
	// (absent from the JSON) for a follow or a message.
	N int64
	// Time is when the note was written: whole seconds, 1970 to 9999.
	// Encode writes it in UTC; DecodeNote returns it in UTC.
	Time time.Time
	// Message is the private message of a TypeMessage note, and nil for
	// every other type.
	Message *Message
}

// Message is a private message as a note carries it: the text, sealed
// with NaCl box from the writer's key pair to the recipient's (SealMessage,
// OpenMessage).
type Message struct {
	// Box is the writer's public key; a reader checks it against the box of
	// the From feed's profile before believing who wrote the message.
	Box [32]byte
	// Nonce is the box nonce, random.
	Nonce [24]byte
	// Sealed is box.Seal of the text: box.Overhead bytes more than the text,
	// which is 1 to MaxMessageBytes bytes.
	Sealed []byte
}

// hasN reports whether notes of type t carry a post number.
func hasN(t string) bool { return t == TypeReply || t == TypeMention || t == TypeLike }

func knownType(t string) bool { return hasN(t) || t == TypeFollow || t == TypeMessage }

// Validate checks n against the rules of §4: a known type; From a
// canonical feed request URI (USK, site feed.SiteName, no meta-strings) at
// an edition ≥ 0, not an insert URI; N ≥ 1 for a reply, mention or like and
// 0 for a follow or message; Time in whole seconds from 1970 to 9999;
// Message present exactly for a message, its sealed text within the size
// limits. Errors are of CodeBadNote, with the field as Path.
func (n *Note) Validate() error {
	if !knownType(n.Type) {
		return errorf(CodeBadNote, "type", "%s is not reply, mention, like, follow or message", describe(n.Type))
	}
	if err := checkFrom(n.From); err != nil {
		return err
	}
	switch {
	case hasN(n.Type) && n.N < 1:
		return errorf(CodeBadNote, "n", "is %d, want 1 or more for a %s", n.N, n.Type)
	case !hasN(n.Type) && n.N != 0:
		return errorf(CodeBadNote, "n", "a %s has no post number (got %d)", n.Type, n.N)
	}
	if n.Time.Nanosecond() != 0 {
		return errorf(CodeBadNote, "time", "has a fraction of a second")
	}
	if u := n.Time.UTC(); u.Before(minTime) || u.After(maxTime) {
		return errorf(CodeBadNote, "time", "%s is missing or outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z", u.Format(time.RFC3339))
	}
	switch {
	case n.Type == TypeMessage && n.Message == nil:
		return errorf(CodeBadNote, "message", "missing: a message note carries a message")
	case n.Type != TypeMessage && n.Message != nil:
		return errorf(CodeBadNote, "message", "a %s carries no message", n.Type)
	}
	if m := n.Message; m != nil {
		if l := len(m.Sealed); l < box.Overhead+1 || l > box.Overhead+MaxMessageBytes {
			return errorf(CodeBadNote, "message.sealed", "is %d bytes, want %d to %d (a text of 1 to %d bytes, sealed)",
				l, box.Overhead+1, box.Overhead+MaxMessageBytes, MaxMessageBytes)
		}
	}
	return nil
}

// checkFrom checks a note's from: a canonical feed request URI at an
// edition ≥ 0 (the rules of docs/social.md §5.2 for a feed URI in a
// document).
func checkFrom(s string) error {
	if _, err := feed.FeedKey(s); err != nil {
		return &Error{Code: CodeBadNote, Path: "from", Msg: "not a feed request URI: " + err.Error(), Err: err}
	}
	u, err := keys.Parse(s)
	if err != nil { // FeedKey parsed it already
		return &Error{Code: CodeBadNote, Path: "from", Msg: err.Error(), Err: err}
	}
	if c := u.String(); c != s {
		return errorf(CodeBadNote, "from", "%s is not in canonical form %s", describe(s), describe(c))
	}
	if u.Edition < 0 {
		return errorf(CodeBadNote, "from", "has edition %d, want 0 or more", u.Edition)
	}
	return nil
}

// Encode validates n and writes it in canonical form (docs/social.md §7):
// the fields in the order type, from, n, time, message (box, nonce,
// sealed), no white space, n and message left out when they have no
// value, the time in UTC as feed.TimeLayout, byte strings in unpadded
// base64url.
func (n *Note) Encode() ([]byte, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"type":`...)
	b = appendString(b, n.Type)
	b = append(b, `,"from":`...)
	b = appendString(b, n.From)
	if hasN(n.Type) {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, n.N, 10)
	}
	b = append(b, `,"time":"`...)
	b = n.Time.UTC().AppendFormat(b, feed.TimeLayout)
	b = append(b, '"')
	if m := n.Message; m != nil {
		b = append(b, `,"message":{"box":"`...)
		b = b64.AppendEncode(b, m.Box[:])
		b = append(b, `","nonce":"`...)
		b = b64.AppendEncode(b, m.Nonce[:])
		b = append(b, `","sealed":"`...)
		b = b64.AppendEncode(b, m.Sealed)
		b = append(b, `"}`...)
	}
	b = append(b, '}')
	if len(b) > MaxNoteSize {
		return nil, errorf(CodeBadNote, "size", "the note would be %d bytes, more than %d", len(b), MaxNoteSize)
	}
	return b, nil
}

// DecodeNote reads a note (without its padding): at most MaxNoteSize
// bytes of JSON under the rules of docs/social.md §3 (valid UTF-8, one
// object, no key twice, nesting at most 64, integers without fraction or
// exponent, no null for a known field, times of feed.TimeLayout), then
// Validate. It accepts any spelling of a valid note (white space, key
// order, escapes), and ignores unknown fields wherever they are; Encode of
// the result writes the canonical form. Errors are of CodeBadNote.
func DecodeNote(b []byte) (*Note, error) {
	if len(b) > MaxNoteSize {
		return nil, errorf(CodeBadNote, "size", "the note is %d bytes, more than %d", len(b), MaxNoteSize)
	}
	root, err := strictjson.Parse(b, "note")
	if err != nil {
		return nil, jsonError(err)
	}
	top := root.Members()
	n := &Note{}
	if n.Type, err = reqString(top, "type", ""); err != nil {
		return nil, err
	}
	if !knownType(n.Type) {
		return nil, errorf(CodeBadNote, "type", "%s is not reply, mention, like, follow or message", describe(n.Type))
	}
	if n.From, err = reqString(top, "from", ""); err != nil {
		return nil, err
	}
	if err := checkFrom(n.From); err != nil {
		return nil, err
	}
	if v, ok, err := opt(top, "n", ""); err != nil {
		return nil, err
	} else if ok {
		if !hasN(n.Type) {
			return nil, errorf(CodeBadNote, "n", "a %s has no post number", n.Type)
		}
		var why string
		if n.N, why = integer(v); why != "" {
			return nil, errorf(CodeBadNote, "n", "%s", why)
		}
	} else if hasN(n.Type) {
		return nil, errorf(CodeBadNote, "n", "missing: a %s names a post", n.Type)
	}
	s, err := reqString(top, "time", "")
	if err != nil {
		return nil, err
	}
	if n.Time, err = parseTime(s); err != nil {
		return nil, err
	}
	if v, ok, err := opt(top, "message", ""); err != nil {
		return nil, err
	} else if ok {
		if v.Type() != strictjson.TypeObject {
			return nil, errorf(CodeBadNote, "message", "is %s, want an object", v.Type())
		}
		if n.Message, err = decodeMessage(v); err != nil {
			return nil, err
		}
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

func decodeMessage(v strictjson.Value) (*Message, error) {
	obj := v.Members()
	m := &Message{}
	s, err := reqString(obj, "box", "message")
	if err != nil {
		return nil, err
	}
	if why := decodeFixed(m.Box[:], s); why != "" {
		return nil, errorf(CodeBadNote, "message.box", "%s is not a box key: %s", describe(s), why)
	}
	if s, err = reqString(obj, "nonce", "message"); err != nil {
		return nil, err
	}
	if why := decodeFixed(m.Nonce[:], s); why != "" {
		return nil, errorf(CodeBadNote, "message.nonce", "%s is not a nonce: %s", describe(s), why)
	}
	if s, err = reqString(obj, "sealed", "message"); err != nil {
		return nil, err
	}
	if m.Sealed, err = b64.DecodeString(s); err != nil || b64.EncodeToString(m.Sealed) != s { // the decoder skips '\r' and '\n'
		return nil, errorf(CodeBadNote, "message.sealed", "is not unpadded base64url (RFC 4648 §5, '-' and '_', no '=')")
	}
	return m, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonError is a *strictjson.Error of Parse as a CodeBadNote error at
// path "json".
func jsonError(err error) error {
	if e, ok := err.(*strictjson.Error); ok {
		return errorf(CodeBadNote, "json", "offset %d: %s", e.Offset, e.Msg)
	}
	return errorf(CodeBadNote, "json", "%v", err)
}

// fields are the members of a JSON object by key.
type fields = map[string]strictjson.Value

// opt returns the member key of the object obj; null is an error.
func opt(obj fields, key, path string) (strictjson.Value, bool, error) {
	v, ok := obj[key]
	if ok && v.Type() == strictjson.TypeNull {
		return v, false, errorf(CodeBadNote, join(path, key), "is null")
	}
	return v, ok, nil
}

// reqString returns the string member key of obj, which must be present.
func reqString(obj fields, key, path string) (string, error) {
	v, ok, err := opt(obj, key, path)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errorf(CodeBadNote, join(path, key), "missing")
	}
	if v.Type() != strictjson.TypeString {
		return "", errorf(CodeBadNote, join(path, key), "is %s, want a string", v.Type())
	}
	return v.String(), nil
}

// integer reads the number v as an integer: no fraction or exponent, within
// int64 ("-0" reads as 0). It returns why not, or "".
func integer(v strictjson.Value) (int64, string) {
	if v.Type() != strictjson.TypeNumber {
		return 0, "is " + v.Type().String() + ", want an integer"
	}
	lit := v.String()
	if strings.ContainsAny(lit, ".eE") {
		return 0, lit + " is not an integer (no fraction or exponent)"
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return 0, describe(lit) + " is out of range"
	}
	return n, ""
}

// appendString appends s as a JSON string in canonical form
// (strictjson.AppendString).
func appendString(b []byte, s string) []byte { return strictjson.AppendString(b, s) }

// describe quotes s for an error message, shortened (strictjson.Describe).
func describe(s string) string { return strictjson.Describe(s) }

// parseTime reads a time of exactly the form feed.TimeLayout, 1970 to 9999
// (docs/social.md §4).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(feed.TimeLayout, s)
	if err != nil || len(s) != len(feed.TimeLayout) || t.Format(feed.TimeLayout) != s || t.Before(minTime) {
		return time.Time{}, errorf(CodeBadNote, "time", "%s is not a time of the form 2006-01-02T15:04:05Z (UTC, whole seconds, from 1970)", describe(s))
	}
	return t, nil
}

// checkMessageText checks the text of a private message: valid UTF-8, 1 to
// MaxMessageBytes bytes, no control character but newline and tab (the
// rule of a post's text, docs/social.md §5.1). It returns why not, or "".
func checkMessageText(text string) string {
	if !utf8.ValidString(text) {
		return "is not valid UTF-8"
	}
	if text == "" {
		return "is empty"
	}
	if len(text) > MaxMessageBytes {
		return "is " + strconv.Itoa(len(text)) + " bytes, more than " + strconv.Itoa(MaxMessageBytes)
	}
	for _, r := range text {
		if (r < 0x20 || (0x7f <= r && r <= 0x9f)) && r != '\n' && r != '\t' {
			return "holds control character " + strconv.QuoteRune(r) + " (only newline and tab are allowed)"
		}
	}
	return ""
}
