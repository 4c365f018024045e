package fcpwire

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// Waiter is implemented by streams that can wait until they have data
// without being given a buffer to read it into (a server's TCP connection).
// A Reader over one holds no read buffer while it waits: thousands of idle
// or stalled connections then cost no buffer each.
type Waiter interface {
	// WaitRead returns when a Read would not block (data, end of stream or
	// an error is there), or with an error.
	WaitRead() error
}

// readBuffers are the read buffers not in use.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, bufferSize); return &b }}

// chunkSize is the size of the reads that copy a message's data, taken
// from chunkBuffers only while data is there to read; at most maxChunks are
// in use at once (in all Readers), so that thousands of connections whose
// data arrives at the same moment (or whose copies wait on a slow disk)
// cannot each hold one: the others copy through their read buffer.
const (
	chunkSize = 32 << 10
	maxChunks = 64
)

var (
	chunkBuffers = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}
	chunksInUse  atomic.Int32
)

// getChunk returns a chunk buffer, or nil when maxChunks are in use.
func getChunk() *[]byte {
	for {
		n := chunksInUse.Load()
		if n >= maxChunks {
			return nil
		}
		if chunksInUse.CompareAndSwap(n, n+1) {
			return chunkBuffers.Get().(*[]byte)
		}
	}
}

func putChunk(b *[]byte) {
	chunkBuffers.Put(b)
	chunksInUse.Add(-1)
}

// inBuf is a Reader's buffer over its stream: bufio's, but when the stream
// is a Waiter it waits for data holding only the bytes not read yet (its
// buffer goes back to the pool).
type inBuf struct {
	src  io.Reader
	wait Waiter  // src, when it is one
	buf  *[]byte // a bufferSize buffer; nil while released
	r, w int     // unread bytes: (*buf)[r:w]
	keep []byte  // the unread bytes while buf is released for a wait
	err  error   // the stream's error, returned once the bytes before it are read
	// full: the last read filled the buffer, so more is likely there and
	// the next read does not wait first (bulk data costs one call a read).
	full bool
}

func newInBuf(src io.Reader) *inBuf {
	b := &inBuf{src: src}
	b.wait, _ = src.(Waiter)
	return b
}

// buffered is the number of bytes read from the stream and not yet
// consumed.
func (b *inBuf) buffered() int { return b.w - b.r + len(b.keep) }

// bytes returns the unread bytes, valid until the next fill or consume.
func (b *inBuf) bytes() []byte {
	if b.buf == nil {
		return nil
	}
	return (*b.buf)[b.r:b.w]
}

// consume marks n unread bytes as read.
func (b *inBuf) consume(n int) { b.r += n }

// fill reads more of the stream after the unread bytes. It returns an
// error only when it read nothing: the stream's error (io.EOF at its end),
// or errFull when the buffer holds bufferSize unread bytes.
func (b *inBuf) fill() error {
	if b.err != nil {
		return b.err
	}
	if b.buf != nil && b.r > 0 {
		n := copy(*b.buf, (*b.buf)[b.r:b.w])
		b.r, b.w = 0, n
	}
	if b.buf != nil && b.w == len(*b.buf) {
		return errFull
	}
	if b.wait != nil && !b.full {
		// Wait with no buffer: keep only what is unread.
		if b.buf != nil {
			if b.w > 0 {
				b.keep = append(make([]byte, 0, b.w), (*b.buf)[:b.w]...)
			}
			readBuffers.Put(b.buf)
			b.buf, b.r, b.w = nil, 0, 0
		}
		err := b.wait.WaitRead()
		if err != nil {
			b.err = err
		}
	}
	if b.buf == nil {
		b.buf = readBuffers.Get().(*[]byte)
		b.r, b.w = 0, copy(*b.buf, b.keep)
		b.keep = nil
	}
	if b.err != nil {
		return b.err
	}
	for range 100 {
		n, err := b.src.Read((*b.buf)[b.w:])
		if n < 0 || n > len(*b.buf)-b.w {
			panic("fcpwire: stream returned an impossible count")
		}
		b.full = n == len(*b.buf)-b.w
		b.w += n
		if err != nil {
			b.err = err
		}
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	b.err = io.ErrNoProgress
	return b.err
}

// errFull is fill's report of a full buffer.
var errFull = errorString("wire: buffer full")

type errorString string

func (e errorString) Error() string { return string(e) }

// readLine returns the next line, "\n" included, of at most max bytes
// (else errTooLong); io.EOF at a clean end, io.ErrUnexpectedEOF when the
// stream ends inside a line. The line is valid until the next read.
func (b *inBuf) readLine(max int) ([]byte, error) {
	var long []byte // a line longer than the buffer, so far
	for {
		if i := bytes.IndexByte(b.bytes(), '\n'); i >= 0 {
			line := (*b.buf)[b.r : b.r+i+1]
			b.consume(i + 1)
			if long != nil {
				line = append(long, line...)
			}
			if len(line) > max {
				return nil, errTooLong
			}
			return line, nil
		}
		if len(long)+b.buffered() > max {
			return nil, errTooLong
		}
		err := b.fill()
		if err == errFull {
			long = append(long, b.bytes()...)
			b.consume(b.w - b.r)
			continue
		}
		if err != nil {
			if err == io.EOF && len(long) == 0 && b.buffered() == 0 {
				return nil, io.EOF
			}
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// errTooLong is readLine's report of a line over its limit.
var errTooLong = errorString("wire: line too long")

// read reads up to len(p) bytes, as bufio.Reader.Read does: straight
// into p when nothing is buffered and p is at least a buffer's size.
func (b *inBuf) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.buffered() == 0 && len(p) >= bufferSize {
		if err := b.waitData(); err != nil {
			return 0, err
		}
		return b.readDirect(p)
	}
	if b.buffered() == 0 {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.bytes())
	b.consume(n)
	return n, nil
}

// waitData returns when the stream has something to read, without
// holding a buffer meanwhile (the Reader's, which must be empty, goes back
// to the pool); at once when the stream is not a Waiter.
func (b *inBuf) waitData() error {
	if b.err != nil {
		return b.err
	}
	if b.wait == nil {
		return nil
	}
	if b.buf != nil && b.r == b.w {
		readBuffers.Put(b.buf)
		b.buf, b.r, b.w = nil, 0, 0
	}
	if err := b.wait.WaitRead(); err != nil {
		b.err = err
		return err
	}
	return nil
}

// readDirect reads into p, past the buffer, which must be empty. Callers
// that must not hold p while the client sends nothing call waitData first.
func (b *inBuf) readDirect(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for range 100 {
		n, err := b.src.Read(p)
		if n < 0 || n > len(p) {
			panic("fcpwire: stream returned an impossible count")
		}
		if err != nil {
			b.err = err
		}
		if n > 0 {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
	b.err = io.ErrNoProgress
	return 0, b.err
}

// discard skips n bytes; it returns how many it skipped.
func (b *inBuf) discard(n int64) (int64, error) {
	var done int64
	for done < n {
		if b.buffered() == 0 {
			if err := b.fill(); err != nil {
				return done, err
			}
		}
		k := min(int64(b.w-b.r), n-done)
		b.consume(int(k))
		done += k
	}
	return done, nil
}
