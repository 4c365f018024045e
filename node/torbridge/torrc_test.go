package torbridge

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, lines ...string) []Bridge {
	t.Helper()
	var bs []Bridge
	for _, l := range lines {
		b, err := Parse(l)
		if err != nil {
			t.Fatalf("Parse(%q): %v", l, err)
		}
		bs = append(bs, b)
	}
	return bs
}

var testPlugins = map[string]string{
	"obfs4":     "/usr/bin/obfs4proxy",
	"snowflake": "/usr/bin/snowflake-client",
	"webtunnel": "/opt/pt/webtunnel-client",
	"meek_lite": "/usr/bin/obfs4proxy",
}

func TestTorrc(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lines   []string
		plugins map[string]string
		want    []string
	}{
		{"mixed, plugins sorted, repeat dropped",
			[]string{snowflakeLine, obfs4Line, "203.0.113.77:443 " + fp1, "Bridge  " + obfs4Line, obfs4Line2, webtunnelLine},
			testPlugins,
			[]string{
				"UseBridges 1",
				"Bridge " + snowflakeLine,
				"Bridge " + obfs4Line,
				"Bridge 203.0.113.77:443 " + fp1,
				"Bridge " + obfs4Line2,
				"Bridge " + webtunnelLine,
				"ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy",
				"ClientTransportPlugin snowflake exec /usr/bin/snowflake-client",
				"ClientTransportPlugin webtunnel exec /opt/pt/webtunnel-client",
			}},
		{"plain only needs no plugin", []string{"[2001:db8::7]:9001", "203.0.113.77:443 " + fp1}, nil,
			[]string{"UseBridges 1", "Bridge [2001:db8::7]:9001", "Bridge 203.0.113.77:443 " + fp1}},
		{"meek_lite and obfs4 share a program", []string{meekLine, obfs4Line}, testPlugins,
			[]string{
				"UseBridges 1",
				"Bridge " + meekLine,
				"Bridge " + obfs4Line,
				"ClientTransportPlugin meek_lite,obfs4 exec /usr/bin/obfs4proxy",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Torrc(mustParse(t, tc.lines...), tc.plugins)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Torrc =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestTorrcErrors(t *testing.T) {
	obfs4 := mustParse(t, obfs4Line)
	a := netip.MustParseAddrPort("203.0.113.77:443")
	for _, tc := range []struct {
		name    string
		bridges []Bridge
		plugins map[string]string
		want    error
		msg     string
	}{
		{"no bridges", nil, testPlugins, ErrNoBridges, "no bridges"},
		{"no plugin", obfs4, map[string]string{"snowflake": "/usr/bin/snowflake-client"}, ErrNoPlugin, "obfs4 bridges need a plugin: the path of obfs4proxy"},
		{"empty plugin path", obfs4, map[string]string{"obfs4": ""}, ErrNoPlugin, "obfs4proxy"},
		{"relative plugin path", obfs4, map[string]string{"obfs4": "obfs4proxy"}, ErrNoPlugin, "not absolute"},
		{"plugin path with a line break", obfs4, map[string]string{"obfs4": "/usr/bin/obfs4proxy\nSocksPort 0.0.0.0:9050"}, ErrNoPlugin, "cannot take"},
		{"plugin path with a space", obfs4, map[string]string{"obfs4": "/opt/my pt/obfs4proxy"}, ErrNoPlugin, "cannot take"},
		{"hand-built bad bridge", []Bridge{obfs4[0], {Addr: a, Fingerprint: "x\nSocksPort 9050"}}, testPlugins, ErrBadFingerprint, "torbridge: bridge 2: "},
		{"hand-built injection in a value", []Bridge{{Transport: "obfs4", Addr: a, Args: args("cert", cert1, "iat-mode", "0\nSocksPort 9050")}},
			testPlugins, ErrBadArg, "torbridge: bridge 1: "},
		{"hand-built unknown transport", []Bridge{{Transport: "obfs3", Addr: a}}, testPlugins, ErrUnknownTransport, "bridge 1: unknown transport"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, err := Torrc(tc.bridges, tc.plugins)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Torrc = %q, %v; want %v", lines, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if lines != nil {
				t.Errorf("lines returned with the error: %q", lines)
			}
		})
	}
}
