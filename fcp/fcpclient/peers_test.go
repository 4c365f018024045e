package fcpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// noData is a Backend that stores nothing.
type noData struct{}

func (noData) Put(context.Context, io.Reader, fcp.PutOptions) (keys.URI, error) {
	return keys.URI{}, &fcp.InsertError{Code: fcpwire.InsertInternalError}
}

func (noData) PutDir(context.Context, []fcp.DirEntry, string, fcp.PutOptions) (keys.URI, error) {
	return keys.URI{}, &fcp.InsertError{Code: fcpwire.InsertInternalError}
}

func (noData) Get(context.Context, keys.URI, io.Writer, fcp.GetOptions) (fcp.GetResult, error) {
	return fcp.GetResult{}, &fcp.FetchError{Code: fcpwire.FetchDataNotFound}
}

func (noData) LatestEdition(context.Context, keys.URI) (int64, error) {
	return 0, &fcp.FetchError{Code: fcpwire.FetchDataNotFound}
}

// peerTable is a Backend with peers: noderefs need identity and sig.
type peerTable struct {
	noData
	mu    sync.Mutex
	peers map[string]fcp.PeerInfo
}

func (t *peerTable) AddPeer(ctx context.Context, ref []byte) (fcp.PeerInfo, error) {
	p := fcp.PeerInfo{Status: fcp.PeerNeverConnected, Location: 0.5, AddedAt: time.Unix(1767323045, 0)}
	for _, line := range strings.Split(string(ref), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		p.Fields = append(p.Fields, [2]string{k, v})
		switch k {
		case "identity":
			p.Identity = v
		case "myName":
			p.Name = v
		case "physical.udp":
			p.Addresses = strings.Split(v, ";")
		case "sig":
			if v == "bad" {
				return fcp.PeerInfo{}, &fcp.PeerError{Code: fcpwire.CodeRefSignatureInvalid, Extra: "sig does not verify"}
			}
		}
	}
	if p.Identity == "" {
		return fcp.PeerInfo{}, &fcp.PeerError{Code: fcpwire.CodeRefParseError, Extra: "no identity"}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.peers == nil {
		t.peers = map[string]fcp.PeerInfo{}
	}
	t.peers[p.Identity] = p
	return p, nil
}

func (t *peerTable) ListPeers(ctx context.Context) ([]fcp.PeerInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []fcp.PeerInfo
	for _, p := range t.peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out, nil
}

func (t *peerTable) RemovePeer(ctx context.Context, id string) (fcp.PeerInfo, error) {
	list, _ := t.ListPeers(ctx)
	i := fcp.FindPeer(list, id)
	if i < 0 {
		return fcp.PeerInfo{}, fcp.ErrUnknownPeer
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.peers, list[i].Identity)
	return list[i], nil
}

// startNode serves b with a hams FCP server over an in-memory connection
// and returns a client of it; both end with the test.
func startNode(t testing.TB, b fcp.Backend) *fcpclient.Client {
	s, err := fcp.NewServer(fcp.Config{StateDir: t.TempDir()}, b)
	if err != nil {
		t.Fatal(err)
	}
	a, z := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeConn(a)
	}()
	c, err := fcpclient.New(context.Background(), z, "peers", fcpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		<-done
		s.Close()
	})
	return c
}

const (
	aliceRef = "identity=AliceAliceAliceAliceAliceAliceAliceAliceAli\r\n" +
		"  myName=alice\n\nphysical.udp=192.0.2.1:4000;[2001:db8::1]:4000\nsig=c2lnLWFsaWNl\nEnd\ntrailing junk\n"
	bobRef = "identity=BobBobBobBobBobBobBobBobBobBobBobBobBobBobBo\nmyName=bob\nphysical.udp=198.51.100.7:4000\nsig=c2lnLWJvYg"
)

