package fcp

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// fakePeers is the fake backend's peer table. Noderefs are checked loosely:
// identity and sig are required; sig=bad fails verification (27),
// identity=self is the node itself (28), and a field fail=TEXT makes AddPeer
// return a plain error TEXT.
type fakePeers struct {
	mu    sync.Mutex
	peers map[string]PeerInfo
	// listErr and removeErr, when set, are what ListPeers and RemovePeer
	// return; extra, when set, is listed after the real peers.
	listErr, removeErr error
	extra              *PeerInfo
	// refs are the noderef texts AddPeer was given, in order.
	refs []string
}

func (f *fakeBackend) AddPeer(ctx context.Context, ref []byte) (PeerInfo, error) {
	text := string(ref)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) == 0 || lines[len(lines)-1] != "End" {
		return PeerInfo{}, errors.New("fake: noderef text does not end with End")
	}
	kv := map[string]string{}
	for _, l := range lines[:len(lines)-1] {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return PeerInfo{}, errors.New("fake: line without '='")
		}
		kv[k] = v
	}
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	f.peers.refs = append(f.peers.refs, text)
	switch {
	case kv["fail"] != "":
		return PeerInfo{}, errors.New(kv["fail"])
	case kv["identity"] == "":
		return PeerInfo{}, &PeerError{Code: fcpwire.CodeRefParseError, Extra: "no identity"}
	case kv["sig"] == "":
		return PeerInfo{}, &PeerError{Code: fcpwire.CodeRefParseError, Extra: "no sig"}
	case kv["sig"] == "bad":
		return PeerInfo{}, &PeerError{Code: fcpwire.CodeRefSignatureInvalid, Extra: "sig does not verify"}
	case kv["identity"] == "self":
		return PeerInfo{}, &PeerError{Code: fcpwire.CodeCannotPeerWithSelf}
	}
	p := PeerInfo{
		Identity: kv["identity"],
		Name:     kv["myName"],
		Status:   PeerNeverConnected,
		AddedAt:  fixedNow(),
	}
	if loc, ok := kv["location"]; ok {
		x, err := strconv.ParseFloat(loc, 64)
		if err != nil {
			return PeerInfo{}, &PeerError{Code: fcpwire.CodeRefParseError, Extra: "bad location"}
		}
		p.Location = x
	}
	if a := kv["physical.udp"]; a != "" {
		p.Addresses = strings.Split(a, ";")
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range append(keys, "sig") {
		p.Fields = append(p.Fields, [2]string{k, kv[k]})
	}
	if f.peers.peers == nil {
		f.peers.peers = map[string]PeerInfo{}
	}
	if old, ok := f.peers.peers[p.Identity]; ok {
		p.Status, p.AddedAt, p.LastConnected = old.Status, old.AddedAt, old.LastConnected
		if _, ok := kv["location"]; !ok {
			p.Location = old.Location
		}
	}
	f.peers.peers[p.Identity] = p
	return p, nil
}

func (f *fakeBackend) ListPeers(ctx context.Context) ([]PeerInfo, error) {
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	return f.peerListLocked()
}

func (f *fakeBackend) peerListLocked() ([]PeerInfo, error) {
	if f.peers.listErr != nil {
		return nil, f.peers.listErr
	}
	var out []PeerInfo
	for _, p := range f.peers.peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	if f.peers.extra != nil {
		out = append(out, *f.peers.extra)
	}
	return out, nil
}

func (f *fakeBackend) RemovePeer(ctx context.Context, id string) (PeerInfo, error) {
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	if f.peers.removeErr != nil {
		return PeerInfo{}, f.peers.removeErr
	}
	list, err := f.peerListLocked()
	if err != nil {
		return PeerInfo{}, err
	}
	i := FindPeer(list, id)
	if i < 0 {
		return PeerInfo{}, ErrUnknownPeer
	}
	delete(f.peers.peers, list[i].Identity)
	return list[i], nil
}

// setPeer changes a peer of the fake's table in place.
func (f *fakeBackend) setPeer(identity string, change func(*PeerInfo)) {
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	p := f.peers.peers[identity]
	change(&p)
	f.peers.peers[identity] = p
}

