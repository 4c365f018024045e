package fcp

import "testing"

// TestGuessContentType: a file's MIME type by its extension, as fred's
// table gives it, whatever the case; none for an unknown or missing one.
func TestGuessContentType(t *testing.T) {
	for name, want := range map[string]string{
		"index.html": "text/html", "INDEX.HTM": "text/html", "site/style.css": "text/css",
		"a.tar.gz": "application/gzip", "photo.JPG": "image/jpeg", "notes.txt": "text/plain",
		"app.js": "application/x-javascript", "README": "", "x.unknownext": "", "": "", ".html": "text/html",
	} {
		if got := GuessContentType(name); got != want {
			t.Errorf("GuessContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
