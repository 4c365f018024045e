package node

import (
	"context"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
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

// fcpExchange connects to n's FCP server, says hello and sends m; it
// returns the node's reply.
func fcpExchange(t *testing.T, n *Node, m *fcpwire.Message) *fcpwire.Message {
	t.Helper()
	nc, err := net.DialTimeout("tcp", n.FCPAddr(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	w, r := fcpwire.NewWriter(nc), fcpwire.NewReader(nc, fcpwire.Limits{})
	hello := &fcpwire.Message{Name: "ClientHello"}
	hello.Set("Name", "node-test-raw").Set("ExpectedVersion", "2.0")
	for _, out := range []*fcpwire.Message{hello, m} {
		if err := w.WriteMessage(out); err != nil {
			t.Fatal(err)
		}
		reply, err := r.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if out == m {
			return reply
		}
	}
	return nil
}

// TestNodeDataAndConfigData: a node with a network gives GetNode its name
// and location when asked WithPrivate=true (a node without one has
// neither), and GetConfig its FCP port and the upload directories it
// was started with.
func TestNodeDataAndConfigData(t *testing.T) {
	upload := t.TempDir()
	tn := startNet(t, 2, 0, 43, func(c *Config) { c.FCPUploadAllowedDirs = []string{upload} })
	a := tn.nodes[0]
	getNode := (&fcpwire.Message{Name: "GetNode"}).Set("WithPrivate", "true")
	nd := fcpExchange(t, a, getNode)
	for _, f := range []struct{ key, want string }{
		{"myName", "node-0"},
		{"location", strconv.FormatFloat(a.Location().Float(), 'f', -1, 64)},
		{"opennet", "false"},
		{"identity", a.net.Identity()},
	} {
		if got, ok := nd.Lookup(f.key); !ok || got != f.want {
			t.Errorf("NodeData %s=%q (present %v), want %q:\n%s", f.key, got, ok, f.want, nd)
		}
	}
	public := fcpExchange(t, a, &fcpwire.Message{Name: "GetNode"})
	for _, k := range []string{"myName", "location"} {
		if v, ok := public.Lookup(k); ok {
			t.Errorf("NodeData without WithPrivate has %s=%q", k, v)
		}
	}

	cd := fcpExchange(t, a, (&fcpwire.Message{Name: "GetConfig"}).Set("WithCurrent", "true"))
	_, port, _ := net.SplitHostPort(a.FCPAddr())
	for _, f := range []struct{ key, want string }{
		{"current.fcp.port", port},
		{"current.fcp.bindTo", "127.0.0.1"},
		{"current.node.uploadAllowedDirs", upload},
		{"current.node.opennet.enabled", "false"},
	} {
		if got, ok := cd.Lookup(f.key); !ok || got != f.want {
			t.Errorf("ConfigData %s=%q (present %v), want %q:\n%s", f.key, got, ok, f.want, cd)
		}
	}

	alone := startNode(t, t.TempDir())
	defer alone.Close()
	nd = fcpExchange(t, alone, getNode)
	for _, k := range []string{"myName", "location"} {
		if v, ok := nd.Lookup(k); ok {
			t.Errorf("NodeData of a node without a network has %s=%q", k, v)
		}
	}
}

// TestNodeConfigRefusesRelativeUploadDir: FCPUploadAllowedDirs entries
// are absolute, as fcp.Config wants them.
func TestNodeConfigRefusesRelativeUploadDir(t *testing.T) {
	err := Config{Dir: t.TempDir(), FCPUploadAllowedDirs: []string{"uploads"}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "UploadAllowedDirs") {
		t.Errorf("Validate = %v, want an UploadAllowedDirs error", err)
	}
}

// TestNodeOpennetReported: an opennet node says so in NodeData and
// ConfigData.
func TestNodeOpennetReported(t *testing.T) {
	tn := startNet(t, 1, 0, 44, func(c *Config) { c.Network.Opennet = true })
	n := tn.nodes[0]
	if got := fcpExchange(t, n, &fcpwire.Message{Name: "GetNode"}).Get("opennet"); got != "true" {
		t.Errorf("NodeData opennet=%q, want true", got)
	}
	cd := fcpExchange(t, n, (&fcpwire.Message{Name: "GetConfig"}).Set("WithCurrent", "true"))
	if got := cd.Get("current.node.opennet.enabled"); got != "true" {
		t.Errorf("ConfigData current.node.opennet.enabled=%q, want true", got)
	}
}