var _ PeerBackend = (*fakeBackend)(nil)

// Two noderefs in the fake's loose form.
var (
	refAlice = []string{"identity", "AliceAliceAliceAliceAliceAliceAliceAliceAli",
		"myName", "alice", "physical.udp", "192.0.2.1:4000;[2001:db8::1]:4000",
		"location", "0.25", "version", "hams,0.1,7", "sig", "c2lnLWFsaWNl"}
	refBob = []string{"identity", "BobBobBobBobBobBobBobBobBobBobBobBobBobBobBo",
		"myName", "bob", "physical.udp", "198.51.100.7:4000", "sig", "c2lnLWJvYg"}
)

func with(kv []string, more ...string) []string {
	return append(append([]string(nil), kv...), more...)
}

// fieldNames returns m's field names, in order.
func fieldNames(m *fcpwire.Message) []string {
	var out []string
	for _, f := range m.Fields {
		out = append(out, f.Name)
	}
	return out
}

func TestAddListRemovePeer(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("peers")

	c.send("ListPeers", "Identifier", "l0")
	if m := c.expect("EndListPeers"); m.Get("Identifier") != "l0" {
		t.Fatal(m)
	}

	c.send("AddPeer", with([]string{"Identifier", "a1", "Trust", "NORMAL", "Visibility", "NO"}, refAlice...)...)
	m := c.expect("Peer")
	want := []string{"identity", "location", "myName", "physical.udp", "version", "sig",
		"metadata.peerAddedTime", "metadata.neverConnected",
		"volatile.peerAddedTime", "volatile.location", "volatile.status", "Identifier"}
	if got := fieldNames(m); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Peer fields %v, want %v", got, want)
	}
	added := strconv.FormatInt(fixedNow().UnixMilli(), 10)
	for k, v := range map[string]string{
		"identity": refAlice[1], "Identifier": "a1", "volatile.status": "NEVER CONNECTED",
		"volatile.location": "0.25", "metadata.peerAddedTime": added, "sig": "c2lnLWFsaWNl",
	} {
		if m.Get(k) != v {
			t.Errorf("%s=%q, want %q", k, m.Get(k), v)
		}
	}
	// The backend got the noderef without AddPeer's own fields.
	if got := h.b.peers.refs[0]; strings.Contains(got, "Trust") || strings.Contains(got, "Identifier") || !strings.HasSuffix(got, "sig=c2lnLWFsaWNl\nEnd\n") {
		t.Errorf("backend got %q", got)
	}

	// Without Identifier, Trust or Visibility (fred requires the latter two).
	c.send("AddPeer", refBob...)
	if m := c.expect("Peer"); m.Get("myName") != "bob" || m.Get("Identifier") != "" {
		t.Fatal(m)
	}
	h.b.setPeer(refBob[1], func(p *PeerInfo) {
		p.Status, p.LastConnected, p.Location = PeerConnected, fixedNow(), 0.5
	})

	// Adding a known peer again updates it.
	c.send("AddPeer", with(refBob[:len(refBob)-4], "myName", "robert", "sig", "c2lnLWJvYjI")...)
	if m := c.expect("Peer"); m.Get("myName") != "robert" || m.Get("volatile.status") != "CONNECTED" {
		t.Fatal(m)
	}

	// ListPeers: sorted by identity; metadata and volatile only when asked.
	c.send("ListPeers", "Identifier", "l1")
	for _, id := range []string{refAlice[1], refBob[1]} {
		m := c.expect("Peer")
		if m.Get("identity") != id || m.Get("Identifier") != "l1" {
			t.Fatal(m)
		}
		for _, f := range m.Fields {
			if strings.HasPrefix(f.Name, "metadata.") || strings.HasPrefix(f.Name, "volatile.") {
				t.Errorf("unasked field %s", f.Name)
			}
		}
	}
	c.expect("EndListPeers")
	c.send("ListPeers", "WithMetadata", "true", "WithVolatile", "true")
	c.expect("Peer")
	m = c.expect("Peer")
	if m.Get("metadata.timeLastConnected") != added || m.Get("metadata.neverConnected") != "" ||
		m.Get("volatile.status") != "CONNECTED" || m.Get("volatile.location") != "0.5" {
		t.Fatal(m)
	}
	c.expect("EndListPeers")
	c.send("ListPeers", "WithVolatile", "true")
	if m := c.expect("Peer"); m.Get("volatile.status") == "" || m.Get("metadata.peerAddedTime") != "" {
		t.Fatal(m)
	}
	c.expect("Peer")
	c.expect("EndListPeers")

	// ListPeer by identity, name or address; metadata and volatile by
	// default (fred always sends them), off when asked.
	for _, id := range []string{refAlice[1], "alice", "[2001:db8::1]:4000"} {
		c.send("ListPeer", "NodeIdentifier", id, "Identifier", "lp")
		if m := c.expect("Peer"); m.Get("identity") != refAlice[1] || m.Get("volatile.status") == "" ||
			m.Get("metadata.peerAddedTime") == "" || m.Get("Identifier") != "lp" {
			t.Fatal(id, m)
		}
	}
	c.send("ListPeer", "NodeIdentifier", "robert", "WithMetadata", "false", "WithVolatile", "false")
	if m := c.expect("Peer"); strings.Join(fieldNames(m), " ") != "identity myName sig" {
		t.Fatal(m)
	}
	c.send("ListPeer", "NodeIdentifier", "carol", "Identifier", "lp2")
	if m := c.expect("UnknownNodeIdentifier"); strings.Join(fieldNames(m), " ") != "NodeIdentifier Identifier" ||
		m.Get("NodeIdentifier") != "carol" || m.Get("Identifier") != "lp2" {
		t.Fatal(m)
	}

	// RemovePeer by address; then it is unknown.
	c.send("RemovePeer", "NodeIdentifier", "192.0.2.1:4000", "Identifier", "r1")
	m = c.expect("PeerRemoved")
	if strings.Join(fieldNames(m), " ") != "Identity NodeIdentifier Identifier" ||
		m.Get("Identity") != refAlice[1] || m.Get("NodeIdentifier") != "192.0.2.1:4000" || m.Get("Identifier") != "r1" {
		t.Fatal(m)
	}
	c.send("RemovePeer", "NodeIdentifier", "192.0.2.1:4000")
	if m := c.expect("UnknownNodeIdentifier"); m.Get("Identifier") != "" || len(m.Fields) != 1 {
		t.Fatal(m)
	}
	c.send("ListPeers")
	if m := c.expect("Peer"); m.Get("identity") != refBob[1] {
		t.Fatal(m)
	}
	c.expect("EndListPeers")
}

