package fcp

import (
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// ddaState is a connection's Direct Disk Access state: the directories
// TestDDA proved it may read and write, and the tests under way. Only the
// reader goroutine touches it.
type ddaState struct {
	read, write []string
	pending     map[string]*ddaJob
}

type ddaJob struct {
	wantRead, wantWrite     bool
	readFile, readContent   string // the node wrote it; the client reads it
	writeFile, writeContent string // the client writes it; the node reads it
}

// ddaAllowed reports whether TestDDA allowed reading (write false) or
// writing the directory holding path.
func (c *conn) ddaAllowed(path string, write bool) bool {
	dirs := c.dda.read
	if write {
		dirs = c.dda.write
	}
	dir := filepath.Clean(filepath.Dir(path))
	for _, d := range dirs {
		if dir == d || strings.HasPrefix(dir, d+string(filepath.Separator)) || d == string(filepath.Separator) {
			return true
		}
	}
	return false
}

func (c *conn) randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.s.cfg.Rand, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func (c *conn) testDDARequest(m *fcpwire.Message) error {
	dir, err := m.Require("Directory")
	if err != nil {
		return err
	}
	if !filepath.IsAbs(dir) {
		return m.Errorf(fcpwire.CodeInvalidField, "Directory %q is not absolute", dir)
	}
	dir = filepath.Clean(dir)
	wantRead, err := m.Bool("WantReadDirectory", false)
	if err != nil {
		return err
	}
	wantWrite, err := m.Bool("WantWriteDirectory", false)
	if err != nil {
		return err
	}
	if !wantRead && !wantWrite {
		return m.Errorf(fcpwire.CodeInvalidMessage, "TestDDARequest wants neither reading nor writing")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s is not a directory", dir)
	}
	job := &ddaJob{wantRead: wantRead, wantWrite: wantWrite}
	reply := &fcpwire.Message{Name: "TestDDAReply"}
	reply.Set("Directory", dir)
	if wantRead {
		name, err := c.randomHex(8)
		if err != nil {
			return &fcpwire.ProtocolError{Code: fcpwire.CodeInternalError, Extra: err.Error()}
		}
		content, _ := c.randomHex(16)
		job.readFile = filepath.Join(dir, "DDACheck-"+name+".tmp")
		job.readContent = content
		if err := os.WriteFile(job.readFile, []byte(content), 0o600); err != nil {
			// The node cannot put the test file there: no access.
			return c.send(ddaComplete(dir, false, false, wantRead, wantWrite))
		}
		reply.Set("ReadFilename", job.readFile)
	}
	if wantWrite {
		name, err := c.randomHex(8)
		if err != nil {
			return &fcpwire.ProtocolError{Code: fcpwire.CodeInternalError, Extra: err.Error()}
		}
		job.writeFile = filepath.Join(dir, "DDACheck-"+name+".tmp")
		job.writeContent, _ = c.randomHex(16)
		reply.Set("WriteFilename", job.writeFile).Set("ContentToWrite", job.writeContent)
	}
	if c.dda.pending == nil {
		c.dda.pending = map[string]*ddaJob{}
	}
	if old := c.dda.pending[dir]; old != nil && old.readFile != "" {
		os.Remove(old.readFile)
	}
	c.dda.pending[dir] = job
	return c.send(reply)
}

func ddaComplete(dir string, read, write, wantRead, wantWrite bool) *fcpwire.Message {
	m := &fcpwire.Message{Name: "TestDDAComplete"}
	m.Set("Directory", dir)
	if wantRead {
		m.Set("ReadDirectoryAllowed", boolStr(read))
	}
	if wantWrite {
		m.Set("WriteDirectoryAllowed", boolStr(write))
	}
	return m
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (c *conn) testDDAResponse(m *fcpwire.Message) error {
	dir, err := m.Require("Directory")
	if err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	job := c.dda.pending[dir]
	if job == nil {
		return m.Errorf(fcpwire.CodeInvalidMessage, "no TestDDARequest pending for %s", dir)
	}
	delete(c.dda.pending, dir)
	var read, write bool
	if job.wantRead {
		read = m.Get("ReadContent") == job.readContent
		os.Remove(job.readFile)
	}
	if job.wantWrite {
		b, err := os.ReadFile(job.writeFile)
		write = err == nil && strings.TrimSpace(string(b)) == job.writeContent
	}
	if read {
		c.dda.read = append(c.dda.read, dir)
	}
	if write {
		c.dda.write = append(c.dda.write, dir)
	}
	return c.send(ddaComplete(dir, read, write, job.wantRead, job.wantWrite))
}
