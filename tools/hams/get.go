package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hamsnet/hams/fcp/client"
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
		for range maxRedirects + 1 {
			bar := newProgress(env, "fetching", -1)
			_, err := c.Get(ctx, uri, w, client.GetOptions{MaxSize: *maxSize, Progress: bar.update})
			bar.done()
			var gf *client.GetFailedError
			if errors.As(err, &gf) && gf.RedirectURI != "" && gf.RedirectURI != uri {
				uri = gf.RedirectURI
				continue
			}
			if err != nil {
				return requestError(err)
			}
			return nil
		}
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	if *out == "" {
		return fetch(env.Stdout)
	}
	return writeFileAtomic(*out, *force, fetch)
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
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if force {
		return os.Rename(tmp.Name(), name)
	}
	// A hard link fails if name appeared meanwhile, where a rename would
	// silently replace it.
	if err = os.Link(tmp.Name(), name); err == nil {
		os.Remove(tmp.Name())
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return withHint(fmt.Errorf("%s already exists", name), "use --force to overwrite it")
	}
	// No hard links on this file system: check, then rename.
	if _, serr := os.Lstat(name); serr == nil {
		return withHint(fmt.Errorf("%s already exists", name), "use --force to overwrite it")
	}
	return os.Rename(tmp.Name(), name)
}
