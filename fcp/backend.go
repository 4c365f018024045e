package fcp

import (
	"context"
	"errors"
	"io"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// PutOptions describe one insert.
type PutOptions struct {
	// URI is where to insert: a CHK request form with zero keys (Type CHK,
	// everything else zero) for "CHK@", an SSK or USK insert URI, or a KSK.
	URI keys.URI
	// ContentType is the MIME type recorded in the metadata ("" for none).
	ContentType string
	// DontCompress asks the client layer not to compress.
	DontCompress bool
	// GetCHKOnly asks only for the URI: encode, do not insert.
	GetCHKOnly bool
	// Redirect, when its Type is set, asks for a redirect to this URI
	// instead of data (ClientPut UploadFrom=redirect, TargetURI); Put's
	// reader is then empty.
	Redirect keys.URI
	// Progress, when not nil, is called as blocks are inserted.
	Progress func(Progress)
}

// GetOptions describe one fetch.
type GetOptions struct {
	// MaxSize is the largest document to fetch; 0 means no limit. A larger
	// one fails with fetch code 21 (TOO_BIG).
	MaxSize int64
	// Progress, when not nil, is called as blocks are fetched.
	Progress func(Progress)
}

// Progress counts blocks, as fred's SimpleProgress does.
type Progress struct {
	// Total is the number of blocks; Required how many must succeed;
	// Failed and Succeeded how many did so far.
	Total, Required, Failed, Succeeded int
	// FinalizedTotal means Total will not change any more.
	FinalizedTotal bool
}

// GetResult describes fetched data.
type GetResult struct {
	// ContentType is the document's MIME type.
	ContentType string
	// Size is the number of bytes written.
	Size int64
	// DefaultDocument is set when the data is a directory's default
	// document reached without a path component naming it (the web
	// gateway then adds the trailing "/" to the page's address).
	DefaultDocument bool
}

// DirEntry is one file of a directory insert (a freesite).
type DirEntry struct {
	// Name is the path inside the directory, '/'-separated.
	Name string
	// ContentType is the file's MIME type ("" to guess from Name).
	ContentType string
	// Open opens the file's data; nil for a redirect.
	Open func() (io.ReadCloser, error)
	// Redirect, when not nil, makes the entry point at an existing URI.
	Redirect *keys.URI
}

// Backend is what the FCP server needs from the client layer. Methods are
// called concurrently, and must return promptly once ctx is cancelled.
//
// Errors may carry fred's failure codes: an error (or one it wraps) that
// implements FetchCoder (from Get, LatestEdition) or InsertCoder (from Put,
// PutDir) is reported with that code; any other error is reported as an
// internal error (fetch code 17, insert code 3).
type Backend interface {
	// Put inserts r and returns the request URI.
	Put(ctx context.Context, r io.Reader, opts PutOptions) (keys.URI, error)
	// PutDir inserts a directory as a manifest and returns its request URI.
	PutDir(ctx context.Context, entries []DirEntry, defaultName string, opts PutOptions) (keys.URI, error)
	// Get fetches uri into w.
	Get(ctx context.Context, uri keys.URI, w io.Writer, opts GetOptions) (GetResult, error)
	// LatestEdition returns the newest known edition of a USK.
	LatestEdition(ctx context.Context, usk keys.URI) (int64, error)
}

// ArrivalWatcher is implemented by backends that learn when a block they
// looked for, and did not find, arrives later (a node's passive requests).
// Arrivals returns a channel that is closed at the next arrival;
// SubscribeUSK subscriptions then look for new editions at once rather
// than at their next poll.
type ArrivalWatcher interface {
	Arrivals() <-chan struct{}
}

// EditionWatcher is implemented by backends that learn of new USK
// editions without looking (a local insert publishes one): SubscribeUSK
// subscriptions then report it at once rather than at their next poll.
type EditionWatcher interface {
	// KnownEdition returns the newest edition of usk the backend knows
	// of, or -1, without I/O.
	KnownEdition(usk keys.URI) int64
	// WatchEdition returns a channel closed when a newer edition of usk
	// than KnownEdition's becomes known, and stop, called when the
	// caller no longer waits.
	WatchEdition(usk keys.URI) (<-chan struct{}, func())
}

// StatusField is one field of the node's state that NodeData carries.
type StatusField struct{ Key, Value string }

// NodeStatuser is implemented by backends that report the node's state
// (its tor, its links): NodeData, when GetNode asks WithVolatile=true,
// carries each field as "volatile.<Key>" (docs/fcp.md, NodeData).
type NodeStatuser interface {
	NodeStatus() []StatusField
}

// FetchCoder is implemented by fetch errors that carry one of fred's
// FetchException codes.
type FetchCoder interface{ FetchCode() int }

// InsertCoder is implemented by insert errors that carry one of fred's
// InsertException codes.
type InsertCoder interface{ InsertCode() int }

// FetchError is a fetch failure with a fred FetchException code. Backends
// may return it; the server uses it for failures it detects itself.
type FetchError struct {
	// Code is the FetchException code.
	Code int
	// Extra is the ExtraDescription.
	Extra string
	// RedirectURI, for code 27 (fcpwire.FetchPermanentRedirect), is where
	// the client should fetch instead: GetFailed's RedirectURI.
	RedirectURI keys.URI
}

// FetchCode returns e.Code.
func (e *FetchError) FetchCode() int { return e.Code }

// Error describes e.
func (e *FetchError) Error() string {
	s := "fcp: fetch failed: " + fcpwire.FetchDescription(e.Code)
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// InsertError is an insert failure with a fred InsertException code.
type InsertError struct {
	// Code is the InsertException code.
	Code int
	// Extra is the ExtraDescription.
	Extra string
}

// InsertCode returns e.Code.
func (e *InsertError) InsertCode() int { return e.Code }

// Error describes e.
func (e *InsertError) Error() string {
	s := "fcp: insert failed: " + fcpwire.InsertDescription(e.Code)
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// fetchCodeOf returns the fetch code carried by err.
func fetchCodeOf(err error) int {
	var fc FetchCoder
	if errors.As(err, &fc) {
		return fc.FetchCode()
	}
	if errors.Is(err, context.Canceled) {
		return fcpwire.FetchCancelled
	}
	return fcpwire.FetchInternalError
}

// insertCodeOf returns the insert code carried by err.
func insertCodeOf(err error) int {
	var ic InsertCoder
	if errors.As(err, &ic) {
		return ic.InsertCode()
	}
	if errors.Is(err, context.Canceled) {
		return fcpwire.InsertCancelled
	}
	return fcpwire.InsertInternalError
}
