package tornet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests need no tor.

const (
	fprA = "70E71FE86921287C88AA1C8F990B9F2CC533A82C"
	fprB = "0422DF12DF68043EE498E99262D57046386B1E59"
)

func b64id(t *testing.T, fpr string) string {
	t.Helper()
	raw, err := hex.DecodeString(fpr)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawStdEncoding.EncodeToString(raw)
}

// sampleConsensus is a microdescriptor consensus in the shape tor 0.4.9
// serves, with two routers: A with all gate flags, B without HSDir.
func sampleConsensus(t *testing.T) string {
	return `network-status-version 3 microdesc
vote-status consensus
consensus-method 34
valid-after 2026-11-26 11:35:10
fresh-until 2026-11-26 11:35:20
valid-until 2026-11-26 11:35:30
voting-delay 2 2
known-flags Authority Exit Fast Guard HSDir Running Stable V2Dir Valid
dir-source auth0 ` + fprA + ` 127.0.0.1 127.0.0.1 35343 33435
r auth0 ` + b64id(t, fprA) + ` 2026-11-26 11:35:08 127.0.0.1 33435 35343
m mdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
s Authority Exit Fast Guard HSDir Running Stable V2Dir Valid
v Tor 0.4.9.8
w Bandwidth=0 Unmeasured=1
r relay0 ` + b64id(t, fprB) + ` 2026-11-26 11:35:08 127.0.0.1 40000 40001
m mdBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
s Exit Fast Guard Running Stable V2Dir Valid
v Tor 0.4.9.8
w Bandwidth=0 Unmeasured=1
directory-footer
bandwidth-weights Wbd=3333
directory-signature sha256 ` + fprA + ` 0000000000000000000000000000000000000000
-----BEGIN SIGNATURE-----
AAAA
-----END SIGNATURE-----
`
}

