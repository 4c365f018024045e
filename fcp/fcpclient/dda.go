package fcpclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// TestDDA runs fred's direct-disk-access handshake for directory dir (an
// absolute path): it proves to the node that this client runs on the same
// machine with access to dir, so that the node may read files there for
// PutFile (read) or write them for GetFile (write). It returns what the node
// allowed. The node remembers the grant for this connection.
func (c *Client) TestDDA(ctx context.Context, dir string, read, write bool) (readOK, writeOK bool, err error) {
	if !filepath.IsAbs(dir) {
		return false, false, fmt.Errorf("client: TestDDA: %q is not an absolute path", dir)
	}
	dir = filepath.Clean(dir)
	req := &fcpwire.Message{Name: "TestDDARequest"}
	req.Set("Directory", dir).Set("WantReadDirectory", strconv.FormatBool(read)).Set("WantWriteDirectory", strconv.FormatBool(write))
	var reply, complete *fcpwire.Message
	err = c.exchange(ctx, req, func(m *fcpwire.Message) (bool, error) {
		switch {
		case m.Name == "ProtocolError":
			return false, protocolErrorFrom(m)
		case m.Get("Directory") != dir:
		case m.Name == "TestDDAReply":
			reply = m
			return true, nil
		case m.Name == "TestDDAComplete": // the node could not even set up the test
			complete = m
			return true, nil
		}
		c.unsolicited(m)
		return false, nil
	})
	if err != nil {
		return false, false, err
	}
	if complete == nil {
		resp := &fcpwire.Message{Name: "TestDDAResponse"}
		resp.Set("Directory", dir)
		if f := reply.Get("ReadFilename"); f != "" {
			b, err := os.ReadFile(f)
			if err == nil {
				resp.Set("ReadContent", string(b))
			}
		}
		written := ""
		if f := reply.Get("WriteFilename"); f != "" {
			if err := os.WriteFile(f, []byte(reply.Get("ContentToWrite")), 0o600); err == nil {
				written = f
			}
		}
		err = c.exchange(ctx, resp, func(m *fcpwire.Message) (bool, error) {
			switch {
			case m.Name == "ProtocolError":
				return false, protocolErrorFrom(m)
			case m.Name == "TestDDAComplete" && m.Get("Directory") == dir:
				complete = m
				return true, nil
			}
			c.unsolicited(m)
			return false, nil
		})
		if written != "" {
			os.Remove(written)
		}
		if err != nil {
			return false, false, err
		}
	}
	readOK, _ = complete.Bool("ReadDirectoryAllowed", false)
	writeOK, _ = complete.Bool("WriteDirectoryAllowed", false)
	return readOK, writeOK, nil
}

// PutFile inserts the file at path (absolute) by letting the node read it
// itself (ClientPut UploadFrom=disk): nothing crosses the connection but the
// messages. The connection must have passed TestDDA with read access to the
// file's directory.
func (c *Client) PutFile(ctx context.Context, path string, opts PutOptions) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("client: PutFile: %q is not an absolute path", path)
	}
	return c.putWithout(ctx, opts, "UploadFrom", "disk", "Filename", path)
}

// putWithout runs a ClientPut that carries no data, with the given fields
// (name, value pairs) added to opts's, and returns the URI.
func (c *Client) putWithout(ctx context.Context, opts PutOptions, fields ...string) (string, error) {
	req, err := c.register(opts.Global)
	if err != nil {
		return "", err
	}
	m := &fcpwire.Message{Name: "ClientPut"}
	m.Set("Identifier", req.id)
	opts.apply(m)
	for i := 0; i+1 < len(fields); i += 2 {
		m.Set(fields[i], fields[i+1])
	}
	var uri string
	if err := c.do(ctx, req, m, putReply(&opts, &uri)); err != nil {
		return "", err
	}
	return uri, nil
}

// PutRedirect inserts, under opts.URI, a redirect to target (a request
// URI, with meta-strings if any) instead of data (ClientPut
// UploadFrom=redirect): fetching the returned URI fetches target.
// opts.ContentType, if set, is recorded in the redirect.
func (c *Client) PutRedirect(ctx context.Context, target string, opts PutOptions) (string, error) {
	return c.putWithout(ctx, opts, "UploadFrom", "redirect", "TargetURI", target)
}

// ErrExists is returned by GetFile when the target file already exists: the
// node never overwrites a file.
var ErrExists = errors.New("client: target file exists")

// GetFile fetches uri into the file at path (absolute, not existing) by
// letting the node write it itself (ClientGet ReturnType=disk): the data does
// not cross the connection. The connection must have passed TestDDA with
// write access to the file's directory.
func (c *Client) GetFile(ctx context.Context, uri, path string, opts GetOptions) (GetResult, error) {
	if !filepath.IsAbs(path) {
		return GetResult{}, fmt.Errorf("client: GetFile: %q is not an absolute path", path)
	}
	if _, err := os.Lstat(path); err == nil {
		return GetResult{}, fmt.Errorf("%w: %s", ErrExists, path)
	}
	req, err := c.register(opts.Global)
	if err != nil {
		return GetResult{}, err
	}
	m := getMessage(req.id, uri, "disk", opts)
	m.Set("Filename", path)
	var res GetResult
	err = c.do(ctx, req, m, func(m *fcpwire.Message) (bool, error) {
		if done, err := getCommonReply(m, opts); done || err != nil {
			return false, err
		}
		if m.Name == "DataFound" { // sent once the file is in place
			res.ContentType = m.Get("Metadata.ContentType")
			res.Size, _ = m.Int64("DataLength", 0)
			return true, nil
		}
		return false, nil
	})
	return res, err
}
