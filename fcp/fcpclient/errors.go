package fcpclient

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// ErrClosed is returned by calls on a Client after Close, and by requests
// still pending when Close is called.
var ErrClosed = errors.New("client: connection closed")

// ConnectionError is returned by every pending request when the connection
// to the node is lost (or cannot be used any more), and by later calls.
type ConnectionError struct {
	// Err is the cause: an I/O error, io.EOF, fcpwire.ErrHalfMessage or a fatal
	// *fcpwire.ProtocolError.
	Err error
}

// Error implements error.
func (e *ConnectionError) Error() string {
	return "client: connection to node lost: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ConnectionError) Unwrap() error { return e.Err }

// FailedError holds the fields fred's GetFailed and PutFailed messages share.
type FailedError struct {
	// Code is fred's failure code (e.g. 13 "Data not found" for a fetch).
	Code int
	// CodeDescription, ExtraDescription and ShortCodeDescription are the
	// node's texts.
	CodeDescription, ExtraDescription, ShortCodeDescription string
	// Fatal means retrying the same request will not help.
	Fatal bool
}

func failedFrom(m *fcpwire.Message) FailedError {
	code, _ := strconv.Atoi(m.Get("Code"))
	fatal, _ := m.Bool("Fatal", false)
	return FailedError{
		Code:                 code,
		CodeDescription:      m.Get("CodeDescription"),
		ExtraDescription:     m.Get("ExtraDescription"),
		ShortCodeDescription: m.Get("ShortCodeDescription"),
		Fatal:                fatal,
	}
}

func (f *FailedError) text(what string) string {
	s := fmt.Sprintf("client: %s failed: code %d", what, f.Code)
	if f.CodeDescription != "" {
		s += " (" + f.CodeDescription + ")"
	}
	if f.ExtraDescription != "" {
		s += ": " + f.ExtraDescription
	}
	return s
}

// GetFailedError is a fetch that the node reports as failed (GetFailed).
type GetFailedError struct {
	FailedError
	// RedirectURI, when set, is where the data now is (fred code 27,
	// "New URI"; e.g. a USK with a newer edition). Fetch that instead.
	RedirectURI string
}

// Error implements error.
func (e *GetFailedError) Error() string {
	s := e.text("get")
	if e.RedirectURI != "" {
		s += " (redirect to " + e.RedirectURI + ")"
	}
	return s
}

// PutFailedError is an insert that the node reports as failed (PutFailed).
type PutFailedError struct {
	FailedError
	// ExpectedURI is the URI the data would have had, when the node knows it.
	ExpectedURI string
}

// Error implements error.
func (e *PutFailedError) Error() string { return e.text("put") }

// IdentifierCollisionError is returned when the node already has a request
// with the identifier the client chose (IdentifierCollision).
type IdentifierCollisionError struct {
	// Identifier is the colliding identifier.
	Identifier string
}

// Error implements error.
func (e *IdentifierCollisionError) Error() string {
	return "client: node reports identifier collision for " + strconv.Quote(e.Identifier)
}

// RemovedError is returned when the node removed the request
// (PersistentRequestRemoved), e.g. because another client removed it.
type RemovedError struct {
	// Identifier is the removed request's identifier.
	Identifier string
}

// Error implements error.
func (e *RemovedError) Error() string {
	return "client: request " + strconv.Quote(e.Identifier) + " was removed by the node"
}

// protocolErrorFrom turns a ProtocolError message into a *fcpwire.ProtocolError.
func protocolErrorFrom(m *fcpwire.Message) *fcpwire.ProtocolError {
	code, _ := strconv.Atoi(m.Get("Code"))
	fatal, _ := m.Bool("Fatal", false)
	global, _ := m.Bool("Global", false)
	extra := m.Get("ExtraDescription")
	if extra == "" {
		extra = m.Get("CodeDescription")
	}
	return &fcpwire.ProtocolError{
		Code:       code,
		Extra:      extra,
		Fatal:      fatal,
		Identifier: m.Get("Identifier"),
		Global:     global,
	}
}

// commonReply maps the replies every request may get to an error, or nil if
// m is none of them.
func commonReply(m *fcpwire.Message) error {
	switch m.Name {
	case "ProtocolError":
		return protocolErrorFrom(m)
	case "IdentifierCollision":
		return &IdentifierCollisionError{Identifier: m.Get("Identifier")}
	case "PersistentRequestRemoved":
		return &RemovedError{Identifier: m.Get("Identifier")}
	}
	return nil
}
