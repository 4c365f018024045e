package fcp

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// clientPut handles ClientPut.
func (c *conn) clientPut(m *fcpwire.Message) error {
	r, err := c.newRequest(m, kindPut)
	if err != nil {
		return err
	}
	uriStr, err := m.Require("URI")
	if err != nil {
		return err
	}
	u, err := c.s.parseInsertURI(uriStr)
	if err != nil {
		return m.Errorf(fcpwire.CodeURIParseError, "URI: %v", err)
	}
	if bare, _, _ := strings.Cut(strings.TrimPrefix(uriStr, "freenet:"), "/"); strings.EqualFold(bare, "SSK@") {
		r.InsertURI = u.String() // the keypair generated for "SSK@"
	}
	from := m.Get("UploadFrom")
	switch from {
	case "", "direct":
		if m.Data == nil {
			return m.Errorf(fcpwire.CodeMissingField, "ClientPut with UploadFrom=direct needs DataLength and data")
		}
	case "disk":
		name, err := m.Require("Filename")
		if err != nil {
			return err
		}
		if err := c.checkDiskUpload(m, name, r.ID); err != nil {
			return err
		}
		r.Spool = name
	case "redirect":
		t, err := m.Require("TargetURI")
		if err != nil {
			return err
		}
		if _, err := parseTargetURI(t); errors.Is(err, errInsertTarget) {
			return m.Errorf(fcpwire.CodeInvalidField, "TargetURI: %v", err)
		} else if err != nil {
			return m.Errorf(fcpwire.CodeURIParseError, "TargetURI: %v", err)
		}
		if m.Data != nil {
			return m.Errorf(fcpwire.CodeInvalidField, "ClientPut with UploadFrom=redirect takes no data")
		}
	default:
		return m.Errorf(fcpwire.CodeInvalidField, "UploadFrom=%q is not direct, disk or redirect", from)
	}
	if !c.register(r) {
		return c.send(identifierCollision(r.ID, r.Global))
	}
	if m.Data != nil && r.Persistence != persistForever {
		// Streamed while the budget for client data in memory covers it;
		// else spooled to disk first, as fred puts client data in a
		// temporary file when its RAM buckets are full.
		if charge := streamCharge(m.DataLength, c.s.cfg.StreamCharge); c.s.budget.reserveStream(charge) {
			defer c.s.budget.releaseStream(charge)
			return c.streamUpload(r, m.Data)
		}
	}
	if m.Data != nil {
		if err := c.spool(r, m.Data); err != nil {
			return err
		}
	}
	if r.Persistence == persistForever {
		c.s.save(r)
	}
	r.start()
	return nil
}

// smallUpload is what a streamed upload of at most this size is charged:
// hams's client layer reads the first 64 KiB of an upload into a sample,
// and a file that fits is inserted from it.
const smallUpload = 64 << 10

// streamCharge is what a streamed upload of n bytes takes of the budget
// while its data arrives: what the backend may hold meanwhile. A larger
// upload is charged limit (Config.StreamCharge) whatever its size: the
// client layer sets up its segment buffers for any splitfile.
func streamCharge(n, limit int64) int64 {
	if n <= smallUpload {
		return min(smallUpload, limit)
	}
	return limit
}

// errInsertEnded closes an upload stream whose insert has ended.
var errInsertEnded = errors.New("fcp: the insert has ended")

// streamUpload runs a direct upload that need not survive a node restart
// (Persistence connection or reboot) while its data arrives: the insert reads
// the connection through a pipe instead of a spool file, saving a write and
// a read of the whole file. The caller holds the upload's charge on the
// budget until the data has arrived: until then, how long the backend holds
// it in memory is up to the client. The connection's reader is busy until
// the data is consumed, as it would be spooling it. If the insert ends first
// (it failed), the rest of the data is read and dropped; if the data breaks
// off, the insert fails and the connection closes.
func (c *conn) streamUpload(r *request, data io.Reader) error {
	pr, pw := io.Pipe()
	r.stream = pr
	r.start()
	_, err := io.Copy(pw, data)
	if err != nil && errors.Is(err, errInsertEnded) {
		_, err = io.Copy(io.Discard, data)
	}
	if err != nil {
		pw.CloseWithError(err)
		return fatalErr{err}
	}
	pw.Close()
	return nil
}

