package fcp

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryMessage checks that docs/fcp.md names every message the
// server handles, refuses or knows as node-to-client.
func TestDocsListEveryMessage(t *testing.T) {
	b, err := os.ReadFile("../docs/fcp.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var names []string
	for n := range handlers {
		names = append(names, n)
	}
	for n := range refused {
		names = append(names, n)
	}
	for n := range serverOnly {
		names = append(names, n)
	}
	names = append(names, "ClientHello")
	for _, n := range names {
		if !strings.Contains(doc, n) {
			t.Errorf("docs/fcp.md does not mention %s", n)
		}
	}
}
