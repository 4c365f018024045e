package tor

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// unreachableNetwork is torrc for a private network whose only directory
// authority is a closed loopback port: tor starts, never bootstraps, and
// never connects beyond 127.0.0.1.
var unreachableNetwork = []string{
	"TestingTorNetwork 1",
	"DirAuthority nowhere orport=1 no-v2 v3ident=0000000000000000000000000000000000000001 127.0.0.1:2 0000 0000 0000 0000 0000 0000 0000 0000 0000 0002",
}

// TestHelperStartForever is not a test: TestTorDiesWithNode runs the test
// binary with it, and kills that process in the middle of Start.
func TestHelperStartForever(t *testing.T) {
	dir := os.Getenv("HAMS_TOR_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestTorDiesWithNode")
	}
	_, err := Start(context.Background(), Config{
		DataDir:      dir,
		OnionKey:     newKey(t),
		ExtraTorrc:   append(unreachableNetwork, "PidFile "+filepath.Join(dir, "tor.pid")),
		StartTimeout: time.Minute,
		Progress: func(p int, s string) {
			fmt.Printf("progress %d\n", p)
		},
	})
	t.Fatalf("Start returned: %v", err)
}

// When the node's process dies without stopping tor (SIGKILL), tor exits
// too: its owning control connection is gone (TAKEOWNERSHIP).
func TestTorDiesWithNode(t *testing.T) {
	tornet.Require(t, "tor")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartForever$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HAMS_TOR_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	// Wait until the helper's Start reports progress: tor runs, and the
	// transport has taken ownership of it.
	sc := bufio.NewScanner(out)
	got := make(chan bool, 1)
	go func() {
		ok := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "progress ") && !ok {
				ok = true
				got <- true
			}
		}
		if !ok {
			got <- false
		}
	}()
	select {
	case ok := <-got:
		if !ok {
			t.Fatal("helper exited without reporting progress")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("helper reported no progress in 30s")
	}
	b, err := os.ReadFile(filepath.Join(dir, "tor.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("tor (pid %d) is not running: %v", pid, err)
	}

	cmd.Process.Kill()
	cmd.Wait()
	killed := time.Now()
	// tor, orphaned, now belongs to PID 1 (or a subreaper), which reaps
	// it when it exits. Where PID 1 does not reap (a container whose PID 1
	// is a plain program), an exited tor stays a zombie: that counts as
	// gone (tornet.ProcessGone). The deadline is generous: tor exits at
	// once when its owning controller goes, but a loaded machine may take
	// seconds to run it.
	const limit = 60 * time.Second
	for !tornet.ProcessGone(pid) {
		if time.Since(killed) > limit {
			syscall.Kill(pid, syscall.SIGKILL) // still our tor: it was running a moment ago
			t.Fatalf("tor (pid %d) still runs %v after its node was killed", pid, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("tor exited %v after its node was killed", time.Since(killed).Round(time.Millisecond))
}
