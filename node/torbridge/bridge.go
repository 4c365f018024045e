package torbridge

import (
	"log/slog"
	"net/netip"
	"strings"
)

// Bridge is one bridge: what follows the keyword in a torrc's
// "Bridge [transport] IP:PORT [fingerprint] [key=value ...]" line.
//
// The zero Bridge is not valid. Parse returns only valid bridges; one built
// by hand is checked by Check (and by Torrc, which calls it).
type Bridge struct {
	// Transport is the pluggable transport ("obfs4", "snowflake",
	// "webtunnel", "meek_lite"), or "" for a plain bridge, which tor
	// reaches directly on its ORPort.
	Transport string
	// Addr is the bridge's IP address and port. For snowflake, webtunnel
	// and meek_lite it is a placeholder (Tor Browser uses addresses such
	// as 192.0.2.3:80) that tor needs but the transport ignores.
	Addr netip.AddrPort
	// Fingerprint is the bridge's identity fingerprint, 40 hexadecimal
	// digits (Parse returns it upper case), or "" when the line has none.
	// Tor accepts a bridge without one, but then cannot check that it
	// reached the bridge it meant to; lines from Tor Browser and
	// bridges.torproject.org always have one.
	Fingerprint string
	// Args are the transport's key=value arguments, in the line's order.
	// A plain bridge has none.
	Args []Arg
}

// Arg is one key=value argument of a bridge line, which tor passes to the
// transport plugin (obfs4's cert=, snowflake's url=, ...).
type Arg struct {
	// Key is the name before "=".
	Key string
	// Value is everything after the first "=".
	Value string
}

