package fcpclient

import (
	"context"
	"errors"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// GenerateSSK asks the node for a new SSK keypair and returns its insert URI
// (secret: whoever has it can publish) and request URI (to share).
func (c *Client) GenerateSSK(ctx context.Context) (insertURI, requestURI string, err error) {
	req, err := c.register(false)
	if err != nil {
		return "", "", err
	}
	m := &fcpwire.Message{Name: "GenerateSSK"}
	m.Set("Identifier", req.id)
	err = c.do(ctx, req, m, func(m *fcpwire.Message) (bool, error) {
		if err := commonReply(m); err != nil {
			return false, err
		}
		if m.Name != "SSKKeypair" {
			return false, nil
		}
		insertURI, requestURI = m.Get("InsertURI"), m.Get("RequestURI")
		if insertURI == "" || requestURI == "" {
			return false, errors.New("client: SSKKeypair without InsertURI or RequestURI")
		}
		return true, nil
	})
	if err != nil {
		return "", "", err
	}
	return insertURI, requestURI, nil
}

// USKUpdate is a new edition of a subscribed USK (SubscribedUSKUpdate).
type USKUpdate struct {
	// Edition is the edition number found.
	Edition int64
	// URI is the USK URI of that edition.
	URI string
	// NewKnownGood and NewSlotToo are fred's flags about how the edition
	// was found.
	NewKnownGood, NewSlotToo bool
}

// SubscribeUSK subscribes to the editions of the USK uri. Updates arrive on
// the channel, which is closed when cancel is called, ctx ends or the
// connection is lost. cancel unsubscribes and waits for the subscription's
// goroutine to end; it is safe to call more than once. An update the receiver
// is not ready for waits (the node's later updates queue up meanwhile).
func (c *Client) SubscribeUSK(ctx context.Context, uri string) (<-chan USKUpdate, func(), error) {
	req, err := c.register(false)
	if err != nil {
		return nil, nil, err
	}
	m := &fcpwire.Message{Name: "SubscribeUSK"}
	m.Set("Identifier", req.id).Set("URI", uri)
	if err := c.send(m); err != nil {
		c.unregister(req)
		return nil, nil, err
	}
	var pending []*fcpwire.Message // updates that came before SubscribedUSK
	for subscribed := false; !subscribed; {
		reply, err := c.next(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				c.unsubscribe(req)
				return nil, nil, ctx.Err()
			}
			c.unregister(req)
			return nil, nil, err
		}
		if reply.Data != nil {
			c.release(req) // no data expected here
		}
		if err := commonReply(reply); err != nil {
			c.unregister(req)
			return nil, nil, err
		}
		switch reply.Name {
		case "SubscribedUSK":
			subscribed = true
		case "SubscribedUSKUpdate":
			pending = append(pending, reply)
		}
	}
	pctx, stop := context.WithCancel(ctx)
	out := make(chan USKUpdate)
	done := make(chan struct{})
	if !c.goBackground(func() {
		defer close(done)
		defer close(out)
		for {
			var reply *fcpwire.Message
			if len(pending) > 0 {
				reply, pending = pending[0], pending[1:]
			} else if reply, err = c.next(pctx, req); err != nil {
				return
			} else if reply.Data != nil {
				c.release(req) // no data expected here
			}
			if reply.Name != "SubscribedUSKUpdate" {
				if commonReply(reply) != nil {
					return
				}
				continue
			}
			ed, _ := reply.Int64("Edition", 0)
			kg, _ := reply.Bool("NewKnownGood", false)
			st, _ := reply.Bool("NewSlotToo", false)
			select {
			case out <- USKUpdate{Edition: ed, URI: reply.Get("URI"), NewKnownGood: kg, NewSlotToo: st}:
			case <-pctx.Done():
				return
			}
		}
	}) {
		stop()
		c.unregister(req)
		return nil, nil, c.Err()
	}
	cancel := func() {
		stop()
		<-done
		c.unsubscribe(req)
	}
	return out, cancel, nil
}

// unsubscribe stops delivery to a USK subscription and tells the node, in
// the background, once.
func (c *Client) unsubscribe(req *request) {
	c.mu.Lock()
	_, live := c.reqs[req.id]
	c.mu.Unlock()
	c.unregister(req)
	if !live {
		return
	}
	c.goBackground(func() {
		m := &fcpwire.Message{Name: "UnsubscribeUSK"}
		m.Set("Identifier", req.id)
		_ = c.send(m)
	})
}

