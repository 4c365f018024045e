package fcp

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocsListEveryMessage checks that docs/fcp.md lists every message the
// server handles, refuses or knows as node-to-client, each where it belongs
// (see docMessages), and no message the server does not know.
func TestDocsListEveryMessage(t *testing.T) {
	b, err := os.ReadFile("../docs/fcp.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDocMessages(string(b)) {
		t.Error("docs/fcp.md: " + p)
	}
}

// TestDocsCheckSeesMissingNames: checkDocMessages reports a message that
// docs/fcp.md names only in passing, not where it belongs.
func TestDocsCheckSeesMissingNames(t *testing.T) {
	b, err := os.ReadFile("../docs/fcp.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		// NodeData stays mentioned (GetNode's section) without its row.
		{"row removed", "\n| NodeData |", "\n| NodeDatum |", "NodeData is not"},
		{"heading removed", "\n### ClientGet — supported", "\n### Fetching — supported", "ClientGet has no"},
		{"refused one removed", "`Filter`", "Filter", "Filter is not"},
		{"never-sent one removed", "`ProbeUptime`", "ProbeUptime", "ProbeUptime is not"},
		{"unknown row", "\n| NodeHello |", "\n| NodeHello |x|\n| NodeGreeting |", "NodeGreeting, in the node-to-client table,"},
		{"unknown heading", "\n### Void — supported", "\n### Void / Nothing — supported", "Nothing, in a client-to-node heading,"},
	} {
		if !strings.Contains(doc, tc.old) {
			t.Fatalf("%s: docs/fcp.md has no %q to change", tc.name, tc.old)
		}
		broken := strings.Replace(doc, tc.old, tc.new, 1)
		problems := checkDocMessages(broken)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
			t.Errorf("%s: problems %q, want one containing %q", tc.name, problems, tc.want)
		}
	}
}

// docMessages is what docs/fcp.md says about message names.
type docMessages struct {
	// headings: names in the headings of "## Client to node" (### and
	// ####) that name messages: the title before " — " (after a "Label:"
	// prefix) is a list of names separated by "/" or ",", e.g.
	// "### RemoveRequest / RemovePersistentRequest — supported".
	headings map[string]bool
	// refused: the `code` names of "### Refused" up to the next heading.
	refused map[string]bool
	// sent: the first cells of the rows of the table in "## Node to
	// client" (| Message | Fields |).
	sent map[string]bool
	// neverSent: the `code` names of the paragraph that starts "Never sent
	// by hams" in "## Node to client".
	neverSent map[string]bool
}

var (
	docName     = regexp.MustCompile(`^[A-Z][A-Za-z]*$`)
	docCodeName = regexp.MustCompile("`([A-Z][A-Za-z]*)`")
)

// parseDocMessages reads the message names out of docs/fcp.md's structure.
func parseDocMessages(doc string) docMessages {
	d := docMessages{headings: map[string]bool{}, refused: map[string]bool{}, sent: map[string]bool{}, neverSent: map[string]bool{}}
	var section, sub string // current "## " and "### " headings
	inNeverSent := false
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "## "):
			section, sub = strings.TrimPrefix(line, "## "), ""
			inNeverSent = false
			continue
		case strings.HasPrefix(line, "### "), strings.HasPrefix(line, "#### "):
			title := strings.TrimLeft(line, "# ")
			if strings.HasPrefix(line, "### ") {
				sub = title
			}
			inNeverSent = false
			if section != "Client to node" {
				continue
			}
			title, _, _ = strings.Cut(title, " — ")
			if _, list, ok := strings.Cut(title, ": "); ok {
				title = list
			}
			parts := strings.FieldsFunc(title, func(r rune) bool { return r == '/' || r == ',' })
			names := make([]string, 0, len(parts))
			for _, p := range parts {
				if p = strings.TrimSpace(p); docName.MatchString(p) {
					names = append(names, p)
				}
			}
			if len(names) == len(parts) { // a heading that names messages
				for _, n := range names {
					d.headings[n] = true
				}
			}
			continue
		}
		switch {
		case section == "Client to node" && strings.HasPrefix(sub, "Refused"):
			for _, m := range docCodeName.FindAllStringSubmatch(line, -1) {
				d.refused[m[1]] = true
			}
		case section == "Node to client":
			if strings.HasPrefix(line, "|") {
				cells := strings.Split(line, "|")
				first := strings.TrimSpace(cells[1])
				if first == "Message" || strings.HasPrefix(first, "---") {
					continue // the table's head
				}
				d.sent[first] = true
				continue
			}
			if strings.HasPrefix(line, "Never sent by hams") {
				inNeverSent = true
			}
			if strings.TrimSpace(line) == "" {
				inNeverSent = false
			}
			if inNeverSent {
				for _, m := range docCodeName.FindAllStringSubmatch(line, -1) {
					d.neverSent[m[1]] = true
				}
			}
		}
	}
	return d
}

// checkDocMessages returns what is wrong with the message names of doc
// (docs/fcp.md): every message the server handles (and ClientHello) has a
// client-to-node heading, every refused one is listed under "Refused",
// every node-to-client one is a row of the node-to-client table or listed
// as never sent (not both); and every name in those places is one the
// server knows.
func checkDocMessages(doc string) []string {
	d := parseDocMessages(doc)
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	handled := map[string]bool{"ClientHello": true}
	for n := range handlers {
		handled[n] = true
	}
	for _, n := range sortedNames(handled) {
		if !d.headings[n] {
			add("%s has no client-to-node heading (### %s — …)", n, n)
		}
	}
	for _, n := range sortedNames(refused) {
		if !d.refused[n] {
			add("%s is not listed (`%s`) under Refused", n, n)
		}
	}
	for _, n := range sortedNames(serverOnly) {
		switch {
		case !d.sent[n] && !d.neverSent[n]:
			add("%s is not a row of the node-to-client table nor listed (`%s`) as never sent", n, n)
		case d.sent[n] && d.neverSent[n]:
			add("%s is both a row of the node-to-client table and listed as never sent", n)
		}
	}
	for _, n := range sortedNames(d.headings) {
		if !handled[n] {
			add("%s, in a client-to-node heading, is not a message the server handles", n)
		}
	}
	for _, n := range sortedNames(d.refused) {
		if !refused[n] && !handled[n] {
			add("%s, under Refused, is not a message the server knows", n)
		}
	}
	for _, n := range sortedNames(d.sent) {
		if !serverOnly[n] {
			add("%s, in the node-to-client table, is not a node-to-client message", n)
		}
	}
	for _, n := range sortedNames(d.neverSent) {
		if !serverOnly[n] {
			add("%s, listed as never sent, is not a node-to-client message", n)
		}
	}
	return problems
}

// sortedNames returns the keys of m, sorted.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