func TestPeerMessageErrors(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("peer-errors")
	for _, tc := range []struct {
		name  string
		kv    []string
		code  string
		extra string // a part of ExtraDescription
	}{
		{"no noderef", []string{"Identifier", "e", "Trust", "LOW", "Visibility", "YES"}, "21", "no noderef"},
		{"no identity", []string{"Identifier", "e", "myName", "x", "sig", "s"}, "21", "no identity"},
		{"bad signature", with(refAlice[:len(refAlice)-2], "sig", "bad", "Identifier", "e"), "27", "does not verify"},
		{"self", []string{"identity", "self", "sig", "s", "Identifier", "e"}, "28", ""},
		{"plain backend error", with(refAlice, "fail", "the ref is odd", "Identifier", "e"), "21", "the ref is odd"},
		{"URL", []string{"URL", "http://192.0.2.9/ref.txt", "Identifier", "e"}, "16", "never fetches noderefs"},
		{"URL and File", []string{"URL", "http://192.0.2.9/ref.txt", "File", "/tmp/ref", "Identifier", "e"}, "7", "one of"},
		{"File and fields", with(refAlice, "File", "/tmp/ref", "Identifier", "e"), "7", "one of"},
		{"bad Trust", with(refAlice, "Trust", "high", "Identifier", "e"), "8", "Trust"},
		{"bad Visibility", with(refAlice, "Visibility", "MAYBE", "Identifier", "e"), "8", "Visibility"},
	} {
		c.send("AddPeer", tc.kv...)
		m := c.expectError(tc.code)
		if m.Get("Identifier") != "e" || !strings.Contains(m.Get("ExtraDescription"), tc.extra) || m.Get("Fatal") != "false" {
			t.Errorf("%s: %s", tc.name, m)
		}
	}
	c.sendData("AddPeer", "x", refAlice...)
	c.expectError("7")

	for _, name := range []string{"ListPeer", "RemovePeer"} {
		c.send(name, "Identifier", "n")
		if m := c.expectError("5"); m.Get("Identifier") != "n" || !strings.Contains(m.Get("ExtraDescription"), "NodeIdentifier") {
			t.Error(m)
		}
	}
	c.send("ListPeer", "NodeIdentifier", "x", "WithVolatile", "maybe")
	c.expectError("8")
	c.send("ListPeers", "WithMetadata", "maybe")
	c.expectError("8")

	// Nothing was added; the session goes on.
	c.send("ListPeers")
	c.expect("EndListPeers")
}

