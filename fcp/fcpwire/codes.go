package fcpwire

// Fetch failure codes: fred's FetchException modes, which GetFailed carries
// as Code. The client layer tags its errors with them; the server reports
// them with the descriptions below.
const (
	FetchTooDeepArchiveRecursion  = 1
	FetchUnknownSplitfileMetadata = 2
	FetchUnknownMetadata          = 3
	FetchInvalidMetadata          = 4 // a metadata document breaks docs/metadata.md
	FetchArchiveFailure           = 5
	FetchBlockDecodeError         = 6 // a block was found but does not decode with its URI
	FetchTooManyMetadataLevels    = 7
	FetchTooManyArchiveRestarts   = 8
	FetchTooMuchRecursion         = 9  // too many redirects, manifests or metadata levels
	FetchNotInArchive             = 10 // a name is not in the manifest
	FetchTooManyPathComponents    = 11 // meta-strings left over at a file
	FetchBucketError              = 12 // writing the output failed
	FetchDataNotFound             = 13 // a single block was not found
	FetchRouteNotFound            = 14
	FetchRejectedOverload         = 15
	FetchTooManyRedirects         = 16
	FetchInternalError            = 17
	FetchTransferFailed           = 18
	FetchSplitfileError           = 19
	FetchInvalidURI               = 20
	FetchTooBig                   = 21 // larger than the request's MaxSize
	FetchTooBigMetadata           = 22 // a metadata document larger than the client layer takes
	FetchTooManyBlocksPerSegment  = 23
	FetchNotEnoughPathComponents  = 24 // a manifest without a default name and no meta-string
	FetchCancelled                = 25
	FetchArchiveRestart           = 26
	FetchPermanentRedirect        = 27 // "New URI": fetch RedirectURI instead
	FetchAllDataNotFound          = 28 // fewer than k blocks of a segment were found
	FetchRecentlyFailed           = 30
)

// Insert failure codes: fred's InsertException modes, which PutFailed
// carries as Code.
const (
	InsertInvalidURI              = 1 // the URI, a redirect or a manifest name is unusable
	InsertBucketError             = 2 // reading the data failed
	InsertInternalError           = 3
	InsertRejectedOverload        = 4 // every peer was too busy, or the insert timed out downstream
	InsertRouteNotFound           = 5 // no peer took the insert
	InsertFatalErrorsInBlocks     = 6
	InsertTooManyRetriesInBlocks  = 7
	InsertRouteReallyNotFound     = 8
	InsertCollision               = 9 // a different block is already stored under the SSK
	InsertCancelled               = 10
	InsertMetaStringsNotSupported = 11 // the insert URI has meta-strings (a '/' after the key or name)
	InsertBinaryBlobFormatError   = 12
)

// codeText is a failure code's descriptions, as fred words them, and
// whether retrying may help.
type codeText struct {
	long, short string
	retry       bool
}

