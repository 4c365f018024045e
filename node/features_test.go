package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// frameLog records the wire type of every message each node's router sends,
// by sender and recipient location.
type frameLog struct {
	mu     sync.Mutex // guards frames
	frames []sentFrame
}

type sentFrame struct {
	from, to routing.Location
	typ      byte
}

func (l *frameLog) hook(self routing.Location) func(routing.Location, byte) {
	return func(to routing.Location, typ byte) {
		l.mu.Lock()
		l.frames = append(l.frames, sentFrame{self, to, typ})
		l.mu.Unlock()
	}
}

// count returns how many frames needing feature f were sent to or from loc
// (touching) and between other nodes (others).
func (l *frameLog) count(loc routing.Location, f peerwire.Features) (touching, others int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, fr := range l.frames {
		if peerwire.Needs(fr.typ)&f == 0 {
			continue
		}
		if fr.from == loc || fr.to == loc {
			touching++
		} else {
			others++
		}
	}
	return touching, others
}

// TestFeatureOff: one node of six declares every feature but one. It links
// with the others, inserts and fetches both ways, and takes part in a
// passive request; no message of the missing kind goes to it or comes from
// it (its links would drop), while the others use the kind among
// themselves, and every link stays up.
func TestFeatureOff(t *testing.T) {
	// What nodes with pinned locations (startNet's) declare: every feature
	// but swapping and opennet.
	const pinned = peerwire.AllFeatures &^ peerwire.FeatureSwapping &^ peerwire.FeatureOpennet
	for _, off := range []peerwire.Features{peerwire.FeatureOffers, peerwire.FeaturePeerLocations} {
		t.Run(off.String(), func(t *testing.T) {
			const n, odd = 6, 3
			log := &frameLog{}
			tn := startNet(t, n, 1, 21, func(c *Config) {
				c.Network.Hooks.Frame = log.hook(*c.Network.Location)
				if c.Network.Name == fmt.Sprintf("node-%d", odd) {
					c.Network.Protocol = &network.Protocol{Version: peerwire.ProtocolVersion,
						MinVersion: peerwire.MinProtocolVersion, Features: pinned &^ off}
				}
			})
			oddLoc := tn.nodes[odd].Location()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			clients := make([]*fcpclient.Client, n)
			for i := range clients {
				clients[i] = dial(t, tn.nodes[i])
				defer clients[i].Close()
			}
			transfer := func(from, to int) {
				t.Helper()
				data := fmt.Appendf(nil, "from node %d to node %d", from, to)
				uri, err := clients[from].Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: fmt.Sprintf("KSK@feature-off-%d-%d", from, to)})
				if err != nil {
					t.Fatalf("insert at node %d: %v", from, err)
				}
				var got bytes.Buffer
				if _, err := clients[to].Get(ctx, uri, &got, fcpclient.GetOptions{}); err != nil || !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("fetch at node %d of node %d's insert: %q, %v", to, from, got.Bytes(), err)
				}
			}
			for j := range n {
				if j != odd {
					transfer(odd, j)
					transfer(j, odd)
				}
			}
			// Passive requests: a key is looked for (and not found) at the
			// odd node and at node 0, then inserted at the far side.
			for _, asker := range []int{odd, 0} {
				var buf bytes.Buffer
				uri := fmt.Sprintf("KSK@feature-off-later-%d", asker)
				if _, err := clients[asker].Get(ctx, uri, &buf, fcpclient.GetOptions{}); err == nil {
					t.Fatalf("%s found before its insert", uri)
				}
				data := []byte("inserted later")
				if _, err := clients[(asker+n/2)%n].Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: uri}); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(1500 * time.Millisecond) // the last PeerLocations go out within 1.2 s

			touching, others := log.count(oddLoc, off)
			if touching != 0 {
				t.Errorf("%d messages that need %v went to or came from the node without it", touching, off)
			}
			if others == 0 {
				t.Errorf("no message that needs %v went between the other nodes: the test proves nothing", off)
			}
			for i, nd := range tn.nodes {
				for _, p := range nd.ListPeers() {
					want := pinned
					if i == odd || p.Ref.Location == oddLoc {
						want &^= off
					}
					if p.Status != network.PeerConnected || p.LastError != "" || p.Features != want {
						t.Errorf("node %d, peer %s: %v (%q), features %v; want connected, %v", i, p.Ref.Name, p.Status, p.LastError, p.Features, want)
					}
				}
			}
			t.Logf("messages needing %v: %d between the other nodes, none touching node %d", off, others, odd)
		})
	}
}

// TestVersionRefusedOverFCP: a peer too old to link shows as such in FCP's
// ListPeers, with its version, on the newer node; the older node shows the
// newer one as too new.
func TestVersionRefusedOverFCP(t *testing.T) {
	start := func(name string, loc routing.Location, p network.Protocol) *Node {
		nd, err := Start(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", StoreSize: 16 << 20, Logger: quiet(),
			Network: network.Config{Transport: network.TransportMemory, Name: name, Location: &loc, Protocol: &p}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.Close() })
		return nd
	}
	newer := start("newer", 1<<62, network.Protocol{Version: 2, MinVersion: 2, Features: peerwire.AllFeatures})
	older := start("older", 3<<62, network.Protocol{Version: 1, MinVersion: 1, Features: peerwire.AllFeatures})
	p1, p2 := net.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- newer.AcceptStream(p2) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ve *network.VersionError
	if err := older.ConnectStream(ctx, p1, newer.Noderef()); !errors.As(err, &ve) || ve.TooOld {
		t.Fatalf("older side: %v, want too new for the peer", err)
	}
	if err := <-errc; !errors.As(err, &ve) || !ve.TooOld {
		t.Fatalf("newer side: %v, want the peer too old", err)
	}
	for _, tc := range []struct {
		nd            *Node
		status, proto string
	}{{newer, fcp.PeerTooOld, "1"}, {older, fcp.PeerTooNew, "2"}} {
		c := dial(t, tc.nd)
		defer c.Close()
		ps, err := c.ListPeers(ctx)
		if err != nil || len(ps) != 1 || ps[0].Status != tc.status || ps[0].Field("protocol") != tc.proto {
			t.Fatalf("ListPeers = %+v, %v; want one peer %s at protocol %s", ps, err, tc.status, tc.proto)
		}
	}
}
