package tornet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records how Require ends a test. Fatalf and Skipf stop the
// calling goroutine as testing's do (here by a panic that run recovers).
type fakeTB struct{ fatal, skip string }

type stopped struct{}

func (*fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func (f *fakeTB) run(programs ...string) {
	defer func() {
		if r := recover(); r != nil && r != (stopped{}) {
			panic(r)
		}
	}()
	Require(f, programs...)
}

// TestRequire: a missing program skips the test outside CI and fails it in
// CI, naming the program and the .ci/run step that installs it; programs
// on PATH (obfs4proxy as lyrebird too) pass.
func TestRequire(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"tor", "lyrebird"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		ci       string
		programs []string
		fatal    []string // substrings of the failure, if it fails
		skip     []string // substrings of the skip, if it skips
	}{
		{"", []string{"tor", "obfs4proxy"}, nil, nil},
		{"true", []string{"tor", "obfs4proxy"}, nil, nil},
		{"", []string{"tor", "tor-gencert"}, nil, []string{"tor-gencert is not installed", `.ci/run step "installing tor"`, "in CI this test fails"}},
		{"false", []string{"snowflake-client"}, nil, []string{"snowflake-client is not installed", `"installing obfs4proxy and snowflake-client"`}},
		{"true", []string{"tor", "tor-gencert"}, []string{"tor-gencert is not installed", "CI=true", `.ci/run step "installing tor"`}, nil},
		{"1", []string{"ss"}, []string{"ss is not installed", `"installing iproute2"`}, nil},
		{"yes", []string{"webtunnel-client"}, []string{"webtunnel-client is not installed", "no .ci/run step installs it yet"}, nil},
	} {
		t.Setenv("CI", tc.ci)
		var f fakeTB
		f.run(tc.programs...)
		name := fmt.Sprintf("CI=%q %v", tc.ci, tc.programs)
		check := func(what, got string, want []string) {
			if (got != "") != (want != nil) {
				t.Errorf("%s: %s %q, want one: %v", name, what, got, want != nil)
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: %s %q lacks %q", name, what, got, w)
				}
			}
		}
		check("Fatalf", f.fatal, tc.fatal)
		check("Skipf", f.skip, tc.skip)
	}
}