// Arg returns the value of the argument key, and whether b has it.
func (b Bridge) Arg(key string) (string, bool) {
	for _, a := range b.Args {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Line returns the canonical bridge line: what goes after "Bridge " in a
// torrc, with the transport, the address in netip's canonical form, the
// fingerprint and the arguments separated by single spaces. Parse(Line())
// gives b back. Line is meaningful only for a bridge that passes Check.
//
// The line is secret: it is what a censor needs to block the bridge. Never
// log it; log Redacted.
func (b Bridge) Line() string {
	var sb strings.Builder
	if b.Transport != "" {
		sb.WriteString(b.Transport)
		sb.WriteByte(' ')
	}
	sb.WriteString(b.Addr.String())
	if b.Fingerprint != "" {
		sb.WriteByte(' ')
		sb.WriteString(b.Fingerprint)
	}
	for _, a := range b.Args {
		sb.WriteByte(' ')
		sb.WriteString(a.Key)
		sb.WriteByte('=')
		sb.WriteString(a.Value)
	}
	return sb.String()
}

// redactedPrefix is how many digits of the fingerprint Redacted shows.
const redactedPrefix = 6

// Redacted returns what may be logged about b: its transport and the first
// digits of its fingerprint, as in "obfs4 bridge 4F0F25…" or "plain bridge
// (no fingerprint)". It never holds the address or any argument.
func (b Bridge) Redacted() string {
	name := b.Transport
	switch {
	case name == "":
		name = "plain"
	case lookup(name) == nil:
		name = "unknown-transport"
	}
	switch {
	case b.Fingerprint == "":
		return name + " bridge (no fingerprint)"
	case !isFingerprint(b.Fingerprint):
		return name + " bridge (bad fingerprint)"
	}
	return name + " bridge " + strings.ToUpper(b.Fingerprint[:redactedPrefix]) + "…"
}

// String returns Redacted, so that a Bridge printed by mistake (%v, %s)
// does not give the bridge away. Use Line for the bridge line itself.
func (b Bridge) String() string { return b.Redacted() }

// GoString returns Redacted in Go-like dress, so that %#v does not give
// the bridge away either.
func (b Bridge) GoString() string { return "torbridge.Bridge(" + b.Redacted() + ")" }

// LogValue makes log/slog log a Bridge as Redacted.
func (b Bridge) LogValue() slog.Value { return slog.StringValue(b.Redacted()) }

// Check reports whether b is a bridge tor can use, with the rules Parse
// applies: a known transport (or none), a valid address, a fingerprint of
// 40 hexadecimal digits (or none), well-formed and unique arguments that
// suit the transport, and a Line no longer than MaxLineLen. Its error
// matches one of the Err variables.
func (b Bridge) Check() error {
	var t *Transport
	if b.Transport != "" {
		if t = lookup(b.Transport); t == nil {
			return unknownTransport(b.Transport)
		}
	}
	if err := checkAddr(b.Addr); err != nil {
		return err
	}
	if b.Fingerprint != "" && !isFingerprint(b.Fingerprint) {
		return fingerprintError(b.Fingerprint)
	}
	if t == nil {
		if len(b.Args) > 0 {
			return errorf(ErrBadArg, "a plain bridge takes no key=value arguments (is the transport name missing before the address?)")
		}
	} else if err := checkArgs(b.Args); err != nil {
		return err
	} else if err := t.check(b); err != nil {
		return err
	}
	if n := len(b.Line()); n > MaxLineLen {
		return errorf(ErrBadLine, "the bridge line would be %d bytes long, more than %d", n, MaxLineLen)
	}
	return nil
}

// checkAddr checks a bridge address.
func checkAddr(ap netip.AddrPort) error {
	a := ap.Addr()
	switch {
	case !ap.IsValid():
		return errorf(ErrBadAddress, "address: missing")
	case ap.Port() == 0:
		return errorf(ErrBadAddress, "address: the port must be a number from 1 to 65535")
	case a.Zone() != "":
		return errorf(ErrBadAddress, "address: an IPv6 address with a zone (%%name) cannot name a bridge")
	case a.IsUnspecified():
		return errorf(ErrBadAddress, "address: an unspecified address (0.0.0.0 or ::) cannot name a bridge")
	case a.IsMulticast():
		return errorf(ErrBadAddress, "address: a multicast address cannot name a bridge")
	}
	return nil
}

// isFingerprint reports whether s is 40 hexadecimal digits, of either case.
func isFingerprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// fingerprintError says what is wrong with fp, which is not a fingerprint,
// without showing it.
func fingerprintError(fp string) error {
	if len(fp) != 40 {
		return errorf(ErrBadFingerprint, "fingerprint: want 40 hexadecimal digits, got %d characters", len(fp))
	}
	for i := 0; i < len(fp); i++ {
		if !isHex(fp[i]) {
			return errorf(ErrBadFingerprint, "fingerprint: character %d is not a hexadecimal digit", i+1)
		}
	}
	return errorf(ErrBadFingerprint, "fingerprint: want 40 hexadecimal digits")
}

// maxSocksArgs is the longest argument string tor passes to a transport
// plugin: the SOCKS5 user name and password fields, 255 bytes each. Tor
// refuses a bridge line whose arguments are longer.
const maxSocksArgs = 2 * 255

// checkArgs checks the syntax of a transport bridge's arguments: keys of
// letters, digits, '_', '-' and '.'; non-empty values of printable ASCII
// without space, # \ or "; no key twice; and no more than tor can pass on.
func checkArgs(args []Arg) error {
	seen := make(map[string]bool, len(args))
	socks := 0 // the length of tor's "k=v;k=v" string, ';' in values escaped
	for i, a := range args {
		if a.Key == "" {
			return errorf(ErrBadArg, "argument %d has no key (it starts with '=')", i+1)
		}
		for j := 0; j < len(a.Key); j++ {
			if !isKeyByte(a.Key[j]) {
				return errorf(ErrBadArg, "argument %d: a key holds only letters, digits, '_', '-' and '.'", i+1)
			}
		}
		if seen[a.Key] {
			return errorf(ErrBadArg, "%s= is given twice", quote(a.Key))
		}
		seen[a.Key] = true
		if a.Value == "" {
			return errorf(ErrBadArg, "%s= has no value", quote(a.Key))
		}
		for j := 0; j < len(a.Value); j++ {
			if !isValueByte(a.Value[j]) {
				return errorf(ErrBadArg, "%s=: byte %d of the value is not allowed (a space, control, non-ASCII, # \\ or \" character)", quote(a.Key), j+1)
			}
		}
		if i > 0 {
			socks++
		}
		socks += len(a.Key) + 1 + len(a.Value) + strings.Count(a.Value, ";")
	}
	if socks > maxSocksArgs {
		return errorf(ErrBadArg, "the arguments take %d bytes, more than the %d tor can pass to a transport", socks, maxSocksArgs)
	}
	return nil
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

func isValueByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '#' && c != '\\' && c != '"'
}
