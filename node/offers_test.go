package node

import (
	"bytes"
	"context"
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
