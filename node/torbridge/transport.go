package torbridge

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Transport describes a pluggable transport this package knows: the name a
// bridge line gives it, the programs that implement it and how to get one.
type Transport struct {
	// Name is the transport's name in a bridge line and in torrc.
	Name string
	// Programs are the executables that implement the transport, in the
	// order Find looks for them on PATH. The first is the one install
	// hints name.
	Programs []string
	// Install says how to install Programs[0] on Debian.
	Install string
	// Flag is the hams command-line flag that gives the program's path
	// when it is not on PATH.
	Flag string

	check func(Bridge) error // the transport's own rules for its arguments
}

// transports are the known transports, sorted by name.
var transports = []Transport{
	{
		// meek_lite tunnels through HTTPS to a CDN; obfs4proxy and its
		// successor lyrebird implement it. url= is the meek server.
		Name:     "meek_lite",
		Programs: []string{"obfs4proxy", "lyrebird"},
		Install:  "apt install obfs4proxy",
		Flag:     "--obfs4proxy",
		check:    checkMeek,
	},
	{
		Name:     "obfs4",
		Programs: []string{"obfs4proxy", "lyrebird"},
		Install:  "apt install obfs4proxy",
		Flag:     "--obfs4proxy",
		check:    checkObfs4,
	},
	{
		Name:     "snowflake",
		Programs: []string{"snowflake-client"},
		Install:  "apt install snowflake-client",
		Flag:     "--snowflake-client",
		check:    checkSnowflake,
	},
	{
		// webtunnel looks like HTTPS to a web server. Debian 12 packages
		// neither its client nor lyrebird (which includes it from version
		// 0.2.0 on; Debian's obfs4proxy does not); newer distributions
		// have a webtunnel package with webtunnel-client.
		Name:     "webtunnel",
		Programs: []string{"webtunnel-client", "lyrebird"},
		Install:  "apt install webtunnel where the distribution packages it (Debian 12 does not); else build webtunnel-client, or lyrebird 0.2.0 or newer, from the Tor Project's sources",
		Flag:     "--webtunnel-client",
		check:    checkWebtunnel,
	},
}

// Transports returns the transports this package knows, sorted by name:
// meek_lite, obfs4, snowflake and webtunnel. Other transports (obfs3,
// scramblesuit, conjure, ...) are refused with ErrUnknownTransport.
func Transports() []Transport {
	out := slices.Clone(transports)
	for i := range out {
		out[i].Programs = slices.Clone(out[i].Programs)
	}
	return out
}

// lookup returns the known transport named name, or nil.
func lookup(name string) *Transport {
	for i := range transports {
		if transports[i].Name == name {
			return &transports[i]
		}
	}
	return nil
}

