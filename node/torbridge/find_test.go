package torbridge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// program writes an executable (or, with mode 0o644, a plain file) named
// name into dir and returns its path.
func program(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindOnPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	obfs4proxy := program(t, dir, "obfs4proxy", 0o755)
	snowflake := program(t, dir, "snowflake-client", 0o755)
	for _, tc := range []struct{ transport, want string }{
		{"obfs4", obfs4proxy},
		{"meek_lite", obfs4proxy},
		{"snowflake", snowflake},
	} {
		got, err := Find(tc.transport, "")
		if err != nil || got != tc.want {
			t.Errorf("Find(%q, \"\") = %q, %v; want %q", tc.transport, got, err, tc.want)
		}
	}
	// obfs4proxy stays first when lyrebird is there too; lyrebird
	// stands in for webtunnel-client.
	lyrebird := program(t, dir, "lyrebird", 0o755)
	if got, err := Find("obfs4", ""); got != obfs4proxy {
		t.Errorf("Find(obfs4) with both = %q, %v; want %q", got, err, obfs4proxy)
	}
	if got, err := Find("webtunnel", ""); got != lyrebird {
		t.Errorf("Find(webtunnel) = %q, %v; want %q", got, err, lyrebird)
	}
	wt := program(t, dir, "webtunnel-client", 0o755)
	if got, err := Find("webtunnel", ""); got != wt {
		t.Errorf("Find(webtunnel) = %q, %v; want %q", got, err, wt)
	}
}

func TestFindLyrebirdOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	lyrebird := program(t, dir, "lyrebird", 0o755)
	if got, err := Find("obfs4", ""); err != nil || got != lyrebird {
		t.Errorf("Find(obfs4) = %q, %v; want %q", got, err, lyrebird)
	}
}

func TestFindMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	program(t, dir, "obfs4proxy", 0o644) // not executable: does not count
	for _, tc := range []struct{ transport, msg string }{
		{"obfs4", "torbridge: obfs4 needs obfs4proxy, which is not installed: apt install obfs4proxy (or give its path with --obfs4proxy)"},
		{"meek_lite", "torbridge: meek_lite needs obfs4proxy, which is not installed: apt install obfs4proxy (or give its path with --obfs4proxy)"},
		{"snowflake", "torbridge: snowflake needs snowflake-client, which is not installed: apt install snowflake-client (or give its path with --snowflake-client)"},
		{"webtunnel", "torbridge: webtunnel needs webtunnel-client, which is not installed: apt install webtunnel where the distribution packages it (Debian 12 does not); " +
			"else build webtunnel-client, or lyrebird 0.2.0 or newer, from the Tor Project's sources (or give its path with --webtunnel-client)"},
	} {
		got, err := Find(tc.transport, "")
		if !errors.Is(err, ErrNotInstalled) {
			t.Errorf("Find(%q) = %q, %v; want ErrNotInstalled", tc.transport, got, err)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("Find(%q) error:\n got %s\nwant %s", tc.transport, err, tc.msg)
		}
	}
}

func TestFindPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", t.TempDir()) // nothing there
	pt := program(t, dir, "my-obfs4", 0o755)
	plain := program(t, dir, "not-executable", 0o644)
	spaced := filepath.Join(dir, "with space")
	if err := os.Mkdir(spaced, 0o755); err != nil {
		t.Fatal(err)
	}
	program(t, spaced, "obfs4proxy", 0o755)

	if got, err := Find("obfs4", pt); err != nil || got != pt {
		t.Errorf("Find(obfs4, %q) = %q, %v", pt, got, err)
	}
	// A relative path comes back absolute.
	t.Chdir(dir)
	if got, err := Find("obfs4", "./my-obfs4"); err != nil || got != pt {
		t.Errorf("Find(obfs4, ./my-obfs4) = %q, %v; want %q", got, err, pt)
	}
	for _, tc := range []struct {
		name, path, msg string
	}{
		{"missing", filepath.Join(dir, "nothing"), "--obfs4proxy " + filepath.Join(dir, "nothing") + ": "},
		{"not executable", plain, "--obfs4proxy " + plain},
		{"a directory", dir, "--obfs4proxy " + dir},
		{"a name not on PATH", "obfs4proxy", "--obfs4proxy obfs4proxy"},
		{"a path torrc cannot take", filepath.Join(spaced, "obfs4proxy"), "cannot take"},
	} {
		got, err := Find("obfs4", tc.path)
		if !errors.Is(err, ErrNotInstalled) {
			t.Errorf("%s: Find = %q, %v; want ErrNotInstalled", tc.name, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.msg)
		}
	}
}

func TestFindUnknown(t *testing.T) {
	if _, err := Find("obfs3", "/usr/bin/obfs4proxy"); !errors.Is(err, ErrUnknownTransport) {
		t.Errorf("Find(obfs3) error = %v, want ErrUnknownTransport", err)
	}
	if _, err := Find("", ""); !errors.Is(err, ErrUnknownTransport) {
		t.Errorf("Find(\"\") error = %v, want ErrUnknownTransport", err)
	}
}

func TestTransports(t *testing.T) {
	ts := Transports()
	var names []string
	for _, tr := range ts {
		names = append(names, tr.Name)
		if len(tr.Programs) == 0 || tr.Install == "" || !strings.HasPrefix(tr.Flag, "--") {
			t.Errorf("%s: incomplete: %+v", tr.Name, tr)
		}
	}
	if got := strings.Join(names, " "); got != "meek_lite obfs4 snowflake webtunnel" {
		t.Errorf("Transports names = %s", got)
	}
	ts[0].Programs[0] = "changed"
	ts[1].Name = "changed"
	if again := Transports(); again[0].Programs[0] == "changed" || again[1].Name == "changed" {
		t.Error("Transports returns the package's own table")
	}
}
