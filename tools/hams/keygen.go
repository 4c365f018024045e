package main

import (
	"context"
	"fmt"
)

func init() {
	register(&Command{
		Name:    "keygen",
		Usage:   "keygen [--fcp ADDR]",
		Summary: "make a new SSK keypair: prints the insert URI (keep it secret), then the request URI",
		Run:     runKeygen,
	})
}

func runKeygen(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, commands["keygen"])
	addr := fcpFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("keygen takes no arguments")
	}
	c, err := dial(ctx, env, *addr, "keygen")
	if err != nil {
		return err
	}
	defer c.Close()
	ins, req, err := c.GenerateSSK(ctx)
	if err != nil {
		return requestError(err)
	}
	if _, err := fmt.Fprintf(env.Stdout, "%s\n%s\n", ins, req); err != nil {
		return err
	}
	if env.StderrTerminal {
		fmt.Fprintln(env.Stderr, "hams: first line: insert URI, keep it secret (whoever has it can publish); second line: request URI, share it")
	}
	return nil
}
