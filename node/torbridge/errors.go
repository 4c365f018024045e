package torbridge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The kinds of error this package returns. Every error it returns matches
// exactly one of them with errors.Is, except a read error of ParseFile's
// reader, which it wraps; the error's own text says, in words, what is
// wrong. No error text holds a bridge's address, fingerprint or
// argument values: errors get logged, and bridges are secret.
var (
	// ErrBadLine: the line as a whole is unusable: empty, longer than
	// MaxLineLen, or holding a byte a bridge line may not hold (a control
	// character, a non-ASCII character, or one of # \ " that tor's torrc
	// reader treats specially).
	ErrBadLine = errors.New("torbridge: bad bridge line")
	// ErrUnknownTransport: a transport name this package does not know.
	ErrUnknownTransport = errors.New("torbridge: unknown transport")
	// ErrBadAddress: a missing or malformed IP:PORT.
	ErrBadAddress = errors.New("torbridge: bad address")
	// ErrBadFingerprint: a fingerprint that is not 40 hexadecimal digits.
	ErrBadFingerprint = errors.New("torbridge: bad fingerprint")
	// ErrMissingArg: a transport argument the transport needs is absent
	// (cert= and iat-mode= for obfs4, url= for webtunnel and meek_lite).
	ErrMissingArg = errors.New("torbridge: missing argument")
	// ErrBadArg: a malformed key=value argument, a duplicate key, a value
	// the transport cannot use, or arguments longer than tor can pass on.
	ErrBadArg = errors.New("torbridge: bad argument")
	// ErrNoBridges: Torrc was given no bridge.
	ErrNoBridges = errors.New("torbridge: no bridges")
	// ErrNoPlugin: Torrc lacks a usable plugin path for a transport that a
	// bridge uses.
	ErrNoPlugin = errors.New("torbridge: no transport plugin")
	// ErrNotInstalled: Find found no executable for a transport.
	ErrNotInstalled = errors.New("torbridge: transport plugin not installed")
)

// Error is the error type of this package: a kind (one of the Err
// variables) and a message saying what is wrong.
type Error struct {
	// Kind is one of the Err variables of this package.
	Kind error
	// Msg says what is wrong, without the "torbridge: " prefix.
	Msg string
}

// Error formats as "torbridge: <msg>".
func (e *Error) Error() string { return "torbridge: " + e.Msg }

// Unwrap returns e.Kind, so that errors.Is(err, ErrBadAddress) works.
func (e *Error) Unwrap() error { return e.Kind }

// LineError is the error ParseFile returns for a bad line: the line's
// number and what is wrong with it.
type LineError struct {
	// Line is the 1-based number of the line at fault.
	Line int
	// Err says what is wrong; it is an *Error.
	Err error
}

// Error formats as "torbridge: line <n>: <what is wrong>".
func (e *LineError) Error() string {
	return "torbridge: line " + strconv.Itoa(e.Line) + ": " + strings.TrimPrefix(e.Err.Error(), "torbridge: ")
}

// Unwrap returns e.Err.
func (e *LineError) Unwrap() error { return e.Err }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// within puts context (such as "bridge 2") before the message of err.
func within(context string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Msg: context + ": " + e.Msg}
	}
	return fmt.Errorf("torbridge: %s: %w", context, err)
}

// quote quotes s, which must not be secret (a transport name, an argument
// key), for an error message, shortened so that a huge input does not make
// a huge message.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
