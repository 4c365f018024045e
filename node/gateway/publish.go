package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/keys"
)

// sites are the freesites published from the browser: each name has an
// SSK keypair the node made for the person, kept in one file (mode 0600:
// the insert URIs are private keys).
type sites struct {
	file string
	mu   sync.Mutex        // guards keys and the file
	keys map[string]string // site name → USK insert URI (edition 0)
}

func openSites(file string) (*sites, error) {
	s := &sites{file: file, keys: map[string]string{}}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gateway: sites: %w", err)
	}
	if err := json.Unmarshal(data, &s.keys); err != nil {
		return nil, fmt.Errorf("gateway: sites: %s is damaged (%v); it holds the keys of your sites: repair it by hand, or move it away to start with none", file, err)
	}
	return s, nil
}

// insertURI returns the USK insert URI of site name, making a keypair for
// a new name.
func (s *sites) insertURI(name string, rand io.Reader) (keys.URI, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[name]; ok {
		return keys.Parse(k)
	}
	ins, _, err := keys.GenerateSSK(rand)
	if err != nil {
		return keys.URI{}, err
	}
	ins.Type, ins.Name, ins.Edition, ins.Meta = keys.USK, name, 0, nil
	s.keys[name] = ins.String()
	if err := writeJSON(s.file, s.keys); err != nil {
		delete(s.keys, name)
		return keys.URI{}, err
	}
	return ins, nil
}

// all returns the sites' names and request USKs.
func (s *sites) all() map[string]keys.URI {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]keys.URI{}
	for n, k := range s.keys {
		ins, err := keys.Parse(k)
		if err != nil {
			continue
		}
		if req, err := ins.RequestURI(); err == nil {
			out[n] = req
		}
	}
	return out
}

// siteView is one of the person's sites on the start and publish pages.
type siteView struct {
	Name, Link string
	Edition    int64
}

