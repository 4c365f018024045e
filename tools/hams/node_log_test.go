package main

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpwire"
)

// TestNodeLogLevel: `hams node --log-level debug` shows what the node
// refuses an FCP client (message, identifier, code, description); at the
// default level it does not. --fcp-upload-dir reaches the FCP server
// (GetConfig shows it).
func TestNodeLogLevel(t *testing.T) {
	r := hams(t, nil, nil, false, "node", "--transport", "none", "--log-level", "loud")
	if r.code != exitUsage || !strings.Contains(r.stderr, `bad --log-level "loud"`) {
		t.Fatalf("bad level: %+v", r)
	}
	upload := t.TempDir()
	for _, tc := range []struct {
		args  []string
		debug bool
	}{
		{[]string{"--log-level", "debug", "--fcp-upload-dir", upload}, true},
		{nil, false},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		var errOut syncBuffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, env, append([]string{"node", "--transport", "none", "--dir", t.TempDir(), "--fcp", "127.0.0.1:0", "--web", "127.0.0.1:0", "--store-size", "16M"}, tc.args...))
		}()
		var addr string
		re := regexp.MustCompile(`fcp listening on (\S+)`)
		for deadline := time.Now().Add(20 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
			if m := re.FindStringSubmatch(errOut.String()); m != nil {
				addr = m[1]
			} else if time.Now().After(deadline) {
				cancel()
				t.Fatalf("node did not start: %s", errOut.String())
			}
		}
		nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		w, rd := fcpwire.NewWriter(nc), fcpwire.NewReader(nc, fcpwire.Limits{})
		var replies []*fcpwire.Message
		for _, m := range []*fcpwire.Message{
			(&fcpwire.Message{Name: "ClientHello"}).Set("Name", "log-test").Set("ExpectedVersion", "2.0"),
			(&fcpwire.Message{Name: "ClientGet"}).Set("URI", "SSK@nonsense").Set("Identifier", "dbg1"),
			(&fcpwire.Message{Name: "GetConfig"}).Set("WithCurrent", "true"),
		} {
			if err := w.WriteMessage(m); err != nil {
				t.Fatal(err)
			}
			reply, err := rd.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			replies = append(replies, reply)
		}
		nc.Close()
		if replies[1].Name != "ProtocolError" || replies[1].Get("Code") != "4" {
			t.Errorf("ClientGet of a bad URI: %s", replies[1])
		}
		wantDirs := "all"
		if tc.debug {
			wantDirs = upload
		}
		if got := replies[2].Get("current.node.uploadAllowedDirs"); got != wantDirs {
			t.Errorf("%v: current.node.uploadAllowedDirs=%q, want %q", tc.args, got, wantDirs)
		}
		cancel()
		if c := <-code; c != 0 {
			t.Fatalf("node exited with %d: %s", c, errOut.String())
		}
		line := regexp.MustCompile(`(?m)^\S+ DEBUG fcp: ProtocolError .*$`).FindString(errOut.String())
		switch {
		case tc.debug && line == "":
			t.Errorf("--log-level debug: no ProtocolError line in\n%s", errOut.String())
		case tc.debug:
			for _, want := range []string{"client=log-test", "message=ClientGet", "identifier=dbg1", "code=4", "description=Error parsing freenet URI", "fatal=false"} {
				if !strings.Contains(line, want) {
					t.Errorf("line %q lacks %q", line, want)
				}
			}
		case line != "" || strings.Contains(errOut.String(), "DEBUG"):
			t.Errorf("default level: debug lines in\n%s", errOut.String())
		}
	}
}
