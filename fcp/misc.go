package fcp

import (
	"context"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

func (c *conn) generateSSK(m *fcpwire.Message) error {
	ins, req, err := keys.GenerateSSK(c.s.cfg.Rand)
	if err != nil {
		return m.Errorf(fcpwire.CodeInternalError, "generating a keypair: %v", err)
	}
	out := &fcpwire.Message{Name: "SSKKeypair"}
	out.Set("InsertURI", ins.String()).Set("RequestURI", req.String())
	if id, ok := m.Lookup("Identifier"); ok {
		out.Set("Identifier", id)
	}
	return c.send(out)
}

// subscribeUSK answers SubscribedUSK and starts polling (pollUSK).
func (c *conn) subscribeUSK(m *fcpwire.Message) error {
	id, err := m.Require("Identifier")
	if err != nil {
		return err
	}
	u, err := parseRequestURI(m)
	if err != nil {
		return err
	}
	if u.Type != keys.USK {
		return m.Errorf(fcpwire.CodeInvalidField, "URI is not a USK")
	}
	dontPoll, err := m.Bool("DontPoll", false)
	if err != nil {
		return err
	}
	for _, f := range []string{"PriorityClass", "PriorityClassProgress"} {
		if _, err := m.Int64(f, 0); err != nil {
			return err
		}
	}
	s := c.s
	s.mu.Lock()
	if c.subs == nil {
		c.subs = map[string]context.CancelFunc{}
	}
	if c.subs[id] != nil {
		s.mu.Unlock()
		return c.send(identifierCollision(id, false))
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c.subs[id] = cancel
	s.wg.Add(1)
	s.mu.Unlock()
	ack := &fcpwire.Message{Name: "SubscribedUSK"}
	ack.Set("Identifier", id).Set("URI", u.String()).Set("DontPoll", strconv.FormatBool(dontPoll))
	if err := c.send(ack); err != nil {
		cancel()
		s.wg.Done()
		return fatalErr{err}
	}
	go func() {
		defer s.wg.Done()
		defer cancel()
		c.pollUSK(ctx, id, u, dontPoll)
	}()
	return nil
}

// pollUSK looks for newer editions of u every USKPollInterval (and at
// once when the backend says a block it looked for has arrived) until ctx
// ends, sending SubscribedUSKUpdate for each new one at or after the
// edition asked for, and SubscribedUSKRoundFinished after each round
// unless DontPoll. Each round looks from the edition after the newest
// found, so known editions are not fetched again. A backend that learns of
// editions itself (EditionWatcher: a local insert) wakes it at once, and
// that round asks only the backend, not the network.
func (c *conn) pollUSK(ctx context.Context, id string, u keys.URI, dontPoll bool) {
	s := c.s
	last := abs(u.Edition) - 1
	aw, _ := s.b.(ArrivalWatcher)
	ew, _ := s.b.(EditionWatcher)
	learnt := false // this round was woken by ew
	for {
		var arrived, local <-chan struct{}
		stop := func() {}
		if aw != nil {
			arrived = aw.Arrivals() // before looking: an arrival during the round wakes the next
		}
		if ew != nil {
			local, stop = ew.WatchEdition(u)
		}
		var ed int64
		var err error
		if learnt {
			ed = ew.KnownEdition(u)
		} else {
			ed, err = s.b.LatestEdition(ctx, u.WithEdition(last+1))
		}
		if ctx.Err() != nil {
			stop()
			return
		}
		if err == nil && ed > last {
			last = ed
			up := &fcpwire.Message{Name: "SubscribedUSKUpdate"}
			up.Set("Identifier", id).Set("Edition", strconv.FormatInt(ed, 10)).
				Set("URI", u.WithEdition(ed).String()).
				Set("NewKnownGood", "true").Set("NewSlotToo", "true")
			c.send(up)
		}
		if !dontPoll {
			c.send((&fcpwire.Message{Name: "SubscribedUSKRoundFinished"}).Set("Identifier", id))
		}
		learnt = false
		select {
		case <-ctx.Done():
			stop()
			return
		case <-arrived:
		case <-local:
			learnt = true
		case <-s.cfg.After(s.cfg.USKPollInterval):
		}
		stop()
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func (c *conn) unsubscribeUSK(m *fcpwire.Message) error {
	id, err := m.Require("Identifier")
	if err != nil {
		return err
	}
	c.s.mu.Lock()
	cancel := c.subs[id]
	delete(c.subs, id)
	c.s.mu.Unlock()
	if cancel == nil {
		return m.Errorf(fcpwire.CodeNoSuchIdentifier, "no subscription %q", id)
	}
	cancel()
	return nil
}

// getNode answers NodeData with what the node says about itself: what its
// peers see in its noderef and a client can use without learning anything
// about the person who runs it (identity, version, lastGoodVersion,
// opennet); with WithPrivate=true also its name (myName) and location.
// hams noderefs are not fred noderefs: no ark, physical, crypto or
// signature fields, and never a private key, whatever WithPrivate says.
func (c *conn) getNode(m *fcpwire.Message) error {
	if _, err := m.Bool("GiveOpennetRef", false); err != nil {
		return err
	}
	private, err := m.Bool("WithPrivate", false)
	if err != nil {
		return err
	}
	volatile, err := m.Bool("WithVolatile", false)
	if err != nil {
		return err
	}
	ni := c.s.cfg.NodeInfo
	out := &fcpwire.Message{Name: "NodeData"}
	if id, ok := m.Lookup("Identifier"); ok {
		out.Set("Identifier", id)
	}
	out.Set("opennet", strconv.FormatBool(ni.Opennet)).Set("identity", ni.Identity).
		Set("version", ni.Version).
		Set("lastGoodVersion", ni.Version+","+strconv.Itoa(ni.Build))
	if private {
		if ni.Name != "" {
			out.Set("myName", ni.Name)
		}
		if ni.Location != nil {
			if loc, ok := ni.Location(); ok {
				out.Set("location", strconv.FormatFloat(loc, 'f', -1, 64))
			}
		}
	}
	if ns, ok := c.s.b.(NodeStatuser); ok && volatile {
		for _, f := range ns.NodeStatus() {
			out.Set("volatile."+f.Key, f.Value)
		}
	}
	return c.send(out)
}
