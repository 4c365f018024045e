package social

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamsnet/hams/tools/social/assets"
	"github.com/hamsnet/hams/tools/social/feed"
)

// pageSize is how many threads a timeline page shows.
const pageSize = 50

// pages are the parsed templates, one set per page.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"tr": tr, "trIso": trIso, "invite": inviteLink}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(assets.Templates, "templates/base.html"))
	out := map[string]*template.Template{}
	for _, p := range []string{"home", "people", "profile", "feed", "notes", "messages", "search", "edit"} {
		out[p] = template.Must(template.Must(base.Clone()).ParseFS(assets.Templates, "templates/"+p+".html"))
	}
	return out
}()

// routes registers the page's handlers.
func (a *App) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /people", a.people)
	mux.HandleFunc("GET /profile", a.profilePage)
	mux.HandleFunc("GET /feed", a.feedPage)
	mux.HandleFunc("GET /search", a.searchPage)
	mux.HandleFunc("GET /img", a.img)
	mux.HandleFunc("GET /invite.png", a.inviteImage)
	mux.HandleFunc("GET /events", a.events)
	mux.HandleFunc("POST /identity", a.createIdentity)
	mux.HandleFunc("POST /identity/import", a.importIdentity)
	mux.HandleFunc("POST /identity/export", a.exportIdentity)
	mux.HandleFunc("POST /profile", a.saveProfile)
	mux.HandleFunc("POST /post", a.addPost)
	mux.HandleFunc("GET /delete", a.deletePage)
	mux.HandleFunc("POST /delete", a.deletePost)
	mux.HandleFunc("POST /undo", a.undoDeletePost)
	mux.HandleFunc("GET /edit", a.editPage)
	mux.HandleFunc("POST /edit", a.editPost)
	mux.HandleFunc("POST /like", a.like)
	mux.HandleFunc("POST /follow", a.follow)
	mux.HandleFunc("POST /unfollow", a.unfollow)
	mux.HandleFunc("POST /block", a.block)
	mux.HandleFunc("POST /mute", a.mute)
	mux.HandleFunc("GET /notes", a.notesPage)
	mux.HandleFunc("POST /accept", a.accept)
	mux.HandleFunc("GET /messages", a.messagesPage)
	mux.HandleFunc("POST /message", a.sendMessage)
	mux.HandleFunc("POST /lang", a.setLang)
	a.vaultRoutes(mux)
	static, _ := fs.Sub(assets.Static, "static")
	mux.Handle("GET /static/", cacheFor(http.StripPrefix("/static/", http.FileServerFS(static))))
	fonts, _ := fs.Sub(assets.Fonts, "fonts")
	mux.Handle("GET /static/fonts/", cacheFor(http.StripPrefix("/static/fonts/", http.FileServerFS(fonts))))
	mux.Handle("GET /static/fonts.css", cacheFor(http.StripPrefix("/static/", http.FileServerFS(fonts))))
}

// cacheFor lets the browser keep the embedded files for a day.
func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	L, Dir, Other string // language, its direction, the other language
	Title, Nav    string
	CSRF          string
	Path          string // this page, for the forms' way back
	Version       uint64
	Live          bool // the page updates itself (JavaScript)
	Status        *statusView
	Error         string
	Me            *personView
	Form          formView
	MaxImages     int
	// NewPassphrase: no passphrase yet; the identity forms ask for one.
	NewPassphrase bool
	// Lock: the unlock page's case (vaultpage.go).
	Lock lockState

	Posts  []*postView
	More   string // the next page's "before" parameter, or ""
	Before bool   // this is not the newest page

	Following, Suggested []*personView
	// Blocked and Muted list the people the person hides.
	Blocked, Muted []*personView
	Person         *personView
	// Invite: the person a followed invite link names (People page).
	Invite *personView

	// Notes and Requests: the notifications page. Unread and Pending
	// count them for the menu.
	Notes, Requests []*noteView
	Unread, Pending int
	// The messages page: the conversations, and the one open.
	Conversations []*conversationView
	With          *personView
	Messages      []*messageView
	CanWrite      bool
	// The search page: what was asked, the people found (the posts are
	// in Posts), and how many people and posts matched in all and are
	// shown.
	Query        string
	Searched     bool
	Found        []*personView
	Total, Shown int
	// Edit: the page that confirms a deletion or edits a post; Undo: the
	// deletions the status line offers to undo (posts.go).
	Edit *editView
	Undo []undoView
}

