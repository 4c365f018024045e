package fcp

import (
	"context"
	"errors"
	"io"

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
}

// FetchCode returns e.Code.
func (e *FetchError) FetchCode() int { return e.Code }

// Error describes e.
func (e *FetchError) Error() string {
	s := "fcp: fetch failed: " + fetchDescription(e.Code)
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
	s := "fcp: insert failed: " + insertDescription(e.Code)
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// Fetch failure codes (fred's FetchExceptionMode) the server itself uses.
const (
	FetchInvalidMetadata = 4
	FetchNotInArchive    = 10
	FetchDataNotFound    = 13
	FetchInternalError   = 17
	FetchInvalidURI      = 20
	FetchTooBig          = 21
	FetchCancelled       = 25
	FetchAllDataNotFound = 28
)

// Insert failure codes (fred's InsertExceptionMode) the server itself uses.
const (
	InsertInvalidURI    = 1
	InsertBucketError   = 2
	InsertInternalError = 3
	InsertCollision     = 9
	InsertCancelled     = 10
)

type codeText struct{ long, short string }

// fetchCodes are fred's FetchException descriptions (long, short).
var fetchCodes = map[int]codeText{
	1:  {"Too many levels of recursion into archives", "Archive recursion"},
	2:  {"Don't know what to do with splitfile", "Unknown splitfile"},
	3:  {"Don't know what to do with metadata", "Unknown metadata"},
	4:  {"Failed to parse metadata", "Invalid metadata"},
	5:  {"Failure in extracting files from an archive", "Archive failure"},
	6:  {"Failed to decode a block", "Block decode error"},
	7:  {"Too many levels of split metadata", "Too many metadata levels"},
	8:  {"Request was restarted too many times due to archives changing", "Too many archive restarts"},
	9:  {"Too many redirects", "Too much recursion"},
	10: {"File not in archive", "Not in archive"},
	11: {"Too many path components - not a manifest? Try removing one", "Too many path components"},
	12: {"Temporary files error", "Temp files error"},
	13: {"Data not found", "Data not found"},
	14: {"Route not found - could not find enough nodes to be sure the data doesn't exist", "Route not found"},
	15: {"A node was overloaded or timed out", "Timeout or overload"},
	16: {"Too many redirects", "Too many redirects"},
	17: {"Internal error, probably a bug", "Internal error"},
	18: {"Found the file, but lost it while receiving the data", "Data transfer failed"},
	19: {"Splitfile error", "Splitfile error"},
	20: {"Invalid URI", "Invalid URI"},
	21: {"Too big", "Too big"},
	22: {"Metadata too big", "Metadata too big"},
	23: {"Too many blocks per segment", "Too many blocks per segment"},
	24: {"Not enough meta-strings", "Not enough path components"},
	25: {"Cancelled by caller", "Cancelled"},
	26: {"Archive restart", "Archive restart"},
	27: {"Permanent redirect: use the new URI", "New URI"},
	28: {"Not all data found; some metadata was found but the data in the end could not be found", "All data not found"},
	30: {"Recently failed", "Recently failed"},
}

// fetchNonFatal are the FetchException codes worth retrying.
var fetchNonFatal = map[int]bool{12: true, 13: true, 14: true, 15: true, 17: true, 18: true, 19: true, 28: true, 30: true}

// insertCodes are fred's InsertException descriptions (long, short).
var insertCodes = map[int]codeText{
	1:  {"Caller supplied a URI we cannot use", "Invalid URI"},
	2:  {"Internal bucket error: out of disk space/permissions problem?", "Temp files error"},
	3:  {"Internal error", "Internal error"},
	4:  {"A downstream node timed out or was severely overloaded", "Timeout or overload"},
	5:  {"Could not propagate the insert to enough nodes", "Route not found"},
	6:  {"Some blocks failed fatally", "Some blocks failed fatally"},
	7:  {"Some blocks ran out of retries", "Some blocks ran out of retries"},
	8:  {"Insert could not leave the node at all", "Could not leave the node"},
	9:  {"Insert collided with different, pre-existing data at the same key", "Collided with existing data"},
	10: {"Cancelled by user", "Cancelled"},
	11: {"Meta string (most likely a '/') used in the URI", "Meta string used in the key"},
	12: {"Binary blob format error", "Binary blob format error"},
}

// insertNonFatal are the InsertException codes worth retrying.
var insertNonFatal = map[int]bool{2: true, 3: true, 4: true, 5: true, 7: true, 8: true}

func fetchDescription(code int) string {
	if t, ok := fetchCodes[code]; ok {
		return t.long
	}
	return "Unknown error"
}

func insertDescription(code int) string {
	if t, ok := insertCodes[code]; ok {
		return t.long
	}
	return "Unknown error"
}

// fetchCodeOf returns the fetch code carried by err.
func fetchCodeOf(err error) int {
	var fc FetchCoder
	if errors.As(err, &fc) {
		return fc.FetchCode()
	}
	if errors.Is(err, context.Canceled) {
		return FetchCancelled
	}
	return FetchInternalError
}

// insertCodeOf returns the insert code carried by err.
func insertCodeOf(err error) int {
	var ic InsertCoder
	if errors.As(err, &ic) {
		return ic.InsertCode()
	}
	if errors.Is(err, context.Canceled) {
		return InsertCancelled
	}
	return InsertInternalError
}
