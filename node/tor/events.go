package tor

import (
	"context"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/cretz/bine/control"
)

// aLongTimeAgo is a deadline in the past: setting it on a connection makes
// every pending and future read and write fail at once.
var aLongTimeAgo = time.Unix(1, 0)

// eventConn is a second control connection to tor, used only during Start
// for asynchronous events (bootstrap status and onion descriptor uploads).
// Keeping events off bine's main control connection means no synchronous
// request ever competes with an event reader, and the one reader goroutine
// ends as soon as close closes the socket.
type eventConn struct {
	raw    net.Conn
	events chan control.Event
	done   chan struct{} // closed when the reader goroutine has returned
	err    error         // why the reader stopped; read after done
}

// openEventConn connects to tor's control port through dial, authenticates
// (cookie), subscribes to STATUS_CLIENT and HS_DESC and starts the reader.
// ctx bounds the handshake.
func openEventConn(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), controlPort int) (*eventConn, error) {
	raw, err := dial(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(controlPort)))
	if err != nil {
		return nil, fmt.Errorf("tor: control connection: %w", err)
	}
	// bine's control calls take no context: a deadline on the socket
	// bounds them instead.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(aLongTimeAgo) })
	ctl := control.NewConn(textproto.NewConn(raw))
	err = ctl.Authenticate("")
	if err == nil {
		_, err = ctl.SendRequest("SETEVENTS %s %s", control.EventCodeStatusClient, control.EventCodeHSDesc)
	}
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("tor: control connection: %w", err)
	}
	e := &eventConn{raw: raw, events: make(chan control.Event, 64), done: make(chan struct{})}
	go e.read(ctl)
	return e, nil
}

// read relays the STATUS_CLIENT and HS_DESC events until the connection
// fails or is closed.
func (e *eventConn) read(ctl *control.Conn) {
	defer close(e.done)
	for {
		resp, err := ctl.ReadResponse()
		if err != nil {
			e.err = err
			return
		}
		if !resp.IsAsync() {
			continue
		}
		line := resp.Reply
		if len(resp.Data) > 0 {
			line = resp.Data[0]
		}
		code, rest, _ := strings.Cut(line, " ")
		var ev control.Event
		switch control.EventCode(code) {
		case control.EventCodeStatusClient:
			ev = control.ParseStatusEvent(control.EventCodeStatusClient, rest)
		case control.EventCodeHSDesc:
			ev = control.ParseHSDescEvent(rest)
		default:
			continue
		}
		e.events <- ev // close drains the channel, so this cannot block for ever
	}
}

// close closes the connection and waits for the reader goroutine.
func (e *eventConn) close() {
	e.raw.Close()
	for {
		select {
		case <-e.events:
		case <-e.done:
			return
		}
	}
}

// status is a parsed STATUS_CLIENT/GETINFO status line: severity, action
// and KEY=VALUE arguments (values may be quoted, with backslash escapes).
type status struct {
	severity, action string
	args             map[string]string
}

// parseStatus parses "NOTICE BOOTSTRAP PROGRESS=45 TAG=x SUMMARY=\"a b\"".
// bine's StatusEvent splits quoted values on spaces, so the raw text is
// parsed here.
func parseStatus(raw string) status {
	var s status
	s.args = map[string]string{}
	raw = strings.TrimSpace(raw)
	s.severity, raw, _ = strings.Cut(raw, " ")
	s.action, raw, _ = strings.Cut(strings.TrimLeft(raw, " "), " ")
	for {
		raw = strings.TrimLeft(raw, " ")
		if raw == "" {
			return s
		}
		var key string
		i := strings.IndexAny(raw, "= ")
		if i < 0 || raw[i] == ' ' {
			// A bare word: skip it.
			if i < 0 {
				return s
			}
			raw = raw[i:]
			continue
		}
		key, raw = raw[:i], raw[i+1:]
		var val strings.Builder
		if strings.HasPrefix(raw, `"`) {
			j := 1
			for ; j < len(raw) && raw[j] != '"'; j++ {
				if raw[j] == '\\' && j+1 < len(raw) {
					j++
				}
				val.WriteByte(raw[j])
			}
			raw = raw[min(j+1, len(raw)):]
		} else {
			j := strings.IndexByte(raw, ' ')
			if j < 0 {
				j = len(raw)
			}
			val.WriteString(raw[:j])
			raw = raw[j:]
		}
		s.args[key] = val.String()
	}
}