type statusView struct {
	FCP, NodeErr string
	Publishing   bool
	PublishErr   string
	// OtherDevice: minutes since another device published the feed.
	OtherDevice string
}

// formView is what a form showed before an error, so that nothing typed is
// lost.
type formView struct {
	Name, Bio, Text, URI, Alt string
	Warning                   string
	ReplyTo                   *postView
}

// personView is a person as the pages show them.
type personView struct {
	L, CSRF, Back       string
	Key, URI            string
	Name, Short, Bio    string
	Avatar, Initial     string
	Edition             int64 // the feed's newest edition here (never shown by that name)
	Waiting             bool
	Followed, CanFollow bool
	FollowedBy          string
	// Blocked, Muted: the person hides them (the card offers undoing it);
	// CanHide: the card offers muting and blocking.
	Blocked, Muted, CanHide bool
	// Handle: the check words, on the person's page and the profile.
	Handle *handleView
}

// Updates is how many times the person published their feed (its
// editions count from 0): what the card shows instead of "edition".
func (v personView) Updates() int64 { return v.Edition + 1 }

// postView is a post as the pages show it.
type postView struct {
	L, CSRF, Back     string
	Anchor            string
	Author            *personView
	N                 int64
	TimeISO, TimeText string
	Text              []segment
	Lang              string // the text's language by its script (textLang), "" to inherit
	Images            []imageView
	InReplyTo         string
	Likes             int
	LikedByMe         bool
	Mine, Pending     bool
	CanAct            bool
	Excerpt           string
	Replies           []*postView
	// Warning is the content warning the post hides behind (WarningLang
	// its language); EditedISO and EditedTitle when it was edited.
	Warning, WarningLang   string
	EditedISO, EditedTitle string
}

type imageView struct{ URI, Alt string }

// newPage fills what every page needs; a.mu must be held.
func (a *App) newPageLocked(r *http.Request, nav, title string) *page {
	l := langOf(r)
	p := &page{
		L: l, Dir: dirOf(l), Other: langAR, Nav: nav, Title: tr(l, title), CSRF: formToken(r),
		Path: r.URL.RequestURI(), Version: a.version, MaxImages: feed.MaxImages,
		NewPassphrase: a.vlt.Load() == nil,
	}
	if l == langAR {
		p.Other = langEN
	}
	st := a.status
	other := !st.OtherDevice.IsZero() && a.cfg.Now().Sub(st.OtherDevice) < otherDeviceRecent
	if !st.NodeOK && st.NodeErr != "" || st.Publishing || st.PublishErr != "" || other {
		p.Status = &statusView{FCP: a.cfg.FCPAddr, NodeErr: st.NodeErr, Publishing: st.Publishing, PublishErr: st.PublishErr}
		if st.NodeOK {
			p.Status.NodeErr = ""
		}
		if other {
			p.Status.OtherDevice = strconv.Itoa(max(1, int(a.cfg.Now().Sub(st.OtherDevice).Minutes())))
		}
	}
	if a.id != nil {
		p.Me = a.personLocked(p, a.me)
		p.Me.Handle = handleViewOf(l, a.me)
		p.Unread, p.Pending = a.unreadLocked()
		p.Undo = a.undoViewsLocked()
	}
	return p
}

// personLocked describes feed k (the person's own or a copy). a.mu must be
// held.
func (a *App) personLocked(p *page, k string) *personView {
	v := &personView{L: p.L, CSRF: p.CSRF, Back: p.Path, Key: k, URI: k, Short: shortKey(k), CanHide: a.id != nil && k != a.me}
	if a.id != nil {
		v.Muted = slices.Contains(a.own.Mutes, k)
		v.Blocked = slices.ContainsFunc(a.own.Blocks, func(u string) bool { kk, _ := feedKey(u); return kk == k })
	}
	switch f := a.feeds[k]; {
	case k == a.me:
		v.URI = a.hintLocked(k)
		v.Name, v.Bio, v.Avatar, v.Edition = a.own.Profile.Name, a.own.Profile.Bio, a.own.Profile.Avatar, a.own.Edition
	case f != nil:
		v.URI, v.Name, v.Bio, v.Avatar, v.Edition = f.URI, f.Profile.Name, f.Profile.Bio, f.Profile.Avatar, f.Edition
		v.Waiting, v.Followed, v.CanFollow = f.Edition < 0, f.Followed, a.id != nil
	default:
		v.Waiting, v.CanFollow = true, a.id != nil
	}
	if v.Name == "" {
		v.Initial = "?"
	} else {
		r, _ := utf8.DecodeRuneInString(v.Name)
		v.Initial = string(r)
	}
	return v
}

