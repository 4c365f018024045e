package fcp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileHashFormula: fileHash is fred's formula, base64(SHA-256(
// ConnectionIdentifier + "-" + Identifier + "-" + content)), checked
// against a value computed apart from it (Python's hashlib and base64)
// and against the formula written out.
func TestFileHashFormula(t *testing.T) {
	const connID = "af5570f5a1810b7af78caf4bc70a660f"
	got, err := fileHash(connID, "fh1", strings.NewReader("Hello, FileHash!\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "eElUvoczGGkFwxa4GUksJ8tTxt8apFfKAEtPjwLvv1w="; got != want {
		t.Errorf("fileHash = %s, want %s", got, want)
	}
	sum := sha256.Sum256([]byte(connID + "-fh1-Hello, FileHash!\n"))
	if dec, ok := decodeFileHash(got); !ok || !bytes.Equal(dec, sum[:]) {
		t.Errorf("decodeFileHash(%s) = %x, %v; want %x", got, dec, ok, sum)
	}
}

// TestDecodeFileHash: fred's Base64.decodeStandard, then Base64.decode
// (Freenet's alphabet); trailing '=' optional; anything else refused.
func TestDecodeFileHash(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte // nil: refused
	}{
		{"AAEC", []byte{0, 1, 2}},
		{"+/8=", []byte{0xfb, 0xff}},
		{"+/8", []byte{0xfb, 0xff}},
		{"~-8", []byte{0xfb, 0xff}},
		{"~-8==", []byte{0xfb, 0xff}},
		{"", []byte{}},
		{"+-8", nil}, // the two alphabets mixed
		{"A", nil},   // a length fred refuses
		{"AA*A", nil},
		{"AA A", nil},
	} {
		got, ok := decodeFileHash(tc.in)
		switch {
		case tc.want == nil && ok:
			t.Errorf("decodeFileHash(%q) = %x, want refused", tc.in, got)
		case tc.want != nil && (!ok || !bytes.Equal(got, tc.want)):
			t.Errorf("decodeFileHash(%q) = %x, %v; want %x", tc.in, got, ok, tc.want)
		}
	}
}

// TestUploadAllowedDirs: Config.UploadAllowedDirs bounds every disk upload
// with ProtocolError 24, as fred's node.uploadAllowedDirs, whether the
// client proves access by FileHash or by TestDDA; a symbolic link out of
// an allowed directory does not get out.
func TestUploadAllowedDirs(t *testing.T) {
	allowed, other := t.TempDir(), t.TempDir()
	write := func(dir, name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	in := write(allowed, "in.txt", "inside\n")
	out := write(other, "out.txt", "outside\n")
	link := filepath.Join(allowed, "link.txt")
	if err := os.Symlink(out, link); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.UploadAllowedDirs = []string{allowed}
	h := newHarness(t, cfg)
	c, connID := helloID(h, "allowed")

	put := func(id, file string) {
		t.Helper()
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		hash, err := fileHash(connID, id, f)
		if err != nil {
			t.Fatal(err)
		}
		c.send("ClientPut", "URI", "CHK@", "Identifier", id, "UploadFrom", "disk", "Filename", file, "FileHash", hash)
	}
	put("in", in)
	c.expect("URIGenerated")
	c.expect("PutFetchable")
	c.expect("PutSuccessful")
	for _, tc := range []struct{ id, file string }{{"out", out}, {"link", link}} {
		put(tc.id, tc.file)
		m := c.expectError("24")
		if want := "Not allowed to upload from " + tc.file; m.Get("ExtraDescription") != want || m.Get("Identifier") != tc.id {
			t.Errorf("%s: %s", tc.id, m)
		}
	}

	// TestDDA read access to a directory the node does not allow: 24 all
	// the same, for ClientPut, ClientPutDiskDir and ClientPutComplexDir.
	c.send("TestDDARequest", "Directory", other, "WantReadDirectory", "true")
	reply := c.expect("TestDDAReply")
	content, err := os.ReadFile(reply.Get("ReadFilename"))
	if err != nil {
		t.Fatal(err)
	}
	c.send("TestDDAResponse", "Directory", other, "ReadContent", string(content))
	if m := c.expect("TestDDAComplete"); m.Get("ReadDirectoryAllowed") != "true" {
		t.Fatalf("TestDDA: %s", m)
	}
	c.send("ClientPut", "URI", "CHK@", "Identifier", "dda", "UploadFrom", "disk", "Filename", out)
	c.expectError("24")
	c.send("ClientPutDiskDir", "URI", "CHK@", "Identifier", "dir", "Filename", other)
	c.expectError("24")
	c.send("ClientPutComplexDir", "URI", "CHK@", "Identifier", "cdir",
		"Files.0.Name", "a", "Files.0.UploadFrom", "disk", "Files.0.Filename", out)
	c.expectError("24")

	// No list at all: nothing may be uploaded from disk.
	cfg = testConfig(t)
	cfg.UploadAllowedDirs = []string{}
	h = newHarness(t, cfg)
	c, connID = helloID(h, "none")
	put("in", in)
	c.expectError("24")
}

// helloID dials h and says hello as name; it returns the client and the
// ConnectionIdentifier NodeHello gave it, which salts FileHash.
func helloID(h *harness, name string) (*tclient, string) {
	c := h.dial()
	c.send("ClientHello", "Name", name, "ExpectedVersion", "2.0")
	return c, c.expect("NodeHello").Get("ConnectionIdentifier")
}

// TestUploadAllowedDirsValidate: entries are absolute paths or "all".
func TestUploadAllowedDirsValidate(t *testing.T) {
	for _, dirs := range [][]string{nil, {}, {"all"}, {"/srv/upload", "all"}} {
		if err := (Config{UploadAllowedDirs: dirs}).Validate(); err != nil {
			t.Errorf("%q: %v", dirs, err)
		}
	}
	for _, dirs := range [][]string{{"upload"}, {"/srv", ""}, {"ALL"}} {
		err := (Config{UploadAllowedDirs: dirs}).Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "UploadAllowedDirs" {
			t.Errorf("%q: %v, want a ConfigError for UploadAllowedDirs", dirs, err)
		}
	}
}

// fileHash returns the FileHash a client sends with ClientPut
// UploadFrom=disk: the standard base64 (with padding) of sumFileHash.
func fileHash(connID, identifier string, content io.Reader) (string, error) {
	sum, err := sumFileHash(connID, identifier, content)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sum), nil
}
