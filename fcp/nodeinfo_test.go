package fcp

import (
	"strconv"
	"strings"
	"testing"
)

// TestNodeInfoFields: NodeHello and NodeData carry Config.NodeInfo, and a
// server told nothing says that its version and build are not known
// instead of claiming one.
func TestNodeInfoFields(t *testing.T) {
	for _, tc := range []struct {
		name                             string
		info                             NodeInfo
		version, build, revision, ident  string
		lastGood, nodeName, codecs, lang string
	}{
		{"given", NodeInfo{Node: "hams-x", Version: "hams,9.8", Build: 20260304, Revision: "abc-dirty", Identity: "SomeIdentity", CompressionCodecs: "0 - GZIP", NodeLanguage: "ARABIC"},
			"hams,9.8", "20260304", "abc-dirty", "SomeIdentity", "hams,9.8,20260304", "hams-x", "0 - GZIP", "ARABIC"},
		{"defaults", NodeInfo{},
			"hams,unknown", "0", "unknown", "", "hams,unknown,0", "hams", "0 - GZIP", "ENGLISH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.NodeInfo = tc.info
			h := newHarness(t, cfg)
			c := h.dial()
			c.send("ClientHello", "Name", "info", "ExpectedVersion", "2.0")
			hello := c.expect("NodeHello")
			for _, f := range []struct{ key, want string }{
				{"FCPVersion", "2.0"}, {"Node", tc.nodeName}, {"Version", tc.version}, {"Build", tc.build},
				{"Revision", tc.revision}, {"CompressionCodecs", tc.codecs}, {"NodeLanguage", tc.lang},
			} {
				if got := hello.Get(f.key); got != f.want {
					t.Errorf("NodeHello %s=%q, want %q", f.key, got, f.want)
				}
			}
			c.send("GetNode", "Identifier", "n")
			nd := c.expect("NodeData")
			for _, f := range []struct{ key, want string }{
				{"Identifier", "n"}, {"opennet", "false"}, {"identity", tc.ident},
				{"version", tc.version}, {"lastGoodVersion", tc.lastGood},
			} {
				if got, ok := nd.Lookup(f.key); !ok || got != f.want {
					t.Errorf("NodeData %s=%q (present %v), want %q", f.key, got, ok, f.want)
				}
			}
		})
	}
}

// TestNodeDataPrivate: NodeData always carries what a client can use
// without learning about the person who runs the node (identity, version,
// lastGoodVersion, opennet); the node's name and location only when GetNode
// asks WithPrivate=true, and never anything the node does not have.
func TestNodeDataPrivate(t *testing.T) {
	for _, tc := range []struct {
		name             string
		info             NodeInfo
		private          bool
		opennet          string
		myName, location string // "" absent
	}{
		{"public", NodeInfo{Opennet: true, Name: "alice", Location: func() (float64, bool) { return 0.25, true }}, false, "true", "", ""},
		{"private", NodeInfo{Opennet: true, Name: "alice", Location: func() (float64, bool) { return 0.25, true }}, true, "true", "alice", "0.25"},
		{"private, nothing to give", NodeInfo{Location: func() (float64, bool) { return 0, false }}, true, "false", "", ""},
		{"private, no location func", NodeInfo{Name: "bob"}, true, "false", "bob", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.NodeInfo = tc.info
			h := newHarness(t, cfg)
			c := h.hello("private")
			c.send("GetNode", "WithPrivate", strconv.FormatBool(tc.private))
			nd := c.expect("NodeData")
			if got := nd.Get("opennet"); got != tc.opennet {
				t.Errorf("opennet=%q, want %q", got, tc.opennet)
			}
			for _, f := range []struct{ key, want string }{{"myName", tc.myName}, {"location", tc.location}} {
				got, ok := nd.Lookup(f.key)
				if ok != (f.want != "") || got != f.want {
					t.Errorf("%s=%q (present %v), want %q", f.key, got, ok, f.want)
				}
			}
			for _, f := range nd.Fields {
				if strings.Contains(strings.ToLower(f.Name), "priv") || strings.HasPrefix(f.Name, "ark") || strings.HasPrefix(f.Name, "physical") {
					t.Errorf("NodeData has %s", f.Name)
				}
			}
		})
	}
}