// shortKey is a short form of a feed key for people without a name yet.
func shortKey(k string) string {
	s := strings.TrimPrefix(k, "USK@")
	if i := strings.IndexByte(s, ','); i > 0 {
		s = s[:min(i, 10)]
	}
	return "USK@" + s + "…"
}

// postViewLocked describes a timeline item and its replies. a.mu must be
// held.
func (a *App) postViewLocked(p *page, tl *timeline, it *item, people map[string]*personView, depth int) *postView {
	auth := people[it.Author.Key]
	if auth == nil {
		auth = a.personLocked(p, it.Author.Key)
		people[it.Author.Key] = auth
	}
	v := &postView{
		L: p.L, CSRF: p.CSRF, Back: p.Path, Author: auth, N: it.Ref.N, Anchor: anchor(it.Ref),
		TimeISO: it.Post.Time.UTC().Format(time.RFC3339), TimeText: it.Post.Time.Local().Format("2006-01-02 15:04"),
		Text: a.nameLinksLocked(a.linkMentionsLocked(linkify(it.Post.Text), it.Post.Mentions)), Lang: textLang(it.Post.Text), Likes: it.Likes, LikedByMe: it.LikedByMe, Mine: it.Author.Mine, Pending: it.Pending,
		CanAct: a.id != nil,
	}
	postExtras(p.L, v, it.Post)
	name := auth.Name
	if name == "" {
		name = auth.Short
	}
	for i, u := range it.Post.Images {
		alt := tr(p.L, "post.image", i+1, name) // the author gave none
		if i < len(it.Post.Alt) && it.Post.Alt[i] != "" {
			alt = it.Post.Alt[i]
		}
		v.Images = append(v.Images, imageView{URI: u, Alt: alt})
	}
	if it.Orphan && it.Post.ReplyTo != nil {
		v.InReplyTo = tr(p.L, "post.someone")
		if other := tl.Authors[it.Post.ReplyTo.Feed]; other != nil && other.Name != "" {
			v.InReplyTo = other.Name
		} else if f := a.feeds[it.Post.ReplyTo.Feed]; f != nil && f.Profile.Name != "" {
			v.InReplyTo = f.Profile.Name
		}
	}
	for _, r := range it.Replies {
		rv := a.postViewLocked(p, tl, r, people, depth+1)
		if depth >= 4 { // deeper replies line up under the fourth level
			v.Replies = append(v.Replies, rv)
			v.Replies = append(v.Replies, rv.Replies...)
			rv.Replies = nil
			continue
		}
		v.Replies = append(v.Replies, rv)
	}
	return v
}

// anchor is the HTML id of a post.
func anchor(r Ref) string {
	h := sha256.Sum256([]byte(r.Feed))
	return "p-" + hex.EncodeToString(h[:6]) + "-" + strconv.FormatInt(r.N, 10)
}

// render writes a page; with ?partial=1 the script only needs the
// timeline, but the whole page costs little more and keeps one path.
func (a *App) render(w http.ResponseWriter, name string, p *page, code int) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "page", p); err != nil {
		a.cfg.Logger.Error("social: rendering a page", "page", name, "err", err)
		http.Error(w, "social: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// home is the timeline (or, without an identity, the welcome page).
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	a.renderHome(w, r, formView{}, "", http.StatusOK)
}

func (a *App) renderHome(w http.ResponseWriter, r *http.Request, form formView, errMsg string, code int) {
	a.mu.Lock()
	p := a.newPageLocked(r, "home", "nav.home")
	p.Form, p.Error, p.Live = form, errMsg, true
	tl := a.timelineLocked()
	var before time.Time
	if s := r.URL.Query().Get("before"); s != "" {
		if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
			before, p.Before = time.Unix(0, ns), true
		}
	}
	threads, more := tl.page(before, pageSize)
	people := map[string]*personView{}
	for _, it := range threads {
		p.Posts = append(p.Posts, a.postViewLocked(p, tl, it, people, 0))
	}
	if more {
		p.More = strconv.FormatInt(threads[len(threads)-1].Activity.UnixNano(), 10)
	}
	if form.ReplyTo == nil && a.id != nil {
		if k, n := r.URL.Query().Get("reply"), r.URL.Query().Get("n"); k != "" {
			if nn, err := strconv.ParseInt(n, 10, 64); err == nil {
				if it := tl.ByRef[Ref{k, nn}]; it != nil {
					p.Form.ReplyTo = a.postViewLocked(p, tl, &item{Ref: it.Ref, Author: it.Author, Post: it.Post}, people, 0)
					p.Form.ReplyTo.Excerpt = postExcerpt(p.L, it.Post, 200)
				}
			}
		}
	}
	a.mu.Unlock()
	a.render(w, "home", p, code)
}

