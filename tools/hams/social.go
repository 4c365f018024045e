package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/node"
	"github.com/hamsnet/hams/tools/social"
)

func init() {
	register(&Command{
		Name:    "social",
		Usage:   "social [--fcp ADDR] [--listen 127.0.0.1:8889] [--dir DIR]",
		Summary: "serve the social front-end (signed posts, follows, a timeline) as a local web page, over the node's FCP",
		Run:     runSocial,
	})
}

func runSocial(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["social"])
	addr := fcpFlag(fs)
	listen := fs.String("listen", social.DefaultListen, "where the page is served: a loopback address (127.0.0.1:PORT or [::1]:PORT)")
	dir := fs.String("dir", "", "where the identity and the local copies of feeds are kept (default: the node directory's social/ folder, $XDG_DATA_HOME/hams/social)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("social takes no arguments, got %q", pos[0])
	}
	fcpAddr := *addr
	if fcpAddr == "" {
		fcpAddr = strings.TrimSpace(env.Getenv("HAMS_FCP"))
	}
	if fcpAddr == "" {
		fcpAddr = fcpclient.DefaultAddr
	}
	d := *dir
	if d == "" {
		nd, err := node.DefaultDir()
		if err != nil {
			return withHint(err, "pass --dir")
		}
		d = filepath.Join(nd, "social")
	}
	log := newLogger(env.Stderr)
	cfg := social.Config{Dir: d, FCPAddr: fcpAddr, Listen: *listen, Logger: log}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	app, err := social.Open(cfg)
	if err != nil {
		return err
	}
	defer app.Close()
	return app.Run(ctx, func(a string) {
		log.Info(fmt.Sprintf("social listening on http://%s", a))
		fmt.Fprintf(env.Stdout, "hams social: open http://%s in your browser (it works with JavaScript off too)\n", a)
	})
}
