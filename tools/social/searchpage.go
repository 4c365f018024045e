package social

import (
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/hamsnet/hams/tools/social/search"
)

// searchLimit is how many people and posts the search page shows at most.
const searchLimit = 50

// maxQuery bounds a search query, in bytes.
const maxQuery = 500

// indexAllLocked indexes everyone known: the person, the feed copies
// (followed people and those they follow) and the senders of notes. a.mu
// must be held.
func (a *App) indexAllLocked() {
	a.indexFeedLocked(a.me)
	for k := range a.feeds {
		a.indexFeedLocked(k)
	}
	for _, n := range a.notes.Notices {
		if a.feeds[n.From] == nil && n.From != a.me {
			a.indexFeedLocked(n.From)
		}
	}
}

// indexFeedLocked brings person k up to date in the search index: their
// name (from their feed, or, for someone known only by the notes they
// sent, the name the newest note came with) and their posts. a.mu must be
// held.
func (a *App) indexFeedLocked(k string) {
	if k == "" {
		return
	}
	var name string
	var posts []post
	switch f := a.feeds[k]; {
	case k == a.me:
		name, posts = a.own.Profile.Name, a.own.Posts
	case f != nil:
		name, posts = f.Profile.Name, f.Posts
	}
	if name == "" {
		for i := len(a.notes.Notices) - 1; i >= 0; i-- {
			if n := a.notes.Notices[i]; n.From == k && n.Name != "" {
				name = n.Name
				break
			}
		}
	}
	a.idx.SetPerson(k, name)
	ps := make([]search.Post, len(posts))
	for i, p := range posts {
		text := p.Text
		if p.Warning != "" { // its words find it too (the page still folds it)
			text = p.Warning + "\n" + text
		}
		ps[i] = search.Post{N: p.N, Text: text, Time: p.Time.UnixNano()}
	}
	a.idx.SetPosts(k, ps)
}

// searchPage finds people and posts (GET /search?q=): names in any
// spelling, words of posts, hashtags.
func (a *App) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if len(q) > maxQuery {
		q = q[:maxQuery]
		for !utf8.ValidString(q) {
			q = q[:len(q)-1]
		}
	}
	a.mu.Lock()
	p := a.newPageLocked(r, "search", "nav.search")
	p.Query = q
	if q != "" {
		p.Searched = true
		p.Title = tr(p.L, "nav.search") + ": " + q // not tr's argument: a query may look like a catalogue key
		hidden := a.hiddenLocked()
		hits, total := a.idx.Search(q, searchLimit, hidden)
		for _, k := range a.handleHitsLocked(q, hidden) { // check words typed
			v := a.personLocked(p, k)
			if v.Name == "" {
				v.Name = a.knownNameLocked(k)
			}
			v.Handle = handleViewOf(p.L, k)
			p.Found = append(p.Found, v)
			total++
		}
		p.Total = total
		tl := a.timelineLocked()
		people := map[string]*personView{}
		for _, h := range hits {
			if !h.Post {
				v := a.personLocked(p, h.Key)
				if v.Name == "" {
					v.Name = h.Name // known by a note only
				}
				p.Found = append(p.Found, v)
				continue
			}
			if pv := a.foundPostLocked(p, tl, Ref{h.Key, h.N}, people); pv != nil {
				p.Posts = append(p.Posts, pv)
			}
		}
	}
	p.Shown = len(p.Found) + len(p.Posts)
	a.mu.Unlock()
	a.render(w, "search", p, http.StatusOK)
}

// foundPostLocked describes a post found, as the person's page shows it
// (without its replies); nil if it is gone. a.mu must be held.
func (a *App) foundPostLocked(p *page, tl *timeline, ref Ref, people map[string]*personView) *postView {
	var posts []post
	if ref.Feed == a.me {
		posts = a.own.Posts
	} else if f := a.feeds[ref.Feed]; f != nil {
		posts = f.Posts
	}
	i := slices.IndexFunc(posts, func(x post) bool { return x.N == ref.N })
	if i < 0 {
		return nil
	}
	it := tl.ByRef[ref]
	if it == nil { // a suggestion's post: not in the timeline
		it = &item{Ref: ref, Author: &author{Key: ref.Feed}, Post: &posts[i]}
	}
	pv := a.postViewLocked(p, tl, &item{Ref: it.Ref, Author: it.Author, Post: it.Post, Likes: it.Likes,
		LikedByMe: it.LikedByMe, Pending: it.Pending, Orphan: it.Post.ReplyTo != nil}, people, 0)
	pv.CanAct = pv.CanAct && tl.ByRef[ref] != nil
	return pv
}