// people lists the people followed and suggested.
func (a *App) people(w http.ResponseWriter, r *http.Request) {
	a.renderPeople(w, r, formView{}, "", http.StatusOK)
}

func (a *App) renderPeople(w http.ResponseWriter, r *http.Request, form formView, errMsg string, code int) {
	a.mu.Lock()
	p := a.newPageLocked(r, "people", "nav.people")
	p.Form, p.Error = form, errMsg
	p.Path = "/people"
	if f := r.URL.Query().Get("follow"); f != "" && r.Method == http.MethodGet {
		p.Form.URI, p.Invite = f, a.inviteLocked(p, f)
	}
	followedBy := map[string][]string{}
	for _, f := range a.feeds {
		if !f.Followed {
			continue
		}
		for _, u := range f.Follows {
			if kk, err := feedKey(u); err == nil && f.Profile.Name != "" {
				followedBy[kk] = append(followedBy[kk], f.Profile.Name)
			}
		}
	}
	for _, b := range a.own.Blocks {
		if k, err := feedKey(b); err == nil {
			v := a.personLocked(p, k)
			v.CanFollow = false
			p.Blocked = append(p.Blocked, v)
		}
	}
	for _, k := range a.own.Mutes {
		p.Muted = append(p.Muted, a.personLocked(p, k))
	}
	hidden := a.hiddenLocked()
	for k, f := range a.feeds {
		if k == a.me || hidden(k) {
			continue
		}
		v := a.personLocked(p, k)
		switch {
		case f.Followed:
			p.Following = append(p.Following, v)
		case len(followedBy[k]) > 0:
			names := followedBy[k]
			slices.Sort(names)
			v.FollowedBy = strings.Join(names[:min(3, len(names))], "، ")
			p.Suggested = append(p.Suggested, v)
		}
	}
	byName := func(x, y *personView) int { return strings.Compare(x.Name+x.Key, y.Name+y.Key) }
	slices.SortFunc(p.Following, byName)
	slices.SortFunc(p.Suggested, byName)
	a.mu.Unlock()
	a.render(w, "people", p, code)
}

