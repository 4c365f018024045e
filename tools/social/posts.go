package social

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/tools/social/feed"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// A person's own posts after they are written: deleting with a
// confirmation and a short time to undo it, editing, and content warnings
// (issue 21).
//
// Deleting: the post's Delete link opens a confirmation page (GET /delete,
// which changes nothing); its form (POST /delete) takes the post out of
// ownState.Posts at once and keeps it in ownState.Undo with the time of
// the deletion. Until Config.UndoDelete has passed, the published editions
// still list the post (postsToPublishLocked), nothing is published for the
// deletion, and the status line offers Undo (POST /undo), which puts the
// post back. Once the time has passed, settleDeletesLocked adds its number
// to ownState.Deleted and schedules a new edition, as a deletion was
// before. ownState.Undo is in own.json, so a restart keeps it.
//
// Editing (GET and POST /edit) changes a post's text and warning in place:
// it keeps its number, so replies and likes still name it, and a published
// post gets an edited time (feed.Post.Edited), which readers show.

// undoDelete is a deleted post whose deletion can still be undone.
type undoDelete struct {
	Post post `json:"post"`
	// At is when it was deleted (Config.Now).
	At time.Time `json:"at"`
}

// ownPostLocked finds the person's own post n: its index in a.own.Posts.
// a.mu must be held.
func (a *App) ownPostLocked(n int64) (int, error) {
	if a.id == nil {
		return 0, errNoIdentity
	}
	i := slices.IndexFunc(a.own.Posts, func(p post) bool { return p.N == n })
	if i < 0 {
		return 0, uerr("err.no_post")
	}
	return i, nil
}

// DeletePost deletes one of the person's posts: it goes from the page at
// once, and later editions omit it and list it as deleted. For
// Config.UndoDelete, UndoDelete brings it back with nothing published.
func (a *App) DeletePost(n int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	i, err := a.ownPostLocked(n)
	if err != nil {
		return err
	}
	p := a.own.Posts[i]
	a.own.Posts = slices.Delete(a.own.Posts, i, i+1)
	a.own.Undo = append(a.own.Undo, undoDelete{Post: p, At: a.cfg.Now()})
	if a.cfg.UndoDelete < 0 {
		return a.settleDeletesLocked()
	}
	// Nothing to publish yet: the page changes, the feed does not.
	a.indexFeedLocked(a.me)
	err = a.saveOwnLocked()
	a.changedLocked()
	a.signal(a.publish) // the publisher sets its timer for the deletion
	return err
}

// UndoDelete brings back a post deleted within Config.UndoDelete. Its
// deletion was never published.
func (a *App) UndoDelete(n int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return errNoIdentity
	}
	if err := a.settleDeletesLocked(); err != nil {
		return err
	}
	i := slices.IndexFunc(a.own.Undo, func(u undoDelete) bool { return u.Post.N == n })
	if i < 0 {
		return uerr("err.undo_late")
	}
	p := a.own.Undo[i].Post
	a.own.Undo = slices.Delete(a.own.Undo, i, i+1)
	a.own.Posts = append(a.own.Posts, p)
	sortPosts(a.own.Posts)
	a.indexFeedLocked(a.me)
	err := a.saveOwnLocked()
	a.changedLocked()
	return err
}

// undoUntil is when the deletion u can no longer be undone.
func (a *App) undoUntil(u undoDelete) time.Time { return u.At.Add(max(a.cfg.UndoDelete, 0)) }

// settleDeletesLocked publishes the deletions whose time to undo has
// passed: their numbers join Deleted and a new edition is scheduled.
// a.mu must be held.
func (a *App) settleDeletesLocked() error {
	now := a.cfg.Now()
	settled := false
	a.own.Undo = slices.DeleteFunc(a.own.Undo, func(u undoDelete) bool {
		if now.Before(a.undoUntil(u)) {
			return false
		}
		settled = true
		n := u.Post.N
		if j, found := slices.BinarySearch(a.own.Deleted, n); !found && len(a.own.Deleted) < feed.MaxDeleted {
			a.own.Deleted = slices.Insert(a.own.Deleted, j, n)
		}
		return true
	})
	if !settled {
		return nil
	}
	return a.ownChangedLocked()
}

