package fcp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// save writes a Persistence=forever request to the state directory
// (atomically: a crash leaves the old or the new record).
func (s *Server) save(r *request) {
	s.mu.Lock()
	b, err := json.Marshal(r)
	s.mu.Unlock()
	if err != nil {
		s.cfg.Logger.Error("fcp: saving request", "id", r.ID, "err", err)
		return
	}
	path := filepath.Join(s.requestDir(), r.key()+".json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		s.cfg.Logger.Error("fcp: saving request", "id", r.ID, "err", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		s.cfg.Logger.Error("fcp: saving request", "id", r.ID, "err", err)
	}
}

// loadPersistent reads the saved requests and restarts unfinished ones.
func (s *Server) loadPersistent() error {
	names, err := filepath.Glob(filepath.Join(s.requestDir(), "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	var run []*request
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		r := &request{}
		if err := json.Unmarshal(b, r); err != nil || r.ID == "" {
			s.cfg.Logger.Warn("fcp: skipping unreadable request record", "file", name, "err", err)
			continue
		}
		r.s = s
		if r.Global {
			s.global.reqs[r.ID] = r
		} else {
			cl := s.clients[r.Client]
			if cl == nil {
				cl = &client{name: r.Client, reqs: map[string]*request{}}
				s.clients[r.Client] = cl
			}
			cl.reqs[r.ID] = r
		}
		if !r.Done {
			r.Final = nil
			run = append(run, r)
		}
	}
	s.cleanOrphans()
	for _, r := range run {
		r.start()
	}
	return nil
}

// cleanOrphans removes spool and data files no kept request refers to
// (those of reboot and connection requests of an earlier run).
func (s *Server) cleanOrphans() {
	keep := map[string]bool{}
	for _, cl := range s.allClients() {
		for _, r := range cl.reqs {
			keep[r.Spool] = true
			keep[r.DataFile] = true
		}
	}
	for _, dir := range []string{s.spoolDir(), s.dataDir()} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if p := filepath.Join(dir, e.Name()); !keep[p] {
				os.RemoveAll(p)
			}
		}
	}
}

// allClients returns the global queue and every named client.
func (s *Server) allClients() []*client {
	out := []*client{s.global}
	for _, cl := range s.clients {
		out = append(out, cl)
	}
	return out
}

