//go:build unix

package fcp

import (
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// unreadableChildEnv marks the child process TestPutDiskDirUnreadable runs
// as an unprivileged user when the test runs as root.
const unreadableChildEnv = "HAMS_FCP_UNREADABLE_CHILD"

// TestPutDiskDirUnreadable: ClientPutDiskDir skips the files the node cannot
// read when AllowUnreadableFiles=true, and without it fails with code 9
// naming the file, with two kinds of unreadable file:
//
//   - a Unix socket, which no one, root included, can open for reading;
//   - a regular file without read permission. Root reads any file, so as
//     root this case runs in a child process of the test binary as the
//     user nobody, where the permission holds.
func TestPutDiskDirUnreadable(t *testing.T) {
	t.Run("socket", func(t *testing.T) {
		if os.Getenv(unreadableChildEnv) != "" {
			t.Skip("run by the parent")
		}
		testPutDirUnreadable(t, func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		})
	})
	t.Run("no read permission", func(t *testing.T) {
		if os.Geteuid() == 0 {
			if os.Getenv(unreadableChildEnv) != "" {
				t.Fatal("the child process still runs as root")
			}
			runUnprivileged(t, "^TestPutDiskDirUnreadable$/^no_read_permission$")
			return
		}
		testPutDirUnreadable(t, func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, 0); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// testPutDirUnreadable inserts a directory holding index.html, sub/a.txt
// and sub/bad, an unreadable file that makeBad makes: without
// AllowUnreadableFiles the insert fails with code 9 naming sub/bad; with
// it, the other two are inserted and sub/bad is not.
func testPutDirUnreadable(t *testing.T, makeBad func(t *testing.T, path string)) {
	h := newHarness(t, testConfig(t))
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi</p>"), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("a"), 0o600)
	bad := filepath.Join(dir, "sub", "bad")
	makeBad(t, bad)
	if f, err := os.Open(bad); err == nil {
		f.Close()
		t.Fatalf("%s opens for reading: the test needs a file that does not", bad)
	}
	c := h.hello("unreadable")
	testDDA(t, c, dir, true, false)

	c.send("ClientPutDiskDir", "URI", "CHK@", "Identifier", "strict", "Filename", dir, "DefaultName", "index.html")
	if e := c.expectError("9"); !strings.Contains(e.Get("ExtraDescription"), bad) || e.Get("Identifier") != "strict" {
		t.Errorf("without AllowUnreadableFiles: %s, want code 9 naming %s", e, bad)
	}

	c.send("ClientPutDiskDir", "URI", "CHK@", "Identifier", "lenient", "Filename", dir, "DefaultName", "index.html",
		"AllowUnreadableFiles", "true")
	uri := c.expect("URIGenerated").Get("URI")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	for name, want := range map[string]string{"index.html": "<p>hi</p>", "sub/a.txt": "a"} {
		c.send("ClientGet", "URI", uri+"/"+name, "Identifier", "get "+name)
		c.expect("DataFound")
		if got := string(mustRead(t, c.expect("AllData").Data)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	c.send("ClientGet", "URI", uri+"/sub/bad", "Identifier", "get bad")
	c.expect("GetFailed")
}

// runUnprivileged runs the tests that match pattern in a copy of the test
// binary as the user nobody (uid and gid 65534 where there is none), with
// unreadableChildEnv set, and fails t if they fail or do not run.
func runUnprivileged(t *testing.T, pattern string) {
	t.Helper()
	uid, gid := uint32(65534), uint32(65534)
	if u, err := user.Lookup("nobody"); err == nil {
		if id, err := strconv.ParseUint(u.Uid, 10, 32); err == nil {
			uid = uint32(id)
		}
		if id, err := strconv.ParseUint(u.Gid, 10, 32); err == nil {
			gid = uint32(id)
		}
	}
	// The copy and a temporary directory the child can use: t.TempDir's
	// directories are the parent's alone.
	base, err := os.MkdirTemp("", "hams-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	tmp := filepath.Join(base, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "fcp.test")
	copyFile(t, os.Args[0], bin, 0o755)

	cmd := exec.Command(bin, "-test.run="+pattern, "-test.v", "-test.count=1")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), unreadableChildEnv+"=1", "TMPDIR="+tmp, "HOME="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as uid %d: %v\n%s", uid, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child as uid %d did not pass %s:\n%s", uid, t.Name(), out)
	}
	t.Logf("ran as uid %d in a child process", uid)
}

// copyFile copies src to dst with mode perm.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
