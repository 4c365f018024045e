//go:build linux

// Package tmpfs gives tests a small file system to fill: a tmpfs mounted on
// a temporary directory (root only; the tests that need it skip
// otherwise, and CI runs them as root), and a filler file that leaves a
// chosen number of bytes free.
package tmpfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory and
// returns it; it is unmounted when the test ends, after the cleanups
// registered later (such as closing what was opened on it). Without root,
// or where mounting is not allowed, the test is skipped.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs this test as root)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("root, but cannot mount a tmpfs here: %v", err)
		}
		t.Fatalf("tmpfs: mount: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// Free returns the bytes available to unprivileged writers on the file
// system of dir.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatalf("tmpfs: statfs %s: %v", dir, err)
	}
	return int64(st.Bavail) * st.Bsize
}

// LeaveFree grows or shrinks the file mnt/filler so that about free bytes
// stay available on mnt's file system (0: none, down to the last page).
func LeaveFree(t testing.TB, mnt string, free int64) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(mnt, "filler"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	want := max(fi.Size()+Free(t, mnt)-free, 0)
	switch {
	case want < fi.Size():
		err = f.Truncate(want)
	case want > fi.Size():
		err = syscall.Fallocate(int(f.Fd()), 0, 0, want)
		if errors.Is(err, syscall.ENOSPC) && free < 1<<20 {
			// The last pages: fill them one by one.
			err = syscall.Fallocate(int(f.Fd()), 0, 0, want-1<<20)
			page := make([]byte, 4096)
			for err == nil {
				_, err = f.WriteAt(page, want-1<<20)
				want += 4096
			}
			if errors.Is(err, syscall.ENOSPC) {
				err = nil
			}
		}
	}
	if err != nil {
		t.Fatalf("tmpfs: filler of %d bytes: %v", want, err)
	}
}

// FreeAll removes the filler.
func FreeAll(t testing.TB, mnt string) {
	t.Helper()
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
}
