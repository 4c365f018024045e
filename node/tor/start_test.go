package tor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

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
	if elapsed > 5*time.Second {
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
	start := time.Now()
	_, err := Start(context.Background(), Config{TorPath: bin, DataDir: t.TempDir(), OnionKey: newKey(t), StartTimeout: time.Second})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Start succeeded")
	}
	t.Logf("Start failed after %v with:\n%v", elapsed, err)
	if !strings.Contains(err.Error(), "tor: tor did not start in 1s") || !strings.Contains(err.Error(), "hanging") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unexpected error")
	}
	if elapsed > 4*time.Second {
		t.Errorf("Start took %v with StartTimeout 1s", elapsed)
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
	bin, err := Find("")
	if err != nil {
		t.Skip("tor is not installed:", err)
	}
	base := runtime.NumGoroutine()
	var dialled []string
	var progress []int
	dir := t.TempDir()
	start := time.Now()
	_, err = Start(context.Background(), Config{
		TorPath:      bin,
		DataDir:      dir,
		OnionKey:     newKey(t),
		ExtraTorrc:   unreachableNetwork,
		StartTimeout: 4 * time.Second,
		Progress:     func(p int, s string) { progress = append(progress, p) },
		DialRecorder: func(network, addr string) { dialled = append(dialled, addr) },
	})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Start succeeded without a network")
	}
	t.Logf("Start failed after %v with:\n%v", elapsed, err)
	if !strings.Contains(err.Error(), "tor: bootstrap did not finish in 4s: last progress ") ||
		!strings.Contains(err.Error(), "tor log ("+filepath.Join(dir, "tor.log")) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unexpected error")
	}
	if elapsed > 10*time.Second {
		t.Errorf("Start took %v with StartTimeout 4s", elapsed)
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

// checkGoroutines waits a little for the goroutine count to fall back to
// base and fails with the stacks if it does not.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines left behind (%d before):\n%s", n-base, base, buf)
	}
}
