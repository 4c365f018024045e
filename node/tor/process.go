package tor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cretz/bine/process"
)

// torProcess is the tor child process, created through bine's
// process.Creator interface so that the transport, not bine, owns it: its
// output is captured for error messages instead of going to our stdout,
// Wait may be called any number of times, and Start returns only once tor
// has written its control port (or has exited, or the start context ended).
type torProcess struct {
	path     string
	startCtx context.Context // bounds the wait for the control port file
	out      *tailBuffer

	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd.Wait returns
	waitErr error

	mu     sync.Mutex  // guards the fields below, used by the watchdogs
	osProc *os.Process // set once tor has started
	killed bool        // kill was called: do not start
}

// New implements process.Creator. The context bine passes is ignored: the
// transport stops tor itself (HALT, then SIGTERM, then SIGKILL).
func (p *torProcess) New(_ context.Context, args ...string) (process.Process, error) {
	if p.cmd != nil {
		return nil, errors.New("tor: process already created")
	}
	p.cmd = exec.Command(p.path, args...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.Stdin = nil
	p.done = make(chan struct{})
	return p, nil
}

// Start implements process.Process. It starts tor and waits until tor has
// written its control port to the file bine named with
// --ControlPortWriteToFile, so that bine's short polling of that file
// always succeeds.
func (p *torProcess) Start() error {
	p.mu.Lock()
	err := p.startCtx.Err()
	if err == nil && p.killed {
		err = errors.New("stopped before it started")
	}
	if err == nil {
		err = p.cmd.Start()
	}
	if err != nil {
		p.mu.Unlock()
		p.waitErr = err
		close(p.done)
		return fmt.Errorf("tor: starting %s: %w", p.path, err)
	}
	p.osProc = p.cmd.Process
	p.mu.Unlock()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	portFile := ""
	for i, a := range p.cmd.Args {
		if a == "--ControlPortWriteToFile" && i+1 < len(p.cmd.Args) {
			portFile = p.cmd.Args[i+1]
		}
	}
	if portFile == "" {
		return nil
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(portFile); err == nil {
			if _, err := process.ControlPortFromFileContents(string(b)); err == nil {
				return nil
			}
		}
		select {
		case <-p.done:
			return &exitError{err: p.waitErr}
		case <-p.startCtx.Done():
			return fmt.Errorf("tor: tor did not open its control port: %w", p.startCtx.Err())
		case <-tick.C:
		}
	}
}

// exitError reports that tor exited while the transport was starting.
type exitError struct{ err error }

func (e *exitError) Error() string {
	if e.err == nil {
		return "tor: tor exited (exit status 0)"
	}
	return "tor: tor exited (" + e.err.Error() + ")"
}

// Wait implements process.Process; unlike exec.Cmd.Wait it may be called
// any number of times, from any goroutine.
func (p *torProcess) Wait() error {
	if p.done == nil {
		return errors.New("tor: process not created")
	}
	<-p.done
	return p.waitErr
}

// EmbeddedControlConn implements process.Process.
func (p *torProcess) EmbeddedControlConn() (net.Conn, error) {
	return nil, process.ErrControlConnUnsupported
}

// started reports whether the process was started (and may be running).
func (p *torProcess) started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.osProc != nil
}

// exited reports whether the process has exited (or never started).
func (p *torProcess) exited() bool {
	if !p.started() {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL, or prevents the start if tor has not started yet;
// it is a no-op once the process has exited.
func (p *torProcess) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killed = true
	if p.osProc != nil {
		_ = p.osProc.Kill() // os.Process uses a pidfd: no risk of a reused PID
	}
}

// stop waits up to grace for tor to exit by itself (after HALT), then sends
// SIGTERM (on which a client tor exits at once) and, if tor is still running
// a few seconds later, SIGKILL. It returns once the process has exited and
// been reaped.
func (p *torProcess) stop(grace time.Duration) {
	if !p.started() {
		return
	}
	if p.waitFor(grace) {
		return
	}
	_ = p.osProc.Signal(syscall.SIGTERM)
	if p.waitFor(5 * time.Second) {
		return
	}
	p.kill()
	<-p.done
}

func (p *torProcess) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// tailBuffer keeps the last tailBufferSize bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailBufferSize = 16 << 10

// Write implements io.Writer.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailBufferSize {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-tailBufferSize:]...)
	}
	return len(p), nil
}

// lines returns the last n non-empty lines written.
func (b *tailBuffer) lines(n int) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return lastLines(b.buf, n)
}

// lastLines returns the last n non-empty lines of b.
func lastLines(b []byte, n int) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		if s := strings.TrimRight(string(l), "\r \t"); s != "" {
			out = append(out, s)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// readLogTail returns the last n non-empty lines of the file at path,
// reading only what was written after offset (and at most its last 64 KiB).
func readLogTail(path string, offset int64, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	start := max(offset, fi.Size()-64<<10, 0)
	if start > fi.Size() {
		start = 0 // the file was truncated or replaced
	}
	b, err := io.ReadAll(io.NewSectionReader(f, start, fi.Size()-start))
	if err != nil {
		return nil
	}
	return lastLines(b, n)
}

// prepareLog moves an oversized tor.log aside and returns the size of the
// log, the offset from which this run's lines will be read.
//
// The log is made (or kept) with mode 0600 before tor opens it: tor logs
// the addresses of bridges it cannot reach, and the bridges a person uses
// are secret.
func prepareLog(path string) int64 {
	defer func() {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			f.Close()
		}
		os.Chmod(path, 0o600)
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if fi.Size() > maxLogSize {
		if os.Rename(path, path+".old") == nil {
			return 0
		}
	}
	return fi.Size()
}
