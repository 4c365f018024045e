package fcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// Request kinds.
const (
	kindGet    = "get"
	kindPut    = "put"
	kindPutDir = "putdir"
)

// Persistence values.
const (
	persistConnection = "connection"
	persistReboot     = "reboot"
	persistForever    = "forever"
)

// request is one ClientGet/ClientPut*. The exported fields are what a
// Persistence=forever request keeps on disk; mutable ones are guarded by
// s.mu.
type request struct {
	s *Server

	ID          string
	Global      bool
	Persistence string
	Kind        string
	Client      string
	Fields      []fcpwire.Field // the request message, without its data
	InsertURI   string          // a URI generated for "SSK@"
	Spool       string          // data to insert (our spool file or dir)
	OwnSpool    bool            // Spool is ours to delete
	DataFile    string          // a direct download's data
	Started     int64
	Completed   int64
	Done        bool
	Succeeded   bool
	Final       []savedMsg // status messages, in the order sent
	Entries     []savedEntry

	owner *conn // Persistence=connection: the only receiver
	// dataMem holds a connection's direct download in memory when the
	// disk had no room for DataFile (see getSink); guarded by Server.mu.
	dataMem  *getSink
	stream   *io.PipeReader // a direct upload streamed, not spooled (see streamUpload)
	progress *fcpwire.Message
	cancel   context.CancelFunc
	removed  bool
}

// savedMsg is a message header kept for a finished request.
type savedMsg struct {
	Name   string
	Fields []fcpwire.Field
}

func (m savedMsg) msg() *fcpwire.Message {
	return &fcpwire.Message{Name: m.Name, Fields: append([]fcpwire.Field(nil), m.Fields...)}
}

// orig returns a copy of the request message's fields.
func (r *request) orig() *fcpwire.Message {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return &fcpwire.Message{Fields: append([]fcpwire.Field(nil), r.Fields...)}
}

// field returns one field of the request message.
func (r *request) field(name string) string { return r.orig().Get(name) }

func (r *request) verbosity() int64 {
	v, _ := strconv.ParseInt(r.field("Verbosity"), 10, 64)
	return v
}

// key names the request's files.
func (r *request) key() string {
	h := sha256.Sum256([]byte(r.Client + "\x00" + strconv.FormatBool(r.Global) + "\x00" + r.ID))
	return hex.EncodeToString(h[:16])
}

// newRequest builds a request from message m, checks its common fields and
// its identifier, and returns an IdentifierCollision error if the identifier
// is taken.
func (c *conn) newRequest(m *fcpwire.Message, kind string) (*request, error) {
	id, err := m.Require("Identifier")
	if err != nil {
		return nil, err
	}
	global, err := m.Bool("Global", false)
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"Verbosity", "MaxRetries", "PriorityClass"} {
		if _, err := m.Int64(f, 0); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"DontCompress", "GetCHKOnly", "EarlyEncode", "LocalRequestOnly", "RealTimeFlag", "BinaryBlob", "IgnoreDS", "DSOnly", "FilterData"} {
		if _, err := m.Bool(f, false); err != nil {
			return nil, err
		}
	}
	p := m.Get("Persistence")
	if p == "" {
		p = m.Get("PersistenceType")
	}
	switch p {
	case "":
		p = persistConnection
	case persistConnection, persistReboot, persistForever:
	default:
		return nil, m.Errorf(fcpwire.CodeInvalidField, "Persistence=%q is not connection, reboot or forever", p)
	}
	if global && p == persistConnection {
		return nil, m.Errorf(fcpwire.CodeNotSupported, "Global requests must be persistent")
	}
	r := &request{
		s: c.s, ID: id, Global: global, Persistence: p, Kind: kind, Client: c.name,
		Fields: append([]fcpwire.Field(nil), m.Fields...), Started: c.s.nowMillis(),
	}
	if p == persistConnection {
		r.owner = c
	}
	return r, nil
}

// collision returns the live request m's identifier names, if any.
func (c *conn) lookup(id string, global bool) *request {
	s := c.s
	if global {
		return s.global.reqs[id]
	}
	if r := c.reqs[id]; r != nil {
		return r
	}
	if cl := s.clients[c.name]; cl != nil {
		return cl.reqs[id]
	}
	return nil
}

// register adds r to its queue, or returns false on an identifier collision.
func (c *conn) register(r *request) bool {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.lookup(r.ID, r.Global) != nil {
		return false
	}
	switch {
	case r.Global:
		s.global.reqs[r.ID] = r
	case r.Persistence == persistConnection:
		c.reqs[r.ID] = r
	default:
		s.clients[c.name].reqs[r.ID] = r
	}
	return true
}

func identifierCollision(id string, global bool) *fcpwire.Message {
	m := &fcpwire.Message{Name: "IdentifierCollision"}
	return m.Set("Identifier", id).Set("Global", strconv.FormatBool(global))
}

// start runs r in a goroutine tracked by the server.
func (r *request) start() {
	s := r.s
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	r.cancel = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		if r.stream != nil {
			// However the request ends, the upload's sender must not block.
			defer r.stream.CloseWithError(errInsertEnded)
		}
		switch r.Kind {
		case kindGet:
			r.runGet(ctx)
		case kindPut:
			r.runPut(ctx)
		case kindPutDir:
			r.runPutDir(ctx)
		}
	}()
}

