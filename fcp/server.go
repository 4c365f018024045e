package fcp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Close.
var ErrServerClosed = errors.New("fcp: server closed")

// Server is an FCP 2.0 server. It is safe for concurrent use.
type Server struct {
	cfg Config
	b   Backend

	ctx    context.Context // cancelled by Close: stops every request
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the server started

	stateDir string
	tempDir  bool // stateDir is ours, removed by Close

	budget  *budget       // Config.MaxBufferedBytes
	inBytes atomic.Int64  // bytes read from all connections
	parsers chan struct{} // tokens to parse a heavy header (see conn.parseToken)

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	addr      net.Addr
	conns     map[*conn]struct{}
	clients   map[string]*client // persistent requests by client name
	global    *client            // the global queue

	shutdownOnce sync.Once
	closeDone    chan struct{} // closed when Close has finished
}

// client holds the persistent requests of one client name (or the global
// queue) and its current connection.
type client struct {
	name string
	reqs map[string]*request
	conn *conn
}

// NewServer returns a Server with configuration cfg over backend b. It loads
// the persistent requests kept in cfg.StateDir and restarts the unfinished
// ones (they run once Serve or ServeConn is called, or at once).
func NewServer(cfg Config, b Backend) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, &ConfigError{"Backend", "nil"}
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		b:         b,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		clients:   map[string]*client{},
		global:    &client{name: "", reqs: map[string]*request{}},
		stateDir:  cfg.StateDir,
		closeDone: make(chan struct{}),
		budget:    &budget{size: cfg.MaxBufferedBytes},
		parsers:   make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	if s.stateDir == "" {
		d, err := os.MkdirTemp("", "hams-fcp-")
		if err != nil {
			return nil, err
		}
		s.stateDir, s.tempDir = d, true
	}
	for _, d := range []string{s.spoolDir(), s.dataDir(), s.requestDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.loadPersistent(); err != nil {
		s.cancel()
		return nil, err
	}
	return s, nil
}

func (s *Server) spoolDir() string   { return filepath.Join(s.stateDir, "spool") }
func (s *Server) dataDir() string    { return filepath.Join(s.stateDir, "data") }
func (s *Server) requestDir() string { return filepath.Join(s.stateDir, "requests") }

// ListenAndServe listens on cfg.Addr and serves until ctx is done (then it
// closes the server) or Close is called. It logs "fcp listening on ADDR".
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.cfg.Logger.Info("fcp listening on " + l.Addr().String())
	stop := context.AfterFunc(ctx, func() { s.Close() })
	err = s.Serve(l)
	if !stop() {
		// ctx ended: wait until the Close it started has finished.
		s.Close()
	}
	return err
}

// Serve accepts connections on l until Close; it closes l. It returns
// ErrServerClosed after Close, or the listener's error.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	if s.addr == nil {
		s.addr = l.Addr()
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c, ok := s.newConn(nc)
		if !ok {
			nc.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			c.serve()
		}()
	}
}

// ServeConn serves one connection (any byte stream, e.g. one end of
// net.Pipe) until it ends or the server closes; it closes rwc.
func (s *Server) ServeConn(rwc io.ReadWriteCloser) {
	c, ok := s.newConn(rwc)
	if !ok {
		rwc.Close()
		return
	}
	defer s.wg.Done()
	c.serve()
}

// newConn registers a connection; false when closed or at MaxConnections.
// On success the caller owns one s.wg count.
func (s *Server) newConn(rwc io.ReadWriteCloser) (*conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.cfg.MaxConnections {
		if !s.closed {
			s.cfg.Logger.Warn("fcp: connection refused: too many connections", "max", s.cfg.MaxConnections)
		}
		return nil, false
	}
	c := newConn(s, rwc)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c, true
}

// BufferedBytes returns how much of Config.MaxBufferedBytes is in use:
// client data the server holds in memory (headers being read, uploads
// streamed into inserts while they arrive).
func (s *Server) BufferedBytes() int64 {
	s.budget.mu.Lock()
	defer s.budget.mu.Unlock()
	return s.budget.used
}

// budget is the node-wide allowance for client data held in memory
// (Config.MaxBufferedBytes). It is an fcpwire.Budget for headers;
// streamed uploads take from it through reserveStream.
type budget struct {
	size    int64
	mu      sync.Mutex
	used    int64 // by all
	streams int64 // by streamed uploads, at most size/2
}

// Reserve takes n bytes if that many are left.
func (b *budget) Reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.size {
		return false
	}
	b.used += n
	return true
}

// Release gives n bytes back.
func (b *budget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// reserveStream takes n bytes for a streamed upload. Streams get at most
// half of the budget: they can be spooled instead, headers cannot, so
// stalled uploads must not starve headers.
func (b *budget) reserveStream(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.size || b.streams+n > b.size/2 {
		return false
	}
	b.used += n
	b.streams += n
	return true
}

// releaseStream gives back what reserveStream took.
func (b *budget) releaseStream(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.streams -= n
}

// Size returns the budget's size (for error messages).
func (b *budget) Size() int64 { return b.size }

// Addr returns the address of the first listener, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// NumConns returns the number of open connections.
func (s *Server) NumConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// ClientMemory returns the most memory the server may hold for its clients
// now: the part of Config.MaxBufferedBytes in use plus, for each open
// connection, its goroutine, state, read buffer and FreeHeaderBytes (what
// Config.MemoryBound counts per connection). A program that limits the Go
// runtime's memory can raise its limit by this much, so that clients who
// fill the budget do not make the collector run without pause.
func (s *Server) ClientMemory() int64 {
	return s.BufferedBytes() + int64(s.NumConns())*int64(connectionOverhead+s.cfg.FreeHeaderBytes)
}

// Close stops the server: it closes the listeners and connections, cancels
// every running request (persistent ones resume on the next start), and
// waits for every goroutine it started. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.closeDone
		return nil
	}
	s.closed = true
	defer close(s.closeDone)
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.rwc.Close()
	}
	s.cancel()
	s.wg.Wait()
	if s.tempDir {
		return os.RemoveAll(s.stateDir)
	}
	return nil
}

// isClosed reports whether Close has been called.
func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// now returns the configured time in fred's form (ms since the epoch).
func (s *Server) nowMillis() int64 { return s.cfg.Now().UnixMilli() }
