package fcpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// Progress is a request's progress in blocks, from fred's SimpleProgress.
type Progress struct {
	// Total is the number of blocks the request may touch, Required how many
	// must succeed, Failed and Succeeded how many did so far.
	Total, Required, Failed, FatallyFailed, Succeeded int64
	// FinalizedTotal means Total will not grow any more.
	FinalizedTotal bool
}

func progressFrom(m *fcpwire.Message) Progress {
	n := func(k string) int64 { v, _ := m.Int64(k, 0); return v }
	fin, _ := m.Bool("FinalizedTotal", false)
	return Progress{
		Total: n("Total"), Required: n("Required"), Failed: n("Failed"),
		FatallyFailed: n("FatallyFailed"), Succeeded: n("Succeeded"),
		FinalizedTotal: fin,
	}
}

// Persistence values for the Persistence field.
const (
	PersistenceConnection = "connection" // the default: ends with the connection
	PersistenceReboot     = "reboot"     // survives the connection, not a restart
	PersistenceForever    = "forever"    // survives a node restart
)

// PutOptions are the optional fields of a ClientPut.
type PutOptions struct {
	// URI is where to insert: "CHK@" (the default), an SSK/USK insert URI,
	// or "KSK@name".
	URI string
	// ContentType is Metadata.ContentType; empty lets the node choose.
	ContentType string
	// DontCompress skips compression.
	DontCompress bool
	// GetCHKOnly computes the URI without inserting.
	GetCHKOnly bool
	// Global puts the request on the node's global queue.
	Global bool
	// Persistence is one of the Persistence constants; empty means
	// connection.
	Persistence string
	// Progress, if set, receives SimpleProgress updates (Verbosity is set
	// accordingly). It is called from the request's goroutine.
	Progress func(Progress)
	// Fields are extra raw fields added to the message (e.g. PriorityClass).
	Fields []fcpwire.Field
}

func (o *PutOptions) apply(m *fcpwire.Message) {
	uri := o.URI
	if uri == "" {
		uri = "CHK@"
	}
	m.Set("URI", uri)
	if o.ContentType != "" {
		m.Set("Metadata.ContentType", o.ContentType)
	}
	if o.DontCompress {
		m.Set("DontCompress", "true")
	}
	if o.GetCHKOnly {
		m.Set("GetCHKOnly", "true")
	}
	setRequestFields(m, o.Progress != nil, o.Global, o.Persistence, o.Fields)
}

// putReply handles the replies shared by ClientPut and ClientPutComplexDir.
func putReply(opts *PutOptions, uri *string) func(*fcpwire.Message) (bool, error) {
	return func(m *fcpwire.Message) (bool, error) {
		if err := commonReply(m); err != nil {
			return false, err
		}
		switch m.Name {
		case "URIGenerated":
			*uri = m.Get("URI")
		case "SimpleProgress":
			if opts.Progress != nil {
				opts.Progress(progressFrom(m))
			}
		case "PutSuccessful":
			if u := m.Get("URI"); u != "" {
				*uri = u
			}
			if *uri == "" {
				return false, errors.New("client: PutSuccessful without a URI")
			}
			return true, nil
		case "PutFailed":
			return false, &PutFailedError{FailedError: failedFrom(m), ExpectedURI: m.Get("ExpectedURI")}
		}
		return false, nil // StartedCompression, PutFetchable, ExpectedHashes, ...
	}
}

// Put inserts size bytes read from r and returns the URI to fetch them with.
// The data is streamed to the node (UploadFrom=direct), never held whole in
// memory. It returns a *PutFailedError when the node reports PutFailed.
func (c *Client) Put(ctx context.Context, r io.Reader, size int64, opts PutOptions) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("client: put: negative size %d", size)
	}
	req, err := c.register(opts.Global)
	if err != nil {
		return "", err
	}
	m := &fcpwire.Message{Name: "ClientPut", Data: ctxReader{ctx, r}, DataLength: size}
	m.Set("Identifier", req.id)
	opts.apply(m)
	m.Set("UploadFrom", "direct")
	var uri string
	if err := c.do(ctx, req, m, putReply(&opts, &uri)); err != nil {
		return "", err
	}
	return uri, nil
}

// DirFile is one file of a PutDir: Name inside the directory, its data and
// its size.
type DirFile struct {
	// Name is the file's name in the manifest (may contain '/').
	Name string
	// Data yields exactly Size bytes.
	Data io.Reader
	Size int64
	// ContentType is Metadata.ContentType; empty lets the node guess.
	ContentType string
}

// PutDirOptions are the optional fields of a ClientPutComplexDir.
type PutDirOptions struct {
	PutOptions
	// DefaultName is the file shown when the directory itself is fetched.
	DefaultName string
}

// PutDir inserts a directory (a manifest) of files with ClientPutComplexDir,
// each file's data sent direct after the message, in order, and returns the
// manifest's URI.
func (c *Client) PutDir(ctx context.Context, files []DirFile, opts PutDirOptions) (string, error) {
	req, err := c.register(opts.Global)
	if err != nil {
		return "", err
	}
	m := &fcpwire.Message{Name: "ClientPutComplexDir"}
	m.Set("Identifier", req.id)
	popts := opts.PutOptions
	popts.ContentType = "" // per file
	popts.apply(m)
	if opts.DefaultName != "" {
		m.Set("DefaultName", opts.DefaultName)
	}
	var total int64
	readers := make([]io.Reader, 0, len(files))
	for i, f := range files {
		if f.Size < 0 {
			c.unregister(req)
			return "", fmt.Errorf("client: putdir: %s: negative size", f.Name)
		}
		p := "Files." + strconv.Itoa(i) + "."
		m.Set(p+"Name", f.Name)
		m.Set(p+"UploadFrom", "direct")
		m.Set(p+"DataLength", strconv.FormatInt(f.Size, 10))
		if f.ContentType != "" {
			m.Set(p+"Metadata.ContentType", f.ContentType)
		}
		total += f.Size
		readers = append(readers, &exactReader{r: io.LimitReader(f.Data, f.Size), n: f.Size, name: f.Name})
	}
	// The files' data follows the message back to back; fred reads each
	// Files.N.DataLength in order. The top-level DataLength is their sum.
	m.Data = ctxReader{ctx, io.MultiReader(readers...)}
	m.DataLength = total
	var uri string
	if err := c.do(ctx, req, m, putReply(&popts, &uri)); err != nil {
		return "", err
	}
	return uri, nil
}

// exactReader fails when its reader ends before n bytes, so that one short
// file cannot shift the next file's data.
type exactReader struct {
	r    io.Reader
	n    int64
	name string
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n -= int64(n)
	if err == io.EOF && e.n > 0 {
		err = fmt.Errorf("client: putdir: %s: data ended %d bytes short: %w", e.name, e.n, io.ErrUnexpectedEOF)
	}
	return n, err
}
