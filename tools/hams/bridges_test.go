package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeBridgeErrors: bad bridge lines and missing transports are
// refused before anything starts, with the line and what is wrong, and
// never echo the bridge itself.
func TestNodeBridgeErrors(t *testing.T) {
	dir := t.TempDir()
	fp := "4F0F25746F7A60DC02DFA0FDD211766CED8EE501"
	cert := base64.RawStdEncoding.EncodeToString(make([]byte, 52))
	file := filepath.Join(dir, "bridges.txt")
	if err := os.WriteFile(file, []byte("# from a friend\n192.0.2.10:443 "+fp+"\nobfs4 192.0.2.11:9001 "+fp+" cert=short iat-mode=0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noPlugins := t.TempDir() // a PATH without obfs4proxy or lyrebird
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // in stderr
	}{
		{"bad fingerprint", nil, []string{"--bridge", "obfs4 192.0.2.11:9001 ABC cert=" + cert + " iat-mode=0"}, []string{"--bridge (the 1st)", "fingerprint", "hint: a bridge line looks like"}},
		{"second line", nil, []string{"--bridge", "192.0.2.10:443 " + fp, "--bridge", "192.0.2.10 " + fp}, []string{"--bridge (the 2nd)"}},
		{"unknown transport", nil, []string{"--bridge", "obfs3 192.0.2.11:9001 " + fp}, []string{"obfs3", "obfs4"}},
		{"file line number", nil, []string{"--bridges", file}, []string{"bridges in " + file, "line 3", "cert="}},
		{"empty file", nil, []string{"--bridges", empty}, []string{"holds no bridge line"}},
		{"missing file", nil, []string{"--bridges", filepath.Join(dir, "nope")}, []string{"bridges:", "no such file"}},
		{"no obfs4proxy", map[string]string{}, []string{"--bridge", "obfs4 192.0.2.11:9001 " + fp + " cert=" + cert + " iat-mode=0"}, []string{"obfs4 needs obfs4proxy", "apt install obfs4proxy"}},
		{"not tor", nil, []string{"--transport", "tcp", "--bridge", "192.0.2.10:443 " + fp}, []string{"--bridge and --bridges are for --transport tor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != nil {
				t.Setenv("PATH", noPlugins) // torbridge.Find looks on PATH
			}
			r := hams(t, nil, nil, false, append([]string{"node", "--dir", t.TempDir(), "--tor-path", "/bin/true"}, tc.args...)...)
			if r.code == 0 {
				t.Fatalf("exit 0; stderr %q", r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "hams: error:") {
				t.Fatalf("stderr %q does not start with hams: error:", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			for _, secret := range []string{"192.0.2.1", fp} {
				if strings.Contains(r.stderr, secret) {
					t.Errorf("stderr %q gives the bridge away (%s)", r.stderr, secret)
				}
			}
		})
	}
}
