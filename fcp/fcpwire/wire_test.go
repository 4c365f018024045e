package fcpwire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func read(t *testing.T, in string, lim Limits) ([]*Message, [][]byte, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), lim)
	var msgs []*Message
	var datas [][]byte
	for {
		m, err := r.ReadMessage()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return msgs, datas, err
		}
		var d []byte
		if m.Data != nil {
			d, err = io.ReadAll(m.Data)
			if err != nil {
				return msgs, datas, err
			}
		}
		msgs = append(msgs, m)
		datas = append(datas, d)
	}
}

func TestReadFredStyle(t *testing.T) {
	in := "ClientHello\r\nName=pyfreenet\r\nExpectedVersion=2.0\r\nEndMessage\r\n\n\n" +
		"ClientPut\nURI=CHK@\nIdentifier=a\nUploadFrom=direct\nMetadata.ContentType=text/plain\nDataLength=5\nData\nhello" +
		"GenerateSSK\nIdentifier=k\nEnd\n"
	msgs, datas, err := read(t, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].Name != "ClientHello" || msgs[0].Get("ExpectedVersion") != "2.0" {
		t.Fatalf("%+v", msgs)
	}
	if msgs[1].Get("Metadata.ContentType") != "text/plain" || string(datas[1]) != "hello" || msgs[1].DataLength != 5 {
		t.Fatalf("ClientPut: %+v %q", msgs[1], datas[1])
	}
	if msgs[2].Name != "GenerateSSK" || msgs[2].Get("Identifier") != "k" {
		t.Fatalf("%+v", msgs[2])
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	in := []*Message{
		(&Message{Name: "NodeHello"}).Set("FCPVersion", "2.0").Set("Node", "hams"),
		{Name: "AllData", Fields: []Field{{"Identifier", "x"}, {"DataLength", "999"}}, Data: strings.NewReader("0123456789"), DataLength: 10},
		(&Message{Name: "Empty"}),
		(&Message{Name: "Unicode"}).Set("Name", "همس = whisper"),
	}
	for _, m := range in {
		if err := w.WriteMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	msgs, datas, err := read(t, buf.String(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(in) {
		t.Fatalf("read %d messages", len(msgs))
	}
	if msgs[1].Get("DataLength") != "10" || string(datas[1]) != "0123456789" {
		t.Fatalf("data message: %+v %q", msgs[1], datas[1])
	}
	if msgs[3].Get("Name") != "همس = whisper" {
		t.Fatal("value with '=' and UTF-8 did not survive")
	}
}

func TestUnreadDataIsSkipped(t *testing.T) {
	in := "A\nDataLength=4\nData\nabcdB\nEndMessage\n"
	r := NewReader(strings.NewReader(in), Limits{})
	if _, err := r.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	m, err := r.ReadMessage()
	if err != nil || m.Name != "B" {
		t.Fatalf("%v %v", m, err)
	}
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, in string
		lim      Limits
		code     int
		fatal    bool
		after    string // name of a message that must still be read after a non-fatal error
	}{
		{"long name", strings.Repeat("N", 200) + "\nEndMessage\n", Limits{}, CodeMessageParseError, true, ""},
		{"long field", "A\nF=" + long + "\nEndMessage\n", Limits{}, CodeMessageParseError, true, ""},
		{"data without length", "A\nData\nxx", Limits{}, CodeMissingField, true, ""},
		{"bad length", "A\nDataLength=x\nData\n", Limits{}, CodeErrorParsingNumber, true, ""},
		{"negative length", "A\nDataLength=-1\nData\n", Limits{}, CodeErrorParsingNumber, true, ""},
		{"length over limit", "ClientPut\nIdentifier=big\nDataLength=1001\nData\n", Limits{MaxDataLength: 1000}, CodeInvalidField, true, ""},
		{"too many fields", "A\na=1\nb=2\nc=3\nEndMessage\n", Limits{MaxFields: 2}, CodeMessageParseError, true, ""},
		{"header too big", "A\na=1234567890\nb=1234567890\nEndMessage\n", Limits{MaxHeaderBytes: 20}, CodeMessageParseError, true, ""},
		{"name with =", "A=b\nEndMessage\n", Limits{}, CodeMessageParseError, true, ""},
		{"bad end marker", "A\nx=1\nStop\nB\nEndMessage\n", Limits{}, CodeMessageParseError, false, "B"},
		{"duplicate field", "A\nx=1\nx=2\nEndMessage\nB\nEndMessage\n", Limits{}, CodeMessageParseError, false, "B"},
		{"empty field name", "A\n=1\nEndMessage\nB\nEndMessage\n", Limits{}, CodeMessageParseError, false, "B"},
		{"not utf-8", "A\nx=\xff\nEndMessage\nB\nEndMessage\n", Limits{}, CodeMessageParseError, false, "B"},
		{"bad message with data", "A\nx=1\nx=1\nDataLength=3\nData\nabcB\nEndMessage\n", Limits{}, CodeMessageParseError, false, "B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in), tc.lim)
			_, err := r.ReadMessage()
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want ProtocolError", err)
			}
			if pe.Code != tc.code || pe.Fatal != tc.fatal {
				t.Fatalf("code %d fatal %v, want %d %v (%v)", pe.Code, pe.Fatal, tc.code, tc.fatal, pe)
			}
			if tc.name == "length over limit" && pe.Identifier != "big" {
				t.Fatal("ProtocolError lost the Identifier")
			}
			if tc.after != "" {
				m, err := r.ReadMessage()
				if err != nil || m.Name != tc.after {
					t.Fatalf("after a non-fatal error: %v %v", m, err)
				}
			}
		})
	}
}

func TestHalfSent(t *testing.T) {
	for _, in := range []string{"ClientHello", "ClientHello\n", "ClientHello\nName=x", "ClientHello\nName=x\n"} {
		_, err := NewReader(strings.NewReader(in), Limits{}).ReadMessage()
		if err != ErrHalfMessage {
			t.Errorf("%q: %v, want ErrHalfMessage", in, err)
		}
	}
	r := NewReader(strings.NewReader("A\nDataLength=10\nData\nabc"), Limits{})
	m, err := r.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(m.Data); err != ErrHalfMessage {
		t.Fatalf("short data: %v", err)
	}
	if _, err := NewReader(strings.NewReader("\n\n"), Limits{}).ReadMessage(); err != io.EOF {
		t.Fatalf("blank lines then EOF: %v", err)
	}
}

func TestWriterRejectsUnframeable(t *testing.T) {
	for _, m := range []*Message{
		{Name: ""},
		{Name: "A\nB"},
		(&Message{Name: "A"}).Set("k", "line\nbreak"),
		(&Message{Name: "A"}).Set("k=x", "v"),
	} {
		if err := NewWriter(io.Discard).WriteMessage(m); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%q: %v", m.Name, err)
		}
	}
	// A refused message leaves nothing behind in the stream.
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteMessage((&Message{Name: "A"}).Set("ok", "1").Set("bad", "x\ny")); !errors.Is(err, ErrBadMessage) {
		t.Fatal(err)
	}
	if err := w.WriteMessage(&Message{Name: "B"}); err != nil || buf.String() != "B\nEndMessage\n" {
		t.Fatalf("stream after a refused message: %q %v", buf.String(), err)
	}
	err := NewWriter(io.Discard).WriteMessage(&Message{Name: "A", Data: strings.NewReader("ab"), DataLength: 5})
	if err == nil {
		t.Fatal("short data written without error")
	}
}

