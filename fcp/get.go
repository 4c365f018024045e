package fcp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// parseRequestURI parses a ClientGet or SubscribeUSK URI.
func parseRequestURI(m *fcpwire.Message) (keys.URI, error) {
	raw, err := m.Require("URI")
	if err != nil {
		return keys.URI{}, err
	}
	u, err := keys.Parse(strings.TrimPrefix(raw, "freenet:"))
	if err != nil {
		return u, m.Errorf(fcpwire.CodeURIParseError, "URI: %v", err)
	}
	return u, nil
}

// clientGet handles ClientGet.
func (c *conn) clientGet(m *fcpwire.Message) error {
	r, err := c.newRequest(m, kindGet)
	if err != nil {
		return err
	}
	if _, err := parseRequestURI(m); err != nil {
		return err
	}
	if n, err := m.Int64("MaxSize", 0); err != nil {
		return err
	} else if n < 0 {
		return m.Errorf(fcpwire.CodeInvalidField, "MaxSize=%d is negative", n)
	}
	switch rt := m.Get("ReturnType"); rt {
	case "", "direct", "none":
	case "disk":
		name, err := m.Require("Filename")
		if err != nil {
			return err
		}
		if !filepath.IsAbs(name) {
			return m.Errorf(fcpwire.CodeCouldNotCreateFile, "%s is not an absolute path", name)
		}
		if !c.ddaAllowed(name, true) {
			return m.Errorf(fcpwire.CodeDDADenied, "no TestDDA for writing %s", filepath.Dir(name))
		}
		if _, err := os.Lstat(name); err == nil {
			return m.Errorf(fcpwire.CodeDiskTargetExists, "%s exists", name)
		}
	default:
		return m.Errorf(fcpwire.CodeInvalidField, "ReturnType=%q is not direct, disk or none", rt)
	}
	if !c.register(r) {
		return c.send(identifierCollision(r.ID, r.Global))
	}
	if r.Persistence == persistForever {
		c.s.save(r)
	}
	r.start()
	return nil
}

// runGet performs a ClientGet.
func (r *request) runGet(ctx context.Context) {
	m := r.orig()
	u, err := keys.Parse(strings.TrimPrefix(m.Get("URI"), "freenet:"))
	if err != nil {
		r.finishGet(GetResult{}, &FetchError{Code: fcpwire.FetchInvalidURI, Extra: err.Error()})
		return
	}
	maxSize, _ := m.Int64("MaxSize", 0)
	var w io.Writer = io.Discard
	var sink *getSink
	switch m.Get("ReturnType") {
	case "", "direct":
		// A connection's fetch may be held in memory when the disk is
		// full; a persistent one waits for its client on disk.
		sink, err = newGetSink(r.s.dataDir(), r.key()+"-*", r.s.budget, r.owner != nil)
	case "disk":
		sink, err = newGetSink(filepath.Dir(m.Get("Filename")), ".hams-fcp-*", r.s.budget, false)
	}
	if err != nil {
		r.finishGet(GetResult{}, &FetchError{Code: 12, Extra: err.Error()})
		return
	}
	if sink != nil {
		w = sink
	}
	res, err := r.s.b.Get(ctx, u, w, GetOptions{MaxSize: maxSize, Progress: r.progressFunc()})
	tmp := ""
	if sink != nil {
		if cerr := sink.Close(); err == nil && cerr != nil {
			err = &FetchError{Code: 12, Extra: cerr.Error()}
		}
		tmp = sink.path()
		if err == nil && m.Get("ReturnType") == "disk" {
			// Link, not rename, so an existing file is never replaced.
			if err = os.Link(tmp, m.Get("Filename")); err != nil {
				err = &FetchError{Code: 12, Extra: err.Error()}
			}
			sink.discard()
			sink, tmp = nil, ""
		}
		if err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				err = &FetchError{Code: 12, Extra: err.Error()}
			}
			sink.discard()
			sink, tmp = nil, ""
		}
	}
	r.s.mu.Lock()
	r.DataFile = tmp
	if sink != nil && tmp == "" {
		r.dataMem = sink
	}
	r.s.mu.Unlock()
	r.finishGet(res, err)
}

// finishGet reports a fetch's end.
func (r *request) finishGet(res GetResult, err error) {
	if err != nil {
		code := fetchCodeOf(err)
		m := &fcpwire.Message{Name: "GetFailed"}
		m.Set("Code", strconv.Itoa(code)).Set("CodeDescription", fcpwire.FetchDescription(code))
		if x := extraOf(err); x != "" {
			m.Set("ExtraDescription", x)
		}
		var fe *FetchError
		if errors.As(err, &fe) && fe.RedirectURI.Type != 0 {
			m.Set("RedirectURI", fe.RedirectURI.String())
		}
		m.Set("Fatal", strconv.FormatBool(!fcpwire.FetchRetryable(code)))
		m.Set("ShortCodeDescription", fcpwire.FetchShortDescription(code))
		m.Set("Identifier", r.ID).Set("Global", strconv.FormatBool(r.Global))
		r.finish(false, m)
		return
	}
	ct := res.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	m := r.head("DataFound").Set("Metadata.ContentType", ct).
		Set("DataLength", strconv.FormatInt(res.Size, 10)).
		Set("StartupTime", strconv.FormatInt(r.Started, 10)).
		Set("CompletionTime", strconv.FormatInt(r.s.nowMillis(), 10))
	r.finish(true, m)
}

// allData returns the AllData message of a finished direct get, with what
// holds its data (the caller closes it), or nil.
func (r *request) allData() (*fcpwire.Message, io.Closer) {
	r.s.mu.Lock()
	path, mem := r.DataFile, r.dataMem
	var found *fcpwire.Message
	for _, sm := range r.Final {
		if sm.Name == "DataFound" {
			found = sm.msg()
		}
	}
	r.s.mu.Unlock()
	if (path == "" && mem == nil) || found == nil {
		return nil, nil
	}
	m := r.head("AllData").Set("StartupTime", found.Get("StartupTime")).
		Set("CompletionTime", found.Get("CompletionTime")).
		Set("Metadata.ContentType", found.Get("Metadata.ContentType"))
	if mem != nil {
		data := mem.buf.Bytes()
		m.Data, m.DataLength = bytes.NewReader(data), int64(len(data))
		return m, io.NopCloser(nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil
	}
	m.Data, m.DataLength = f, st.Size()
	return m, f
}
