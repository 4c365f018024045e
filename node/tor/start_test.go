package tor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// slack multiplies the time these tests allow on the wall clock: how long
// Start may take beyond the StartTimeout it was given, and how long to wait
// for goroutines to end or a Dial to return. The margins were ten times
// tighter, which a loaded two-core machine broke (go test ./... runs the
// packages side by side, several of them with tors of their own).
// Multiplied, they still tell a Start that noticed tor's failure from one
// that waited for DefaultStartTimeout (3 minutes).
const slack = 10

// startTimeouts returns the StartTimeouts that a test waiting for Start to
// time out tries in turn: short, which keeps the test fast, then slack
// times as long. Within the short one a loaded machine may not run a tor
// (or a fake one) far enough for the test to see what it checks: at a load
// of 12 on two cores, tor took over 4 s to read its GeoIP files. When the
// first attempt shows that, the test tries again with the longer timeout,
// which tells a slow machine from a broken Start.
func startTimeouts(short time.Duration) []time.Duration {
	return []time.Duration{short, slack * short}
}

// A "tor" that prints garbage and exits at once: Start fails quickly with
// its output in the error.
func TestStartTorExitsAtOnce(t *testing.T) {
	base := runtime.NumGoroutine()
	bin := writeScript(t, "tor", `echo "garbage on stdout: not a tor at all"
echo "and an error on stderr" >&2
exit 1
`)
	dir := filepath.Join(t.TempDir(), "node", "tor")
	start := time.Now()
	tr, err := Start(context.Background(), Config{TorPath: bin, DataDir: dir, OnionKey: newKey(t)})
	elapsed := time.Since(start)
	if err == nil {
		tr.Close()
		t.Fatal("Start succeeded with a tor that exits at once")
	}
	t.Logf("Start failed after %v with:\n%v", elapsed, err)
	for _, want := range []string{"tor: tor exited (exit status 1) while starting tor", "garbage on stdout: not a tor at all", "and an error on stderr"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	if elapsed > slack*5*time.Second {
		t.Errorf("Start took %v to notice that tor exited", elapsed)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("DataDir: %v, %v (want mode 0700)", fi, err)
	}
	checkGoroutines(t, base)
}

// A "tor" that logs to its log file (as tor does) before exiting: the
// error carries that log's tail and only this run's lines.
func TestStartErrorHasLogTail(t *testing.T) {
	bin := writeScript(t, "tor", `while [ $# -gt 0 ]; do
	if [ "$1" = "--DataDirectory" ]; then dir="$2"; fi
	shift
done
for i in $(seq 1 30); do echo "[notice] fake log line $i" >> "$dir/tor.log"; done
echo "[err] Reading config failed--see warnings above." >> "$dir/tor.log"
exit 1
`)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tor.log"), []byte("[notice] a line from an earlier run\n"), 0o600)
	_, err := Start(context.Background(), Config{TorPath: bin, DataDir: dir, OnionKey: newKey(t)})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	msg := err.Error()
	t.Logf("%v", msg)
	if !strings.Contains(msg, "Reading config failed") || !strings.Contains(msg, "fake log line 30") || !strings.Contains(msg, "last 20 lines") {
		t.Errorf("error lacks the log tail")
	}
	if strings.Contains(msg, "fake log line 11\n") || strings.Contains(msg, "earlier run") {
		t.Errorf("error has more than the last 20 lines of this run")
	}
}

// A "tor" that never opens its control port: Start gives up at
// StartTimeout and kills it.
func TestStartTorHangs(t *testing.T) {
	base := runtime.NumGoroutine()
	pidFile := filepath.Join(t.TempDir(), "pid")
	bin := writeScript(t, "tor", `echo $$ > `+pidFile+`
echo "hanging"
exec sleep 120
`)
	var err error
	var elapsed, timeout time.Duration
	for _, timeout = range startTimeouts(time.Second) {
		os.Remove(pidFile)
		start := time.Now()
		_, err = Start(context.Background(), Config{TorPath: bin, DataDir: t.TempDir(), OnionKey: newKey(t), StartTimeout: timeout})
		elapsed = time.Since(start)
		if err == nil {
			t.Fatal("Start succeeded")
		}
		if _, statErr := os.Stat(pidFile); statErr == nil && strings.Contains(err.Error(), "hanging") {
			break
		}
		t.Logf("with StartTimeout %v the fake tor had not run far enough (a loaded machine): %v", timeout, err)
	}
	t.Logf("Start failed after %v with:\n%v", elapsed, err)
	if !strings.Contains(err.Error(), fmt.Sprintf("tor: tor did not start in %v", timeout)) || !strings.Contains(err.Error(), "hanging") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unexpected error")
	}
	if limit := timeout + slack*3*time.Second; elapsed > limit {
		t.Errorf("Start took %v with StartTimeout %v", elapsed, timeout)
	}
	assertProcessGone(t, pidFile)
	checkGoroutines(t, base)

	// The caller's context ends Start as well, with ctx's error.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = Start(ctx, Config{TorPath: bin, DataDir: t.TempDir(), OnionKey: newKey(t)})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "start cancelled while starting tor") {
		t.Errorf("Start with a short ctx = %v", err)
	}
	assertProcessGone(t, pidFile)
}

// A real tor pointed at a private network that does not exist (one
// directory authority on a closed loopback port) never bootstraps: Start
// reports the last progress, the log tail, and stops tor. Nothing leaves
// loopback.
func TestStartBootstrapTimeout(t *testing.T) {
	tornet.Require(t, "tor")
	bin, err := Find("")
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	var dialled []string
	var progress []int
	var dir string
	var elapsed, timeout time.Duration
	for _, timeout = range startTimeouts(4 * time.Second) {
		dialled, progress, dir = nil, nil, t.TempDir()
		start := time.Now()
		_, err = Start(context.Background(), Config{
			TorPath:      bin,
			DataDir:      dir,
			OnionKey:     newKey(t),
			ExtraTorrc:   unreachableNetwork,
			StartTimeout: timeout,
			Progress:     func(p int, s string) { progress = append(progress, p) },
			DialRecorder: func(network, addr string) { dialled = append(dialled, addr) },
		})
		elapsed = time.Since(start)
		if err == nil {
			t.Fatal("Start succeeded without a network")
		}
		if !strings.Contains(err.Error(), "tor: tor did not start in") {
			break
		}
		t.Logf("with StartTimeout %v tor did not even start (a loaded machine): %v", timeout, err)
	}
	t.Logf("Start failed after %v with:\n%v", elapsed, err)
	if !strings.Contains(err.Error(), fmt.Sprintf("tor: bootstrap did not finish in %v: last progress ", timeout)) ||
		!strings.Contains(err.Error(), "tor log ("+filepath.Join(dir, "tor.log")) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unexpected error")
	}
	if limit := timeout + slack*6*time.Second; elapsed > limit {
		t.Errorf("Start took %v with StartTimeout %v", elapsed, timeout)
	}
	t.Logf("progress reported: %v; dialled: %v", progress, dialled)
	for _, a := range dialled {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("dialled %s", a)
		}
	}
	checkGoroutines(t, base)
}

// assertProcessGone checks that the process whose PID a fake tor wrote is
// gone (killed and reaped).
func assertProcessGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	if err := exec.Command("kill", "-0", pid).Run(); err == nil {
		t.Errorf("process %s is still running", pid)
	}
}

// checkGoroutines waits for the goroutine count to fall back to base, at
// most slack×3 s (it returns as soon as it does), and fails with the stacks
// if it does not.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(slack * 3 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines left behind (%d before):\n%s", n-base, base, buf)
	}
}
