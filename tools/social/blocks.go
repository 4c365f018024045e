package social

import "slices"

// Blocking and muting (docs/social-inbox.md §6). A block hides a person
// everywhere here and is published in the feed's blocks, so that the
// person's friends' pages count it too; a mute hides the same things,
// here only. A feed the person neither follows nor has accepted is also
// hidden when someone the person follows blocks it: friends' blocks count,
// but never against the person's own follow, and blocks from people the
// person does not follow count for nothing.

// hiddenLocked returns whether a feed's posts, replies, notes and
// suggestion are hidden from the person: the person blocks or mutes it,
// or, unless the person follows it, someone they follow blocks it. The
// sets are built once per call; keep the function for a page or a
// timeline, not longer. a.mu must be held.
func (a *App) hiddenLocked() func(k string) bool {
	own := map[string]bool{}
	for _, k := range a.own.Mutes {
		own[k] = true
	}
	for _, u := range a.own.Blocks {
		if k, err := feedKey(u); err == nil {
			own[k] = true
		}
	}
	friends := map[string]bool{}
	for _, f := range a.feeds {
		if f.Followed {
			for _, k := range f.Blocks {
				friends[k] = true
			}
		}
	}
	return func(k string) bool {
		if own[k] {
			return true
		}
		if f := a.feeds[k]; f != nil && f.Followed {
			return false // the person's own follow wins over friends' blocks
		}
		return friends[k]
	}
}

// Block blocks (on) or unblocks feed k (its request URI, or its key): a
// blocked feed is unfollowed and hidden everywhere, and the block is
// published.
func (a *App) Block(uri string, on bool) error {
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
		return uerr("err.block_self")
	}
	o := a.own
	i := slices.IndexFunc(o.Blocks, func(u string) bool { kk, _ := feedKey(u); return kk == k })
	switch {
	case on && i >= 0, !on && i < 0:
		return nil
	case on:
		o.Blocks = append(o.Blocks, uri)
		if j := slices.IndexFunc(o.Follows, func(f string) bool { kk, _ := feedKey(f); return kk == k }); j >= 0 {
			o.Follows = slices.Delete(o.Follows, j, j+1)
			a.unfollowLocked(k)
		}
	default:
		o.Blocks = slices.Delete(o.Blocks, i, i+1)
	}
	return a.ownChangedLocked()
}

// Mute mutes (on) or unmutes feed k, here only.
func (a *App) Mute(uri string, on bool) error {
	k, err := feedKey(uri)
	if err != nil {
		return uerr("err.feed_uri")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	o := a.own
	i := slices.Index(o.Mutes, k)
	switch {
	case on && i < 0:
		o.Mutes = append(o.Mutes, k)
	case !on && i >= 0:
		o.Mutes = slices.Delete(o.Mutes, i, i+1)
	default:
		return nil
	}
	a.changedLocked()
	return a.saveOwnLocked()
}
