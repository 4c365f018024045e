package network

import (
	"context"
	"sync"
)

// linkWatch tells whether the node has a peer to route through (a live
// link that is not a seed's) and wakes those who wait for one: requests
// made while the node has no link yet (Tor still starting, no peer up)
// wait for the first rather than fail at once. The router's loop sets it;
// any goroutine may wait.
type linkWatch struct {
	mu     sync.Mutex    // guards n and up
	n      int           // routable live links
	up     chan struct{} // closed while n > 0
	closed bool          // the router has stopped: nobody waits any more
}

func newLinkWatch() *linkWatch { return &linkWatch{up: make(chan struct{})} }

// set records the number of routable live links.
func (w *linkWatch) set(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case n > 0 && w.n == 0 && !w.closed:
		close(w.up)
	case n == 0 && w.n > 0 && !w.closed:
		w.up = make(chan struct{})
	}
	w.n = n
}

// close wakes every waiter for good (the router stopped).
func (w *linkWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed && w.n == 0 {
		close(w.up)
	}
	w.closed = true
}

// linked reports whether there is a routable link now.
func (w *linkWatch) linked() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n > 0
}

// wait returns once there is a routable link (or the router stopped):
// true; false when ctx ends first.
func (w *linkWatch) wait(ctx context.Context) bool {
	w.mu.Lock()
	up := w.up
	w.mu.Unlock()
	select {
	case <-up:
		return true
	case <-ctx.Done():
		return false
	}
}

// countLinks sets the router's linkWatch from its peers (on the loop).
func (r *router) countLinks() {
	n := 0
	for _, p := range r.peers {
		if p.kind.routable() {
			n++
		}
	}
	r.links.set(n)
}
