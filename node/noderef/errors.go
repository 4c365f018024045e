package noderef

import (
	"errors"
	"fmt"
	"strconv"
)

// Error is the error type every function in this package returns.
type Error struct {
	// Rule is the MUST-reject rule of docs/noderef.md the input breaks, "N1"
	// to "N13". It is empty only for an argument error of New that no
	// reader rule covers (a private key of the wrong size, or an Identity
	// that is not the private key's public key).
	Rule string
	// Field is the key of the field at fault, empty when no single field is
	// to blame.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats as `noderef: [<rule>] <field>: <msg>`, leaving out the parts
// that are empty.
func (e *Error) Error() string {
	s := "noderef: "
	if e.Rule != "" {
		s += "[" + e.Rule + "] "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// Is lets errors.Is match an *Error against a target that names only a rule:
// errors.Is(err, &noderef.Error{Rule: "N3"}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Field == "" && t.Msg == "" && t.Rule != "" && t.Rule == e.Rule
}

// RuleOf returns the rule of err ("N1" to "N13"), or "" when err is nil, not
// from this package, or an argument error of New.
func RuleOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return ""
}

func errorf(rule, field, format string, args ...any) error {
	return &Error{Rule: rule, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// quote quotes s for an error message, shortened so that a huge input does
// not make a huge message.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
