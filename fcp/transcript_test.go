package fcp

import (
	"bufio"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

var update = flag.Bool("update", false, "rewrite the node blocks of fcp/testdata/*.txt from the actual output")

// Transcripts (fcp/testdata/*.txt) are recorded FCP sessions:
//
//	### a comment
//	>>>            what the client sends, byte for byte (until the next header)
//	<<<            what the node sends, message by message
//	<<< closed     the node closes the connection
//	+++ NAME       a file the test writes before going on: NAME in the
//	               transcript's directory {{dir}}, holding the block's
//	               lines (each ending in a newline)
//
// In node blocks a field value may be a pattern: {{*}} matches anything,
// {{name}} matches anything the first time and binds name, then must match
// the bound value. In client blocks {{name}} is replaced by its value.
// {{dir}} is bound from the start to a directory of the transcript's own.
// Each transcript runs on a fresh server with the fake backend, a fixed
// clock (2026-01-02T03:04:05Z, StartupTime=1767323045000) and a
// deterministic random stream, so most values are literal.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runTranscript(t, f) })
	}
}

type block struct {
	header string // ">>>", "<<<", "<<< closed" or "###..."
	body   string
}

func parseTranscript(t *testing.T, text string) []block {
	var out []block
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ">>>") || strings.HasPrefix(line, "<<<") || strings.HasPrefix(line, "###") || strings.HasPrefix(line, "+++ ") {
			out = append(out, block{header: line})
			continue
		}
		if len(out) == 0 {
			t.Fatalf("text before the first block header: %q", line)
		}
		out[len(out)-1].body += line + "\n"
	}
	return out
}

var patRE = regexp.MustCompile(`\{\{([A-Za-z0-9_*]+)\}\}`)

func runTranscript(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks := parseTranscript(t, string(raw))
	cfg := testConfig(t)
	cfg.MaxDataLength = 1 << 20
	h := newHarness(t, cfg)
	c := h.dial()
	vars := map[string]string{"dir": t.TempDir()}
	var rewritten strings.Builder
	for _, b := range blocks {
		rewritten.WriteString(b.header + "\n")
		switch {
		case strings.HasPrefix(b.header, "###"):
			rewritten.WriteString(b.body)
		case strings.HasPrefix(b.header, "+++ "):
			rewritten.WriteString(b.body)
			name := strings.TrimPrefix(b.header, "+++ ")
			if err := os.WriteFile(filepath.Join(vars["dir"], name), []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
		case b.header == ">>>":
			rewritten.WriteString(b.body)
			text := patRE.ReplaceAllStringFunc(b.body, func(p string) string {
				return vars[patRE.FindStringSubmatch(p)[1]]
			})
			if _, err := io.WriteString(c.conn, text); err != nil {
				t.Fatalf("writing client block: %v", err)
			}
		case b.header == "<<< closed":
			rewritten.WriteString(b.body)
			c.expectClosed()
		case b.header == "<<<":
			er := fcpwire.NewReader(strings.NewReader(b.body), fcpwire.Limits{})
			for {
				want, err := er.ReadMessage()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: bad node block: %v", path, err)
				}
				var wantData string
				if want.Data != nil {
					d, _ := io.ReadAll(want.Data)
					wantData = string(d)
				}
				got := c.read()
				var gotData string
				if got.Data != nil {
					d, _ := io.ReadAll(got.Data)
					gotData = string(d)
				}
				rewritten.WriteString(matchMessage(t, want, got, vars))
				if got.Data != nil {
					rewritten.WriteString(gotData + "\n")
				}
				if !*update && gotData != wantData {
					t.Errorf("%s: %s data %q, want %q", path, got.Name, gotData, wantData)
				}
			}
		default:
			t.Fatalf("bad header %q", b.header)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(rewritten.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// matchMessage compares got with want (patterns allowed in values) and
// returns the text to record: want's line where it matched, got's otherwise.
func matchMessage(t *testing.T, want, got *fcpwire.Message, vars map[string]string) string {
	t.Helper()
	var out strings.Builder
	out.WriteString(got.Name + "\n")
	ok := want.Name == got.Name && len(want.Fields) == len(got.Fields)
	for i, f := range got.Fields {
		line := f.Name + "=" + f.Value
		if i < len(want.Fields) && want.Fields[i].Name == f.Name && matchValue(want.Fields[i].Value, f.Value, vars) {
			line = f.Name + "=" + want.Fields[i].Value
		} else {
			ok = false
		}
		out.WriteString(line + "\n")
	}
	if got.Data != nil {
		out.WriteString("Data\n")
	} else {
		out.WriteString("EndMessage\n")
	}
	if !ok && !*update {
		t.Errorf("message mismatch:\ngot:\n%s\nwant:\n%s", got, want)
	}
	return out.String()
}

func matchValue(pattern, v string, vars map[string]string) bool {
	locs := patRE.FindAllStringSubmatchIndex(pattern, -1)
	if len(locs) == 0 {
		return pattern == v
	}
	// Build a regexp from the pattern; bound variables are literal.
	var re strings.Builder
	re.WriteString("^")
	var names []string
	last := 0
	for _, l := range locs {
		re.WriteString(regexp.QuoteMeta(pattern[last:l[0]]))
		name := pattern[l[2]:l[3]]
		switch val, bound := vars[name]; {
		case name == "*":
			re.WriteString("(.*)")
			names = append(names, "")
		case bound:
			re.WriteString("(" + regexp.QuoteMeta(val) + ")")
			names = append(names, "")
		default:
			re.WriteString("(.*)")
			names = append(names, name)
		}
		last = l[1]
	}
	re.WriteString(regexp.QuoteMeta(pattern[last:]) + "$")
	m := regexp.MustCompile(re.String()).FindStringSubmatch(v)
	if m == nil {
		return false
	}
	for i, n := range names {
		if n != "" {
			vars[n] = m[i+1]
		}
	}
	return true
}
