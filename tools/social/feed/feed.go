// Package feed reads and writes hams social feed documents, the format of
// docs/social.md: one UTF-8 JSON document per edition of a USK whose site
// name is "hams-social", holding a person's profile, their newest posts,
// likes, follows and deleted post numbers, and since version 1.1 their
// blocks, the device that wrote the edition, the key and proof of work of
// their inbox (docs/social-inbox.md), and the feeds a post mentions, the
// alt text of its images, when it was edited and its content warning.
//
// Decode checks a fetched document against every MUST-reject rule of the
// spec and returns a *Doc; Encode writes a *Doc in the canonical form, so
// that Decode followed by Encode gives back a canonical document byte for
// byte. Errors are *Error values naming the rule broken ("S1" … "S34").
//
// Encode writes version 1.0 unless the document sets a field of 1.1, so
// that a 1.0 document stays what it was. Decode reads the fields of 1.1
// only in a document whose version is 1.1 or later: in a 1.0 document they
// are unknown fields, ignored as a 1.0 reader ignores them.
//
// The signature over a document is the SSK signature of its USK edition:
// this package checks the document, not who published it. A reader MUST
// pass Decode the edition it fetched the document from; a document that
// names another edition is a replay and is rejected (S11).
//
// Unknown fields are ignored wherever they appear, so a newer minor version
// is readable, but Doc holds only the fields this version knows: Encode of a
// decoded document drops the rest.
package feed

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/strictjson"
)

// Doc is one feed document: what one edition of a feed holds.
type Doc struct {
	// Version is "MAJOR.MINOR" with MAJOR equal to Major. Decode sets it to
	// the version read (a newer minor version is accepted); Encode writes
	// it, except that an empty Version is written as Version ("1.0"), and
	// an empty Version or "1.0" as Version11 ("1.1") when a field of 1.1
	// is set.
	Version string
	// Edition is the USK edition the document is published as; Decode
	// rejects a document whose edition differs from the one it was fetched
	// from.
	Edition int64
	// Time is when the edition was published: whole seconds, 1970 to 9999.
	// Encode writes it in UTC; Decode returns it in UTC.
	Time time.Time
	// Device (1.1) is the number, MinDevice to MaxDevice, of the device
	// that wrote this edition (docs/social-inbox.md §8), or 0 for none.
	Device int
	// Profile describes the author.
	Profile Profile
	// Posts are the newest posts, newest first: strictly descending N.
	Posts []Post
	// Likes are the posts the author likes, newest first (ties in any order).
	Likes []Like
	// Follows are the feeds the author follows.
	Follows []Follow
	// Blocks (1.1) are the feeds the author blocks, no feed twice.
	Blocks []Block
	// Deleted are the numbers of the author's deleted posts, ascending. A
	// reader hides a post whose number is in Deleted of the newest edition
	// it has, whichever edition listed the post.
	Deleted []int64
	// Older is the edition to fetch for posts older than the oldest one in
	// Posts, or nil when there are none. It is below Edition.
	Older *int64
}

// Profile is the author's description of themselves.
type Profile struct {
	// Name is the display name: 1 to MaxNameRunes code points, no control
	// characters, no white space at either end.
	Name string
	// Bio is optional free text up to MaxBioRunes code points; newlines and
	// tabs are allowed.
	Bio string
	// Avatar is optional: the CHK request URI of an image, canonical.
	Avatar string
	// Box (1.1) is optional: the author's X25519 public key for notes and
	// messages (docs/social-inbox.md), as BoxLen characters of unpadded
	// base64url in canonical form, so that equal keys are equal strings.
	// EncodeBox writes it; BoxKey reads it.
	Box string
	// InboxWork (1.1) is the proof of work, MinInboxWork to MaxInboxWork
	// bits, that the author asks of a note, or 0 when the profile gives
	// none (DefaultInboxWork applies).
	InboxWork int
}

// Post is one post.
type Post struct {
	// N is the post's number in its feed: 1, 2, 3, … in the order the author
	// wrote them, never reused.
	N int64
	// Time is when the post was written (as Doc.Time).
	Time time.Time
	// Text is 1 to MaxTextRunes code points; newlines and tabs are allowed,
	// other control characters are not. Bidi marks (U+200E, U+200F, U+061C)
	// and the other format characters are allowed.
	Text string
	// Images are up to MaxImages canonical CHK request URIs.
	Images []string
	// Alt (1.1) is the alt text of Images, one string per image in the
	// same order, so that a screen reader can describe each picture: each
	// 0 to MaxAltRunes code points, no control characters (one line). An
	// empty string is an image without a description. Alt is empty (nil)
	// or exactly as long as Images, and empty when Images is.
	Alt []string
	// ReplyTo is the post this one answers, or nil.
	ReplyTo *PostRef
	// Mentions (1.1) are canonical USK request URIs of the feeds the post
	// mentions, at most MaxMentions, no feed twice; each edition is a hint.
	Mentions []string
	// Edited (1.1) is when the post was last edited (as Doc.Time, not
	// before Time), or the zero time for a post never edited. An edited
	// post keeps its N; a reader shows the newest edition's version.
	Edited time.Time
	// Warning (1.1) is the post's content warning: a short text a reader
	// shows in place of the post (its text and images) until the person
	// opens it. 1 to MaxWarningRunes code points, no control characters
	// (one line); "" is none.
	Warning string
}

// PostRef names a post: post N of a feed. It is what reply_to and a like
// hold.
type PostRef struct {
	// Feed is a canonical USK request URI of the feed (site SiteName); its
	// edition is a hint: an edition that lists the post. Use FeedKey to
	// compare feeds.
	Feed string
	// N is the post's number in that feed, at least 1.
	N int64
}