// visible returns the requests conn c may list, sorted by identifier.
func (c *conn) visible() []*request {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*request
	if cl := s.clients[c.name]; cl != nil {
		for _, r := range cl.reqs {
			out = append(out, r)
		}
	}
	if c.watchGlobal {
		for _, r := range s.global.reqs {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Global != out[j].Global {
			return !out[i].Global
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// persistentMsg describes r as PersistentGet / PersistentPut / PersistentPutDir.
func (r *request) persistentMsg() *fcpwire.Message {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	orig := &fcpwire.Message{Fields: r.Fields}
	get := func(f, def string) string {
		if v, ok := orig.Lookup(f); ok {
			return v
		}
		return def
	}
	m := &fcpwire.Message{}
	m.Set("Identifier", r.ID)
	uri := get("URI", "")
	for _, sm := range r.Final {
		if sm.Name == "URIGenerated" {
			uri = sm.msg().Get("URI")
		}
	}
	if r.Kind == kindGet {
		m.Name = "PersistentGet"
		m.Set("URI", uri).Set("Verbosity", get("Verbosity", "0")).
			Set("ReturnType", get("ReturnType", "direct")).
			Set("Persistence", r.Persistence).Set("PersistenceType", r.Persistence)
		if get("ReturnType", "") == "disk" {
			m.Set("Filename", get("Filename", "")).Set("TempFilename", get("Filename", "")+".hams-tmp")
		}
		m.Set("PriorityClass", get("PriorityClass", "2"))
		if v, ok := orig.Lookup("ClientToken"); ok {
			m.Set("ClientToken", v)
		}
		m.Set("Global", strconv.FormatBool(r.Global)).Set("Started", "true").
			Set("MaxRetries", get("MaxRetries", "0")).Set("BinaryBlob", strings.ToLower(get("BinaryBlob", "false"))).
			Set("MaxSize", get("MaxSize", "9223372036854775807")).Set("RealTime", strings.ToLower(get("RealTimeFlag", "false")))
		return m
	}
	m.Name = "PersistentPut"
	if r.Kind == kindPutDir {
		m.Name = "PersistentPutDir"
	}
	m.Set("URI", uri)
	m.Set("Verbosity", get("Verbosity", "0")).Set("PriorityClass", get("PriorityClass", "2"))
	if r.Kind == kindPut {
		m.Set("UploadFrom", get("UploadFrom", "direct"))
	}
	m.Set("Persistence", r.Persistence)
	for _, f := range []string{"Filename", "TargetURI", "Metadata.ContentType"} {
		if v, ok := orig.Lookup(f); ok {
			m.Set(f, v)
		}
	}
	m.Set("Global", strconv.FormatBool(r.Global))
	if v, ok := orig.Lookup("DataLength"); ok {
		m.Set("DataLength", v)
	}
	if v, ok := orig.Lookup("ClientToken"); ok {
		m.Set("ClientToken", v)
	}
	m.Set("Started", "true").Set("MaxRetries", get("MaxRetries", "0"))
	if v, ok := orig.Lookup("TargetFilename"); ok {
		m.Set("TargetFilename", v)
	}
	m.Set("CompatibilityMode", get("CompatibilityMode", "COMPAT_CURRENT")).
		Set("DontCompress", strings.ToLower(get("DontCompress", "false"))).
		Set("RealTime", strings.ToLower(get("RealTimeFlag", "false")))
	return m
}

// status returns r's status messages: the kept final ones, or while it
// runs what is known so far and its last progress.
func (r *request) status() []*fcpwire.Message {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*fcpwire.Message
	for _, sm := range r.Final {
		out = append(out, sm.msg())
	}
	if !r.Done && r.progress != nil {
		out = append(out, &fcpwire.Message{Name: r.progress.Name, Fields: append([]fcpwire.Field(nil), r.progress.Fields...)})
	}
	return out
}

func (c *conn) listPersistentRequests(m *fcpwire.Message) error {
	for _, r := range c.visible() {
		if err := c.send(r.persistentMsg()); err != nil {
			return fatalErr{err}
		}
		for _, sm := range r.status() {
			if err := c.send(sm); err != nil {
				return fatalErr{err}
			}
		}
	}
	return c.send(&fcpwire.Message{Name: "EndListPersistentRequests"})
}

// find returns the request m's Identifier and Global fields name, or a
// ProtocolError 15.
func (c *conn) find(m *fcpwire.Message) (*request, error) {
	id, err := m.Require("Identifier")
	if err != nil {
		return nil, err
	}
	global, err := m.Bool("Global", false)
	if err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	r := c.lookup(id, global)
	c.s.mu.Unlock()
	if r == nil {
		return nil, m.Errorf(fcpwire.CodeNoSuchIdentifier, "no request %q", id)
	}
	return r, nil
}

func (c *conn) removeRequest(m *fcpwire.Message) error {
	r, err := c.find(m)
	if err != nil {
		return err
	}
	c.unregister(r)
	return c.send(r.head("PersistentRequestRemoved"))
}

func (c *conn) getRequestStatus(m *fcpwire.Message) error {
	r, err := c.find(m)
	if err != nil {
		return err
	}
	onlyData, err := m.Bool("OnlyData", false)
	if err != nil {
		return err
	}
	if !onlyData {
		for _, sm := range r.status() {
			if err := c.send(sm); err != nil {
				return fatalErr{err}
			}
		}
	}
	if ad, f := r.allData(); ad != nil {
		err := c.send(ad)
		f.Close()
		if err != nil {
			return fatalErr{err}
		}
	}
	return nil
}

func (c *conn) modifyPersistentRequest(m *fcpwire.Message) error {
	r, err := c.find(m)
	if err != nil {
		return err
	}
	if _, err := m.Int64("PriorityClass", 0); err != nil {
		return err
	}
	out := r.head("PersistentRequestModified")
	c.s.mu.Lock()
	orig := &fcpwire.Message{Fields: r.Fields}
	for _, f := range []string{"ClientToken", "PriorityClass"} {
		if v, ok := m.Lookup(f); ok {
			orig.Set(f, v)
			out.Set(f, v)
		}
	}
	r.Fields = orig.Fields
	c.s.mu.Unlock()
	if r.Persistence == persistForever {
		c.s.save(r)
	}
	return c.send(out)
}
