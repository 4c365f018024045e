package tornet

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Reading a process's TCP sockets from /proc (Linux), so that tests can
// show where a tor, and the transport programs it runs, connect.

// ChildrenOf returns the PIDs whose parent is pid.
func ChildrenOf(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces.
		i := strings.LastIndexByte(string(stat), ')')
		if f := strings.Fields(string(stat[i+1:])); i > 0 && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// ProcessGone reports whether the process pid has exited: it no longer
// exists, or it is a zombie (state Z, or X, in /proc/PID/stat) that no one
// has reaped yet. A process whose parent died belongs to PID 1 (or a
// subreaper), which may never reap it: in a container whose PID 1 is a
// plain program, a tor or obfs4proxy that exited after its parent stays a
// zombie, and kill(pid, 0) still succeeds on it.
func ProcessGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	// "pid (comm) state ...": comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	return i > 0 && len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// FindProcesses returns the PIDs of the children of parent whose command
// line contains arg (e.g. a tor started with a torrc in a node's
// directory).
func FindProcesses(parent int, arg string) []int {
	var out []int
	for _, pid := range ChildrenOf(parent) {
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(cmd), arg) {
			out = append(out, pid)
		}
	}
	return out
}

// Socket is one TCP socket of a process (a line of /proc/net/tcp or tcp6).
type Socket struct {
	Local, Remote *net.TCPAddr
	Listen        bool
}

// parseProcAddr decodes "0100007F:1F90" (IPv4) or its 32-digit IPv6 form:
// the address as 32-bit words in host (little-endian) order.
func parseProcAddr(s string) (*net.TCPAddr, error) {
	h, p, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(h)
	port, err2 := strconv.ParseUint(p, 16, 16)
	if !ok || err != nil || err2 != nil || len(raw)%4 != 0 {
		return nil, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return &net.TCPAddr{IP: net.IP(raw), Port: int(port)}, nil
}

// ProcessSockets returns the TCP sockets that the processes pids hold.
func ProcessSockets(pids []int) ([]Socket, error) {
	inodes := map[string]bool{}
	for _, pid := range pids {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			return nil, fmt.Errorf("tornet: pid %d: %w", pid, err)
		}
		for _, fd := range fds {
			target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if ino, ok := strings.CutPrefix(target, "socket:["); ok {
				inodes[strings.TrimSuffix(ino, "]")] = true
			}
		}
	}
	var out []Socket
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for l := range strings.Lines(string(data)) {
			f := strings.Fields(l)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			local, err1 := parseProcAddr(f[1])
			remote, err2 := parseProcAddr(f[2])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("tornet: %s: %q", file, l)
			}
			out = append(out, Socket{Local: local, Remote: remote, Listen: f[3] == "0A"})
		}
	}
	return out, nil
}

// BridgeOnly checks that the tor pid and its children (its obfs4proxy)
// hold no TCP connection except on loopback to each other, to their own
// listeners (control and SOCKS ports) and to a bridge's obfs4 port
// ptPort, and that one of them is connected to that port. Connections to
// a port that one of services listens on are allowed too: these are the
// local targets of the tor's onion services (the process that runs the
// service, usually the test itself), which tor connects to when a client
// reaches the onion. It returns the sockets it saw, described, and what is
// wrong (nil if nothing).
func BridgeOnly(pid, ptPort int, services ...int) ([]string, error) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		return nil, fmt.Errorf("tornet: no /proc/net/tcp: %w", err)
	}
	pids := append([]int{pid}, ChildrenOf(pid)...)
	socks, err := ProcessSockets(pids)
	if err != nil {
		return nil, err
	}
	listening := map[int]bool{}
	for _, s := range socks {
		if s.Listen {
			listening[s.Local.Port] = true
		}
	}
	served := map[int]bool{}
	if len(services) > 0 {
		svc, err := ProcessSockets(services)
		if err != nil {
			return nil, err
		}
		for _, s := range svc {
			if s.Listen && s.Local.IP.IsLoopback() {
				served[s.Local.Port] = true
			}
		}
	}
	toBridge := 0
	var desc []string
	var errs []error
	for _, s := range socks {
		if s.Listen {
			desc = append(desc, "listen "+s.Local.String())
			continue
		}
		desc = append(desc, s.Local.String()+"->"+s.Remote.String())
		switch {
		case !s.Remote.IP.IsLoopback() || !s.Local.IP.IsLoopback():
			errs = append(errs, fmt.Errorf("connection %v -> %v leaves loopback", s.Local, s.Remote))
		case listening[s.Local.Port] || listening[s.Remote.Port]:
			// accepted by one of them, or between the tor and its
			// obfs4proxy
		case s.Remote.Port == ptPort:
			toBridge++
		case served[s.Remote.Port]:
			// tor reaching the local target of one of its onion services
		default:
			errs = append(errs, fmt.Errorf("connection %v -> %v: neither the bridge nor its own", s.Local, s.Remote))
		}
	}
	if len(pids) < 2 {
		errs = append(errs, fmt.Errorf("the bridge client (pid %d) runs no obfs4proxy", pid))
	}
	if toBridge == 0 {
		errs = append(errs, fmt.Errorf("no connection to the bridge's obfs4 port %d", ptPort))
	}
	return desc, errors.Join(errs...)
}

// BridgePort returns the obfs4 port of the network's bridge (0: none).
func (n *Network) BridgePort() int {
	if nd := n.bridgeNode(); nd != nil {
		return nd.ptPort
	}
	return 0
}
