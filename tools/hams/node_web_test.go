package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNodeWebFlag: hams node serves the gateway on --web (here a free
// port), none with --web "", and refuses a non-loopback --web.
func TestNodeWebFlag(t *testing.T) {
	start := func(web string) (string, func() int) {
		ctx, cancel := context.WithCancel(context.Background())
		var errOut syncBuffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, env, []string{"node", "--transport", "none", "--dir", t.TempDir(), "--fcp", "127.0.0.1:0", "--web", web, "--store-size", "16M"})
		}()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(errOut.String(), "fcp listening on"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("--web %q: the node did not start: %s", web, errOut.String())
			}
		}
		return errOut.String(), func() int { cancel(); return <-code }
	}
	log, stop := start("127.0.0.1:0")
	m := regexp.MustCompile(`web gateway listening on (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(log)
	if m == nil {
		stop()
		t.Fatalf("no gateway line: %s", log)
	}
	resp, err := http.Get(m[1])
	if err != nil {
		stop()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Open a key") {
		t.Errorf("start page: %d %.200q", resp.StatusCode, body)
	}
	if c := stop(); c != 0 {
		t.Errorf("node exited with %d", c)
	}
	log, stop = start("")
	if strings.Contains(log, "web gateway") {
		t.Errorf(`--web "": %s`, log)
	}
	stop()
	if r := hams(t, nil, nil, false, "node", "--transport", "none", "--dir", t.TempDir(), "--fcp", "127.0.0.1:0", "--web", "0.0.0.0:8888"); r.code == 0 || !strings.Contains(r.stderr, "not loopback") {
		t.Errorf("--web 0.0.0.0:8888: exit %d, %q", r.code, r.stderr)
	}
}
