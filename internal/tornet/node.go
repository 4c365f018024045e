package tornet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Close waits after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// logName is the file in each tor's directory that receives its stdout and
// stderr (the torrc logs notices to stdout).
const logName = "tor.log"

// node is one tor of the network.
type node struct {
	name    string
	auth    bool
	bridge  bool   // the obfs4 bridge (Config.Bridge); in no consensus
	dir     string // DataDirectory
	orPort  int
	dirPort int    // 0 for the bridge: tor refuses a DirPort on a bridge
	ptPort  int    // the bridge's obfs4 port
	cert    string // the bridge's obfs4 cert, once its gate check read it
	iatMode string // the bridge's obfs4 iat-mode, likewise
	fpr     string // RSA identity fingerprint, 40 upper-case hex digits
	v3ident string // authorities: fingerprint of the authority certificate

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returns
	werr error         // cmd.Wait's result, valid after done
}

// findBinaries resolves tor and tor-gencert.
func findBinaries(torPath string) (tor, gencert string, err error) {
	if torPath == "" {
		torPath = "tor"
	}
	tor, err = exec.LookPath(torPath)
	if err != nil {
		return "", "", fmt.Errorf("tornet: tor binary: %w", err)
	}
	if tor, err = filepath.Abs(tor); err != nil {
		return "", "", fmt.Errorf("tornet: %w", err)
	}
	next := filepath.Join(filepath.Dir(tor), "tor-gencert")
	if st, err := os.Stat(next); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		return tor, next, nil
	}
	gencert, err = exec.LookPath("tor-gencert")
	if err != nil {
		return "", "", fmt.Errorf("tornet: tor-gencert (not next to %s either): %w", tor, err)
	}
	return tor, gencert, nil
}

// freePorts returns k distinct free TCP ports on 127.0.0.1 and a release
// function. The ports stay bound until release is called, so nothing else
// gets them meanwhile: call it just before handing them to tor.
func freePorts(k int) (ports []int, release func(), err error) {
	var ls []net.Listener
	release = func() {
		for _, l := range ls {
			l.Close()
		}
		ls = nil
	}
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("tornet: picking a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, release, nil
}

// prepare creates the directories, picks ports, generates keys and writes
// every torrc.
func (n *Network) prepare(ctx context.Context, gencert string) error {
	cfg := n.cfg
	total := cfg.Authorities + cfg.Relays
	for i := range total {
		nd := &node{auth: i < cfg.Authorities}
		if nd.auth {
			nd.name = fmt.Sprintf("auth%d", i)
		} else {
			nd.name = fmt.Sprintf("relay%d", i-cfg.Authorities)
		}
		nd.dir = filepath.Join(cfg.Dir, nd.name)
		n.nodes = append(n.nodes, nd)
	}
	if cfg.Bridge {
		n.nodes = append(n.nodes, &node{name: "bridge0", bridge: true, dir: filepath.Join(cfg.Dir, "bridge0")})
		total++
	}
	for _, nd := range n.nodes {
		if _, err := os.Lstat(nd.dir); err == nil {
			return fmt.Errorf("tornet: %s already exists; Start needs a fresh Config.Dir", nd.dir)
		}
	}
	// The ports stay bound through key generation (seconds) and are
	// released just before the tors start (see startAll), which leaves
	// other programs milliseconds, not seconds, to take one of them.
	ports, release, err := freePorts(2 * total)
	if err != nil {
		return err
	}
	n.releasePorts = release
	for i, nd := range n.nodes {
		if nd.bridge {
			nd.orPort, nd.ptPort = ports[2*i], ports[2*i+1]
		} else {
			nd.orPort, nd.dirPort = ports[2*i], ports[2*i+1]
		}
		if err := os.MkdirAll(filepath.Join(nd.dir, "keys"), 0o700); err != nil {
			return fmt.Errorf("tornet: %w", err)
		}
		if err := os.Chmod(nd.dir, 0o700); err != nil {
			return fmt.Errorf("tornet: %w", err)
		}
	}
	cfg.Logf("tornet: generating keys for %d tors in %s", total, cfg.Dir)
	// Key generation is CPU-bound (tor-gencert makes a 3072-bit RSA key,
	// about 2 s), so run it on every core.
	t0 := time.Now()
	jobs := make(chan func() error)
	errs := make(chan error, len(n.nodes)+cfg.Authorities)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				errs <- job()
			}
		}()
	}
	for _, nd := range n.nodes {
		if nd.auth {
			jobs <- func() error { return nd.genAuthorityKeys(ctx, gencert) }
		}
		jobs <- func() error { return nd.listFingerprint(ctx, cfg.TorPath) }
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	cfg.Logf("tornet: keys generated in %v", time.Since(t0).Round(100*time.Millisecond))
	for _, nd := range n.nodes {
		if err := os.WriteFile(filepath.Join(nd.dir, "torrc"), []byte(n.torrc(nd)), 0o600); err != nil {
			return fmt.Errorf("tornet: %w", err)
		}
	}
	return nil
}

