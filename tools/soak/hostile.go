package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// The hostile clients, one per kind. Each keeps its connections open (the
// idle TCP client many, the others a few), opening a new one when the node
// closes one, for the whole run.
const (
	kindUpload = "FCP stalled upload"
	kindFlood  = "FCP header flood"
	kindHalf   = "FCP half message"
	kindIdle   = "idle TCP to a peer port"

	// uploadSize is the DataLength a stalled upload announces; it sends
	// uploadSent bytes of it (3.9 MiB) and then nothing.
	uploadSize = 4 << 20
	uploadSent = uploadSize * 39 / 40
	// floodFields is how many fields a header flood sends in one message
	// (26 bytes each) unless the node cuts it short.
	floodFields = 1 << 20
	// idleConns is how many idle connections the idle TCP client holds:
	// twice a node's inbound handshake slots.
	idleConns = 32
	// fcpConns is how many connections each FCP client holds at once.
	fcpConns = 4
)

// hostileStats is what one hostile client saw.
type hostileStats struct {
	kind  string
	node  int
	addr  string
	conns int

	mu           sync.Mutex
	opened       int
	dialFailed   int
	helloFailed  int
	closedByNode int
	held         []time.Duration // how long the node kept each connection it ended
	heldToEnd    int             // connections still open when the run ended
	sent         int64
	replies      map[string]int // how the node answered, by kind of answer
}

func (st *hostileStats) reply(r string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.replies[r]++
}

// hostiles are the hostile clients of a run.
type hostiles struct {
	cfg   config
	c     *cluster
	stats []*hostileStats
}

// newHostiles picks a victim node per kind, distinct ones when there are
// enough nodes besides avoid (the disk-fill node).
func newHostiles(cfg config, c *cluster, avoid int) *hostiles {
	h := &hostiles{cfg: cfg, c: c}
	rng := mrand.New(mrand.NewPCG(cfg.seed, 0x686f7374696c65))
	var victims []int
	for _, i := range rng.Perm(cfg.nodes) {
		if i != avoid {
			victims = append(victims, i)
		}
	}
	for k, kind := range []string{kindUpload, kindFlood, kindHalf, kindIdle} {
		n := c.nodes[victims[k%len(victims)]]
		st := &hostileStats{kind: kind, node: n.i, addr: n.fcpAddr, conns: fcpConns, replies: map[string]int{}}
		switch kind {
		case kindFlood:
			st.conns = 1
		case kindIdle:
			st.addr, st.conns = n.peerAddr, idleConns
		}
		h.stats = append(h.stats, st)
	}
	return h
}

// run runs every hostile client until ctx ends.
func (h *hostiles) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, st := range h.stats {
		for k := range st.conns {
			wg.Go(func() { h.loop(ctx, st, k) })
		}
	}
	wg.Wait()
}

// loop keeps one connection of st's kind open: it opens it, attacks,
// waits for the node to close it, and opens the next.
func (h *hostiles) loop(ctx context.Context, st *hostileStats, k int) {
	pause := time.Second
	if st.kind == kindIdle {
		pause = 200 * time.Millisecond
	}
	for ctx.Err() == nil {
		conn, err := net.DialTimeout("tcp", st.addr, 2*time.Second)
		if err != nil {
			st.mu.Lock()
			st.dialFailed++
			st.mu.Unlock()
			sleepCtx(ctx, time.Second)
			continue
		}
		st.mu.Lock()
		st.opened++
		st.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		t0 := time.Now()
		h.attack(st, conn, fmt.Sprintf("soak-hostile-%d-%d", st.node, k))
		ended := !stop() // the run ended it, not the node
		conn.Close()
		st.mu.Lock()
		if ended {
			st.heldToEnd++
		} else {
			st.closedByNode++
			st.held = append(st.held, time.Since(t0))
		}
		st.mu.Unlock()
		sleepCtx(ctx, pause)
	}
}

