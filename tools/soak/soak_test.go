package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/internal/tornet"
)

// TestSoakShort is the 2-minute soak CI runs: 16 node processes with 64M
// stores (16M caches, so that two minutes of inserts fill the caches as
// ten minutes fill a default node's), two clients pausing 50 ms between
// operations, a node killed every 30 s or so, links cut every 45 s, one hostile
// client per kind and, as root, one node's disk filled for 30 s (without
// root the cuts and the fill are skipped, with a log line). It fails when
// an acknowledged insert is lost, a fetch returns wrong data or a node
// panics or dumps its goroutines; the run's directory (logs, acks.tsv) is
// then kept, and the summary names it. It takes about three minutes;
// -short skips it.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes about 3 minutes; run without -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the soak reads /proc and needs Linux")
	}
	args := []string{"--nodes", "16", "--duration", "2m", "--clients", "2", "--pace", "50ms", "--seed", "1",
		"--store-size", "64M", "--hostile", "--settle", "5s", "--check-timeout", "45s"}
	if isRoot() {
		tornet.Require(t, "ss") // the link cuts (CI installs it)
		args = append(args, "--fill-disk", "--fill-for", "30s")
	} else {
		t.Log("not root: no disk fill and no link cuts")
	}
	if hams := os.Getenv("HAMS_SOAK_BINARY"); hams != "" {
		args = append(args, "--hams", hams)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(ctx, args, &out, &errb)
	t.Logf("soak took %v; running log:\n%s", time.Since(start).Round(time.Second), errb.String())
	t.Logf("summary:\n%s", out.String())
	if code != exitPass {
		t.Errorf("soak exited %d, want %d: see RESULT in the summary above", code, exitPass)
	}
}

// fakeRun builds the parts the report reads, with no process started.
func fakeRun(t *testing.T) (*soak, *cluster, *workload, *faults) {
	t.Helper()
	cfg, err := parseFlags([]string{"--nodes", "4", "--duration", "20s", "--dir", t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := newSoak(cfg, io.Discard)
	c, err := newCluster(cfg, s.ev, s.logf)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkload(cfg, c, s.ev)
	now := time.Now()
	for i := range 3 {
		w.acks = append(w.acks, insertRec{id: i, uri: "CHK@x", kind: "CHK", size: 1024, sum: sha256.Sum256(nil), node: i, at: now})
		w.ops = append(w.ops, opRec{at: now, ok: true})
	}
	return s, c, w, newFaults(cfg, c, s.ev, s.logf)
}

// TestReportVerdict: the report passes a clean run and fails one with a
// lost insert, wrong data or a panic in a node's log.
func TestReportVerdict(t *testing.T) {
	s, c, w, f := fakeRun(t)
	clean := func() outcome {
		o := outcome{acks: w.acks, first: map[int]*checkResult{}, second: map[int]*checkResult{}, runEnd: time.Now()}
		for _, r := range w.acks {
			o.first[r.id] = &checkResult{ok: true}
		}
		return o
	}
	var buf bytes.Buffer
	if code := s.report(&buf, c, w, f, nil, clean()); code != exitPass || !strings.Contains(buf.String(), "RESULT: PASS") {
		t.Errorf("clean run: exit %d\n%s", code, buf.String())
	}

	o := clean()
	o.first[1] = &checkResult{tried: []string{"node 2: code 13 Data not found"}}
	o.second[1] = &checkResult{tried: []string{"node 3: code 13 Data not found"}}
	o.lost = []insertRec{w.acks[1]}
	buf.Reset()
	if code := s.report(&buf, c, w, f, nil, o); code != exitFail || !strings.Contains(buf.String(), "LOST: 1") ||
		!strings.Contains(buf.String(), "1 acknowledged inserts lost") {
		t.Errorf("lost insert: exit %d\n%s", code, buf.String())
	}

	o = clean()
	o.first[2] = &checkResult{ok: true, corrupt: "wrong data: 3 bytes"}
	buf.Reset()
	if code := s.report(&buf, c, w, f, nil, o); code != exitFail || !strings.Contains(buf.String(), "WRONG DATA") {
		t.Errorf("wrong data: exit %d\n%s", code, buf.String())
	}

	log := "2026-01-01T00:00:00Z fcp listening on 127.0.0.1:1\n" +
		"panic: runtime error: index out of range [3] with length 3\n\n" +
		"goroutine 7 [running]:\nmain.main()\n\t/x/main.go:1 +0x1\nexit status 2\n" +
		"=== soak: start 2 of node-1 at 0:31\n2026-01-01T00:00:31Z fcp listening on 127.0.0.1:1\n"
	if err := os.WriteFile(c.nodes[1].logPath, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	o = clean()
	o.findings = scanLogs(c)
	if len(o.findings) != 1 || o.findings[0].kind != "panic" || o.findings[0].node != 1 || o.findings[0].lines != 6 {
		t.Fatalf("scanLogs: %+v", o.findings)
	}
	buf.Reset()
	if code := s.report(&buf, c, w, f, nil, o); code != exitFail || !strings.Contains(buf.String(), "index out of range") {
		t.Errorf("panic: exit %d\n%s", code, buf.String())
	}
}

// TestSSLine: the parser of ss's output finds the addresses and the PID.
func TestSSLine(t *testing.T) {
	m := ssLine.FindStringSubmatch(`0      0      127.0.0.1:45679 127.0.0.1:35916 users:(("hams",pid=14189,fd=4))`)
	if m == nil || m[1] != "127.0.0.1" || m[2] != "45679" || m[4] != "35916" || ssPid.FindStringSubmatch(m[5])[1] != "14189" {
		t.Errorf("ss line: %q", m)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"256M": 256 << 20, "64MiB": 64 << 20, "1g": 1 << 30, "4096": 4096} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseSize("12X"); err == nil {
		t.Error("parseSize(12X) did not fail")
	}
}
