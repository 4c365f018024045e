package fcp

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// conn is one client connection: one reader goroutine (serve) and any
// number of request goroutines writing through send, serialised by wmu.
type conn struct {
	s   *Server
	rwc io.ReadWriteCloser
	r   *fcpwire.Reader

	wmu  sync.Mutex
	w    *fcpwire.Writer
	dead bool // a write failed: the connection is closing

	// Owned by the reader goroutine, read under s.mu by others.
	name        string
	hello       bool
	watchGlobal bool
	reqs        map[string]*request // Persistence=connection requests
	dda         ddaState
	subs        map[string]context.CancelFunc // SubscribeUSK, under s.mu
	id          string

	closeOnce sync.Once
}

type deadliner interface{ SetReadDeadline(time.Time) error }

func newConn(s *Server, rwc io.ReadWriteCloser) *conn {
	return &conn{
		s:    s,
		rwc:  rwc,
		r:    fcpwire.NewReader(rwc, fcpwire.Limits{MaxDataLength: s.cfg.MaxDataLength}),
		w:    fcpwire.NewWriter(rwc),
		reqs: map[string]*request{},
	}
}

// send writes m; after a write error the connection is closed and further
// messages are dropped.
func (c *conn) send(m *fcpwire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead {
		return io.ErrClosedPipe
	}
	oneLineFields(m)
	if err := c.w.WriteMessage(m); err != nil {
		c.dead = true
		c.rwc.Close()
		return err
	}
	return nil
}

// oneLineFields folds line breaks in m's field values into " / ". FCP values
// cannot hold a newline, and free text (an error's description, which may
// wrap several causes) must not make a reply unsendable.
func oneLineFields(m *fcpwire.Message) {
	for i, f := range m.Fields {
		if strings.ContainsAny(f.Value, "\r\n") {
			v := strings.ReplaceAll(f.Value, "\r\n", "\n")
			v = strings.ReplaceAll(v, "\r", "\n")
			m.Fields[i].Value = strings.ReplaceAll(v, "\n", " / ")
		}
	}
}

// fatalErr marks errors after which serve closes the connection.
type fatalErr struct{ error }

// serve is the reader loop.
func (c *conn) serve() {
	defer c.close()
	d, canDeadline := c.rwc.(deadliner)
	if canDeadline && c.s.cfg.HandshakeTimeout > 0 {
		d.SetReadDeadline(time.Now().Add(c.s.cfg.HandshakeTimeout))
	}
	for {
		m, err := c.r.ReadMessage()
		if err != nil {
			var pe *fcpwire.ProtocolError
			if errors.As(err, &pe) {
				c.send(pe.Message())
				if pe.Fatal {
					return
				}
				continue
			}
			// io.EOF, a half-sent message, a timeout, a closed connection.
			return
		}
		wasHello := c.hello
		err = c.handle(m)
		if canDeadline {
			if c.s.cfg.IdleTimeout > 0 && c.hello {
				d.SetReadDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
			} else if c.hello && !wasHello {
				d.SetReadDeadline(time.Time{}) // handshake done, no idle limit
			}
		}
		if err != nil {
			var pe *fcpwire.ProtocolError
			var fe fatalErr
			switch {
			case errors.As(err, &pe):
				c.s.cfg.Logger.Debug("fcp: protocol error", "client", c.name, "message", m.Name, "err", pe)
				c.send(pe.Message())
				if pe.Fatal {
					return
				}
			case errors.As(err, &fe):
				return
			default:
				c.s.cfg.Logger.Warn("fcp: connection error", "err", err)
				return
			}
		}
		if m.Data != nil {
			// A handler that did not consume the data leaves it to the
			// reader, which skips it.
			m.Data = nil
		}
	}
}

// close ends the connection and cancels its connection-persistence
// requests.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		// Close first: it unblocks a writer stuck on a client that does
		// not read, which holds wmu.
		c.rwc.Close()
		c.wmu.Lock()
		c.dead = true
		c.wmu.Unlock()
		s := c.s
		s.mu.Lock()
		delete(s.conns, c)
		if c.name != "" {
			if cl := s.clients[c.name]; cl != nil && cl.conn == c {
				cl.conn = nil
			}
		}
		var cancels []*request
		for _, r := range c.reqs {
			cancels = append(cancels, r)
		}
		c.reqs = map[string]*request{}
		for _, cancel := range c.subs {
			cancel()
		}
		c.subs = nil
		s.mu.Unlock()
		for _, r := range cancels {
			r.remove()
		}
		for _, job := range c.dda.pending {
			if job.readFile != "" {
				os.Remove(job.readFile)
			}
		}
	})
}