// goBackground runs f in a goroutine that Close waits for. It returns false
// (and does not run f) when the client is already shut down.
func (c *Client) goBackground(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// exchange sends m and passes the replies that carry no pending request's
// identifier to handle, until it returns done. An empty Identifier field in
// m is filled in with a fresh identifier. Only one exchange runs at a time;
// handle passes messages it does not want to c.unsolicited.
func (c *Client) exchange(ctx context.Context, m *fcpwire.Message, handle func(*fcpwire.Message) (bool, error)) error {
	c.listMu.Lock()
	defer c.listMu.Unlock()
	req := &request{
		id:       c.newID(),
		notify:   make(chan struct{}, 1),
		dataDone: make(chan struct{}),
		gone:     make(chan struct{}),
		untagged: true,
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.untagged = req
	c.mu.Unlock()
	if v, ok := m.Lookup("Identifier"); ok && v == "" {
		m.Set("Identifier", req.id)
	}
	return c.do(ctx, req, m, handle)
}

// unsolicited passes m to Options.Unsolicited, if set.
func (c *Client) unsolicited(m *fcpwire.Message) {
	if c.opts.Unsolicited != nil {
		c.opts.Unsolicited(m)
	}
}

// GetNode returns the node's NodeData message (its reference and, with
// volatile set, its statistics).
func (c *Client) GetNode(ctx context.Context, volatile bool) (*fcpwire.Message, error) {
	m := &fcpwire.Message{Name: "GetNode"}
	m.Set("Identifier", "").Set("WithPrivate", "false").Set("WithVolatile", strconv.FormatBool(volatile))
	var node *fcpwire.Message
	err := c.exchange(ctx, m, func(r *fcpwire.Message) (bool, error) {
		switch r.Name {
		case "NodeData":
			node = r
			return true, nil
		case "ProtocolError":
			return false, protocolErrorFrom(r)
		}
		c.unsolicited(r)
		return false, nil
	})
	return node, err
}

// ListPersistentRequests returns the node's PersistentGet, PersistentPut
// and PersistentPutDir messages for this client (and the global queue if
// watched).
func (c *Client) ListPersistentRequests(ctx context.Context) ([]*fcpwire.Message, error) {
	m := &fcpwire.Message{Name: "ListPersistentRequests"}
	return c.collect(ctx, m, "EndListPersistentRequests", "PersistentGet", "PersistentPut", "PersistentPutDir")
}

func (c *Client) collect(ctx context.Context, m *fcpwire.Message, end string, names ...string) ([]*fcpwire.Message, error) {
	var out []*fcpwire.Message
	err := c.exchange(ctx, m, func(r *fcpwire.Message) (bool, error) {
		if r.Name == end {
			return true, nil
		}
		if r.Name == "ProtocolError" {
			return false, protocolErrorFrom(r)
		}
		for _, n := range names {
			if r.Name == n {
				out = append(out, r)
				return false, nil
			}
		}
		c.unsolicited(r)
		return false, nil
	})
	return out, err
}

// RemoveRequest removes the (persistent) request with the given identifier
// and waits for the node to confirm (PersistentRequestRemoved).
func (c *Client) RemoveRequest(ctx context.Context, identifier string, global bool) error {
	m := &fcpwire.Message{Name: "RemoveRequest"}
	m.Set("Identifier", identifier).Set("Global", strconv.FormatBool(global))
	return c.exchange(ctx, m, func(r *fcpwire.Message) (bool, error) {
		if r.Get("Identifier") == identifier {
			switch r.Name {
			case "PersistentRequestRemoved":
				return true, nil
			case "ProtocolError":
				return false, protocolErrorFrom(r)
			}
		}
		c.unsolicited(r)
		return false, nil
	})
}

// WatchGlobal turns watching the global queue on or off. Messages about
// global requests then go to Options.Unsolicited. verbosityMask is fred's
// VerbosityMask (1 = SimpleProgress).
func (c *Client) WatchGlobal(ctx context.Context, enabled bool, verbosityMask int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := &fcpwire.Message{Name: "WatchGlobal"}
	m.Set("Enabled", strconv.FormatBool(enabled)).Set("VerbosityMask", strconv.Itoa(verbosityMask))
	return c.send(m)
}

// Shutdown asks the node to shut down. The node closes the connection.
func (c *Client) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.send(&fcpwire.Message{Name: "Shutdown"})
}
