package fcpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// GetOptions are the optional fields of a ClientGet.
type GetOptions struct {
	// MaxSize is the largest result accepted (MaxSize); 0 means no limit.
	MaxSize int64
	// Global puts the request on the node's global queue.
	Global bool
	// Persistence is one of the Persistence constants; empty means
	// connection.
	Persistence string
	// Progress, if set, receives SimpleProgress updates (Verbosity is set
	// accordingly). It is called from the request's goroutine.
	Progress func(Progress)
	// Fields are extra raw fields added to the message (e.g. IgnoreDS).
	Fields []fcpwire.Field
}

// GetResult describes fetched data.
type GetResult struct {
	// ContentType is the data's MIME type (Metadata.ContentType).
	ContentType string
	// Size is the number of bytes written.
	Size int64
}

// Get fetches uri and streams the data into w (ReturnType=direct). The data
// goes from the connection to w in small pieces, never whole in memory. It
// returns a *GetFailedError when the node reports GetFailed. If w fails, Get
// returns w's error; the rest of the data is skipped.
func (c *Client) Get(ctx context.Context, uri string, w io.Writer, opts GetOptions) (GetResult, error) {
	req, err := c.register(opts.Global)
	if err != nil {
		return GetResult{}, err
	}
	m := getMessage(req.id, uri, "direct", opts)
	var res GetResult
	err = c.do(ctx, req, m, func(m *fcpwire.Message) (bool, error) {
		if done, err := getCommonReply(m, opts); done || err != nil {
			return false, err
		}
		switch m.Name {
		case "DataFound":
			res.ContentType = m.Get("Metadata.ContentType")
		case "AllData":
			if m.Data == nil {
				return false, errors.New("client: AllData without data")
			}
			if ct := m.Get("Metadata.ContentType"); ct != "" {
				res.ContentType = ct
			}
			n, err := io.Copy(w, ctxReader{ctx, connReader{m.Data}})
			res.Size = n
			if err != nil {
				return false, err
			}
			if n != m.DataLength {
				return false, fmt.Errorf("client: get: got %d of %d bytes", n, m.DataLength)
			}
			return true, nil
		}
		return false, nil // ExpectedMIME, ExpectedDataLength, SendingToNetwork, ...
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// getMessage builds the ClientGet for request id.
func getMessage(id, uri, returnType string, opts GetOptions) *fcpwire.Message {
	m := &fcpwire.Message{Name: "ClientGet"}
	m.Set("Identifier", id).Set("URI", uri).Set("ReturnType", returnType)
	if opts.MaxSize > 0 {
		m.Set("MaxSize", strconv.FormatInt(opts.MaxSize, 10))
	}
	setRequestFields(m, opts.Progress != nil, opts.Global, opts.Persistence, opts.Fields)
	return m
}

// setRequestFields sets the fields every ClientGet and ClientPut may carry:
// Verbosity (progress wanted), Global, Persistence, then the caller's extra
// fields, which override.
func setRequestFields(m *fcpwire.Message, progress, global bool, persistence string, extra []fcpwire.Field) {
	if progress {
		m.Set("Verbosity", "1")
	}
	if global {
		m.Set("Global", "true")
	}
	if persistence != "" {
		m.Set("Persistence", persistence)
	}
	for _, f := range extra {
		m.Set(f.Name, f.Value)
	}
}

// getCommonReply handles the replies every ClientGet can get: errors,
// SimpleProgress and GetFailed. done reports that m was handled.
func getCommonReply(m *fcpwire.Message, opts GetOptions) (done bool, err error) {
	if err := commonReply(m); err != nil {
		return true, err
	}
	switch m.Name {
	case "SimpleProgress":
		if opts.Progress != nil {
			opts.Progress(progressFrom(m))
		}
		return true, nil
	case "GetFailed":
		return true, &GetFailedError{FailedError: failedFrom(m), RedirectURI: m.Get("RedirectURI")}
	}
	return false, nil
}

// connReader marks errors reading a message's data as connection errors.
type connReader struct{ r io.Reader }

func (cr connReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	if err != nil && err != io.EOF {
		err = &ConnectionError{Err: err}
	}
	return n, err
}
