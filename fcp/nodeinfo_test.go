package fcp

import "testing"

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
