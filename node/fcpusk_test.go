package node

import (
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// fcpSession is a raw FCP connection for transcript-style tests: the test
// writes the client's messages as text, as a client library would, and
// checks the node's answers field by field.
type fcpSession struct {
	t    *testing.T
	conn net.Conn
	r    *fcpwire.Reader
	// held are the messages read while waiting for others, in order: a
	// subscription's update may come before the PutSuccessful of the
	// insert that caused it.
	held []heldMessage
}

// heldMessage is a message expect read but did not want yet, with its data.
type heldMessage struct {
	m    *fcpwire.Message
	data string
}

func openSession(t *testing.T, n *Node) *fcpSession {
	t.Helper()
	conn, err := net.Dial("tcp", n.FCPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &fcpSession{t: t, conn: conn, r: fcpwire.NewReader(conn, fcpwire.Limits{})}
	s.send("ClientHello", "Name=transcript", "ExpectedVersion=2.0")
	s.expect("", "NodeHello")
	return s
}

// send writes one message: its name, its fields, and EndMessage.
func (s *fcpSession) send(name string, fields ...string) {
	s.t.Helper()
	s.write(name + "\n" + strings.Join(fields, "\n") + "\nEndMessage\n")
}

// sendData writes one message with a payload.
func (s *fcpSession) sendData(name string, data string, fields ...string) {
	s.t.Helper()
	fields = append(fields, fmt.Sprintf("DataLength=%d", len(data)))
	s.write(name + "\n" + strings.Join(fields, "\n") + "\nData\n" + data)
}

func (s *fcpSession) write(text string) {
	s.t.Helper()
	if _, err := io.WriteString(s.conn, text); err != nil {
		s.t.Fatal(err)
	}
}

// expect reads until a message named one of names (for request id, when
// id is set) and returns it with its payload read; it fails the test on a
// ProtocolError or after a minute. Messages it does not want (progress,
// another request's) are held, in order, for a later expect.
func (s *fcpSession) expect(id string, names ...string) (*fcpwire.Message, string) {
	s.t.Helper()
	want := func(m *fcpwire.Message) bool {
		return slices.Contains(names, m.Name) && (id == "" || m.Get("Identifier") == id)
	}
	for i, h := range s.held {
		if want(h.m) {
			s.held = slices.Delete(s.held, i, i+1)
			return h.m, h.data
		}
	}
	s.conn.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		m, err := s.r.ReadMessage()
		if err != nil {
			s.t.Fatalf("waiting for %v: %v", names, err)
		}
		var data []byte
		if m.Data != nil {
			data, err = io.ReadAll(m.Data)
			if err != nil {
				s.t.Fatal(err)
			}
		}
		if m.Name == "ProtocolError" && !slices.Contains(names, "ProtocolError") {
			s.t.Fatalf("waiting for %v: %v", names, m)
		}
		if want(m) {
			return m, string(data)
		}
		s.held = append(s.held, heldMessage{m, string(data)})
	}
}

// field fails the test unless m's field k is v.
func field(t *testing.T, m *fcpwire.Message, k, v string) {
	t.Helper()
	if got := m.Get(k); got != v {
		t.Fatalf("%s: %s=%q, want %q (%v)", m.Name, k, got, v, m)
	}
}

// put inserts text at uri and returns the URIs of URIGenerated and
// PutSuccessful, which must agree.
func (s *fcpSession) put(id, uri, text string) string {
	s.t.Helper()
	s.sendData("ClientPut", text, "URI="+uri, "Identifier="+id, "UploadFrom=direct")
	gen, _ := s.expect(id, "URIGenerated", "PutFailed")
	if gen.Name == "PutFailed" {
		s.t.Fatalf("put %s: %v", uri, gen)
	}
	done, _ := s.expect(id, "PutSuccessful", "PutFailed")
	if done.Name == "PutFailed" || done.Get("URI") != gen.Get("URI") {
		s.t.Fatalf("put %s: %v after URIGenerated %s", uri, done, gen.Get("URI"))
	}
	return done.Get("URI")
}

// get fetches uri and returns DataFound or GetFailed, and the data.
func (s *fcpSession) get(id, uri string) (*fcpwire.Message, string) {
	s.t.Helper()
	s.send("ClientGet", "URI="+uri, "Identifier="+id, "ReturnType=direct")
	m, _ := s.expect(id, "DataFound", "GetFailed")
	if m.Name == "GetFailed" {
		return m, ""
	}
	_, data := s.expect(id, "AllData")
	return m, data
}

// keypair returns a fresh SSK pair's URIs, each ending in "/".
func (s *fcpSession) keypair() (ins, req string) {
	s.t.Helper()
	s.send("GenerateSSK", "Identifier=keys")
	m, _ := s.expect("keys", "SSKKeypair")
	return m.Get("InsertURI"), m.Get("RequestURI")
}

// usk turns an SSK pair URI into the USK of site at edition ed.
func usk(ssk, site string, ed int64) string {
	return fmt.Sprintf("USK%s%s/%d", strings.TrimPrefix(ssk, "SSK"), site, ed)
}

// TestFCPUSKEditions drives fred's USK edition rules over FCP: an insert at
// an edition that exists takes the next free one (URIGenerated and
// PutSuccessful say which), -N is "N or later, newest known" (-1 finds
// edition 0), an old positive edition is answered with code 27 and the
// newest's URI, the SSK form fetches exactly one edition, and a local
// insert wakes a subscription at once (the poll interval is 5 minutes).
func TestFCPUSKEditions(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	s := openSession(t, n)
	ins, req := s.keypair()
	if got := s.put("p0", usk(ins, "site", 0), "zero"); got != usk(req, "site", 0) {
		t.Fatalf("first insert: %s", got)
	}
	// Restarted, the node knows no edition: -1 finds edition 0 (fred
	// looks at the edition below 1, as there is no -0).
	n.Close()
	n = startNode(t, dir)
	defer n.Close()
	s = openSession(t, n)
	m, data := s.get("g0", usk(req, "site", -1))
	if m.Name != "DataFound" || data != "zero" {
		t.Fatalf("-1 with only edition 0: %v %q", m, data)
	}
	// Inserting at the stored edition 0 again goes to the next free one.
	if got := s.put("p1", usk(ins, "site", 0), "one"); got != usk(req, "site", 1) {
		t.Fatalf("insert at an existing edition: %s, want edition 1", got)
	}
	// A subscription hears of a local insert at once.
	s.send("SubscribeUSK", "URI="+usk(req, "site", 2), "Identifier=sub")
	s.expect("sub", "SubscribedUSK")
	if got := s.put("p2", usk(ins, "site", 1), "two"); got != usk(req, "site", 2) {
		t.Fatalf("insert at an existing edition: %s, want edition 2", got)
	}
	up, _ := s.expect("sub", "SubscribedUSKUpdate")
	field(t, up, "Edition", "2")
	field(t, up, "URI", usk(req, "site", 2))
	s.send("UnsubscribeUSK", "Identifier=sub")
	// The same content as the newest edition: done there, no new edition.
	if got := s.put("p3", usk(ins, "site", 0), "two"); got != usk(req, "site", 2) {
		t.Fatalf("insert of the newest edition's content: %s, want edition 2", got)
	}
	for _, ed := range []int64{-1, -2, -3, -10} {
		m, data := s.get(fmt.Sprint("neg", -ed), usk(req, "site", ed))
		if m.Name != "DataFound" || data != "two" {
			t.Fatalf("%d with newest 2: %v %q", ed, m, data)
		}
	}
	m, _ = s.get("old", usk(req, "site", 1)+"/a/b")
	field(t, m, "Code", "27")
	field(t, m, "RedirectURI", usk(req, "site", 2)+"/a/b")
	field(t, m, "Fatal", "true")
	exact := req + "site-1"
	if m, data := s.get("exact", exact); m.Name != "DataFound" || data != "one" {
		t.Fatalf("the SSK form of edition 1: %v %q", m, data)
	}
}

// TestFCPFreesiteLifeCycle is a freesite tool's life cycle over FCP: insert
// a site as a USK directory, change a file, insert again at the stored
// edition (the edition advances), and fetch it with the trailing slash
// freesite tools print, by -1 and by edition; the content types come from
// the file names.
func TestFCPFreesiteLifeCycle(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	s := openSession(t, n)
	ins, req := s.keypair()
	putSite := func(id string, index string) string {
		t.Helper()
		css := "body { direction: rtl }"
		s.sendData("ClientPutComplexDir", index+css,
			"URI="+usk(ins, "mysite", 0), "Identifier="+id, "DefaultName=index.html",
			"Files.0.Name=index.html", "Files.0.UploadFrom=direct", fmt.Sprintf("Files.0.DataLength=%d", len(index)),
			"Files.1.Name=style.css", "Files.1.UploadFrom=direct", fmt.Sprintf("Files.1.DataLength=%d", len(css)))
		m, _ := s.expect(id, "PutSuccessful", "PutFailed")
		if m.Name != "PutSuccessful" {
			t.Fatalf("site insert: %v", m)
		}
		return m.Get("URI")
	}
	first := putSite("site0", "<h1>مرحبا</h1>")
	if first != usk(req, "mysite", 0) {
		t.Fatalf("first site insert: %s", first)
	}
	second := putSite("site1", "<h1>مرحبا مرة أخرى</h1>")
	if second != usk(req, "mysite", 1) {
		t.Fatalf("second site insert at the stored edition: %s, want edition 1", second)
	}
	for _, uri := range []string{usk(req, "mysite", -1) + "/", usk(req, "mysite", 1) + "/", usk(req, "mysite", 1)} {
		m, data := s.get("index", uri)
		if m.Name != "DataFound" || data != "<h1>مرحبا مرة أخرى</h1>" {
			t.Fatalf("%s: %v %q", uri, m, data)
		}
		field(t, m, "Metadata.ContentType", "text/html")
	}
	m, _ := s.get("css", usk(req, "mysite", 1)+"/style.css")
	field(t, m, "Metadata.ContentType", "text/css")
	m, _ = s.get("stale", usk(req, "mysite", 0)+"/")
	field(t, m, "Code", "27")
	field(t, m, "RedirectURI", usk(req, "mysite", 1)+"/")
}
