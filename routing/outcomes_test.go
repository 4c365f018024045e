package routing

import (
	"testing"
	"time"
)

// TestOutcomes: a relayed request that ends in DataNotFound counts as a
// failure at the HTL it came with; a local fetch found in the datastore
// as a success at MaxHTL; a request refused on arrival does not count.
func TestOutcomes(t *testing.T) {
	c := coreWithTwoPeers(t)
	var o Outcomes
	c.CountOutcomes(&o)
	now := time.Unix(0, 0)
	if err := c.Step(now, Message{Type: MsgRequest, Peer: 2, ID: 7, Key: keyAt(3 << 62), HTL: 10}); err != nil {
		t.Fatal(err)
	}
	c.Ready()
	c.LookupDone(now, 7, nil)
	rd := c.Ready()
	if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgRequest {
		t.Fatalf("after the miss: %+v, want the request routed on", rd)
	}
	if err := c.Step(now, Message{Type: MsgDataNotFound, Peer: rd.Messages[0].Peer, ID: rd.Messages[0].ID}); err != nil {
		t.Fatal(err)
	}
	c.Ready()
	// The same ID again is a loop: refused, not counted.
	if err := c.Step(now, Message{Type: MsgRequest, Peer: 3, ID: 7, Key: keyAt(3 << 62), HTL: 10}); err != nil {
		t.Fatal(err)
	}
	c.Ready()
	id, err := c.Fetch(now, keyAt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	c.Ready()
	c.LookupDone(now, id, []byte("block"))
	if rd := c.Ready(); len(rd.Results) != 1 || rd.Results[0].Err != nil {
		t.Fatalf("local fetch found here: %+v", rd.Results)
	}
	want := Outcomes{}
	want.Requests[10].Failure = 1
	want.Requests[DefaultMaxHTL].Success = 1
	if o != want {
		for h := range o.Requests {
			if o.Requests[h] != want.Requests[h] || o.Inserts[h] != want.Inserts[h] {
				t.Errorf("HTL %d: requests %+v inserts %+v, want %+v %+v", h, o.Requests[h], o.Inserts[h], want.Requests[h], want.Inserts[h])
			}
		}
	}
}
