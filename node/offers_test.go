package node

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

// TestOffers: a node subscribed to a USK edition that does not exist yet
// hears of it within moments of its insert at the other end of the
// network, though it would poll again only in an hour: the failure tables
// along its failed request remember who asked, and the insert's block is
// offered back along that path (passive requests).
func TestOffers(t *testing.T) {
	tn := startNet(t, 6, 1, 11, func(c *Config) { c.USKPollInterval = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := fcpclient.Dial(ctx, tn.nodes[0].FCPAddr(), "publisher")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := fcpclient.Dial(ctx, tn.nodes[3].FCPAddr(), "subscriber")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ins, req, err := pub.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usk := func(u string, ed string) string { return "USK" + u[3:] + "feed/" + ed }
	// Edition 0 first, so that the subscription has something to start from.
	if _, err := pub.Put(ctx, bytes.NewReader([]byte("edition 0")), 9, fcpclient.PutOptions{URI: usk(ins, "0")}); err != nil {
		t.Fatal(err)
	}
	// The subscriber looks for edition 1 (not there: its request fails and
	// is remembered along the way), then subscribes.
	var buf bytes.Buffer
	if _, err := sub.Get(ctx, usk(req, "1"), &buf, fcpclient.GetOptions{}); err == nil {
		t.Fatal("edition 1 found before it was inserted")
	}
	ups, stop, err := sub.SubscribeUSK(ctx, usk(req, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if up := <-ups; up.Edition != 0 {
		t.Fatalf("first update: edition %d", up.Edition)
	}
	start := time.Now()
	if _, err := pub.Put(ctx, bytes.NewReader([]byte("edition 1")), 9, fcpclient.PutOptions{URI: usk(ins, "1")}); err != nil {
		t.Fatal(err)
	}
	select {
	case up := <-ups:
		if up.Edition != 1 {
			t.Fatalf("update: edition %d, want 1", up.Edition)
		}
		t.Logf("edition 1 seen %v after its insert returned", time.Since(start))
	case <-time.After(20 * time.Second):
		t.Fatal("no update: the insert was not offered to the subscriber (it polls only hourly)")
	}
	buf.Reset()
	if _, err := sub.Get(ctx, usk(req, "1"), &buf, fcpclient.GetOptions{}); err != nil || buf.String() != "edition 1" {
		t.Fatalf("fetch after the offer: %q, %v", buf.String(), err)
	}
}

// TestOffersOutliveRecentlyFailed: a subscriber's interest stands along
// its path long after RecentlyFailed has ended there (Hyphanet keeps its
// requestors an hour): editions inserted after long quiet spells, each
// past the RecentlyFailed time of the subscriber's last request, still
// reach it at once, though it polls only hourly. (Until OfferInterestFor,
// the entries of a failed request remembered their askers only as long as
// they answered RecentlyFailed, so such an edition waited for the next
// poll.)
func TestOffersOutliveRecentlyFailed(t *testing.T) {
	const failedFor = 500 * time.Millisecond
	tn := startNet(t, 6, 1, 12, func(c *Config) {
		c.USKPollInterval = time.Hour
		c.Network.Routing.RecentlyFailedFor = failedFor
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := fcpclient.Dial(ctx, tn.nodes[0].FCPAddr(), "publisher")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := fcpclient.Dial(ctx, tn.nodes[3].FCPAddr(), "subscriber")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ins, req, err := pub.GenerateSSK(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usk := func(u string, ed int) string { return fmt.Sprintf("USK%sfeed/%d", u[3:], ed) }
	if _, err := pub.Put(ctx, bytes.NewReader([]byte("edition 0")), 9, fcpclient.PutOptions{URI: usk(ins, 0)}); err != nil {
		t.Fatal(err)
	}
	ups, stop, err := sub.SubscribeUSK(ctx, usk(req, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if up := <-ups; up.Edition != 0 {
		t.Fatalf("first update: edition %d", up.Edition)
	}
	for ed := 1; ed <= 3; ed++ {
		time.Sleep(4 * failedFor) // quiet: RecentlyFailed has ended along the path
		data := fmt.Appendf(nil, "edition %d", ed)
		start := time.Now()
		if _, err := pub.Put(ctx, bytes.NewReader(data), int64(len(data)), fcpclient.PutOptions{URI: usk(ins, ed)}); err != nil {
			t.Fatal(err)
		}
		select {
		case up := <-ups:
			if up.Edition != int64(ed) {
				t.Fatalf("update: edition %d, want %d", up.Edition, ed)
			}
			t.Logf("edition %d seen %v after its insert returned", ed, time.Since(start).Round(time.Millisecond))
		case <-time.After(20 * time.Second):
			t.Fatalf("edition %d inserted after %v of quiet never reached the subscriber (it polls hourly): its interest did not outlive RecentlyFailed", ed, 4*failedFor)
		}
	}
}
