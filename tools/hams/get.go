package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

func init() {
	register(&Command{
		Name:    "get",
		Usage:   "get [--fcp ADDR] [-o FILE] [--force] URI",
		Summary: "fetch URI and write the data to standard output or FILE",
		Run:     runGet,
	})
}

// maxRedirects bounds how many redirects (GetFailed with RedirectURI, e.g. a
// newer USK edition) get follows.
const maxRedirects = 5

func runGet(ctx context.Context, env *Env, args []string) error {
	fset := newFlags(env, commands["get"])
	addr := fcpFlag(fset)
	out := fset.String("o", "", "write the data to `FILE` instead of standard output (- for standard output)")
	force := fset.Bool("force", false, "overwrite FILE if it exists")
	maxSize := fset.Int64("max-size", 0, "fail if the data is larger than this many bytes (0: no limit)")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("get takes one URI, got %d arguments", len(pos))
	}
	uri := pos[0]
	if *out == "-" {
		*out = ""
	}
	if *out != "" && !*force {
		if _, err := os.Lstat(*out); err == nil {
			return withHint(fmt.Errorf("%s already exists", *out), "use --force to overwrite it, or choose another -o FILE")
		}
	}

	c, err := dial(ctx, env, *addr, "get")
	if err != nil {
		return err
	}
	defer c.Close()

	fetch := func(w io.Writer) error {
		return followRedirects(env, &uri, func(u string, o fcpclient.GetOptions) error {
			o.MaxSize = *maxSize
			_, err := c.Get(ctx, u, w, o)
			return err
		})
	}
	if *out == "" {
		return fetch(env.Stdout)
	}
	if done, err := getToDisk(ctx, env, c, &uri, *out, *force, *maxSize); done {
		return err
	}
	return writeFileAtomic(*out, *force, fetch)
}

// getToDisk fetches uri into FILE by letting the node write it (FCP
// direct disk access, after TestDDA), so the data does not cross the
// connection — the fast path when the node runs on this machine. It writes a
// temporary name in FILE's directory and moves it into place as
// writeFileAtomic does. done is false when the node may not write there
// (another machine, another user): the caller then fetches over the
// connection instead.
func getToDisk(ctx context.Context, env *Env, c *fcpclient.Client, uri *string, name string, force bool, maxSize int64) (done bool, err error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return false, nil
	}
	dir, base := filepath.Split(abs)
	if _, writeOK, err := c.TestDDA(ctx, dir, false, true); err != nil || !writeOK {
		return false, nil
	}
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(dir, "."+base+".hams-"+hex.EncodeToString(suffix[:]))
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	ddaHook("get")
	err = followRedirects(env, uri, func(u string, o fcpclient.GetOptions) error {
		o.MaxSize = maxSize
		_, err := c.GetFile(ctx, u, tmp, o)
		return err
	})
	if err == nil {
		err = commitTemp(tmp, name, force)
	}
	return true, err
}

// followRedirects runs get for *uri with a progress bar, following
// GetFailed redirects (e.g. to a newer USK edition) up to maxRedirects
// times; *uri ends as the URI last fetched.
func followRedirects(env *Env, uri *string, get func(uri string, o fcpclient.GetOptions) error) error {
	for range maxRedirects + 1 {
		bar := newProgress(env, "fetching", -1)
		err := get(*uri, fcpclient.GetOptions{Progress: bar.update})
		bar.done()
		var gf *fcpclient.GetFailedError
		if errors.As(err, &gf) && gf.RedirectURI != "" && gf.RedirectURI != *uri {
			*uri = gf.RedirectURI
			continue
		}
		if err != nil {
			return requestError(err)
		}
		return nil
	}
	return fmt.Errorf("more than %d redirects", maxRedirects)
}

// writeFileAtomic runs fill on a temporary file in name's directory and,
// when it succeeds, moves it to name: no half-written file is ever left at
// name. Without force an existing name is never replaced.
func writeFileAtomic(name string, force bool, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".hams-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return commitTemp(tmp.Name(), name, force)
}

// commitTemp makes the complete temporary file tmp (in name's directory)
// readable and then name; without force an existing name is never replaced.
// On error tmp is left for the caller to remove. Like cp and curl -o it does
// not fsync: a download is cheap to repeat, and an fsync would make get
// disk-bound (256 MiB took 0.3 s more here).
func commitTemp(tmp, name string, force bool) error {
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if force {
		return os.Rename(tmp, name)
	}
	// A hard link fails if name appeared meanwhile, where a rename would
	// silently replace it.
	err := os.Link(tmp, name)
	if err == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return withHint(fmt.Errorf("%s already exists", name), "use --force to overwrite it")
	}
	// No hard links on this file system: check, then rename.
	if _, serr := os.Lstat(name); serr == nil {
		return withHint(fmt.Errorf("%s already exists", name), "use --force to overwrite it")
	}
	return os.Rename(tmp, name)
}
