package fcpwire

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
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
	// Budget, when not nil, is charged for the memory a message's header
	// takes beyond FreeHeaderBytes (see HeaderCost), from the moment it is
	// read until the next ReadMessage or Release. A header it cannot cover
	// is read to its end without being kept, and ReadMessage reports a
	// non-fatal ProtocolError 3 that wraps ErrBudgetExhausted (any data of
	// the message is skipped). Servers share one Budget among all their
	// connections; nil charges nothing.
	Budget Budget
	// FreeHeaderBytes is the part of each message's header cost that is not
	// charged to Budget, so that ordinary messages never wait on it.
	// Default 4 KiB (a ClientPut costs about 1.5 KiB).
	FreeHeaderBytes int
}

// Default limits.
const (
	DefaultMaxNameLength   = 128
	DefaultMaxLineLength   = 4096
	DefaultMaxFields       = 65536
	DefaultMaxHeaderBytes  = 8 << 20
	DefaultMaxDataLength   = 1 << 40
	DefaultFreeHeaderBytes = 4 << 10
)

// FieldCost is what HeaderCost counts for each line beyond its bytes: about
// what Go spends to keep one field (its Field in Message.Fields, its
// string's allocation rounding, its entry in the name index; slice and
// index grow by doubling).
const FieldCost = 128

// HeaderCost is the memory a Reader counts for a header: the bytes of its
// name and field lines plus FieldCost for each.
func HeaderCost(lineBytes, lines int) int64 {
	return int64(lineBytes) + int64(lines)*FieldCost
}

// Budget is memory shared by Readers (and, in a server, by anything else
// that buffers client data). Implementations are safe for concurrent use.
type Budget interface {
	// Reserve takes n bytes, or takes nothing and reports false when fewer
	// than n are left.
	Reserve(n int64) bool
	// Release gives back n bytes taken by Reserve.
	Release(n int64)
}

// Errors wrapped by the ProtocolErrors of the limits, for errors.Is.
var (
	// ErrHeaderTooLarge: a header over MaxHeaderBytes or a line over
	// MaxNameLength or MaxLineLength (fatal).
	ErrHeaderTooLarge = errors.New("wire: message header too large")
	// ErrTooManyFields: a message with more than MaxFields fields (fatal).
	ErrTooManyFields = errors.New("wire: too many fields in a message")
	// ErrBudgetExhausted: the Budget could not cover a header (not fatal:
	// the message was skipped).
	ErrBudgetExhausted = errors.New("wire: the budget for buffered client data is used up")
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
	if l.FreeHeaderBytes <= 0 {
		l.FreeHeaderBytes = DefaultFreeHeaderBytes
	}
	return l
}

// bufferSize is the Reader's and Writer's buffer. It is small so that
// thousands of idle connections cost little; bulk data is not slowed by it,
// since bufio passes reads and writes of at least this size straight through.
const bufferSize = 4 << 10

// chargeStep is how much a Reader reserves from its Budget at a time, so
// that a large header costs few calls.
const chargeStep = 64 << 10

// indexFrom is the number of fields from which a message gets a name index
// (below it a linear scan is cheaper than hashing).
const indexFrom = 16

// Reader reads FCP messages from a byte stream. It is not safe for
// concurrent use.
type Reader struct {
	br  *inBuf
	lim Limits
	// seq numbers the messages read; the data reader of an older message
	// reads nothing.
	seq uint64
	// dataLeft is the unread rest of the current message's payload,
	// skipped before the next message is read.
	dataLeft int64
	// inHeader: the current message's name line is read, its end marker
	// not yet.
	inHeader bool
	// charged is what the current message holds of lim.Budget.
	charged int64
	// heavy: the header being read costs more than FreeHeaderBytes.
	heavy bool
}

// NewReader returns a Reader over r with the given limits.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{br: newInBuf(r), lim: lim.withDefaults()}
}

// ErrHalfMessage is returned (wrapped in a fatal ProtocolError's place) when
// the stream ends in the middle of a message.
var ErrHalfMessage = errors.New("wire: stream ended inside a message")

// InMessage reports whether the stream is inside a message: part of one has
// arrived (at least a byte of its name line) and the Reader has not reached
// its end (the end marker, or the last byte of its data, read by the caller
// or skipped by the next ReadMessage). A server uses it to tell a client
// that stalls mid-message from one that is idle between messages. It may
// be called from within a Read of the underlying stream.
func (r *Reader) InMessage() bool {
	return r.inHeader || r.dataLeft > 0 || r.br.buffered() > 0
}

// Heavy reports whether the Reader is inside a header that costs more than
// FreeHeaderBytes (kept or being dropped): a server may let only a few
// connections at a time parse such headers, so that ordinary messages are
// not left waiting for the CPU behind thousands of them. Like InMessage it
// may be called from within a Read of the underlying stream.
func (r *Reader) Heavy() bool { return r.heavy }

