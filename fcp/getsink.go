package fcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// getSink takes a direct fetch's data: into a temporary file, or, when the
// disk has no room (ENOSPC, also on creating the file), into memory taken
// from the node-wide budget of client data (Config.MaxBufferedBytes, with
// streamed uploads), so that a node whose disk is full still answers a
// connection's fetches, as the datastore still answers reads. A fetch that
// the budget cannot hold either fails with the disk's error.
type getSink struct {
	dir, pattern string
	budget       *budget
	mem          bool // memory may be used (the request ends with its connection)

	f       *os.File
	written int64
	buf     *bytes.Buffer // after ENOSPC, when mem
	held    int64         // taken from budget for buf
}

// newGetSink makes a sink writing a temporary file in dir (os.CreateTemp's
// pattern); mem says whether memory may take over on a full disk.
func newGetSink(dir, pattern string, b *budget, mem bool) (*getSink, error) {
	s := &getSink{dir: dir, pattern: pattern, budget: b, mem: mem}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		if !mem || !errors.Is(err, syscall.ENOSPC) {
			return nil, err
		}
		s.buf = new(bytes.Buffer)
		return s, nil
	}
	s.f = f
	return s, nil
}

// Write writes p to the file, or to memory once the disk is full.
func (s *getSink) Write(p []byte) (int, error) {
	if s.buf == nil {
		n, err := s.f.Write(p)
		s.written += int64(n)
		if err == nil || !s.mem || !errors.Is(err, syscall.ENOSPC) {
			return n, err
		}
		if err := s.toMemory(); err != nil {
			return n, err
		}
		p = p[n:]
		m, err := s.memWrite(p)
		return n + m, err
	}
	return s.memWrite(p)
}

// toMemory moves what the file holds into memory and removes the file.
func (s *getSink) toMemory() error {
	if !s.budget.reserveStream(s.written) {
		return s.full(s.written)
	}
	s.held = s.written
	s.buf = bytes.NewBuffer(make([]byte, 0, s.written))
	_, err := io.Copy(s.buf, io.NewSectionReader(s.f, 0, s.written))
	s.f.Close()
	os.Remove(s.f.Name())
	s.f = nil
	if err != nil {
		return fmt.Errorf("fcp: reading back a fetch's data after the disk filled: %w", err)
	}
	return nil
}

func (s *getSink) memWrite(p []byte) (int, error) {
	if !s.budget.reserveStream(int64(len(p))) {
		return 0, s.full(s.held + int64(len(p)))
	}
	s.held += int64(len(p))
	return s.buf.Write(p)
}

func (s *getSink) full(need int64) error {
	return fmt.Errorf("fcp: the disk is full (%w) and %d bytes of fetched data do not fit in the %d bytes the node holds in memory for clients",
		syscall.ENOSPC, need, s.budget.Size()/2)
}

// Close ends writing: the file is closed (it stays, for the caller).
func (s *getSink) Close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// path is the file holding the data, or "" when memory holds it.
func (s *getSink) path() string {
	if s.f != nil {
		return s.f.Name()
	}
	return ""
}

// discard removes the file, or gives the memory back.
func (s *getSink) discard() {
	if s.f != nil {
		os.Remove(s.f.Name())
	}
	s.release()
}

// release gives back the memory held.
func (s *getSink) release() {
	if s.held > 0 {
		s.budget.releaseStream(s.held)
		s.held = 0
	}
	s.buf = nil
}
