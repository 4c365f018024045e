package datastore

import (
	"errors"
	"fmt"

	"github.com/hamsnet/hams/keys"
)

// Code classifies an *Error. Callers switch on it, or use errors.Is with the
// sentinel errors below.
type Code uint8

// Error codes. The zero Code is never used.
const (
	// CodeNotFound: no block is stored under the routing key.
	CodeNotFound Code = iota + 1
	// CodeCollision: a different valid block is already stored under the
	// routing key (an SSK whose owner signed twice). The old block is kept.
	CodeCollision
	// CodeCorrupt: the stored block failed verification or Pebble's own
	// checksums. It was not returned, and has been deleted (or, when an
	// sstable is unreadable, is left to the background repair).
	CodeCorrupt
	// CodeInvalidBlock: the block offered to Put does not verify against its
	// routing key, or has an impossible size. Nothing was written.
	CodeInvalidBlock
	// CodeInvalidArgument: a bad region, configuration or other argument.
	CodeInvalidArgument
	// CodeClosed: the store has been closed.
	CodeClosed
	// CodeIO: Pebble or the file system failed for a reason other than
	// corruption.
	CodeIO
	// CodeDiskFull: the file system of the store's directory has less free
	// space than Config.ReserveBytes (or ran out), so no new block was
	// written. Reads keep working, and the Store accepts blocks again by
	// itself when space returns (docs/datastore.md, "Disk full"). The client
	// layer reports it as FCP InsertException code 2 (fcpwire.InsertBucketError,
	// fred's "out of disk space" code).
	CodeDiskFull
)

var codeNames = [...]string{
	CodeNotFound:        "not found",
	CodeCollision:       "collision",
	CodeCorrupt:         "corrupt block",
	CodeInvalidBlock:    "invalid block",
	CodeInvalidArgument: "invalid argument",
	CodeClosed:          "closed",
	CodeIO:              "i/o error",
	CodeDiskFull:        "disk full",
}

// String returns a short lower-case name for the code.
func (c Code) String() string {
	if int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// Error is the error type returned by this package. Every error message
// starts with "datastore: ".
type Error struct {
	// Code classifies the error.
	Code Code
	// Key is the routing key concerned, if any (HasKey reports whether it is
	// set).
	Key keys.RoutingKey
	// HasKey is true when Key is meaningful.
	HasKey bool
	// Index is the position in the PutBatch slice of the entry concerned, or
	// -1.
	Index int
	// Msg is a human-readable detail, possibly empty.
	Msg string
	// Err is the underlying cause, possibly nil.
	Err error
}

// Sentinel errors for use with errors.Is. Errors returned by this package are
// *Error values whose Code matches one of these; they are never returned
// wrapped in anything but an *Error or errors.Join.
var (
	// ErrNotFound matches misses. A corrupt block is reported with CodeCorrupt,
	// which matches both ErrCorrupt and ErrNotFound (the block is gone).
	ErrNotFound = &Error{Code: CodeNotFound, Index: -1}
	// ErrCollision matches a Put that found a different valid block under the
	// same routing key.
	ErrCollision = &Error{Code: CodeCollision, Index: -1}
	// ErrCorrupt matches a stored block that failed verification.
	ErrCorrupt = &Error{Code: CodeCorrupt, Index: -1}
	// ErrInvalidBlock matches a block rejected by Put before anything was
	// written.
	ErrInvalidBlock = &Error{Code: CodeInvalidBlock, Index: -1}
	// ErrInvalidArgument matches a bad region, configuration or argument.
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument, Index: -1}
	// ErrClosed matches any call made after Close.
	ErrClosed = &Error{Code: CodeClosed, Index: -1}
	// ErrIO matches Pebble or file-system failures that are not corruption.
	ErrIO = &Error{Code: CodeIO, Index: -1}
	// ErrDiskFull matches a write refused because the disk is (nearly) full.
	ErrDiskFull = &Error{Code: CodeDiskFull, Index: -1}
)

// Error implements the error interface.
func (e *Error) Error() string {
	s := "datastore: " + e.Code.String()
	if e.HasKey {
		s += " " + e.Key.String()
	}
	if e.Index >= 0 {
		s += fmt.Sprintf(" (batch entry %d)", e.Index)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code. A CodeCorrupt
// error also matches ErrNotFound, because the corrupt block has been dropped.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code || (t.Code == CodeNotFound && e.Code == CodeCorrupt)
}

// CodeOf returns the Code of the first *Error in err's chain, or 0.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func newError(c Code, msg string, cause error) *Error {
	return &Error{Code: c, Index: -1, Msg: msg, Err: cause}
}

func keyError(c Code, rk keys.RoutingKey, msg string, cause error) *Error {
	return &Error{Code: c, Key: rk, HasKey: true, Index: -1, Msg: msg, Err: cause}
}
