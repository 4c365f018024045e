package clientlayer

import (
	"context"
	"errors"
	"fmt"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// FetchError is the error Fetch and LatestEdition return. Code is a fred
// FetchException code (fcpwire.FetchDataNotFound and the others).
type FetchError struct {
	Code int
	Msg  string
	// Err is the underlying cause, possibly nil.
	Err error
	// Redirect, for fcpwire.FetchPermanentRedirect, is the URI to fetch
	// instead (FCP's RedirectURI).
	Redirect keys.URI
}

// Error formats as "client: fetch failed: <code name> (<code>): msg", the
// name being fred's short description.
func (e *FetchError) Error() string {
	s := fmt.Sprintf("client: fetch failed: %s (%d): %s", lowerFirst(fcpwire.FetchShortDescription(e.Code)), e.Code, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Is matches a *FetchError with the same Code and no message, e.g.
// errors.Is(err, &clientlayer.FetchError{Code: fcpwire.FetchAllDataNotFound}).
func (e *FetchError) Is(target error) bool {
	t, ok := target.(*FetchError)
	return ok && t.Msg == "" && t.Err == nil && t.Code == e.Code
}

// InsertError is the error Insert and InsertDir return. Code is a fred
// InsertException code (fcpwire.InsertCollision and the others).
type InsertError struct {
	Code int
	Msg  string
	// Err is the underlying cause, possibly nil.
	Err error
}

// Error formats as "client: insert failed: <code name> (<code>): msg", the
// name being fred's short description.
func (e *InsertError) Error() string {
	s := fmt.Sprintf("client: insert failed: %s (%d): %s", lowerFirst(fcpwire.InsertShortDescription(e.Code)), e.Code, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *InsertError) Unwrap() error { return e.Err }

// Is matches an *InsertError with the same Code and no message.
func (e *InsertError) Is(target error) bool {
	t, ok := target.(*InsertError)
	return ok && t.Msg == "" && t.Err == nil && t.Code == e.Code
}

// ErrBlockNotFound is what a BlockStore returns (possibly wrapped) for a
// block it does not have.
var ErrBlockNotFound = errors.New("client: block not found")

// ErrCollision is what a BlockStore returns (possibly wrapped) when a
// different block is already stored under an SSK routing key. Insert turns
// it into an *InsertError with code fcpwire.InsertCollision.
var ErrCollision = errors.New("client: a different block is stored under this key")

func fetchErr(code int, err error, format string, args ...any) *FetchError {
	return &FetchError{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

func insertErr(code int, err error, format string, args ...any) *InsertError {
	return &InsertError{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// asFetch turns an error met during a fetch into a *FetchError.
func asFetch(err error) error {
	var fe *FetchError
	if err == nil || errors.As(err, &fe) {
		return err
	}
	var me *MetadataError
	switch {
	case errors.As(err, &me):
		return fetchErr(fcpwire.FetchInvalidMetadata, err, "bad metadata document")
	case isCancelled(err):
		return fetchErr(fcpwire.FetchCancelled, err, "cancelled")
	}
	return fetchErr(fcpwire.FetchInternalError, err, "block store failed")
}

// asInsert turns an error met during an insert into an *InsertError. A
// datastore refusal for lack of disk space (datastore.ErrDiskFull, from a
// put or from the final sync) becomes code fcpwire.InsertBucketError, fred's
// "out of disk space" code, with the datastore's message (how much is free,
// the reserve) as the detail.
func asInsert(err error) error {
	var ie *InsertError
	var de *datastore.Error
	if errors.As(err, &de) && de.Code == datastore.CodeDiskFull &&
		!(errors.As(err, &ie) && ie.Code == fcpwire.InsertBucketError) {
		return insertErr(fcpwire.InsertBucketError, de, "the node's disk is full")
	}
	if err == nil || errors.As(err, &ie) {
		return err
	}
	switch {
	case errors.Is(err, ErrCollision):
		return insertErr(fcpwire.InsertCollision, err, "collision")
	case isCancelled(err):
		return insertErr(fcpwire.InsertCancelled, err, "cancelled")
	}
	return insertErr(fcpwire.InsertInternalError, err, "block store failed")
}

func isCancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// lowerFirst lowers the first letter of an ASCII description, to read
// inside a sentence.
func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