func (g *Gateway) siteViews() []siteView {
	var out []siteView
	for n, u := range g.sites.all() {
		e := g.knownEdition(u)
		v := siteView{Name: n, Edition: e}
		if e >= 0 {
			v.Link = keyPath(u.WithEdition(e)) + "/"
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// servePublish shows the publish forms.
func (g *Gateway) servePublish(w http.ResponseWriter, r *http.Request) {
	d := struct {
		Token string
		Sites []siteView
	}{Token: formToken(r), Sites: g.siteViews()}
	g.render(w, http.StatusOK, "publish", d)
}

// siteName is what a site may be called: it becomes the USK's name.
var siteName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// upload is a form's files, spooled to a directory of the gateway's.
type upload struct {
	dir   string
	files []upFile
	field map[string]string // the form's other fields
}

type upFile struct{ name, path string }

// readUpload spools a multipart form (at most MaxUpload bytes). A file's
// name is its path as the browser sends it for a folder ("site/a/b.html").
func (g *Gateway) readUpload(w http.ResponseWriter, r *http.Request) (*upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("gateway: the form is not a file upload: %w", err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxUpload)
	up := &upload{dir: g.spoolFile() + ".up", field: map[string]string{}}
	if err := os.Mkdir(up.dir, 0o700); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	fail := func(err error) (*upload, error) { os.RemoveAll(up.dir); return nil, err }
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return up, nil
		}
		if err != nil {
			return fail(fmt.Errorf("gateway: reading the form: %w", err))
		}
		// Part.FileName keeps only the last element; a folder's files
		// come with their path in the raw header.
		_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		fname, isFile := params["filename"]
		if !isFile {
			v, err := io.ReadAll(io.LimitReader(p, 4096))
			if err != nil {
				return fail(err)
			}
			up.field[p.FormName()] = string(v)
			continue
		}
		if fname == "" {
			continue // an empty file input
		}
		if len(up.files) >= 100000 {
			return fail(errors.New("gateway: too many files in one form"))
		}
		local := filepath.Join(up.dir, fmt.Sprintf("%d", len(up.files)))
		if err := spoolPart(local, p); err != nil {
			return fail(err)
		}
		up.files = append(up.files, upFile{name: strings.ReplaceAll(fname, "\\", "/"), path: local})
	}
}

func spoolPart(local string, p *multipart.Part) error {
	f, err := os.OpenFile(local, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if _, err := io.Copy(f, p); err != nil {
		f.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("gateway: the upload is larger than the %s the gateway takes", humanBytes(mbe.Limit))
		}
		return fmt.Errorf("gateway: reading the upload: %w", err)
	}
	return f.Close()
}

// servePublishFile inserts one uploaded file as a CHK.
func (g *Gateway) servePublishFile(w http.ResponseWriter, r *http.Request) {
	up, err := g.readUpload(w, r)
	if err != nil {
		g.errorPage(w, r, http.StatusBadRequest, "The file was not received", err.Error(), 0)
		return
	}
	if len(up.files) != 1 {
		os.RemoveAll(up.dir)
		g.errorPage(w, r, http.StatusBadRequest, "Choose one file", "The form carried "+itoa(int64(len(up.files)))+" files.", 0)
		return
	}
	f := up.files[0]
	name := path.Base("/" + f.name)
	g.startInsert(w, r, "put", "Inserting "+name, up, func(ctx context.Context, progress func(fcp.Progress)) (keys.URI, error) {
		rd, err := os.Open(f.path)
		if err != nil {
			return keys.URI{}, err
		}
		defer rd.Close()
		return g.cfg.Backend.Put(ctx, rd, fcp.PutOptions{
			URI:         keys.URI{Type: keys.CHK, Meta: []string{name}},
			ContentType: fcp.GuessContentType(name),
			Progress:    progress,
		})
	})
}

// startInsert runs insert as a job that removes the upload when done, and
// sends the browser to the job's page (or says the gateway is busy).
func (g *Gateway) startInsert(w http.ResponseWriter, r *http.Request, kind, title string, up *upload,
	insert func(ctx context.Context, progress func(fcp.Progress)) (keys.URI, error)) {
	id := g.nextID(kind)
	_, err := g.startJob(id, title, func(ctx context.Context, j *job) error {
		defer os.RemoveAll(up.dir)
		u, err := insert(ctx, j.progress)
		j.mu.Lock()
		j.uri = u
		j.mu.Unlock()
		return err
	})
	if err != nil {
		os.RemoveAll(up.dir)
		g.errorPage(w, r, http.StatusServiceUnavailable, "The gateway is busy", err.Error(), 0)
		return
	}
	http.Redirect(w, r, "/job?id="+id, http.StatusSeeOther)
}

// servePublishSite inserts an uploaded folder as the next edition of the
// person's site of that name.
func (g *Gateway) servePublishSite(w http.ResponseWriter, r *http.Request) {
	up, err := g.readUpload(w, r)
	if err != nil {
		g.errorPage(w, r, http.StatusBadRequest, "The folder was not received", err.Error(), 0)
		return
	}
	name := strings.TrimSpace(up.field["site"])
	entries, err := siteEntries(up)
	if err == nil && !siteName.MatchString(name) {
		err = errors.New("a site's name is 1 to 64 letters, digits, dots, dashes and underscores")
	}
	var ins keys.URI
	if err == nil {
		ins, err = g.sites.insertURI(name, g.cfg.Rand)
	}
	if err != nil {
		os.RemoveAll(up.dir)
		g.errorPage(w, r, http.StatusBadRequest, "The site was not published", err.Error(), 0)
		return
	}
	req, _ := ins.RequestURI()
	next := g.knownEdition(req) + 1
	g.startInsert(w, r, "site", "Publishing "+name+", edition "+itoa(next), up, func(ctx context.Context, progress func(fcp.Progress)) (keys.URI, error) {
		u, err := g.cfg.Backend.PutDir(ctx, entries, "index.html", fcp.PutOptions{URI: ins.WithEdition(next), Progress: progress})
		if err == nil {
			u.Meta = []string{""} // the site's root: "…/N/"
		}
		return u, err
	})
}

// siteEntries turns a folder upload into directory entries: the folder's
// own name is dropped ("site/a.html" → "a.html"), paths are checked.
func siteEntries(up *upload) ([]fcp.DirEntry, error) {
	if len(up.files) == 0 {
		return nil, errors.New("the folder is empty")
	}
	prefix := ""
	if i := strings.IndexByte(up.files[0].name, '/'); i > 0 {
		prefix = up.files[0].name[:i+1]
		for _, f := range up.files {
			if !strings.HasPrefix(f.name, prefix) {
				prefix = ""
				break
			}
		}
	}
	seen := map[string]bool{}
	var out []fcp.DirEntry
	for _, f := range up.files {
		n := strings.TrimPrefix(f.name, prefix)
		if n == "" || strings.HasPrefix(n, "/") || path.Clean(n) != n || strings.HasPrefix(n, "../") || n == ".." {
			return nil, fmt.Errorf("the file name %q is not a path inside the folder", f.name)
		}
		if seen[n] {
			return nil, fmt.Errorf("the folder holds %q twice", n)
		}
		seen[n] = true
		p := f.path
		out = append(out, fcp.DirEntry{Name: n, ContentType: fcp.GuessContentType(n),
			Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	if !seen["index.html"] {
		return nil, errors.New("the folder has no index.html (the page a reader sees first)")
	}
	return out, nil
}

// serveJob shows an insert's progress and, once done, its key.
func (g *Gateway) serveJob(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	j := g.job(id)
	if j == nil || !(strings.HasPrefix(id, "put-") || strings.HasPrefix(id, "site-")) {
		g.errorPage(w, r, http.StatusNotFound, "No such insert", "It finished more than a few minutes ago, or the node restarted.", 0)
		return
	}
	g.await(r.Context(), j)
	p, done, _, u, err := j.state()
	d := struct {
		Title, Key, Link, Err string
		Done                  bool
		Done2, Total          int
	}{Title: j.title, Done: done, Done2: p.Succeeded, Total: p.Total}
	if err != nil {
		d.Err = err.Error()
	} else if done {
		d.Key, d.Link = u.String(), keyPath(u)
	}
	g.render(w, http.StatusOK, "job", d)
}
