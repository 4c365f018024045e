package social

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// dayLayout names an inbox day.
const dayLayout = "2006-01-02"

// lookahead is how many slots past an empty one the reader looks at: two
// writers racing for one slot leave a gap (docs/social-inbox.md §3).
const lookahead = 2

// inboxReader reads the person's inbox every InboxPoll until the App
// closes.
func (a *App) inboxReader() {
	defer a.wg.Done()
	for {
		if err := a.readInbox(); err != nil && a.ctx.Err() == nil {
			a.cfg.Logger.Debug("social: reading the inbox", "err", err)
		}
		if !a.sleep(a.cfg.InboxPoll) {
			return
		}
	}
}

// readInbox reads the new slots of today and of the day before.
func (a *App) readInbox() error {
	a.mu.Lock()
	if a.id == nil {
		a.mu.Unlock()
		return nil
	}
	box, err := a.boxKeyLocked()
	me := a.me
	today := a.cfg.Now().UTC()
	ns := &a.notes
	if d := today.Format(dayLayout); ns.Day != d {
		if ns.Day == today.AddDate(0, 0, -1).Format(dayLayout) {
			ns.PrevNext = ns.Next
		} else {
			ns.PrevNext = 0
		}
		ns.Day, ns.Next = d, 0
	}
	next := map[string]int{today.AddDate(0, 0, -1).Format(dayLayout): ns.PrevNext, ns.Day: ns.Next}
	a.mu.Unlock()
	if err != nil {
		return err
	}
	id, err := inbox.ID(me)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, fetchTimeout)
	defer cancel()
	fc, err := a.client(ctx)
	if err != nil {
		return err
	}
	for _, day := range []time.Time{today.AddDate(0, 0, -1), today} {
		d := day.Format(dayLayout)
		n := next[d]
		for n < inbox.MaxSlots {
			found := -1
			var env []byte
			for k := n; k <= n+lookahead && k < inbox.MaxSlots; k++ {
				var buf bytes.Buffer
				_, err := fc.Get(ctx, inbox.Slot(id, day, k), &buf, fcpclient.GetOptions{MaxSize: inbox.MaxEnvelopeSize})
				var gf *fcpclient.GetFailedError
				if errors.As(err, &gf) && notFound(gf.Code) {
					continue
				}
				if err != nil && !errors.As(err, &gf) {
					return err
				}
				found, env = k, buf.Bytes() // a failure other than not found: skip the slot
				break
			}
			if found < 0 {
				break
			}
			if env != nil {
				a.takeNote(ctx, fc, env, inbox.Slot(id, day, found), found, *box)
			}
			n = found + 1
			a.mu.Lock()
			if d == a.notes.Day {
				a.notes.Next = n
			} else {
				a.notes.PrevNext = n
			}
			a.saveNotesLocked()
			a.mu.Unlock()
		}
	}
	return nil
}