func TestProtocolErrorMessage(t *testing.T) {
	m := (&ProtocolError{Code: CodeMissingField, Extra: "ClientGet needs field URI", Identifier: "id1"}).Message()
	want := "ProtocolError\nIdentifier=id1\nCode=5\nCodeDescription=Missing field\nExtraDescription=ClientGet needs field URI\nFatal=false\nGlobal=false\nEndMessage\n"
	if m.String() != want {
		t.Fatalf("got\n%s", m.String())
	}
}

func TestTypedFields(t *testing.T) {
	m := (&Message{Name: "ClientGet"}).Set("MaxSize", "100").Set("Global", "TRUE").Set("Bad", "maybe").Set("N", "1e3")
	if n, err := m.Int64("MaxSize", 0); n != 100 || err != nil {
		t.Fatal(n, err)
	}
	if b, err := m.Bool("Global", false); !b || err != nil {
		t.Fatal(b, err)
	}
	var pe *ProtocolError
	if _, err := m.Bool("Bad", false); !errors.As(err, &pe) || pe.Code != CodeInvalidField {
		t.Fatal(err)
	}
	if _, err := m.Int64("N", 0); !errors.As(err, &pe) || pe.Code != CodeErrorParsingNumber {
		t.Fatal(err)
	}
	if _, err := m.Require("URI"); !errors.As(err, &pe) || pe.Code != CodeMissingField {
		t.Fatal(err)
	}
}

