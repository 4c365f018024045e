package torbridge

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLineLen is the longest bridge line, in bytes, that Parse and
// ParseFile accept (and that Check lets Line be).
const MaxLineLen = 4096

// Parse parses one bridge line as Tor Browser shows it or a torrc holds
// it:
//
//	[Bridge] [transport] IP:PORT [fingerprint] [key=value ...]
//
// Surrounding white space and a leading "Bridge" keyword are dropped;
// spaces and tabs separate the words. A first word that is a name (a
// letter or '_', then letters, digits or '_') is the transport, which must
// be one of Transports; otherwise the bridge is plain. IP:PORT is an IPv4
// address or a bracketed IPv6 address, never a host name, and a port from
// 1 to 65535. The fingerprint is 40 hexadecimal digits; it may be left
// out, as tor allows, and for a plain bridge it may be written in groups
// separated by spaces, as relay listings show it. Only a transport bridge
// takes key=value arguments, which must suit the transport (see
// Transports).
//
// The line must be plain ASCII no longer than MaxLineLen, without control
// characters (a line break in particular: a bridge line must not add a
// torrc line of its own) and without # \ or ", which tor's torrc reader
// would take for a comment, an escape or a quote.
//
// The error matches one of the Err variables and never quotes the
// address, fingerprint or argument values.
func Parse(line string) (Bridge, error) {
	if len(line) > MaxLineLen {
		return Bridge{}, errorf(ErrBadLine, "the line is %d bytes long, more than %d", len(line), MaxLineLen)
	}
	lead := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
	s := strings.TrimSpace(line)
	if err := checkBytes(s, lead); err != nil {
		return Bridge{}, err
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(words) > 0 && strings.EqualFold(words[0], "Bridge") {
		words = words[1:]
		if len(words) == 0 {
			return Bridge{}, errorf(ErrBadLine, "nothing after the Bridge keyword")
		}
	}
	if len(words) == 0 {
		return Bridge{}, errorf(ErrBadLine, "the line is empty")
	}

	var b Bridge
	if isName(words[0]) {
		if lookup(words[0]) == nil {
			return Bridge{}, unknownTransport(words[0])
		}
		b.Transport, words = words[0], words[1:]
		if len(words) == 0 {
			return Bridge{}, errorf(ErrBadAddress, "address: no IP:PORT after the transport name")
		}
	}
	ap, err := parseAddr(words[0])
	if err != nil {
		return Bridge{}, err
	}
	b.Addr, words = ap, words[1:]

	if b.Transport == "" {
		// Tor reads all that follows a plain bridge's address as its
		// fingerprint, spaces removed.
		for _, w := range words {
			if strings.Contains(w, "=") {
				return Bridge{}, errorf(ErrBadArg, "a plain bridge takes no key=value arguments (is the transport name missing before the address?)")
			}
		}
		if len(words) > 0 {
			fp := strings.Join(words, "")
			if !isFingerprint(fp) {
				return Bridge{}, fingerprintError(fp)
			}
			b.Fingerprint = strings.ToUpper(fp)
		}
		return checked(b)
	}

	if len(words) > 0 && !strings.Contains(words[0], "=") {
		if !isFingerprint(words[0]) {
			return Bridge{}, fingerprintError(words[0])
		}
		b.Fingerprint, words = strings.ToUpper(words[0]), words[1:]
	}
	for i, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return Bridge{}, errorf(ErrBadArg, "argument %d is not key=value (only the fingerprint, right after the address, stands alone)", i+1)
		}
		b.Args = append(b.Args, Arg{Key: k, Value: v})
	}
	return checked(b)
}

// checked returns b if it passes Check, and the zero Bridge otherwise.
func checked(b Bridge) (Bridge, error) {
	if err := b.Check(); err != nil {
		return Bridge{}, err
	}
	return b, nil
}