func TestParseMicrodescConsensus(t *testing.T) {
	doc := sampleConsensus(t)
	c, err := parseMicrodescConsensus([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 26, 11, 35, 10, 0, time.UTC); !c.validAfter.Equal(want) {
		t.Errorf("valid-after %v, want %v", c.validAfter, want)
	}
	if len(c.routers) != 2 {
		t.Fatalf("%d routers, want 2", len(c.routers))
	}
	a, b := c.routers[0], c.routers[1]
	if a.nick != "auth0" || a.identity != fprA || a.md != "mdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" || !slices.Contains(a.flags, "HSDir") {
		t.Errorf("router A: %+v", a)
	}
	if b.identity != fprB || slices.Contains(b.flags, "HSDir") {
		t.Errorf("router B: %+v", b)
	}

	if _, err := parseMicrodescConsensus([]byte(doc[:strings.Index(doc, "directory-footer")])); err == nil {
		t.Error("truncated consensus accepted")
	}
	if _, err := parseMicrodescConsensus([]byte("<html>404</html>\n")); err == nil {
		t.Error("non-consensus accepted")
	}
}

func TestCheckConsensus(t *testing.T) {
	c, err := parseMicrodescConsensus([]byte(sampleConsensus(t)))
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{nodes: []*node{{name: "auth0", fpr: fprA}, {name: "relay0", fpr: fprB}}}
	why, mds := n.checkConsensus(c.routers)
	if why == "" || mds != nil || !strings.Contains(why, "relay0 lacks HSDir") || !strings.Contains(why, "1/2") {
		t.Errorf("checkConsensus = %q, %v; want relay0 lacking HSDir", why, mds)
	}
	n.nodes[1].fpr = strings.Repeat("AB", 20)
	if why, _ := n.checkConsensus(c.routers); !strings.Contains(why, "relay0 absent") {
		t.Errorf("checkConsensus = %q, want relay0 absent", why)
	}
	n.nodes = n.nodes[:1]
	why, mds = n.checkConsensus(c.routers)
	if why != "" || !slices.Equal(mds, []string{"mdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
		t.Errorf("checkConsensus = %q, %v; want pass", why, mds)
	}
}

func TestMicrodescDigests(t *testing.T) {
	md1 := "onion-key\nntor-onion-key AAAA\nfamily $X\nid ed25519 BBBB\n"
	md2 := "onion-key\nntor-onion-key CCCC\nid ed25519 DDDD\n"
	digest := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return base64.RawStdEncoding.EncodeToString(sum[:])
	}
	got := microdescDigests([]byte(md1 + md2))
	if want := []string{digest(md1), digest(md2)}; !slices.Equal(got, want) {
		t.Errorf("digests %v, want %v", got, want)
	}
	if got := microdescDigests(nil); len(got) != 0 {
		t.Errorf("digests of nothing: %v", got)
	}
}

func TestVoteAlignDelay(t *testing.T) {
	base := time.Unix(1_800_000_000, 0) // a multiple of 5 s: a valid-after time
	for _, tc := range []struct {
		phase time.Duration
		want  time.Duration
	}{
		{0, 0},
		{700 * time.Millisecond, 0},
		{800 * time.Millisecond, 2250 * time.Millisecond},
		{1500 * time.Millisecond, 1550 * time.Millisecond},
		{2990 * time.Millisecond, 60 * time.Millisecond},
		{3 * time.Second, 0},
		{4900 * time.Millisecond, 0},
	} {
		if got := voteAlignDelay(base.Add(tc.phase)); got != tc.want {
			t.Errorf("phase %v: delay %v, want %v", tc.phase, got, tc.want)
		}
	}
}

func TestFingerprintParsing(t *testing.T) {
	got, err := parseListFingerprint([]byte("auth0 70E7 1FE8 6921 287C 88AA 1C8F 990B 9F2C C533 A82C\n"), "auth0")
	if err != nil || got != fprA {
		t.Errorf("parseListFingerprint = %q, %v", got, err)
	}
	if _, err := parseListFingerprint([]byte("other 70E7 1FE8 6921 287C 88AA 1C8F 990B 9F2C C533 A82C\n"), "auth0"); err == nil {
		t.Error("fingerprint of another nickname accepted")
	}
	cert := "dir-key-certificate-version 3\nfingerprint " + strings.ToLower(fprB) + "\ndir-key-published 2026-11-26 11:09:00\n"
	if got, err := certFingerprint([]byte(cert)); err != nil || got != fprB {
		t.Errorf("certFingerprint = %q, %v", got, err)
	}
	if _, err := certFingerprint([]byte("dir-key-certificate-version 3\n")); err == nil {
		t.Error("certificate without fingerprint accepted")
	}
}

func TestTorrc(t *testing.T) {
	n := &Network{nodes: []*node{
		{name: "auth0", auth: true, dir: "/d/auth0", orPort: 1000, dirPort: 1001, fpr: fprA, v3ident: fprB},
		{name: "relay0", dir: "/d/relay0", orPort: 2000, dirPort: 2001, fpr: fprB},
	}}
	authLine := "DirAuthority auth0 orport=1000 no-v2 v3ident=" + fprB + " 127.0.0.1:1001 " + fprA
	client := n.ClientTorrc()
	if client[0] != "TestingTorNetwork 1" || !slices.Contains(client, authLine) || len(client) != 4 {
		t.Errorf("ClientTorrc = %q", client)
	}
	for _, nd := range n.nodes {
		lines := strings.Split(strings.TrimSpace(n.torrc(nd)), "\n")
		if lines[0] != "TestingTorNetwork 1" {
			t.Errorf("%s: first line %q", nd.name, lines[0])
		}
		for _, want := range []string{authLine, "DataDirectory " + nd.dir, "Address 127.0.0.1", "AssumeReachable 1",
			"TestingDirAuthVoteHSDir *", "TestingDirAuthVoteGuard *", "GeoIPFile", "GeoIPv6File"} {
			if !slices.Contains(lines, want) {
				t.Errorf("%s: no line %q", nd.name, want)
			}
		}
		if got := slices.Contains(lines, "AuthoritativeDirectory 1"); got != nd.auth {
			t.Errorf("%s: AuthoritativeDirectory present %v, want %v", nd.name, got, nd.auth)
		}
	}
}

// fakeTor writes a tor and a tor-gencert that generate keys like the real
// ones but refuse to run, and returns the tor's path.
func fakeTor(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	tor := `#!/bin/sh
nick=x
list=0
while [ $# -gt 0 ]; do
	case "$1" in
	--Nickname) nick="$2"; shift ;;
	--list-fingerprint) list=1 ;;
	esac
	shift
done
if [ $list = 1 ]; then
	echo "$nick 0422 DF12 DF68 043E E498 E992 62D5 7046 386B 1E59"
	exit 0
fi
echo "fake tor refuses to start"
exit 3
`
	gencert := `#!/bin/sh
while [ $# -gt 0 ]; do
	if [ "$1" = "-c" ]; then cert="$2"; fi
	shift
done
printf 'dir-key-certificate-version 3\nfingerprint 70E71FE86921287C88AA1C8F990B9F2CC533A82C\n' > "$cert"
`
	for name, text := range map[string]string{"tor": tor, "tor-gencert": gencert} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(bin, "tor")
}

func TestStartErrors(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake tor")
	}
	ctx := context.Background()
	if _, err := Start(ctx, Config{}); err == nil || !strings.HasPrefix(err.Error(), "tornet: ") {
		t.Errorf("Start without Dir: %v", err)
	}
	if _, err := Start(ctx, Config{Dir: t.TempDir(), TorPath: filepath.Join(t.TempDir(), "no-tor")}); err == nil {
		t.Error("Start with a missing tor succeeded")
	}

	tor := fakeTor(t)
	dir := t.TempDir()
	_, err := Start(ctx, Config{Dir: dir, TorPath: tor, Authorities: 1, Relays: -1})
	if err == nil {
		t.Fatal("Start with a tor that exits succeeded")
	}
	t.Logf("error: %v", err)
	for _, want := range []string{"tornet: ", "auth0", "exited during start", "fake tor refuses to start"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	// The fake certificate's fingerprint reached the torrc.
	torrc, err := os.ReadFile(filepath.Join(dir, "auth0", "torrc"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(torrc), "v3ident="+fprA+" ") || !strings.Contains(string(torrc), " "+fprB+"\n") {
		t.Errorf("torrc lacks the generated fingerprints:\n%s", torrc)
	}

	// A used Dir is refused.
	_, err = Start(ctx, Config{Dir: dir, TorPath: tor, Authorities: 1, Relays: -1})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Start in a used Dir: %v", err)
	}

	// A cancelled ctx stops Start.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Start(cctx, Config{Dir: t.TempDir(), TorPath: tor}); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled ctx: %v", err)
	}
}

// TestProcessGone: a running process is not gone; one that exited but was
// not reaped (a zombie, on which kill(pid, 0) still succeeds) is, and so is
// one reaped.
func TestProcessGone(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if ProcessGone(os.Getpid()) {
		t.Fatal("ProcessGone(self)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$") // runs no test, exits at once
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Not waited for: once it exits it stays a zombie until cmd.Wait.
	for deadline := time.Now().Add(60 * time.Second); !ProcessGone(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child %d not gone 60 s after it started", pid)
		}
	}
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err := syscall.Kill(pid, 0); err != nil || !strings.Contains(string(stat), ") Z ") {
		t.Errorf("child %d: kill(pid, 0) = %v, stat %q: want a zombie", pid, err, stat)
	}
	cmd.Wait()
	if !ProcessGone(pid) {
		t.Errorf("reaped child %d not gone", pid)
	}
}
