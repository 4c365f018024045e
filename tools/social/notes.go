package social

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// Notes (docs/social-inbox.md): when the person replies to, mentions,
// likes or follows someone, or writes them a message, a note sealed to
// that person goes into their inbox; the person's own inbox is read for
// notes to them, each checked against the edition of the writer's feed it
// points at, then shown, or kept under requests when the writer is a
// stranger. The seals are opened here, in the front-end: the node only
// ever stores sealed envelopes.

const notesFile = "notes.json" // notifications, requests and messages, mode 0600

// outNote is a note waiting to be written into someone's inbox.
type outNote struct {
	Type string `json:"type"`
	To   string `json:"to"` // the recipient's feed key
	N    int64  `json:"n,omitempty"`
	// Text is a message's text (type message).
	Text string `json:"text,omitempty"`
	// Edition is the edition of the person's feed that holds what the
	// note is about; -1 until it is published.
	Edition int64     `json:"edition"`
	Created time.Time `json:"created"`
	// Gen is the own feed's change count when the note was queued: the
	// first edition published from that change on holds its subject.
	Gen uint64 `json:"gen"`
	// Slot is the slot number to try next in the recipient's inbox today.
	Slot int `json:"slot"`
}

// notice is a note to the person, checked.
type notice struct {
	Type string    `json:"type"`
	From string    `json:"from"` // the writer's feed key
	Name string    `json:"name"` // the writer's name when the note arrived
	N    int64     `json:"n,omitempty"`
	Text string    `json:"text,omitempty"` // a message's text
	Time time.Time `json:"time"`
	// Request: the writer is a stranger; the notice waits until the
	// person accepts them.
	Request bool `json:"request,omitempty"`
	Read    bool `json:"read,omitempty"`
}

