package fcp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

	// The StallTimeout watchdog (see stallReader), under stallMu.
	stallMu    sync.Mutex
	stallTimer Timer  // running while a read inside a message waits
	stallSeq   uint64 // numbers the timers; an older one's firing is stale
	stallDone  bool   // the connection is closing: no more timers

	parsing bool // holds a token of s.parsers (reader goroutine only)
	ready   bool // WaitRead saw data; the next Read does not wait

	closeOnce sync.Once
}

type deadliner interface{ SetReadDeadline(time.Time) error }

func newConn(s *Server, rwc io.ReadWriteCloser) *conn {
	c := &conn{
		s:    s,
		rwc:  rwc,
		w:    fcpwire.NewWriter(rwc),
		reqs: map[string]*request{},
	}
	cfg := &s.cfg
	var src io.Reader = stallReader{c}
	if wait := rawWait(rwc); wait != nil {
		src = waitingReader{stallReader{c}, wait}
	}
	c.r = fcpwire.NewReader(src, fcpwire.Limits{
		MaxDataLength:   cfg.MaxDataLength,
		MaxHeaderBytes:  cfg.MaxHeaderBytes,
		MaxFields:       cfg.MaxFields,
		Budget:          s.budget,
		FreeHeaderBytes: cfg.FreeHeaderBytes,
	})
	return c
}

// stallReader reads the connection for c.r. A read inside a message (a
// header begun, data not all read) that waits longer than StallTimeout
// closes the connection: a client that stops in the middle of a message
// holds its half message, and would do so forever. A read between messages
// waits as long as the client likes (IdleTimeout aside), and so does the
// server when it does not read (an insert that takes its time with the
// streamed data).
type stallReader struct{ c *conn }

func (sr stallReader) Read(p []byte) (n int, err error) {
	c := sr.c
	if c.ready {
		// WaitRead saw data: this read does not wait, and the parse
		// token, if any, was taken for what it brings.
		c.ready = false
		n, err = c.rwc.Read(p)
	} else {
		c.releaseParse()
		c.guardStall(func() { n, err = c.rwc.Read(p) })
		if n > 0 && c.r.Heavy() {
			c.acquireParse()
		}
	}
	c.s.inBytes.Add(int64(n))
	return n, err
}

// acquireParse waits for a token to parse what was just read of a heavy
// header (fcpwire.Reader.Heavy): only GOMAXPROCS connections at a time parse
// such headers. Thousands of connections pouring out headers then wait
// their turn parked, instead of all being runnable, where an ordinary
// client's goroutines would queue behind them for the CPU. The token is
// given back before the next read and when the message has been read, never
// held while waiting for the client.
func (c *conn) acquireParse() {
	select {
	case c.s.parsers <- struct{}{}:
		c.parsing = true
	case <-c.s.ctx.Done():
	}
}

func (c *conn) releaseParse() {
	if c.parsing {
		<-c.s.parsers
		c.parsing = false
	}
}

// waitingReader is a stallReader over a socket: it waits for data without
// a buffer (fcpwire.Waiter), so that idle and stalled connections hold
// none.
type waitingReader struct {
	stallReader
	wait func() error
}

func (wr waitingReader) WaitRead() (err error) {
	c := wr.c
	c.releaseParse()
	c.guardStall(func() { err = wr.wait() })
	if err == nil {
		// Take the token before the Reader takes a buffer to read into:
		// connections waiting their turn hold no buffer.
		if c.r.Heavy() {
			c.acquireParse()
		}
		c.ready = true
	}
	return err
}

// guardStall runs read, a wait for the client, under the stall watchdog
// when the client is inside a message.
func (c *conn) guardStall(read func()) {
	guard := c.s.cfg.StallTimeout > 0 && c.r.InMessage()
	if guard {
		c.armStall()
	}
	read()
	if guard {
		c.disarmStall()
	}
}

