package social

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// Timeouts of the background FCP work.
const (
	publishTimeout = 10 * time.Minute
	fetchTimeout   = 5 * time.Minute
	// refreshSuggestions is how often suggested people's profiles are
	// looked at again.
	refreshSuggestions = 30 * time.Minute
)

// errCollision: the edition being published exists already (another
// device published it first).
var errCollision = errors.New("another device published this edition first")

// maxCollisions bounds the publishes in a row that another device beats
// before the publisher waits its retry time.
const maxCollisions = 5

// publisher publishes the own feed's next edition whenever it changed,
// retrying after failures, until the App closes.
func (a *App) publisher() {
	defer a.wg.Done()
	for {
		var due <-chan time.Time // a deletion that can no longer be undone (posts.go)
		if wait, ok := a.settleDeletes(); ok {
			due = time.After(wait)
		}
		select {
		case <-a.ctx.Done():
			return
		case <-due:
			continue
		case <-a.publish:
		}
		for collisions := 0; ; {
			err := a.publishOnce()
			if err == nil || a.ctx.Err() != nil {
				break
			}
			if errors.Is(err, errCollision) && collisions < maxCollisions {
				collisions++ // another device was first: merge and publish after it, now
				continue
			}
			a.mu.Lock()
			a.status.Publishing, a.status.PublishErr = false, err.Error()
			a.changedLocked()
			a.mu.Unlock()
			a.cfg.Logger.Warn("social: publishing failed; trying again", "err", err, "in", a.cfg.Retry)
			if !a.sleep(a.cfg.Retry) {
				return
			}
		}
	}
}

// docLocked builds the next edition of the own feed. a.mu must be held.
func (a *App) docLocked(ed int64) (*feed.Doc, error) {
	o := a.own
	d := &feed.Doc{Edition: ed, Time: a.now(), Deleted: slices.Clone(o.Deleted), Device: o.Device}
	d.Profile = feed.Profile{Name: o.Profile.Name, Bio: o.Profile.Bio, Avatar: o.Profile.Avatar}
	if a.box != nil { // where notes to the person go (docs/social-inbox.md)
		d.Profile.Box, d.Profile.InboxWork = inbox.EncodeBox(a.box.Public), a.cfg.InboxWork
	}
	all := a.postsToPublishLocked() // with those whose deletion can be undone still (posts.go)
	win := all[:min(len(all), feed.MaxPosts)]
	for _, p := range win {
		fp := feed.Post{N: p.N, Time: p.Time, Text: p.Text, Images: slices.Clone(p.Images), Alt: slices.Clone(p.Alt),
			Edited: p.Edited, Warning: p.Warning}
		for _, k := range p.Mentions {
			fp.Mentions = append(fp.Mentions, a.hintLocked(k))
		}
		if p.ReplyTo != nil {
			fp.ReplyTo = &feed.PostRef{Feed: a.hintLocked(p.ReplyTo.Feed), N: p.ReplyTo.N}
		}
		d.Posts = append(d.Posts, fp)
	}
	// Older: an edition that lists the newest post left out. The edition a
	// post first appeared in lists it (a new post is always among the
	// newest), so that edition does (docs/social.md).
	if len(all) > len(win) {
		if e := all[len(win)].Edition; e >= 0 && e < ed {
			d.Older = &e
		}
	}
	for _, l := range o.Likes {
		d.Likes = append(d.Likes, feed.Like{PostRef: feed.PostRef{Feed: a.hintLocked(l.Ref.Feed), N: l.Ref.N}, Time: l.Time})
	}
	for _, f := range o.Follows {
		k, err := feedKey(f)
		if err != nil {
			continue
		}
		d.Follows = append(d.Follows, feed.Follow{Feed: a.hintLocked(k)})
	}
	for _, b := range o.Blocks {
		if k, err := feedKey(b); err == nil {
			d.Blocks = append(d.Blocks, feed.Block{Feed: a.hintLocked(k)})
		}
	}
	return d, d.Validate()
}