// settleDeletes is settleDeletesLocked for the publisher; it returns how
// long until the next deletion is due (ok false: none waits).
func (a *App) settleDeletes() (wait time.Duration, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id == nil {
		return 0, false
	}
	if err := a.settleDeletesLocked(); err != nil {
		a.cfg.Logger.Warn("social: saving your feed", "err", err)
	}
	for _, u := range a.own.Undo {
		d := max(a.undoUntil(u).Sub(a.cfg.Now()), 0)
		if !ok || d < wait {
			wait, ok = d, true
		}
	}
	return wait, ok
}

// postsToPublishLocked returns the posts an edition lists, newest first:
// the person's posts and those whose deletion can still be undone (it is
// not published yet). a.mu must be held.
func (a *App) postsToPublishLocked() []post {
	if len(a.own.Undo) == 0 {
		return a.own.Posts
	}
	ps := slices.Clone(a.own.Posts)
	for _, u := range a.own.Undo {
		ps = append(ps, u.Post)
	}
	sortPosts(ps)
	return ps
}

// cleanWarning checks a content warning from a form: one line, at most
// feed.MaxWarningRunes code points; "" is none.
func cleanWarning(s string) (string, error) {
	return cleanText(strings.TrimSpace(s), feed.MaxWarningRunes, false, "warning")
}

// EditPost changes the text and content warning of one of the person's
// posts. It keeps its number; once published, it is marked edited now.
func (a *App) EditPost(n int64, text, warning string) error {
	text, err := cleanText(text, feed.MaxTextRunes, true, "text")
	if err != nil {
		return err
	}
	if text == "" {
		return uerr("err.text_empty")
	}
	if warning, err = cleanWarning(warning); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	i, err := a.ownPostLocked(n)
	if err != nil {
		return err
	}
	p := &a.own.Posts[i]
	if p.Text == text && p.Warning == warning {
		return nil
	}
	before := p.Mentions
	p.Text, p.Warning, p.Mentions = text, warning, a.mentionsLocked(text)
	for _, k := range p.Mentions { // those the edit mentions first are told, as of a new post
		if !slices.Contains(before, k) && (p.ReplyTo == nil || k != p.ReplyTo.Feed) {
			a.queueNoteLocked(inbox.TypeMention, k, n, "")
		}
	}
	if p.Edition >= 0 { // readers saw it: they are told it changed
		p.Edited = a.now()
		if p.Edited.Before(p.Time) { // the clock went back
			p.Edited = p.Time
		}
	}
	return a.ownChangedLocked()
}

// newerEdit reports whether x, a version of a post, was edited after y
// (a post never edited counts from its time): the version a merge keeps.
func newerEdit(x, y post) bool {
	ex, ey := x.Edited, y.Edited
	if ex.IsZero() {
		ex = x.Time
	}
	if ey.IsZero() {
		ey = y.Time
	}
	return ex.After(ey)
}

// excerpt cuts text to at most n code points.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// postExcerpt is what a quote of a post shows (a notification, the post
// one replies to): its text cut to n code points, or, for a post behind a
// content warning, the warning instead.
func postExcerpt(l string, p *post, n int) string {
	if p.Warning != "" {
		return tr(l, "post.cw") + " " + p.Warning
	}
	return excerpt(p.Text, n)
}

// undoView is a deletion the status line offers to undo.
type undoView struct {
	N       int64
	Excerpt string
}

// undoViewsLocked lists the deletions that can still be undone. a.mu must
// be held.
func (a *App) undoViewsLocked() []undoView {
	var out []undoView
	now := a.cfg.Now()
	for _, u := range a.own.Undo {
		if now.Before(a.undoUntil(u)) {
			out = append(out, undoView{N: u.Post.N, Excerpt: excerpt(u.Post.Text, 40)})
		}
	}
	return out
}

