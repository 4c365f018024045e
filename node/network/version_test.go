package network

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// startTestNetwork starts a memory-transport network at location loc that
// declares proto (nil: the current one).
func startTestNetwork(t *testing.T, name string, loc routing.Location, proto *Protocol) *Network {
	t.Helper()
	return startTestNetworkWith(t, name, loc, func(c *Config) { c.Protocol = proto })
}

// startTestNetworkWith is startTestNetwork with more settings.
func startTestNetworkWith(t *testing.T, name string, loc routing.Location, more func(*Config)) *Network {
	t.Helper()
	dir := t.TempDir()
	ds, err := datastore.Open(filepath.Join(dir, "store"), datastore.Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Transport: TransportMemory, Name: name, Location: &loc, Logger: quiet()}
	more(&cfg)
	nw, err := Start(context.Background(), dir, ds, cfg)
	if err != nil {
		ds.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close(); ds.Close() })
	return nw
}

// pipeLink links a (dialling) and b over net.Pipe and returns both sides'
// errors.
func pipeLink(a, b *Network) (dialErr, acceptErr error) {
	p1, p2 := net.Pipe()
	accepted := make(chan error, 1)
	go func() { accepted <- b.AcceptStream(p2) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dialErr = a.ConnectStream(ctx, p1, b.Noderef())
	return dialErr, <-accepted
}

// TestVersionRefused: a node whose protocol version is below the other's
// minimum is not linked, whichever side dials, and each side says why:
// the newer one shows the peer as too old, the older one as too new.
func TestVersionRefused(t *testing.T) {
	for _, newDials := range []bool{true, false} {
		t.Run(fmt.Sprintf("newer node dials %v", newDials), func(t *testing.T) {
			newer := startTestNetwork(t, "newer", 1<<62, &Protocol{Version: 3, MinVersion: 2, Features: peerwire.AllFeatures})
			older := startTestNetwork(t, "older", 3<<62, &Protocol{Version: 1, MinVersion: 1, Features: peerwire.AllFeatures})
			var newerErr, olderErr error
			if newDials {
				newerErr, olderErr = pipeLink(newer, older)
			} else {
				olderErr, newerErr = pipeLink(older, newer)
			}
			var ve *VersionError
			if !errors.As(newerErr, &ve) || !ve.TooOld || ve.Peer != 1 || ve.MyMin != 2 {
				t.Fatalf("newer side: %v, want the peer too old (version 1, minimum 2)", newerErr)
			}
			if !errors.As(olderErr, &ve) || ve.TooOld || ve.PeerMin != 2 || ve.Mine != 1 {
				t.Fatalf("older side: %v, want this node too old for the peer (its minimum 2, this node's 1)", olderErr)
			}
			check := func(nw *Network, want PeerStatus, text string) {
				t.Helper()
				ps := nw.ListPeers()
				if len(ps) != 1 || ps[0].Status != want || !strings.Contains(ps[0].LastError, text) || ps[0].Features != 0 {
					t.Fatalf("peers %+v: want one %v peer, error containing %q", ps, want, text)
				}
			}
			check(newer, PeerTooOld, "the peer must upgrade")
			check(older, PeerTooNew, "upgrade hams")
		})
	}
}

// TestNegotiate: the features of a link are those both sides declared; a
// noderef from before negotiation declares the legacy set; versions link
// when each is at least the other's minimum.
func TestNegotiate(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	ref := func(p, minP int, feats ...string) noderef.Ref {
		r, err := noderef.New(priv, noderef.Ref{Protocol: p, MinProtocol: minP, Features: feats})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pm := &peerManager{proto: Protocol{Version: 2, MinVersion: 2, Features: peerwire.AllFeatures}}
	for _, tc := range []struct {
		peer    noderef.Ref
		want    peerwire.Features
		tooOld  bool
		refused bool
	}{
		{ref(2, 1, "offers", "peerlocations"), peerwire.FeatureOffers | peerwire.FeaturePeerLocations, false, false},
		{ref(2, 2, "offers"), peerwire.FeatureOffers, false, false},
		{ref(5, 2, "future-kind", "peerlocations"), peerwire.FeaturePeerLocations, false, false},
		{ref(2, 0), 0, false, false}, // declares no feature
		{ref(1, 1, "offers"), 0, true, true},
		{ref(3, 3, "offers"), 0, false, true},
		{ref(0, 0), 0, true, true}, // before negotiation: version 1, below the minimum 2
	} {
		got, ve := pm.negotiate(tc.peer)
		if got != tc.want || (ve != nil) != tc.refused || ve != nil && ve.TooOld != tc.tooOld {
			t.Errorf("negotiate(protocol %d, min %d, %v) = %v, %v; want %v, refused %v (too old %v)",
				tc.peer.Protocol, tc.peer.MinProtocol, tc.peer.Features, got, ve, tc.want, tc.refused, tc.tooOld)
		}
	}
	pm.proto = Protocol{Version: 1, MinVersion: 1, Features: peerwire.FeatureOffers}
	if got, ve := pm.negotiate(ref(0, 0)); ve != nil || got != peerwire.FeatureOffers {
		t.Errorf("a noderef from before negotiation: %v, %v; want offers (the legacy set, as far as this node speaks it)", got, ve)
	}
}

// TestInboundNotDialledBack: a node that a new peer dials adds it and links
// over that link, and its dialer does not dial a second link to it at once
// (one of the two would be closed, with the requests sent over it).
func TestInboundNotDialledBack(t *testing.T) {
	start := func(name string, loc routing.Location) *Network {
		dir := t.TempDir()
		ds, err := datastore.Open(filepath.Join(dir, "store"), datastore.Config{Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		nw, err := Start(context.Background(), dir, ds, Config{Transport: TransportTCP, Listen: "127.0.0.1:0", Name: name, Location: &loc, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nw.Close(); ds.Close() })
		return nw
	}
	a, b := start("a", 1<<62), start("b", 3<<62)
	if _, err := a.AddPeer(b.Noderef()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if ps := b.ListPeers(); len(ps) == 1 && ps[0].Status == PeerConnected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b's peers: %+v", b.ListPeers())
		}
	}
	b.pm.mu.Lock()
	var retry time.Time
	for _, ps := range b.pm.peers {
		retry = ps.retryAt
	}
	b.pm.mu.Unlock()
	if wait := time.Until(retry); wait < dialTimeout/2 {
		t.Fatalf("b's dialer may dial a back at once (next dial in %v)", wait)
	}
}