// hintLocked returns a feed's URI at the newest edition known here (the
// edition is a hint for readers). a.mu must be held.
func (a *App) hintLocked(k string) string {
	if k == a.me {
		if u, err := atEdition(k, max(a.own.Edition, 0)); err == nil {
			return u
		}
	}
	if f := a.feeds[k]; f != nil && f.Edition >= 0 {
		return f.URI
	}
	return k
}

// catchUpOwn looks for editions of the person's own feed newer than the
// last one known here (an imported identity may have published elsewhere
// since its export) and takes in the newest one's posts, follows and
// likes, so that the next edition neither reuses a number nor drops them.
func (a *App) catchUpOwn() error {
	a.mu.Lock()
	k, from := a.me, a.own.Edition+1
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, fetchTimeout)
	defer cancel()
	fc, err := a.client(ctx)
	if err != nil {
		return err
	}
	uri, err := atEdition(k, -max(from, 1))
	if err != nil {
		return err
	}
	if from == 0 {
		uri, _ = atEdition(k, 0)
	}
	var buf bytes.Buffer
	if _, err := fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: feed.MaxDocSize}); err != nil {
		var gf *fcpclient.GetFailedError
		if errors.As(err, &gf) && gf.Code == fcpwire.FetchDataNotFound {
			return nil // data not found: nothing newer
		}
		return fmt.Errorf("social: looking for newer editions of your feed: %w", err)
	}
	doc, err := decodeFeed(buf.Bytes(), editionOf(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("social: your feed's newest edition: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.own
	if doc.Edition <= o.Edition {
		return nil
	}
	// A number the other device used is taken: a post written here and not
	// published yet that has it moves to a new number. (Devices number
	// their posts apart, so only numbers from before that, or from a copy
	// of this device's state, can meet.)
	taken := map[int64]bool{}
	for _, p := range doc.Posts {
		taken[p.N] = true
		o.NextN = max(o.NextN, p.N+1)
	}
	for _, n := range doc.Deleted {
		taken[n] = true
		o.NextN = max(o.NextN, n+1)
	}
	renumber := map[int64]int64{}
	for i := len(o.Posts) - 1; i >= 0; i-- { // oldest first
		if p := &o.Posts[i]; p.Edition < 0 && taken[p.N] {
			n := a.takeNumberLocked()
			renumber[p.N], p.N = n, n
		}
	}
	for i := range o.Posts {
		if rt := o.Posts[i].ReplyTo; rt != nil && rt.Feed == a.me && renumber[rt.N] != 0 {
			o.Posts[i].ReplyTo = &Ref{rt.Feed, renumber[rt.N]}
		}
	}
	a.mergeOwnLocked(doc)
	a.cfg.Logger.Info("social: took in a newer edition of your feed", "edition", doc.Edition, "device", doc.Device)
	return a.ownChangedLocked()
}

// publishOnce publishes the own feed if it has changes.
func (a *App) publishOnce() error {
	a.mu.Lock()
	catchUp := a.catchUp
	a.mu.Unlock()
	if catchUp {
		if err := a.catchUpOwn(); err != nil {
			return err
		}
		a.mu.Lock()
		a.catchUp = false
		a.mu.Unlock()
	}
	a.mu.Lock()
	if a.id != nil {
		if err := a.settleDeletesLocked(); err != nil {
			a.cfg.Logger.Warn("social: saving your feed", "err", err)
		}
	}
	if a.id == nil || !a.own.Pending {
		a.mu.Unlock()
		return nil
	}
	gen, ed := a.gen, a.own.Edition+1
	doc, err := a.docLocked(ed)
	insert := a.id.Insert
	a.status.Publishing = true
	a.changedLocked()
	a.mu.Unlock()
	if err != nil {
		return fmt.Errorf("social: building edition %d: %w", ed, err)
	}
	b, err := doc.Encode()
	if err != nil {
		return fmt.Errorf("social: encoding edition %d: %w", ed, err)
	}
	uri, err := exactEdition(insert, ed)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, publishTimeout)
	defer cancel()
	fc, err := a.client(ctx)
	if err != nil {
		return err
	}
	if _, err := fc.Put(ctx, bytes.NewReader(b), int64(len(b)), fcpclient.PutOptions{URI: uri, ContentType: "application/json"}); err != nil {
		var pf *fcpclient.PutFailedError
		if errors.As(err, &pf) && pf.Code == fcpwire.InsertCollision {
			// This edition exists already: another device published it.
			// Take in its newest edition, then publish the merge after it.
			a.mu.Lock()
			a.catchUp = true
			a.status.Publishing = false
			a.mu.Unlock()
			return fmt.Errorf("social: publishing edition %d: %w", ed, errCollision)
		}
		return fmt.Errorf("social: publishing edition %d: %w", ed, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.own.Edition = max(a.own.Edition, ed)
	listed := map[int64]bool{}
	for _, p := range doc.Posts {
		listed[p.N] = true
	}
	for i := range a.own.Posts {
		if p := &a.own.Posts[i]; p.Edition < 0 && listed[p.N] {
			p.Edition = ed
		}
	}
	for i := range a.own.Undo {
		if p := &a.own.Undo[i].Post; p.Edition < 0 && listed[p.N] {
			p.Edition = ed
		}
	}
	if a.gen == gen {
		a.own.Pending = false
	}
	a.baseLocked() // what the next merge with another device starts from
	a.publishedLocked(ed, gen)
	a.status.Publishing, a.status.PublishErr, a.status.Published = false, "", a.cfg.Now()
	err = a.saveOwnLocked()
	a.changedLocked()
	if a.own.Pending {
		a.signal(a.publish)
	}
	a.cfg.Logger.Info("social: published", "edition", ed, "posts", len(doc.Posts))
	return err
}

// subscribeLocked starts following feed k's editions unless it runs
// already. a.mu must be held.
func (a *App) subscribeLocked(k string) {
	if a.subs[k] != nil || a.ctx == nil || a.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(a.ctx)
	a.subs[k] = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.watch(ctx, k)
	}()
}

// watch subscribes to feed k (SubscribeUSK) and fetches every new edition
// the node reports, until ctx ends; a lost connection is dialled again.
func (a *App) watch(ctx context.Context, k string) {
	for ctx.Err() == nil {
		fc, err := a.client(ctx)
		if err != nil {
			a.sleepCtx(ctx, a.cfg.Retry)
			continue
		}
		a.mu.Lock()
		f := a.feeds[k]
		if f == nil {
			a.mu.Unlock()
			return
		}
		from := f.Edition + 1
		a.mu.Unlock()
		uri, err := atEdition(k, from)
		if err != nil {
			return
		}
		ups, cancel, err := fc.SubscribeUSK(ctx, uri)
		if err != nil {
			if ctx.Err() == nil {
				a.cfg.Logger.Warn("social: subscribing", "feed", k, "err", err)
			}
			a.sleepCtx(ctx, a.cfg.Retry)
			continue
		}
		for up := range ups {
			if err := a.fetchNewest(ctx, fc, k, up.Edition); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Warn("social: fetching an edition", "feed", k, "edition", up.Edition, "err", err)
			}
		}
		cancel()
		a.sleepCtx(ctx, a.cfg.Retry)
	}
}

// sleepCtx waits d or until ctx ends.
func (a *App) sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// fetchDoc fetches and decodes edition ed of feed k.
func (a *App) fetchDoc(ctx context.Context, fc *fcpclient.Client, k string, ed int64) (*feed.Doc, error) {
	uri, err := exactEdition(k, ed)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var buf bytes.Buffer
	if _, err := fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: feed.MaxDocSize}); err != nil {
		return nil, err
	}
	return decodeFeed(buf.Bytes(), ed)
}

