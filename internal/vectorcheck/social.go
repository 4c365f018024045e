package vectorcheck

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// docs/social.md: reading a feed document (§3–§6, §9, §10) and writing its
// canonical form (§7).

// Limits of docs/social.md §8.
const (
	maxFeedDoc  = 1 << 20
	maxName     = 64
	maxBio      = 500
	maxPosts    = 100
	maxText     = 2000
	maxImages   = 4
	maxLikes    = 500
	maxFollows  = 1000
	maxBlocks   = 1000
	maxDeleted  = 10000
	maxAlt      = 1000
	maxWarning  = 100
	maxMentions = 10
	feedSite    = "hams-social"
)

// feedDoc is a feed document as a reader sees it (unknown fields dropped).
type feedDoc struct {
	version   string
	edition   int64
	time      string
	device    int64
	name, bio string
	avatar    string
	hasAvatar bool
	box       string
	inboxWork int64
	posts     []feedPost
	likes     []feedLike
	follows   []string
	blocks    []string
	deleted   []int64
	older     *int64
}

type feedPost struct {
	n        int64
	time     string
	text     string
	images   []string
	alt      []string
	edited   string // "" when never edited
	warning  string
	hasWarn  bool // a warning field, "" included (S34)
	replyTo  *feedRef
	mentions []string
}

type feedRef struct {
	feed string
	n    int64
}

type feedLike struct {
	feed string
	n    int64
	time string
}

var versionRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// decodeFeed reads a document fetched from edition, by §3–§10.
func decodeFeed(b []byte, edition int64) (*feedDoc, *feedError) {
	if len(b) > maxFeedDoc {
		return nil, feedErr("S1", "%d bytes", len(b))
	}
	if !utf8.Valid(b) {
		return nil, feedErr("S2", "not UTF-8")
	}
	root, ferr := parseJSONDoc(string(b))
	if ferr != nil {
		return nil, ferr
	}
	if f := root.field("format"); f == nil || f.kind != 's' || f.str != "hams-social" {
		return nil, feedErr("S5", "format")
	}
	vf := root.field("version")
	if vf == nil || vf.kind != 's' || !versionRE.MatchString(vf.str) {
		return nil, feedErr("S6", "version")
	}
	major, minor, _ := strings.Cut(vf.str, ".")
	if major != "1" {
		return nil, feedErr("S7", "major version %s", major)
	}
	r := &feedReader{v11: minor != "0"}
	d := &feedDoc{version: vf.str}
	r.types(root, d, edition)
	if r.err == nil {
		r.content(d)
	}
	if r.err != nil {
		return nil, r.err
	}
	return d, nil
}

// feedReader keeps the first rule broken.
type feedReader struct {
	v11 bool // the fields of 1.1 are read (§10)
	err *feedError
}

func (r *feedReader) fail(rule, format string, a ...any) {
	if r.err == nil {
		r.err = feedErr(rule, format, a...)
	}
}

// get returns a known field: nil when absent (S9 when required), and nil
// after a failure.
func (r *feedReader) get(obj *jsonValue, key string, required bool, path string) *jsonValue {
	if r.err != nil {
		return nil
	}
	v := obj.field(key)
	if v == nil && required {
		r.fail("S9", "%s.%s missing", path, key)
	}
	return v
}

func (r *feedReader) want(v *jsonValue, kind byte, path string) bool {
	if r.err != nil || v == nil {
		return false
	}
	if v.kind != kind {
		r.fail("S8", "%s: wrong type", path)
		return false
	}
	return true
}

func (r *feedReader) str(v *jsonValue, path string) string {
	if r.want(v, 's', path) {
		return v.str
	}
	return ""
}

