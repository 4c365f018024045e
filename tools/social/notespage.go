package social

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hamsnet/hams/tools/social/inbox"
)

// noteView is a notice as the notifications page shows it.
type noteView struct {
	From, Name, What  string
	Link, Excerpt     string
	TimeISO, TimeText string
	Read              bool
}

// conversationView is one conversation in the messages page's list.
type conversationView struct {
	Key, Name string
	Unread    int
	last      time.Time
}

// messageView is one message of a conversation.
type messageView struct {
	Text              string
	Mine              bool
	TimeISO, TimeText string
	at                time.Time
}

func timeViews(t time.Time) (string, string) {
	return t.UTC().Format(time.RFC3339), t.Local().Format("2006-01-02 15:04")
}

// notesPage lists the notifications, newest first, and the requests; the
// notifications shown are marked read.
func (a *App) notesPage(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	p := a.newPageLocked(r, "notes", "nav.notes")
	p.Live = true
	changed := false
	hidden := a.hiddenLocked()
	for i := len(a.notes.Notices) - 1; i >= 0; i-- {
		n := &a.notes.Notices[i]
		if hidden(n.From) {
			continue
		}
		v := &noteView{From: n.From, Name: n.Name, What: tr(p.L, "note."+n.Type), Read: n.Read}
		if f := a.feeds[n.From]; f != nil && f.Profile.Name != "" {
			v.Name = f.Profile.Name // the name the person's signed feed gives, rather than the note's
		}
		if v.Name == "" {
			v.Name = shortKey(n.From)
		}
		v.TimeISO, v.TimeText = timeViews(n.Time)
		switch n.Type {
		case inbox.TypeReply, inbox.TypeMention:
			v.Link = "/feed?k=" + url.QueryEscape(n.From) + "#" + anchor(Ref{n.From, n.N})
			if f := a.feeds[n.From]; f != nil {
				if i := slices.IndexFunc(f.Posts, func(q post) bool { return q.N == n.N }); i >= 0 {
					v.Excerpt = postExcerpt(p.L, &f.Posts[i], 200)
				}
			}
		case inbox.TypeLike:
			v.Link = "/feed?k=" + url.QueryEscape(a.me) + "#" + anchor(Ref{a.me, n.N})
		case inbox.TypeMessage:
			v.Link = "/messages?with=" + url.QueryEscape(n.From)
		}
		if n.Request {
			p.Requests = append(p.Requests, v)
			continue
		}
		p.Notes = append(p.Notes, v)
		if !n.Read && n.Type != inbox.TypeMessage {
			n.Read, changed = true, true
		}
	}
	if changed {
		a.saveNotesLocked()
		a.version++ // the menu's count changes
	}
	a.mu.Unlock()
	a.render(w, "notes", p, http.StatusOK)
}

func (a *App) accept(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.Accept(r.FormValue("k"), r.FormValue("on") == "1"), "/notes", formView{})
}

// messagesPage lists the conversations and shows the one with ?with=k,
// marking its messages read.
func (a *App) messagesPage(w http.ResponseWriter, r *http.Request) {
	a.renderMessages(w, r, formView{}, "", http.StatusOK)
}

func (a *App) renderMessages(w http.ResponseWriter, r *http.Request, form formView, errMsg string, code int) {
	with, _ := feedKey(r.FormValue("with"))
	if with == "" {
		with, _ = feedKey(r.FormValue("k"))
	}
	a.mu.Lock()
	p := a.newPageLocked(r, "messages", "nav.messages")
	p.Live, p.Form, p.Error = true, form, errMsg
	convs := map[string]*conversationView{}
	conv := func(k string, t time.Time) *conversationView {
		c := convs[k]
		if c == nil {
			c = &conversationView{Key: k, Name: a.personLocked(p, k).Name}
			if c.Name == "" {
				c.Name = shortKey(k)
			}
			convs[k] = c
		}
		if t.After(c.last) {
			c.last = t
		}
		return c
	}
	changed := false
	hidden := a.hiddenLocked()
	for i := range a.notes.Notices {
		n := &a.notes.Notices[i]
		if n.Type != inbox.TypeMessage || n.Request || hidden(n.From) {
			continue
		}
		c := conv(n.From, n.Time)
		if n.From == with {
			mv := &messageView{Text: n.Text, at: n.Time}
			mv.TimeISO, mv.TimeText = timeViews(n.Time)
			p.Messages = append(p.Messages, mv)
			if !n.Read {
				n.Read, changed = true, true
			}
		} else if !n.Read {
			c.Unread++
		}
	}
	sent := func(to, text string, t time.Time) {
		conv(to, t)
		if to == with {
			mv := &messageView{Text: text, Mine: true, at: t}
			mv.TimeISO, mv.TimeText = timeViews(t)
			p.Messages = append(p.Messages, mv)
		}
	}
	for _, m := range a.notes.Sent {
		sent(m.To, m.Text, m.Time)
	}
	for _, o := range a.notes.Outbox { // written, not yet in their inbox
		if o.Type == inbox.TypeMessage {
			sent(o.To, o.Text, o.Created)
		}
	}
	slices.SortStableFunc(p.Messages, func(x, y *messageView) int { return x.at.Compare(y.at) })
	for _, c := range convs {
		p.Conversations = append(p.Conversations, c)
	}
	slices.SortFunc(p.Conversations, func(x, y *conversationView) int {
		if c := y.last.Compare(x.last); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	if with != "" && with != a.me {
		p.With = a.personLocked(p, with)
		if p.With.Name == "" {
			p.With.Name = p.With.Short
		}
		f := a.feeds[with]
		p.CanWrite = a.id != nil && f != nil && f.Profile.Box != ""
	}
	if changed {
		a.saveNotesLocked()
		a.version++
	}
	a.mu.Unlock()
	a.render(w, "messages", p, code)
}

func (a *App) sendMessage(w http.ResponseWriter, r *http.Request) {
	k, err := feedKey(r.FormValue("k"))
	text := r.FormValue("text")
	if err != nil {
		err = uerr("err.feed_uri")
	} else {
		err = a.SendMessage(k, text)
	}
	if err != nil {
		a.renderMessages(w, r, formView{Text: text}, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/messages?with="+url.QueryEscape(k), http.StatusSeeOther)
}
