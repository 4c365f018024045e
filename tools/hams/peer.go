package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

func init() {
	register(&Command{
		Name:    "peer",
		Usage:   "peer [--fcp ADDR] add FILE|- | list | remove ID",
		Summary: "manage the node's peers: add a friend's noderef, list peers and their state, remove one",
		Run:     runPeer,
	})
}

func runPeer(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["peer"])
	addr := fcpFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("peer needs add, list or remove")
	}
	want := map[string]int{"add": 2, "list": 1, "remove": 2}
	n, ok := want[pos[0]]
	if !ok {
		return usagef("unknown peer command %q (want add, list or remove)", pos[0])
	}
	if len(pos) != n {
		return usagef("peer %s takes %d argument(s)", pos[0], n-1)
	}
	var ref []byte
	if pos[0] == "add" {
		if ref, err = readRef(env, pos[1]); err != nil {
			return err
		}
	}
	c, err := dial(ctx, env, *addr, "peer")
	if err != nil {
		return err
	}
	defer c.Close()
	switch pos[0] {
	case "add":
		p, err := c.AddPeer(ctx, ref)
		if err != nil {
			return requestError(err)
		}
		_, err = fmt.Fprintf(env.Stdout, "added %s %s\n", p.Identity, p.Name)
		return err
	case "remove":
		err := c.RemovePeer(ctx, pos[1])
		var up *fcpclient.UnknownPeerError
		if errors.As(err, &up) {
			return withHint(fmt.Errorf("no peer %q", pos[1]), "'hams peer list' shows each peer's identity and name")
		}
		return requestError(err)
	}
	peers, err := c.ListPeers(ctx)
	if err != nil {
		return requestError(err)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTITY\tNAME\tLOCATION\tKIND\tVERSION\tSTATUS\tUP")
	now := time.Now()
	for _, p := range peers {
		version := p.Field("protocol")
		if version == "" {
			version = "1" // a noderef from before versions were declared
		}
		kind, up := p.Field("volatile.kind"), "-"
		if kind == "" {
			kind = "-"
		}
		if ms, err := strconv.ParseInt(p.Field("volatile.connectedSince"), 10, 64); err == nil {
			up = now.Sub(time.UnixMilli(ms)).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%.6f\t%s\t%s\t%s\t%s\n", p.Identity, p.Name, p.Location, kind, version, p.Status, up)
	}
	return tw.Flush()
}

// readRef reads a noderef from a file, or from stdin for "-".
func readRef(env *Env, path string) ([]byte, error) {
	var r io.Reader = env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read noderef: %w", err)
	}
	return b, nil
}