var fetchCodes = map[int]codeText{
	FetchTooDeepArchiveRecursion:  {"Too many levels of recursion into archives", "Archive recursion", false},
	FetchUnknownSplitfileMetadata: {"Don't know what to do with splitfile", "Unknown splitfile", false},
	FetchUnknownMetadata:          {"Don't know what to do with metadata", "Unknown metadata", false},
	FetchInvalidMetadata:          {"Failed to parse metadata", "Invalid metadata", false},
	FetchArchiveFailure:           {"Failure in extracting files from an archive", "Archive failure", false},
	FetchBlockDecodeError:         {"Failed to decode a block", "Block decode error", false},
	FetchTooManyMetadataLevels:    {"Too many levels of split metadata", "Too many metadata levels", false},
	FetchTooManyArchiveRestarts:   {"Request was restarted too many times due to archives changing", "Too many archive restarts", false},
	FetchTooMuchRecursion:         {"Too many redirects", "Too much recursion", false},
	FetchNotInArchive:             {"File not in archive", "Not in archive", false},
	FetchTooManyPathComponents:    {"Too many path components - not a manifest? Try removing one", "Too many path components", false},
	FetchBucketError:              {"Temporary files error", "Temp files error", true},
	FetchDataNotFound:             {"Data not found", "Data not found", true},
	FetchRouteNotFound:            {"Route not found - could not find enough nodes to be sure the data doesn't exist", "Route not found", true},
	FetchRejectedOverload:         {"A node was overloaded or timed out", "Timeout or overload", true},
	FetchTooManyRedirects:         {"Too many redirects", "Too many redirects", false},
	FetchInternalError:            {"Internal error, probably a bug", "Internal error", true},
	FetchTransferFailed:           {"Found the file, but lost it while receiving the data", "Data transfer failed", true},
	FetchSplitfileError:           {"Splitfile error", "Splitfile error", true},
	FetchInvalidURI:               {"Invalid URI", "Invalid URI", false},
	FetchTooBig:                   {"Too big", "Too big", false},
	FetchTooBigMetadata:           {"Metadata too big", "Metadata too big", false},
	FetchTooManyBlocksPerSegment:  {"Too many blocks per segment", "Too many blocks per segment", false},
	FetchNotEnoughPathComponents:  {"Not enough meta-strings", "Not enough path components", false},
	FetchCancelled:                {"Cancelled by caller", "Cancelled", false},
	FetchArchiveRestart:           {"Archive restart", "Archive restart", false},
	FetchPermanentRedirect:        {"Permanent redirect: use the new URI", "New URI", false},
	FetchAllDataNotFound:          {"Not all data found; some metadata was found but the data in the end could not be found", "All data not found", true},
	FetchRecentlyFailed:           {"Recently failed", "Recently failed", true},
}

var insertCodes = map[int]codeText{
	InsertInvalidURI:              {"Caller supplied a URI we cannot use", "Invalid URI", false},
	InsertBucketError:             {"Internal bucket error: out of disk space/permissions problem?", "Temp files error", true},
	InsertInternalError:           {"Internal error", "Internal error", true},
	InsertRejectedOverload:        {"A downstream node timed out or was severely overloaded", "Timeout or overload", true},
	InsertRouteNotFound:           {"Could not propagate the insert to enough nodes", "Route not found", true},
	InsertFatalErrorsInBlocks:     {"Some blocks failed fatally", "Some blocks failed fatally", false},
	InsertTooManyRetriesInBlocks:  {"Some blocks ran out of retries", "Some blocks ran out of retries", true},
	InsertRouteReallyNotFound:     {"Insert could not leave the node at all", "Could not leave the node", true},
	InsertCollision:               {"Insert collided with different, pre-existing data at the same key", "Collided with existing data", false},
	InsertCancelled:               {"Cancelled by user", "Cancelled", false},
	InsertMetaStringsNotSupported: {"Meta string (most likely a '/') used in the URI", "Meta string used in the key", false},
	InsertBinaryBlobFormatError:   {"Binary blob format error", "Binary blob format error", false},
}

// FetchDescription returns fred's CodeDescription of a fetch failure code,
// "Unknown error" for a code it does not know.
func FetchDescription(code int) string { return long(fetchCodes, code) }

// FetchShortDescription returns fred's ShortCodeDescription of a fetch
// failure code, "" for a code it does not know.
func FetchShortDescription(code int) string { return fetchCodes[code].short }

// FetchRetryable reports whether retrying a fetch that failed with code may
// help: GetFailed's Fatal is its negation.
func FetchRetryable(code int) bool { return fetchCodes[code].retry }

// InsertDescription returns fred's CodeDescription of an insert failure
// code, "Unknown error" for a code it does not know.
func InsertDescription(code int) string { return long(insertCodes, code) }

// InsertShortDescription returns fred's ShortCodeDescription of an insert
// failure code, "" for a code it does not know.
func InsertShortDescription(code int) string { return insertCodes[code].short }

// InsertRetryable reports whether retrying an insert that failed with code
// may help: PutFailed's Fatal is its negation.
func InsertRetryable(code int) bool { return insertCodes[code].retry }

func long(m map[int]codeText, code int) string {
	if t, ok := m[code]; ok {
		return t.long
	}
	return "Unknown error"
}
