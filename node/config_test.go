package node

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hamsnet/hams/node/network"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "500M": 500 << 20, "10GiB": 10 << 30, "1.5g": 3 << 29, "2kb": 2048, "1T": 1 << 40, " 7 MiB ": 7 << 20, "12B": 12,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "M", "-1G", "10X", "1e3", "abc", "99999999T"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	ok := Config{Dir: dir}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{
		{Dir: dir, Network: network.Config{Transport: "carrier-pigeon"}}, // the network's settings are checked too
		{Dir: dir, StoreSize: 1 << 20},
		{Dir: dir, FCPAddr: "0.0.0.0:9481"},
		{Dir: dir, FCPAddr: "example.org:9481"},
		{Dir: dir, FCPAddr: "no-port"},
		{Dir: dir, USKPollInterval: -time.Second},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := (Config{Dir: dir, FCPAddr: "0.0.0.0:9481", AllowNonLoopbackFCP: true}).Validate(); err != nil {
		t.Errorf("explicitly allowed non-loopback FCP refused: %v", err)
	}
	if err := (Config{Dir: dir, Network: network.Config{Transport: network.TransportTor}}).Validate(); err != nil {
		t.Errorf("a Tor node refused: %v", err)
	}
	for _, a := range []string{"127.0.0.1:0", "[::1]:9481", "localhost:1"} {
		if err := (Config{Dir: dir, FCPAddr: a}).Validate(); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	if d, _ := DefaultDir(); d != filepath.Join("/srv/data", "hams") {
		t.Fatal(d)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/layla")
	if d, _ := DefaultDir(); d != "/home/layla/.local/share/hams" {
		t.Fatal(d)
	}
}
