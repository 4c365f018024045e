package node

import (
	"context"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/node/noderef"
)

// TestNodeInfoFromBuildInfo: the revision and build number come from the
// binary's VCS stamp, and say "unknown" and 0 without one.
func TestNodeInfoFromBuildInfo(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.0", Path: "github.com/hamsnet/hams/tools/hams"}
		for i := 0; i < len(kv); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return bi
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name     string
		bi       *debug.BuildInfo
		revision string
		build    int
	}{
		{"no build information", nil, "unknown", 0},
		{"no VCS stamp", vcs("-compiler", "gc", "CGO_ENABLED", "1"), "unknown", 0},
		{"clean checkout", vcs("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-03-04T23:30:00Z", "vcs.modified", "false"), rev, 20260304},
		{"modified checkout", vcs("vcs.revision", rev, "vcs.modified", "true", "vcs.time", "2026-03-04T23:30:00Z"), rev + "-dirty", 20260304},
		{"time in another zone", vcs("vcs.revision", rev, "vcs.time", "2026-03-04T23:30:00-02:00"), rev, 20260305},
		{"bad time", vcs("vcs.revision", rev, "vcs.time", "yesterday"), rev, 0},
	} {
		ni := nodeInfo(tc.bi, "id")
		if ni.Revision != tc.revision || ni.Build != tc.build || ni.Version != "hams,"+Version || ni.Node != "hams" || ni.Identity != "id" {
			t.Errorf("%s: %+v, want Revision %q, Build %d, Version hams,%s, Identity id", tc.name, ni, tc.revision, tc.build, Version)
		}
	}
}

// wantBuild returns the Revision and Build this test binary's node
// reports, read from its build information the way docs/fcp.md says.
func wantBuild(t *testing.T) (revision string, build int) {
	t.Helper()
	revision = "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return revision, 0
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		case "vcs.time":
			tm, err := time.Parse(time.RFC3339, s.Value)
			if err != nil {
				t.Fatalf("vcs.time %q: %v", s.Value, err)
			}
			y, m, d := tm.UTC().Date()
			build = y*10000 + int(m)*100 + d
		}
	}
	if dirty && revision != "unknown" {
		revision += "-dirty"
	}
	return revision, build
}

// TestNodeHelloAndNodeData: over FCP a node reports its own version,
// build and revision in NodeHello and NodeData, and no identity without a
// network.
func TestNodeHelloAndNodeData(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := dial(t, n)
	defer c.Close()
	rev, build := wantBuild(t)
	checkHello(t, c, rev, build)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nd, err := c.GetNode(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := nd.Get("version"); got != "hams,"+Version {
		t.Errorf("NodeData version %q, want hams,%s", got, Version)
	}
	if got, want := nd.Get("lastGoodVersion"), "hams,"+Version+","+strconv.Itoa(build); got != want {
		t.Errorf("NodeData lastGoodVersion %q, want %q", got, want)
	}
	if id, ok := nd.Lookup("identity"); !ok || id != "" {
		t.Errorf("NodeData identity %q (present %v) for a node without a network, want an empty field", id, ok)
	}
}

// TestNodeDataIdentity: a node with a network reports its noderef identity
// in NodeData, the identity its peers list it under.
func TestNodeDataIdentity(t *testing.T) {
	tn := startNet(t, 2, 0, 41, nil)
	a, b := tn.nodes[0], tn.nodes[1]
	ref, err := noderef.Parse(a.Noderef())
	if err != nil {
		t.Fatal(err)
	}
	ca := dial(t, a)
	defer ca.Close()
	rev, build := wantBuild(t)
	checkHello(t, ca, rev, build)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nd, err := ca.GetNode(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	id := nd.Get("identity")
	if id == "" || id != ref.ID() {
		t.Fatalf("NodeData identity %q, want the noderef's %q", id, ref.ID())
	}
	if got := nd.Get("version"); got != "hams,"+Version {
		t.Errorf("NodeData version %q, want hams,%s", got, Version)
	}
	cb := dial(t, b)
	defer cb.Close()
	peers, err := cb.ListPeers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 || peers[0].Identity != id {
		t.Errorf("the peer lists %+v, want one peer of identity %s", peers, id)
	}
}

// checkHello checks the NodeHello c got against the node's version, and
// the revision and build its binary says.
func checkHello(t *testing.T, c *fcpclient.Client, revision string, build int) {
	t.Helper()
	h := c.NodeHello
	for _, f := range []struct{ key, want string }{
		{"Node", "hams"},
		{"Version", "hams," + Version},
		{"Build", strconv.Itoa(build)},
		{"Revision", revision},
	} {
		if got := h.Get(f.key); got != f.want {
			t.Errorf("NodeHello %s=%q, want %q", f.key, got, f.want)
		}
	}
}