// sentMessage is a message the person wrote (kept here, for the
// conversation view).
type sentMessage struct {
	To   string    `json:"to"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// notesState is what notesFile holds.
type notesState struct {
	Outbox  []outNote     `json:"outbox"`
	Notices []notice      `json:"notices"`
	Sent    []sentMessage `json:"sent"`
	// Accepted are strangers the person accepted (their notes are shown).
	Accepted []string `json:"accepted"`
	// Seen are the notes checked already, "from type n", so that a repeat
	// is dropped unread.
	Seen []string `json:"seen"`
	// Day and Next: the inbox day being read (YYYY-MM-DD) and the next
	// slot of it and of the day before.
	Day      string `json:"day"`
	Next     int    `json:"next"`
	PrevNext int    `json:"prev_next"`
}

// maxNotices bounds the notices kept (the oldest go first).
const maxNotices = 2000

// boxKeyLocked returns the person's box key pair, making one when the
// identity has none yet (identities from before notes). a.mu must be held.
func (a *App) boxKeyLocked() (*inbox.KeyPair, error) {
	if a.box != nil {
		return a.box, nil
	}
	if a.id == nil {
		return nil, errNoIdentity
	}
	if a.id.Box != "" {
		priv, err := inbox.ParseBox(a.id.Box)
		if err != nil {
			return nil, fmt.Errorf("social: the identity's box key: %w", err)
		}
		kp := inbox.KeyFromPrivate(priv)
		a.box = &kp
		return a.box, nil
	}
	kp, err := inbox.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	a.id.Box = inbox.EncodeBox(kp.Private)
	if err := a.saveJSON(identityFile, a.id); err != nil {
		return nil, fmt.Errorf("social: saving the identity: %w", err)
	}
	a.box = &kp
	return a.box, nil
}

// saveNotesLocked writes notesFile. a.mu must be held.
func (a *App) saveNotesLocked() error {
	return a.saveJSON(notesFile, &a.notes)
}

// queueNoteLocked queues a note to feed to about n (for a message: text),
// sent once the edition holding it is published. a.mu must be held.
func (a *App) queueNoteLocked(typ, to string, n int64, text string) {
	if to == a.me || to == "" {
		return
	}
	ed := int64(-1)
	if typ == inbox.TypeMessage {
		ed = max(a.own.Edition, 0) // any edition with the person's box will do
	}
	a.notes.Outbox = append(a.notes.Outbox, outNote{Type: typ, To: to, N: n, Text: text, Edition: ed, Created: a.cfg.Now(), Gen: a.gen})
	if err := a.saveNotesLocked(); err != nil {
		a.cfg.Logger.Warn("social: saving notes", "err", err)
	}
	a.signal(a.sendNotes)
}

// publishedLocked gives the notes waiting for an edition the edition just
// published, ed, built from the own feed at change count gen, when they
// were queued by then. a.mu must be held.
func (a *App) publishedLocked(ed int64, gen uint64) {
	due := false
	for i := range a.notes.Outbox {
		if o := &a.notes.Outbox[i]; o.Edition < 0 && o.Gen <= gen {
			o.Edition, due = ed, true
		}
	}
	if due {
		if err := a.saveNotesLocked(); err != nil {
			a.cfg.Logger.Warn("social: saving notes", "err", err)
		}
		a.signal(a.sendNotes)
	}
}

// noteSender writes the notes due into their recipients' inboxes, until the
// App closes.
func (a *App) noteSender() {
	defer a.wg.Done()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.sendNotes:
		}
		for {
			a.mu.Lock()
			i := slices.IndexFunc(a.notes.Outbox, func(o outNote) bool { return o.Edition >= 0 })
			var o outNote
			if i >= 0 {
				o = a.notes.Outbox[i]
			}
			a.mu.Unlock()
			if i < 0 {
				break
			}
			err := a.sendNote(o)
			if a.ctx.Err() != nil {
				return
			}
			if err != nil {
				a.cfg.Logger.Warn("social: writing a note; trying again", "to", o.To, "type", o.Type, "err", err, "in", a.cfg.Retry)
				if !a.sleep(a.cfg.Retry) {
					return
				}
				continue
			}
			a.mu.Lock()
			if j := slices.IndexFunc(a.notes.Outbox, func(x outNote) bool { return x.Created.Equal(o.Created) && x.To == o.To && x.Type == o.Type }); j >= 0 {
				a.notes.Outbox = slices.Delete(a.notes.Outbox, j, j+1)
			}
			if o.Type == inbox.TypeMessage {
				a.notes.Sent = append(a.notes.Sent, sentMessage{To: o.To, Text: o.Text, Time: o.Created})
			}
			a.saveNotesLocked()
			a.changedLocked()
			a.mu.Unlock()
		}
	}
}

// sendNote seals o and inserts it into the first free slot of today in
// its recipient's inbox. A recipient without a box key, or with one that
// is unusable, drops the note (logged).
func (a *App) sendNote(o outNote) error {
	a.mu.Lock()
	box, err := a.boxKeyLocked()
	me, ed := a.me, o.Edition
	var to profile
	if f := a.feeds[o.To]; f != nil {
		to = f.Profile
	}
	a.mu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(a.ctx, publishTimeout)
	defer cancel()
	fc, err := a.client(ctx)
	if err != nil {
		return err
	}
	if to.Box == "" { // their feed not fetched yet (just followed), or fetched before they had a box
		a.mu.Lock()
		f := a.feeds[o.To]
		waiting := f != nil && f.Followed && f.Edition < 0
		a.mu.Unlock()
		if waiting { // the subscription is fetching it: try again after it
			return fmt.Errorf("social: the recipient's feed is not fetched yet")
		}
		if !a.fetchSuggestion(fc, o.To) {
			return fmt.Errorf("social: fetching the recipient's feed for their inbox key")
		}
		a.mu.Lock()
		if f := a.feeds[o.To]; f != nil {
			to = f.Profile
		}
		a.mu.Unlock()
	}
	recipient, perr := inbox.ParseBox(to.Box)
	if to.Box == "" || perr != nil {
		a.cfg.Logger.Info("social: no note: the recipient has no usable inbox", "to", o.To, "type", o.Type)
		return nil // dropped: nothing can reach them
	}
	from, err := atEdition(me, ed)
	if err != nil {
		return err
	}
	note := &inbox.Note{Type: o.Type, From: from, N: o.N, Time: o.Created.UTC().Truncate(time.Second)}
	if o.Type == inbox.TypeMessage {
		if note.Message, err = inbox.SealMessage(o.Text, *box, recipient, rand.Reader); err != nil {
			return err
		}
	}
	id, err := inbox.ID(o.To)
	if err != nil {
		return err
	}
	work := to.InboxWork
	if work == 0 {
		work = feed.DefaultInboxWork
	}
	day := a.cfg.Now().UTC()
	for n := o.Slot; n < inbox.MaxSlots; n++ {
		slot := inbox.Slot(id, day, n)
		taken, err := a.slotTaken(ctx, fc, slot)
		if err != nil {
			return err
		}
		if taken {
			continue
		}
		env, err := inbox.Seal(note, recipient, slot, inbox.SlotWork(work, n), rand.Reader)
		if err != nil {
			a.cfg.Logger.Info("social: no note: it cannot be sealed to the recipient", "to", o.To, "err", err)
			return nil
		}
		_, err = fc.Put(ctx, bytes.NewReader(env), int64(len(env)), fcpclient.PutOptions{URI: slot, DontCompress: true})
		var pf *fcpclient.PutFailedError
		if errors.As(err, &pf) && pf.Code == fcpwire.InsertCollision {
			continue // another writer took it first
		}
		if err != nil {
			return fmt.Errorf("social: writing a note: %w", err)
		}
		a.cfg.Logger.Debug("social: note written", "type", o.Type, "slot", n)
		return nil
	}
	a.cfg.Logger.Warn("social: no note: the recipient's inbox is full today", "to", o.To)
	return nil
}

// slotTaken reports whether an inbox slot holds something.
func (a *App) slotTaken(ctx context.Context, fc *fcpclient.Client, slot string) (bool, error) {
	var buf bytes.Buffer
	_, err := fc.Get(ctx, slot, &buf, fcpclient.GetOptions{MaxSize: inbox.MaxEnvelopeSize})
	var gf *fcpclient.GetFailedError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &gf) && notFound(gf.Code):
		return false, nil
	case errors.As(err, &gf):
		return true, nil // something is there, if not a note
	}
	return false, err
}

// notFound reports whether a fetch failure code means nothing is stored.
func notFound(code int) bool {
	return code == fcpwire.FetchDataNotFound || code == fcpwire.FetchRecentlyFailed || code == fcpwire.FetchRouteNotFound
}
