package keys

import (
	"errors"
	"fmt"
	"strconv"
)

// Code classifies a keys error. Each code maps to the FCP error code a client
// sees (docs/keys.md §8); the mapping is part of the code's documentation.
type Code int

const (
	// CodeInvalidURI: the URI is malformed. FCP: ProtocolError 4 (URI parse
	// error) on a request; GetFailed/PutFailed 20 (invalid URI) on a fetch or insert.
	CodeInvalidURI Code = iota + 1
	// CodeInvalidBlock: the block does not verify against its routing key (bad
	// size, header, hash or signature). A relay drops such a block and the peer
	// that sent it. FCP: GetFailed 6 (block decode error) if it ever reaches a client.
	CodeInvalidBlock
	// CodeDecode: the block verifies but does not decode with this URI (wrong
	// crypto key or document name, bad padding). FCP: GetFailed 6.
	CodeDecode
	// CodeTooBig: the plaintext does not fit in one block. FCP: PutFailed 21 (too big)
	// is never reached in practice: the client layer splits larger data first.
	CodeTooBig
	// CodeInvalidArgument: a caller error, such as encoding under a request URI
	// or an unknown compression codec. FCP: ProtocolError 8 (invalid field).
	CodeInvalidArgument
)

// String returns the code's name.
func (c Code) String() string {
	switch c {
	case CodeInvalidURI:
		return "invalid URI"
	case CodeInvalidBlock:
		return "invalid block"
	case CodeDecode:
		return "decode error"
	case CodeTooBig:
		return "too big"
	case CodeInvalidArgument:
		return "invalid argument"
	}
	return "code " + strconv.Itoa(int(c))
}

// Error is the error type every function in this package returns.
type Error struct {
	// Code classifies the error.
	Code Code
	// Part is the piece of input that is wrong, quoted in the message; empty
	// when no single part is to blame.
	Part string
	// Msg says what is wrong with it.
	Msg string
}

// Error formats as `keys: <code>: "<part>": <msg>`.
func (e *Error) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("keys: %s: %s", e.Code, e.Msg)
	}
	return fmt.Sprintf("keys: %s: %s: %s", e.Code, quotePart(e.Part), e.Msg)
}

// Is lets errors.Is match an *Error against a sentinel with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Part == "" && t.Msg == "" && t.Code == e.Code
}

// Sentinels for errors.Is: errors.Is(err, keys.ErrInvalidBlock).
var (
	ErrInvalidURI      error = &Error{Code: CodeInvalidURI}
	ErrInvalidBlock    error = &Error{Code: CodeInvalidBlock}
	ErrDecode          error = &Error{Code: CodeDecode}
	ErrTooBig          error = &Error{Code: CodeTooBig}
	ErrInvalidArgument error = &Error{Code: CodeInvalidArgument}
)

// CodeOf returns the Code of err, or 0 when err is not from this package.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func errorf(code Code, part, format string, args ...any) error {
	return &Error{Code: code, Part: part, Msg: fmt.Sprintf(format, args...)}
}

// quotePart quotes s for an error message, shortened so that a huge input
// does not make a huge message.
func quotePart(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
