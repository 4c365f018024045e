package clientlayer

import (
	"sync"

	"github.com/hamsnet/hams/keys"
)

// maxKnownEditions bounds the USKs whose newest edition a Client
// remembers; beyond it the one learnt longest ago is forgotten.
const maxKnownEditions = 4096

// uskID names a USK whatever its edition and meta-strings: its request
// key, crypto key and site name.
type uskID struct {
	key, crypto [keys.KeySize]byte
	name        string
}

// idOf returns the uskID of u, a USK request or insert URI.
func idOf(u keys.URI) (uskID, bool) {
	if u.Type != keys.USK {
		return uskID{}, false
	}
	if u.IsInsert() {
		r, err := u.RequestURI()
		if err != nil {
			return uskID{}, false
		}
		u = r
	}
	return uskID{key: u.Key, crypto: u.CryptoKey, name: u.Name}, true
}

// editions is the newest edition this node knows of each USK, as fred's
// USKManager keeps its "latest slot": learnt from inserts, fetches and
// edition probes made here. It is memory only, so a restarted node looks
// again. Watchers of a USK are woken when its edition grows.
type editions struct {
	mu      sync.Mutex
	latest  map[uskID]int64         // guarded by mu
	order   []uskID                 // guarded by mu: the keys of latest, oldest first
	watches map[uskID]*editionWatch // guarded by mu
}

// editionWatch is the channel closed at a USK's next new edition, and how
// many wait on it.
type editionWatch struct {
	ch chan struct{}
	n  int
}

// known returns the newest edition known of u, or -1.
func (e *editions) known(u keys.URI) int64 {
	id, ok := idOf(u)
	if !ok {
		return -1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if n, ok := e.latest[id]; ok {
		return n
	}
	return -1
}

// learn records that edition n of u exists, and wakes u's watchers when n
// is newer than what was known.
func (e *editions) learn(u keys.URI, n int64) {
	id, ok := idOf(u)
	if !ok || n < 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.latest == nil {
		e.latest = make(map[uskID]int64)
	}
	old, had := e.latest[id]
	if had && old >= n {
		return
	}
	if !had {
		if len(e.order) >= maxKnownEditions {
			delete(e.latest, e.order[0])
			e.order = e.order[1:]
		}
		e.order = append(e.order, id)
	}
	e.latest[id] = n
	if w := e.watches[id]; w != nil {
		close(w.ch)
		delete(e.watches, id)
	}
}

// watch returns a channel closed when a newer edition of u than the one
// known now is learnt, and stop, which the caller calls when it no longer
// waits (the channel may then never close).
func (e *editions) watch(u keys.URI) (<-chan struct{}, func()) {
	id, ok := idOf(u)
	if !ok {
		return nil, func() {}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.watches == nil {
		e.watches = make(map[uskID]*editionWatch)
	}
	w := e.watches[id]
	if w == nil {
		w = &editionWatch{ch: make(chan struct{})}
		e.watches[id] = w
	}
	w.n++
	var once sync.Once
	return w.ch, func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			if w.n--; w.n == 0 && e.watches[id] == w {
				delete(e.watches, id)
			}
		})
	}
}

// KnownEdition returns the newest edition of the USK u this node knows of
// (from inserts, fetches and edition probes made through c), or -1. It
// does no I/O.
func (c *Client) KnownEdition(u keys.URI) int64 { return c.eds.known(u) }

// WatchEdition returns a channel closed when c learns of an edition of the
// USK u newer than KnownEdition(u) — for example when a local insert
// publishes one — and stop, to be called when the caller stops waiting.
func (c *Client) WatchEdition(u keys.URI) (<-chan struct{}, func()) { return c.eds.watch(u) }
