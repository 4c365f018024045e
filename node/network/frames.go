package network

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/link"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

// errMisbehaving wraps what a peer did wrong; it costs the peer
// badPeerBackoff.
type errMisbehaving struct{ err error }

func (e errMisbehaving) Error() string { return e.err.Error() }

func (e errMisbehaving) Unwrap() error { return e.err }

func isMisbehaviour(err error) bool {
	var m errMisbehaving
	return errors.As(err, &m) || errors.Is(err, link.ErrAuth) || errors.Is(err, link.ErrMalformed)
}

// linkHandler decodes a link's frames, verifies their blocks and passes
// them, PeerLocations, swap messages and Locations to the router.
type linkHandler struct {
	pm    *peerManager
	ps    *peerState
	rid   routing.PeerID
	feats peerwire.Features // what the link negotiated
}

func (h *linkHandler) HandleFrame(l *link.Link, frame []byte) error {
	wm, err := peerwire.DecodeFrom(frame, h.feats) // a kind not negotiated breaks W3
	if err != nil {
		return errMisbehaving{err}
	}
	switch {
	case wm.Type == peerwire.TypePeerLocations:
		h.pm.r.deliverPeerLocations(h.rid, wm.Locations)
		return nil
	case wm.Type == peerwire.TypeLocation:
		h.pm.peerMoved(h.ps, wm.Location)
		h.pm.r.deliverLocation(h.rid, wm.Location)
		return nil
	case peerwire.Needs(wm.Type) == peerwire.FeatureOpennet:
		h.pm.r.deliverOpennet(h.rid, wm.Opennet)
		return nil
	case peerwire.Needs(wm.Type) == peerwire.FeatureSwapping:
		h.pm.r.deliverSwap(h.rid, wm.Swap) // a reveal's peers are its own: the frame is not kept
		return nil
	}
	m := wm.Routing
	if m.Block != nil {
		if err := keys.VerifyBlock(m.Key, m.Block); err != nil {
			return errMisbehaving{fmt.Errorf("node: peer sent a block that does not verify: %w", err)}
		}
		m.Block = bytes.Clone(m.Block) // the frame is reused after this call
	}
	h.pm.r.deliver(h.rid, m)
	return nil
}

func (h *linkHandler) LinkClosed(l *link.Link, err error) {
	h.pm.detached(h.ps, l, h.rid, err)
}

// linkSender is how the router sends on a link.
type linkSender struct {
	pm *peerManager
	ps *peerState
	l  *link.Link
}

// send queues frame. A link already closing takes nothing more; its end
// removes the peer from the router, so that is not an error here.
func (s linkSender) send(frame []byte) error {
	if err := s.l.Send(frame); err != nil && !errors.Is(err, link.ErrClosed) {
		return err
	}
	return nil
}

// drop closes the link of a misbehaving peer without waiting (the router's
// loop calls it, and a link's reader may be waiting for that loop).
func (s linkSender) drop(err error) {
	s.pm.failed(s.ps, errMisbehaving{err}, true)
	go s.l.Close()
}
