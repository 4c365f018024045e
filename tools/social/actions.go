package social

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/imageclean"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// userError is a mistake in what the person entered: the page shows the
// message (a catalogue key and its arguments) and keeps their input.
type userError struct {
	Key  string
	Args []any
}

func (e *userError) Error() string { return fmt.Sprintf("social: %s %v", e.Key, e.Args) }

func uerr(key string, args ...any) error { return &userError{key, args} }

// cleanText normalises text from a form: no bidirectional embedding,
// override or isolate controls, CRLF to LF, no trailing white space, and
// checks it against the feed format's rules for a field of at
// most max code points (multiline allows newlines and tabs).
func cleanText(s string, max int, multiline bool, field string) (string, error) {
	s = stripBidi(s) // they could disguise a link (bidi.go)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	s = strings.TrimLeft(s, "\n")
	if !utf8.ValidString(s) {
		return "", uerr("err.encoding", "field."+field)
	}
	for _, r := range s {
		if (r == '\n' || r == '\t') && multiline {
			continue
		}
		if unicode.IsControl(r) {
			return "", uerr("err.control", "field."+field)
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", uerr("err.too_long", "field."+field, n, max)
	}
	return s, nil
}

// image is an uploaded image.
type image struct {
	Data []byte
}

// imageTypes are the image types accepted, by what http.DetectContentType
// says of their first bytes.
var imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// insertImage inserts an image as a CHK and caches it; it returns the URI.
// Every metadata block (EXIF with its GPS position, XMP, IPTC, comments,
// thumbnails, ICC profiles) is removed first, the orientation applied
// (tools/social/imageclean): a photo never tells where it was taken.
func (a *App) insertImage(ctx context.Context, data []byte) (string, error) {
	if int64(len(data)) > a.cfg.MaxImageSize {
		return "", uerr("err.image_size", len(data)>>10, a.cfg.MaxImageSize>>10)
	}
	if !slices.Contains(imageTypes, http.DetectContentType(data)) {
		return "", uerr("err.image_type")
	}
	clean, err := imageclean.Clean(data)
	if err != nil {
		a.cfg.Logger.Info("social: refusing an image it cannot clean", "err", err)
		var tooLarge *imageclean.TooLargeError
		if errors.As(err, &tooLarge) {
			return "", uerr("err.image_pixels", tooLarge.Pixels/1_000_000, tooLarge.Limit/1_000_000)
		}
		return "", uerr("err.image_clean")
	}
	data, ct := clean.Data, clean.ContentType
	fc, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	uri, err := fc.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{ContentType: ct, DontCompress: true})
	if err != nil {
		return "", fmt.Errorf("social: inserting the image: %w", err)
	}
	if err := a.saveFile(a.imageName(uri), data); err != nil {
		a.cfg.Logger.Warn("social: caching an image", "err", err)
	}
	return uri, nil
}

// CreateIdentity makes a new identity through the node (GenerateSSK) with
// the given profile; the first edition is published in the background.
// When this device has no passphrase yet, passphrase becomes it (Unlock):
// the identity and everything kept here are sealed with it; if the
// identity then cannot be made, the new vault is wiped again.
func (a *App) CreateIdentity(ctx context.Context, name, bio string, avatar []byte, passphrase string) (err error) {
	p, err := a.checkProfile(name, bio)
	if err != nil {
		return err
	}
	fresh, err := a.readyForIdentity(passphrase)
	if err != nil {
		return err
	}
	if fresh {
		defer a.wipeIfNoIdentity(&err)
	}
	fc, err := a.client(ctx)
	if err != nil {
		return err
	}
	ins, req, err := fc.GenerateSSK(ctx)
	if err != nil {
		return fmt.Errorf("social: generating a keypair: %w", err)
	}
	id := &identity{Created: a.cfg.Now().UTC().Truncate(time.Second)}
	if id.Insert, err = uskFromSSK(ins); err != nil {
		return err
	}
	if id.Request, err = uskFromSSK(req); err != nil {
		return err
	}
	if len(avatar) > 0 {
		if p.Avatar, err = a.insertImage(ctx, avatar); err != nil {
			return err
		}
	}
	return a.setIdentity(id, &ownState{Edition: -1, NextN: 1, Profile: p, Device: newDevice(0), BaseProfile: p})
}

// setIdentity installs an identity and its own feed, saving both.
func (a *App) setIdentity(id *identity, own *ownState) error {
	key, err := feedKey(id.Request)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id != nil {
		return uerr("err.identity_exists")
	}
	if err := a.saveJSON(identityFile, id); err != nil {
		return fmt.Errorf("social: saving the identity: %w", err)
	}
	a.id, a.me, a.own, a.box = id, key, own, nil
	if _, err := a.boxKeyLocked(); err != nil {
		return err
	}
	for _, f := range own.Follows {
		if k, err := feedKey(f); err == nil {
			a.followLocked(k, f)
		}
	}
	a.signal(a.discover)
	return a.ownChangedLocked()
}