// targets returns the connections that receive r's messages.
func (r *request) targets() []*conn {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.removed {
		return nil
	}
	if r.owner != nil {
		return []*conn{r.owner}
	}
	var out []*conn
	if cl := s.clients[r.Client]; cl != nil && cl.conn != nil {
		out = append(out, cl.conn)
	}
	if r.Global {
		for c := range s.conns {
			if c.watchGlobal && (len(out) == 0 || out[0] != c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// emit sends m to r's receivers.
func (r *request) emit(m *fcpwire.Message) {
	for _, c := range r.targets() {
		c.send(m)
	}
}

// head starts a status message about r.
func (r *request) head(name string) *fcpwire.Message {
	m := &fcpwire.Message{Name: name}
	return m.Set("Identifier", r.ID).Set("Global", strconv.FormatBool(r.Global))
}

// progressFunc returns the Progress callback for the backend.
func (r *request) progressFunc() func(Progress) {
	return func(p Progress) {
		m := &fcpwire.Message{Name: "SimpleProgress"}
		m.Set("Total", strconv.Itoa(p.Total)).Set("Required", strconv.Itoa(p.Required)).
			Set("Failed", strconv.Itoa(p.Failed)).Set("FatallyFailed", "0").
			Set("Succeeded", strconv.Itoa(p.Succeeded)).
			Set("LastProgress", strconv.FormatInt(r.s.nowMillis(), 10)).
			Set("FinalizedTotal", strconv.FormatBool(p.FinalizedTotal)).
			Set("Identifier", r.ID).Set("Global", strconv.FormatBool(r.Global))
		r.s.mu.Lock()
		r.progress = m
		r.s.mu.Unlock()
		if r.verbosity()&1 != 0 {
			r.emit(m)
		}
	}
}

// finish records r's final messages, persists them and sends them.
// extra are sent but not kept (AllData).
func (r *request) finish(ok bool, msgs ...*fcpwire.Message) {
	s := r.s
	s.mu.Lock()
	if r.removed || s.closed && isCancelled(msgs) && r.Persistence != persistForever {
		// Removed, or cut by Close and not kept across restarts: forget
		// its files.
		data, spool, mem := r.DataFile, "", r.dataMem
		r.dataMem = nil
		if r.OwnSpool {
			spool = r.Spool
		}
		s.mu.Unlock()
		if data != "" {
			os.Remove(data)
		}
		if mem != nil {
			mem.release()
		}
		if spool != "" {
			os.RemoveAll(spool)
		}
		return
	}
	if s.closed && isCancelled(msgs) {
		// Cut by Close: a forever request resumes on the next start.
		s.mu.Unlock()
		return
	}
	r.Done, r.Succeeded, r.Completed = true, ok, s.nowMillis()
	for _, m := range msgs {
		r.Final = append(r.Final, savedMsg{m.Name, m.Fields})
	}
	if r.owner != nil {
		// A connection's request ends with its last message: its
		// identifier is free again at once.
		delete(r.owner.reqs, r.ID)
	}
	s.mu.Unlock()
	for _, m := range msgs {
		if m.Name == "GetFailed" || m.Name == "PutFailed" {
			r.logFailure(m)
		}
	}
	if r.Persistence == persistForever {
		s.save(r)
	}
	if r.OwnSpool && r.Spool != "" {
		os.RemoveAll(r.Spool)
	}
	for _, m := range msgs {
		r.emit(m)
	}
	if r.owner == nil {
		return
	}
	if r.Kind == kindGet && ok && r.field("ReturnType") != "none" && r.field("ReturnType") != "disk" {
		if m, f := r.allData(); m != nil {
			r.emit(m)
			f.Close()
		}
	}
	s.mu.Lock()
	r.removed = true
	mem := r.dataMem
	r.dataMem = nil
	s.mu.Unlock()
	if r.DataFile != "" {
		os.Remove(r.DataFile)
	}
	if mem != nil {
		mem.release()
	}
}

func isCancelled(msgs []*fcpwire.Message) bool {
	for _, m := range msgs {
		code := m.Get("Code")
		if (m.Name == "GetFailed" && code == strconv.Itoa(fcpwire.FetchCancelled)) ||
			(m.Name == "PutFailed" && code == strconv.Itoa(fcpwire.InsertCancelled)) {
			return true
		}
	}
	return false
}

// remove cancels r and forgets it (and its files).
func (r *request) remove() {
	s := r.s
	s.mu.Lock()
	r.removed = true
	cancel, data, spool, mem := r.cancel, r.DataFile, "", r.dataMem
	r.dataMem = nil
	if r.OwnSpool && r.Done {
		spool = r.Spool
	}
	s.mu.Unlock()
	if mem != nil {
		mem.release()
	}
	if cancel != nil {
		cancel()
	}
	if r.Persistence == persistForever {
		os.Remove(filepath.Join(s.requestDir(), r.key()+".json"))
	}
	if data != "" {
		os.Remove(data)
	}
	if spool != "" {
		os.RemoveAll(spool)
	}
}

// parseInsertURI turns a ClientPut URI into the backend's form. "CHK@" is
// a CHK with zero keys; "SSK@" gets a fresh keypair.
func (s *Server) parseInsertURI(raw string) (keys.URI, error) {
	u := strings.TrimPrefix(raw, "freenet:")
	rest, meta, _ := strings.Cut(u, "/")
	switch strings.ToUpper(rest) {
	case "CHK@":
		out := keys.URI{Type: keys.CHK}
		if meta != "" {
			out.Meta = strings.Split(meta, "/")
		}
		return out, nil
	case "SSK@":
		ins, _, err := keys.GenerateSSK(s.cfg.Rand)
		if err != nil {
			return keys.URI{}, err
		}
		return keys.Parse(ins.String() + meta)
	}
	return keys.Parse(u)
}
