package fcp

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	var f *os.File
	var tmp string
	switch m.Get("ReturnType") {
	case "", "direct":
		f, err = os.CreateTemp(r.s.dataDir(), r.key()+"-*")
	case "disk":
		f, err = os.CreateTemp(filepath.Dir(m.Get("Filename")), ".hams-fcp-*")
	}
	if err != nil {
		r.finishGet(GetResult{}, &FetchError{Code: 12, Extra: err.Error()})
		return
	}
	if f != nil {
		w, tmp = f, f.Name()
	}
	res, err := r.s.b.Get(ctx, u, w, GetOptions{MaxSize: maxSize, Progress: r.progressFunc()})
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = &FetchError{Code: 12, Extra: cerr.Error()}
		}
		if err == nil && m.Get("ReturnType") == "disk" {
			// Link, not rename, so an existing file is never replaced.
			if err = os.Link(tmp, m.Get("Filename")); err != nil {
				err = &FetchError{Code: 12, Extra: err.Error()}
			}
			os.Remove(tmp)
			tmp = ""
		}
		if err != nil && tmp != "" {
			os.Remove(tmp)
			tmp = ""
		}
	}
	r.s.mu.Lock()
	r.DataFile = tmp
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

// allData returns the AllData message of a finished direct get, with its
// data file open (the caller closes it), or nil.
func (r *request) allData() (*fcpwire.Message, *os.File) {
	r.s.mu.Lock()
	path := r.DataFile
	var found *fcpwire.Message
	for _, sm := range r.Final {
		if sm.Name == "DataFound" {
			found = sm.msg()
		}
	}
	r.s.mu.Unlock()
	if path == "" || found == nil {
		return nil, nil
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
	m := r.head("AllData").Set("StartupTime", found.Get("StartupTime")).
		Set("CompletionTime", found.Get("CompletionTime")).
		Set("Metadata.ContentType", found.Get("Metadata.ContentType"))
	m.Data, m.DataLength = f, st.Size()
	return m, f
}
