// Package fcpclient is an FCP 2.0 client: what front-ends and the hams command
// use to talk to a node (hams or fred) on its FCP port.
//
// One Client holds one connection and multiplexes any number of concurrent
// requests over it by Identifier: a reader goroutine dispatches the node's
// messages to the waiting calls, and writes are serialised. Bulk data streams
// both ways; neither Put nor Get holds a whole file in memory.
//
// Data must be sent whole once a message's header is out (FCP cannot abort a
// message midway), so a Put whose reader fails, or whose context is cancelled
// while its data is still being written, breaks the connection: every other
// pending request then fails with a *ConnectionError.
//
// It imports only fcp/fcpwire: a front-end that uses it pulls in nothing of
// the node.
package fcpclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// DefaultAddr is the node's default FCP address.
const DefaultAddr = "127.0.0.1:9481"

// Options configure a Client made with New.
type Options struct {
	// Rand is the source of the random identifier prefix; nil means
	// crypto/rand.
	Rand io.Reader
	// Limits bound what the client accepts from the node; the zero value
	// means wire's defaults.
	Limits fcpwire.Limits
	// Unsolicited, if set, is called from the reader goroutine with every
	// message that belongs to no pending request (e.g. global-queue messages
	// after WatchGlobal). Any Data is drained after it returns. It must not
	// block for long nor call Close.
	Unsolicited func(*fcpwire.Message)
}

// Client is a connection to a node's FCP port. Its methods are safe for
// concurrent use.
type Client struct {
	conn   io.ReadWriteCloser
	rd     *fcpwire.Reader
	opts   Options
	prefix string
	seq    atomic.Uint64

	// NodeHello is the node's NodeHello reply.
	NodeHello *fcpwire.Message

	wmu sync.Mutex // serialises writes
	wr  *fcpwire.Writer

	mu       sync.Mutex
	reqs     map[string]*request
	untagged *request // receives replies that carry no known identifier
	err      error    // set once the connection is unusable
	closing  chan struct{}

	listMu sync.Mutex // one untagged exchange (GetNode, ListPeers, ...) at a time

	readerDone chan struct{}
	wg         sync.WaitGroup // helper goroutines (RemoveRequest senders, USK pumps)
}

// Dial connects to the node at addr ("" means DefaultAddr) and says hello as
// clientName. A node closes an older connection that used the same name, so
// programs that may run twice should make the name unique.
func Dial(ctx context.Context, addr, clientName string) (*Client, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return New(ctx, conn, clientName, Options{})
}

// New says hello over an established connection and starts the client.
// It owns conn from then on, also when it fails.
func New(ctx context.Context, conn io.ReadWriteCloser, clientName string, opts Options) (*Client, error) {
	src := opts.Rand
	if src == nil {
		src = rand.Reader
	}
	var pfx [6]byte
	if _, err := io.ReadFull(src, pfx[:]); err != nil {
		conn.Close()
		return nil, fmt.Errorf("client: identifier prefix: %w", err)
	}
	c := &Client{
		conn:       conn,
		rd:         fcpwire.NewReader(conn, opts.Limits),
		wr:         fcpwire.NewWriter(conn),
		opts:       opts,
		prefix:     hex.EncodeToString(pfx[:]),
		reqs:       make(map[string]*request),
		closing:    make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	// The handshake runs before the reader goroutine; a context that ends
	// during it closes the connection to unblock it.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	hello, err := c.handshake(clientName)
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.NodeHello = hello
	go c.readLoop()
	return c, nil
}

func (c *Client) handshake(name string) (*fcpwire.Message, error) {
	m := &fcpwire.Message{Name: "ClientHello"}
	m.Set("Name", name).Set("ExpectedVersion", "2.0")
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	if err := c.wr.WriteMessage(m); err != nil {
		return nil, fmt.Errorf("client: sending ClientHello: %w", err)
	}
	r, err := c.rd.ReadMessage()
	if err != nil {
		return nil, fmt.Errorf("client: waiting for NodeHello: %w", err)
	}
	switch r.Name {
	case "NodeHello":
		return r, nil
	case "ProtocolError":
		return nil, protocolErrorFrom(r)
	}
	return nil, fmt.Errorf("client: expected NodeHello, node sent %s", r.Name)
}

// Close closes the connection, fails pending requests with ErrClosed and
// waits for the client's goroutines to end. It is safe to call twice.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	c.wg.Wait()
	<-c.readerDone
	return nil
}

// Err returns why the client can no longer be used, or nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// shutdown records err as the client's terminal error (the first one wins),
// closes the connection and fails every pending request.
func (c *Client) shutdown(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	close(c.closing)
	reqs := c.reqs
	c.reqs = map[string]*request{}
	un := c.untagged
	c.untagged = nil
	c.mu.Unlock()
	c.conn.Close()
	for _, r := range reqs {
		r.fail(err)
	}
	if un != nil {
		un.fail(err)
	}
}

func (c *Client) readLoop() {
	defer close(c.readerDone)
	for {
		m, err := c.rd.ReadMessage()
		if err != nil {
			c.mu.Lock()
			closed := c.err != nil
			c.mu.Unlock()
			if !closed {
				c.shutdown(&ConnectionError{Err: err})
			}
			return
		}
		c.dispatch(m)
	}
}

