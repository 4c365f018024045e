// Command hams is the single hams binary: it runs a node, a test network
// on one machine, the routing simulator and the social front-end, and talks
// to a node over FCP.
//
//	hams node [--dir DIR] [--fcp ADDR] [--transport tor|tcp|none] …   run a node
//	hams put [--fcp ADDR] [--uri URI] FILE|-          insert a file, print its URI
//	hams get [--fcp ADDR] [-o FILE] URI               fetch a file
//	hams keygen [--fcp ADDR]                          make an SSK keypair
//	hams peer [--fcp ADDR] add FILE|- | list | remove ID
//	hams testnet --nodes N [--transport tcp|tor] …    full nodes on loopback
//	hams sim [--nodes N] [--topology kleinberg|darknet|opennet] …
//	hams social [--fcp ADDR] [--listen ADDR]          the social front-end
//
// "hams help" lists every command with its summary, "hams help COMMAND" its
// flags. Each subcommand lives in its own file and registers itself from
// init() with register; main only wires the process (arguments, standard
// streams, signals, exit status) to run.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"golang.org/x/term"
)

// Env is what a command may use of the process: its standard streams and
// environment. Tests fill it with buffers.
type Env struct {
	// Stdin, Stdout and Stderr are the standard streams.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv looks up an environment variable ("" when unset).
	Getenv func(string) string
	// StderrTerminal reports whether Stderr is a terminal; progress bars are
	// drawn only then.
	StderrTerminal bool
}

// Command is one subcommand of hams.
type Command struct {
	// Name is the word after "hams", e.g. "put".
	Name string
	// Usage is the synopsis after "hams ", e.g. "put [--fcp ADDR] FILE|-".
	Usage string
	// Summary is a one-line description for the command list.
	Summary string
	// Run runs the command with the arguments after its name. It returns
	// an error to report (see usageError and hinted); ctx ends on SIGINT or
	// SIGTERM.
	Run func(ctx context.Context, env *Env, args []string) error
}

// commands holds the registered commands by name.
var commands = map[string]*Command{}

// register adds a command; call it from an init function in the command's
// own file. It panics on a duplicate name.
func register(c *Command) {
	if _, dup := commands[c.Name]; dup {
		panic("hams: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// usageError is a wrong invocation: it is reported with the command's usage
// line and exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// hinted is an error with advice on how to fix it, printed as
// "hams: hint: …".
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// withHint attaches a hint to err (nil stays nil).
func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err, hint}
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Getenv:         os.Getenv,
		StderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	code := run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		printUsage(env.Stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := commands[args[1]]; c != nil {
				// The command's own flag set prints its usage.
				return report(env, c, c.Run(ctx, env, []string{"-h"}))
			}
			return report(env, nil, withHint(usagef("unknown command %q", args[1]), "run 'hams help' for the list of commands"))
		}
		printUsage(env.Stdout)
		return exitOK
	}
	c := commands[name]
	if c == nil {
		return report(env, nil, withHint(usagef("unknown command %q", name), "run 'hams help' for the list of commands"))
	}
	return report(env, c, c.Run(ctx, env, args[1:]))
}

// report prints err (if any) in the house format and returns the exit
// status for it.
func report(env *Env, c *Command, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(env.Stderr, "hams: error: %v\n", err)
	var h *hinted
	switch {
	case errors.As(err, &h):
		fmt.Fprintf(env.Stderr, "hams: hint: %s\n", h.hint)
	case errors.Is(err, syscall.ECONNREFUSED):
		fmt.Fprintln(env.Stderr, "hams: hint: is the node running? start it with: hams node")
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if c != nil {
			fmt.Fprintf(env.Stderr, "usage: hams %s\n", c.Usage)
		}
		return exitUsage
	}
	return exitError
}

// printUsage lists the registered commands.
func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: hams COMMAND [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  hams %s\n        %s\n", c.Usage, c.Summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 'hams help COMMAND' for a command's flags")
}

// newFlags returns a flag set for command c that reports to env.Stderr.
func newFlags(env *Env, c *Command) *flag.FlagSet {
	fs := flag.NewFlagSet("hams "+c.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: hams %s\n\n%s\n\nflags:\n", c.Usage, c.Summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before or after the positional
// arguments, which it returns. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			// The flag package has printed the problem and the usage.
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// fcpFlag adds the --fcp flag.
func fcpFlag(fs *flag.FlagSet) *string {
	return fs.String("fcp", "", "the node's FCP address (default $HAMS_FCP or "+fcpclient.DefaultAddr+")")
}

// dialTimeout bounds connecting and saying hello to the node.
const dialTimeout = 15 * time.Second

// dial connects to the node at addr, or at $HAMS_FCP, or at the default
// address.
func dial(ctx context.Context, env *Env, addr, cmd string) (*fcpclient.Client, error) {
	if addr == "" {
		addr = strings.TrimSpace(env.Getenv("HAMS_FCP"))
	}
	if addr == "" {
		addr = fcpclient.DefaultAddr
	}
	var suffix [4]byte
	rand.Read(suffix[:])
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	// A node closes an older connection with the same client name, so each
	// run uses its own.
	c, err := fcpclient.Dial(dctx, addr, "hams-"+cmd+"-"+hex.EncodeToString(suffix[:]))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, withHint(fmt.Errorf("cannot connect to the node at %s: connection refused", addr),
				"is the node running? start it with: hams node")
		}
		return nil, withHint(fmt.Errorf("cannot talk to the node at %s: %w", addr, err),
			"check --fcp or $HAMS_FCP; the node's FCP port is "+fcpclient.DefaultAddr+" by default")
	}
	return c, nil
}

// requestError adds a hint to an error from an FCP request where one is
// known.
func requestError(err error) error {
	var ce *fcpclient.ConnectionError
	var gf *fcpclient.GetFailedError
	switch {
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted")
	case errors.As(err, &ce):
		return withHint(err, "the node closed the connection; check that it is still running (hams node)")
	case errors.As(err, &gf) && (gf.Code == fcpwire.FetchDataNotFound || gf.Code == fcpwire.FetchAllDataNotFound):
		return withHint(err, "nobody reachable holds this data yet; check the URI or try again later")
	}
	return err
}
