package datastore

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hamsnet/hams/keys"
)

// crashChildEnv switches the test binary into the child role of
// TestCrashRecovery. Its value is "dir:seed:durability".
const crashChildEnv = "HAMS_DATASTORE_CRASH_CHILD"

// TestCrashChild is the child process: it writes blocks forever and prints
// "ok <key>" once each write is durable: when Put returns with
// DurabilityWALSync, after a Sync with DurabilityNoWAL.
func TestCrashChild(t *testing.T) {
	arg := os.Getenv(crashChildEnv)
	if arg == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	parts := strings.Split(arg, ":")
	dir := parts[0]
	seed, _ := strconv.ParseUint(parts[1], 10, 64)
	mode, _ := strconv.Atoi(parts[2])
	s, err := Open(dir, Config{Durability: Durability(mode), Logger: quietLogger, ScrubBytesPerSecond: -1, MemTableBytes: 4 << 20})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	rng := testRand(seed)
	var pending []Entry
	for i := 0; ; i++ {
		n := 1
		if i%3 == 2 {
			n = 1 + rng.IntN(6)
		}
		es := make([]Entry, n)
		for j := range es {
			es[j].Key, es[j].Block = chkBlock(t, rng)
		}
		r := RegionStore
		if i%2 == 1 {
			r = RegionCache
		}
		if n == 1 {
			err = s.Put(es[0].Key, es[0].Block, r)
		} else {
			err = s.PutBatch(es, r)
		}
		if err == nil && Durability(mode) == DurabilityNoWAL && i%4 == 3 {
			err = s.Sync()
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		pending = append(pending, es...)
		if Durability(mode) == DurabilityNoWAL && i%4 != 3 {
			continue // not durable yet: acknowledged after the next Sync
		}
		for _, e := range pending {
			fmt.Println("ok", hex.EncodeToString(e.Key[:]))
		}
		pending = pending[:0]
	}
}

// TestCrashRecovery runs TestCrashChild in a child process, SIGKILLs it
// while it writes, and checks that every block acknowledged as durable is
// present and valid after reopening, and that the store is consistent. It does this twice on the same
// directory, so the second child also recovers from the first crash.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in child")
	}
	for _, mode := range []Durability{DurabilityWALSync, DurabilityNoWAL} {
		t.Run(mode.String(), func(t *testing.T) { testCrashRecovery(t, mode) })
	}
}

func testCrashRecovery(t *testing.T, mode Durability) {
	dir := t.TempDir()
	var acked []keys.RoutingKey
	for round, killAfter := range []int{60, 110} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d:%d", crashChildEnv, dir, 40+round, mode))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "ok "); ok {
				var rk keys.RoutingKey
				b, err := hex.DecodeString(rest)
				if err != nil || len(b) != len(rk) {
					t.Fatalf("bad line %q", line)
				}
				copy(rk[:], b)
				acked = append(acked, rk)
				if n++; n == killAfter {
					cmd.Process.Kill() // SIGKILL; lines already written still count
				}
			} else if strings.HasPrefix(line, "error") {
				t.Fatalf("child: %s", line)
			}
		}
		err = cmd.Wait()
		if n < killAfter {
			t.Fatalf("child exited after %d writes: %v", n, err)
		}
		t.Logf("round %d: killed after %d acknowledged writes (%v)", round, n, err)

		s, err := Open(dir, Config{Durability: mode, Logger: quietLogger, MemTableBytes: 4 << 20})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		for _, rk := range acked {
			if _, err := s.Get(rk); err != nil {
				t.Fatalf("acknowledged block %s: %v", rk, err)
			}
		}
		res, err := s.Scrub(t.Context())
		if err != nil || res.Corrupt != 0 || res.Orphans != 0 || res.Checked < len(acked) {
			t.Fatalf("scrub %+v, %v (acked %d)", res, err, len(acked))
		}
		st := s.Stats()
		if st.Store.Blocks+st.Cache.Blocks != int64(res.Checked) || st.Corruptions != 0 {
			t.Fatalf("stats %+v, scrub %+v", st, res)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
