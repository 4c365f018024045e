package search

import (
	"cmp"
	"slices"
	"strings"
)

// Rank says how well a hit matches; lower is better.
type Rank int

// The ranks, best first.
const (
	// ExactName: a name of the person is the query, word for word.
	ExactName Rank = iota
	// NamePrefix: a name of the person begins with the query.
	NamePrefix
	// NameWords: every word of the query is in a name of the person.
	NameWords
	// PostWords: every word of the query is in the post (or its hashtags).
	PostWords
)

// Hit is one person or post found.
type Hit struct {
	// Rank is how well it matched.
	Rank Rank
	// Key is the person's key, or the feed key of the post's author.
	Key string
	// Name is the person's display name (people only).
	Name string
	// N is the post's number in its feed (posts only; 0 for people).
	N int64
	// Post: the hit is a post (otherwise a person).
	Post bool
}

// Post is a post as the index takes it.
type Post struct {
	// N is the post's number in its feed.
	N int64
	// Text is the post's text; its words and hashtags are indexed.
	Text string
	// Time orders posts among hits of the same rank, highest first (the
	// caller's clock, such as Unix seconds; the index reads none).
	Time int64
}

// doc is one person or post in the index.
type doc struct {
	key    string
	n      int64
	post   bool
	alive  bool
	time   int64
	text   string     // the post's text, to see whether it changed
	names  [][]string // a person's names, as tokens: the first is the display name
	name   string     // the display name as given
	tokens []string   // sorted, distinct: words, and "#tag" for hashtags
}

// Index holds people and posts for Search. Its zero value is not usable:
// make one with NewIndex. An Index is not safe for concurrent use (Search
// too updates its internal lists).
type Index struct {
	docs     []doc
	dead     int
	people   map[string]uint32           // key → doc
	posts    map[string]map[int64]uint32 // feed key → post number → doc
	postings map[string][]uint32         // token → docs that have it (some may be dead)
	sorted   []string                    // every token of postings, sorted (but pending)
	pending  []string                    // tokens added since sorted was merged
	seen     []uint32                    // Search's scratch: seen[doc] == epoch
	epoch    uint32
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{people: map[string]uint32{}, posts: map[string]map[int64]uint32{}, postings: map[string][]uint32{}}
}

// People counts the people the index holds.
func (x *Index) People() int { return len(x.people) }

// Posts counts the posts the index holds.
func (x *Index) Posts() int {
	n := 0
	for _, m := range x.posts {
		n += len(m)
	}
	return n
}

// SetPerson records (or replaces) person key with their display name and
// other names they are known by (for example the name a note came with).
// An empty name and no other names removes the person.
func (x *Index) SetPerson(key, name string, other ...string) {
	var names [][]string
	var all []string
	for _, s := range append([]string{name}, other...) {
		t := Tokens(s)
		if len(t) == 0 && len(names) > 0 {
			continue
		}
		names = append(names, t)
		all = append(all, t...)
	}
	if len(all) == 0 {
		x.RemovePerson(key)
		return
	}
	if id, ok := x.people[key]; ok {
		d := &x.docs[id]
		if d.name == name && slices.EqualFunc(d.names, names, slices.Equal) {
			return
		}
		x.kill(id)
	}
	x.people[key] = x.add(doc{key: key, name: name, names: names, tokens: all})
	x.maybeCompact()
}

// RemovePerson forgets person key (not their posts).
func (x *Index) RemovePerson(key string) {
	if id, ok := x.people[key]; ok {
		x.kill(id)
		delete(x.people, key)
		x.maybeCompact()
	}
}

// SetPosts makes posts the posts of feed: those not among them are
// forgotten, new or changed ones indexed, the same ones left as they are.
// Nil forgets the feed's posts.
func (x *Index) SetPosts(feed string, posts []Post) {
	old := x.posts[feed]
	keep := make(map[int64]uint32, len(posts))
	for _, p := range posts {
		if id, ok := old[p.N]; ok {
			if d := &x.docs[id]; d.text == p.Text && d.time == p.Time {
				keep[p.N] = id
				delete(old, p.N)
				continue
			}
		}
		if id, ok := keep[p.N]; ok { // the same number twice: the last wins
			x.kill(id)
		}
		keep[p.N] = x.add(doc{key: feed, n: p.N, post: true, time: p.Time, text: p.Text, tokens: postTokens(p.Text)})
	}
	for _, id := range old {
		x.kill(id)
	}
	if len(keep) == 0 {
		delete(x.posts, feed)
	} else {
		x.posts[feed] = keep
	}
	x.maybeCompact()
}

