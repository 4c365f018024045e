package network

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFileWarningsOncePerMinute: failed writes of the node's own files for
// want of space are logged once a minute per kind, with how many went
// unlogged; other errors each time.
func TestFileWarningsOncePerMinute(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(1e9, 0)
	w := newFileWarnings(slog.New(slog.NewTextHandler(&out, nil)), func() time.Time { return now })
	full := fmt.Errorf("node: write x.tmp: %w", syscall.ENOSPC)
	for range 30 {
		w.warn("keeping a peer's noderef", full, "peer", "p")
		w.warn("keeping the swap state", full)
		now = now.Add(time.Second)
	}
	w.warn("keeping the swap state", errors.New("node: permission denied"))
	w.warn("keeping the swap state", errors.New("node: permission denied"))
	now = now.Add(31 * time.Second) // a minute after the first
	w.warn("keeping a peer's noderef", full, "peer", "p")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	count := func(s string) int {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, s) {
				n++
			}
		}
		return n
	}
	if count("keeping a peer's noderef") != 2 || count("keeping the swap state") != 3 ||
		count("permission denied") != 2 || count("unlogged=29") != 1 || count("unlogged=0") != 2 {
		t.Fatalf("log:\n%s", out.String())
	}
}