func TestPeerBackendFailures(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("peer-failures")
	c.send("AddPeer", refAlice...)
	c.expect("Peer")

	h.b.peers.mu.Lock()
	h.b.peers.listErr = errors.New("table on fire")
	h.b.peers.mu.Unlock()
	c.send("ListPeers", "Identifier", "l")
	if m := c.expectError("17"); m.Get("ExtraDescription") != "table on fire" || m.Get("Identifier") != "l" {
		t.Fatal(m)
	}
	c.send("ListPeer", "NodeIdentifier", "alice")
	c.expectError("17")

	h.b.peers.mu.Lock()
	h.b.peers.listErr = &PeerError{Code: fcpwire.CodeAccessDenied, Extra: "not now"}
	h.b.peers.removeErr = errors.New("disk full")
	h.b.peers.mu.Unlock()
	c.send("ListPeers")
	if m := c.expectError("24"); m.Get("ExtraDescription") != "not now" {
		t.Fatal(m)
	}
	c.send("RemovePeer", "NodeIdentifier", "alice")
	c.expectError("17")

	// A peer the server cannot send: refused whole, nothing half-listed.
	for _, bad := range []PeerInfo{
		{Identity: ""},
		{Identity: "x", Fields: [][2]string{{"a=b", "c"}}},
		{Identity: "x", Fields: [][2]string{{"a", "line\nbreak"}}},
		{Identity: "x", Fields: [][2]string{{"Identifier", "c"}}},
		{Identity: "x", Fields: [][2]string{{"volatile.status", "c"}}},
		{Identity: "x", Fields: [][2]string{{"a", "1"}, {"a", "2"}}},
	} {
		h.b.peers.mu.Lock()
		h.b.peers.listErr, h.b.peers.extra = nil, &bad
		h.b.peers.mu.Unlock()
		c.send("ListPeers")
		c.expectError("17")
	}
	c.send("ListPeers", "Identifier", "end")
	if m := c.read(); m.Name != "ProtocolError" {
		t.Fatal(m)
	}
}

