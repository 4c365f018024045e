//go:build linux

package fcp

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/hamsnet/hams/internal/tmpfs"
)

// TestGetSinkDiskFull: on a full disk a connection's fetch goes to memory
// within half the budget of client data; beyond it, and for a fetch that
// may not use memory, the disk's error; the memory goes back.
func TestGetSinkDiskFull(t *testing.T) {
	mnt := tmpfs.Mount(t, 4<<20)
	b := &budget{size: 1 << 20}
	data := bytes.Repeat([]byte("hams"), 100<<10) // 400 KiB

	// Room on the disk: a file.
	s, err := newGetSink(mnt, "get-*", b, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(data); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s.path() == "" || b.used != 0 {
		t.Fatalf("with room: path %q, %d bytes of memory", s.path(), b.used)
	}
	s.discard()

	// The disk fills part-way: what the file took moves to memory.
	tmpfs.LeaveFree(t, mnt, 100<<10)
	s, err = newGetSink(mnt, "get-*", b, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += 32 << 10 {
		if _, err := s.Write(data[i:min(i+32<<10, len(data))]); err != nil {
			t.Fatalf("write at %d: %v", i, err)
		}
	}
	s.Close()
	if s.path() != "" || !bytes.Equal(s.buf.Bytes(), data) || b.used != int64(len(data)) {
		t.Fatalf("disk full: path %q, %d bytes in memory (right: %v), %d taken", s.path(), s.buf.Len(), bytes.Equal(s.buf.Bytes(), data), b.used)
	}
	s.release()
	if b.used != 0 {
		t.Fatalf("%d bytes still taken after release", b.used)
	}

	// More than half the budget: the disk's error, and nothing kept.
	tmpfs.LeaveFree(t, mnt, 0)
	s, err = newGetSink(mnt, "get-*", b, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := s.Write(data)
	_, err2 := s.Write(data)
	if err1 != nil || !errors.Is(err2, syscall.ENOSPC) || !strings.Contains(err2.Error(), "disk is full") {
		t.Fatalf("past the budget: %v, %v; want the second to say the disk is full", err1, err2)
	}
	s.discard()
	if b.used != 0 {
		t.Fatalf("%d bytes still taken after discard", b.used)
	}

	// A fetch that may not use memory (persistent, or to a named file).
	s, err = newGetSink(mnt, "get-*", b, false)
	if err == nil {
		_, err = s.Write(data)
		s.discard()
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("no memory allowed: %v, want ENOSPC", err)
	}
}