// checkProfile checks a name and bio from a form.
func (a *App) checkProfile(name, bio string) (profile, error) {
	name, err := cleanText(strings.TrimSpace(name), feed.MaxNameRunes, false, "name")
	if err != nil {
		return profile{}, err
	}
	if name == "" {
		return profile{}, uerr("err.name_empty")
	}
	bio, err = cleanText(bio, feed.MaxBioRunes, true, "bio")
	if err != nil {
		return profile{}, err
	}
	return profile{Name: name, Bio: bio}, nil
}

// UpdateProfile changes the name and bio, and the avatar when one is given
// (removeAvatar drops it).
func (a *App) UpdateProfile(ctx context.Context, name, bio string, avatar []byte, removeAvatar bool) error {
	p, err := a.checkProfile(name, bio)
	if err != nil {
		return err
	}
	if len(avatar) > 0 {
		if p.Avatar, err = a.insertImage(ctx, avatar); err != nil {
			return err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	if len(avatar) == 0 && !removeAvatar {
		p.Avatar = a.own.Profile.Avatar
	}
	a.own.Profile = p
	return a.ownChangedLocked()
}

// AddPost writes a post (a reply when replyTo is set) behind an optional
// content warning with up to feed.MaxImages images, alt[i] describing
// image i for screen readers (missing or empty: no description), and
// returns its number.
func (a *App) AddPost(ctx context.Context, text, warning string, images [][]byte, alt []string, replyTo *Ref) (int64, error) {
	text, err := cleanText(text, feed.MaxTextRunes, true, "text")
	if err != nil {
		return 0, err
	}
	if text == "" {
		return 0, uerr("err.text_empty")
	}
	if warning, err = cleanWarning(warning); err != nil {
		return 0, err
	}
	if len(images) > feed.MaxImages {
		return 0, uerr("err.images", feed.MaxImages)
	}
	if len(alt) > len(images) {
		return 0, uerr("err.alt_count", len(alt), len(images))
	}
	var alts []string
	for i := range images {
		s := ""
		if i < len(alt) {
			if s, err = cleanText(strings.TrimSpace(alt[i]), feed.MaxAltRunes, false, "alt"); err != nil {
				return 0, err
			}
		}
		alts = append(alts, s)
	}
	if !slices.ContainsFunc(alts, func(s string) bool { return s != "" }) {
		alts = nil // no description at all: no alt field
	}
	a.mu.Lock()
	has := a.id != nil
	a.mu.Unlock()
	if !has {
		return 0, errNoIdentity
	}
	var uris []string
	for _, img := range images {
		u, err := a.insertImage(ctx, img)
		if err != nil {
			return 0, err
		}
		uris = append(uris, u)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if replyTo != nil && a.timelineLocked().ByRef[*replyTo] == nil {
		return 0, uerr("err.no_parent")
	}
	n := a.takeNumberLocked()
	a.own.Posts = slices.Insert(a.own.Posts, 0, post{
		N: n, Time: a.now(), Text: text, Warning: warning, Images: uris, Alt: alts, ReplyTo: replyTo, Edition: -1,
		Mentions: a.mentionsLocked(text),
	})
	err = a.ownChangedLocked()
	if replyTo != nil { // notes, sent once the edition holding the post is out
		a.queueNoteLocked(inbox.TypeReply, replyTo.Feed, n, "")
	}
	for _, k := range a.own.Posts[0].Mentions {
		if replyTo == nil || k != replyTo.Feed {
			a.queueNoteLocked(inbox.TypeMention, k, n, "")
		}
	}
	return n, err
}

// now is the clock, in the feed format's precision.
func (a *App) now() time.Time { return a.cfg.Now().UTC().Truncate(time.Second) }

// Like likes a post (or takes the like back when on is false).
func (a *App) Like(r Ref, on bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	i := slices.IndexFunc(a.own.Likes, func(l like) bool { return l.Ref == r })
	switch {
	case on && i >= 0, !on && i < 0:
		return nil
	case on:
		if a.timelineLocked().ByRef[r] == nil {
			return uerr("err.no_post")
		}
		a.own.Likes = slices.Insert(a.own.Likes, 0, like{Ref: r, Time: a.now()})
		if len(a.own.Likes) > feed.MaxLikes {
			a.own.Likes = a.own.Likes[:feed.MaxLikes]
		}
	default:
		a.own.Likes = slices.Delete(a.own.Likes, i, i+1)
	}
	err := a.ownChangedLocked()
	if on {
		a.queueNoteLocked(inbox.TypeLike, r.Feed, r.N, "")
	}
	return err
}

// Follow follows the feed at uri (a USK request URI; the edition is a hint).
func (a *App) Follow(uri string) error {
	uri = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(uri), "freenet:"))
	k, err := feedKey(uri)
	if err != nil {
		return uerr("err.feed_uri")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	if k == a.me {
		return uerr("err.follow_self")
	}
	if slices.ContainsFunc(a.own.Follows, func(f string) bool { kk, _ := feedKey(f); return kk == k }) {
		return nil
	}
	if len(a.own.Follows) >= feed.MaxFollows {
		return uerr("err.follows", feed.MaxFollows)
	}
	a.own.Follows = append(a.own.Follows, uri)
	a.followLocked(k, uri)
	a.signal(a.discover)
	err = a.ownChangedLocked()
	a.queueNoteLocked(inbox.TypeFollow, k, 0, "")
	return err
}

// followLocked marks the feed k followed, making its copy if needed, and
// subscribes to it. a.mu must be held.
func (a *App) followLocked(k, uri string) {
	f := a.feeds[k]
	if f == nil {
		ed := int64(-1)
		f = &feedCopy{URI: k, Edition: ed, Oldest: -1, Older: -1}
		if u, err := atEdition(uri, 0); err == nil {
			f.URI = u
		}
		a.feeds[k] = f
	}
	f.Followed = true
	if err := a.saveFeedLocked(k); err != nil {
		a.cfg.Logger.Warn("social: saving a feed copy", "err", err)
	}
	a.subscribeLocked(k)
}

// Unfollow stops following the feed k; its copy is kept as a suggestion
// only if someone followed still follows it.
func (a *App) Unfollow(k string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	i := slices.IndexFunc(a.own.Follows, func(f string) bool { kk, _ := feedKey(f); return kk == k })
	if i < 0 {
		return nil
	}
	a.own.Follows = slices.Delete(a.own.Follows, i, i+1)
	a.unfollowLocked(k)
	return a.ownChangedLocked()
}

// unfollowLocked stops following feed k here (its subscription, its
// copy's mark); the caller takes it out of the own feed's follows. a.mu
// must be held.
func (a *App) unfollowLocked(k string) {
	if c := a.subs[k]; c != nil {
		c()
		delete(a.subs, k)
	}
	if f := a.feeds[k]; f != nil {
		f.Followed = false
		if err := a.saveFeedLocked(k); err != nil {
			a.cfg.Logger.Warn("social: saving a feed copy", "err", err)
		}
	}
	a.signal(a.discover)
}

// exportFile is what ExportIdentity writes and ImportIdentity reads.
type exportFile struct {
	Format   string    `json:"format"` // "hams-social-identity"
	Version  int       `json:"version"`
	Identity identity  `json:"identity"`
	Own      *ownState `json:"own"`
}

const exportFormat = "hams-social-identity"

// ExportIdentity returns the identity and the person's own feed as a file
// to keep or move to another machine, sealed with the person's passphrase
// (which must be this device's; the file has a salt of its own). It holds
// the insert URI: whoever has the file and the passphrase can publish as
// this person.
func (a *App) ExportIdentity(passphrase string) ([]byte, error) {
	a.mu.Lock()
	if a.id == nil {
		a.mu.Unlock()
		return nil, errNoIdentity
	}
	b, err := jsonIndent(exportFile{Format: exportFormat, Version: 1, Identity: *a.id, Own: a.own})
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return a.sealExport(passphrase, b)
}

// ImportIdentity installs an identity exported on another machine, opened
// with the passphrase it was sealed with (an older, unsealed export needs
// none to open). When this device has no passphrase yet, that one becomes
// it. Before it publishes again, the publisher looks for editions of the
// feed newer than the exported one (published from elsewhere since) and
// takes in their posts.
func (a *App) ImportIdentity(b []byte, passphrase string) (err error) {
	b, err = openExport(passphrase, b)
	if err != nil {
		return err
	}
	var x exportFile
	if err := jsonStrict(b, &x); err != nil || x.Format != exportFormat || x.Version != 1 {
		return uerr("err.import_file")
	}
	for _, u := range []string{x.Identity.Insert, x.Identity.Request} {
		if _, err := atEdition(u, 0); err != nil {
			return uerr("err.import_file")
		}
	}
	if _, err := feedKey(x.Identity.Request); err != nil {
		return uerr("err.import_file")
	}
	own := x.Own
	if own == nil {
		own = &ownState{Edition: -1, NextN: 1}
	}
	if own.NextN < 1 || own.Edition < -1 {
		return uerr("err.import_file")
	}
	for _, p := range own.Posts {
		if p.N >= own.NextN || p.N < 1 {
			return uerr("err.import_file")
		}
	}
	sortPosts(own.Posts)
	for _, u := range own.Undo { // deletions waiting to be undone there are done here
		if j, found := slices.BinarySearch(own.Deleted, u.Post.N); !found && u.Post.N > 0 && len(own.Deleted) < feed.MaxDeleted {
			own.Deleted = slices.Insert(own.Deleted, j, u.Post.N)
		}
	}
	own.Undo = nil
	own.Device = newDevice(own.Device) // this machine is another device than the one that exported
	fresh, err := a.readyForIdentity(passphrase)
	if err != nil {
		return err
	}
	if fresh {
		defer a.wipeIfNoIdentity(&err)
	}
	a.mu.Lock()
	a.catchUp = true // the feed may have editions published elsewhere since the export
	a.mu.Unlock()
	return a.setIdentity(&x.Identity, own)
}

// cachedImage returns an image from the cache.
func (a *App) cachedImage(uri string) ([]byte, bool) {
	b, err := a.loadFile(a.imageName(uri))
	return b, err == nil
}
