package fcp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// decodeFileHash decodes a ClientPut FileHash as fred's ClientPut does:
// trailing '=' are dropped, then the standard alphabet is tried
// (Base64.decodeStandard), then Freenet's (Base64.decode, the alphabet of
// URIs: keys.DecodeBase64).
func decodeFileHash(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	if b, err := keys.DecodeBase64(s); err == nil {
		return b, true
	}
	return nil, false
}

// fileHashSalt is what fred hashes before the file's content for FileHash:
// the connection's identifier (NodeHello's ConnectionIdentifier), "-", the
// request's Identifier, "-", in UTF-8.
func fileHashSalt(connID, id string) string { return connID + "-" + id + "-" }

// sumFileHash returns the digest a ClientPut FileHash carries, as fred
// computes it: SHA-256 over connID (NodeHello's ConnectionIdentifier) +
// "-" + identifier (the ClientPut's) + "-" + the file's content.
func sumFileHash(connID, identifier string, content io.Reader) ([]byte, error) {
	h := sha256.New()
	io.WriteString(h, fileHashSalt(connID, identifier))
	if _, err := io.Copy(h, content); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// checkDiskUpload checks the file of a ClientPut UploadFrom=disk, as fred
// does: the node must allow uploads from its directory
// (Config.UploadAllowedDirs; else 24); then, with a FileHash, the hash
// must decode (else 8) and match the file's (else 25; 26 when it cannot be
// read), which proves the client knows the content and stands in for
// TestDDA; without one, the connection needs TestDDA read access to the
// directory (checkFile).
func (c *conn) checkDiskUpload(m *fcpwire.Message, name, id string) error {
	if !filepath.IsAbs(name) {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s is not an absolute path", name)
	}
	if err := c.checkUploadAllowed(m, name); err != nil {
		return err
	}
	fh, ok := m.Lookup("FileHash")
	if !ok {
		return c.checkFile(m, name)
	}
	want, ok := decodeFileHash(fh)
	if !ok {
		return m.Errorf(fcpwire.CodeInvalidField, "Can't base64 decode FileHash")
	}
	st, err := os.Stat(name)
	if err != nil {
		return m.Errorf(fcpwire.CodeFileNotFound, "%s: %v", name, err)
	}
	if !st.Mode().IsRegular() {
		return m.Errorf(fcpwire.CodeNotAFile, "%s is not a regular file", name)
	}
	// As fred, the file is read here, before the request starts: the
	// connection reads its next message once the hash is known.
	f, err := os.Open(name)
	if err != nil {
		return m.Errorf(fcpwire.CodeCouldNotReadFile, "Unable to access file: %v", err)
	}
	defer f.Close()
	got, err := sumFileHash(c.id, id, f)
	if err != nil {
		return m.Errorf(fcpwire.CodeCouldNotReadFile, "Unable to access file: %v", err)
	}
	if !bytes.Equal(got, want) {
		return m.Errorf(fcpwire.CodeDDADenied, "The hash doesn't match! (salt used : \"%s\")", fileHashSalt(c.id, id))
	}
	return nil
}

// checkUploadAllowed refuses (24) a disk upload's file outside
// Config.UploadAllowedDirs. A path that is not absolute passes: checkFile
// refuses it (9).
func (c *conn) checkUploadAllowed(m *fcpwire.Message, name string) error {
	if !filepath.IsAbs(name) || c.s.uploadAllowed(name) {
		return nil
	}
	return m.Errorf(fcpwire.CodeAccessDenied, "Not allowed to upload from %s", name)
}

// uploadAllowed reports whether Config.UploadAllowedDirs lets disk uploads
// read path (absolute): a file or directory at or under one of them, with
// symbolic links resolved on both sides as fred compares canonical paths.
func (s *Server) uploadAllowed(path string) bool {
	dirs := s.cfg.UploadAllowedDirs
	if dirs == nil {
		return true
	}
	p := resolvePath(path)
	for _, d := range dirs {
		if d == "all" {
			return true
		}
		d = resolvePath(d)
		if p == d || d == string(filepath.Separator) || strings.HasPrefix(p, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// resolvePath returns path with its symbolic links resolved, or cleaned
// when it does not resolve (a file that does not exist: the upload fails
// with 9 later).
func resolvePath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return filepath.Clean(path)
}
