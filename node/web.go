package node

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"syscall"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/node/gateway"
	"github.com/hamsnet/hams/node/statuspage"
)

// startWeb starts the web gateway on Config.WebAddr over the node's
// backend; Close stops it before anything it uses.
func (n *Node) startWeb(be fcp.Backend) error {
	ln, err := net.Listen("tcp", n.cfg.WebAddr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("node: web gateway: %w (another program, such as a Hyphanet node, has it: pass --web 127.0.0.1:PORT, or --web \"\" for no gateway)", err)
	}
	if err != nil {
		return fmt.Errorf("node: web gateway: %w", err)
	}
	gw, err := gateway.New(gateway.Config{
		Backend:          be,
		StateDir:         filepath.Join(n.cfg.Dir, "gateway"),
		Addr:             ln.Addr().String(),
		AllowNonLoopback: n.cfg.AllowNonLoopbackWeb,
		Status:           n.statusPage(),
		SocialURL:        n.cfg.WebSocialURL,
		Logger:           n.cfg.Logger,
	})
	if err != nil {
		ln.Close()
		n.stopStatus()
		return err
	}
	n.gw, n.webLn, n.webDone = gw, ln, make(chan struct{})
	go func() {
		defer close(n.webDone)
		if err := gw.Serve(ln); err != nil {
			n.cfg.Logger.Error("web gateway stopped", "err", err)
		}
	}()
	n.cfg.Logger.Info("web gateway listening on http://" + ln.Addr().String() + "/")
	return nil
}

// closeWeb stops the gateway, if it runs.
func (n *Node) closeWeb() {
	if n.gw == nil {
		return
	}
	n.gw.Close()
	<-n.webDone
	n.stopStatus()
}

// stopStatus stops the status sampler, if it runs.
func (n *Node) stopStatus() {
	if n.statusDone != nil {
		close(n.statusStop)
		<-n.statusDone
		n.statusDone = nil
	}
}

// WebAddr returns the address the web gateway listens on, or "".
func (n *Node) WebAddr() string {
	if n.webLn == nil {
		return ""
	}
	return n.webLn.Addr().String()
}

// statusPage returns the gateway's /status and /metrics, and starts the
// sampler of their history (stopped by Close).
func (n *Node) statusPage() *statuspage.Page {
	p := newStatusPage(n.net, n.ds, n.started)
	n.statusStop, n.statusDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(n.statusDone)
		runStatusSampler(p, n.statusStop)
	}()
	return p
}
