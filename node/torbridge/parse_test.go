package torbridge

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// Made-up bridges in the shapes Tor Browser and bridges.torproject.org
// show. The addresses are from the documentation ranges.
const (
	fp1   = "4F0F25746F7A60DC02DFA0FDD211766CED8EE501"
	fp2   = "A46041865144B24F5758505CF33468899D2EE429"
	fp3   = "9CD1500E2AEECC27B3747295044772ED2E9772AA"
	cert1 = "VYisoW+tdarKvk0vpHDe5CBCEgMD1srAAZjE/3YOPLwPOCp6BMrUnQslHpfadA58P9Jfhw"
	cert2 = "f6U7lIVugPX7aeDccimudgEguw646V63l9IpPacJf+FxPEOrCtWN05KoxXR4C4wjxuEaHA"

	obfs4Line     = "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + " iat-mode=0"
	obfs4Line2    = "obfs4 198.51.100.21:443 " + fp2 + " cert=" + cert2 + " iat-mode=1"
	snowflakeLine = "snowflake 192.0.2.3:80 " + fp3 + " fingerprint=" + fp3 +
		" url=https://snowflake-broker.example.net/ fronts=www.example.com,cdn.example.org" +
		" ice=stun:stun.example.net:3478,stun:stun.example.org:19302,stun:stun.example.com:3478" +
		" utls-imitate=hellorandomizedalpn"
	webtunnelLine = "webtunnel [2001:db8::2]:443 " + fp2 + " url=https://cdn.example.org/aXfDe1k9Qz ver=0.0.1"
	meekLine      = "meek_lite 192.0.2.18:80 " + fp1 + " url=https://meek.example.net/ front=www.example.com"
)

func addr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func args(kv ...string) []Arg {
	var a []Arg
	for i := 0; i < len(kv); i += 2 {
		a = append(a, Arg{kv[i], kv[i+1]})
	}
	return a
}