// handle runs one message. Errors: *fcpwire.ProtocolError to report,
// fatalErr to close.
func (c *conn) handle(m *fcpwire.Message) error {
	if !c.hello {
		if m.Name != "ClientHello" {
			return &fcpwire.ProtocolError{Code: fcpwire.CodeClientHelloMustBeFirst, Fatal: true,
				Extra: "first message was " + m.Name}
		}
		return c.clientHello(m)
	}
	h, ok := handlers[m.Name]
	if !ok {
		if m.Name == "ClientHello" {
			return &fcpwire.ProtocolError{Code: fcpwire.CodeNoLateClientHellos, Identifier: m.Get("Identifier")}
		}
		if refused[m.Name] {
			return m.Errorf(fcpwire.CodeNotSupported, "%s is not supported by this node", m.Name)
		}
		if serverOnly[m.Name] {
			return m.Errorf(fcpwire.CodeInvalidMessage, "%s goes from server to client not the other way around", m.Name)
		}
		return &fcpwire.ProtocolError{Code: fcpwire.CodeInvalidMessage, Extra: "Unknown message name " + m.Name}
	}
	return h(c, m)
}

// handlers maps every message the server acts on.
var handlers map[string]func(*conn, *fcpwire.Message) error

func init() {
	handlers = map[string]func(*conn, *fcpwire.Message) error{
		"ClientPut":               (*conn).clientPut,
		"ClientPutDiskDir":        (*conn).clientPutDiskDir,
		"ClientPutComplexDir":     (*conn).clientPutComplexDir,
		"ClientGet":               (*conn).clientGet,
		"GenerateSSK":             (*conn).generateSSK,
		"WatchGlobal":             (*conn).watchGlobalMsg,
		"ListPersistentRequests":  (*conn).listPersistentRequests,
		"RemoveRequest":           (*conn).removeRequest,
		"RemovePersistentRequest": (*conn).removeRequest,
		"GetRequestStatus":        (*conn).getRequestStatus,
		"ModifyPersistentRequest": (*conn).modifyPersistentRequest,
		"TestDDARequest":          (*conn).testDDARequest,
		"TestDDAResponse":         (*conn).testDDAResponse,
		"SubscribeUSK":            (*conn).subscribeUSK,
		"UnsubscribeUSK":          (*conn).unsubscribeUSK,
		"GetNode":                 (*conn).getNode,
		"ListPeers":               (*conn).listPeers,
		"ListPeer":                (*conn).listPeer,
		"AddPeer":                 (*conn).addPeer,
		"RemovePeer":              (*conn).removePeer,
		"Disconnect":              (*conn).disconnect,
		"Shutdown":                (*conn).shutdown,
		"Void":                    func(*conn, *fcpwire.Message) error { return nil },
	}
}

// refused are client-to-node messages of FCP 2.0 this node does not offer.
// (AddPeer, RemovePeer and ListPeer are refused by their handlers when the
// backend is not a PeerBackend.)
var refused = map[string]bool{
	"ModifyPeer": true, "ListPeerNotes": true, "ModifyPeerNote": true, "GetConfig": true,
	"ModifyConfig": true, "GetPluginInfo": true, "LoadPlugin": true,
	"ReloadPlugin": true, "RemovePlugin": true, "FCPPluginMessage": true,
	"SendBookmark": true, "SendURI": true, "SendTextFeed": true,
	"WatchFeeds": true, "ProbeRequest": true, "Filter": true,
}