// Like is a post the author likes, and when they liked it.
type Like struct {
	PostRef
	// Time is when the author liked the post.
	Time time.Time
}

// Follow is a feed the author follows.
type Follow struct {
	// Feed is a canonical USK request URI of the feed; the edition is a
	// hint: the newest the author knew of.
	Feed string
}

// Block (1.1) is a feed the author blocks. Blocks are public.
type Block struct {
	// Feed is a canonical USK request URI of the feed; the edition is a
	// hint: the newest the author knew of.
	Feed string
}

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Decode reads a document fetched from edition edition of a feed. It
// rejects anything that breaks a rule of docs/social.md §9 with an *Error:
// more than MaxDocSize bytes (checked first), invalid UTF-8, bad JSON,
// duplicate keys, a wrong format or major version, missing or mistyped
// fields, an edition other than edition, and every limit and rule of
// Validate. Unknown fields are ignored, and so are the fields of 1.1 in a
// document of version 1.0. Empty arrays decode to nil slices.
func Decode(b []byte, edition int64) (*Doc, error) {
	if len(b) > MaxDocSize {
		return nil, errorf("S1", "", "document is %d bytes, more than %d", len(b), MaxDocSize)
	}
	// The JSON layer (§3): UTF-8, syntax, escapes, keys, nesting.
	root, err := strictjson.Parse(b, "document")
	if err != nil {
		return nil, jsonError(err)
	}
	var r reader
	top := root.Members()

	if v, ok := top["format"]; !ok {
		return nil, errorf("S5", "format", "missing: not a %s document", Format)
	} else if v.Type() != strictjson.TypeString || v.String() != Format {
		return nil, errorf("S5", "format", "is %s, want %q", r.show(v), Format)
	}
	doc := &Doc{}
	if v, ok := top["version"]; !ok {
		return nil, errorf("S6", "version", "missing")
	} else if v.Type() != strictjson.TypeString {
		return nil, errorf("S6", "version", "is %s, want a string \"MAJOR.MINOR\"", v.Type())
	} else {
		doc.Version = v.String()
	}
	if err := checkVersion(doc.Version); err != nil {
		return nil, err
	}
	r.v11 = reads11(doc.Version)
	if doc.Edition, err = r.reqInt(top, "edition", ""); err != nil {
		return nil, err
	}
	if doc.Edition < 0 {
		return nil, errorf("S11", "edition", "is %d, negative", doc.Edition)
	}
	if doc.Edition != edition {
		return nil, errorf("S11", "edition", "document says edition %d but was fetched from edition %d", doc.Edition, edition)
	}
	if doc.Time, err = r.reqTime(top, "time", ""); err != nil {
		return nil, err
	}
	if r.v11 {
		if doc.Device, err = r.optRange(top, "device", "", MinDevice, MaxDevice, "S29"); err != nil {
			return nil, err
		}
	}
	if err := r.profile(top, &doc.Profile); err != nil {
		return nil, err
	}
	if err := r.posts(top, doc); err != nil {
		return nil, err
	}
	if err := r.likes(top, doc); err != nil {
		return nil, err
	}
	if err := r.follows(top, doc); err != nil {
		return nil, err
	}
	if err := r.blocks(top, doc); err != nil {
		return nil, err
	}
	deleted, err := r.optArray(top, "deleted", "", MaxDeleted, "S24")
	if err != nil {
		return nil, err
	}
	for i, v := range deleted {
		n, err := r.integer(v, "deleted["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		doc.Deleted = append(doc.Deleted, n)
	}
	if v, ok, err := r.opt(top, "older", ""); err != nil {
		return nil, err
	} else if ok {
		n, err := r.integer(v, "older")
		if err != nil {
			return nil, err
		}
		doc.Older = &n
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// jsonError is a *strictjson.Error of Parse as an *Error of the rule it
// breaks: S2 (UTF-8, surrogates), S3 (syntax, nesting) or S4 (a key
// twice), at "offset N".
func jsonError(err error) error {
	e, ok := err.(*strictjson.Error)
	if !ok {
		return errorf("S3", "", "%v", err)
	}
	rule := "S3"
	switch e.Kind {
	case strictjson.BadUTF8, strictjson.LoneSurrogate:
		rule = "S2"
	case strictjson.DuplicateKey:
		rule = "S4"
	}
	return &Error{Rule: rule, Path: "offset " + strconv.Itoa(e.Offset), Msg: e.Msg}
}

// fields are the members of a JSON object by key.
type fields = map[string]strictjson.Value

// reader maps the JSON values of a checked document to Doc fields: it reads
// only the members this version knows, in a fixed order whatever the order
// of the keys, and never decodes the rest.
type reader struct {
	// v11 is set when the document's version is 1.1 or later: the fields
	// of 1.1 are read. In a 1.0 document they are unknown fields.
	v11 bool
}

// reads11 reports whether a document of version v (checked by
// checkVersion) has the fields of 1.1: whether its minor version is at
// least 1 (it is decimal without leading zeros).
func reads11(v string) bool {
	_, minor, _ := strings.Cut(v, ".")
	return minor != "0"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// show describes a value for an error message: a string's value, else its
// type.
func (r *reader) show(v strictjson.Value) string {
	if v.Type() == strictjson.TypeString {
		return describe(v.String())
	}
	return v.Type().String()
}

// opt returns the member key of obj; null is a type error (S8).
func (r *reader) opt(obj fields, key, path string) (strictjson.Value, bool, error) {
	v, ok := obj[key]
	if ok && v.Type() == strictjson.TypeNull {
		return v, false, errorf("S8", join(path, key), "is null")
	}
	return v, ok, nil
}

// req is opt for a required member (missing: S9).
func (r *reader) req(obj fields, key, path string) (strictjson.Value, error) {
	v, ok, err := r.opt(obj, key, path)
	if err == nil && !ok {
		err = errorf("S9", join(path, key), "missing")
	}
	return v, err
}

// want checks that v is of type t (S8).
func (r *reader) want(v strictjson.Value, t strictjson.Type, path string) error {
	if v.Type() != t {
		return errorf("S8", path, "is %s, want %s", v.Type(), t)
	}
	return nil
}

func (r *reader) string(v strictjson.Value, path string) (string, error) {
	if err := r.want(v, strictjson.TypeString, path); err != nil {
		return "", err
	}
	return v.String(), nil
}

// integer reads an integer: a JSON number without fraction or exponent
// within int64 (S10).
func (r *reader) integer(v strictjson.Value, path string) (int64, error) {
	if v.Type() != strictjson.TypeNumber {
		return 0, errorf("S8", path, "is %s, want an integer", v.Type())
	}
	lit := v.String()
	if strings.ContainsAny(lit, ".eE") {
		return 0, errorf("S10", path, "%s is not an integer (no fraction or exponent)", lit)
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return 0, errorf("S10", path, "%s is out of range", describe(lit))
	}
	return n, nil
}

func (r *reader) reqString(obj fields, key, path string) (string, error) {
	v, err := r.req(obj, key, path)
	if err != nil {
		return "", err
	}
	return r.string(v, join(path, key))
}

func (r *reader) optString(obj fields, key, path string) (string, error) {
	v, ok, err := r.opt(obj, key, path)
	if err != nil || !ok {
		return "", err
	}
	return r.string(v, join(path, key))
}

// optStringOK is optString that also reports whether the member is there.
func (r *reader) optStringOK(obj fields, key, path string) (string, bool, error) {
	v, ok, err := r.opt(obj, key, path)
	if err != nil || !ok {
		return "", false, err
	}
	s, err := r.string(v, join(path, key))
	return s, err == nil, err
}

func (r *reader) reqInt(obj fields, key, path string) (int64, error) {
	v, err := r.req(obj, key, path)
	if err != nil {
		return 0, err
	}
	return r.integer(v, join(path, key))
}

// optRange reads an optional integer that must lie in min..max (else
// rule); 0 when it is absent. The range is checked before the value is
// made an int.
func (r *reader) optRange(obj fields, key, path string, min, max int, rule string) (int, error) {
	v, ok, err := r.opt(obj, key, path)
	if err != nil || !ok {
		return 0, err
	}
	p := join(path, key)
	n, err := r.integer(v, p)
	if err != nil {
		return 0, err
	}
	if n < int64(min) || n > int64(max) {
		return 0, errorf(rule, p, "is %d, want %d to %d", n, min, max)
	}
	return int(n), nil
}

func (r *reader) reqTime(obj fields, key, path string) (time.Time, error) {
	s, err := r.reqString(obj, key, path)
	if err != nil {
		return time.Time{}, err
	}
	return parseTime(s, join(path, key))
}

func (r *reader) object(v strictjson.Value, path string) (fields, error) {
	if err := r.want(v, strictjson.TypeObject, path); err != nil {
		return nil, err
	}
	return v.Members(), nil
}

// optArray reads an optional array of at most max elements (more: rule).
func (r *reader) optArray(obj fields, key, path string, max int, rule string) ([]strictjson.Value, error) {
	v, ok, err := r.opt(obj, key, path)
	if err != nil || !ok {
		return nil, err
	}
	p := join(path, key)
	if err := r.want(v, strictjson.TypeArray, p); err != nil {
		return nil, err
	}
	es, ok := v.Elements(max)
	if !ok {
		return nil, errorf(rule, p, "more than %d entries", max)
	}
	return es, nil
}

func (r *reader) profile(top fields, p *Profile) error {
	v, err := r.req(top, "profile", "")
	if err != nil {
		return err
	}
	obj, err := r.object(v, "profile")
	if err != nil {
		return err
	}
	if p.Name, err = r.reqString(obj, "name", "profile"); err != nil {
		return err
	}
	if p.Bio, err = r.optString(obj, "bio", "profile"); err != nil {
		return err
	}
	if p.Avatar, err = r.optString(obj, "avatar", "profile"); err != nil {
		return err
	}
	if _, ok := obj["avatar"]; ok && p.Avatar == "" {
		// Doc holds no avatar as "", but "" is no CHK URI.
		return errorf("S15", "profile.avatar", "is empty (leave it out when there is no avatar)")
	}
	if !r.v11 {
		return nil
	}
	if p.Box, err = r.optString(obj, "box", "profile"); err != nil {
		return err
	}
	if _, ok := obj["box"]; ok && p.Box == "" {
		return errorf("S27", "profile.box", "is empty (leave it out when there is no key)")
	}
	if p.InboxWork, err = r.optRange(obj, "inbox_work", "profile", MinInboxWork, MaxInboxWork, "S28"); err != nil {
		return err
	}
	return nil
}

func (r *reader) posts(top fields, doc *Doc) error {
	vs, err := r.optArray(top, "posts", "", MaxPosts, "S16")
	if err != nil {
		return err
	}
	for i, v := range vs {
		path := "posts[" + strconv.Itoa(i) + "]"
		obj, err := r.object(v, path)
		if err != nil {
			return err
		}
		var p Post
		if p.N, err = r.reqInt(obj, "n", path); err != nil {
			return err
		}
		if p.Time, err = r.reqTime(obj, "time", path); err != nil {
			return err
		}
		if r.v11 {
			if s, ok, err := r.optStringOK(obj, "edited", path); err != nil {
				return err
			} else if ok {
				if p.Edited, err = parseTime(s, join(path, "edited")); err != nil {
					return err
				}
			}
			if p.Warning, err = r.optString(obj, "warning", path); err != nil {
				return err
			}
			if _, ok := obj["warning"]; ok && p.Warning == "" {
				// Post holds no warning as "", but "" is no warning text.
				return errorf("S34", path+".warning", "is empty (leave it out when there is no warning)")
			}
		}
		if p.Text, err = r.reqString(obj, "text", path); err != nil {
			return err
		}
		images, err := r.optArray(obj, "images", path, MaxImages, "S18")
		if err != nil {
			return err
		}
		for j, iv := range images {
			s, err := r.string(iv, path+".images["+strconv.Itoa(j)+"]")
			if err != nil {
				return err
			}
			p.Images = append(p.Images, s)
		}
		if r.v11 {
			// At most MaxImages strings: more cannot match the images
			// (S18 was checked above), and an overlong list is not read.
			alt, err := r.optArray(obj, "alt", path, MaxImages, "S32")
			if err != nil {
				return err
			}
			for j, av := range alt {
				s, err := r.string(av, path+".alt["+strconv.Itoa(j)+"]")
				if err != nil {
					return err
				}
				p.Alt = append(p.Alt, s)
			}
		}
		if rv, ok, err := r.opt(obj, "reply_to", path); err != nil {
			return err
		} else if ok {
			rp := join(path, "reply_to")
			robj, err := r.object(rv, rp)
			if err != nil {
				return err
			}
			var ref PostRef
			if ref.Feed, err = r.reqString(robj, "feed", rp); err != nil {
				return err
			}
			if ref.N, err = r.reqInt(robj, "n", rp); err != nil {
				return err
			}
			p.ReplyTo = &ref
		}
		if r.v11 {
			mentions, err := r.optArray(obj, "mentions", path, MaxMentions, "S31")
			if err != nil {
				return err
			}
			for j, mv := range mentions {
				s, err := r.string(mv, path+".mentions["+strconv.Itoa(j)+"]")
				if err != nil {
					return err
				}
				p.Mentions = append(p.Mentions, s)
			}
		}
		doc.Posts = append(doc.Posts, p)
	}
	return nil
}

func (r *reader) likes(top fields, doc *Doc) error {
	vs, err := r.optArray(top, "likes", "", MaxLikes, "S22")
	if err != nil {
		return err
	}
	for i, v := range vs {
		path := "likes[" + strconv.Itoa(i) + "]"
		obj, err := r.object(v, path)
		if err != nil {
			return err
		}
		var l Like
		if l.Feed, err = r.reqString(obj, "feed", path); err != nil {
			return err
		}
		if l.N, err = r.reqInt(obj, "n", path); err != nil {
			return err
		}
		if l.Time, err = r.reqTime(obj, "time", path); err != nil {
			return err
		}
		doc.Likes = append(doc.Likes, l)
	}
	return nil
}

func (r *reader) follows(top fields, doc *Doc) error {
	vs, err := r.optArray(top, "follows", "", MaxFollows, "S23")
	if err != nil {
		return err
	}
	for i, v := range vs {
		path := "follows[" + strconv.Itoa(i) + "]"
		obj, err := r.object(v, path)
		if err != nil {
			return err
		}
		var f Follow
		if f.Feed, err = r.reqString(obj, "feed", path); err != nil {
			return err
		}
		doc.Follows = append(doc.Follows, f)
	}
	return nil
}

func (r *reader) blocks(top fields, doc *Doc) error {
	if !r.v11 {
		return nil
	}
	vs, err := r.optArray(top, "blocks", "", MaxBlocks, "S30")
	if err != nil {
		return err
	}
	for i, v := range vs {
		path := "blocks[" + strconv.Itoa(i) + "]"
		obj, err := r.object(v, path)
		if err != nil {
			return err
		}
		var b Block
		if b.Feed, err = r.reqString(obj, "feed", path); err != nil {
			return err
		}
		doc.Blocks = append(doc.Blocks, b)
	}
	return nil
}

// parseTime reads a time in exactly the form TimeLayout (S12).
func parseTime(s, path string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil || len(s) != len(TimeLayout) || t.Format(TimeLayout) != s {
		return time.Time{}, errorf("S12", path, "%s is not a time of the form 2006-01-02T15:04:05Z (UTC, whole seconds)", describe(s))
	}
	return t, nil
}

// checkVersion checks "MAJOR.MINOR" (S6) and the major version (S7).
func checkVersion(v string) error {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || !isDecimal(major) || !isDecimal(minor) {
		return errorf("S6", "version", "%s is not MAJOR.MINOR in decimal without leading zeros", describe(v))
	}
	if major != strconv.Itoa(Major) {
		return errorf("S7", "version", "major version %s is not supported (this reader reads %d.x)", major, Major)
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isDecimal reports whether s is a canonical non-negative decimal integer.
func isDecimal(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// version returns the version Encode writes: d.Version, or Version when
// it is empty, raised to Version11 when d sets a field of 1.1.
func (d *Doc) version() string {
	switch {
	case (d.Version == "" || d.Version == Version) && d.uses11():
		return Version11
	case d.Version == "":
		return Version
	}
	return d.Version
}

// uses11 reports whether d sets a field of version 1.1.
func (d *Doc) uses11() bool {
	if d.Device != 0 || len(d.Blocks) > 0 || d.Profile.Box != "" || d.Profile.InboxWork != 0 {
		return true
	}
	for _, p := range d.Posts {
		if len(p.Mentions) > 0 || len(p.Alt) > 0 || !p.Edited.IsZero() || p.Warning != "" {
			return true
		}
	}
	return false
}

// Validate checks d against the rules of docs/social.md that apply to a
// document's content: version (S6, S7), edition ≥ 0 (S11), times (S12),
// device (S29), profile (S13–S15, S27, S28), posts (S15–S18, S21, S25,
// S31–S34), URIs (S19, S20), likes (S22), follows (S23), blocks (S30),
// deleted (S24) and older (S26). It does not know the edition d was fetched
// from (Decode checks that) nor its encoded size (Encode checks that).
// Strings that are not valid UTF-8 break S2. A zero Device or InboxWork is
// no value, and an empty Alt no alt text.
func (d *Doc) Validate() error {
	if err := checkVersion(d.version()); err != nil {
		return err
	}
	if d.Edition < 0 {
		return errorf("S11", "edition", "is %d, negative", d.Edition)
	}
	if err := checkTime(d.Time, "time"); err != nil {
		return err
	}
	if d.Device != 0 && (d.Device < MinDevice || d.Device > MaxDevice) {
		return errorf("S29", "device", "is %d, want %d to %d", d.Device, MinDevice, MaxDevice)
	}
	if err := checkName(d.Profile.Name); err != nil {
		return err
	}
	if err := checkText(d.Profile.Bio, "profile.bio", "S14", 0, MaxBioRunes); err != nil {
		return err
	}
	if d.Profile.Avatar != "" {
		if err := checkCHK(d.Profile.Avatar, "profile.avatar"); err != nil {
			return err
		}
	}
	if d.Profile.Box != "" {
		if _, err := decodeBox(d.Profile.Box, "profile.box"); err != nil {
			return err
		}
	}
	if w := d.Profile.InboxWork; w != 0 && (w < MinInboxWork || w > MaxInboxWork) {
		return errorf("S28", "profile.inbox_work", "is %d, want %d to %d", w, MinInboxWork, MaxInboxWork)
	}
	if len(d.Posts) > MaxPosts {
		return errorf("S16", "posts", "%d posts, more than %d", len(d.Posts), MaxPosts)
	}
	for i, p := range d.Posts {
		path := "posts[" + strconv.Itoa(i) + "]"
		if p.N < 1 {
			return errorf("S16", path+".n", "is %d, want 1 or more", p.N)
		}
		if i > 0 && p.N >= d.Posts[i-1].N {
			return errorf("S16", path+".n", "is %d, not below %d before it: posts are listed newest first, each number once", p.N, d.Posts[i-1].N)
		}
		if err := checkTime(p.Time, path+".time"); err != nil {
			return err
		}
		if !p.Edited.IsZero() {
			if err := checkTime(p.Edited, path+".edited"); err != nil {
				return err
			}
			if p.Edited.Before(p.Time) {
				return errorf("S33", path+".edited", "%s is before the post's time %s", p.Edited.UTC().Format(TimeLayout), p.Time.UTC().Format(TimeLayout))
			}
		}
		if err := checkWarning(p.Warning, path+".warning"); err != nil {
			return err
		}
		if err := checkText(p.Text, path+".text", "S17", 1, MaxTextRunes); err != nil {
			return err
		}
		if len(p.Images) > MaxImages {
			return errorf("S18", path+".images", "%d images, more than %d", len(p.Images), MaxImages)
		}
		for j, im := range p.Images {
			if err := checkCHK(im, path+".images["+strconv.Itoa(j)+"]"); err != nil {
				return err
			}
		}
		if err := checkAlt(p, path); err != nil {
			return err
		}
		if p.ReplyTo != nil {
			if _, err := checkRef(*p.ReplyTo, path+".reply_to"); err != nil {
				return err
			}
		}
		if err := checkFeedSet(len(p.Mentions), func(j int) string { return p.Mentions[j] }, path+".mentions", MaxMentions, "S31", "mentions",
			func(j int) string { return path + ".mentions[" + strconv.Itoa(j) + "]" }); err != nil {
			return err
		}
	}
	if len(d.Likes) > MaxLikes {
		return errorf("S22", "likes", "%d likes, more than %d", len(d.Likes), MaxLikes)
	}
	liked := make(map[PostRef]bool, len(d.Likes))
	for i, l := range d.Likes {
		path := "likes[" + strconv.Itoa(i) + "]"
		key, err := checkRef(l.PostRef, path)
		if err != nil {
			return err
		}
		if err := checkTime(l.Time, path+".time"); err != nil {
			return err
		}
		if i > 0 && l.Time.After(d.Likes[i-1].Time) {
			return errorf("S22", path+".time", "is after the like before it: likes are listed newest first")
		}
		if liked[key] {
			return errorf("S22", path, "likes post %d of %s a second time", l.N, key.Feed)
		}
		liked[key] = true
	}
	if len(d.Follows) > MaxFollows {
		return errorf("S23", "follows", "%d follows, more than %d", len(d.Follows), MaxFollows)
	}
	followed := make(map[string]bool, len(d.Follows))
	for i, f := range d.Follows {
		path := "follows[" + strconv.Itoa(i) + "].feed"
		key, err := checkFeed(f.Feed, path)
		if err != nil {
			return err
		}
		if followed[key] {
			return errorf("S23", path, "follows %s a second time", key)
		}
		followed[key] = true
	}
	if err := checkFeedSet(len(d.Blocks), func(i int) string { return d.Blocks[i].Feed }, "blocks", MaxBlocks, "S30", "blocks",
		func(i int) string { return "blocks[" + strconv.Itoa(i) + "].feed" }); err != nil {
		return err
	}
	if len(d.Deleted) > MaxDeleted {
		return errorf("S24", "deleted", "%d numbers, more than %d", len(d.Deleted), MaxDeleted)
	}
	for i, n := range d.Deleted {
		path := "deleted[" + strconv.Itoa(i) + "]"
		if n < 1 {
			return errorf("S24", path, "is %d, want 1 or more", n)
		}
		if i > 0 && n <= d.Deleted[i-1] {
			return errorf("S24", path, "is %d, not above %d before it: deleted is strictly ascending", n, d.Deleted[i-1])
		}
	}
	for i, p := range d.Posts {
		if _, found := slices.BinarySearch(d.Deleted, p.N); found {
			return errorf("S25", "posts["+strconv.Itoa(i)+"].n", "post %d is listed as deleted", p.N)
		}
	}
	if d.Older != nil && (*d.Older < 0 || *d.Older >= d.Edition) {
		return errorf("S26", "older", "is %d, want 0 ≤ older < edition %d", *d.Older, d.Edition)
	}
	return nil
}

// checkTime checks a time for Encode (S12): whole seconds, 1970 to 9999.
func checkTime(t time.Time, path string) error {
	if t.Nanosecond() != 0 {
		return errorf("S12", path, "has a fraction of a second")
	}
	if u := t.UTC(); u.Before(minTime) || u.After(maxTime) {
		return errorf("S12", path, "%s is missing or outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z", u.Format(time.RFC3339))
	}
	return nil
}

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool { return r < 0x20 || (0x7f <= r && r <= 0x9f) }

// checkText checks a bio (S14) or post text (S17): valid UTF-8 (S2),
// min to max code points, no control character but newline and tab.
func checkText(s, path, rule string, min, max int) error {
	if !utf8.ValidString(s) {
		return errorf("S2", path, "is not valid UTF-8")
	}
	n := 0
	for _, r := range s {
		if isControl(r) && r != '\n' && r != '\t' {
			return errorf(rule, path, "holds control character %U (only newline and tab are allowed)", r)
		}
		n++
	}
	if n < min {
		return errorf(rule, path, "is empty")
	}
	if n > max {
		return errorf(rule, path, "is %d code points, more than %d", n, max)
	}
	return nil
}

// checkAlt checks a post's alt text (S32): none, or one string per image,
// each 0 to MaxAltRunes code points without control characters (valid
// UTF-8, else S2). An empty Alt is no alt text.
func checkAlt(p Post, path string) error {
	if len(p.Alt) == 0 {
		return nil
	}
	if len(p.Images) == 0 {
		return errorf("S32", path+".alt", "%d alt texts for a post without images", len(p.Alt))
	}
	if len(p.Alt) != len(p.Images) {
		return errorf("S32", path+".alt", "%d alt texts for %d images: want one per image", len(p.Alt), len(p.Images))
	}
	for j, a := range p.Alt {
		if err := checkLine(a, path+".alt["+strconv.Itoa(j)+"]", "S32", "alt text", MaxAltRunes); err != nil {
			return err
		}
	}
	return nil
}

// checkLine checks a one-line text of at most max code points: valid
// UTF-8 (else S2), no control character and not too long (else rule).
func checkLine(s, path, rule, what string, max int) error {
	if !utf8.ValidString(s) {
		return errorf("S2", path, "is not valid UTF-8")
	}
	n := 0
	for _, r := range s {
		if isControl(r) {
			return errorf(rule, path, "holds control character %U (%s is one line)", r, what)
		}
		n++
	}
	if n > max {
		return errorf(rule, path, "is %d code points, more than %d", n, max)
	}
	return nil
}

// checkWarning checks a post's content warning (S34): "" (none), or 1 to
// MaxWarningRunes code points without control characters (valid UTF-8,
// else S2).
func checkWarning(s, path string) error {
	if s == "" {
		return nil
	}
	return checkLine(s, path, "S34", "a warning", MaxWarningRunes)
}

// checkName checks the profile name (S13).
func checkName(s string) error {
	const path = "profile.name"
	if !utf8.ValidString(s) {
		return errorf("S2", path, "is not valid UTF-8")
	}
	if s == "" {
		return errorf("S13", path, "is empty")
	}
	for _, r := range s {
		if isControl(r) {
			return errorf("S13", path, "holds control character %U", r)
		}
	}
	if strings.TrimSpace(s) != s {
		return errorf("S13", path, "%s begins or ends with white space", describe(s))
	}
	if n := utf8.RuneCountInString(s); n > MaxNameRunes {
		return errorf("S13", path, "is %d code points, more than %d", n, MaxNameRunes)
	}
	return nil
}

// parseURI parses a URI field: S20 for an insert URI, else rule for one that
// does not parse, is not canonical or has meta-strings.
func parseURI(s, path, rule string) (keys.URI, error) {
	u, err := keys.Parse(s)
	if err != nil {
		return u, errorf(rule, path, "%s is not a URI: %v", describe(s), err)
	}
	if u.IsInsert() {
		return u, errorf("S20", path, "is an insert URI: it holds a private key and must never be published")
	}
	if c := u.String(); c != s {
		return u, errorf(rule, path, "%s is not in canonical form %s", describe(s), describe(c))
	}
	if len(u.Meta) > 0 {
		return u, errorf(rule, path, "%s has meta-strings after the key", describe(s))
	}
	return u, nil
}

// checkCHK checks an avatar or image URI (S15, S20).
func checkCHK(s, path string) error {
	u, err := parseURI(s, path, "S15")
	if err != nil {
		return err
	}
	if u.Type != keys.CHK {
		return errorf("S15", path, "is a %s URI, want a CHK", u.Type)
	}
	return nil
}

// checkFeed checks a feed URI (S19, S20) and returns its FeedKey.
func checkFeed(s, path string) (string, error) {
	u, err := parseURI(s, path, "S19")
	if err != nil {
		return "", err
	}
	if u.Type != keys.USK {
		return "", errorf("S19", path, "is a %s URI, want a USK", u.Type)
	}
	if u.Name != SiteName {
		return "", errorf("S19", path, "has site name %s, want %q", describe(u.Name), SiteName)
	}
	if u.Edition < 0 {
		return "", errorf("S19", path, "has edition %d, want 0 or more", u.Edition)
	}
	return u.WithEdition(0).String(), nil
}

// checkFeedSet checks a list of n feed URIs (S19, S20), feed(i) at
// path(i): at most max of them and no feed key twice, else rule. list is
// the list's path, verb what it does to a feed ("blocks", "mentions").
func checkFeedSet(n int, feed func(i int) string, list string, max int, rule, verb string, path func(i int) string) error {
	if n > max {
		return errorf(rule, list, "%d feeds, more than %d", n, max)
	}
	seen := make(map[string]bool, n)
	for i := range n {
		key, err := checkFeed(feed(i), path(i))
		if err != nil {
			return err
		}
		if seen[key] {
			return errorf(rule, path(i), "%s %s a second time", verb, key)
		}
		seen[key] = true
	}
	return nil
}

// decodeBox reads a box key (S27): exactly BoxLen characters of unpadded
// base64url that decode to 32 bytes and are the encoding of those bytes
// (the 2 bits the last character holds beyond the key are zero), so that a
// key has one spelling.
func decodeBox(s, path string) (key [32]byte, err error) {
	if len(s) != BoxLen {
		return key, errorf("S27", path, "%s is %d bytes, want %d characters of unpadded base64url", describe(s), len(s), BoxLen)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != len(key) {
		return key, errorf("S27", path, "%s is not 32 bytes in unpadded base64url", describe(s))
	}
	if base64.RawURLEncoding.EncodeToString(b) != s {
		return key, errorf("S27", path, "%s is not in canonical form: its last character must be one of AEIMQUYcgkosw048", describe(s))
	}
	return [32]byte(b), nil
}

// EncodeBox returns an X25519 public key as Profile.Box holds it.
func EncodeBox(key [32]byte) string { return base64.RawURLEncoding.EncodeToString(key[:]) }

// BoxKey returns the X25519 public key of p.Box; ok is false when the
// profile has none or it is not valid (S27).
func (p Profile) BoxKey() (key [32]byte, ok bool) {
	if p.Box == "" {
		return key, false
	}
	key, err := decodeBox(p.Box, "")
	return key, err == nil
}

// checkRef checks a reply_to or like (S19–S21) and returns it with Feed
// replaced by its FeedKey.
func checkRef(p PostRef, path string) (PostRef, error) {
	key, err := checkFeed(p.Feed, path+".feed")
	if err != nil {
		return PostRef{}, err
	}
	if p.N < 1 {
		return PostRef{}, errorf("S21", path+".n", "is %d, want 1 or more", p.N)
	}
	return PostRef{Feed: key, N: p.N}, nil
}

// FeedKey returns the identity of the feed a USK URI names, independent of
// its edition: the canonical URI at edition 0,
// "USK@<pubkeyhash>,<cryptokey>,<extra>/hams-social/0". Two URIs name the
// same feed exactly when their FeedKeys are equal. Unlike a URI field in a
// document, uri may take any form keys.Parse accepts (a "freenet:" prefix,
// a lower-case type, a negative edition); it must be a USK request URI with
// site SiteName and no meta-strings (S19). An insert URI is refused (S20).
func FeedKey(uri string) (string, error) {
	u, err := keys.Parse(uri)
	if err != nil {
		return "", errorf("S19", "", "%s is not a URI: %v", describe(uri), err)
	}
	if u.IsInsert() {
		return "", errorf("S20", "", "an insert URI: it holds a private key and must never be published")
	}
	if u.Type != keys.USK || u.Name != SiteName || len(u.Meta) > 0 {
		return "", errorf("S19", "", "%s is not a USK of site %q without meta-strings", describe(uri), SiteName)
	}
	return u.WithEdition(0).String(), nil
}

// Encode validates d and writes it in the canonical form of docs/social.md
// §7: the fields in a fixed order, no white space, empty optional fields
// left out, times in UTC, strings escaped only where JSON requires ('<'
// stays '<': the page that shows a document escapes it). It refuses a
// document larger than MaxDocSize (S1).
func (d *Doc) Encode() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 512)
	b = append(b, `{"format":`...)
	b = appendString(b, Format)
	b = append(b, `,"version":`...)
	b = appendString(b, d.version())
	b = append(b, `,"edition":`...)
	b = strconv.AppendInt(b, d.Edition, 10)
	b = append(b, `,"time":`...)
	b = appendTime(b, d.Time)
	if d.Device != 0 {
		b = append(b, `,"device":`...)
		b = strconv.AppendInt(b, int64(d.Device), 10)
	}
	b = append(b, `,"profile":{"name":`...)
	b = appendString(b, d.Profile.Name)
	if d.Profile.Bio != "" {
		b = append(b, `,"bio":`...)
		b = appendString(b, d.Profile.Bio)
	}
	if d.Profile.Avatar != "" {
		b = append(b, `,"avatar":`...)
		b = appendString(b, d.Profile.Avatar)
	}
	if d.Profile.Box != "" {
		b = append(b, `,"box":`...)
		b = appendString(b, d.Profile.Box)
	}
	if d.Profile.InboxWork != 0 {
		b = append(b, `,"inbox_work":`...)
		b = strconv.AppendInt(b, int64(d.Profile.InboxWork), 10)
	}
	b = append(b, '}')
	if len(d.Posts) > 0 {
		b = append(b, `,"posts":[`...)
		for i, p := range d.Posts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"n":`...)
			b = strconv.AppendInt(b, p.N, 10)
			b = append(b, `,"time":`...)
			b = appendTime(b, p.Time)
			if !p.Edited.IsZero() {
				b = append(b, `,"edited":`...)
				b = appendTime(b, p.Edited)
			}
			if p.Warning != "" {
				b = append(b, `,"warning":`...)
				b = appendString(b, p.Warning)
			}
			b = append(b, `,"text":`...)
			b = appendString(b, p.Text)
			if len(p.Images) > 0 {
				b = append(b, `,"images":[`...)
				for j, im := range p.Images {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendString(b, im)
				}
				b = append(b, ']')
			}
			if len(p.Alt) > 0 {
				b = append(b, `,"alt":[`...)
				for j, a := range p.Alt {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendString(b, a)
				}
				b = append(b, ']')
			}
			if p.ReplyTo != nil {
				b = append(b, `,"reply_to":{"feed":`...)
				b = appendString(b, p.ReplyTo.Feed)
				b = append(b, `,"n":`...)
				b = strconv.AppendInt(b, p.ReplyTo.N, 10)
				b = append(b, '}')
			}
			if len(p.Mentions) > 0 {
				b = append(b, `,"mentions":[`...)
				for j, m := range p.Mentions {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendString(b, m)
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(d.Likes) > 0 {
		b = append(b, `,"likes":[`...)
		for i, l := range d.Likes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feed":`...)
			b = appendString(b, l.Feed)
			b = append(b, `,"n":`...)
			b = strconv.AppendInt(b, l.N, 10)
			b = append(b, `,"time":`...)
			b = appendTime(b, l.Time)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(d.Follows) > 0 {
		b = append(b, `,"follows":[`...)
		for i, f := range d.Follows {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feed":`...)
			b = appendString(b, f.Feed)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(d.Blocks) > 0 {
		b = append(b, `,"blocks":[`...)
		for i, f := range d.Blocks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feed":`...)
			b = appendString(b, f.Feed)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(d.Deleted) > 0 {
		b = append(b, `,"deleted":[`...)
		for i, n := range d.Deleted {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		b = append(b, ']')
	}
	if d.Older != nil {
		b = append(b, `,"older":`...)
		b = strconv.AppendInt(b, *d.Older, 10)
	}
	b = append(b, '}')
	if len(b) > MaxDocSize {
		return nil, errorf("S1", "", "document would be %d bytes, more than %d: list fewer posts, likes, follows or blocks", len(b), MaxDocSize)
	}
	return b, nil
}

// appendString appends s as a JSON string in canonical form
// (strictjson.AppendString).
func appendString(b []byte, s string) []byte { return strictjson.AppendString(b, s) }

// describe quotes s for an error message, shortened (strictjson.Describe).
func describe(s string) string { return strictjson.Describe(s) }

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"')
}

// String describes d on several lines, for logs and tests.
func (d *Doc) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hams-social %s edition %d at %s\n", d.version(), d.Edition, d.Time.UTC().Format(TimeLayout))
	if d.Device != 0 {
		fmt.Fprintf(&b, "device %d\n", d.Device)
	}
	fmt.Fprintf(&b, "profile %q bio %q avatar %q\n", d.Profile.Name, d.Profile.Bio, d.Profile.Avatar)
	if d.Profile.Box != "" {
		fmt.Fprintf(&b, "box %s\n", d.Profile.Box)
	}
	if d.Profile.InboxWork != 0 {
		fmt.Fprintf(&b, "inbox_work %d\n", d.Profile.InboxWork)
	}
	for _, p := range d.Posts {
		fmt.Fprintf(&b, "post %d at %s", p.N, p.Time.UTC().Format(TimeLayout))
		if !p.Edited.IsZero() {
			fmt.Fprintf(&b, " edited %s", p.Edited.UTC().Format(TimeLayout))
		}
		if p.Warning != "" {
			fmt.Fprintf(&b, " warning %q", p.Warning)
		}
		fmt.Fprintf(&b, ": %q", p.Text)
		for _, im := range p.Images {
			fmt.Fprintf(&b, " image %s", im)
		}
		for _, a := range p.Alt {
			fmt.Fprintf(&b, " alt %q", a)
		}
		if p.ReplyTo != nil {
			fmt.Fprintf(&b, " reply to %d of %s", p.ReplyTo.N, p.ReplyTo.Feed)
		}
		for _, m := range p.Mentions {
			fmt.Fprintf(&b, " mention %s", m)
		}
		b.WriteByte('\n')
	}
	for _, l := range d.Likes {
		fmt.Fprintf(&b, "like %d of %s at %s\n", l.N, l.Feed, l.Time.UTC().Format(TimeLayout))
	}
	for _, f := range d.Follows {
		fmt.Fprintf(&b, "follow %s\n", f.Feed)
	}
	for _, f := range d.Blocks {
		fmt.Fprintf(&b, "block %s\n", f.Feed)
	}
	if len(d.Deleted) > 0 {
		fmt.Fprintf(&b, "deleted %v\n", d.Deleted)
	}
	if d.Older != nil {
		fmt.Fprintf(&b, "older %d\n", *d.Older)
	}
	return b.String()
}
