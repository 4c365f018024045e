package fcpwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// Limits bound what a Reader accepts. The zero value of a field means its
// default.
type Limits struct {
	// MaxNameLength is the longest message name line, in bytes. Default 128
	// (fred's limit).
	MaxNameLength int
	// MaxLineLength is the longest Field=Value line, in bytes. Default 4096
	// (fred's limit).
	MaxLineLength int
	// MaxFields is the most fields one message may have. Default 65536
	// (a ClientPutComplexDir of ~10,000 files).
	MaxFields int
	// MaxHeaderBytes bounds the sum of a message's field lines. Default 8 MiB.
	MaxHeaderBytes int
	// MaxDataLength is the largest DataLength accepted. Default 1 TiB;
	// servers set it from their configuration.
	MaxDataLength int64
}

// Default limits.
const (
	DefaultMaxNameLength  = 128
	DefaultMaxLineLength  = 4096
	DefaultMaxFields      = 65536
	DefaultMaxHeaderBytes = 8 << 20
	DefaultMaxDataLength  = 1 << 40
)

func (l Limits) withDefaults() Limits {
	if l.MaxNameLength <= 0 {
		l.MaxNameLength = DefaultMaxNameLength
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = DefaultMaxLineLength
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxDataLength <= 0 {
		l.MaxDataLength = DefaultMaxDataLength
	}
	return l
}

// bufferSize is the Reader's and Writer's buffer. It is small so that
// thousands of idle connections cost little; bulk data is not slowed by it,
// since bufio passes reads and writes of at least this size straight through.
const bufferSize = 4 << 10

// Reader reads FCP messages from a byte stream. It is not safe for
// concurrent use.
type Reader struct {
	br  *bufio.Reader
	lim Limits
	// data is the unread rest of the previous message's payload, drained
	// before the next message is read.
	data *io.LimitedReader
}

// NewReader returns a Reader over r with the given limits.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, bufferSize), lim: lim.withDefaults()}
}

// ErrHalfMessage is returned (wrapped in a fatal ProtocolError's place) when
// the stream ends in the middle of a message.
var ErrHalfMessage = errors.New("wire: stream ended inside a message")

// ReadMessage reads the next message. At a clean end of stream (between
// messages) it returns io.EOF; if the stream ends inside a message it returns
// ErrHalfMessage. Malformed input gives a *ProtocolError: if it is not Fatal
// the offending message was consumed whole and the stream can go on; if it is
// Fatal the caller must reply and close. Other errors are I/O errors.
func (r *Reader) ReadMessage() (*Message, error) {
	if r.data != nil {
		if _, err := io.Copy(io.Discard, r.data); err != nil {
			return nil, r.ioErr(err, true)
		}
		if r.data.N > 0 {
			return nil, ErrHalfMessage
		}
		r.data = nil
	}
	// The name line; blank lines between messages are skipped.
	var name []byte
	for {
		line, err := r.readLine(r.lim.MaxNameLength)
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, r.ioErr(err, false)
		}
		if len(line) > 0 {
			name = line
			break
		}
	}
	if !utf8.Valid(name) || bytes.ContainsRune(name, '=') || hasControl(name) {
		// Without a name the field lines that follow cannot be trusted to
		// belong to a message: resynchronise by closing.
		return nil, protoErr(CodeMessageParseError, true, "bad message name line %q", truncate(name))
	}
	m := &Message{Name: string(name)}
	header := 0
	var bad *ProtocolError // a non-fatal problem found while reading fields
	for {
		line, err := r.readLine(r.lim.MaxLineLength)
		if err != nil {
			return nil, r.ioErr(err, true)
		}
		header += len(line) + 1
		if header > r.lim.MaxHeaderBytes {
			return nil, protoErr(CodeMessageParseError, true, "%s: header longer than %d bytes", m.Name, r.lim.MaxHeaderBytes)
		}
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			// The end marker.
			if string(line) == "Data" {
				return m, r.startData(m, bad)
			}
			if !bytes.HasPrefix(line, []byte("End")) {
				if bad == nil {
					bad = m.fieldErr(CodeMessageParseError, "%s: invalid end marker %q", m.Name, truncate(line))
				}
			}
			if bad != nil {
				return nil, bad
			}
			return m, nil
		}
		if len(m.Fields) >= r.lim.MaxFields {
			return nil, protoErr(CodeMessageParseError, true, "%s: more than %d fields", m.Name, r.lim.MaxFields)
		}
		if bad != nil {
			// Keep consuming the message to stay in sync; DataLength is still
			// needed to skip its data.
			if k := string(line[:eq]); k == "DataLength" {
				if _, dup := m.Lookup(k); !dup {
					m.Fields = append(m.Fields, Field{k, string(line[eq+1:])})
				}
			}
			continue
		}
		switch {
		case !utf8.Valid(line):
			bad = m.fieldErr(CodeMessageParseError, "%s: field line is not UTF-8", m.Name)
		case eq == 0:
			bad = m.fieldErr(CodeMessageParseError, "%s: field line %q has no name", m.Name, truncate(line))
		case hasControl(line[:eq]) || bytes.IndexByte(line[eq+1:], '\r') >= 0:
			bad = m.fieldErr(CodeMessageParseError, "%s: control character in field line %q", m.Name, truncate(line))
		default:
			k, v := string(line[:eq]), string(line[eq+1:])
			if _, dup := m.Lookup(k); dup {
				bad = m.fieldErr(CodeMessageParseError, "%s: field %s given twice", m.Name, k)
				break
			}
			m.Fields = append(m.Fields, Field{k, v})
		}
	}
}

