package fcp

import (
	"path"
	"strings"
)

// mimeTypes maps a file name's extension (lower case, without the dot) to
// the MIME type Hyphanet's node gives a file so named when its client says
// none (fred's DefaultMIMETypes, the common part): a site's index.html is
// then served as text/html. A fixed table, not the system's mime.types, so
// that the same file gets the same metadata on every node.
var mimeTypes = map[string]string{
	"html": "text/html", "htm": "text/html", "shtml": "text/html",
	"css": "text/css", "txt": "text/plain", "text": "text/plain", "asc": "text/plain", "diff": "text/plain",
	"csv": "text/comma-separated-values", "js": "application/x-javascript", "json": "application/json",
	"xml": "application/xml", "xsl": "application/xml", "pdf": "application/pdf",
	"png": "image/png", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg",
	"svg": "image/svg+xml", "svgz": "image/svg+xml", "ico": "image/x-icon", "webp": "image/webp", "avif": "image/avif",
	"mp3": "audio/mpeg", "m4a": "audio/mpeg", "ogg": "application/ogg", "flac": "audio/flac",
	"mp4": "video/mp4", "webm": "video/webm", "mkv": "video/matroska",
	"zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar",
}

// GuessContentType returns the MIME type for a file named name by its
// extension, or "" when the table has none (the insert then carries no
// type, and a fetch reports application/octet-stream, as fred's default).
func GuessContentType(name string) string {
	ext := strings.TrimPrefix(path.Ext(name), ".")
	return mimeTypes[strings.ToLower(ext)]
}