// fetchNewest fetches edition ed of feed k if it is newer than the copy,
// merges it, then fetches older editions for history or to fill a gap.
func (a *App) fetchNewest(ctx context.Context, fc *fcpclient.Client, k string, ed int64) error {
	a.mu.Lock()
	f := a.feeds[k]
	if f == nil || ed <= f.Edition {
		a.mu.Unlock()
		return nil
	}
	first := f.Edition < 0
	haveMax := int64(0)
	if len(f.Posts) > 0 {
		haveMax = f.Posts[0].N
	}
	a.mu.Unlock()
	doc, err := a.fetchDoc(ctx, fc, k, ed)
	if err != nil {
		return err
	}
	a.mergeNewest(k, doc)
	a.prefetchImages(ctx, fc, doc)
	// Older editions: the history of a newly followed feed, or the posts
	// between what was here and the oldest post of this edition.
	budget := a.cfg.History
	if !first {
		budget = 16
		if len(doc.Posts) == 0 || doc.Posts[len(doc.Posts)-1].N <= haveMax+1 {
			budget = 0
		}
	}
	next := doc.Older
	for ; budget > 0 && next != nil; budget-- {
		a.mu.Lock()
		f := a.feeds[k]
		stop := f == nil || (f.Oldest >= 0 && *next >= f.Oldest && !first && *next <= f.Edition && f.Edition != ed)
		a.mu.Unlock()
		if stop {
			break
		}
		old, err := a.fetchDoc(ctx, fc, k, *next)
		if err != nil {
			return fmt.Errorf("older edition %d: %w", *next, err)
		}
		reached := a.mergeOlder(k, old, haveMax)
		a.prefetchImages(ctx, fc, old)
		if !first && reached {
			break
		}
		next = old.Older
	}
	return nil
}