func TestPeers(t *testing.T) {
	c := startNode(t, &peerTable{})
	ctx := context.Background()
	if peers, err := c.ListPeers(ctx); err != nil || len(peers) != 0 {
		t.Fatalf("ListPeers: %v %v", peers, err)
	}
	alice, err := c.AddPeer(ctx, []byte(aliceRef))
	if err != nil {
		t.Fatal(err)
	}
	if alice.Identity != "AliceAliceAliceAliceAliceAliceAliceAliceAli" || alice.Name != "alice" ||
		alice.Status != "NEVER CONNECTED" || alice.Location != 0.5 ||
		alice.Field("metadata.peerAddedTime") != "1767323045000" || alice.Field("Identifier") != "" {
		t.Fatalf("%+v", alice)
	}
	wantRef := "identity=AliceAliceAliceAliceAliceAliceAliceAliceAli\nmyName=alice\n" +
		"physical.udp=192.0.2.1:4000;[2001:db8::1]:4000\nsig=c2lnLWFsaWNl\nEnd\n"
	if got := string(alice.Ref()); got != wantRef {
		t.Errorf("Ref %q, want %q", got, wantRef)
	}
	if _, err := c.AddPeer(ctx, []byte(bobRef)); err != nil {
		t.Fatal(err)
	}
	peers, err := c.ListPeers(ctx)
	if err != nil || len(peers) != 2 || peers[0].Name != "alice" || peers[1].Name != "bob" || peers[1].Status == "" {
		t.Fatalf("ListPeers: %+v %v", peers, err)
	}
	for _, id := range []string{"bob", "198.51.100.7:4000", peers[1].Identity} {
		if p, err := c.ListPeer(ctx, id); err != nil || p.Identity != peers[1].Identity {
			t.Errorf("ListPeer(%q): %+v %v", id, p, err)
		}
	}
	if err := c.RemovePeer(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	var unknown *fcpclient.UnknownPeerError
	if err := c.RemovePeer(ctx, "bob"); !errors.As(err, &unknown) || unknown.NodeIdentifier != "bob" {
		t.Fatalf("RemovePeer again: %v", err)
	}
	if _, err := c.ListPeer(ctx, "bob"); !errors.As(err, &unknown) {
		t.Fatalf("ListPeer of a removed peer: %v", err)
	}
	if peers, err := c.ListPeers(ctx); err != nil || len(peers) != 1 || peers[0].Name != "alice" {
		t.Fatalf("ListPeers: %+v %v", peers, err)
	}
	// A peer re-added from its Ref.
	if err := c.RemovePeer(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if p, err := c.AddPeer(ctx, alice.Ref()); err != nil || p.Identity != alice.Identity {
		t.Fatalf("AddPeer(Ref()): %+v %v", p, err)
	}
}

func TestAddPeerErrors(t *testing.T) {
	c := startNode(t, &peerTable{})
	ctx := context.Background()
	var pe *fcpwire.ProtocolError
	for ref, code := range map[string]int{
		"myName=nobody\nsig=s\n": fcpwire.CodeRefParseError,
		"identity=x\nsig=bad\n":  fcpwire.CodeRefSignatureInvalid,
	} {
		if _, err := c.AddPeer(ctx, []byte(ref)); !errors.As(err, &pe) || pe.Code != code || pe.Fatal {
			t.Errorf("AddPeer(%q): %v, want code %d", ref, err, code)
		}
	}
	// Refused before anything is sent.
	for _, ref := range []string{"", "\n End\n", "identity=x\nnot a field\n", "=x\n",
		"identity=x\nidentity=y\n", "identity=x\nTrust=HIGH\n", "identity=x\nURL=http://192.0.2.1/\n"} {
		if _, err := c.AddPeer(ctx, []byte(ref)); err == nil || errors.As(err, &pe) {
			t.Errorf("AddPeer(%q): %v, want a client-side error", ref, err)
		}
	}
	if _, err := c.AddPeerFile(ctx, "alice.ref"); err == nil || errors.As(err, &pe) {
		t.Errorf("AddPeerFile of a relative path: %v", err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("the connection broke: %v", err)
	}
	if peers, err := c.ListPeers(ctx); err != nil || len(peers) != 0 {
		t.Fatalf("ListPeers: %v %v", peers, err)
	}
}

func TestAddPeerFile(t *testing.T) {
	c := startNode(t, &peerTable{})
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "alice.ref")
	if err := os.WriteFile(path, []byte(aliceRef), 0o600); err != nil {
		t.Fatal(err)
	}
	var pe *fcpwire.ProtocolError
	if _, err := c.AddPeerFile(ctx, path); !errors.As(err, &pe) || pe.Code != fcpwire.CodeDDADenied {
		t.Fatalf("AddPeerFile without TestDDA: %v", err)
	}
	if ok, _, err := c.TestDDA(ctx, dir, true, false); err != nil || !ok {
		t.Fatalf("TestDDA: %v %v", ok, err)
	}
	p, err := c.AddPeerFile(ctx, path)
	if err != nil || p.Name != "alice" {
		t.Fatalf("AddPeerFile: %+v %v", p, err)
	}
	if _, err := c.AddPeerFile(ctx, filepath.Join(dir, "missing.ref")); !errors.As(err, &pe) || pe.Code != fcpwire.CodeFileNotFound {
		t.Fatalf("AddPeerFile of a missing file: %v", err)
	}
}

func TestPeersWithoutPeerBackend(t *testing.T) {
	c := startNode(t, noData{})
	ctx := context.Background()
	if peers, err := c.ListPeers(ctx); err != nil || len(peers) != 0 {
		t.Fatalf("ListPeers: %v %v", peers, err)
	}
	var pe *fcpwire.ProtocolError
	if _, err := c.AddPeer(ctx, []byte(bobRef)); !errors.As(err, &pe) || pe.Code != fcpwire.CodeNotSupported {
		t.Errorf("AddPeer: %v", err)
	}
	if err := c.RemovePeer(ctx, "bob"); !errors.As(err, &pe) || pe.Code != fcpwire.CodeNotSupported {
		t.Errorf("RemovePeer: %v", err)
	}
	if _, err := c.ListPeer(ctx, "bob"); !errors.As(err, &pe) || pe.Code != fcpwire.CodeNotSupported {
		t.Errorf("ListPeer: %v", err)
	}
}

// Add a peer from its noderef, then list the node's peers. The example
// runs a hams FCP server over an in-memory connection; with a real node,
// Dial fcpclient.DefaultAddr.
func ExampleClient_AddPeer() {
	s, err := fcp.NewServer(fcp.Config{}, &peerTable{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	nodeSide, clientSide := net.Pipe()
	go s.ServeConn(nodeSide)

	ctx := context.Background()
	c, err := fcpclient.New(ctx, clientSide, "example", fcpclient.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ref := "identity=AliceAliceAliceAliceAliceAliceAliceAliceAli\n" +
		"myName=alice\nphysical.udp=192.0.2.1:4000\nsig=c2lnLWFsaWNl\nEnd\n"
	p, err := c.AddPeer(ctx, []byte(ref))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added", p.Name, p.Status)

	peers, err := c.ListPeers(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range peers {
		fmt.Println(p.Identity, p.Name, p.Field("physical.udp"), p.Location)
	}
	// Output:
	// added alice NEVER CONNECTED
	// AliceAliceAliceAliceAliceAliceAliceAliceAli alice 192.0.2.1:4000 0.5
}