// startData validates DataLength and attaches the payload reader to m.
func (r *Reader) startData(m *Message, bad *ProtocolError) error {
	v, ok := m.Lookup("DataLength")
	if !ok {
		return protoErr(CodeMissingField, true, "%s: Data without a DataLength field", m.Name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return protoErr(CodeErrorParsingNumber, true, "%s: DataLength=%q is not a non-negative integer", m.Name, truncate([]byte(v)))
	}
	if n > r.lim.MaxDataLength {
		// Skipping that much would tie the connection up: close it.
		e := m.fieldErr(CodeInvalidField, "%s: DataLength %d is larger than this node accepts (%d)", m.Name, n, r.lim.MaxDataLength)
		e.Fatal = true
		return e
	}
	r.data = &io.LimitedReader{R: r.br, N: n}
	if bad != nil {
		// The message is unusable, but its data is known: skip it on the
		// next read and report the earlier problem.
		return bad
	}
	m.Data = &dataReader{lr: r.data}
	m.DataLength = n
	return nil
}

// dataReader reads a message's payload and reports a stream that ends early
// as ErrHalfMessage rather than io.EOF.
type dataReader struct{ lr *io.LimitedReader }

func (d *dataReader) Read(p []byte) (int, error) {
	if d.lr.N == 0 {
		return 0, io.EOF
	}
	n, err := d.lr.Read(p)
	if err == io.EOF && d.lr.N > 0 {
		err = ErrHalfMessage
	}
	return n, err
}

// readLine reads one line of at most max bytes (without "\n" or "\r\n").
// It returns io.EOF only at a clean end (no bytes read), io.ErrUnexpectedEOF
// for a final line without "\n", and a fatal ProtocolError for a long line.
func (r *Reader) readLine(max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+2 { // room for "\r\n"
			return nil, protoErr(CodeMessageParseError, true, "line longer than %d bytes", max)
		}
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(line) == 0 {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > max {
		return nil, protoErr(CodeMessageParseError, true, "line longer than %d bytes", max)
	}
	return line, nil
}

// ioErr maps an error from readLine: end of stream inside a message becomes
// ErrHalfMessage; ProtocolErrors and I/O errors pass through.
func (r *Reader) ioErr(err error, inMessage bool) error {
	if err == io.ErrUnexpectedEOF || (inMessage && err == io.EOF) {
		return ErrHalfMessage
	}
	return err
}

// hasControl reports whether b holds an ASCII control character.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// truncate shortens b for an error message.
func truncate(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
