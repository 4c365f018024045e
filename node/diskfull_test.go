//go:build linux

package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
)

// mountTmpfs mounts a tmpfs of size bytes on a new temporary directory,
// unmounted at the end of the test. It needs root (CI runs it as root).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs this test as root)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("root, but cannot mount a tmpfs here: %v", err)
		}
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// leaveFree sizes the file mnt/filler so that about free bytes (at least a
// few pages) stay available.
func leaveFree(t *testing.T, mnt string, free int64) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(mnt, "filler"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	want := max(fi.Size()+int64(st.Bavail)*st.Bsize-free, 0)
	if want < fi.Size() {
		err = f.Truncate(want)
	} else {
		err = syscall.Fallocate(int(f.Fd()), 0, 0, want)
		if errors.Is(err, syscall.ENOSPC) && free < 1<<20 {
			// The last pages: fill them one by one.
			err = syscall.Fallocate(int(f.Fd()), 0, 0, want-1<<20)
			for off := want - 1<<20; err == nil; off += 4096 {
				_, err = f.WriteAt(make([]byte, 4096), off)
			}
			if errors.Is(err, syscall.ENOSPC) {
				err = nil
			}
		}
	}
	if err != nil {
		t.Fatalf("filler of %d bytes: %v", want, err)
	}
}

// TestNodeDiskFull runs a node on a 192 MiB tmpfs (its datastore's default
// reserve is then 64 MiB). When the disk fills up, an FCP insert fails at
// once with PutFailed code 2 (fred's "out of disk space" code) and the
// datastore's detail, and fetches still work. A node started on the full
// disk starts (its store read-only) and serves what it has; a new node
// directory on a full disk is a clear error. Nothing panics.
func TestNodeDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, 192<<20)
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
	leaveFree(t, mnt, 40<<20)
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
	leaveFree(t, mnt, 8<<20)
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
	leaveFree(t, mnt, 0)
	n, err = Start(cfg)
	if err != nil {
		t.Fatalf("start with no space at all: %v", err)
	}
	c = dial(t, n)
	// The datastore reads the blocks, but the FCP server writes what it
	// fetched to a file in Dir/fcp before sending it: with no byte free,
	// that fails with code 12 (temp files error).
	var gf *fcpclient.GetFailedError
	if _, err := c.Get(ctx, uri, &bytes.Buffer{}, fcpclient.GetOptions{}); err != nil &&
		!(errors.As(err, &gf) && gf.Code == fcpwire.FetchBucketError && strings.Contains(err.Error(), "no space left")) {
		t.Fatalf("get with no space: %v", err)
	}
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