// trickle is a Waiter that returns its string a few bytes at a time, and
// checks that the Reader holds no buffer while it waits.
type trickle struct {
	t      *testing.T
	s      string
	r      *Reader
	n      int
	waited int
}

func (tr *trickle) WaitRead() error {
	if tr.r != nil && tr.r.br.buf != nil {
		tr.t.Fatal("waiting with a buffer")
	}
	tr.waited++
	return nil
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(tr.s) == 0 {
		return 0, io.EOF
	}
	tr.n++
	k := min(len(p), len(tr.s), 1+tr.n%7)
	if tr.n%5 == 0 {
		k = min(len(p), len(tr.s)) // sometimes all that fits
	}
	copy(p, tr.s[:k])
	tr.s = tr.s[k:]
	return k, nil
}

// TestWaiterHoldsNoBuffer: over a Waiter, a Reader waits with no buffer,
// keeping a half line across the wait, and reads messages and data whole.
func TestWaiterHoldsNoBuffer(t *testing.T) {
	in := "ClientHello\nName=x\nExpectedVersion=2.0\nEndMessage\n" +
		"ClientPut\nURI=CHK@\nIdentifier=p\nDataLength=100000\nData\n" + strings.Repeat("d", 100000) +
		"GetNode\n" + strings.Repeat("Long=", 1) + strings.Repeat("v", 4000) + "\nEndMessage\n"
	tr := &trickle{t: t, s: in}
	r := NewReader(tr, Limits{})
	tr.r = r
	names := []string{}
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m.Name)
		if m.Data != nil {
			var b bytes.Buffer
			if n, err := io.Copy(&b, m.Data); err != nil || n != 100000 || strings.Trim(b.String(), "d") != "" {
				t.Fatalf("data: %d %v", n, err)
			}
		}
		if m.Name == "GetNode" && len(m.Get("Long")) != 4000 {
			t.Fatal("long line lost")
		}
	}
	if strings.Join(names, " ") != "ClientHello ClientPut GetNode" || tr.waited < 10 {
		t.Fatalf("read %v, waited %d times", names, tr.waited)
	}
}

// fuzzBudget is a Budget for tests that remembers what it lent.
type fuzzBudget struct {
	size, used int64
}

func (b *fuzzBudget) Reserve(n int64) bool {
	if b.used+n > b.size {
		return false
	}
	b.used += n
	return true
}

func (b *fuzzBudget) Release(n int64) {
	b.used -= n
	if b.used < 0 {
		panic("budget released more than reserved")
	}
}