// copyPosts converts a document's posts, noting the edition they were
// found in.
func copyPosts(d *feed.Doc) []post {
	ps := make([]post, 0, len(d.Posts))
	for _, p := range d.Posts {
		cp := post{N: p.N, Time: p.Time, Text: p.Text, Images: p.Images, Alt: p.Alt, Edition: d.Edition,
			Edited: p.Edited, Warning: p.Warning}
		for _, m := range p.Mentions {
			if k, err := feedKey(m); err == nil {
				cp.Mentions = append(cp.Mentions, k)
			}
		}
		if p.ReplyTo != nil {
			if k, err := feedKey(p.ReplyTo.Feed); err == nil {
				cp.ReplyTo = &Ref{Feed: k, N: p.ReplyTo.N}
			}
		}
		ps = append(ps, cp)
	}
	return ps
}

// mergeNewest makes doc the newest edition of the copy of feed k.
func (a *App) mergeNewest(k string, d *feed.Doc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.feeds[k]
	if f == nil || d.Edition <= f.Edition {
		return
	}
	deleted := map[int64]bool{}
	for _, n := range d.Deleted {
		deleted[n] = true
	}
	posts := copyPosts(d)
	in := map[int64]bool{}
	for _, p := range posts {
		in[p.N] = true
	}
	for _, p := range f.Posts {
		if !in[p.N] && !deleted[p.N] {
			posts = append(posts, p)
		}
	}
	sortPosts(posts)
	f.Posts = posts
	f.Profile = profile{Name: d.Profile.Name, Bio: d.Profile.Bio, Avatar: d.Profile.Avatar, Box: d.Profile.Box, InboxWork: d.Profile.InboxWork}
	f.Likes = f.Likes[:0]
	for _, l := range d.Likes {
		if kk, err := feedKey(l.Feed); err == nil {
			f.Likes = append(f.Likes, like{Ref: Ref{kk, l.N}, Time: l.Time})
		}
	}
	f.Blocks = f.Blocks[:0]
	for _, b := range d.Blocks {
		if k, err := feedKey(b.Feed); err == nil {
			f.Blocks = append(f.Blocks, k)
		}
	}
	f.Follows = f.Follows[:0]
	for _, fl := range d.Follows {
		f.Follows = append(f.Follows, fl.Feed)
	}
	f.Deleted = d.Deleted
	f.Older = -1
	if d.Older != nil {
		f.Older = *d.Older
	}
	if u, err := atEdition(k, d.Edition); err == nil {
		f.URI = u
	}
	if f.Oldest < 0 {
		f.Oldest = d.Edition
	}
	f.Edition, f.Fetched = d.Edition, a.cfg.Now()
	a.indexFeedLocked(k)
	if err := a.saveFeedLocked(k); err != nil {
		a.cfg.Logger.Warn("social: saving a feed copy", "err", err)
	}
	a.changedLocked() // a suggestion's replies to the person's posts show too
	if f.Followed {
		a.signal(a.discover)
	}
}

