//go:build linux

package node

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/internal/tmpfs"
)

// TestNodeDiskFull runs a node on a 192 MiB tmpfs (its datastore's default
// reserve is then 64 MiB). When the disk fills up, an FCP insert fails at
// once with PutFailed code 2 (fred's "out of disk space" code) and the
// datastore's detail, and fetches still work. A node started on the full
// disk starts (its store read-only) and serves what it has, even with not
// a byte free; a new node
// directory on a full disk is a clear error. Nothing panics.
func TestNodeDiskFull(t *testing.T) {
	mnt := tmpfs.Mount(t, 192<<20)
	dir := filepath.Join(mnt, "node")
	cfg := Config{Dir: dir, FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: quiet()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data := func(seed uint64) []byte {
		var b bytes.Buffer
		b.ReadFrom(randReader(seed, 200<<10))
		return b.Bytes()
	}
	put := func(c *fcpclient.Client, seed uint64) (string, error) {
		d := data(seed)
		return c.Put(ctx, bytes.NewReader(d), int64(len(d)), fcpclient.PutOptions{})
	}
	wantFull := func(err error, what string) {
		t.Helper()
		var pf *fcpclient.PutFailedError
		if !errors.As(err, &pf) || pf.Code != fcpwire.InsertBucketError || pf.Fatal ||
			!strings.Contains(pf.ExtraDescription, "datastore: disk full: ") {
			t.Fatalf("%s: %v, want PutFailed code %d with the datastore's disk-full detail", what, err, fcpwire.InsertBucketError)
		}
	}
	get := func(c *fcpclient.Client, uri string, seed uint64) {
		t.Helper()
		var b bytes.Buffer
		if _, err := c.Get(ctx, uri, &b, fcpclient.GetOptions{}); err != nil || !bytes.Equal(b.Bytes(), data(seed)) {
			t.Fatalf("get %s: %v", uri, err)
		}
	}

	n, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, n)
	uri, err := put(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The disk fills up while the node runs.
	tmpfs.LeaveFree(t, mnt, 40<<20)
	time.Sleep(1100 * time.Millisecond) // the datastore checks the space every second
	t0 := time.Now()
	_, err = put(c, 2)
	wantFull(err, "put on a full disk")
	t.Logf("insert refused in %v: %v", time.Since(t0), err)
	get(c, uri, 1)
	c.Close()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	// Started on the full disk: the store is read-only.
	tmpfs.LeaveFree(t, mnt, 8<<20)
	n, err = Start(cfg)
	if err != nil {
		t.Fatalf("start on a full disk: %v", err)
	}
	c = dial(t, n)
	get(c, uri, 1)
	_, err = put(c, 3)
	wantFull(err, "put to a node started on a full disk")
	if !strings.Contains(err.Error(), "read-only") {
		t.Errorf("error %q does not say the store is read-only", err)
	}
	c.Close()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	// Started with not a byte free.
	tmpfs.LeaveFree(t, mnt, 0)
	n, err = Start(cfg)
	if err != nil {
		t.Fatalf("start with no space at all: %v", err)
	}
	c = dial(t, n)
	// The datastore reads the blocks, and the FCP server, which writes
	// what a connection fetched to a file in Dir/fcp before sending it,
	// holds it in memory instead: reads keep working.
	get(c, uri, 1)
	c.Close()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	// A new node directory on the full disk.
	_, err = Start(Config{Dir: filepath.Join(mnt, "new"), FCPAddr: "127.0.0.1:0", Logger: quiet()})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("start of a new node on a full disk: %v, want a disk-full error", err)
	}
	t.Logf("new node on a full disk: %v", err)
}
