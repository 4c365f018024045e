package inbox

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
)

// Domain-separation labels (docs/social-inbox.md §3, §5). Each hash starts
// with its label and a newline.
const (
	// LabelInbox starts the hash an inbox ID is cut from:
	// SHA-256(LabelInbox "\n" ‖ public key hash).
	LabelInbox = "hams/v1/inbox"
	// LabelNote starts the proof-of-work hash of an envelope:
	// SHA-256(LabelNote "\n" ‖ slot ‖ "\n" ‖ SHA-256(sealed box) ‖ nonce).
	LabelNote = "hams/v1/note"
)

// Inboxes and slots (§3).
const (
	// IDLength is the length of an inbox ID: 16 bytes in unpadded base32.
	IDLength = 26
	// MaxSlots is the number of slots of one inbox on one UTC day: slot
	// numbers run from 0 to MaxSlots-1.
	MaxSlots = 1024
	// SlotPrefix starts every slot name; the inbox ID, the day and the
	// slot number follow, separated by '-'.
	SlotPrefix = "KSK@hams-inbox-"
	// DayLayout is the time layout of a slot's day (UTC).
	DayLayout = "2006-01-02"
)

// idEncoding is RFC 4648 base32 in lower case, without padding.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var (
	minDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDay = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// ID returns the inbox ID of the feed feedURI names: the first 16 bytes of
// SHA-256(LabelInbox "\n" ‖ the feed's public key hash), in lower-case
// base32 without padding (IDLength characters). The public key hash is the
// 32-byte first field of the feed's USK request URI, the same for every
// edition. feedURI may take any form feed.FeedKey accepts (any edition, a
// "freenet:" prefix); one that names no feed, or an insert URI, is a
// CodeBadArgument error at path "feed".
func ID(feedURI string) (string, error) {
	if _, err := feed.FeedKey(feedURI); err != nil {
		return "", &Error{Code: CodeBadArgument, Path: "feed", Msg: "not a feed URI: " + err.Error(), Err: err}
	}
	u, err := keys.Parse(feedURI) // FeedKey parsed it already
	if err != nil {
		return "", &Error{Code: CodeBadArgument, Path: "feed", Msg: err.Error(), Err: err}
	}
	h := sha256.New()
	h.Write([]byte(LabelInbox + "\n"))
	h.Write(u.Key[:])
	return idEncoding.EncodeToString(h.Sum(nil)[:16]), nil
}

// validID reports whether id is an inbox ID in its one canonical spelling.
func validID(id string) bool {
	if len(id) != IDLength {
		return false
	}
	b, err := idEncoding.DecodeString(id)
	return err == nil && len(b) == 16 && idEncoding.EncodeToString(b) == id
}

// Slot returns the name of slot n of inbox id on the UTC day of day:
// "KSK@hams-inbox-<id>-<YYYY-MM-DD>-<n>". Only the date of day.UTC()
// counts. Slot panics when id is not an inbox ID (as ID returns), n is
// outside 0..MaxSlots-1, or the day is outside 1970-01-01…9999-12-31:
// those are programming errors. ParseSlot reads a slot name back.
func Slot(id string, day time.Time, n int) string {
	if !validID(id) {
		panic("inbox: Slot: " + strconv.Quote(id) + " is not an inbox ID")
	}
	if n < 0 || n >= MaxSlots {
		panic("inbox: Slot: slot number " + strconv.Itoa(n) + " outside 0.." + strconv.Itoa(MaxSlots-1))
	}
	d := day.UTC()
	if d.Before(minDay) || d.Year() > 9999 {
		panic("inbox: Slot: day " + d.Format(time.RFC3339) + " outside 1970-01-01…9999-12-31")
	}
	return SlotPrefix + id + "-" + d.Format(DayLayout) + "-" + strconv.Itoa(n)
}

// ParseSlot reads a slot name as Slot writes it and returns its inbox ID,
// its day (midnight UTC) and its number. It accepts only that exact
// spelling (no "freenet:" prefix, an upper-case "KSK", a lower-case ID,
// no leading zeros), since the name is hashed into the proof of work
// (§5): two spellings of one KSK would be two slots. Anything else is a
// CodeBadArgument error at path "slot".
func ParseSlot(s string) (id string, day time.Time, n int, err error) {
	bad := func(why string) (string, time.Time, int, error) {
		return "", time.Time{}, 0, errorf(CodeBadArgument, "slot", "%s is not a slot name: %s", describe(s), why)
	}
	rest, ok := strings.CutPrefix(s, SlotPrefix)
	if !ok {
		return bad("it does not start with " + SlotPrefix)
	}
	// <id:26>-<date:10>-<n>
	if len(rest) < IDLength+1+len(DayLayout)+2 || rest[IDLength] != '-' || rest[IDLength+1+len(DayLayout)] != '-' {
		return bad("want " + SlotPrefix + "<inbox ID>-<YYYY-MM-DD>-<n>")
	}
	id = rest[:IDLength]
	if !validID(id) {
		return bad("the inbox ID is not 26 lower-case base32 characters of 16 bytes")
	}
	date := rest[IDLength+1 : IDLength+1+len(DayLayout)]
	day, perr := time.Parse(DayLayout, date)
	if perr != nil || day.Format(DayLayout) != date || day.Before(minDay) || day.After(maxDay) {
		return bad("the day is not a date YYYY-MM-DD from 1970-01-01 to 9999-12-31")
	}
	num := rest[IDLength+1+len(DayLayout)+1:]
	if num == "" || len(num) > 4 || (len(num) > 1 && num[0] == '0') {
		return bad("the slot number is not a decimal 0…1023 without leading zeros")
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return bad("the slot number is not a decimal 0…1023 without leading zeros")
		}
	}
	n, _ = strconv.Atoi(num)
	if n >= MaxSlots {
		return bad("the slot number is not a decimal 0…1023 without leading zeros")
	}
	return id, day, n, nil
}