// checkFile checks a file named in a disk upload: DDA, existence, type.
func (c *conn) checkFile(m *fcpwire.Message, name string) error {
	if !filepath.IsAbs(name) {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s is not an absolute path", name)
	}
	if !c.ddaAllowed(name, false) {
		return m.Errorf(fcpwire.CodeDDADenied, "no TestDDA for reading %s", filepath.Dir(name))
	}
	st, err := os.Stat(name)
	if err != nil {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s: %v", name, err)
	}
	if !st.Mode().IsRegular() {
		return m.Errorf(fcpwire.CodeNotAFile, "%s is not a regular file", name)
	}
	return nil
}

// spool copies a direct upload's data to a file, so the connection can go
// on while the insert runs. The data is copied in chunks taken only while
// bytes are there to read (fcpwire's data reader is an io.WriterTo), so a
// client that stops sending holds none.
func (c *conn) spool(r *request, data io.Reader) error {
	f, err := os.CreateTemp(c.s.spoolDir(), r.key()+"-*")
	if err == nil {
		_, err = io.Copy(f, data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		r.Spool, r.OwnSpool = f.Name(), true
	}
	if err != nil {
		c.unregister(r)
		if r.Spool != "" {
			os.Remove(r.Spool)
		}
		if errors.Is(err, fcpwire.ErrHalfMessage) || r.Spool == "" {
			return fatalErr{err}
		}
		// The data was read, the disk failed: report it, keep going.
		return &fcpwire.ProtocolError{Code: fcpwire.CodeIOError, Extra: "spooling upload: " + err.Error(), Identifier: r.ID, Global: r.Global, Fatal: true}
	}
	return nil
}

// unregister forgets r (a request that never started).
func (c *conn) unregister(r *request) {
	r.remove()
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Global:
		delete(s.global.reqs, r.ID)
	case r.owner != nil:
		delete(c.reqs, r.ID)
	default:
		if cl := s.clients[r.Client]; cl != nil {
			delete(cl.reqs, r.ID)
		}
	}
}

// putURI returns the URI to insert to, for the backend.
func (r *request) putURI() (keys.URI, error) {
	raw := r.InsertURI
	if raw == "" {
		raw = r.field("URI")
	}
	u, err := r.s.parseInsertURI(raw)
	if err != nil {
		return u, &InsertError{Code: fcpwire.InsertInvalidURI, Extra: err.Error()}
	}
	if (u.Type == keys.SSK || u.Type == keys.USK) && !u.IsInsert() {
		return u, &InsertError{Code: fcpwire.InsertInvalidURI, Extra: "not an insert URI"}
	}
	if u.Type == keys.CHK && len(u.Meta) == 0 {
		target, ok := r.orig().Lookup("TargetFilename")
		if !ok && r.field("UploadFrom") == "disk" {
			target = filepath.Base(r.field("Filename"))
		}
		if target != "" {
			u.Meta = []string{target}
		}
	}
	return u, nil
}

// putOptions returns the backend options for r.
func (r *request) putOptions(u keys.URI) PutOptions {
	orig := r.orig()
	b := func(f string) bool { v, _ := orig.Bool(f, false); return v }
	ctype := r.field("Metadata.ContentType")
	if ctype == "" && orig.Get("UploadFrom") != "redirect" {
		// As fred, by the name the client gives the file, or its own.
		name, ok := orig.Lookup("TargetFilename")
		if !ok && orig.Get("UploadFrom") == "disk" {
			name = filepath.Base(orig.Get("Filename"))
		}
		ctype = GuessContentType(name)
	}
	o := PutOptions{
		URI:          u,
		ContentType:  ctype,
		DontCompress: b("DontCompress"),
		GetCHKOnly:   b("GetCHKOnly"),
		Progress:     r.progressFunc(),
	}
	if orig.Get("UploadFrom") == "redirect" {
		o.Redirect, _ = parseTargetURI(orig.Get("TargetURI")) // checked on arrival
	}
	return o
}

