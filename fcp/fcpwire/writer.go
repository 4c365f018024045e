package fcpwire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Writer writes FCP messages. It is not safe for concurrent use: a server
// that answers from several goroutines serialises its writes.
//
// A Writer holds a buffer only while it writes a message (buffers are
// pooled), so that thousands of idle connections cost little.
type Writer struct {
	w  io.Writer // the stream; large data goes straight to it
	bw *bufio.Writer
}

// writeBuffers are the Writers' buffers between messages.
var writeBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufferSize) }}

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// ErrBadMessage is returned for a message that cannot be framed: a name or
// value with a newline, a field name with '=' or a newline, an empty name.
var ErrBadMessage = errors.New("wire: message cannot be framed")

// WriteMessage writes m and flushes. With m.Data it writes the DataLength
// field (setting it from m.DataLength), the "Data" marker and exactly
// DataLength bytes; short data is an error (the stream is then broken and
// must be closed).
func (w *Writer) WriteMessage(m *Message) error {
	if err := check(m); err != nil {
		return err
	}
	w.bw = writeBuffers.Get().(*bufio.Writer)
	w.bw.Reset(w.w)
	defer func() {
		w.bw.Reset(nil)
		writeBuffers.Put(w.bw)
		w.bw = nil
	}()
	if err := w.writeHeader(m); err != nil {
		return err
	}
	if m.Data != nil {
		// Small data shares the header's write. Larger data bypasses the
		// 4 KiB buffer: io.CopyN to the stream itself copies in 32 KiB
		// chunks, or with no copy at all (sendfile) from a file to a TCP
		// connection.
		dst := io.Writer(w.bw)
		if m.DataLength > int64(w.bw.Available()) {
			if err := w.bw.Flush(); err != nil {
				return err
			}
			dst = w.w
		}
		n, err := io.CopyN(dst, m.Data, m.DataLength)
		if err != nil {
			return fmt.Errorf("wire: %s: wrote %d of %d data bytes: %w", m.Name, n, m.DataLength, err)
		}
	}
	return w.bw.Flush()
}

// check reports whether m can be framed. It runs before anything is
// buffered, so a refused message leaves the stream intact.
func check(m *Message) error {
	if m.Name == "" || strings.ContainsAny(m.Name, "\r\n=") {
		return fmt.Errorf("%w: message name %q", ErrBadMessage, m.Name)
	}
	for _, f := range m.Fields {
		if f.Name == "" || strings.ContainsAny(f.Name, "\r\n=") || strings.ContainsAny(f.Value, "\r\n") {
			return fmt.Errorf("%w: %s field %q", ErrBadMessage, m.Name, f.Name)
		}
	}
	if m.Data != nil && m.DataLength < 0 {
		return fmt.Errorf("%w: %s: negative DataLength", ErrBadMessage, m.Name)
	}
	return nil
}

func (w *Writer) writeHeader(m *Message) error {
	w.bw.WriteString(m.Name)
	w.bw.WriteByte('\n')
	for _, f := range m.Fields {
		if m.Data != nil && f.Name == "DataLength" {
			continue // written below from m.DataLength
		}
		w.bw.WriteString(f.Name)
		w.bw.WriteByte('=')
		w.bw.WriteString(f.Value)
		w.bw.WriteByte('\n')
	}
	if m.Data != nil {
		w.bw.WriteString("DataLength=")
		w.bw.WriteString(strconv.FormatInt(m.DataLength, 10))
		w.bw.WriteString("\nData\n")
		return nil
	}
	_, err := w.bw.WriteString("EndMessage\n")
	return err
}
