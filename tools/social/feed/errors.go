package feed

import (
	"errors"
	"fmt"
)

// Error is the error type of Decode, Validate, Encode and FeedKey. Rule is
// the MUST-reject rule of docs/social.md the input breaks ("S1" … "S34").
// Use errors.As to get it, or RuleOf.
type Error struct {
	// Rule is the rule broken, such as "S17".
	Rule string
	// Path locates the offending value in JSON terms, such as
	// "posts[2].text" or "follows[0].feed"; for a JSON syntax error it is
	// "offset N" (a byte offset). Empty when no single value is to blame.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error formats as "feed: S17: posts[2].text: <msg>" (without the path when
// Path is empty).
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("feed: %s: %s", e.Rule, e.Msg)
	}
	return fmt.Sprintf("feed: %s: %s: %s", e.Rule, e.Path, e.Msg)
}

// RuleOf returns the rule of an *Error in err's chain, or "" when there is
// none.
func RuleOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return ""
}

func errorf(rule, path, format string, args ...any) error {
	return &Error{Rule: rule, Path: path, Msg: fmt.Sprintf(format, args...)}
}
