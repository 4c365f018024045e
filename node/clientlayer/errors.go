package clientlayer

import (
	"context"
	"errors"
	"fmt"
)

// Fetch error codes: the numbers of fred's FetchException, which FCP
// GetFailed carries as Code.
const (
	FetchInvalidMetadata         = 4  // INVALID_METADATA: a metadata document breaks docs/metadata.md
	FetchBlockDecodeError        = 6  // BLOCK_DECODE_ERROR: a block was found but does not decode with its URI
	FetchTooMuchRecursion        = 9  // TOO_MUCH_RECURSION: too many redirects, manifests or metadata levels
	FetchNotInArchive            = 10 // NOT_IN_ARCHIVE: a name is not in the manifest
	FetchTooManyPathComponents   = 11 // TOO_MANY_PATH_COMPONENTS: meta-strings left over at a file
	FetchBucketError             = 12 // BUCKET_ERROR: writing the output failed
	FetchDataNotFound            = 13 // DATA_NOT_FOUND: a single block is not in the store
	FetchInternalError           = 17 // INTERNAL_ERROR
	FetchInvalidURI              = 20 // INVALID_URI
	FetchTooBig                  = 21 // TOO_BIG: larger than FetchOptions.MaxSize
	FetchTooBigMetadata          = 22 // TOO_BIG_METADATA: a metadata document is larger than Config.MaxMetadataSize
	FetchNotEnoughPathComponents = 24 // NOT_ENOUGH_PATH_COMPONENTS: a manifest without a default name and no meta-string
	FetchCancelled               = 25 // CANCELLED: the context was cancelled
	FetchAllDataNotFound         = 28 // ALL_DATA_NOT_FOUND: fewer than k blocks of a segment were found
)

// Insert error codes: the numbers of fred's InsertException, which FCP
// PutFailed carries as Code.
const (
	InsertInvalidURI    = 1 // INVALID_URI: the URI, a redirect or a manifest name is unusable
	InsertBucketError   = 2 // BUCKET_ERROR: reading the data failed
	InsertInternalError = 3 // INTERNAL_ERROR: the block store failed
	// InsertRejectedOverload is REJECTED_OVERLOAD: every peer was too busy.
	InsertRejectedOverload = 4
	// InsertRouteNotFound is ROUTE_NOT_FOUND: no peer took the insert.
	InsertRouteNotFound = 5
	InsertCollision     = 9  // COLLISION: a different block is already stored under the SSK
	InsertCancelled     = 10 // CANCELLED: the context was cancelled
	// InsertMetaStringsNotSupported is META_STRINGS_NOT_SUPPORTED: the
	// insert URI has meta-strings (a '/' after the key or document name).
	InsertMetaStringsNotSupported = 11
)

var fetchNames = map[int]string{
	4: "invalid metadata", 6: "block decode error", 9: "too much recursion",
	10: "not in archive", 11: "too many path components", 12: "bucket error",
	13: "data not found", 17: "internal error", 20: "invalid URI", 21: "too big",
	22: "metadata too big", 24: "not enough path components", 25: "cancelled",
	28: "all data not found",
}

var insertNames = map[int]string{
	1: "invalid URI", 2: "bucket error", 3: "internal error", 4: "rejected overload",
	5: "route not found", 9: "collision", 10: "cancelled",
	11: "meta-strings not supported",
}

// FetchError is the error Fetch and LatestEdition return. Code is a fred
// FetchException code (the Fetch* constants).
type FetchError struct {
	Code int
	Msg  string
	// Err is the underlying cause, possibly nil.
	Err error
}

// Error formats as "client: fetch failed: <code name> (<code>): msg".
func (e *FetchError) Error() string {
	s := fmt.Sprintf("client: fetch failed: %s (%d): %s", fetchNames[e.Code], e.Code, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Is matches a *FetchError with the same Code and no message, e.g.
// errors.Is(err, &client.FetchError{Code: client.FetchAllDataNotFound}).
func (e *FetchError) Is(target error) bool {
	t, ok := target.(*FetchError)
	return ok && t.Msg == "" && t.Err == nil && t.Code == e.Code
}

// InsertError is the error Insert and InsertDir return. Code is a fred
// InsertException code (the Insert* constants).
type InsertError struct {
	Code int
	Msg  string
	// Err is the underlying cause, possibly nil.
	Err error
}

// Error formats as "client: insert failed: <code name> (<code>): msg".
func (e *InsertError) Error() string {
	s := fmt.Sprintf("client: insert failed: %s (%d): %s", insertNames[e.Code], e.Code, e.Msg)
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
// it into an *InsertError with code InsertCollision.
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
		return fetchErr(FetchInvalidMetadata, err, "bad metadata document")
	case isCancelled(err):
		return fetchErr(FetchCancelled, err, "cancelled")
	}
	return fetchErr(FetchInternalError, err, "block store failed")
}

// asInsert turns an error met during an insert into an *InsertError.
func asInsert(err error) error {
	var ie *InsertError
	if err == nil || errors.As(err, &ie) {
		return err
	}
	switch {
	case errors.Is(err, ErrCollision):
		return insertErr(InsertCollision, err, "collision")
	case isCancelled(err):
		return insertErr(InsertCancelled, err, "cancelled")
	}
	return insertErr(InsertInternalError, err, "block store failed")
}

func isCancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