// FuzzReadMessage checks that no input makes the Reader panic or loop, and
// that every message it accepts writes back to bytes that read as the same
// message; that its fields have distinct names, each found by Lookup (the
// name index of large messages agrees with the fields); that a small
// Budget is never overdrawn and is all given back; and that data reads
// the same through Read, WriteTo and CopyN.
func FuzzReadMessage(f *testing.F) {
	f.Add("ClientHello\nName=x\nExpectedVersion=2.0\nEndMessage\n")
	f.Add("ClientPut\nURI=CHK@\nDataLength=3\nData\nabcGetNode\nEnd\n")
	f.Add("A\nx=1\nx=2\nEndMessage\n\n\nB\r\nEndMessage\r\n")
	f.Add("A\nDataLength=99999999999\nData\n")
	f.Add(string(manyFields(40)) + "B\nEnd\n")
	f.Add(string(manyFields(20)) + "C\nFiles.3.Name=dup\nIdentifier=i\nDataLength=2\nData\nxyD\nEnd\n")
	f.Add("ClientPut\nIdentifier=big\n" + strings.Repeat("Junk=0123456789abcdef0123456789\n", 60) + "DataLength=4\nData\nabcdE\nEnd\n")
	f.Fuzz(func(t *testing.T, in string) {
		budget := &fuzzBudget{size: 1024}
		var src io.Reader = strings.NewReader(in)
		if len(in)%2 == 1 {
			// In small pieces, waiting for each: the buffer is given back
			// and partial lines kept across waits.
			src = &trickle{t: t, s: in}
		}
		r := NewReader(src, Limits{MaxDataLength: 1 << 20, MaxFields: 64, MaxHeaderBytes: 4096,
			Budget: budget, FreeHeaderBytes: 300})
		if tr, ok := src.(*trickle); ok {
			tr.r = r
		}
		defer func() {
			r.Release()
			if budget.used != 0 {
				t.Fatalf("%d bytes of the budget not given back", budget.used)
			}
		}()
		for i := 0; i < 100; i++ {
			m, err := r.ReadMessage()
			if budget.used > budget.size {
				t.Fatalf("budget overdrawn: %d", budget.used)
			}
			if err != nil {
				var pe *ProtocolError
				if errors.As(err, &pe) && !pe.Fatal {
					continue
				}
				return
			}
			names := map[string]bool{}
			for _, fl := range m.Fields {
				if names[fl.Name] {
					t.Fatalf("field %s twice", fl.Name)
				}
				names[fl.Name] = true
				if v, ok := m.Lookup(fl.Name); !ok || v != fl.Value {
					t.Fatalf("Lookup(%q) = %q, %v; want %q", fl.Name, v, ok, fl.Value)
				}
			}
			if _, ok := m.Lookup("no such field"); ok {
				t.Fatal("Lookup found an absent field")
			}
			var data []byte
			if m.Data != nil {
				var buf bytes.Buffer
				switch i % 3 {
				case 0:
					data, err = io.ReadAll(m.Data)
				case 1:
					_, err = io.Copy(&buf, m.Data) // WriteTo
					data = buf.Bytes()
				case 2:
					var n int64
					n, err = CopyN(&buf, m.Data, m.DataLength/2)
					if err == nil {
						_, err = CopyN(&buf, m.Data, m.DataLength-n)
					}
					data = buf.Bytes()
				}
				if err != nil {
					return
				}
				if int64(len(data)) != m.DataLength {
					t.Fatalf("read %d data bytes of %d", len(data), m.DataLength)
				}
			}
			if r.InMessage() && r.br.buffered() == 0 {
				t.Fatal("in a message after reading one whole")
			}
			var buf bytes.Buffer
			w := NewWriter(&buf)
			out := *m
			if m.Data != nil {
				out.Data = bytes.NewReader(data)
			}
			if err := w.WriteMessage(&out); err != nil {
				t.Fatalf("accepted message does not write back: %v", err)
			}
			m2, err := NewReader(&buf, Limits{}).ReadMessage()
			if err != nil {
				t.Fatalf("written message does not read back: %v\n%q", err, buf.String())
			}
			if m2.Name != m.Name || len(m2.Fields) != len(m.Fields) {
				t.Fatalf("round trip changed %q", m.Name)
			}
			for j := range m.Fields {
				if m.Data != nil && m.Fields[j].Name == "DataLength" && m2.Fields[j].Name == "DataLength" {
					continue // written from m.DataLength: "00" comes back as "0"
				}
				if m.Fields[j] != m2.Fields[j] {
					t.Fatalf("field %d changed: %v → %v", j, m.Fields[j], m2.Fields[j])
				}
			}
			if m.Data != nil {
				if m2.DataLength != m.DataLength {
					t.Fatalf("DataLength %d → %d", m.DataLength, m2.DataLength)
				}
				d2, _ := io.ReadAll(m2.Data)
				if !bytes.Equal(d2, data) {
					t.Fatal("data changed")
				}
			}
		}
	})
}
