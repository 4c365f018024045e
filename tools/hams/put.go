package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
)

func init() {
	register(&Command{
		Name:    "put",
		Usage:   "put [--fcp ADDR] [--uri URI] [--type MIME] FILE|-",
		Summary: "insert a file (or standard input, '-') and print its request URI",
		Run:     runPut,
	})
}

func runPut(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["put"])
	addr := fcpFlag(fs)
	uri := fs.String("uri", "CHK@", "where to insert: CHK@, an SSK@/USK@ insert URI (see hams keygen) or KSK@name")
	ctype := fs.String("type", "", "MIME type (default: guessed from the file name)")
	noCompress := fs.Bool("no-compress", false, "do not compress the data")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("put takes one FILE (or - for standard input), got %d arguments", len(pos))
	}
	src, size, cleanup, err := openInput(env, pos[0])
	if err != nil {
		return err
	}
	defer cleanup()
	if *ctype == "" && pos[0] != "-" {
		*ctype = mime.TypeByExtension(filepath.Ext(pos[0]))
	}

	c, err := dial(ctx, env, *addr, "put")
	if err != nil {
		return err
	}
	defer c.Close()
	opts := fcpclient.PutOptions{URI: *uri, ContentType: *ctype, DontCompress: *noCompress}
	bar := newProgress(env, "inserting", size)
	opts.Progress = bar.update
	var got string
	if path, ok := readableByNode(ctx, c, pos[0]); ok {
		// The node reads the file itself: nothing crosses the connection.
		ddaHook("put")
		got, err = c.PutFile(ctx, path, opts)
	} else {
		got, err = c.Put(ctx, bar.reader(src, size), size, opts)
	}
	bar.done()
	if err != nil {
		var pf *fcpclient.PutFailedError
		if errors.As(err, &pf) && pf.Code == fcpwire.InsertCollision {
			return withHint(err, "something else is already inserted at this URI; use a new name or edition")
		}
		if detail, ok := diskFullDetail(pf); ok {
			return withHint(&nodeDiskFullError{detail, err}, "free space on the disk of the node's directory; the node accepts inserts again by itself (docs/operator.md, \"When the disk is full\")")
		}
		return requestError(err)
	}
	_, err = fmt.Fprintln(env.Stdout, got)
	return err
}

// nodeDiskFullError is an insert the node refused for lack of disk space
// (PutFailed code 2 with the datastore's "disk full" detail), printed as
// "insert failed: disk full on the node: …" without fred's code texts.
type nodeDiskFullError struct {
	detail string
	err    error
}

func (e *nodeDiskFullError) Error() string {
	return "insert failed: disk full on the node: " + e.detail
}
func (e *nodeDiskFullError) Unwrap() error { return e.err }

// diskFullDetail returns the datastore's account of a full disk ("3.0 MiB
// free on DIR, below the reserve of 64.0 MiB") from a PutFailed, if that is
// why the insert failed.
func diskFullDetail(pf *fcpclient.PutFailedError) (string, bool) {
	const marker = "datastore: disk full: "
	if pf == nil || pf.Code != fcpwire.InsertBucketError {
		return "", false
	}
	_, detail, ok := strings.Cut(pf.ExtraDescription, marker)
	return detail, ok
}

// testHookDDA, set by tests, hears each transfer that uses direct disk
// access.
var testHookDDA func(op string)

func ddaHook(op string) {
	if testHookDDA != nil {
		testHookDDA(op)
	}
}

// readableByNode returns name's absolute path if the node may read it
// directly (FCP direct disk access, after TestDDA): true when the node runs
// on this machine as a user who can read the file's directory.
func readableByNode(ctx context.Context, c *fcpclient.Client, name string) (string, bool) {
	if name == "-" {
		return "", false
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", false
	}
	readOK, _, err := c.TestDDA(ctx, filepath.Dir(abs), true, false)
	return abs, err == nil && readOK
}

// openInput opens FILE or standard input ("-") and returns it with its size.
// FCP needs the size up front, so standard input that is not a regular file
// is first spooled to a temporary file; cleanup removes it.
func openInput(env *Env, name string) (r io.Reader, size int64, cleanup func(), err error) {
	none := func() {}
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, 0, none, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, none, err
		}
		if !st.Mode().IsRegular() {
			f.Close()
			return nil, 0, none, withHint(fmt.Errorf("%s is not a regular file", name),
				"to insert a stream, pipe it in: hams put - < SOURCE")
		}
		return f, st.Size(), func() { f.Close() }, nil
	}
	if f, ok := env.Stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && off <= st.Size() {
				return f, st.Size() - off, none, nil
			}
		}
	}
	tmp, err := os.CreateTemp("", "hams-put-*")
	if err != nil {
		return nil, 0, none, fmt.Errorf("spooling standard input: %w", err)
	}
	cleanup = func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	size, err = io.Copy(tmp, env.Stdin)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, none, fmt.Errorf("spooling standard input: %w", err)
	}
	return tmp, size, cleanup, nil
}