func (c *conn) armStall() {
	c.stallMu.Lock()
	defer c.stallMu.Unlock()
	if c.stallDone {
		return
	}
	c.stallSeq++
	seq := c.stallSeq
	c.stallTimer = c.s.cfg.AfterFunc(c.s.cfg.StallTimeout, func() { c.stalled(seq) })
}

func (c *conn) disarmStall() {
	c.stallMu.Lock()
	defer c.stallMu.Unlock()
	if c.stallTimer != nil {
		c.stallTimer.Stop()
		c.stallTimer = nil
	}
}

// stalled runs when timer seq fires: if the read it guards still waits,
// the client is told (if it reads) and the connection closed.
func (c *conn) stalled(seq uint64) {
	c.stallMu.Lock()
	if c.stallDone || c.stallTimer == nil || c.stallSeq != seq {
		c.stallMu.Unlock()
		return
	}
	c.stallTimer, c.stallDone = nil, true
	// The reader goroutine still runs (close has not stopped the
	// watchdog), so the server's WaitGroup is above zero.
	c.s.wg.Add(1)
	c.stallMu.Unlock()
	defer c.s.wg.Done()
	c.s.cfg.Logger.Debug("fcp: connection stalled inside a message", "client", c.name, "timeout", c.s.cfg.StallTimeout)
	c.sendUnblocked(&fcpwire.ProtocolError{Code: fcpwire.CodeMessageParseError, Fatal: true,
		Extra: fmt.Sprintf("message not completed: nothing received for %v", c.s.cfg.StallTimeout)})
	c.rwc.Close() // the reader's Read fails; serve closes the rest
}

// sendUnblocked sends pe if it can without waiting: not while another
// message is being written, and for at most a second (the client may not
// read).
func (c *conn) sendUnblocked(pe *fcpwire.ProtocolError) {
	wd, ok := c.rwc.(interface{ SetWriteDeadline(time.Time) error })
	if !ok || !c.wmu.TryLock() {
		return
	}
	defer c.wmu.Unlock()
	if c.dead {
		return
	}
	wd.SetWriteDeadline(time.Now().Add(time.Second))
	if c.w.WriteMessage(pe.Message()) != nil {
		c.dead = true
	}
}

// send writes m; after a write error the connection is closed and further
// messages are dropped.
func (c *conn) send(m *fcpwire.Message) error {
	if m.Name == "IdentifierCollision" && c.s.cfg.Logger.Enabled(context.Background(), slog.LevelDebug) {
		// Sent only by the reader goroutine, which owns c.name.
		c.s.cfg.Logger.Debug("fcp: IdentifierCollision", "client", logSafe(c.name),
			"identifier", logSafe(m.Get("Identifier")), "global", m.Get("Global"))
	}
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
		c.releaseParse()
		if err != nil {
			var pe *fcpwire.ProtocolError
			if errors.As(err, &pe) {
				c.logProtocolError("", pe)
				c.send(pe.Message())
				if pe.Fatal {
					return
				}
				continue
			}
			// io.EOF, a half-sent message, a timeout, a closed connection.
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if !c.hello {
					c.s.cfg.Logger.Debug("fcp: connection closed: no ClientHello in time", "timeout", c.s.cfg.HandshakeTimeout)
				} else {
					c.s.cfg.Logger.Debug("fcp: connection closed: idle", "client", logSafe(c.name), "timeout", c.s.cfg.IdleTimeout)
				}
			}
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
				c.logProtocolError(m.Name, pe)
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
		c.stallMu.Lock()
		c.stallDone = true
		if c.stallTimer != nil {
			c.stallTimer.Stop()
			c.stallTimer = nil
		}
		c.stallMu.Unlock()
		c.r.Release()
		c.releaseParse()
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
				if len(cl.reqs) == 0 {
					// Nothing to keep: clients that come and go under
					// ever new names must not pile up.
					delete(s.clients, c.name)
				}
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
		"GetConfig":               (*conn).getConfig,
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
	"ModifyPeer": true, "ListPeerNotes": true, "ModifyPeerNote": true,
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
		s.cfg.Logger.Debug("fcp: connection closed: a new connection took its client name", "client", logSafe(name))
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