// mergeOlder adds an older edition's posts to the copy of feed k (those the
// newest edition does not list as deleted); it reports whether the edition
// reached back to post haveMax (nothing between is missing any more).
func (a *App) mergeOlder(k string, d *feed.Doc, haveMax int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.feeds[k]
	if f == nil {
		return true
	}
	have := map[int64]int{}
	for i, p := range f.Posts {
		have[p.N] = i
	}
	deleted := map[int64]bool{}
	for _, n := range f.Deleted {
		deleted[n] = true
	}
	reached := false
	for _, p := range copyPosts(d) {
		if p.N <= haveMax {
			reached = true
		}
		if deleted[p.N] {
			continue
		}
		if i, ok := have[p.N]; ok {
			// The copy from the newest edition that lists the post wins
			// (docs/social.md §6.5): an older edition fetched later never
			// undoes an edit, and one newer than the copy brings it.
			if f.Posts[i].Edition < d.Edition {
				f.Posts[i] = p
			}
			continue
		}
		f.Posts = append(f.Posts, p)
	}
	sortPosts(f.Posts)
	if f.Oldest < 0 || d.Edition < f.Oldest {
		f.Oldest = d.Edition
	}
	a.indexFeedLocked(k)
	if err := a.saveFeedLocked(k); err != nil {
		a.cfg.Logger.Warn("social: saving a feed copy", "err", err)
	}
	if f.Followed {
		a.changedLocked()
	}
	return reached || len(d.Posts) == 0
}

// prefetchImages fetches a document's images and avatar into the cache,
// so that the page shows them without waiting.
func (a *App) prefetchImages(ctx context.Context, fc *fcpclient.Client, d *feed.Doc) {
	var uris []string
	if d.Profile.Avatar != "" {
		uris = append(uris, d.Profile.Avatar)
	}
	for _, p := range d.Posts {
		uris = append(uris, p.Images...)
	}
	for _, u := range uris {
		if ctx.Err() != nil {
			return
		}
		if _, ok := a.cachedImage(u); ok {
			continue
		}
		if _, err := a.fetchImage(ctx, fc, u); err != nil {
			a.cfg.Logger.Warn("social: fetching an image", "uri", u, "err", err)
		}
	}
}

// fetchImage fetches an image over FCP into the cache.
func (a *App) fetchImage(ctx context.Context, fc *fcpclient.Client, uri string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var buf bytes.Buffer
	if _, err := fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: a.cfg.MaxImageSize}); err != nil {
		return nil, err
	}
	if err := a.saveFile(a.imageName(uri), buf.Bytes()); err != nil && !errors.Is(err, errLocked) {
		return nil, err
	}
	a.mu.Lock()
	a.changedLocked()
	a.mu.Unlock()
	return buf.Bytes(), nil
}

