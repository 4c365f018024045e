package clientlayer

import (
	"context"
	"sort"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// InsertDir inserts a directory: each entry's data as its own file (or a
// redirect to an existing URI), then a manifest mapping the names to them
// (docs/metadata.md §5), under opts.URI (opts.ContentType is ignored).
// Names with '/' make nested manifests. defaultName, if not empty, is the
// top-level entry served when a URI names the directory itself (e.g.
// index.html). It returns the request URI of the directory:
// SSK@…/site/index.html, USK@…/site/3/a/b.png and CHK@…/name all resolve.
func (c *Client) InsertDir(ctx context.Context, entries []DirEntry, defaultName string, opts InsertOptions) (keys.URI, error) {
	opts.ContentType = ""
	ins, tgt, err := c.newInserter(ctx, opts)
	if err != nil {
		return keys.URI{}, err
	}
	root := &dirNode{children: map[string]*dirNode{}}
	for i := range entries {
		if err := root.add(&entries[i]); err != nil {
			return keys.URI{}, err
		}
	}
	if defaultName != "" {
		if _, ok := root.children[defaultName]; !ok {
			return keys.URI{}, insertErr(fcpwire.InsertInvalidURI, nil, "default name %q is not a top-level entry", defaultName)
		}
	}
	m, err := ins.buildManifest(root, defaultName, !opts.DontCompress)
	if err != nil {
		return keys.URI{}, asInsert(err)
	}
	doc, err := m.MarshalBinary()
	if err != nil {
		return keys.URI{}, insertErr(fcpwire.InsertInternalError, err, "manifest")
	}
	var top keys.URI
	if !tgt.ssk || len(doc) > keys.SSKDataSize {
		if top, err = ins.insertMetadata(m); err != nil {
			return keys.URI{}, asInsert(err)
		}
		doc = nil
	}
	u, err := ins.publish(tgt, doc, top)
	return u, asInsert(err)
}

// dirNode is a directory being built: a file entry or subdirectories.
type dirNode struct {
	entry    *DirEntry
	children map[string]*dirNode
}

func (d *dirNode) add(e *DirEntry) error {
	if (e.Open == nil) == (e.Redirect == nil) {
		return insertErr(fcpwire.InsertInvalidURI, nil, "entry %q needs exactly one of Open and Redirect", e.Name)
	}
	if err := checkContentTypeArg(e.ContentType); err != nil {
		return err
	}
	parts := strings.Split(e.Name, "/")
	for _, p := range parts {
		if err := checkName(p); err != nil {
			return insertErr(fcpwire.InsertInvalidURI, err, "entry name %q", e.Name)
		}
	}
	n := d
	for i, p := range parts {
		if n.entry != nil {
			return insertErr(fcpwire.InsertInvalidURI, nil, "entry %q is inside a file", e.Name)
		}
		c, ok := n.children[p]
		if !ok {
			c = &dirNode{children: map[string]*dirNode{}}
			n.children[p] = c
		}
		if i == len(parts)-1 {
			if c.entry != nil || len(c.children) > 0 {
				return insertErr(fcpwire.InsertInvalidURI, nil, "entry %q is given twice or is also a directory", e.Name)
			}
			c.entry = e
		}
		n = c
	}
	return nil
}

// buildManifest inserts the files under d and returns its manifest.
func (ins *inserter) buildManifest(d *dirNode, defaultName string, compress bool) (*Metadata, error) {
	names := make([]string, 0, len(d.children))
	for name := range d.children {
		names = append(names, name)
	}
	sort.Strings(names)
	m := &Metadata{Type: DocManifest, DefaultName: defaultName, Entries: make([]ManifestEntry, 0, len(names))}
	for _, name := range names {
		c := d.children[name]
		var doc *Metadata
		switch {
		case c.entry == nil:
			sub, err := ins.buildManifest(c, "", compress)
			if err != nil {
				return nil, err
			}
			doc = sub
		case c.entry.Redirect != nil:
			t := *c.entry.Redirect
			if t.IsInsert() {
				return nil, insertErr(fcpwire.InsertInvalidURI, nil, "entry %q redirects to an insert URI", c.entry.Name)
			}
			if _, err := keys.Parse(t.String()); err != nil {
				return nil, insertErr(fcpwire.InsertInvalidURI, err, "entry %q redirect", c.entry.Name)
			}
			doc = &Metadata{Type: DocRedirect, ContentType: c.entry.ContentType, Target: t}
		default:
			rc, err := c.entry.Open()
			if err != nil {
				return nil, insertErr(fcpwire.InsertBucketError, err, "opening %q", c.entry.Name)
			}
			_, top, err := ins.insertFile(rc, c.entry.ContentType, compress, keys.CHKDataSize)
			rc.Close()
			if err != nil {
				return nil, err
			}
			doc = &Metadata{Type: DocRedirect, Target: top}
		}
		m.Entries = append(m.Entries, ManifestEntry{Name: name, Doc: doc})
	}
	return m, nil
}
