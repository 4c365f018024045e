package fcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// savedEntry is one file of a directory insert, as kept with the request.
type savedEntry struct {
	Name        string
	ContentType string `json:",omitempty"`
	Path        string `json:",omitempty"` // data on disk
	Redirect    string `json:",omitempty"`
}

// maxDirFiles bounds the files of one directory insert.
const maxDirFiles = 100000

// clientPutDiskDir handles ClientPutDiskDir: insert a local directory.
func (c *conn) clientPutDiskDir(m *fcpwire.Message) error {
	r, err := c.newRequest(m, kindPutDir)
	if err != nil {
		return err
	}
	if err := c.checkDirURI(m); err != nil {
		return err
	}
	dir, err := m.Require("Filename")
	if err != nil {
		return err
	}
	hidden, err := m.Bool("IncludeHiddenFiles", false)
	if err != nil {
		return err
	}
	unreadable, err := m.Bool("AllowUnreadableFiles", false)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(dir) {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s is not an absolute path", dir)
	}
	dir = filepath.Clean(dir)
	if err := c.checkUploadAllowed(m, dir); err != nil {
		return err
	}
	if !c.ddaAllowed(filepath.Join(dir, "x"), false) {
		return m.Errorf(fcpwire.CodeDDADenied, "no TestDDA for reading %s", dir)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A directory that cannot be listed: unreadable too.
			if unreadable && p != dir {
				return nil
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir && !hidden {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return nil // symbolic links are not followed
		}
		if err := readableFile(p, d.Type()); err != nil {
			if unreadable {
				return nil
			}
			return err
		}
		if len(r.Entries) >= maxDirFiles {
			return errTooManyFiles
		}
		rel, _ := filepath.Rel(dir, p)
		r.Entries = append(r.Entries, savedEntry{Name: filepath.ToSlash(rel), Path: p})
		return nil
	})
	if err == errTooManyFiles {
		return m.Errorf(fcpwire.CodeTooManyFilesInInsert, "more than %d files", maxDirFiles)
	}
	if err != nil {
		return m.Errorf(fcpwire.CodeFileNotFound, "%v", err)
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

// readableFile returns why the node cannot read the directory entry p, of
// type t (neither a directory nor a symbolic link), as a file to insert,
// or nil if it can: an entry that is not a regular file (a FIFO, a socket,
// a device) is not one, and a regular file must open for reading, as the
// insert will open it (a file without read permission does not). fred
// refuses the same two kinds ("Not directory and not file", "Not readable
// or doesn't exist"). The file is opened without blocking, in case it was
// replaced by a FIFO meanwhile.
func readableFile(p string, t fs.FileMode) error {
	if !t.IsRegular() {
		return fmt.Errorf("%s is not a regular file or a directory", p)
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path comes first
		}
		return fmt.Errorf("%s cannot be read: %w", p, err)
	}
	return f.Close()
}

type dirError string

func (e dirError) Error() string { return string(e) }

const errTooManyFiles = dirError("too many files")

func (c *conn) checkDirURI(m *fcpwire.Message) error {
	raw, err := m.Require("URI")
	if err != nil {
		return err
	}
	if _, err := c.s.parseInsertURI(raw); err != nil {
		return m.Errorf(fcpwire.CodeURIParseError, "URI: %v", err)
	}
	return nil
}

// complexFile is one Files.N entry of ClientPutComplexDir.
type complexFile struct {
	savedEntry
	from   string
	length int64
}

// clientPutComplexDir handles ClientPutComplexDir: files given one by one
// (Files.N.*), direct ones concatenated in the message's data in N order.
func (c *conn) clientPutComplexDir(m *fcpwire.Message) error {
	r, err := c.newRequest(m, kindPutDir)
	if err != nil {
		return err
	}
	if err := c.checkDirURI(m); err != nil {
		return err
	}
	var files []complexFile
	var direct int64
	for n := 0; ; n++ {
		p := "Files." + strconv.Itoa(n) + "."
		name, ok := m.Lookup(p + "Name")
		if !ok {
			break
		}
		if n >= maxDirFiles {
			return m.Errorf(fcpwire.CodeTooManyFilesInInsert, "more than %d files", maxDirFiles)
		}
		f := complexFile{savedEntry: savedEntry{Name: name, ContentType: m.Get(p + "Metadata.ContentType")}}
		f.from = m.Get(p + "UploadFrom")
		switch f.from {
		case "", "direct":
			f.from = "direct"
			if f.length, err = m.Int64(p+"DataLength", -1); err != nil {
				return err
			}
			if f.length < 0 {
				return m.Errorf(fcpwire.CodeMissingField, "%sDataLength is missing", p)
			}
			direct += f.length
		case "disk":
			fn, err := m.Require(p + "Filename")
			if err != nil {
				return err
			}
			if err := c.checkUploadAllowed(m, fn); err != nil {
				return err
			}
			if err := c.checkFile(m, fn); err != nil {
				return err
			}
			f.Path = fn
		case "redirect":
			t, err := m.Require(p + "TargetURI")
			if err != nil {
				return err
			}
			u, err := keys.Parse(strings.TrimPrefix(t, "freenet:"))
			if err != nil {
				return m.Errorf(fcpwire.CodeURIParseError, "%sTargetURI: %v", p, err)
			}
			f.Redirect = u.String()
		default:
			return m.Errorf(fcpwire.CodeInvalidField, "%sUploadFrom=%q is not direct, disk or redirect", p, f.from)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return m.Errorf(fcpwire.CodeMissingField, "ClientPutComplexDir needs Files.0.Name")
	}
	if direct > 0 && (m.Data == nil || m.DataLength != direct) {
		return m.Errorf(fcpwire.CodeInvalidField, "DataLength must be the sum of the direct files' lengths (%d)", direct)
	}
	if !c.register(r) {
		return c.send(identifierCollision(r.ID, r.Global))
	}
	if direct > 0 {
		dir, err := os.MkdirTemp(c.s.spoolDir(), r.key()+"-*")
		if err != nil {
			c.unregister(r)
			return &fcpwire.ProtocolError{Code: fcpwire.CodeIOError, Extra: err.Error(), Fatal: true}
		}
		r.Spool, r.OwnSpool = dir, true
		for i := range files {
			if files[i].from != "direct" {
				continue
			}
			p := filepath.Join(dir, strconv.Itoa(i))
			if err := spoolN(p, m.Data, files[i].length); err != nil {
				c.unregister(r)
				os.RemoveAll(dir)
				return fatalErr{err}
			}
			files[i].Path = p
		}
	}
	for _, f := range files {
		r.Entries = append(r.Entries, f.savedEntry)
	}
	// The Files.N fields live on as Entries: keep the rest only (a large
	// site's header would otherwise stay in memory for the request's life).
	r.Fields = slices.DeleteFunc(r.Fields, func(f fcpwire.Field) bool { return strings.HasPrefix(f.Name, "Files.") })
	if r.Persistence == persistForever {
		c.s.save(r)
	}
	r.start()
	return nil
}

func spoolN(path string, r io.Reader, n int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = fcpwire.CopyN(f, r, n) // holds no buffer while it waits (see spool)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// runPutDir performs a directory insert.
func (r *request) runPutDir(ctx context.Context) {
	u, err := r.putURI()
	if err != nil {
		r.finishPut(u, keys.URI{}, err)
		return
	}
	r.announceURI(u)
	entries := make([]DirEntry, 0, len(r.Entries))
	for _, e := range r.Entries {
		de := DirEntry{Name: e.Name, ContentType: e.ContentType}
		if de.ContentType == "" && e.Redirect == "" {
			de.ContentType = GuessContentType(e.Name) // as fred, by the file's name
		}
		if e.Redirect != "" {
			t, err := keys.Parse(e.Redirect)
			if err != nil {
				r.finishPut(u, keys.URI{}, &InsertError{Code: fcpwire.InsertInvalidURI, Extra: err.Error()})
				return
			}
			de.Redirect = &t
		} else {
			path := e.Path
			de.Open = func() (io.ReadCloser, error) { return os.Open(path) }
		}
		entries = append(entries, de)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	got, err := r.s.b.PutDir(ctx, entries, r.field("DefaultName"), r.putOptions(u))
	r.finishPut(u, got, err)
}
