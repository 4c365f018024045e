// Package fcptest provides fake FCP servers for testing FCP clients: a
// scripted connection (Pipe, Server) for exact exchanges, and Node, a small
// in-memory node that answers puts, gets and key generation.
//
// It imports only fcp/fcpwire and keys.
package fcptest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// Conn is the server side of one FCP connection.
type Conn struct {
	// C is the underlying connection.
	C  net.Conn
	rd *fcpwire.Reader
	wr *fcpwire.Writer
	mu sync.Mutex // serialises Send
}

// NewConn wraps the server side of a connection.
func NewConn(c net.Conn) *Conn {
	return &Conn{C: c, rd: fcpwire.NewReader(c, fcpwire.Limits{}), wr: fcpwire.NewWriter(c)}
}

// Read reads the next message from the client. A message's Data is valid
// until the next Read.
func (c *Conn) Read() (*fcpwire.Message, error) { return c.rd.ReadMessage() }

// Send writes m to the client. It is safe for concurrent use.
func (c *Conn) Send(m *fcpwire.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wr.WriteMessage(m)
}

// Reply sends a message named name with the given field pairs
// (name, value, name, value, ...).
func (c *Conn) Reply(name string, kv ...string) error {
	return c.Send(Msg(name, kv...))
}

// Msg builds a message from field pairs.
func Msg(name string, kv ...string) *fcpwire.Message {
	m := &fcpwire.Message{Name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return m
}

// Hello reads the ClientHello and answers NodeHello.
func (c *Conn) Hello() (*fcpwire.Message, error) {
	m, err := c.Read()
	if err != nil {
		return nil, err
	}
	if m.Name != "ClientHello" {
		return m, fmt.Errorf("fcptest: expected ClientHello, got %s", m.Name)
	}
	return m, c.Reply("NodeHello", "FCPVersion", "2.0", "Node", "Fred", "Version", "hams,fcptest",
		"ConnectionIdentifier", "fcptest")
}

// Close closes the connection.
func (c *Conn) Close() error { return c.C.Close() }

// Pipe returns the two ends of an in-memory connection: the client's and
// the server's.
func Pipe() (client net.Conn, server *Conn) {
	a, b := net.Pipe()
	return a, NewConn(b)
}

// Server accepts loopback connections and runs a handler for each.
type Server struct {
	// Addr is the listening address (127.0.0.1:port).
	Addr string
	ln   net.Listener

	mu    sync.Mutex
	conns map[*Conn]bool
	wg    sync.WaitGroup
}

// NewServer listens on a free loopback port and runs handle for every
// connection in its own goroutine; the connection is closed when handle
// returns.
func NewServer(handle func(*Conn)) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, conns: map[*Conn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c := NewConn(nc)
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
					c.Close()
				}()
				handle(c)
			}()
		}
	}()
	return s, nil
}

// Close stops listening, closes open connections and waits for handlers.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Node is an in-memory fake node. It answers ClientHello, ClientPut
// (direct), ClientPutComplexDir (direct), ClientGet (direct), GenerateSSK and
// RemoveRequest. Use it as a Server handler: NewServer(node.Serve).
type Node struct {
	// Rand is used for GenerateSSK; nil means crypto/rand.
	Rand io.Reader
	// BlockSize is the size of one block in SimpleProgress (default 32 KiB).
	BlockSize int64

	mu   sync.Mutex
	data map[string]item
}

type item struct {
	data        []byte
	contentType string
}

// Store adds data under uri, as if it had been inserted.
func (n *Node) Store(uri string, data []byte, contentType string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.data == nil {
		n.data = map[string]item{}
	}
	n.data[uri] = item{data, contentType}
}

func (n *Node) load(uri string) (item, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	it, ok := n.data[strings.TrimPrefix(uri, "freenet:")]
	return it, ok
}

// Serve handles one connection until the client hangs up.
func (n *Node) Serve(c *Conn) {
	if _, err := c.Hello(); err != nil {
		return
	}
	for {
		m, err := c.Read()
		if err != nil {
			return
		}
		if err := n.handle(c, m); err != nil {
			return
		}
	}
}