// run runs a short helper command and returns its stdout, or an error with
// its combined output.
func run(ctx context.Context, stdin string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tornet: %s: %w", filepath.Base(name), ctx.Err())
		}
		return nil, fmt.Errorf("tornet: %s %s: %w\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// genAuthorityKeys creates the authority identity key, signing key and
// certificate with tor-gencert and reads the v3ident from the certificate.
func (nd *node) genAuthorityKeys(ctx context.Context, gencert string) error {
	keys := filepath.Join(nd.dir, "keys")
	cert := filepath.Join(keys, "authority_certificate")
	_, err := run(ctx, "\n", gencert,
		"--create-identity-key",
		"--passphrase-fd", "0",
		"-m", "12",
		"-a", fmt.Sprintf("127.0.0.1:%d", nd.dirPort),
		"-i", filepath.Join(keys, "authority_identity_key"),
		"-s", filepath.Join(keys, "authority_signing_key"),
		"-c", cert,
	)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(cert)
	if err != nil {
		return fmt.Errorf("tornet: %w", err)
	}
	nd.v3ident, err = certFingerprint(data)
	if err != nil {
		return fmt.Errorf("tornet: %s: %w", cert, err)
	}
	return nil
}

// certFingerprint returns the "fingerprint" line of an authority key
// certificate.
func certFingerprint(cert []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(cert))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "fingerprint" && isHexFingerprint(f[1]) {
			return strings.ToUpper(f[1]), nil
		}
	}
	return "", errors.New("no fingerprint line in the authority certificate")
}

// listFingerprint makes tor generate the relay identity keys in the node's
// data directory and reads back the RSA identity fingerprint.
func (nd *node) listFingerprint(ctx context.Context, tor string) error {
	out, err := run(ctx, "", tor,
		"--ignore-missing-torrc", "-f", os.DevNull,
		"--defaults-torrc", os.DevNull,
		"--quiet", "--list-fingerprint",
		"--DataDirectory", nd.dir,
		"--Nickname", nd.name,
		"--ORPort", "1",
		// Any DirAuthority keeps tor from insisting on the public ones.
		"--DirAuthority", "x 127.0.0.1:1 ffffffffffffffffffffffffffffffffffffffff",
	)
	if err != nil {
		return err
	}
	fpr, err := parseListFingerprint(out, nd.name)
	if err != nil {
		return fmt.Errorf("tornet: tor --list-fingerprint for %s: %w", nd.name, err)
	}
	nd.fpr = fpr
	return nil
}

// parseListFingerprint reads "<nick> XXXX XXXX ..." from the output of
// tor --list-fingerprint.
func parseListFingerprint(out []byte, nick string) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != nick {
			continue
		}
		fpr := strings.Join(f[1:], "")
		if isHexFingerprint(fpr) {
			return strings.ToUpper(fpr), nil
		}
	}
	return "", fmt.Errorf("no fingerprint in output %q", out)
}

func isHexFingerprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// startAll starts the tors of set.
func (n *Network) startAll(set []*node) error {
	n.releasePorts()
	for _, nd := range set {
		if err := nd.start(n.cfg.TorPath); err != nil {
			return err
		}
		if nd.bridge {
			n.cfg.Logf("tornet: %s pid %d orport %d obfs4 port %d fingerprint %s", nd.name, nd.cmd.Process.Pid, nd.orPort, nd.ptPort, nd.fpr)
		} else {
			n.cfg.Logf("tornet: %s pid %d orport %d dirport %d fingerprint %s", nd.name, nd.cmd.Process.Pid, nd.orPort, nd.dirPort, nd.fpr)
		}
	}
	return nil
}

// start starts the node's tor as a child process with stdout and stderr
// going to its log file.
func (nd *node) start(tor string) error {
	logf, err := os.OpenFile(nd.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("tornet: %w", err)
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(tor, "-f", filepath.Join(nd.dir, "torrc"), "--defaults-torrc", os.DevNull)
	cmd.Dir = nd.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tornet: starting %s: %w", nd.name, err)
	}
	nd.cmd = cmd
	nd.done = make(chan struct{})
	go func() {
		nd.werr = cmd.Wait()
		close(nd.done)
	}()
	return nil
}

func (nd *node) logPath() string { return filepath.Join(nd.dir, logName) }

// exited reports whether the node's tor has exited, and how.
func (nd *node) exited() (bool, error) {
	if nd.done == nil {
		return false, nil
	}
	select {
	case <-nd.done:
		return true, nd.werr
	default:
		return false, nil
	}
}

// stop sends SIGTERM, then SIGKILL after grace, and waits for the process.
func (nd *node) stop(grace time.Duration) error {
	if nd.cmd == nil {
		return nil
	}
	select {
	case <-nd.done:
		return nil
	default:
	}
	nd.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-nd.done:
		return nil
	case <-t.C:
	}
	nd.cmd.Process.Kill()
	select {
	case <-nd.done:
		return nil
	case <-time.After(grace):
		return fmt.Errorf("tornet: %s (pid %d) did not exit after SIGKILL", nd.name, nd.cmd.Process.Pid)
	}
}

// logTail returns the last lines of the node's log, indented, for error
// messages.
func (nd *node) logTail(lines int) string {
	data, err := os.ReadFile(nd.logPath())
	if err != nil {
		return "    (no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "    " + strings.Join(all, "\n    ")
}

// pid returns the node's process id, 0 if it was never started.
func (nd *node) pid() int {
	if nd.cmd == nil || nd.cmd.Process == nil {
		return 0
	}
	return nd.cmd.Process.Pid
}
