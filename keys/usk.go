package keys

import (
	"strconv"
	"strings"
)

// sskDocName is the SSK document name of a USK edition: "site-N".
func (u URI) sskDocName() string {
	return u.Name + "-" + strconv.FormatInt(u.Edition, 10)
}

// SSKForEdition returns the SSK URI (insert or request form, as u) that holds
// edition n of the USK u: USK@k,c,e/site/n/meta ↔ SSK@k,c,e/site-n/meta.
func (u URI) SSKForEdition(n int64) (URI, error) {
	if u.Type != USK {
		return URI{}, errorf(CodeInvalidArgument, u.String(), "not a USK")
	}
	if n < 0 {
		return URI{}, errorf(CodeInvalidArgument, strconv.FormatInt(n, 10), "edition must not be negative")
	}
	s := u
	s.Type = SSK
	s.Edition = n
	s.Name = s.sskDocName()
	s.Edition = 0
	s.Meta = append([]string(nil), u.Meta...)
	if len(s.Meta) == 0 {
		s.Meta = nil
	}
	return s, nil
}

// WithEdition returns u (a USK) at edition n.
func (u URI) WithEdition(n int64) URI {
	u.Edition = n
	u.Meta = append([]string(nil), u.Meta...)
	if len(u.Meta) == 0 {
		u.Meta = nil
	}
	return u
}

// USKFromSSK returns the USK an SSK URI belongs to when its document name has
// the form "site-N" (N a non-negative canonical decimal), and false otherwise.
func USKFromSSK(s URI) (URI, bool) {
	if s.Type != SSK {
		return URI{}, false
	}
	i := strings.LastIndexByte(s.Name, '-')
	if i <= 0 {
		return URI{}, false
	}
	digits := s.Name[i+1:]
	if digits == "" || digits[0] == '-' {
		return URI{}, false
	}
	n, err := parseEdition(digits)
	if err != nil || n < 0 {
		return URI{}, false
	}
	u := s
	u.Type = USK
	u.Name = s.Name[:i]
	u.Edition = n
	u.Meta = append([]string(nil), s.Meta...)
	if len(u.Meta) == 0 {
		u.Meta = nil
	}
	return u, true
}