// dispatch hands m to its request. For a message with data it waits until
// the request has read the data (or gave up), since the data is valid only
// until the next ReadMessage.
func (c *Client) dispatch(m *fcpwire.Message) {
	id := m.Get("Identifier")
	if m.Name == "ProtocolError" {
		pe := protocolErrorFrom(m)
		if pe.Fatal || id == "" {
			c.shutdown(&ConnectionError{Err: pe})
			return
		}
	}
	if m.Name == "CloseConnectionDuplicateClientName" {
		c.shutdown(&ConnectionError{Err: errors.New("node closed the connection: another client connected with the same name")})
		return
	}
	c.mu.Lock()
	r := c.reqs[id]
	if r == nil {
		r = c.untagged
	}
	c.mu.Unlock()
	if r == nil {
		c.unsolicited(m)
		return
	}
	r.push(m)
	if m.Data != nil {
		select {
		case <-r.dataDone:
		case <-r.gone:
		case <-c.closing:
		}
	}
}

// request is the client-side state of one request.
type request struct {
	id       string
	global   bool
	untagged bool // an exchange's listener: nothing to remove on the node

	mu     sync.Mutex
	queue  []*fcpwire.Message
	err    error
	notify chan struct{} // cap 1: something was queued or err set

	dataDone chan struct{} // the waiter finished with a message's data
	gone     chan struct{} // closed when the waiter stops listening
	goneOnce sync.Once
}

func (r *request) push(m *fcpwire.Message) {
	r.mu.Lock()
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	r.wake()
}

func (r *request) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.wake()
}

func (r *request) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// newID returns a fresh identifier.
func (c *Client) newID() string {
	return c.prefix + "-" + strconv.FormatUint(c.seq.Add(1), 10)
}

// register adds a request under a fresh identifier.
func (c *Client) register(global bool) (*request, error) {
	r := &request{
		id:       c.newID(),
		global:   global,
		notify:   make(chan struct{}, 1),
		dataDone: make(chan struct{}),
		gone:     make(chan struct{}),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	c.reqs[r.id] = r
	return r, nil
}

// unregister stops delivery to r and releases a reader waiting on its data.
func (c *Client) unregister(r *request) {
	c.mu.Lock()
	if c.reqs[r.id] == r {
		delete(c.reqs, r.id)
	}
	if c.untagged == r {
		c.untagged = nil
	}
	c.mu.Unlock()
	r.goneOnce.Do(func() { close(r.gone) })
}

// next returns r's next message. A message with Data must be released with
// r.release once the data has been read (or abandoned).
func (c *Client) next(ctx context.Context, r *request) (*fcpwire.Message, error) {
	for {
		r.mu.Lock()
		if len(r.queue) > 0 {
			m := r.queue[0]
			r.queue[0] = nil
			r.queue = r.queue[1:]
			r.mu.Unlock()
			return m, nil
		}
		err := r.err
		r.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-r.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release tells the reader that r is done with the data of the message
// returned last by next.
func (c *Client) release(r *request) {
	select {
	case r.dataDone <- struct{}{}:
	case <-c.closing:
	}
}

// cancelled cleans up after a request whose context ended: it stops
// delivery and asks the node, in the background, to remove the request.
func (c *Client) cancelled(r *request) {
	c.unregister(r)
	if r.untagged {
		return
	}
	c.goBackground(func() {
		m := &fcpwire.Message{Name: "RemoveRequest"}
		m.Set("Identifier", r.id).Set("Global", strconv.FormatBool(r.global))
		_ = c.send(m)
	})
}

// checkMessage reports a message the wire Writer would refuse, before any of
// it is written.
func checkMessage(m *fcpwire.Message) error {
	if m.Name == "" || strings.ContainsAny(m.Name, "\r\n=") {
		return fmt.Errorf("client: bad message name %q", m.Name)
	}
	for _, f := range m.Fields {
		if f.Name == "" || strings.ContainsAny(f.Name, "\r\n=") || strings.ContainsAny(f.Value, "\r\n") {
			return fmt.Errorf("client: %s: field %s: newline or '=' not allowed", m.Name, f.Name)
		}
	}
	return nil
}

// send writes m. A write that fails breaks the connection.
func (c *Client) send(m *fcpwire.Message) error {
	if err := checkMessage(m); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.Err(); err != nil {
		return err
	}
	if err := c.wr.WriteMessage(m); err != nil {
		ce := &ConnectionError{Err: err}
		c.shutdown(ce)
		if e := c.Err(); e != nil {
			return e
		}
		return ce
	}
	return nil
}

// ctxReader reads from r until ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (cr ctxReader) Read(p []byte) (int, error) {
	if err := cr.ctx.Err(); err != nil {
		return 0, err
	}
	return cr.r.Read(p)
}

// do sends m (with Identifier set to r's) and runs handle on each reply
// until it returns done or an error. Context cancellation removes the
// request; the caller gets ctx.Err().
func (c *Client) do(ctx context.Context, r *request, m *fcpwire.Message, handle func(*fcpwire.Message) (bool, error)) error {
	defer c.unregister(r)
	if err := c.send(m); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	for {
		reply, err := c.next(ctx, r)
		if err != nil {
			if ctx.Err() != nil && err == ctx.Err() {
				c.cancelled(r)
			}
			return err
		}
		done, err := handle(reply)
		if reply.Data != nil {
			c.release(r)
		}
		if err != nil {
			if ctx.Err() != nil {
				c.cancelled(r)
				return ctx.Err()
			}
			return err
		}
		if done {
			return nil
		}
	}
}
