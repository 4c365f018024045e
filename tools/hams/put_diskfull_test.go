//go:build linux

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hamsnet/hams/node"
)

// TestPutDiskFull: `hams put` to a node whose disk is full prints
// "hams: error: insert failed: disk full on the node: …" and a hint, and
// exits 1. The node runs on a 128 MiB tmpfs (mounting one needs root: CI
// runs this test as root), restarted with 32 MiB free: below its 64 MiB
// reserve.
func TestPutDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs this test as root)")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", 128<<20)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("root, but cannot mount a tmpfs here: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	cfg := node.Config{Dir: filepath.Join(mnt, "node"), FCPAddr: "127.0.0.1:0", StoreSize: 64 << 20, Logger: slog.New(slog.DiscardHandler)}
	n, err := node.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	// Fill the disk but 32 MiB, and start the node again.
	f, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*st.Bsize-32<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n, err = node.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	src := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(src, []byte(strings.Repeat("<p>hams</p>\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := hams(t, nil, nil, false, "put", "--fcp", n.FCPAddr(), src)
	t.Logf("stderr:\n%s", r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != exitError || r.stdout != "" || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "hams: error: insert failed: disk full on the node: ") ||
		!strings.Contains(lines[0], "below the reserve of 64.0 MiB") ||
		!strings.HasPrefix(lines[1], "hams: hint: free space on the disk") {
		t.Fatalf("put to a node with a full disk: %+v", r)
	}
}
