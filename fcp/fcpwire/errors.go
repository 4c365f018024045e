package fcpwire

import (
	"fmt"
	"strconv"
)

// ProtocolError codes, as fred numbers them (freenet.clients.fcp.ProtocolErrorMessage).
const (
	CodeClientHelloMustBeFirst = 1
	CodeNoLateClientHellos     = 2
	CodeMessageParseError      = 3
	CodeURIParseError          = 4
	CodeMissingField           = 5
	CodeErrorParsingNumber     = 6
	CodeInvalidMessage         = 7
	CodeInvalidField           = 8
	CodeFileNotFound           = 9
	CodeDiskTargetExists       = 10
	CodeCouldNotCreateFile     = 12
	CodeCouldNotWriteFile      = 13
	CodeCouldNotRenameFile     = 14
	CodeNoSuchIdentifier       = 15
	CodeNotSupported           = 16
	CodeInternalError          = 17
	CodeShuttingDown           = 18
	CodeURLParseError          = 20
	CodeRefParseError          = 21
	CodeFileParseError         = 22
	CodeNotAFile               = 23
	CodeAccessDenied           = 24
	CodeDDADenied              = 25
	CodeCouldNotReadFile       = 26
	CodeRefSignatureInvalid    = 27
	CodeCannotPeerWithSelf     = 28
	CodeDuplicatePeerRef       = 29
	CodeOpennetDisabled        = 30
	CodeDarknetOnly            = 31
	CodeNoSuchPlugin           = 32
	CodePersistenceDisabled    = 33
	CodeTooManyFilesInInsert   = 34
	CodeBadMIMEType            = 35
	CodeWrongReturnType        = 36
	CodeIOError                = 37
	CodePluginsDisabled        = 38
)

var codeDescriptions = map[int]string{
	CodeClientHelloMustBeFirst: "ClientHello must be first message",
	CodeNoLateClientHellos:     "No late ClientHello's accepted",
	CodeMessageParseError:      "Unknown message parsing error",
	CodeURIParseError:          "Error parsing freenet URI",
	CodeMissingField:           "Missing field",
	CodeErrorParsingNumber:     "Error parsing a numeric field",
	CodeInvalidMessage:         "Don't know what to do with message",
	CodeInvalidField:           "Invalid field value",
	CodeFileNotFound:           "File not found, not a file or not readable",
	CodeDiskTargetExists:       "Disk target exists, refusing to overwrite for security reasons",
	CodeCouldNotCreateFile:     "Could not create file",
	CodeCouldNotWriteFile:      "Could not write file",
	CodeCouldNotRenameFile:     "Could not rename file",
	CodeNoSuchIdentifier:       "No such identifier",
	CodeNotSupported:           "Not supported",
	CodeInternalError:          "Internal error",
	CodeShuttingDown:           "Shutting down",
	CodeURLParseError:          "Error parsing URL",
	CodeRefParseError:          "Reference could not be parsed",
	CodeFileParseError:         "File could not be read",
	CodeNotAFile:               "Filepath is not a file",
	CodeAccessDenied:           "Access denied",
	CodeDDADenied:              "Direct Disk Access operation denied: did you send a FileHash field ? Did you use TestDDA?",
	CodeCouldNotReadFile:       "Could not read file",
	CodeRefSignatureInvalid:    "Reference signature failed to verify",
	CodeCannotPeerWithSelf:     "Node cannot peer with itself",
	CodeDuplicatePeerRef:       "Node already has a peer with that ref",
	CodeOpennetDisabled:        "Opennet is currently disabled in the node's configuration",
	CodeDarknetOnly:            "Operation only available on a darknet peer",
	CodeNoSuchPlugin:           "No such plugin",
	CodePersistenceDisabled:    "Persistence disabled (e.g. encrypted queue waiting for password?)",
	CodeTooManyFilesInInsert:   "Too many files in a single folder on a freesite insert",
	CodeBadMIMEType:            "Bad MIME type",
	CodeWrongReturnType:        "Not supported for that return type",
	CodeIOError:                "Disk I/O error",
	CodePluginsDisabled:        "Plugins disabled",
}

// CodeDescription returns fred's CodeDescription text for a ProtocolError code.
func CodeDescription(code int) string {
	if d, ok := codeDescriptions[code]; ok {
		return d
	}
	return "(Unknown)"
}

// ProtocolError is a problem with what the other side sent. It maps one to
// one onto an FCP ProtocolError message (see Message).
type ProtocolError struct {
	// Code is one of the Code constants.
	Code int
	// Extra is the ExtraDescription: what exactly was wrong.
	Extra string
	// Fatal means the connection cannot continue (the stream is out of sync,
	// or the error is one fred treats as fatal) and is closed after the reply.
	Fatal bool
	// Identifier and Global name the request, when one could be parsed.
	Identifier string
	Global     bool
	// Err, when not nil, is the cause a program can test with errors.Is:
	// ErrHeaderTooLarge, ErrTooManyFields or ErrBudgetExhausted from a
	// Reader. It is not sent.
	Err error
}

// Unwrap returns e.Err.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Error formats as "wire: protocol error <code> (<description>): <extra>".
func (e *ProtocolError) Error() string {
	s := "wire: protocol error " + strconv.Itoa(e.Code) + " (" + CodeDescription(e.Code) + ")"
	if e.Extra != "" {
		s += ": " + e.Extra
	}
	return s
}

// Message returns the ProtocolError message that reports e to the client.
func (e *ProtocolError) Message() *Message {
	m := &Message{Name: "ProtocolError"}
	if e.Identifier != "" {
		m.Set("Identifier", e.Identifier)
	}
	m.Set("Code", strconv.Itoa(e.Code))
	m.Set("CodeDescription", CodeDescription(e.Code))
	if e.Extra != "" {
		m.Set("ExtraDescription", e.Extra)
	}
	m.Set("Fatal", strconv.FormatBool(e.Fatal))
	m.Set("Global", strconv.FormatBool(e.Global))
	return m
}

func protoErr(code int, fatal bool, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Fatal: fatal, Extra: fmt.Sprintf(format, args...)}
}

// limitErr is the fatal ProtocolError 3 of a Reader limit, wrapping cause.
func limitErr(cause error, format string, args ...any) *ProtocolError {
	e := protoErr(CodeMessageParseError, true, format, args...)
	e.Err = cause
	return e
}
