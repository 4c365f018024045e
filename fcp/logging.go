package fcp

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// What the server refuses a client, or fails for it, is logged so that a
// person debugging a client sees what the node saw (docs/fcp.md, Logging):
// at Debug, or at Warn when the node itself is at fault (an internal or
// disk error). The records name the message, the identifier, the code and
// the descriptions, never data, with key material taken out (logSafe).

// logProtocolError logs pe, sent to the client in reply to its message
// named msg ("" when the message could not be read).
func (c *conn) logProtocolError(msg string, pe *fcpwire.ProtocolError) {
	level := slog.LevelDebug
	if pe.Code == fcpwire.CodeInternalError || pe.Code == fcpwire.CodeIOError {
		level = slog.LevelWarn
	}
	if !c.s.cfg.Logger.Enabled(context.Background(), level) {
		return // logSafe's work only for a log that keeps the record
	}
	attrs := c.logAttrs()
	if msg != "" {
		attrs = append(attrs, slog.String("message", msg))
	}
	if pe.Identifier != "" {
		attrs = append(attrs, slog.String("identifier", logSafe(pe.Identifier)))
	}
	attrs = append(attrs,
		slog.Int("code", pe.Code),
		slog.String("description", fcpwire.CodeDescription(pe.Code)))
	if pe.Extra != "" {
		attrs = append(attrs, slog.String("extra", logSafe(pe.Extra)))
	}
	attrs = append(attrs, slog.Bool("fatal", pe.Fatal))
	c.s.cfg.Logger.LogAttrs(context.Background(), level, "fcp: ProtocolError", attrs...)
}

// logAttrs names the connection's client once it has said hello.
func (c *conn) logAttrs() []slog.Attr {
	if !c.hello {
		return []slog.Attr{slog.Bool("hello", false)}
	}
	return []slog.Attr{slog.String("client", logSafe(c.name))}
}

// logFailure logs a request's GetFailed or PutFailed message m.
func (r *request) logFailure(m *fcpwire.Message) {
	code, _ := strconv.Atoi(m.Get("Code"))
	level := slog.LevelDebug
	if (m.Name == "GetFailed" && code == fcpwire.FetchInternalError) ||
		(m.Name == "PutFailed" && code == fcpwire.InsertInternalError) {
		level = slog.LevelWarn
	}
	if !r.s.cfg.Logger.Enabled(context.Background(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("client", logSafe(r.Client)),
		slog.String("identifier", logSafe(r.ID)),
		slog.Bool("global", r.Global),
		slog.Int("code", code),
		slog.String("description", m.Get("CodeDescription")),
	}
	if x := m.Get("ExtraDescription"); x != "" {
		attrs = append(attrs, slog.String("extra", logSafe(x)))
	}
	attrs = append(attrs, slog.String("fatal", m.Get("Fatal")))
	r.s.cfg.Logger.LogAttrs(context.Background(), level, "fcp: "+m.Name, attrs...)
}

// logSafe returns s fit for the log: an SSK or USK insert URI in it is
// replaced by its request URI (as the client layer's messages redact them),
// a URI that does not parse by its type alone ("SSK@…"), and, outside
// URIs, any run of 43 or more characters of Freenet's base64 alphabet (a
// key's field quoted alone, as a URI parse error does: a 32-byte key is
// 43 characters) by "…".
func logSafe(s string) string {
	if !mayHoldKey(s) {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(logSafeToken(s[start:end]))
			start = -1
		}
	}
	for i, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune("\"'`<>()[]{}", r) {
			flush(i)
			b.WriteRune(r)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return b.String()
}

// mayHoldKey is a quick test: no '@' and no long base64 run means no key.
func mayHoldKey(s string) bool {
	return strings.Contains(s, "@") || longBase64Run(s) >= 0
}

// logSafeToken redacts one token of logSafe (text between spaces, quotes
// and brackets).
func logSafeToken(t string) string {
	up := strings.ToUpper(t)
	at := -1
	for _, p := range []string{"CHK@", "SSK@", "USK@", "KSK@"} {
		if i := strings.Index(up, p); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 {
		return elideBase64(t)
	}
	prefix, uri := t[:at], t[at:]
	typ := strings.ToUpper(uri[:3])
	// A URI at the end of a sentence or list: keep the mark out of it.
	trail := ""
	for len(uri) > 4 && strings.ContainsRune(".,;:", rune(uri[len(uri)-1])) {
		trail = uri[len(uri)-1:] + trail
		uri = uri[:len(uri)-1]
	}
	if keyPart, _, _ := strings.Cut(uri[4:], "/"); keyPart == "" {
		// "CHK@", "SSK@/name": the shapes of a ClientPut URI that asks
		// the node for a key hold none.
		return elideBase64(prefix) + uri + trail
	}
	u, err := keys.Parse(uri)
	if err != nil {
		return elideBase64(prefix) + typ + "@…" + trail
	}
	if u.IsInsert() {
		req, err := u.RequestURI()
		if err != nil {
			return elideBase64(prefix) + typ + "@…" + trail
		}
		return elideBase64(prefix) + req.String() + trail
	}
	return elideBase64(prefix) + uri + trail
}

// elideBase64 replaces each run of minKeyRun or more characters of
// Freenet's base64 alphabet in t by "…".
func elideBase64(t string) string {
	for {
		i := longBase64Run(t)
		if i < 0 {
			return t
		}
		j := i
		for j < len(t) && isKeyChar(t[j]) {
			j++
		}
		t = t[:i] + "…" + t[j:]
	}
}

// minKeyRun is the shortest run of base64 characters logSafe takes for key
// material: a 32-byte key (an SSK's private key, any URI's routing or
// crypto key) is 43 characters.
const minKeyRun = 43

// longBase64Run returns where the first run of minKeyRun or more
// characters of Freenet's base64 alphabet in s starts, or -1.
func longBase64Run(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isKeyChar(s[i]) {
			n++
			if n == minKeyRun {
				return i - minKeyRun + 1
			}
			continue
		}
		n = 0
	}
	return -1
}

// isKeyChar reports whether c is in Freenet's base64 alphabet, which
// hams's URIs write their keys in.
func isKeyChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '~' || c == '-'
}