// parseTargetURI parses a redirect's TargetURI: any request URI (with
// meta-strings), "freenet:" prefix allowed; insert URIs are refused, since
// a redirect is public.
func parseTargetURI(s string) (keys.URI, error) {
	u, err := keys.Parse(strings.TrimPrefix(s, "freenet:"))
	if err != nil {
		return keys.URI{}, err
	}
	if u.IsInsert() {
		return keys.URI{}, errInsertTarget
	}
	return u, nil
}

var errInsertTarget = errors.New("an insert URI would publish its private key")

// announceURI sends URIGenerated early when the URI is known before the
// insert (SSK, KSK) and keeps it with the request. A USK's edition is
// known only at the end (the next free one, as fred's), so finishPut
// sends its URIGenerated, as for a CHK.
func (r *request) announceURI(u keys.URI) {
	if u.Type == keys.CHK || u.Type == keys.USK {
		return
	}
	req, err := u.RequestURI()
	if err != nil {
		return
	}
	m := r.head("URIGenerated")
	m.Del("Identifier")
	m.Del("Global")
	m.Set("URI", req.String()).Set("Identifier", r.ID).Set("Global", strconv.FormatBool(r.Global))
	r.s.mu.Lock()
	r.Final = append(r.Final, savedMsg{m.Name, m.Fields})
	r.s.mu.Unlock()
	r.emit(m)
}

// runPut performs a ClientPut.
func (r *request) runPut(ctx context.Context) {
	u, err := r.putURI()
	if err != nil {
		r.finishPut(u, keys.URI{}, err)
		return
	}
	r.announceURI(u)
	if r.orig().Get("UploadFrom") == "redirect" {
		got, err := r.s.b.Put(ctx, strings.NewReader(""), r.putOptions(u))
		r.finishPut(u, got, err)
		return
	}
	if r.stream != nil {
		got, err := r.s.b.Put(ctx, r.stream, r.putOptions(u))
		r.stream.CloseWithError(errInsertEnded) // before reporting: unblock the sender
		r.finishPut(u, got, err)
		return
	}
	f, err := os.Open(r.Spool)
	if err != nil {
		r.finishPut(u, keys.URI{}, &InsertError{Code: fcpwire.InsertBucketError, Extra: err.Error()})
		return
	}
	got, err := r.s.b.Put(ctx, f, r.putOptions(u))
	f.Close()
	r.finishPut(u, got, err)
}

// finishPut reports an insert's end.
func (r *request) finishPut(u, got keys.URI, err error) {
	if err != nil {
		code := insertCodeOf(err)
		m := r.head("PutFailed")
		m.Set("Code", strconv.Itoa(code)).Set("CodeDescription", fcpwire.InsertDescription(code))
		if x := extraOf(err); x != "" {
			m.Set("ExtraDescription", x)
		}
		m.Set("Fatal", strconv.FormatBool(!fcpwire.InsertRetryable(code)))
		m.Set("ShortCodeDescription", fcpwire.InsertShortDescription(code))
		if u.Type != keys.CHK && u.Type != 0 {
			if req, err := u.RequestURI(); err == nil {
				m.Set("ExpectedURI", req.String())
			}
		}
		r.finish(false, m)
		return
	}
	var msgs []*fcpwire.Message
	if u.Type == keys.CHK || u.Type == keys.USK || r.Kind == kindPutDir {
		g := r.head("URIGenerated")
		g.Fields = nil
		g.Set("URI", got.String()).Set("Identifier", r.ID).Set("Global", strconv.FormatBool(r.Global))
		msgs = append(msgs, g)
	}
	chkOnly, _ := r.orig().Bool("GetCHKOnly", false)
	if !chkOnly {
		msgs = append(msgs, r.head("PutFetchable").Set("URI", got.String()))
	}
	done := r.head("PutSuccessful").Set("URI", got.String()).
		Set("StartupTime", strconv.FormatInt(r.Started, 10)).
		Set("CompletionTime", strconv.FormatInt(r.s.nowMillis(), 10))
	msgs = append(msgs, done)
	r.finish(true, msgs...)
}

// extraOf returns the ExtraDescription for err.
func extraOf(err error) string {
	var fe *FetchError
	var ie *InsertError
	switch {
	case errors.As(err, &fe):
		return fe.Extra
	case errors.As(err, &ie):
		return ie.Extra
	case errors.Is(err, context.Canceled):
		return ""
	}
	return err.Error()
}