// discoverer fetches the profiles of people that those the person follows
// follow, to suggest them, whenever follow lists change, every
// refreshSuggestions, and when a failed fetch is due again.
func (a *App) discoverer() {
	defer a.wg.Done()
	tries := map[string]*backoff{} // failed suggestions: when to try again
	for {
		wait := refreshSuggestions
		now := time.Now()
		for _, b := range tries {
			wait = min(wait, max(b.next.Sub(now), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-a.ctx.Done():
			t.Stop()
			return
		case <-a.discover:
		case <-t.C:
		}
		t.Stop()
		if a.cfg.Discover < 0 {
			continue
		}
		for _, k := range a.suggestions() {
			if a.ctx.Err() != nil {
				return
			}
			if b := tries[k]; b != nil && time.Now().Before(b.next) {
				continue
			}
			fc, err := a.client(a.ctx)
			if err != nil {
				break
			}
			if a.fetchSuggestion(fc, k) {
				delete(tries, k)
				continue
			}
			b := tries[k]
			if b == nil {
				b = &backoff{wait: a.cfg.Retry}
				tries[k] = b
			} else {
				b.wait = min(2*b.wait, refreshSuggestions)
			}
			b.next = time.Now().Add(b.wait)
		}
	}
}

// backoff is when a failed fetch is tried again, and how long it waits
// after the next failure (doubling).
type backoff struct {
	next time.Time
	wait time.Duration
}

// suggestions returns the feeds followed by followed feeds that are not
// followed, not the person's own, and not fetched within
// refreshSuggestions (at most Discover).
func (a *App) suggestions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, f := range a.feeds {
		if !f.Followed {
			continue
		}
		for _, u := range f.Follows {
			k, err := feedKey(u)
			if err != nil || k == a.me || seen[k] {
				continue
			}
			seen[k] = true
			if c := a.feeds[k]; c != nil && (c.Followed || c.Edition >= 0 && a.cfg.Now().Sub(c.Fetched) < refreshSuggestions) {
				continue
			}
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), a.cfg.Discover)]
}

// fetchSuggestion fetches the newest edition of a suggested feed (a
// negative edition: the node looks for the newest) and keeps its copy. It
// reports false when the fetch failed and is worth trying again.
func (a *App) fetchSuggestion(fc *fcpclient.Client, k string) bool {
	ctx, cancel := context.WithTimeout(a.ctx, fetchTimeout)
	defer cancel()
	from := int64(1) // the newest from the one known on (a negative edition)
	a.mu.Lock()
	if c := a.feeds[k]; c != nil {
		from = max(from, c.Edition)
	}
	a.mu.Unlock()
	uri, err := atEdition(k, -from)
	if err != nil {
		return true // not to be tried again
	}
	var buf bytes.Buffer
	if _, err := fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: feed.MaxDocSize}); err != nil {
		var gf *fcpclient.GetFailedError
		if errors.As(err, &gf) && gf.RedirectURI != "" {
			uri = gf.RedirectURI
			buf.Reset()
			_, err = fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: feed.MaxDocSize})
		}
		if err != nil {
			return false
		}
	}
	// The edition fetched is not known from a plain Get of the newest one:
	// the document names it, and Decode checks it against itself.
	doc, err := decodeFeed(buf.Bytes(), editionOf(buf.Bytes()))
	if err != nil {
		a.cfg.Logger.Warn("social: a suggested feed does not decode", "feed", k, "err", err)
		return true
	}
	a.mu.Lock()
	if a.feeds[k] == nil {
		a.feeds[k] = &feedCopy{URI: k, Edition: -1, Oldest: -1, Older: -1}
	}
	a.mu.Unlock()
	a.mergeNewest(k, doc)
	a.mu.Lock()
	if c := a.feeds[k]; c != nil {
		c.Fetched = a.cfg.Now() // looked at now, even if the edition was known
	}
	a.mu.Unlock()
	return true
}

// editionOf reads the edition a document says it is (-1 if it says none);
// feed.Decode then checks the whole document against it.
func editionOf(b []byte) int64 {
	var x struct {
		Edition *int64 `json:"edition"`
	}
	if json.Unmarshal(b, &x) != nil || x.Edition == nil {
		return -1
	}
	return *x.Edition
}
