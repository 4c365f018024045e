package social

import (
	"cmp"
	"slices"
	"time"
)

// author is who wrote a post, as the timeline shows them.
type author struct {
	Key    string // feedKey of their feed
	URI    string // their feed's request URI (newest edition known)
	Name   string
	Avatar string
	Mine   bool
}

// item is one post in the timeline with what the page shows around it.
type item struct {
	Ref    Ref
	Author *author
	Post   *post
	// Replies are the replies in the timeline, oldest first.
	Replies []*item
	// Likes counts the likes by the person and everyone they follow.
	Likes     int
	LikedByMe bool
	// Orphan: a reply whose parent is not in the timeline (ReplyTo tells
	// which post it answers).
	Orphan bool
	// Pending: the person's own post, not yet published.
	Pending bool
	// Activity is the newest time in the thread below and including it.
	Activity time.Time
}

// timeline is the posts of the person and everyone they follow, threaded:
// threads newest activity first, replies under their parents.
type timeline struct {
	Threads []*item
	ByRef   map[Ref]*item
	Authors map[string]*author
	Posts   int // posts in all
}

// buildTimeline assembles the timeline from the person's own feed (key me;
// empty when there is no identity yet), the followed feeds' copies, and the
// replies to the person's posts in the suggested feeds' copies, leaving out
// the feeds hidden says are (blocked, muted; nil: none).
// Posts a feed lists as deleted are already gone from its copy.
func buildTimeline(me string, own *ownState, feeds map[string]*feedCopy, hidden func(string) bool) *timeline {
	tl := &timeline{ByRef: map[Ref]*item{}, Authors: map[string]*author{}}
	add := func(a *author, posts []post, pending func(*post) bool) {
		for i := range posts {
			p := &posts[i]
			r := Ref{a.Key, p.N}
			if tl.ByRef[r] != nil {
				continue
			}
			tl.ByRef[r] = &item{Ref: r, Author: a, Post: p, Pending: pending(p), Activity: p.Time}
			tl.Posts++
		}
	}
	likes := map[Ref]int{}
	mine := map[Ref]bool{}
	if me != "" && own != nil {
		a := &author{Key: me, Name: own.Profile.Name, Avatar: own.Profile.Avatar, Mine: true}
		tl.Authors[me] = a
		add(a, own.Posts, func(p *post) bool { return p.Edition < 0 })
		for _, l := range own.Likes {
			likes[l.Ref]++
			mine[l.Ref] = true
		}
	}
	keys := make([]string, 0, len(feeds))
	for k := range feeds {
		if k != me && (hidden == nil || !hidden(k)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // a fixed order: the same copies give the same page
	for _, k := range keys {
		f := feeds[k]
		a := &author{Key: k, URI: f.URI, Name: f.Profile.Name, Avatar: f.Profile.Avatar}
		if !f.Followed {
			// A suggestion (someone a followed person follows): only its
			// replies to the person's own posts show, so that an answer
			// from a friend of a friend is not missed.
			var replies []post
			for _, p := range f.Posts {
				if p.ReplyTo != nil && me != "" && p.ReplyTo.Feed == me {
					replies = append(replies, p)
				}
			}
			if len(replies) > 0 {
				tl.Authors[k] = a
				add(a, replies, func(*post) bool { return false })
			}
			continue
		}
		tl.Authors[k] = a
		add(a, f.Posts, func(*post) bool { return false })
		for _, l := range f.Likes {
			likes[l.Ref]++
		}
	}
	// Thread: every reply under its parent when the parent is here.
	var roots []*item
	for _, it := range tl.ByRef {
		it.Likes, it.LikedByMe = likes[it.Ref], mine[it.Ref]
		if rt := it.Post.ReplyTo; rt != nil {
			if parent := tl.ByRef[*rt]; parent != nil && parent != it {
				parent.Replies = append(parent.Replies, it)
				continue
			}
			it.Orphan = true
		}
		roots = append(roots, it)
	}
	byTime := func(a, b *item) int {
		if c := a.Post.Time.Compare(b.Post.Time); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Ref.Feed, b.Ref.Feed), cmp.Compare(a.Ref.N, b.Ref.N))
	}
	// Every post has one parent, so the threads are trees, except where
	// feeds made replies answer each other in a circle: such a circle is
	// not reached from any root, and is cut open (each of its posts
	// becomes a root of its own).
	reached := make(map[*item]bool, len(tl.ByRef))
	var settle func(it *item) time.Time
	settle = func(it *item) time.Time {
		reached[it] = true
		slices.SortFunc(it.Replies, byTime)
		act := it.Post.Time
		for _, r := range it.Replies {
			if t := settle(r); t.After(act) {
				act = t
			}
		}
		it.Activity = act
		return act
	}
	for _, r := range roots {
		settle(r)
	}
	if len(reached) < len(tl.ByRef) {
		for _, it := range tl.ByRef {
			if !reached[it] {
				it.Replies, it.Orphan, it.Activity = nil, true, it.Post.Time
				roots = append(roots, it)
			}
		}
	}
	slices.SortFunc(roots, func(a, b *item) int {
		if c := b.Activity.Compare(a.Activity); c != 0 {
			return c
		}
		return -byTime(a, b)
	})
	tl.Threads = roots
	return tl
}

// page returns at most n threads whose activity is before before (zero:
// the newest), and whether more follow.
func (tl *timeline) page(before time.Time, n int) (threads []*item, more bool) {
	i := 0
	if !before.IsZero() {
		i, _ = slices.BinarySearchFunc(tl.Threads, before, func(it *item, t time.Time) int {
			return t.Compare(it.Activity) // descending
		})
		for i < len(tl.Threads) && !tl.Threads[i].Activity.Before(before) {
			i++
		}
	}
	end := min(i+n, len(tl.Threads))
	return tl.Threads[i:end], end < len(tl.Threads)
}
