package clientlayer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// fullStore is a BlockStore whose disk is full: after room blocks, puts
// fail with the datastore's disk-full error; with failSync, the final sync
// does.
type fullStore struct {
	*memStore
	room     int
	failSync bool
}

var errTestDiskFull = &datastore.Error{Code: datastore.CodeDiskFull, Index: -1,
	Msg: "3.0 MiB free on /srv/hams/store, below the reserve of 64.0 MiB"}

func (s *fullStore) PutBlock(ctx context.Context, rk keys.RoutingKey, block []byte) error {
	if s.room == 0 {
		return errTestDiskFull
	}
	s.room--
	return s.memStore.PutBlock(ctx, rk, block)
}

func (s *fullStore) SyncBlocks(ctx context.Context) error {
	if s.failSync {
		return errTestDiskFull
	}
	return nil
}

// TestInsertDiskFull: an insert the datastore refuses for lack of space,
// at a block or at the final sync, fails with InsertException code 2
// (fcpwire.InsertBucketError, fred's "out of disk space" code) and the
// datastore's detail.
func TestInsertDiskFull(t *testing.T) {
	for _, fs := range []*fullStore{
		{memStore: newMemStore(), room: 0},
		{memStore: newMemStore(), room: 3},
		{memStore: newMemStore(), room: 1 << 20, failSync: true},
	} {
		c := newClient(t, fs, Config{})
		_, err := c.Insert(context.Background(), bytes.NewReader(randBytes(1, 200<<10)), InsertOptions{URI: keys.URI{Type: keys.CHK}})
		var ie *InsertError
		if !errors.As(err, &ie) || ie.Code != fcpwire.InsertBucketError || !errors.Is(err, datastore.ErrDiskFull) ||
			!strings.Contains(err.Error(), "the node's disk is full: datastore: disk full: 3.0 MiB free") {
			t.Fatalf("room %d, failSync %v: %v, want InsertError code %d", fs.room, fs.failSync, err, fcpwire.InsertBucketError)
		}
		if fcpwire.InsertShortDescription(ie.Code) == "" || !fcpwire.InsertRetryable(ie.Code) {
			t.Fatalf("code %d is not a known, retryable insert code", ie.Code)
		}
	}
}