// serverOnly are node-to-client messages; a client sending one gets code 7.
var serverOnly = map[string]bool{
	"NodeHello": true, "CloseConnectionDuplicateClientName": true, "Peer": true,
	"PeerNote": true, "EndListPeers": true, "EndListPeerNotes": true,
	"PeerRemoved": true, "NodeData": true, "ConfigData": true, "TestDDAReply": true,
	"TestDDAComplete": true, "SSKKeypair": true, "PersistentGet": true,
	"PersistentPut": true, "PersistentPutDir": true, "URIGenerated": true,
	"PutSuccessful": true, "PutFetchable": true, "DataFound": true, "AllData": true,
	"StartedCompression": true, "FinishedCompression": true, "SimpleProgress": true,
	"ExpectedHashes": true, "ExpectedMIME": true, "ExpectedDataLength": true,
	"CompatibilityMode": true, "SendingToNetwork": true,
	"EndListPersistentRequests": true, "PersistentRequestRemoved": true,
	"PersistentRequestModified": true, "PutFailed": true, "GetFailed": true,
	"ProtocolError": true, "IdentifierCollision": true, "UnknownNodeIdentifier": true,
	"UnknownPeerNoteType": true, "SubscribedUSK": true, "SubscribedUSKUpdate": true,
	"SubscribedUSKRoundFinished": true, "SubscribedUSKSendingToNetwork": true,
	"PluginInfo": true, "PluginRemoved": true, "FCPPluginReply": true,
	"ProbeBandwidth": true, "ProbeBuild": true, "ProbeError": true,
	"ProbeIdentifier": true, "ProbeLinkLengths": true, "ProbeLocation": true,
	"ProbeRefused": true, "ProbeRejectStats": true, "ProbeStoreSize": true,
	"ProbeUptime": true,
}

func (c *conn) clientHello(m *fcpwire.Message) error {
	// As fred: a missing field is not fatal, but the connection still
	// waits for a valid ClientHello. Any ExpectedVersion is accepted.
	if _, err := m.Require("Name"); err != nil {
		return err
	}
	if _, err := m.Require("ExpectedVersion"); err != nil {
		return err
	}
	name := m.Get("Name")
	var idb [16]byte
	if _, err := io.ReadFull(c.s.cfg.Rand, idb[:]); err != nil {
		return &fcpwire.ProtocolError{Code: fcpwire.CodeInternalError, Extra: "no randomness", Fatal: true}
	}
	c.id = hex.EncodeToString(idb[:])
	s := c.s
	s.mu.Lock()
	cl := s.clients[name]
	if cl == nil {
		cl = &client{name: name, reqs: map[string]*request{}}
		s.clients[name] = cl
	}
	old := cl.conn
	cl.conn = c
	c.name = name
	c.hello = true
	s.mu.Unlock()
	if old != nil {
		old.send(&fcpwire.Message{Name: "CloseConnectionDuplicateClientName"})
		old.rwc.Close()
	}
	ni := s.cfg.NodeInfo
	hello := &fcpwire.Message{Name: "NodeHello"}
	hello.Set("FCPVersion", "2.0").Set("Node", ni.Node).Set("Version", ni.Version).
		Set("Build", strconv.Itoa(ni.Build)).Set("Revision", ni.Revision).
		Set("ExtBuild", "0").Set("ExtRevision", "0").Set("Testnet", "false").
		Set("CompressionCodecs", ni.CompressionCodecs).
		Set("ConnectionIdentifier", c.id).Set("NodeLanguage", ni.NodeLanguage)
	return c.send(hello)
}

func (c *conn) disconnect(m *fcpwire.Message) error { return fatalErr{io.EOF} }

func (c *conn) shutdown(m *fcpwire.Message) error {
	if c.s.cfg.OnShutdown == nil {
		return m.Errorf(fcpwire.CodeAccessDenied, "Shutdown is disabled on this node")
	}
	c.s.shutdownOnce.Do(func() {
		c.s.wg.Add(1)
		go func() {
			defer c.s.wg.Done()
			c.s.cfg.OnShutdown()
		}()
	})
	return nil
}

func (c *conn) watchGlobalMsg(m *fcpwire.Message) error {
	on, err := m.Bool("Enabled", true)
	if err != nil {
		return err
	}
	if _, err := m.Int64("VerbosityMask", 0); err != nil {
		return err
	}
	c.s.mu.Lock()
	c.watchGlobal = on
	c.s.mu.Unlock()
	return nil
}