// profilePage is the form to edit the profile.
func (a *App) profilePage(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	if a.id == nil {
		a.mu.Unlock()
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	form := formView{Name: a.own.Profile.Name, Bio: a.own.Profile.Bio}
	a.mu.Unlock()
	a.renderProfile(w, r, form, "", http.StatusOK)
}

func (a *App) renderProfile(w http.ResponseWriter, r *http.Request, form formView, errMsg string, code int) {
	a.mu.Lock()
	p := a.newPageLocked(r, "profile", "nav.profile")
	p.Form, p.Error = form, errMsg
	a.mu.Unlock()
	if p.Me == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.render(w, "profile", p, code)
}

// feedPage shows one person: their profile and posts.
func (a *App) feedPage(w http.ResponseWriter, r *http.Request) {
	k, err := feedKey(r.URL.Query().Get("k"))
	a.mu.Lock()
	p := a.newPageLocked(r, "", "nav.people")
	p.Live = true
	if err == nil && (k == a.me || a.feeds[k] != nil) {
		p.Person = a.personLocked(p, k)
		p.Person.Handle = handleViewOf(p.L, k)
		p.Title = p.Person.Name
		tl := a.timelineLocked()
		var posts []post
		if k == a.me {
			posts = a.own.Posts
		} else {
			posts = a.feeds[k].Posts
		}
		people := map[string]*personView{k: p.Person}
		for i := range posts[:min(len(posts), 200)] {
			it := tl.ByRef[Ref{k, posts[i].N}]
			if it == nil { // a suggestion's post: not in the timeline
				it = &item{Ref: Ref{k, posts[i].N}, Author: &author{Key: k}, Post: &posts[i]}
			}
			pv := a.postViewLocked(p, tl, &item{Ref: it.Ref, Author: it.Author, Post: it.Post, Likes: it.Likes,
				LikedByMe: it.LikedByMe, Pending: it.Pending, Orphan: it.Post.ReplyTo != nil}, people, 0)
			pv.CanAct = pv.CanAct && tl.ByRef[it.Ref] != nil
			p.Posts = append(p.Posts, pv)
		}
	}
	a.mu.Unlock()
	a.render(w, "feed", p, http.StatusOK)
}

// img serves an image from the cache, fetching it through the node when
// it is not there yet.
func (a *App) img(w http.ResponseWriter, r *http.Request) {
	u := r.URL.Query().Get("u")
	if !isCHK(u) {
		http.Error(w, "social: not a CHK", http.StatusBadRequest)
		return
	}
	b, ok := a.cachedImage(u)
	if !ok {
		fc, err := a.client(r.Context())
		if err == nil {
			b, err = a.fetchImage(r.Context(), fc, u)
		}
		if err != nil {
			http.Error(w, "social: the image could not be fetched: "+err.Error(), http.StatusBadGateway)
			return
		}
	}
	ct := http.DetectContentType(b)
	if !slices.Contains(imageTypes, ct) {
		http.Error(w, "social: not an image", http.StatusUnsupportedMediaType)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable") // a CHK never changes
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(b)
}

// events streams "update" events (the change counter) to live pages.
func (a *App) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "social: no streaming", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	keep := time.NewTicker(30 * time.Second)
	defer keep.Stop()
	for {
		a.mu.Lock()
		v, ch := a.version, a.changed
		a.mu.Unlock()
		if v != since {
			if _, err := io.WriteString(w, "event: update\ndata: "+strconv.FormatUint(v, 10)+"\n\n"); err != nil {
				return
			}
			fl.Flush()
			since = v
		}
		select {
		case <-r.Context().Done():
			return
		case <-a.life.Done():
			return
		case <-keep.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		case <-ch:
			// Coalesce bursts (an edition's images arriving one by one).
			t := time.NewTimer(150 * time.Millisecond)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
	}
}

// message turns an error into what the page says, in the page's language.
func (a *App) message(r *http.Request, err error) string {
	l := langOf(r)
	var ue *userError
	switch {
	case errors.As(err, &ue):
		return tr(l, ue.Key, ue.Args...)
	case errors.Is(err, errNoIdentity):
		return tr(l, "err.no_identity")
	case strings.Contains(err.Error(), "cannot be reached"):
		return tr(l, "err.node")
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return tr(l, "err.too_big")
	}
	// Never the error's own text: it is Go's, in English, inside the
	// person's sentence. It goes to the log, where whoever helps looks.
	a.cfg.Logger.Warn("social: an action failed", "path", r.URL.Path, "err", err)
	return tr(l, "err.other")
}

// back redirects to the form's "back" page: a path on this site only.
func back(w http.ResponseWriter, r *http.Request, def string) {
	to, ok := sameOriginPath(r.FormValue("back"))
	if !ok {
		to = def
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// sameOriginPath returns to as a path on this site, or false. It first
// does what a browser does to a URL before it reads it (the WHATWG URL
// parser drops leading and trailing C0 controls and spaces, and every tab
// and newline anywhere), so that what is checked is what the browser will
// follow: "/\t/evil.example" is "//evil.example" to a browser, another
// site. A backslash is a slash to a browser in an http URL, so it is
// refused too, as is any other control character.
func sameOriginPath(to string) (string, bool) {
	to = strings.TrimFunc(to, func(r rune) bool { return r <= ' ' })
	to = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, to)
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsFunc(to, func(r rune) bool {
		return r == '\\' || r < ' ' || r == 0x7f
	}) {
		return "", false
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "", false
	}
	return to, true
}

// files reads the uploaded files of a form field.
func files(r *http.Request, field string, max int64) ([][]byte, error) {
	if r.MultipartForm == nil {
		if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, err
		}
	}
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out [][]byte
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the empty file input of a form sent without a file
		}
		b, err := readPart(fh, max)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader, max int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, uerr("err.image_size", len(b)>>10, max>>10)
	}
	return b, nil
}

