package network

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/routing"
)

// TestStats: two linked nodes count the bytes of their link, a fetch's
// success at the HTL it came with, a failed fetch, the Offer of a block
// that turned up after it failed, and the insert that brought it.
func TestStats(t *testing.T) {
	var mu sync.Mutex
	var sentHTL []uint8 // the HTL of each request a sent
	a := startTestNetworkWith(t, "a", 1<<62, func(c *Config) {
		c.Hooks.Send = func(m routing.Message) {
			if m.Type == routing.MsgRequest {
				mu.Lock()
				sentHTL = append(sentHTL, m.HTL)
				mu.Unlock()
			}
		}
	})
	b := startTestNetwork(t, "b", 3<<62, nil)
	if err, aerr := pipeLink(a, b); err != nil || aerr != nil {
		t.Fatalf("link: %v, %v", err, aerr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	held, huri, err := keys.EncodeCHK([]byte("held by b"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hrk := keys.RoutingKey(huri.Key)
	if err := b.store.ds.Put(hrk, held, datastore.RegionCache); err != nil {
		t.Fatal(err)
	}
	later, luri, err := keys.EncodeCHK([]byte("inserted later"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lrk := keys.RoutingKey(luri.Key)

	if _, err := a.Store().GetBlock(ctx, hrk); err != nil {
		t.Fatalf("fetch of b's block: %v", err)
	}
	if _, err := a.Store().GetBlock(ctx, lrk); err == nil {
		t.Fatal("fetch of a block nobody holds succeeded")
	}
	// b inserts the block a missed: b offers it to a, then inserts it
	// there; a counts the Offer before it answers the insert.
	if err := b.Store().PutBlock(ctx, lrk, later); err != nil {
		t.Fatalf("b's insert: %v", err)
	}

	sa, sb := a.Stats(), b.Stats()
	mu.Lock()
	htls := append([]uint8(nil), sentHTL...)
	mu.Unlock()
	if len(htls) != 2 {
		t.Fatalf("a sent %d requests, want 2", len(htls))
	}
	if sa.MaxHTL != routing.DefaultMaxHTL {
		t.Errorf("MaxHTL %d", sa.MaxHTL)
	}
	max := sa.MaxHTL
	// a's own requests count at MaxHTL: one found, one not.
	if got := sa.Outcomes.Requests[max]; got != (routing.Outcome{Success: 1, Failure: 1}) {
		t.Errorf("a's requests at HTL %d: %+v, want 1 success and 1 failure", max, got)
	}
	if sa.LocalFetches.Success != 1 || sa.LocalFetches.RouteNotFound+sa.LocalFetches.DataNotFound != 1 {
		t.Errorf("a's local fetches: %+v", sa.LocalFetches)
	}
	// b counts each request at the HTL a sent it with.
	var wantB [256]routing.Outcome
	wantB[htls[0]].Success++
	wantB[htls[1]].Failure++
	if sb.Outcomes.Requests != wantB {
		for h := range wantB {
			if sb.Outcomes.Requests[h] != wantB[h] {
				t.Errorf("b's requests at HTL %d: %+v, want %+v", h, sb.Outcomes.Requests[h], wantB[h])
			}
		}
	}
	if sb.LocalInserts.Success != 1 || sb.Outcomes.Inserts[max].Success != 1 {
		t.Errorf("b's insert: local %+v, at HTL %d %+v", sb.LocalInserts, max, sb.Outcomes.Inserts[max])
	}
	if sb.OffersOut != 1 || sa.OffersIn != 1 || sa.OffersOut != 0 || sb.OffersIn != 0 {
		t.Errorf("offers: a in %d out %d, b in %d out %d; want b's one Offer to a", sa.OffersIn, sa.OffersOut, sb.OffersIn, sb.OffersOut)
	}
	// The found block (32 KiB) went from b to a, the inserted one from b
	// to a too.
	if sa.BytesIn < 2*keys.CHKBlockSize || sb.BytesOut < 2*keys.CHKBlockSize || sa.BytesOut == 0 || sb.BytesIn == 0 {
		t.Errorf("bytes: a in %d out %d, b in %d out %d", sa.BytesIn, sa.BytesOut, sb.BytesIn, sb.BytesOut)
	}
	if sa.Local != 0 || sa.Queued != 0 {
		t.Errorf("a's own requests still running: %d, queued %d", sa.Local, sa.Queued)
	}
	if len(sa.Peers) != 1 || sa.Peers[0].Status != PeerConnected || sa.Peers[0].Kind != PeerDarknet ||
		sa.Peers[0].Location != 3<<62 || sa.Peers[0].Since.IsZero() || sa.Peers[0].Backoff != 0 {
		t.Errorf("a's peers: %+v", sa.Peers)
	}
	if sa.Location != 1<<62 || sa.Tor.State != "" {
		t.Errorf("a at %v, tor %q", sa.Location, sa.Tor.State)
	}
}

// TestStatsMoves: the moves are counted, and the last swapHistory kept,
// oldest first.
func TestStatsMoves(t *testing.T) {
	var s netStats
	t0 := time.Unix(1000, 0)
	for i := range swapHistory + 5 {
		s.moved(t0.Add(time.Duration(i)*time.Second), routing.Location(i), routing.Location(i+1), i == 0)
	}
	if s.swaps != swapHistory+5 || len(s.lastMove) != swapHistory {
		t.Fatalf("%d moves, %d kept", s.swaps, len(s.lastMove))
	}
	if first := s.lastMove[0]; first.From != 5 || first.To != 6 || !first.Time.Equal(t0.Add(5*time.Second)) || first.Relocated {
		t.Fatalf("oldest kept: %+v", first)
	}
}