// Release gives back what the last message holds of Limits.Budget. The
// next ReadMessage does so too; a server calls Release when it is done with
// a connection, or with a message it keeps no longer.
func (r *Reader) Release() {
	if r.charged > 0 {
		r.lim.Budget.Release(r.charged)
		r.charged = 0
	}
}

// charge makes sure the current message holds what its header costs
// beyond the free part; false when the budget cannot cover it.
func (r *Reader) charge(cost int64) bool {
	need := cost - int64(r.lim.FreeHeaderBytes)
	if r.lim.Budget == nil || need <= r.charged {
		return true
	}
	step := max(need-r.charged, chargeStep)
	if !r.lim.Budget.Reserve(step) {
		return false
	}
	r.charged += step
	return true
}

// ReadMessage reads the next message. At a clean end of stream (between
// messages) it returns io.EOF; if the stream ends inside a message it returns
// ErrHalfMessage. Malformed input gives a *ProtocolError: if it is not Fatal
// the offending message was consumed whole and the stream can go on; if it is
// Fatal the caller must reply and close. Other errors are I/O errors.
//
// Reading takes time linear in the size of the header; so does looking up
// all of its fields (Message.Lookup uses an index for large messages).
func (r *Reader) ReadMessage() (*Message, error) {
	r.Release()
	if r.dataLeft > 0 {
		n, err := r.br.discard(r.dataLeft)
		r.dataLeft -= n
		if err != nil {
			return nil, r.ioErr(err, true)
		}
	}
	r.seq++
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
	r.inHeader = true
	defer func() { r.inHeader, r.heavy = false, false }()
	header, lines := 0, 1
	cost := HeaderCost(len(name), 1)
	var bad *ProtocolError // a non-fatal problem found while reading fields
	var index map[string]int32
	for {
		line, err := r.readLine(r.lim.MaxLineLength)
		if err != nil {
			return nil, r.ioErr(err, true)
		}
		header += len(line) + 1
		r.heavy = HeaderCost(header, lines+1) > int64(r.lim.FreeHeaderBytes)
		if header > r.lim.MaxHeaderBytes {
			return nil, limitErr(ErrHeaderTooLarge, "%s: header longer than %d bytes", m.Name, r.lim.MaxHeaderBytes)
		}
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			// The end marker.
			if string(line) == "Data" {
				m.setIndex(index)
				return m, r.startData(m, bad)
			}
			if !bytes.HasPrefix(line, []byte("End")) {
				if bad == nil {
					bad = m.fieldErr(CodeMessageParseError, "%s: invalid end marker %q", m.Name, truncate(line))
				}
			}
			if bad != nil {
				r.Release()
				return nil, bad
			}
			m.setIndex(index)
			return m, nil
		}
		lines++
		if lines-1 > r.lim.MaxFields {
			return nil, limitErr(ErrTooManyFields, "%s: more than %d fields", m.Name, r.lim.MaxFields)
		}
		if bad != nil {
			// Keep consuming the message to stay in sync, keeping only the
			// fields that name it and DataLength, which is needed to skip
			// its data.
			if k := line[:eq]; isNaming(k) {
				if _, dup := m.Lookup(string(k)); !dup {
					m.Fields = append(m.Fields, Field{string(k), string(line[eq+1:])})
					if errors.Is(bad, ErrBudgetExhausted) && bad.Identifier == "" {
						bad.Identifier = m.Get("Identifier")
						bad.Global = strings.EqualFold(m.Get("Global"), "true")
					}
				}
			}
			continue
		}
		cost += HeaderCost(len(line), 1)
		switch {
		case !r.charge(cost):
			bad = m.fieldErr(CodeMessageParseError, "%s: header not read: the node buffers at most %d bytes of client data for all its connections, and that is in use; try again later",
				m.Name, budgetSize(r.lim.Budget))
			bad.Err = ErrBudgetExhausted
			if k := line[:eq]; isNaming(k) {
				if _, dup := m.Lookup(string(k)); !dup {
					m.Fields = append(m.Fields, Field{string(k), string(line[eq+1:])})
				}
			}
		case !utf8.Valid(line):
			bad = m.fieldErr(CodeMessageParseError, "%s: field line is not UTF-8", m.Name)
		case eq == 0:
			bad = m.fieldErr(CodeMessageParseError, "%s: field line %q has no name", m.Name, truncate(line))
		case hasControl(line[:eq]) || bytes.IndexByte(line[eq+1:], '\r') >= 0:
			bad = m.fieldErr(CodeMessageParseError, "%s: control character in field line %q", m.Name, truncate(line))
		default:
			// One allocation for the line; name and value share it.
			s := string(line)
			k, v := s[:eq], s[eq+1:]
			if index == nil && len(m.Fields) >= indexFrom {
				index = make(map[string]int32, 2*len(m.Fields))
				for i, f := range m.Fields {
					index[f.Name] = int32(i)
				}
			}
			var dup bool
			if index != nil {
				_, dup = index[k]
			} else {
				_, dup = m.Lookup(k)
			}
			if dup {
				bad = m.fieldErr(CodeMessageParseError, "%s: field %s given twice", m.Name, k)
				break
			}
			if index != nil {
				index[k] = int32(len(m.Fields))
			}
			m.Fields = append(m.Fields, Field{k, v})
		}
		if bad != nil {
			// The message will be refused: what it holds can go.
			m.Fields, index = keepNaming(m.Fields), nil
			r.Release()
		}
	}
}