// takeNote opens an envelope found in slot, checks the note against the
// writer's feed and keeps it: shown, under requests, or dropped.
func (a *App) takeNote(ctx context.Context, fc *fcpclient.Client, env []byte, slot string, slotN int, box inbox.KeyPair) {
	note, err := inbox.Open(env, slot, inbox.SlotWork(a.cfg.InboxWork, slotN), box)
	if err != nil {
		a.cfg.Logger.Debug("social: an envelope in the inbox dropped", "err", err)
		return
	}
	from, err := feedKey(note.From)
	if err != nil {
		return
	}
	seen := note.Type + " " + from + " " + strconv.FormatInt(note.N, 10)
	a.mu.Lock()
	repeat := note.Type != inbox.TypeMessage && slices.Contains(a.notes.Seen, seen)
	a.mu.Unlock()
	if repeat {
		return
	}
	doc, err := a.fetchNoteSource(ctx, fc, note.From)
	if err != nil {
		a.cfg.Logger.Debug("social: a note's source cannot be fetched", "from", from, "err", err)
		return
	}
	text, ok := a.checkNote(note, doc)
	if !ok {
		a.cfg.Logger.Info("social: a note that its source does not bear out dropped", "type", note.Type, "from", from)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.notes.Seen = append(a.notes.Seen, seen)
	if len(a.notes.Seen) > 4*maxNotices {
		a.notes.Seen = a.notes.Seen[len(a.notes.Seen)-4*maxNotices:]
	}
	if a.hiddenLocked()(from) {
		return // blocked or muted, by the person or (for a stranger) a friend
	}
	n := notice{Type: note.Type, From: from, Name: doc.Profile.Name, N: note.N, Text: text, Time: note.Time, Request: !a.trustedLocked(from)}
	a.notes.Notices = append(a.notes.Notices, n)
	if len(a.notes.Notices) > maxNotices {
		a.notes.Notices = a.notes.Notices[len(a.notes.Notices)-maxNotices:]
	}
	a.indexFeedLocked(from) // the sender's name is searchable
	if !n.Request && (n.Type == inbox.TypeReply || n.Type == inbox.TypeMention) {
		a.fetchCopyLocked(from, doc.Edition) // the reply shows in the timeline
	}
	a.saveNotesLocked()
	a.changedLocked()
}

// fetchNoteSource fetches the edition a note points at: exactly that one
// (its SSK form), not the newest the node knows.
func (a *App) fetchNoteSource(ctx context.Context, fc *fcpclient.Client, uri string) (*feed.Doc, error) {
	if u, err := keys.Parse(uri); err == nil && u.Type == keys.USK && u.Edition >= 0 {
		if exact, err := exactEdition(uri, u.Edition); err == nil {
			uri = exact
		}
	}
	var buf bytes.Buffer
	if _, err := fc.Get(ctx, uri, &buf, fcpclient.GetOptions{MaxSize: feed.MaxDocSize}); err != nil {
		return nil, err
	}
	return decodeFeed(buf.Bytes(), editionOf(buf.Bytes()))
}

// checkNote reports whether doc, the edition note points at, bears the note
// out (docs/social-inbox.md §4), and for a message its text.
func (a *App) checkNote(note *inbox.Note, doc *feed.Doc) (string, bool) {
	a.mu.Lock()
	me := a.me
	box := a.box
	mine := map[int64]bool{}
	for _, p := range a.own.Posts {
		mine[p.N] = true
	}
	a.mu.Unlock()
	is := func(uri string) bool { k, err := feedKey(uri); return err == nil && k == me }
	switch note.Type {
	case inbox.TypeReply, inbox.TypeMention:
		for _, p := range doc.Posts {
			if p.N != note.N {
				continue
			}
			if note.Type == inbox.TypeReply {
				return "", p.ReplyTo != nil && is(p.ReplyTo.Feed) && mine[p.ReplyTo.N]
			}
			return "", slices.ContainsFunc(p.Mentions, is)
		}
	case inbox.TypeLike:
		return "", mine[note.N] && slices.ContainsFunc(doc.Likes, func(l feed.Like) bool { return is(l.Feed) && l.N == note.N })
	case inbox.TypeFollow:
		return "", slices.ContainsFunc(doc.Follows, func(f feed.Follow) bool { return is(f.Feed) })
	case inbox.TypeMessage:
		if box == nil || doc.Profile.Box != inbox.EncodeBox(note.Message.Box) {
			return "", false // not sealed with the writer's published key
		}
		text, err := inbox.OpenMessage(note.Message, *box)
		return stripBidi(text), err == nil
	}
	return "", false
}

// trustedLocked reports whether notes from feed k are shown at once: the
// person follows k, or accepted k, or someone the person follows follows
// k (docs/social-inbox.md §6). a.mu must be held.
func (a *App) trustedLocked(k string) bool {
	if slices.Contains(a.notes.Accepted, k) {
		return true
	}
	if f := a.feeds[k]; f != nil && f.Followed {
		return true
	}
	for _, f := range a.feeds {
		if f.Followed && slices.ContainsFunc(f.Follows, func(u string) bool { kk, _ := feedKey(u); return kk == k }) {
			return true
		}
	}
	return false
}

// fetchCopyLocked fetches the newest edition of feed k into its copy, in
// the background, when there is no copy older than edition ed (a note
// pointed at ed): so that the person sees the writer's reply in the
// timeline. a.mu must be held.
func (a *App) fetchCopyLocked(k string, ed int64) {
	if f := a.feeds[k]; f != nil && f.Edition >= ed || a.ctx.Err() != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.ctx, fetchTimeout)
		defer cancel()
		if fc, err := a.client(ctx); err == nil {
			a.fetchSuggestion(fc, k)
		}
	}()
}

// Accept shows the notes of stranger k and the ones to come (a request
// accepted), without following them.
func (a *App) Accept(k string, on bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	i := slices.Index(a.notes.Accepted, k)
	switch {
	case on && i < 0:
		a.notes.Accepted = append(a.notes.Accepted, k)
		for j := range a.notes.Notices {
			if a.notes.Notices[j].From == k {
				a.notes.Notices[j].Request = false
			}
		}
		a.fetchCopyLocked(k, 0) // their feed, so that their replies show in the timeline
	case !on: // dismissed: the requests from k go
		a.notes.Notices = slices.DeleteFunc(a.notes.Notices, func(n notice) bool { return n.From == k && n.Request })
	}
	a.changedLocked()
	return a.saveNotesLocked()
}

// SendMessage writes text to the person at feed k, sealed so that only
// they read it (docs/social-inbox.md §4).
func (a *App) SendMessage(k, text string) error {
	text, err := cleanText(text, inbox.MaxMessageBytes, true, "message")
	if err != nil {
		return err
	}
	if text == "" {
		return uerr("err.text_empty")
	}
	if len(text) > inbox.MaxMessageBytes {
		return uerr("err.too_long", "message", len(text), inbox.MaxMessageBytes)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	f := a.feeds[k]
	if f == nil || f.Profile.Box == "" {
		return uerr("err.no_inbox")
	}
	if a.own.Edition < 0 {
		return uerr("err.not_published")
	}
	a.queueNoteLocked(inbox.TypeMessage, k, 0, text)
	return nil
}

// unreadLocked counts the unread notices, requests apart. a.mu must be held.
func (a *App) unreadLocked() (notes, requests int) {
	for _, n := range a.notes.Notices {
		switch {
		case n.Request:
			requests++
		case !n.Read:
			notes++
		}
	}
	return notes, requests
}
