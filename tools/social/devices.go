package social

import (
	"crypto/rand"
	"encoding/binary"
	"slices"
	"time"

	"github.com/hamsnet/hams/tools/social/feed"
)

// One identity on several devices (docs/social-inbox.md §8): each
// front-end that writes the feed has its own device number, numbers its
// posts by it so that two devices never take one number, and merges what
// another device published before it publishes over it.

// deviceMod is the modulus of post numbers: a device d numbers its posts
// n ≡ d (mod deviceMod).
const deviceMod = feed.MaxDevice + 1

// otherDeviceRecent: another device that published within this long is
// shown as active.
const otherDeviceRecent = time.Hour

// newDevice draws a device number in 1..feed.MaxDevice other than but.
func newDevice(but int) int {
	for {
		var b [2]byte
		rand.Read(b[:]) // crypto/rand.Read never fails
		if d := int(binary.BigEndian.Uint16(b[:]))%feed.MaxDevice + 1; d != but {
			return d
		}
	}
}

// takeNumberLocked returns the number of the person's next post: larger
// than every number this front-end has seen in the feed and, once the
// front-end has a device number, ≡ that number (mod deviceMod). a.mu must
// be held.
func (a *App) takeNumberLocked() int64 {
	o := a.own
	n := o.NextN
	for _, p := range o.Posts {
		n = max(n, p.N+1)
	}
	for _, d := range o.Deleted {
		n = max(n, d+1)
	}
	if d := int64(o.Device); d > 0 {
		n += (d - n%deviceMod + deviceMod) % deviceMod
	}
	o.NextN = n + 1
	return n
}

// mergeSets is the three-way merge of a list of keys: what either side
// added since base stays, what either side removed from base goes; the
// order is ours, then theirs' new ones.
func mergeSets[T comparable](base, ours, theirs []T) []T {
	in := func(s []T, x T) bool { return slices.Contains(s, x) }
	var out []T
	for _, x := range ours {
		if !in(base, x) || in(theirs, x) {
			out = append(out, x)
		}
	}
	for _, x := range theirs {
		if !in(out, x) && !in(base, x) {
			out = append(out, x)
		}
	}
	return out
}

// baseLocked records what the feed holds now as the base of the next
// three-way merge: the lists as this front-end last published or merged
// them. a.mu must be held.
func (a *App) baseLocked() {
	o := a.own
	o.BaseFollows = o.BaseFollows[:0]
	for _, f := range o.Follows {
		if k, err := feedKey(f); err == nil {
			o.BaseFollows = append(o.BaseFollows, k)
		}
	}
	o.BaseLikes = o.BaseLikes[:0]
	for _, l := range o.Likes {
		o.BaseLikes = append(o.BaseLikes, l.Ref)
	}
	o.BaseProfile = o.Profile
	o.BaseBlocks = o.BaseBlocks[:0]
	for _, b := range o.Blocks {
		if k, err := feedKey(b); err == nil {
			o.BaseBlocks = append(o.BaseBlocks, k)
		}
	}
}