var goodLines = []struct {
	name, line string
	want       Bridge
}{
	{"plain", "203.0.113.77:443 " + fp1, Bridge{Addr: addr("203.0.113.77:443"), Fingerprint: fp1}},
	{"plain without fingerprint", "203.0.113.77:443", Bridge{Addr: addr("203.0.113.77:443")}},
	{"plain IPv6", "[2001:db8::7]:9001 " + fp2, Bridge{Addr: addr("[2001:db8::7]:9001"), Fingerprint: fp2}},
	{"plain IPv6 made canonical", "[2001:DB8:0:0:0:0:0:7]:9001", Bridge{Addr: addr("[2001:db8::7]:9001")}},
	{"plain fingerprint in groups", "203.0.113.77:443 4F0F 2574 6F7A 60DC 02DF A0FD D211 766C ED8E E501",
		Bridge{Addr: addr("203.0.113.77:443"), Fingerprint: fp1}},
	{"lower-case fingerprint", "203.0.113.77:443 " + strings.ToLower(fp1), Bridge{Addr: addr("203.0.113.77:443"), Fingerprint: fp1}},
	{"port with leading zero", "203.0.113.77:0443", Bridge{Addr: addr("203.0.113.77:443")}},
	{"Bridge keyword", "Bridge " + obfs4Line, Bridge{Transport: "obfs4", Addr: addr("203.0.113.77:9443"), Fingerprint: fp1,
		Args: args("cert", cert1, "iat-mode", "0")}},
	{"bridge keyword any case, tabs, spaces", " \tbridge\t203.0.113.77:443   " + fp1 + "  \r\n", Bridge{Addr: addr("203.0.113.77:443"), Fingerprint: fp1}},
	{"obfs4", obfs4Line, Bridge{Transport: "obfs4", Addr: addr("203.0.113.77:9443"), Fingerprint: fp1,
		Args: args("cert", cert1, "iat-mode", "0")}},
	{"obfs4 iat-mode 1", obfs4Line2, Bridge{Transport: "obfs4", Addr: addr("198.51.100.21:443"), Fingerprint: fp2,
		Args: args("cert", cert2, "iat-mode", "1")}},
	{"obfs4 arguments in any order", "obfs4 203.0.113.77:9443 " + fp1 + " iat-mode=2 cert=" + cert1,
		Bridge{Transport: "obfs4", Addr: addr("203.0.113.77:9443"), Fingerprint: fp1, Args: args("iat-mode", "2", "cert", cert1)}},
	{"obfs4 without fingerprint", "obfs4 203.0.113.77:9443 cert=" + cert1 + " iat-mode=0",
		Bridge{Transport: "obfs4", Addr: addr("203.0.113.77:9443"), Args: args("cert", cert1, "iat-mode", "0")}},
	{"obfs4 extra argument kept", obfs4Line + " x.y_z-1=a=b;c",
		Bridge{Transport: "obfs4", Addr: addr("203.0.113.77:9443"), Fingerprint: fp1, Args: args("cert", cert1, "iat-mode", "0", "x.y_z-1", "a=b;c")}},
	{"snowflake as Tor Browser shows it", snowflakeLine, Bridge{Transport: "snowflake", Addr: addr("192.0.2.3:80"), Fingerprint: fp3,
		Args: args("fingerprint", fp3, "url", "https://snowflake-broker.example.net/", "fronts", "www.example.com,cdn.example.org",
			"ice", "stun:stun.example.net:3478,stun:stun.example.org:19302,stun:stun.example.com:3478", "utls-imitate", "hellorandomizedalpn")}},
	{"snowflake bare", "snowflake 192.0.2.4:80 " + fp2, Bridge{Transport: "snowflake", Addr: addr("192.0.2.4:80"), Fingerprint: fp2}},
	{"snowflake ampcache and turn", "snowflake 192.0.2.4:80 " + fp2 + " ampcache=https://cdn.example.org/ ice=turns:turn.example.net:443 front=www.example.com",
		Bridge{Transport: "snowflake", Addr: addr("192.0.2.4:80"), Fingerprint: fp2,
			Args: args("ampcache", "https://cdn.example.org/", "ice", "turns:turn.example.net:443", "front", "www.example.com")}},
	{"webtunnel", webtunnelLine, Bridge{Transport: "webtunnel", Addr: addr("[2001:db8::2]:443"), Fingerprint: fp2,
		Args: args("url", "https://cdn.example.org/aXfDe1k9Qz", "ver", "0.0.1")}},
	{"meek_lite", meekLine, Bridge{Transport: "meek_lite", Addr: addr("192.0.2.18:80"), Fingerprint: fp1,
		Args: args("url", "https://meek.example.net/", "front", "www.example.com")}},
}