// postTokens are the words of a post and its hashtags with '#'.
func postTokens(text string) []string {
	t := Tokens(text)
	for _, h := range Hashtags(text) {
		t = append(t, "#"+h)
	}
	return t
}

// add indexes d and returns its number.
func (x *Index) add(d doc) uint32 {
	slices.Sort(d.tokens)
	d.tokens = slices.Compact(d.tokens)
	d.alive = true
	id := uint32(len(x.docs))
	x.docs = append(x.docs, d)
	for _, t := range d.tokens {
		p, ok := x.postings[t]
		if !ok {
			x.pending = append(x.pending, t)
		}
		x.postings[t] = append(p, id)
	}
	return id
}

// kill marks doc id dead; postings keep it until the next compaction.
func (x *Index) kill(id uint32) {
	d := &x.docs[id]
	if !d.alive {
		return
	}
	*d = doc{}
	x.dead++
}

// maybeCompact compacts when more than half the docs are dead.
func (x *Index) maybeCompact() {
	if x.dead > 1024 && x.dead > len(x.docs)/2 {
		x.compact()
	}
}

// compact rebuilds the index without the dead docs.
func (x *Index) compact() {
	old := x.docs
	x.docs, x.dead, x.postings, x.sorted, x.pending = nil, 0, map[string][]uint32{}, nil, nil
	clear(x.people)
	clear(x.posts)
	for _, d := range old {
		if !d.alive {
			continue
		}
		id := x.add(d)
		if d.post {
			m := x.posts[d.key]
			if m == nil {
				m = map[int64]uint32{}
				x.posts[d.key] = m
			}
			m[d.n] = id
		} else {
			x.people[d.key] = id
		}
	}
}

// settle merges the tokens added since the last search into sorted.
func (x *Index) settle() {
	if len(x.pending) == 0 {
		return
	}
	slices.Sort(x.pending)
	merged := make([]string, 0, len(x.sorted)+len(x.pending))
	i, j := 0, 0
	for i < len(x.sorted) || j < len(x.pending) {
		if j == len(x.pending) || i < len(x.sorted) && x.sorted[i] < x.pending[j] {
			merged = append(merged, x.sorted[i])
			i++
		} else {
			merged = append(merged, x.pending[j])
			j++
		}
	}
	x.sorted, x.pending = merged, x.pending[:0]
}

// term is one word of a query.
type term struct {
	word   string // folded; "#tag" for a hashtag
	prefix bool   // the word may be the start of a longer one
}

// parse splits a query into terms: its hashtags ("#tag") and its other
// words, in order. The last term matches as a prefix (the person may not
// have finished typing it) unless the query ends in a space.
func parse(q string) []term {
	var ts []term
	last := 0
	words := func(s string) {
		for _, w := range Tokens(s) {
			ts = append(ts, term{word: w})
		}
	}
	for _, sp := range FindHashtags(q) {
		words(q[last:sp[0]])
		if t := strings.Join(Tokens(q[sp[0]+1:sp[1]]), ""); t != "" {
			ts = append(ts, term{word: "#" + t})
		}
		last = sp[1]
	}
	words(q[last:])
	if len(ts) > 0 && !strings.HasSuffix(q, " ") {
		ts[len(ts)-1].prefix = true
	}
	return ts
}