// checkBytes refuses the bytes a bridge line may not hold. lead is the
// number of bytes trimmed from the start of the line, so that positions
// count from the line's start.
func checkBytes(s string, lead int) error {
	for i := 0; i < len(s); i++ {
		c, at := s[i], lead+i+1
		switch {
		case c == ' ' || c == '\t':
		case c == '\n' || c == '\r':
			return errorf(ErrBadLine, "a line break at byte %d (one bridge per line)", at)
		case c < ' ' || c == 0x7f:
			return errorf(ErrBadLine, "control character %#02x at byte %d", c, at)
		case c >= utf8.RuneSelf:
			if r, _ := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError {
				return errorf(ErrBadLine, "non-ASCII character %U at byte %d (bridge lines are plain ASCII)", r, at)
			}
			return errorf(ErrBadLine, "non-ASCII byte %#02x at byte %d (bridge lines are plain ASCII)", c, at)
		case c == '#':
			return errorf(ErrBadLine, "'#' at byte %d: tor would read the rest of the line as a comment", at)
		case c == '\\':
			return errorf(ErrBadLine, "'\\' at byte %d: tor would read it as an escape or a line continuation", at)
		case c == '"':
			return errorf(ErrBadLine, "'\"' at byte %d: tor would read it as a quote", at)
		}
	}
	return nil
}

// isName reports whether s is a C identifier, which is how tor tells a
// transport name from an address.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// parseAddr parses IP:PORT or [IPv6]:PORT; its error says what is wrong
// without showing the address.
func parseAddr(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err == nil {
		return ap, nil // Check refuses port 0, zones, unspecified and multicast addresses
	}
	bad := func(what string) (netip.AddrPort, error) {
		return netip.AddrPort{}, errorf(ErrBadAddress, "address: %s", what)
	}
	host, port, err := net.SplitHostPort(s)
	switch {
	case strings.Contains(s, "/"):
		return bad("want IP:PORT, not a URL or a path")
	case err != nil && !strings.Contains(s, ":"):
		return bad("want IP:PORT, and there is no port")
	case err != nil && !strings.HasPrefix(s, "[") && strings.Count(s, ":") > 1:
		return bad("an IPv6 address goes in brackets: [IPv6]:PORT")
	case err != nil:
		return bad("want IP:PORT or [IPv6]:PORT")
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return bad("the port must be a number from 1 to 65535")
	}
	a, err := netip.ParseAddr(host)
	switch {
	case err != nil && strings.ContainsFunc(host, unicode.IsLetter) && !strings.Contains(host, ":"):
		return bad("not an IP address: a bridge is named by its IP address, never by a host name")
	case err != nil:
		return bad("not an IP address")
	case a.Is4() && strings.HasPrefix(s, "["):
		return bad("brackets are only for IPv6 addresses")
	}
	return bad("want IP:PORT or [IPv6]:PORT")
}

// ParseFile reads bridge lines, one a line, as a --bridges file holds
// them, and parses each with Parse. Blank lines and lines whose first
// non-blank character is '#' are skipped; a byte-order mark at the start
// and "\r\n" line ends are allowed. No line, comments included, may be
// longer than MaxLineLen.
//
// The error for a bad line is a *LineError with the line's 1-based number,
// wrapping the *Error that Parse returned; reading stops at the first.
// A file without any bridge gives no bridge and no error (Torrc refuses
// an empty list).
func ParseFile(r io.Reader) ([]Bridge, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxLineLen+2) // the line and "\r\n"
	var bridges []Bridge
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if t := strings.TrimSpace(line); t == "" || t[0] == '#' {
			continue
		}
		b, err := Parse(line)
		if err != nil {
			return nil, &LineError{Line: n, Err: err}
		}
		bridges = append(bridges, b)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{Line: n + 1, Err: errorf(ErrBadLine, "the line is longer than %d bytes", MaxLineLen)}
		}
		return nil, fmt.Errorf("torbridge: reading bridges: %w", err)
	}
	return bridges, nil
}