func transportNames() string {
	names := make([]string, len(transports))
	for i, t := range transports {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func unknownTransport(name string) error {
	if lookup(strings.ToLower(name)) != nil {
		return errorf(ErrUnknownTransport, "unknown transport %s: transport names are lower case (%s)", quote(name), strings.ToLower(name))
	}
	return errorf(ErrUnknownTransport, "unknown transport %s: the known ones are %s (or none, for a plain IP:PORT bridge)", quote(name), transportNames())
}

// obfs4CertLen is the size of an obfs4 cert= once decoded: the bridge's
// node ID (20 bytes) and Curve25519 public key (32 bytes).
const obfs4CertLen = 52

// checkObfs4: cert= must decode, as unpadded standard base64, to 52 bytes
// (70 characters), and iat-mode= must be 0, 1 or 2.
func checkObfs4(b Bridge) error {
	cert, ok := b.Arg("cert")
	if !ok {
		return errorf(ErrMissingArg, "an obfs4 bridge needs cert= (the bridge's certificate, 70 characters of base64)")
	}
	raw, err := base64.RawStdEncoding.DecodeString(cert)
	if err != nil {
		return errorf(ErrBadArg, "cert= is not base64 without padding")
	}
	if len(raw) != obfs4CertLen {
		return errorf(ErrBadArg, "cert= must be %d characters of base64 (%d bytes); it is %d characters",
			base64.RawStdEncoding.EncodedLen(obfs4CertLen), obfs4CertLen, len(cert))
	}
	iat, ok := b.Arg("iat-mode")
	if !ok {
		return errorf(ErrMissingArg, "an obfs4 bridge needs iat-mode= (0, 1 or 2)")
	}
	if iat != "0" && iat != "1" && iat != "2" {
		return errorf(ErrBadArg, "iat-mode= must be 0, 1 or 2")
	}
	return nil
}

// checkSnowflake: url= (the broker) and ampcache= are https URLs when
// given, front=/fronts= are comma-separated host names, ice= is a
// comma-separated list of stun: or turn: URLs, and fingerprint= is the
// bridge's fingerprint. Other arguments (utls-imitate=, max=, ...) pass
// as they are.
func checkSnowflake(b Bridge) error {
	for _, key := range []string{"url", "ampcache"} {
		if v, ok := b.Arg(key); ok {
			if err := checkHTTPS(key, v); err != nil {
				return err
			}
		}
	}
	for _, key := range []string{"front", "fronts"} {
		if v, ok := b.Arg(key); ok {
			for h := range strings.SplitSeq(v, ",") {
				if h == "" || strings.ContainsAny(h, "/:@") {
					return errorf(ErrBadArg, "%s= must be a comma-separated list of host names", key)
				}
			}
		}
	}
	if v, ok := b.Arg("ice"); ok {
		for s := range strings.SplitSeq(v, ",") {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "stun" && u.Scheme != "stuns" && u.Scheme != "turn" && u.Scheme != "turns") || u.Opaque == "" {
				return errorf(ErrBadArg, "ice= must be a comma-separated list of stun: or turn: URLs")
			}
		}
	}
	if v, ok := b.Arg("fingerprint"); ok {
		if !isFingerprint(v) {
			return errorf(ErrBadArg, "fingerprint= must be 40 hexadecimal digits")
		}
		if b.Fingerprint != "" && !strings.EqualFold(v, b.Fingerprint) {
			return errorf(ErrBadArg, "fingerprint= differs from the bridge's fingerprint")
		}
	}
	return nil
}

// checkWebtunnel: url= is required and is an https URL.
func checkWebtunnel(b Bridge) error {
	v, ok := b.Arg("url")
	if !ok {
		return errorf(ErrMissingArg, "a webtunnel bridge needs url= (the https URL of its web server)")
	}
	return checkHTTPS("url", v)
}

// checkMeek: url= is required and is an https URL.
func checkMeek(b Bridge) error {
	v, ok := b.Arg("url")
	if !ok {
		return errorf(ErrMissingArg, "a meek_lite bridge needs url= (the https URL of its meek server)")
	}
	return checkHTTPS("url", v)
}

// checkHTTPS checks that the value of key is an https URL with a host and
// no user name.
func checkHTTPS(key, v string) error {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return errorf(ErrBadArg, "%s= is not a URL", key)
	case u.Scheme != "https":
		return errorf(ErrBadArg, "%s= must be an https:// URL", key)
	case u.Host == "":
		return errorf(ErrBadArg, "%s= has no host", key)
	case u.User != nil:
		return errorf(ErrBadArg, "%s= must not hold a user name or password", key)
	}
	return nil
}

// Find returns the absolute path of the executable that implements
// transport. When path is given it must name an existing executable file
// (a name without a slash is looked up on PATH); otherwise the
// transport's Programs are looked up on PATH in turn. For obfs4 and
// meek_lite that is obfs4proxy, then lyrebird; for snowflake,
// snowflake-client; for webtunnel, webtunnel-client, then lyrebird (which
// must be 0.2.0 or newer: Find does not run it to ask).
//
// When nothing is found the error wraps ErrNotInstalled and says how to
// install the program, e.g. "torbridge: obfs4 needs obfs4proxy, which is
// not installed: apt install obfs4proxy (or give its path with
// --obfs4proxy)". An unknown transport gives ErrUnknownTransport.
func Find(transport, path string) (string, error) {
	t := lookup(transport)
	if t == nil {
		return "", unknownTransport(transport)
	}
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", errorf(ErrNotInstalled, "%s: %s %s: %v", t.Name, t.Flag, path, execErr(err))
		}
		return usable(t, p)
	}
	for _, name := range t.Programs {
		if p, err := exec.LookPath(name); err == nil {
			return usable(t, p)
		}
	}
	return "", errorf(ErrNotInstalled, "%s needs %s, which is not installed: %s (or give its path with %s)",
		t.Name, t.Programs[0], t.Install, t.Flag)
}

// usable checks that p, found for t, is a regular file that torrc can
// name, and returns it absolute.
func usable(t *Transport, p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", errorf(ErrNotInstalled, "%s: %s: %v", t.Name, p, err)
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.Mode().IsRegular() {
		return "", errorf(ErrNotInstalled, "%s: %s is not a regular file", t.Name, abs)
	}
	if why := pluginPathProblem(abs); why != "" {
		return "", errorf(ErrNotInstalled, "%s: %s", t.Name, why)
	}
	return abs, nil
}

// execErr drops exec.Error's repetition of the name.
func execErr(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// pluginPathProblem says why p cannot stand in a ClientTransportPlugin
// line, or returns "" when it can: p must be absolute, without white space
// (tor splits the line on it), control characters, or # \ ".
func pluginPathProblem(p string) string {
	if !filepath.IsAbs(p) {
		return fmt.Sprintf("the plugin path %q is not absolute", p)
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f || c == '#' || c == '\\' || c == '"' {
			return fmt.Sprintf("the plugin path %q holds a character torrc cannot take there (a space, control character, # \\ or \")", p)
		}
	}
	return ""
}