// integer reads an integer of §3 (S8, S10).
func (r *feedReader) integer(v *jsonValue, path string) int64 {
	if !r.want(v, 'n', path) {
		return 0
	}
	if strings.ContainsAny(v.str, ".eE") {
		r.fail("S10", "%s: %s is no integer", path, v.str)
		return 0
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	if err != nil {
		r.fail("S10", "%s: %s out of range", path, v.str)
	}
	return n
}

// list reads an array of at most max values (rule when longer).
func (r *feedReader) list(v *jsonValue, path string, max int, rule string) []*jsonValue {
	if !r.want(v, 'a', path) {
		return nil
	}
	if len(v.arr) > max {
		r.fail(rule, "%s: %d entries", path, len(v.arr))
		return nil
	}
	return v.arr
}

func (r *feedReader) strs(v *jsonValue, path string, max int, rule string) []string {
	var out []string
	for i, e := range r.list(v, path, max, rule) {
		out = append(out, r.str(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// time reads a time of §4 (S12).
func (r *feedReader) time(v *jsonValue, path string) string {
	s := r.str(v, path)
	if r.err == nil && !validFeedTime(s) {
		r.fail("S12", "%s: %q", path, s)
	}
	return s
}

// types is the pass over the fields in canonical order for types and
// presence (S8–S12, the ranges of S28, S29, an empty box, and list lengths).
func (r *feedReader) types(root *jsonValue, d *feedDoc, edition int64) {
	if v := r.get(root, "edition", true, "doc"); v != nil {
		d.edition = r.integer(v, "edition")
		if r.err == nil && (d.edition < 0 || d.edition != edition) {
			r.fail("S11", "edition %d fetched as %d", d.edition, edition)
		}
	}
	d.time = r.time(r.get(root, "time", true, "doc"), "time")
	if v := r.get(root, "device", false, "doc"); r.v11 && v != nil {
		if d.device = r.integer(v, "device"); r.err == nil && (d.device < 1 || d.device > 4095) {
			r.fail("S29", "device %d", d.device)
		}
	}
	if p := r.get(root, "profile", true, "doc"); r.want(p, 'o', "profile") {
		d.name = r.str(r.get(p, "name", true, "profile"), "profile.name")
		d.bio = r.str(r.get(p, "bio", false, "profile"), "profile.bio")
		if v := r.get(p, "avatar", false, "profile"); v != nil {
			d.avatar, d.hasAvatar = r.str(v, "profile.avatar"), true
		}
		if r.v11 {
			if v := r.get(p, "box", false, "profile"); v != nil {
				if d.box = r.str(v, "profile.box"); r.err == nil && d.box == "" {
					r.fail("S27", "empty box")
				}
			}
			if v := r.get(p, "inbox_work", false, "profile"); v != nil {
				if d.inboxWork = r.integer(v, "profile.inbox_work"); r.err == nil && (d.inboxWork < 16 || d.inboxWork > 32) {
					r.fail("S28", "inbox_work %d", d.inboxWork)
				}
			}
		}
	}
	for i, pv := range r.list(r.get(root, "posts", false, "doc"), "posts", maxPosts, "S16") {
		path := fmt.Sprintf("posts[%d]", i)
		if !r.want(pv, 'o', path) {
			break
		}
		p := feedPost{
			n:    r.integer(r.get(pv, "n", true, path), path+".n"),
			time: r.time(r.get(pv, "time", true, path), path+".time"),
		}
		if r.v11 {
			if v := r.get(pv, "edited", false, path); v != nil {
				p.edited = r.time(v, path+".edited")
			}
			if v := r.get(pv, "warning", false, path); v != nil {
				if p.warning, p.hasWarn = r.str(v, path+".warning"), true; r.err == nil && p.warning == "" {
					r.fail("S34", "%s: empty warning", path)
				}
			}
		}
		p.text = r.str(r.get(pv, "text", true, path), path+".text")
		p.images = r.strs(r.get(pv, "images", false, path), path+".images", maxImages, "S18")
		if r.v11 {
			p.alt = r.strs(r.get(pv, "alt", false, path), path+".alt", maxImages, "S32")
		}
		if rv := r.get(pv, "reply_to", false, path); r.want(rv, 'o', path+".reply_to") {
			p.replyTo = &feedRef{
				feed: r.str(r.get(rv, "feed", true, path+".reply_to"), path+".reply_to.feed"),
				n:    r.integer(r.get(rv, "n", true, path+".reply_to"), path+".reply_to.n"),
			}
		}
		if r.v11 {
			p.mentions = r.strs(r.get(pv, "mentions", false, path), path+".mentions", maxMentions, "S31")
		}
		d.posts = append(d.posts, p)
	}
	for i, lv := range r.list(r.get(root, "likes", false, "doc"), "likes", maxLikes, "S22") {
		path := fmt.Sprintf("likes[%d]", i)
		if !r.want(lv, 'o', path) {
			break
		}
		d.likes = append(d.likes, feedLike{
			feed: r.str(r.get(lv, "feed", true, path), path+".feed"),
			n:    r.integer(r.get(lv, "n", true, path), path+".n"),
			time: r.time(r.get(lv, "time", true, path), path+".time"),
		})
	}
	d.follows = r.feeds(root, "follows", maxFollows, "S23")
	if r.v11 {
		d.blocks = r.feeds(root, "blocks", maxBlocks, "S30")
	}
	for i, v := range r.list(r.get(root, "deleted", false, "doc"), "deleted", maxDeleted, "S24") {
		d.deleted = append(d.deleted, r.integer(v, fmt.Sprintf("deleted[%d]", i)))
	}
	if v := r.get(root, "older", false, "doc"); v != nil {
		older := r.integer(v, "older")
		d.older = &older
	}
}

// feeds reads a list of follows or blocks.
func (r *feedReader) feeds(root *jsonValue, key string, max int, rule string) []string {
	var out []string
	for i, v := range r.list(r.get(root, key, false, "doc"), key, max, rule) {
		path := fmt.Sprintf("%s[%d]", key, i)
		if !r.want(v, 'o', path) {
			break
		}
		out = append(out, r.str(r.get(v, "feed", true, path), path+".feed"))
	}
	return out
}

// content applies the content rules in the order of §2.
func (r *feedReader) content(d *feedDoc) {
	if n := utf8.RuneCountInString(d.name); n < 1 || n > maxName || hasControl(d.name, "") ||
		startsOrEndsWithSpace(d.name) {
		r.fail("S13", "name %q", d.name)
	}
	if utf8.RuneCountInString(d.bio) > maxBio || hasControl(d.bio, "\n\t") {
		r.fail("S14", "bio %q", d.bio)
	}
	if d.hasAvatar { // "" included (S15)
		r.image(d.avatar, "avatar")
	}
	if d.box != "" && !validBox(d.box) {
		r.fail("S27", "box %q", d.box)
	}
	deleted := map[int64]bool{}
	for _, n := range d.deleted {
		deleted[n] = true
	}
	for i, p := range d.posts {
		path := fmt.Sprintf("posts[%d]", i)
		if p.n < 1 || (i > 0 && p.n >= d.posts[i-1].n) {
			r.fail("S16", "%s.n = %d", path, p.n)
		}
		if p.edited != "" && p.edited < p.time { // one fixed layout, years 1970-9999: strings compare as times
			r.fail("S33", "%s edited %s before %s", path, p.edited, p.time)
		}
		if n := utf8.RuneCountInString(p.warning); p.hasWarn && (n < 1 || n > maxWarning || hasControl(p.warning, "")) {
			r.fail("S34", "%s.warning %q", path, p.warning)
		}
		if n := utf8.RuneCountInString(p.text); n < 1 || n > maxText || hasControl(p.text, "\n\t") {
			r.fail("S17", "%s.text", path)
		}
		for _, im := range p.images {
			r.image(im, path+".images")
		}
		if len(p.alt) > 0 && len(p.alt) != len(p.images) {
			r.fail("S32", "%s: %d alt texts for %d images", path, len(p.alt), len(p.images))
		}
		for _, a := range p.alt {
			if utf8.RuneCountInString(a) > maxAlt || hasControl(a, "") {
				r.fail("S32", "%s.alt %q", path, a)
			}
		}
		if p.replyTo != nil {
			r.feedURI(p.replyTo.feed, path+".reply_to.feed")
			if p.replyTo.n < 1 {
				r.fail("S21", "%s.reply_to.n = %d", path, p.replyTo.n)
			}
		}
		seen := map[string]bool{}
		for _, m := range p.mentions {
			k := r.feedURI(m, path+".mentions")
			if r.err == nil && seen[k] {
				r.fail("S31", "%s: %s twice", path, m)
			}
			seen[k] = true
		}
		if deleted[p.n] {
			r.fail("S25", "%s: post %d is deleted", path, p.n)
		}
	}
	liked := map[string]bool{}
	for i, l := range d.likes {
		path := fmt.Sprintf("likes[%d]", i)
		k := r.feedURI(l.feed, path+".feed")
		if l.n < 1 {
			r.fail("S21", "%s.n = %d", path, l.n)
		}
		if i > 0 && l.time > d.likes[i-1].time { // §4 times sort as strings
			r.fail("S22", "%s is later than the like before it", path)
		}
		post := k + "#" + strconv.FormatInt(l.n, 10)
		if r.err == nil && liked[post] {
			r.fail("S22", "%s: post liked twice", path)
		}
		liked[post] = true
	}
	r.uniqueFeeds(d.follows, "follows", "S23")
	r.uniqueFeeds(d.blocks, "blocks", "S30")
	for i, n := range d.deleted {
		if n < 1 || (i > 0 && n <= d.deleted[i-1]) {
			r.fail("S24", "deleted[%d] = %d", i, n)
		}
	}
	if d.older != nil && (*d.older < 0 || *d.older >= d.edition) {
		r.fail("S26", "older %d at edition %d", *d.older, d.edition)
	}
}

func (r *feedReader) uniqueFeeds(feeds []string, key, rule string) {
	seen := map[string]bool{}
	for i, f := range feeds {
		k := r.feedURI(f, fmt.Sprintf("%s[%d].feed", key, i))
		if r.err == nil && seen[k] {
			r.fail(rule, "%s: %s twice", key, f)
		}
		seen[k] = true
	}
}

// insertURI reports S20: an SSK or USK insert URI, in any URI field.
func (r *feedReader) insertURI(s, path string) (*refURI, bool) {
	u, err := parseURI(s)
	if err == nil && (u.Type == "SSK" || u.Type == "USK") && u.insert() {
		r.fail("S20", "%s is an insert URI", path)
		return nil, false
	}
	return u, err == nil
}

// image checks an avatar or image (S20, S15).
func (r *feedReader) image(s, path string) {
	if u, ok := r.insertURI(s, path); !ok || u.String() != s || u.Type != "CHK" || len(u.Meta) > 0 {
		r.fail("S15", "%s: %q", path, s)
	}
}

// feedURI checks a feed URI (S20, S19) and returns its feed key (§5.2).
func (r *feedReader) feedURI(s, path string) string {
	u, ok := r.insertURI(s, path)
	if !ok || u.String() != s || u.Type != "USK" || u.Name != feedSite || u.Edition < 0 || len(u.Meta) > 0 {
		r.fail("S19", "%s: %q", path, s)
		return ""
	}
	return b64(u.Key[:]) + "," + b64(u.Crypto[:]) + "," + b64(u.Extra)
}

func isControl(c rune) bool { return c < 0x20 || (c >= 0x7f && c <= 0x9f) }

// hasControl reports a control character (§5.1) other than those allowed.
func hasControl(s, allowed string) bool {
	return strings.ContainsFunc(s, func(c rune) bool { return isControl(c) && !strings.ContainsRune(allowed, c) })
}

func startsOrEndsWithSpace(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(first) || unicode.IsSpace(last)
}

// validFeedTime is §4: YYYY-MM-DDTHH:MM:SSZ, a real UTC date and time from
// 1970 to 9999, no leap second.
func validFeedTime(s string) bool {
	if len(s) != 20 {
		return false
	}
	var f [6]int
	for i, c := range []byte(s) {
		sep := map[int]byte{4: '-', 7: '-', 10: 'T', 13: ':', 16: ':', 19: 'Z'}
		if want, ok := sep[i]; ok {
			if c != want {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	for i, span := range [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		f[i], _ = strconv.Atoi(s[span[0]:span[1]])
	}
	y, mo, d := f[0], f[1], f[2]
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days[1] = 29
	}
	return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo-1] && f[3] <= 23 && f[4] <= 59 && f[5] <= 59
}

// validBox is S27: 43 characters of unpadded base64url for 32 bytes, the
// last one carrying two zero bits.
func validBox(s string) bool {
	if len(s) != 43 || !strings.ContainsRune("AEIMQUYcgkosw048", rune(s[42])) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32 && !strings.ContainsAny(s, "\r\n")
}

// canonical writes the canonical form of §7.
func (d *feedDoc) canonical() string {
	var b strings.Builder
	b.WriteString(`{"format":"hams-social","version":` + jcsString(d.version))
	b.WriteString(`,"edition":` + strconv.FormatInt(d.edition, 10) + `,"time":` + jcsString(d.time))
	if d.device != 0 {
		b.WriteString(`,"device":` + strconv.FormatInt(d.device, 10))
	}
	b.WriteString(`,"profile":{"name":` + jcsString(d.name))
	for _, f := range []struct{ key, val string }{{"bio", d.bio}, {"avatar", d.avatar}, {"box", d.box}} {
		if f.val != "" {
			b.WriteString(`,"` + f.key + `":` + jcsString(f.val))
		}
	}
	if d.inboxWork != 0 {
		b.WriteString(`,"inbox_work":` + strconv.FormatInt(d.inboxWork, 10))
	}
	b.WriteString("}")
	if len(d.posts) > 0 {
		b.WriteString(`,"posts":[`)
		for i, p := range d.posts {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"n":` + strconv.FormatInt(p.n, 10) + `,"time":` + jcsString(p.time))
			if p.edited != "" {
				b.WriteString(`,"edited":` + jcsString(p.edited))
			}
			if p.warning != "" {
				b.WriteString(`,"warning":` + jcsString(p.warning))
			}
			b.WriteString(`,"text":` + jcsString(p.text))
			writeStrings(&b, "images", p.images)
			writeStrings(&b, "alt", p.alt)
			if p.replyTo != nil {
				b.WriteString(`,"reply_to":{"feed":` + jcsString(p.replyTo.feed) + `,"n":` + strconv.FormatInt(p.replyTo.n, 10) + "}")
			}
			writeStrings(&b, "mentions", p.mentions)
			b.WriteString("}")
		}
		b.WriteString("]")
	}
	if len(d.likes) > 0 {
		b.WriteString(`,"likes":[`)
		for i, l := range d.likes {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"feed":` + jcsString(l.feed) + `,"n":` + strconv.FormatInt(l.n, 10) + `,"time":` + jcsString(l.time) + "}")
		}
		b.WriteString("]")
	}
	for _, list := range []struct {
		key   string
		feeds []string
	}{{"follows", d.follows}, {"blocks", d.blocks}} {
		if len(list.feeds) == 0 {
			continue
		}
		b.WriteString(`,"` + list.key + `":[`)
		for i, f := range list.feeds {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"feed":` + jcsString(f) + "}")
		}
		b.WriteString("]")
	}
	if len(d.deleted) > 0 {
		b.WriteString(`,"deleted":[`)
		for i, n := range d.deleted {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.FormatInt(n, 10))
		}
		b.WriteString("]")
	}
	if d.older != nil {
		b.WriteString(`,"older":` + strconv.FormatInt(*d.older, 10))
	}
	b.WriteString("}")
	return b.String()
}

// writeStrings writes a non-empty array of strings.
func writeStrings(b *strings.Builder, key string, ss []string) {
	if len(ss) == 0 {
		return
	}
	b.WriteString(`,"` + key + `":[`)
	for i, s := range ss {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(jcsString(s))
	}
	b.WriteString("]")
}

// jcsString writes a JSON string as RFC 8785 does (§7).
func jcsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteRune(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// String summarises the document in the form of the vectors' "summary"
// field (feed.Doc.String; docs/social.md §12 names it but does not define
// it).
func (d *feedDoc) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hams-social %s edition %d at %s\n", d.version, d.edition, d.time)
	if d.device != 0 {
		fmt.Fprintf(&b, "device %d\n", d.device)
	}
	fmt.Fprintf(&b, "profile %q bio %q avatar %q\n", d.name, d.bio, d.avatar)
	if d.box != "" {
		fmt.Fprintf(&b, "box %s\n", d.box)
	}
	if d.inboxWork != 0 {
		fmt.Fprintf(&b, "inbox_work %d\n", d.inboxWork)
	}
	for _, p := range d.posts {
		fmt.Fprintf(&b, "post %d at %s", p.n, p.time)
		if p.edited != "" {
			fmt.Fprintf(&b, " edited %s", p.edited)
		}
		if p.warning != "" {
			fmt.Fprintf(&b, " warning %q", p.warning)
		}
		fmt.Fprintf(&b, ": %q", p.text)
		for _, im := range p.images {
			fmt.Fprintf(&b, " image %s", im)
		}
		for _, a := range p.alt {
			fmt.Fprintf(&b, " alt %q", a)
		}
		if p.replyTo != nil {
			fmt.Fprintf(&b, " reply to %d of %s", p.replyTo.n, p.replyTo.feed)
		}
		for _, m := range p.mentions {
			fmt.Fprintf(&b, " mention %s", m)
		}
		b.WriteByte('\n')
	}
	for _, l := range d.likes {
		fmt.Fprintf(&b, "like %d of %s at %s\n", l.n, l.feed, l.time)
	}
	for _, f := range d.follows {
		fmt.Fprintf(&b, "follow %s\n", f)
	}
	for _, f := range d.blocks {
		fmt.Fprintf(&b, "block %s\n", f)
	}
	if len(d.deleted) > 0 {
		fmt.Fprintf(&b, "deleted %v\n", d.deleted)
	}
	if d.older != nil {
		fmt.Fprintf(&b, "older %d\n", *d.older)
	}
	return b.String()
}
