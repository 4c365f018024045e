package fcp

import (
	"net"
	"strconv"
	"testing"
)

// TestConfigDataValues: ConfigData's current values come from the server:
// the address it listens on, Config.UploadAllowedDirs (written as fred
// writes a string array) and NodeInfo.Opennet.
func TestConfigDataValues(t *testing.T) {
	cfg := testConfig(t)
	cfg.UploadAllowedDirs = []string{"/srv/up load", "/home/x;y"}
	cfg.NodeInfo.Opennet = true
	h := newHarness(t, cfg)
	addr := serveTCP(t, h)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := newTClient(t, nc)
	c.send("ClientHello", "Name", "config", "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	c.send("GetConfig", "Identifier", "c", "WithCurrent", "true", "WithDefaults", "true")
	m := c.expect("ConfigData")
	_, port, _ := net.SplitHostPort(addr)
	for _, f := range []struct{ key, want string }{
		{"Identifier", "c"},
		{"current.fcp.port", port},
		{"current.fcp.bindTo", "127.0.0.1"},
		{"current.node.uploadAllowedDirs", "/srv/up%20load;/home/x%3by"},
		{"current.node.opennet.enabled", "true"},
		{"default.fcp.port", strconv.Itoa(9481)},
		{"default.node.uploadAllowedDirs", "all"},
		{"default.node.opennet.enabled", "false"},
	} {
		if got, ok := m.Lookup(f.key); !ok || got != f.want {
			t.Errorf("%s=%q (present %v), want %q", f.key, got, ok, f.want)
		}
	}
	if m.Fields[0].Name != "Identifier" {
		t.Errorf("Identifier is not first, as fred writes it:\n%s", m)
	}
}

// TestFredStringArray: lists are written as fred's StringArrOption writes
// them (URLEncoder: safe characters and non-ASCII letters as they are,
// other bytes %xx in lower case; ":" for an empty element; ";" between).
func TestFredStringArray(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"all"}, "all"},
		{[]string{"/a/b-c_d.e*f", "/x y"}, "/a/b-c_d.e*f;/x%20y"},
		{[]string{"", "/z"}, ":;/z"},
		{[]string{"/tmp/été", "~;%"}, "/tmp/été;%7e%3b%25"},
		{[]string{"tab\there", "\u00a0"}, "tab%09here;%c2%a0"},
		{nil, ""},
	} {
		if got := fredStringArray(tc.in); got != tc.want {
			t.Errorf("fredStringArray(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