// attack does st's kind of harm on conn and returns once the connection
// has ended.
func (h *hostiles) attack(st *hostileStats, conn net.Conn, name string) {
	br := bufio.NewReader(conn)
	if st.kind == kindIdle {
		st.reply(drain(br))
		return
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(conn, "ClientHello\nName="+name+"\nExpectedVersion=2.0\nEndMessage\n")
	var hello string
	if err == nil {
		hello, err = readMessage(br)
	}
	if err != nil || hello != "NodeHello" {
		st.mu.Lock()
		st.helloFailed++
		st.mu.Unlock()
		st.reply("no NodeHello: " + replyText(hello, err))
		return
	}
	conn.SetDeadline(time.Time{})
	switch st.kind {
	case kindUpload:
		conn.SetWriteDeadline(time.Now().Add(time.Minute))
		_, err := fmt.Fprintf(conn, "ClientPut\nIdentifier=%s\nURI=CHK@\nUploadFrom=direct\nDataLength=%d\nData\n", name, uploadSize)
		chunk := make([]byte, 64<<10)
		for sent := 0; err == nil && sent < uploadSent; {
			var k int
			k, err = conn.Write(chunk[:min(len(chunk), uploadSent-sent)])
			sent += k
			st.mu.Lock()
			st.sent += int64(k)
			st.mu.Unlock()
		}
		if err != nil && !errors.Is(err, net.ErrClosed) {
			st.reply("upload cut short: " + shortErr(err))
			return
		}
		st.reply(drain(br))
	case kindHalf:
		if _, err := io.WriteString(conn, "ClientGet\nIdentifier="+name+"\nURI=CHK@"); err != nil {
			st.reply("write: " + shortErr(err))
			return
		}
		st.reply(drain(br))
	case kindFlood:
		got := make(chan string, 1)
		go func() { got <- drain(br) }()
		conn.SetWriteDeadline(time.Now().Add(time.Minute))
		bw := bufio.NewWriterSize(conn, 64<<10)
		fmt.Fprintf(bw, "ClientGet\nIdentifier=%s\nURI=CHK@soak\n", name)
		fields := 0
		for ; fields < floodFields; fields++ {
			if _, err := fmt.Fprintf(bw, "F%07d=vvvvvvvvvvvvvvvv\n", fields); err != nil {
				break
			}
		}
		err := bw.Flush()
		if err == nil {
			_, err = io.WriteString(conn, "EndMessage\n")
		}
		st.mu.Lock()
		st.sent += int64(fields) * 26
		st.mu.Unlock()
		select {
		case r := <-got:
			st.reply(fmt.Sprintf("%s (after ~%d fields)", r, fields/1024*1024))
		case <-time.After(10 * time.Second):
			if err == nil {
				st.reply("accepted all fields, kept the connection")
			} else {
				st.reply("stopped reading, kept the connection: " + shortErr(err))
			}
			conn.Close()
			<-got
		}
	}
}

// readMessage reads one FCP message and returns its name.
func readMessage(br *bufio.Reader) (string, error) {
	name := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return name, err
		}
		line = strings.TrimRight(line, "\r\n")
		if name == "" {
			name = line
		}
		if line == "EndMessage" || line == "Data" {
			return name, nil
		}
	}
}

// drain reads until the connection ends and says how: the first message
// the node sent (with its Code) and how the stream ended.
func drain(br *bufio.Reader) string {
	first := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			switch {
			case errors.Is(err, net.ErrClosed) && first == "":
				return "no answer; open until the run ended"
			case errors.Is(err, net.ErrClosed):
				return first + "; open until the run ended"
			case first == "":
				return "closed without a word (" + shortErr(err) + ")"
			}
			return first + ", then closed (" + shortErr(err) + ")"
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case first == "":
			first = line
		case strings.HasPrefix(line, "Code=") && !strings.Contains(first, "Code="):
			first += " " + line
		}
	}
}

func replyText(name string, err error) string {
	if err != nil {
		return shortErr(err)
	}
	return name
}

// shortErr names a connection error without addresses.
func shortErr(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, net.ErrClosed):
		return "closed here"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// summary describes st in a few lines.
func (st *hostileStats) summary() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	held := slices.Clone(st.held)
	slices.Sort(held)
	heldText := "none"
	if len(held) > 0 {
		heldText = fmt.Sprintf("median %v, max %v", held[len(held)/2].Round(100*time.Millisecond), held[len(held)-1].Round(100*time.Millisecond))
	}
	lines := []string{
		fmt.Sprintf("%s → node %d (%s), %d at once: %d connections opened, %d ended by the node (held %s), %d still open at the end, %d dials refused, %d without NodeHello, %.1f MiB sent",
			st.kind, st.node, st.addr, st.conns, st.opened, st.closedByNode, heldText, st.heldToEnd, st.dialFailed, st.helloFailed, float64(st.sent)/(1<<20)),
	}
	keys := make([]string, 0, len(st.replies))
	for r := range st.replies {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b string) int { return st.replies[b] - st.replies[a] })
	for i, r := range keys {
		if i == 5 {
			lines = append(lines, fmt.Sprintf("    … and %d other answers", len(keys)-5))
			break
		}
		lines = append(lines, fmt.Sprintf("    %5d× %s", st.replies[r], r))
	}
	return lines
}