func (n *Node) handle(c *Conn, m *fcpwire.Message) error {
	id := m.Get("Identifier")
	switch m.Name {
	case "ClientPut":
		if m.Get("UploadFrom") != "direct" || m.Data == nil {
			return c.Send(protocolError(id, fcpwire.CodeNotSupported, "fcptest: only UploadFrom=direct"))
		}
		data, err := io.ReadAll(m.Data)
		if err != nil {
			return err
		}
		uri, err := n.insertURI(m.Get("URI"), data)
		if err != nil {
			return c.Send(protocolError(id, fcpwire.CodeURIParseError, err.Error()))
		}
		if err := n.progress(c, m, int64(len(data))); err != nil {
			return err
		}
		n.Store(uri, data, m.Get("Metadata.ContentType"))
		if err := c.Reply("URIGenerated", "Identifier", id, "URI", uri); err != nil {
			return err
		}
		return c.Reply("PutSuccessful", "Identifier", id, "URI", uri)
	case "ClientPutComplexDir":
		var all []byte
		if m.Data != nil {
			var err error
			if all, err = io.ReadAll(m.Data); err != nil {
				return err
			}
		}
		uri, err := n.insertURI(m.Get("URI"), all)
		if err != nil {
			return c.Send(protocolError(id, fcpwire.CodeURIParseError, err.Error()))
		}
		for i := 0; ; i++ {
			p := "Files." + strconv.Itoa(i) + "."
			name, ok := m.Lookup(p + "Name")
			if !ok {
				break
			}
			size, err := m.Int64(p+"DataLength", 0)
			if err != nil || size > int64(len(all)) {
				return c.Send(protocolError(id, fcpwire.CodeInvalidField, "fcptest: bad "+p+"DataLength"))
			}
			n.Store(uri+"/"+name, all[:size], m.Get(p+"Metadata.ContentType"))
			all = all[size:]
		}
		return c.Reply("PutSuccessful", "Identifier", id, "URI", uri)
	case "ClientGet":
		it, ok := n.load(m.Get("URI"))
		if !ok {
			return c.Reply("GetFailed", "Identifier", id, "Code", "13", "CodeDescription", "Data not found",
				"ShortCodeDescription", "Data not found", "Fatal", "false")
		}
		if max, _ := m.Int64("MaxSize", 0); max > 0 && int64(len(it.data)) > max {
			return c.Reply("GetFailed", "Identifier", id, "Code", "21", "CodeDescription", "Too big",
				"Fatal", "true")
		}
		if err := n.progress(c, m, int64(len(it.data))); err != nil {
			return err
		}
		size := strconv.Itoa(len(it.data))
		if err := c.Reply("DataFound", "Identifier", id, "Metadata.ContentType", it.contentType, "DataLength", size); err != nil {
			return err
		}
		all := Msg("AllData", "Identifier", id, "Metadata.ContentType", it.contentType)
		all.Data, all.DataLength = bytes.NewReader(it.data), int64(len(it.data))
		return c.Send(all)
	case "GenerateSSK":
		src := n.Rand
		if src == nil {
			src = rand.Reader
		}
		ins, req, err := keys.GenerateSSK(src)
		if err != nil {
			return err
		}
		return c.Reply("SSKKeypair", "Identifier", id, "InsertURI", ins.String(), "RequestURI", req.String())
	case "RemoveRequest":
		return c.Reply("PersistentRequestRemoved", "Identifier", id, "Global", m.Get("Global"))
	case "TestDDARequest":
		// The fake node keeps everything in memory and never touches the
		// client's files: direct disk access is refused, so clients fall
		// back to sending data over the connection.
		return c.Reply("TestDDAComplete", "Directory", m.Get("Directory"),
			"ReadDirectoryAllowed", "false", "WriteDirectoryAllowed", "false")
	}
	return c.Send(protocolError(id, fcpwire.CodeInvalidMessage, "fcptest: unsupported message "+m.Name))
}

// progress sends SimpleProgress messages when the request asked for them.
func (n *Node) progress(c *Conn, m *fcpwire.Message, size int64) error {
	if v, _ := m.Int64("Verbosity", 0); v&1 == 0 {
		return nil
	}
	bs := n.BlockSize
	if bs <= 0 {
		bs = 32 << 10
	}
	total := (size + bs - 1) / bs
	if total == 0 {
		total = 1
	}
	for _, done := range []int64{0, total / 2, total} {
		err := c.Reply("SimpleProgress", "Identifier", m.Get("Identifier"),
			"Total", strconv.FormatInt(total, 10), "Required", strconv.FormatInt(total, 10),
			"Failed", "0", "FatallyFailed", "0", "Succeeded", strconv.FormatInt(done, 10),
			"FinalizedTotal", "true")
		if err != nil {
			return err
		}
	}
	return nil
}

// insertURI returns the request URI for data inserted at uri.
func (n *Node) insertURI(uri string, data []byte) (string, error) {
	uri = strings.TrimPrefix(uri, "freenet:")
	switch {
	case uri == "CHK@" || uri == "":
		h := sha256.Sum256(data)
		return "CHK@" + keys.EncodeBase64(h[:]) + ",fcptest,AAMC--8", nil
	case strings.HasPrefix(uri, "KSK@"):
		return uri, nil
	}
	u, err := keys.Parse(uri)
	if err != nil {
		return "", err
	}
	if !u.IsInsert() {
		return "", errors.New("fcptest: not an insert URI: " + uri)
	}
	r, err := u.RequestURI()
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

func protocolError(id string, code int, extra string) *fcpwire.Message {
	return (&fcpwire.ProtocolError{Code: code, Extra: extra, Identifier: id}).Message()
}