// isNaming reports whether a field is one a refused message still needs:
// one that names the request (for the error) or DataLength (to skip the
// data).
func isNaming(name []byte) bool {
	switch string(name) {
	case "DataLength", "Identifier", "Global":
		return true
	}
	return false
}

// keepNaming returns the fields a refused message still needs: those that
// name the request (for the error) and DataLength (to skip the data).
func keepNaming(fs []Field) []Field {
	var out []Field
	for _, f := range fs {
		if isNaming([]byte(f.Name)) {
			out = append(out, f)
		}
	}
	return out
}

// budgetSize reports a budget's size when it tells it.
func budgetSize(b Budget) int64 {
	if s, ok := b.(interface{ Size() int64 }); ok {
		return s.Size()
	}
	return 0
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
	r.dataLeft = n
	if bad != nil {
		// The message is unusable, but its data is known: skip it on the
		// next read and report the earlier problem.
		r.Release()
		return bad
	}
	m.Data = &dataReader{r: r, seq: r.seq}
	m.DataLength = n
	return nil
}

// dataReader reads a message's payload and reports a stream that ends early
// as ErrHalfMessage rather than io.EOF. Its WriteTo takes a chunk buffer
// only once data is there, so that a connection stalled in the middle of an
// upload holds none.
type dataReader struct {
	r   *Reader
	seq uint64
}

func (d *dataReader) Read(p []byte) (int, error) {
	r := d.r
	if d.seq != r.seq || r.dataLeft == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.dataLeft {
		p = p[:r.dataLeft]
	}
	n, err := r.br.read(p)
	r.dataLeft -= int64(n)
	if err == io.EOF {
		err = ErrHalfMessage
	}
	return n, err
}

// WriteTo copies the rest of the payload to w: what the Reader has
// buffered, then in chunks read only once data is there (see inBuf), so
// that a client that stops sending holds no chunk. io.Copy uses it.
func (d *dataReader) WriteTo(w io.Writer) (int64, error) {
	r := d.r
	var total int64
	for d.seq == r.seq && r.dataLeft > 0 {
		var b []byte
		var chunk *[]byte
		if r.br.buffered() > 0 {
			b = r.br.bytes()
			b = b[:min(int64(len(b)), r.dataLeft)]
		} else {
			err := r.br.waitData() // with no chunk yet
			if err == nil {
				if chunk = getChunk(); chunk != nil {
					var n int
					n, err = r.br.readDirect((*chunk)[:min(int64(chunkSize), r.dataLeft)])
					b = (*chunk)[:n]
				} else if err = r.br.fill(); err == nil {
					// All chunks in use: through the read buffer.
					b = r.br.bytes()
					b = b[:min(int64(len(b)), r.dataLeft)]
				}
			}
			if err != nil {
				if chunk != nil {
					putChunk(chunk)
				}
				if err == io.EOF {
					err = ErrHalfMessage
				}
				return total, err
			}
		}
		n, err := w.Write(b)
		if chunk != nil {
			// Read from the stream, written or not.
			putChunk(chunk)
			r.dataLeft -= int64(len(b))
		} else {
			r.br.consume(n)
			r.dataLeft -= int64(n)
		}
		total += int64(n)
		if err != nil {
			return total, err
		}
		if n < len(b) {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

// CopyN copies n bytes from src to dst as io.CopyN does; when src is a
// message's Data it copies as its WriteTo does, holding no buffer while it
// waits for the client.
func CopyN(dst io.Writer, src io.Reader, n int64) (int64, error) {
	d, ok := src.(*dataReader)
	if !ok || d.seq != d.r.seq {
		return io.CopyN(dst, src, n)
	}
	r := d.r
	if n > r.dataLeft {
		// Copy what there is, then report the end as io.CopyN would.
		written, err := d.WriteTo(dst)
		if err == nil {
			err = io.EOF
		}
		return written, err
	}
	// Pretend the payload ends after n bytes, copy, restore the rest.
	rest := r.dataLeft - n
	r.dataLeft = n
	written, err := d.WriteTo(dst)
	r.dataLeft += rest
	return written, err
}

// readLine reads one line of at most max bytes (without "\n" or "\r\n").
// It returns io.EOF only at a clean end (no bytes read), io.ErrUnexpectedEOF
// for a final line without "\n", and a fatal ProtocolError for a long line.
// The line is valid until the next read.
func (r *Reader) readLine(max int) ([]byte, error) {
	line, err := r.br.readLine(max + 2) // room for "\r\n"
	if err == errTooLong {
		return nil, limitErr(ErrHeaderTooLarge, "line longer than %d bytes", max)
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > max {
		return nil, limitErr(ErrHeaderTooLarge, "line longer than %d bytes", max)
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