// Search returns the people and posts that have every word of query (the
// last as a prefix, as the person may not have finished typing it, unless
// the query ends in a space), best first: people whose name is the query, people
// whose name begins with it, people whose names have its words, then posts,
// newest first. It returns at most limit hits, and how many matched in all.
// Feeds for which skip (if not nil) is true are left out, people and posts.
func (x *Index) Search(query string, limit int, skip func(key string) bool) (hits []Hit, total int) {
	ts := parse(query)
	if len(ts) == 0 || limit <= 0 {
		return nil, 0
	}
	x.settle()
	// The term with the fewest postings gives the candidates.
	best, bestN := -1, 0
	var bestTokens []string
	for i, t := range ts {
		toks := x.matching(t)
		n := 0
		for _, tok := range toks {
			n += len(x.postings[tok])
		}
		if best < 0 || n < bestN {
			best, bestN, bestTokens = i, n, toks
		}
		if n == 0 {
			return nil, 0
		}
	}
	if len(x.seen) < len(x.docs) {
		x.seen = make([]uint32, len(x.docs)+len(x.docs)/4)
		x.epoch = 0
	}
	x.epoch++
	if x.epoch == 0 { // wrapped around: forget the old marks
		clear(x.seen)
		x.epoch = 1
	}
	// The best limit hits are kept in a heap, worst on top.
	var top []cand
	for _, tok := range bestTokens {
		ps := x.postings[tok]
		for i := len(ps) - 1; i >= 0; i-- { // the newest first, mostly: fewer changes to the heap
			id := ps[i]
			if x.seen[id] == x.epoch {
				continue
			}
			x.seen[id] = x.epoch
			d := &x.docs[id]
			if !d.alive || skip != nil && skip(d.key) || !hasAll(d.tokens, ts, best) {
				continue
			}
			total++
			c := cand{id: id, rank: PostWords, time: d.time}
			if !d.post {
				c.rank = nameRank(d.names, ts)
			}
			switch {
			case len(top) < limit:
				top = append(top, c)
				x.up(top, len(top)-1)
			case x.less(c, top[0]):
				top[0] = c
				x.down(top, 0)
			}
		}
	}
	slices.SortFunc(top, func(a, b cand) int {
		if x.less(a, b) {
			return -1
		}
		return 1
	})
	hits = make([]Hit, len(top))
	for i, c := range top {
		d := &x.docs[c.id]
		hits[i] = Hit{Rank: c.rank, Key: d.key, N: d.n, Post: d.post}
		if !d.post {
			hits[i].Name = d.name
		}
	}
	return hits, total
}

// cand is a doc found, with its rank.
type cand struct {
	rank Rank
	time int64
	id   uint32
}

// less reports whether a is a better hit than b: a better rank, then a
// newer post, then by name, key and number.
func (x *Index) less(a, b cand) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.time != b.time {
		return a.time > b.time
	}
	da, db := &x.docs[a.id], &x.docs[b.id]
	return cmp.Or(strings.Compare(da.name, db.name), strings.Compare(da.key, db.key), cmp.Compare(da.n, db.n)) < 0
}

// up and down keep h a heap with the worst hit at h[0].
func (x *Index) up(h []cand, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !x.less(h[p], h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (x *Index) down(h []cand, i int) {
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && x.less(h[w], h[l]) {
			w = l
		}
		if r < len(h) && x.less(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}

// matching returns the tokens of the index a term matches.
func (x *Index) matching(t term) []string {
	if !t.prefix {
		if _, ok := x.postings[t.word]; ok {
			return []string{t.word}
		}
		return nil
	}
	i, _ := slices.BinarySearch(x.sorted, t.word)
	j := i
	for j < len(x.sorted) && strings.HasPrefix(x.sorted[j], t.word) {
		j++
	}
	return x.sorted[i:j]
}

// hasAll reports whether the sorted tokens have every term but skip.
func hasAll(tokens []string, ts []term, skip int) bool {
	for i, t := range ts {
		if i != skip && !has(tokens, t) {
			return false
		}
	}
	return true
}

// has reports whether the sorted tokens have term t.
func has(tokens []string, t term) bool {
	i, ok := slices.BinarySearch(tokens, t.word)
	return ok || t.prefix && i < len(tokens) && strings.HasPrefix(tokens[i], t.word)
}

// nameRank ranks a person who has every term.
func nameRank(names [][]string, ts []term) Rank {
	r := NameWords
	for _, n := range names {
		if len(n) < len(ts) {
			continue
		}
		prefix := true
		for i, t := range ts {
			if n[i] != t.word && !(t.prefix && strings.HasPrefix(n[i], t.word)) {
				prefix = false
				break
			}
		}
		if !prefix {
			continue
		}
		if len(n) == len(ts) && n[len(n)-1] == ts[len(ts)-1].word {
			return ExactName
		}
		r = NamePrefix
	}
	return r
}
