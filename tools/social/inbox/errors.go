package inbox

import (
	"errors"
	"fmt"
)

// Code classifies an inbox error.
type Code int

const (
	// CodeBadEnvelope: the data is no note envelope (docs/social-inbox.md
	// §4): too short, another magic, or a size that is not one of the four
	// envelope sizes. A reader drops it without hashing it.
	CodeBadEnvelope Code = iota + 1
	// CodeWork: the envelope has less proof of work (§5) than the reader
	// asks for, for this slot. A reader drops it without opening the seal.
	CodeWork
	// CodeNotForMe: the seal does not open with the reader's key (a note
	// sealed to another key, or a damaged one), or a private message's box
	// does not open with the keys it names.
	CodeNotForMe
	// CodeBadNote: the seal opened, but the padding or the note inside
	// breaks a rule of §4 (or of docs/social.md §3, its JSON rules).
	CodeBadNote
	// CodeBadArgument: a caller error: a feed URI that names no feed, a
	// string that is no slot or box key, work outside MinWork..MaxWork,
	// message text that is too long, or failing randomness.
	CodeBadArgument
)

// String returns the code's name, as the error messages print it.
func (c Code) String() string {
	switch c {
	case CodeBadEnvelope:
		return "bad envelope"
	case CodeWork:
		return "not enough work"
	case CodeNotForMe:
		return "not for me"
	case CodeBadNote:
		return "bad note"
	case CodeBadArgument:
		return "bad argument"
	}
	return fmt.Sprintf("code %d", int(c))
}

// Error is the error type of every function in this package. Match it
// against the sentinels with errors.Is (errors.Is(err, inbox.ErrWork)), or
// get it with errors.As.
type Error struct {
	// Code classifies the error.
	Code Code
	// Path says where the fault is: a part of the envelope ("magic",
	// "size"), "padding", "json" for the JSON layer of a note (syntax,
	// UTF-8, escapes, duplicate keys, nesting), a field of a note ("type",
	// "from", "n", "time", "message", "message.box", "message.nonce",
	// "message.sealed"; "size" for a note over MaxNoteSize), or the
	// argument at fault ("feed", "slot", "work", "note", "box", "text",
	// "message", "rand"). Empty when the code says it all (CodeWork,
	// CodeNotForMe).
	Path string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, such as a *feed.Error for a feed URI
	// that names no feed; nil when there is none.
	Err error
}

// Error formats as "inbox: <code>: <path>: <msg>" (without the path when
// Path is empty).
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("inbox: %s: %s", e.Code, e.Msg)
	}
	return fmt.Sprintf("inbox: %s: %s: %s", e.Code, e.Path, e.Msg)
}

// Is lets errors.Is match an *Error against the sentinel of its Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Path == "" && t.Msg == "" && t.Err == nil && t.Code == e.Code
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Sentinels for errors.Is, one per Code.
var (
	// ErrBadEnvelope matches errors of CodeBadEnvelope.
	ErrBadEnvelope error = &Error{Code: CodeBadEnvelope}
	// ErrWork matches errors of CodeWork.
	ErrWork error = &Error{Code: CodeWork}
	// ErrNotForMe matches errors of CodeNotForMe.
	ErrNotForMe error = &Error{Code: CodeNotForMe}
	// ErrBadNote matches errors of CodeBadNote.
	ErrBadNote error = &Error{Code: CodeBadNote}
	// ErrBadArgument matches errors of CodeBadArgument.
	ErrBadArgument error = &Error{Code: CodeBadArgument}
)

// CodeOf returns the Code of err, or 0 when err is not from this package.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// PathOf returns the Path of err (an *Error in its chain), or "".
func PathOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Path
	}
	return ""
}

func errorf(code Code, path, format string, args ...any) error {
	return &Error{Code: code, Path: path, Msg: fmt.Sprintf(format, args...)}
}