func TestPeersWithoutPeerBackend(t *testing.T) {
	checkGoroutines(t)
	s, err := NewServer(testConfig(t), struct{ Backend }{newFakeBackend()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeConn(a)
	}()
	defer func() { b.Close(); <-done }()
	c := newTClient(t, b)
	c.send("ClientHello", "Name", "plain", "ExpectedVersion", "2.0")
	c.expect("NodeHello")
	c.send("ListPeers", "Identifier", "l", "WithVolatile", "true")
	if m := c.expect("EndListPeers"); m.Get("Identifier") != "l" {
		t.Fatal(m)
	}
	for _, name := range []string{"AddPeer", "RemovePeer", "ListPeer", "ModifyPeer"} {
		c.send(name, "Identifier", "x") // even without NodeIdentifier: refused first
		if m := c.expectError("16"); m.Get("ExtraDescription") != name+" is not supported by this node" {
			t.Error(m)
		}
	}
}

func TestAddPeerFile(t *testing.T) {
	h := newHarness(t, testConfig(t))
	c := h.hello("peer-file")
	dir := t.TempDir()
	ref := filepath.Join(dir, "alice.ref")
	var text strings.Builder
	text.WriteString("\n")
	for i := 0; i+1 < len(refAlice); i += 2 {
		text.WriteString("  " + refAlice[i] + "=" + refAlice[i+1] + " \r\n")
	}
	text.WriteString("End\r\nafter=the end\n")
	if err := os.WriteFile(ref, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	c.send("AddPeer", "File", "alice.ref", "Identifier", "f")
	c.expectError("9") // not absolute
	c.send("AddPeer", "File", ref, "Identifier", "f")
	if m := c.expectError("25"); m.Get("Identifier") != "f" {
		t.Fatal(m)
	}

	// TestDDA for reading the directory.
	c.send("TestDDARequest", "Directory", dir, "WantReadDirectory", "true")
	reply := c.expect("TestDDAReply")
	content, err := os.ReadFile(reply.Get("ReadFilename"))
	if err != nil {
		t.Fatal(err)
	}
	c.send("TestDDAResponse", "Directory", dir, "ReadContent", string(content))
	if m := c.expect("TestDDAComplete"); m.Get("ReadDirectoryAllowed") != "true" {
		t.Fatal(m)
	}

	c.send("AddPeer", "File", ref, "Identifier", "f", "Trust", "HIGH", "Visibility", "NAME_ONLY")
	m := c.expect("Peer")
	if m.Get("identity") != refAlice[1] || m.Get("physical.udp") != refAlice[5] || m.Get("after") != "" || m.Get("Identifier") != "f" {
		t.Fatal(m)
	}
	if got, want := h.b.peers.refs[0], string(noderefText(fieldsOf(refAlice))); got != want {
		t.Errorf("backend got %q, want %q", got, want)
	}

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, code, extra string }{
		{filepath.Join(dir, "missing.ref"), "9", ""},
		{sub, "23", ""},
		{write("empty.ref", "\n\nEnd\n"), "21", "no noderef fields"},
		{write("junk.ref", "identity=x\nthis is not a noderef\n"), "21", "line 2 is not key=value"},
		{write("twice.ref", "identity=x\nidentity=y\n"), "21", "given twice"},
		{write("nokey.ref", "=x\n"), "21", "no key"},
		{write("big.ref", "identity="+strings.Repeat("x", maxNoderef)+"\n"), "21", "larger than"},
		{write("badsig.ref", "identity=x\nsig=bad\n"), "27", ""},
	} {
		c.send("AddPeer", "File", tc.path, "Identifier", "f")
		if m := c.expectError(tc.code); !strings.Contains(m.Get("ExtraDescription"), tc.extra) {
			t.Errorf("%s: %s", tc.path, m)
		}
	}
	// DDA is per directory (and its subdirectories).
	other := filepath.Join(t.TempDir(), "bob.ref")
	if err := os.WriteFile(other, []byte("identity=x\nsig=s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.send("AddPeer", "File", other, "Identifier", "f")
	c.expectError("25")
}

// fieldsOf turns name, value pairs into fields.
func fieldsOf(kv []string) []fcpwire.Field {
	var out []fcpwire.Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, fcpwire.Field{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestFindPeer(t *testing.T) {
	peers := []PeerInfo{
		{Identity: "a", Name: "b", Addresses: []string{"h:1"}},
		{Identity: "b", Name: "c", Addresses: []string{"h:2"}},
		{Identity: "c", Name: "", Addresses: []string{"a", "h:1"}},
		{Identity: "d"},
	}
	for id, want := range map[string]int{
		"a": 0, "b": 1, "c": 2, // identity before name before address
		"h:1": 0, "h:2": 1, "d": 3, "": -1, "A": -1, "x": -1,
	} {
		if got := FindPeer(peers, id); got != want {
			t.Errorf("FindPeer(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestPeerErrorText(t *testing.T) {
	e := &PeerError{Code: fcpwire.CodeDuplicatePeerRef, Extra: "alice"}
	if got := e.Error(); got != "fcp: peer: Node already has a peer with that ref: alice" {
		t.Error(got)
	}
	var target *PeerError
	if !errors.As(errors.Join(errors.New("x"), e), &target) || target.Code != 29 {
		t.Error("PeerError not found through wrapping")
	}
}
