package clientlayer

import (
	"bytes"
	"errors"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// USK inserts choose their edition as fred's USKInserter does: look for
// the newest edition from the one asked for on; when that edition already
// holds this very top block the insert is done there, otherwise it goes to
// the next edition, and each collision (another device took the edition
// meanwhile) moves it one further. After maxTriedSlots collisions in a row
// it looks for the newest edition again.
const (
	maxTriedSlots = 10 // fred's USKInserter.MAX_TRIED_SLOTS
	// maxUSKAttempts bounds the editions one insert tries in all.
	maxUSKAttempts = 100
)

// publishUSK stores doc as the top block of the USK t.usk at the first
// edition it may take (see above) and returns the USK request URI at that
// edition.
func (ins *inserter) publishUSK(t target, doc []byte) (keys.URI, error) {
	u := t.usk
	req, err := u.RequestURI()
	if err != nil {
		return keys.URI{}, insertErr(fcpwire.InsertInvalidURI, err, "bad USK")
	}
	ed := u.Edition
	_, discard := ins.store.(discardStore)
	probe := func(from int64) (int64, error) {
		if discard {
			return ins.c.eds.known(req), nil // GetCHKOnly: no requests
		}
		n, err := ins.c.LatestEdition(ins.ctx, req.WithEdition(from))
		if errors.Is(err, &FetchError{Code: fcpwire.FetchDataNotFound}) {
			return -1, nil
		}
		if err != nil {
			return 0, insertErr(fcpwire.InsertInternalError, err, "looking for the newest edition of %s", req.Name)
		}
		return n, nil
	}
	newest, err := probe(ed)
	if err != nil {
		return keys.URI{}, err
	}
	// The newest edition may be this very insert, made before (a
	// GetCHKOnly insert does not look: it takes the next).
	same := newest >= ed && !discard
	if same {
		ed = newest
	} else {
		ed = max(ed, newest+1)
	}
	collisions := 0
	for attempt := 0; ; attempt++ {
		s, err := u.SSKForEdition(ed)
		if err != nil {
			return keys.URI{}, insertErr(fcpwire.InsertInvalidURI, err, "bad USK")
		}
		block, rk, err := encodeTop(s, doc)
		if err != nil {
			return keys.URI{}, err
		}
		if same {
			same = false
			held, err := ins.c.bs.GetBlock(ins.ctx, rk)
			if err == nil && bytes.Equal(held, block) {
				break // inserted before: done, as fred's
			}
			if err == nil {
				ed++
				continue
			}
			// Not found after all: the edition is free.
		}
		err = ins.putTop(rk, block, true)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrCollision) || attempt+1 >= maxUSKAttempts {
			return keys.URI{}, err
		}
		ed++
		if collisions++; collisions >= maxTriedSlots {
			collisions = 0
			if newest, err = probe(ed); err != nil {
				return keys.URI{}, err
			}
			ed = max(ed, newest+1)
		}
	}
	if err := ins.sync(); err != nil {
		return keys.URI{}, err
	}
	ins.c.eds.learn(req, ed)
	ins.prog.add(1, 1, 1, 0, true)
	return req.WithEdition(ed), nil
}