// editView is the page that confirms a deletion or edits a post.
type editView struct {
	Delete  bool // the confirmation of a deletion; else the edit form
	Post    *postView
	N       int64
	Back    string
	Minutes int // how long a deletion can be undone (0: it cannot)
	// Text and Warning are what the edit form holds.
	Text, Warning string
}

// postExtras fills what a post view shows of edits and warnings.
func postExtras(l string, v *postView, p *post) {
	if !p.Edited.IsZero() {
		v.EditedISO = p.Edited.UTC().Format(time.RFC3339)
		v.EditedTitle = tr(l, "post.edited_at", p.Edited.Local().Format("2006-01-02 15:04"))
	}
	v.Warning, v.WarningLang = p.Warning, textLang(p.Warning)
}

// backParam is the "back" of a request: a path on this site, else "/".
func backParam(r *http.Request) string {
	if to, ok := sameOriginPath(r.FormValue("back")); ok {
		return to
	}
	return "/"
}

// deletePage asks whether to delete one of the person's posts (GET
// /delete?n=…): it changes nothing; its form posts to /delete.
func (a *App) deletePage(w http.ResponseWriter, r *http.Request) {
	a.renderEdit(w, r, true, nil, "", http.StatusOK)
}

// editPage is the form to edit one of the person's posts (GET /edit?n=…).
func (a *App) editPage(w http.ResponseWriter, r *http.Request) {
	a.renderEdit(w, r, false, nil, "", http.StatusOK)
}

// renderEdit renders the confirmation of a deletion (del) or the edit
// form, with what the form held (nil: the post as it is) and an error.
func (a *App) renderEdit(w http.ResponseWriter, r *http.Request, del bool, form *editView, errMsg string, code int) {
	n, _ := strconv.ParseInt(r.FormValue("n"), 10, 64)
	a.mu.Lock()
	title := "edit.title"
	if del {
		title = "delete.title"
	}
	p := a.newPageLocked(r, "", title)
	p.Error = errMsg
	tl := a.timelineLocked()
	var it *item
	if a.id != nil {
		it = tl.ByRef[Ref{a.me, n}]
	}
	if it == nil || !it.Author.Mine {
		a.mu.Unlock()
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := &editView{Delete: del, N: n, Back: backParam(r), Text: it.Post.Text, Warning: it.Post.Warning}
	if form != nil {
		v.Text, v.Warning = form.Text, form.Warning
	}
	if a.cfg.UndoDelete > 0 {
		v.Minutes = int((a.cfg.UndoDelete + time.Minute - 1) / time.Minute)
	}
	v.Post = a.postViewLocked(p, tl, &item{Ref: it.Ref, Author: it.Author, Post: it.Post, Pending: it.Pending}, map[string]*personView{}, 0)
	v.Post.CanAct = false // no buttons inside the question
	p.Edit = v
	a.mu.Unlock()
	a.render(w, "edit", p, code)
}

// editPost saves an edited post (POST /edit).
func (a *App) editPost(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.FormValue("n"), 10, 64)
	form := &editView{Text: r.FormValue("text"), Warning: r.FormValue("warning")}
	if err == nil {
		err = a.EditPost(n, form.Text, form.Warning)
	} else {
		err = uerr("err.no_post")
	}
	if err != nil {
		a.renderEdit(w, r, false, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	back(w, r, "/")
}

// deletePost deletes a post, confirmed (POST /delete).
func (a *App) deletePost(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.FormValue("n"), 10, 64)
	if err == nil {
		err = a.DeletePost(n)
	} else {
		err = uerr("err.no_post")
	}
	a.done(w, r, err, "/", formView{})
}

// undoDeletePost brings a deleted post back (POST /undo).
func (a *App) undoDeletePost(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.FormValue("n"), 10, 64)
	if err == nil {
		err = a.UndoDelete(n)
	} else {
		err = uerr("err.no_post")
	}
	a.done(w, r, err, "/", formView{})
}
