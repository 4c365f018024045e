package tornet

import (
	"os"
	"os/exec"
	"strings"
)

// TB is the part of testing.TB that Require uses. (tornet does not import
// testing: hams testnet links it into the hams command.)
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// ciSteps names, for each external program the tests run, the step of
// .ci/run that installs it. A test that needs a program not listed here
// must get a step in .ci/run and a line here.
var ciSteps = map[string]string{
	"tor":              `"installing tor" (apt-get install tor)`,
	"tor-gencert":      `"installing tor" (apt-get install tor)`,
	"obfs4proxy":       `"installing obfs4proxy and snowflake-client" (apt-get install obfs4proxy snowflake-client)`,
	"snowflake-client": `"installing obfs4proxy and snowflake-client" (apt-get install obfs4proxy snowflake-client)`,
	"ss":               `"installing iproute2" (apt-get install iproute2)`,
}

// alternatives are other names a program may go by: lyrebird is
// obfs4proxy's successor, and every user of obfs4proxy here takes it too.
var alternatives = map[string][]string{
	"obfs4proxy": {"lyrebird"},
}

// InCI reports whether the tests run in CI: the environment variable CI
// is set to something other than "", "0" or "false" (as
// internal/browsertest reads it). There a missing program is an error, not
// a reason to skip.
func InCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false"
}

// Require checks that every one of programs is on PATH (obfs4proxy may be
// lyrebird). When one is missing it skips the test t with the reason, or,
// when InCI, fails it, naming the program and the .ci/run step that
// installs it: CI installs them all, so there a test that needs one must
// run. Tests that run tor, tor-gencert, obfs4proxy, snowflake-client or ss
// call it first.
func Require(t TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if onPath(p) {
			continue
		}
		how := "no .ci/run step installs it yet: add one, and a line to tornet's ciSteps"
		if step, ok := ciSteps[p]; ok {
			how = "the .ci/run step " + step + " installs it"
		}
		if InCI() {
			t.Fatalf("%s is not installed (not on PATH), and CI=%s, where the test must run: %s", p, os.Getenv("CI"), how)
		}
		t.Skipf("%s is not installed (not on PATH): %s; in CI this test fails instead", p, how)
	}
}

// onPath reports whether p, or one of its alternatives, is on PATH.
func onPath(p string) bool {
	for _, name := range append([]string{p}, alternatives[p]...) {
		if _, err := exec.LookPath(name); err == nil {
			return true
		}
	}
	return false
}
