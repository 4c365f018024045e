package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// Location swapping in the router: the loop drives a routing.Swapper beside
// the Core (docs/wire.md, Swapping). Swap messages reach it from the links
// that negotiated swapping; a move changes the Core's location, tells every
// peer whose link speaks location, and is kept by the network (onMove).

// deliverSwap passes a decoded swap message from peer id to the swapper.
func (r *router) deliverSwap(id routing.PeerID, m routing.SwapMessage) bool {
	return r.post(context.Background(), routerEvent{kind: evSwap, peer: id, swap: m})
}

// deliverLocation passes a peer's Location: it moved to loc.
func (r *router) deliverLocation(id routing.PeerID, loc routing.Location) bool {
	return r.post(context.Background(), routerEvent{kind: evLocation, peer: id, loc: loc})
}

// processSwap does what the swapper asked for.
func (r *router) processSwap() {
	if r.swapper == nil {
		return
	}
	rd := r.swapper.Ready()
	for i := range rd.Messages {
		m := &rd.Messages[i]
		p, ok := r.peers[m.Peer]
		if !ok {
			continue
		}
		var err error
		if r.frame, err = peerwire.AppendSwap(r.frame[:0], m); err != nil {
			r.log.Error("router: encode", "err", err)
			continue
		}
		r.sendFrame(m.Peer, p)
	}
	if rd.Moved {
		r.moved(rd.Location, rd.Relocated)
	}
}

// moved takes loc as this node's location: the Core routes by it, every
// peer whose link speaks location hears of it, and the network keeps it.
func (r *router) moved(loc routing.Location, relocated bool) {
	r.stats.moved(r.now(), r.core.Location(), loc, relocated)
	r.core.SetLocation(loc)
	r.frame = peerwire.AppendLocation(r.frame[:0], loc)
	for id, p := range r.peers {
		if p.feats.Has(peerwire.FeatureLocation) {
			r.sendFrame(id, p)
		}
	}
	if r.onMove != nil {
		r.onMove(loc, relocated)
	}
}

// peerMoved records that peer id moved to loc: the Core routes to it
// there, the swapper swaps with it there, and the other peers hear of it
// in their next PeerLocations.
func (r *router) peerMoved(now time.Time, id routing.PeerID, loc routing.Location) {
	p, ok := r.peers[id]
	if !ok || !p.kind.routable() {
		return
	}
	p.loc = loc
	if err := r.core.AddPeer(id, loc); err != nil { // relocates a known peer
		r.log.Error("router: move peer", "err", err)
	}
	if r.swapper != nil {
		r.swapper.SetPeerLocation(id, loc)
	}
	r.peerLocationsChanged(now)
}

// swapStateFile keeps how many swap attempts the node has made, so that it
// does not anneal again after a restart.
const swapStateFile = "swapstate"

// loadSwapAttempts reads dir's swap state: 0 when there is none.
func loadSwapAttempts(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, swapStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("node: read swap state: %w", err)
	}
	v, ok := strings.CutPrefix(string(b), "hams-swap=1\nattempts=")
	v, ok2 := strings.CutSuffix(v, "\nEnd\n")
	n, err := strconv.Atoi(v)
	if !ok || !ok2 || err != nil || n < 0 || strconv.Itoa(n) != v {
		return 0, fmt.Errorf("node: %s is not a swap state file", filepath.Join(dir, swapStateFile))
	}
	return n, nil
}

// saveSwapAttempts writes dir's swap state.
func saveSwapAttempts(dir string, n int) error {
	return writeFileAtomic(filepath.Join(dir, swapStateFile), fmt.Appendf(nil, "hams-swap=1\nattempts=%d\nEnd\n", n))
}

// newSwapper returns the node's Swapper, seeded from rnd, that starts from
// its location and the attempts it made before.
func (nw *Network) newSwapper(rnd io.Reader) (*routing.Swapper, error) {
	done, err := loadSwapAttempts(nw.dir)
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("node: swap seed: %w", err)
	}
	return routing.NewSwapper(routing.SwapConfig{Location: nw.id.loc, Seed: seed, Interval: nw.cfg.SwapInterval,
		AnnealRamp: nw.cfg.SwapAnnealRamp, Done: done, Lie: nw.cfg.Hooks.SwapReveal})
}

// moved keeps the node's new location: in its identity, its noderef (the
// handshake payload, and DIR/noderef) and its swap state. The router's
// loop calls it.
func (nw *Network) moved(loc routing.Location, relocated bool) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	nw.id.loc = loc
	how := "swapped"
	if relocated {
		how = "relocated (the keyspace around its old location was crowded, around the new one empty)"
	}
	nw.cfg.Logger.Debug("moved", "location", loc, "how", how)
	if err := writeIdentity(filepath.Join(nw.dir, identityFile), nw.id); err != nil {
		nw.pm.files.warn("keeping the new location", err)
	}
	ref := nw.self
	ref.Location, ref.Identity, ref.Signature = loc, nil, nil
	self, err := noderef.New(nw.id.sign, ref)
	if err != nil {
		nw.cfg.Logger.Error("noderef at the new location", "err", err)
		return
	}
	nw.self = self
	nw.pm.setSelf(self)
	if err := writeFileAtomic(filepath.Join(nw.dir, noderefFile), self.Marshal()); err != nil {
		nw.pm.files.warn("writing the noderef", err)
	}
	if err := saveSwapAttempts(nw.dir, nw.r.swapper.Done()); err != nil {
		nw.pm.files.warn("keeping the swap state", err)
	}
}

// tickEvery is how often the loop ticks: routerTick, or a quarter of the
// swap interval when the node swaps faster than that allows (test
// networks), so that attempts start on time.
func (r *router) tickEvery() time.Duration {
	if r.swapper != nil {
		return max(min(routerTick, r.swapper.Interval()/4), time.Millisecond)
	}
	return routerTick
}
