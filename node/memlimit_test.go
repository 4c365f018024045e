package node

import (
	"net"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestGoMemoryLimitFollowsClients: with Config.GoMemoryLimit the node keeps
// the Go runtime's limit at it plus what its FCP clients may hold, so it
// rises with open connections and comes back when they close; Close stops
// the goroutine that keeps it.
func TestGoMemoryLimitFollowsClients(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	before := runtime.NumGoroutine()
	const base = 100 << 20
	n, err := Start(Config{Dir: t.TempDir(), FCPAddr: "127.0.0.1:0", Logger: quiet(), GoMemoryLimit: base})
	if err != nil {
		t.Fatal(err)
	}
	waitLimit := func(what string, ok func(int64) bool) int64 {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			l := debug.SetMemoryLimit(-1)
			if ok(l) {
				return l
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the Go memory limit is %d", what, l)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLimit("idle", func(l int64) bool { return l == base })
	const conns = 200
	var cs []net.Conn
	for range conns {
		c, err := net.Dial("tcp", n.FCPAddr())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	l := waitLimit("200 connections open", func(l int64) bool { return l >= base+conns*16<<10 })
	t.Logf("200 connections: limit %d MiB (base %d MiB)", l>>20, base>>20)
	for _, c := range cs {
		c.Close()
	}
	waitLimit("connections closed", func(l int64) bool { return l == base })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after Close, %d before", g, before)
	}
}