// mergeOwnLocked takes in doc, a newer edition of the person's own feed
// that another device (or this identity's earlier life on another
// machine) published: posts by number (the published version wins over
// an older local one, a local one not yet published is kept, and of two
// edits the later one), a post deleted here within its time to undo
// stays deleted unless theirs deleted it too, deleted
// numbers as a union, follows and likes by a three-way merge against the
// base, the profile theirs unless changed here since the base. a.mu must be
// held.
func (a *App) mergeOwnLocked(doc *feed.Doc) {
	defer a.indexFeedLocked(a.me)
	o := a.own
	deleted := map[int64]bool{}
	for _, n := range append(slices.Clone(o.Deleted), doc.Deleted...) {
		deleted[n] = true
	}
	o.Deleted = o.Deleted[:0]
	for n := range deleted {
		o.Deleted = append(o.Deleted, n)
	}
	slices.Sort(o.Deleted)
	if len(o.Deleted) > feed.MaxDeleted {
		o.Deleted = o.Deleted[len(o.Deleted)-feed.MaxDeleted:]
	}
	byN := map[int64]int{}
	for i, p := range o.Posts {
		byN[p.N] = i
	}
	o.Undo = slices.DeleteFunc(o.Undo, func(u undoDelete) bool { return deleted[u.Post.N] })
	undo := map[int64]bool{}
	for _, u := range o.Undo {
		undo[u.Post.N] = true
	}
	for _, p := range copyPosts(doc) {
		if i, ok := byN[p.N]; ok {
			// Published here before: theirs is newer, unless it was
			// edited here after their version.
			if ours := o.Posts[i]; ours.Edition >= 0 && !newerEdit(ours, p) {
				p.Edition = min(ours.Edition, p.Edition) // the edition it first appeared in
				o.Posts[i] = p
			}
			continue
		}
		if !undo[p.N] {
			o.Posts = append(o.Posts, p)
		}
	}
	o.Posts = slices.DeleteFunc(o.Posts, func(p post) bool { return deleted[p.N] })
	sortPosts(o.Posts)

	var theirFollows []string
	hint := map[string]string{}
	for _, f := range doc.Follows {
		if k, err := feedKey(f.Feed); err == nil {
			theirFollows = append(theirFollows, k)
			hint[k] = f.Feed
		}
	}
	var ourFollows []string
	for _, f := range o.Follows {
		if k, err := feedKey(f); err == nil {
			ourFollows = append(ourFollows, k)
			hint[k] = f
		}
	}
	merged := mergeSets(o.BaseFollows, ourFollows, theirFollows)
	for _, k := range ourFollows {
		if !slices.Contains(merged, k) {
			a.unfollowLocked(k)
		}
	}
	o.Follows = o.Follows[:0]
	for _, k := range merged {
		o.Follows = append(o.Follows, hint[k])
		if !slices.Contains(ourFollows, k) {
			a.followLocked(k, hint[k])
		}
	}

	var theirBlocks, ourBlocks []string
	for _, b := range doc.Blocks {
		if k, err := feedKey(b.Feed); err == nil {
			theirBlocks = append(theirBlocks, k)
			hint[k] = b.Feed
		}
	}
	for _, b := range o.Blocks {
		if k, err := feedKey(b); err == nil {
			ourBlocks = append(ourBlocks, k)
			hint[k] = b
		}
	}
	o.Blocks = o.Blocks[:0]
	for _, k := range mergeSets(o.BaseBlocks, ourBlocks, theirBlocks) {
		o.Blocks = append(o.Blocks, hint[k])
	}

	likeTime := map[Ref]time.Time{}
	var theirLikes, ourLikes []Ref
	for _, l := range doc.Likes {
		if k, err := feedKey(l.Feed); err == nil {
			r := Ref{k, l.N}
			theirLikes = append(theirLikes, r)
			likeTime[r] = l.Time
		}
	}
	for _, l := range o.Likes {
		ourLikes = append(ourLikes, l.Ref)
		likeTime[l.Ref] = l.Time
	}
	o.Likes = o.Likes[:0]
	for _, r := range mergeSets(o.BaseLikes, ourLikes, theirLikes) {
		o.Likes = append(o.Likes, like{Ref: r, Time: likeTime[r]})
	}
	slices.SortStableFunc(o.Likes, func(x, y like) int { return y.Time.Compare(x.Time) }) // newest first
	o.Likes = o.Likes[:min(len(o.Likes), feed.MaxLikes)]

	theirs := profile{Name: doc.Profile.Name, Bio: doc.Profile.Bio, Avatar: doc.Profile.Avatar}
	if o.Profile == o.BaseProfile {
		o.Profile = theirs
	}
	o.Edition = max(o.Edition, doc.Edition)
	a.baseLocked()
	if doc.Device != 0 && doc.Device != o.Device && a.cfg.Now().Sub(doc.Time) < otherDeviceRecent {
		a.status.OtherDevice = doc.Time
	}
}