func (a *App) saveProfile(w http.ResponseWriter, r *http.Request) {
	form := formView{Name: r.FormValue("name"), Bio: r.FormValue("bio")}
	imgs, err := files(r, "avatar", a.cfg.MaxImageSize)
	if err == nil {
		var av []byte
		if len(imgs) > 0 {
			av = imgs[0]
		}
		err = a.UpdateProfile(r.Context(), form.Name, form.Bio, av, r.FormValue("remove_avatar") == "1")
	}
	if err != nil {
		a.renderProfile(w, r, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

func (a *App) addPost(w http.ResponseWriter, r *http.Request) {
	form := formView{Text: r.FormValue("text"), Alt: r.FormValue("alt"), Warning: r.FormValue("warning")}
	var replyTo *Ref
	if k := r.FormValue("reply_feed"); k != "" {
		n, err := strconv.ParseInt(r.FormValue("reply_n"), 10, 64)
		if kk, kerr := feedKey(k); kerr == nil && err == nil && n > 0 {
			replyTo = &Ref{kk, n}
		}
	}
	imgs, err := files(r, "image", a.cfg.MaxImageSize)
	if err == nil {
		var alt []string
		if s := strings.TrimSpace(r.FormValue("alt")); s != "" {
			alt = strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		}
		_, err = a.AddPost(r.Context(), form.Text, form.Warning, imgs, alt, replyTo)
	}
	if err != nil {
		if replyTo != nil {
			a.mu.Lock()
			if it := a.timelineLocked().ByRef[*replyTo]; it != nil {
				p := &page{L: langOf(r), CSRF: formToken(r), Path: "/"}
				form.ReplyTo = a.postViewLocked(p, a.tl, &item{Ref: it.Ref, Author: it.Author, Post: it.Post}, map[string]*personView{}, 0)
				form.ReplyTo.Excerpt = postExcerpt(p.L, it.Post, 200)
			}
			a.mu.Unlock()
		}
		a.renderHome(w, r, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// done ends a form's action: back to the page the form came from (def
// when it names none), or, after an error, that page with the message and
// the form as it was.
func (a *App) done(w http.ResponseWriter, r *http.Request, err error, def string, form formView) {
	if err == nil {
		back(w, r, def)
		return
	}
	if def == "/people" {
		a.renderPeople(w, r, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	a.renderHome(w, r, form, a.message(r, err), http.StatusBadRequest)
}

// postRef reads the post a form names (fields feed and n).
func postRef(r *http.Request) (Ref, error) {
	n, err := strconv.ParseInt(r.FormValue("n"), 10, 64)
	k, kerr := feedKey(r.FormValue("feed"))
	if err != nil || kerr != nil || n < 1 {
		return Ref{}, uerr("err.no_post")
	}
	return Ref{k, n}, nil
}

func (a *App) like(w http.ResponseWriter, r *http.Request) {
	ref, err := postRef(r)
	if err == nil {
		err = a.Like(ref, r.FormValue("on") != "0")
	}
	a.done(w, r, err, "/", formView{})
}

func (a *App) follow(w http.ResponseWriter, r *http.Request) {
	uri := r.FormValue("uri")
	a.done(w, r, a.Follow(fromInvite(uri)), "/people", formView{URI: uri})
}

func (a *App) block(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.Block(r.FormValue("uri"), r.FormValue("on") == "1"), "/people", formView{})
}

func (a *App) mute(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.Mute(r.FormValue("uri"), r.FormValue("on") == "1"), "/people", formView{})
}

func (a *App) unfollow(w http.ResponseWriter, r *http.Request) {
	k, err := feedKey(r.FormValue("uri"))
	if err == nil {
		err = a.Unfollow(k)
	} else {
		err = uerr("err.feed_uri")
	}
	a.done(w, r, err, "/people", formView{})
}

func (a *App) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.FormValue("lang")
	if l == langAR || l == langEN {
		http.SetCookie(w, &http.Cookie{Name: "hams_lang", Value: l, Path: "/", MaxAge: 10 * 365 * 86400, SameSite: http.SameSiteStrictMode})
	}
	back(w, r, "/")
}