func TestParse(t *testing.T) {
	for _, tc := range goodLines {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse:\n got %q %+v\nwant %q %+v", got.Line(), got.Args, tc.want.Line(), tc.want.Args)
			}
			if err := got.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestLineRoundTrip: Parse(b.Line()) gives b back, and a canonical line
// is its own Line.
func TestLineRoundTrip(t *testing.T) {
	for _, tc := range goodLines {
		b, err := Parse(tc.line)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b2, err := Parse(b.Line())
		if err != nil {
			t.Fatalf("%s: Parse(Line()): %v", tc.name, err)
		}
		if !reflect.DeepEqual(b, b2) {
			t.Errorf("%s: Parse(Line()) = %q, want %q", tc.name, b2.Line(), b.Line())
		}
	}
	for _, l := range []string{obfs4Line, obfs4Line2, snowflakeLine, webtunnelLine, meekLine, "203.0.113.77:443 " + fp1} {
		b, err := Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		if b.Line() != l {
			t.Errorf("Line() = %q, want %q", b.Line(), l)
		}
	}
}

var badLines = []struct {
	name, line string
	want       error
	msg        string // a part of the message
}{
	{"empty", "", ErrBadLine, "empty"},
	{"blank", " \t ", ErrBadLine, "empty"},
	{"keyword alone", "Bridge", ErrBadLine, "nothing after"},
	{"line break inside", "203.0.113.77:443\nSocksPort 0.0.0.0:9050", ErrBadLine, "line break at byte 17"},
	{"carriage return inside", "203.0.113.77:443\rX", ErrBadLine, "line break"},
	{"line break in an argument", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + "\nClientTransportPlugin obfs4 exec /bin/sh iat-mode=0", ErrBadLine, "line break"},
	{"NUL", "203.0.113.77:443\x00", ErrBadLine, "control character 0x00"},
	{"escape", "\x1b[31m203.0.113.77:443", ErrBadLine, "control character 0x1b at byte 1"},
	{"DEL", "203.0.113.77:443 \x7f", ErrBadLine, "control character 0x7f"},
	{"no-break space", "203.0.113.77:443\u00a0" + fp1, ErrBadLine, "U+00A0"},
	{"invalid UTF-8", "203.0.113.77:443 \xff", ErrBadLine, "0xff"},
	{"comment after the bridge", "203.0.113.77:443 " + fp1 + " # home", ErrBadLine, "comment"},
	{"backslash continuation", "203.0.113.77:443 " + fp1 + `\`, ErrBadLine, "continuation"},
	{"quote", `"203.0.113.77:443"`, ErrBadLine, "quote"},
	{"too long", "203.0.113.77:443 " + strings.Repeat(" ", MaxLineLen), ErrBadLine, "more than 4096"},

	{"unknown transport", "obfs3 203.0.113.77:443 " + fp1, ErrUnknownTransport, "meek_lite, obfs4, snowflake, webtunnel"},
	{"upper-case transport", "OBFS4 203.0.113.77:443 " + fp1, ErrUnknownTransport, "lower case"},
	{"host name alone", "localhost", ErrUnknownTransport, "unknown transport"},

	{"transport without address", "obfs4", ErrBadAddress, "no IP:PORT"},
	{"no port", "203.0.113.77", ErrBadAddress, "no port"},
	{"empty port", "203.0.113.77:", ErrBadAddress, "1 to 65535"},
	{"port 0", "203.0.113.77:0", ErrBadAddress, "1 to 65535"},
	{"port 65536", "203.0.113.77:65536", ErrBadAddress, "1 to 65535"},
	{"port not a number", "203.0.113.77:https", ErrBadAddress, "1 to 65535"},
	{"negative port", "203.0.113.77:-1", ErrBadAddress, "1 to 65535"},
	{"host name", "bridge.example.com:443 " + fp1, ErrBadAddress, "host name"},
	{"host name with transport", "obfs4 localhost:443 " + fp1, ErrBadAddress, "host name"},
	{"IPv6 without brackets", "2001:db8::7:443", ErrBadAddress, "brackets"},
	{"IPv4 in brackets", "[203.0.113.77]:443", ErrBadAddress, "only for IPv6"},
	{"IPv6 zone", "[fe80::1%eth0]:443", ErrBadAddress, "zone"},
	{"leading zero in IPv4", "203.0.113.077:443", ErrBadAddress, "not an IP address"},
	{"five octets", "203.0.113.77.1:443", ErrBadAddress, "not an IP address"},
	{"unspecified IPv4", "0.0.0.0:443", ErrBadAddress, "unspecified"},
	{"unspecified IPv6", "[::]:443", ErrBadAddress, "unspecified"},
	{"multicast", "224.0.0.1:443", ErrBadAddress, "multicast"},
	{"URL for address", "https://203.0.113.77:443", ErrBadAddress, "not a URL"},

	{"fingerprint 39 digits", "203.0.113.77:443 " + fp1[:39], ErrBadFingerprint, "got 39 characters"},
	{"fingerprint 41 digits", "203.0.113.77:443 " + fp1 + "0", ErrBadFingerprint, "got 41 characters"},
	{"fingerprint not hex", "203.0.113.77:443 " + fp1[:10] + "G" + fp1[11:], ErrBadFingerprint, "character 11"},
	{"fingerprint with $", "203.0.113.77:443 $" + fp1[1:], ErrBadFingerprint, "character 1"},
	{"transport fingerprint not hex", "obfs4 203.0.113.77:9443 " + fp1[:39] + "Z cert=" + cert1 + " iat-mode=0", ErrBadFingerprint, "character 40"},
	{"transport fingerprint in groups", "obfs4 203.0.113.77:9443 4F0F 2574 cert=" + cert1 + " iat-mode=0", ErrBadFingerprint, "got 4 characters"},

	{"plain with arguments", "203.0.113.77:443 " + fp1 + " cert=" + cert1, ErrBadArg, "plain bridge takes no key=value"},
	{"obfs4 without cert", "obfs4 203.0.113.77:9443 " + fp1 + " iat-mode=0", ErrMissingArg, "cert="},
	{"obfs4 without iat-mode", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1, ErrMissingArg, "iat-mode="},
	{"obfs4 without arguments", "obfs4 203.0.113.77:9443 " + fp1, ErrMissingArg, "cert="},
	{"obfs4 cert not base64", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1[:69] + "! iat-mode=0", ErrBadArg, "not base64"},
	{"obfs4 cert URL alphabet", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + strings.NewReplacer("+", "-", "/", "_").Replace(cert1) + " iat-mode=0", ErrBadArg, "not base64"},
	{"obfs4 cert padded", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + "== iat-mode=0", ErrBadArg, "not base64"},
	{"obfs4 cert short", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1[:68] + " iat-mode=0", ErrBadArg, "it is 68 characters"},
	{"obfs4 cert long", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + "AAAA iat-mode=0", ErrBadArg, "70 characters"},
	{"obfs4 iat-mode 3", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + " iat-mode=3", ErrBadArg, "0, 1 or 2"},
	{"obfs4 iat-mode 00", "obfs4 203.0.113.77:9443 " + fp1 + " cert=" + cert1 + " iat-mode=00", ErrBadArg, "0, 1 or 2"},
	{"duplicate key", obfs4Line + " iat-mode=1", ErrBadArg, `"iat-mode"= is given twice`},
	{"empty key", obfs4Line + " =x", ErrBadArg, "no key"},
	{"empty value", obfs4Line + " x=", ErrBadArg, "no value"},
	{"bad key", obfs4Line + " x/y=1", ErrBadArg, "a key holds only"},
	{"stray word after arguments", obfs4Line + " " + fp2, ErrBadArg, "argument 3 is not key=value"},
	{"two fingerprints", "obfs4 203.0.113.77:9443 " + fp1 + " " + fp2 + " cert=" + cert1 + " iat-mode=0", ErrBadArg, "argument 1 is not key=value"},
	{"arguments too long for tor", obfs4Line + " pad=" + strings.Repeat("x", 420), ErrBadArg, "more than the 510"},
	{"escaped ; counts", obfs4Line + " pad=" + strings.Repeat(";", 212), ErrBadArg, "more than the 510"},

	{"snowflake http broker", "snowflake 192.0.2.3:80 " + fp3 + " url=http://broker.example.net/", ErrBadArg, "https"},
	{"snowflake broker not a URL", "snowflake 192.0.2.3:80 " + fp3 + " url=broker.example.net", ErrBadArg, "https"},
	{"snowflake broker without host", "snowflake 192.0.2.3:80 " + fp3 + " url=https:///x", ErrBadArg, "no host"},
	{"snowflake broker bad escape", "snowflake 192.0.2.3:80 " + fp3 + " url=https://x/%zz", ErrBadArg, "not a URL"},
	{"snowflake ampcache http", "snowflake 192.0.2.3:80 " + fp3 + " ampcache=http://cdn.example.org/", ErrBadArg, "ampcache="},
	{"snowflake empty front", "snowflake 192.0.2.3:80 " + fp3 + " fronts=a.example.com,,b.example.com", ErrBadArg, "fronts="},
	{"snowflake front is a URL", "snowflake 192.0.2.3:80 " + fp3 + " front=https://a.example.com/", ErrBadArg, "front="},
	{"snowflake ice not stun", "snowflake 192.0.2.3:80 " + fp3 + " ice=https://stun.example.net/", ErrBadArg, "ice="},
	{"snowflake ice empty entry", "snowflake 192.0.2.3:80 " + fp3 + " ice=stun:stun.example.net:3478,", ErrBadArg, "ice="},
	{"snowflake fingerprint mismatch", "snowflake 192.0.2.3:80 " + fp3 + " fingerprint=" + fp2, ErrBadArg, "differs"},
	{"snowflake fingerprint malformed", "snowflake 192.0.2.3:80 " + fp3 + " fingerprint=" + fp2[:20], ErrBadArg, "40 hexadecimal"},

	{"webtunnel without url", "webtunnel [2001:db8::2]:443 " + fp2 + " ver=0.0.1", ErrMissingArg, "url="},
	{"webtunnel http", "webtunnel [2001:db8::2]:443 " + fp2 + " url=http://cdn.example.org/x", ErrBadArg, "https"},
	{"webtunnel url with password", "webtunnel [2001:db8::2]:443 " + fp2 + " url=https://u:p@cdn.example.org/x", ErrBadArg, "user name"},
	{"meek_lite without url", "meek_lite 192.0.2.18:80 " + fp1 + " front=www.example.com", ErrMissingArg, "url="},
}

// secrets are parts of the test bridges that no error message may show.
var secrets = []string{"203.0.113.77", "2001:db8", "198.51.100", "192.0.2.", fp1, fp2, fp3, fp1[:20], cert1, cert1[:20], cert2,
	"example.", "eth0"}

func TestParseErrors(t *testing.T) {
	for _, tc := range badLines {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse(tc.line)
			if err == nil {
				t.Fatalf("Parse succeeded: %q", b.Line())
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %q does not match %v", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q is a %T, not an *Error", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "torbridge: ") {
				t.Errorf("message %q lacks the package prefix", msg)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not say %q", msg, tc.msg)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("message %q gives away %q", msg, s)
				}
			}
			if !reflect.DeepEqual(b, Bridge{}) {
				t.Errorf("Parse returned %#v with its error", b)
			}
		})
	}
}

// TestErrorKinds: every error matches exactly one kind.
func TestErrorKinds(t *testing.T) {
	kinds := []error{ErrBadLine, ErrUnknownTransport, ErrBadAddress, ErrBadFingerprint, ErrMissingArg, ErrBadArg,
		ErrNoBridges, ErrNoPlugin, ErrNotInstalled}
	for _, tc := range badLines {
		_, err := Parse(tc.line)
		n := 0
		for _, k := range kinds {
			if errors.Is(err, k) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %q matches %d kinds", tc.name, err, n)
		}
	}
}

func TestCheckHandBuilt(t *testing.T) {
	good, _ := Parse(obfs4Line)
	for _, tc := range []struct {
		name string
		b    Bridge
		want error
	}{
		{"zero", Bridge{}, ErrBadAddress},
		{"unknown transport", Bridge{Transport: "obfs4\nSocksPort 9050", Addr: good.Addr}, ErrUnknownTransport},
		{"fingerprint with line break", Bridge{Addr: good.Addr, Fingerprint: fp1[:39] + "\n"}, ErrBadFingerprint},
		{"value with line break", Bridge{Transport: "obfs4", Addr: good.Addr, Args: args("cert", cert1, "iat-mode", "0\nLog debug")}, ErrBadArg},
		{"value with space", Bridge{Transport: "obfs4", Addr: good.Addr, Args: args("cert", cert1, "iat-mode", "0", "x", "a b")}, ErrBadArg},
		{"key with =", Bridge{Transport: "obfs4", Addr: good.Addr, Args: args("cert", cert1, "iat-mode", "0", "x=y", "z")}, ErrBadArg},
		{"empty key", Bridge{Transport: "obfs4", Addr: good.Addr, Args: args("", "z")}, ErrBadArg},
		{"port 0", Bridge{Addr: netip.AddrPortFrom(good.Addr.Addr(), 0)}, ErrBadAddress},
		{"plain with arguments", Bridge{Addr: good.Addr, Args: args("x", "y")}, ErrBadArg},
		{"line too long", Bridge{Transport: "snowflake", Addr: good.Addr, Args: args("a", strings.Repeat("x", 300), "b", strings.Repeat("y", 4000))}, ErrBadArg},
	} {
		if err := tc.b.Check(); !errors.Is(err, tc.want) {
			t.Errorf("%s: Check() = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := good.Check(); err != nil {
		t.Errorf("Check of a parsed bridge: %v", err)
	}
}

func TestArg(t *testing.T) {
	b, _ := Parse(obfs4Line)
	if v, ok := b.Arg("cert"); !ok || v != cert1 {
		t.Errorf("Arg(cert) = %q, %v", v, ok)
	}
	if v, ok := b.Arg("url"); ok || v != "" {
		t.Errorf("Arg(url) = %q, %v", v, ok)
	}
}
