package tornet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"
)

// gateFlags are the flags every relay must carry in the consensus before
// the network counts as usable.
var gateFlags = []string{"Running", "Valid", "HSDir"}

// gatePoll is the interval between two checks of the gate.
const gatePoll = 500 * time.Millisecond

// routerStatus is one "r" entry of a microdescriptor consensus.
type routerStatus struct {
	nick     string
	identity string // RSA identity, 40 upper-case hex digits
	md       string // microdescriptor digest, unpadded base64
	flags    []string
}

// consensus is what the gate needs from a microdescriptor consensus.
type consensus struct {
	validAfter time.Time
	routers    []routerStatus
}

// parseMicrodescConsensus extracts the valid-after time and the router
// entries of a microdescriptor-flavoured consensus. It rejects documents
// that do not end with a signature (e.g. truncated ones).
func parseMicrodescConsensus(doc []byte) (*consensus, error) {
	c := &consensus{}
	var out []routerStatus
	var cur *routerStatus
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(nil, 1<<20)
	sawHeader, sawFooter := false, false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "network-status-version":
			sawHeader = true
		case "valid-after":
			if len(f) == 3 {
				va, err := time.Parse(time.DateTime, f[1]+" "+f[2])
				if err != nil {
					return nil, fmt.Errorf("bad valid-after line %q", sc.Text())
				}
				c.validAfter = va
			}
		case "r":
			if len(f) < 3 {
				return nil, fmt.Errorf("short r line %q", sc.Text())
			}
			id, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(f[2], "="))
			if err != nil || len(id) != 20 {
				return nil, fmt.Errorf("bad identity in r line %q", sc.Text())
			}
			out = append(out, routerStatus{nick: f[1], identity: strings.ToUpper(hex.EncodeToString(id))})
			cur = &out[len(out)-1]
		case "m":
			if cur != nil && len(f) >= 2 {
				cur.md = strings.TrimRight(f[1], "=")
			}
		case "s":
			if cur != nil {
				cur.flags = f[1:]
			}
		case "directory-footer":
			cur = nil
			sawFooter = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sawHeader || c.validAfter.IsZero() {
		return nil, errors.New("not a consensus document")
	}
	if !sawFooter || !bytes.HasSuffix(bytes.TrimRight(doc, "\n"), []byte("-----END SIGNATURE-----")) {
		return nil, fmt.Errorf("truncated consensus (%d bytes)", len(doc))
	}
	c.routers = out
	return c, nil
}

// microdescDigests splits a concatenation of microdescriptors (as served at
// /tor/micro/d/...) and returns the unpadded base64 SHA-256 of each, which
// is how the consensus names them.
func microdescDigests(body []byte) []string {
	var digests []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			sum := sha256.Sum256(body[start:end])
			digests = append(digests, base64.RawStdEncoding.EncodeToString(sum[:]))
		}
	}
	// Every microdescriptor begins with an "onion-key" line.
	for off := 0; off < len(body); {
		if bytes.HasPrefix(body[off:], []byte("onion-key")) {
			flush(off)
			start = off
		}
		j := bytes.IndexByte(body[off:], '\n')
		if j < 0 {
			break
		}
		off += j + 1
	}
	flush(len(body))
	return digests
}

// checkConsensus reports why the router list does not pass the gate for
// the network's relays, or "" if it does. It also returns the
// microdescriptor digest of every relay.
func (n *Network) checkConsensus(statuses []routerStatus) (string, []string) {
	byID := make(map[string]routerStatus, len(statuses))
	for _, r := range statuses {
		byID[r.identity] = r
	}
	var missing []string
	var mds []string
	relays := 0
	for _, nd := range n.nodes {
		r, ok := byID[nd.fpr]
		if nd.bridge {
			if ok {
				missing = append(missing, nd.name+" listed, but a bridge must not be")
			}
			continue
		}
		relays++
		switch {
		case !ok:
			missing = append(missing, nd.name+" absent")
		case r.md == "":
			missing = append(missing, nd.name+" without microdescriptor")
		default:
			var lacks []string
			for _, fl := range gateFlags {
				if !slices.Contains(r.flags, fl) {
					lacks = append(lacks, fl)
				}
			}
			if len(lacks) > 0 {
				missing = append(missing, nd.name+" lacks "+strings.Join(lacks, ","))
			} else {
				mds = append(mds, r.md)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("consensus: %d/%d relays usable (%s)", len(mds), relays, strings.Join(missing, "; ")), nil
	}
	return "", mds
}

var gateClient = &http.Client{
	Timeout: 3 * time.Second,
	Transport: &http.Transport{
		Proxy:              nil, // loopback only, never through a proxy
		DisableKeepAlives:  true,
		DisableCompression: true,
	},
}

// dirGet fetches a directory document from 127.0.0.1:port.
func dirGet(ctx context.Context, port int, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	if err != nil {
		return nil, err
	}
	resp, err := gateClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return body, nil
}

// nodeState is the result of checking one tor against the gate.
type nodeState struct {
	ok         bool
	validAfter time.Time // of the consensus it serves; zero if none
	why        string    // why it does not pass, if !ok
	// dirInfo: the bridge holds the complete consensus and
	// microdescriptors, so a SIGHUP would not help it.
	dirInfo bool
}

// checkNode checks whether the tor nd passes the gate: its DirPort must
// serve a consensus that lists every relay of the network with gateFlags,
// and the microdescriptors of all of them. The bridge, which has no
// DirPort, is checked by checkBridge instead.
func (n *Network) checkNode(ctx context.Context, nd *node) nodeState {
	if nd.bridge {
		return n.checkBridge(nd)
	}
	doc, err := dirGet(ctx, nd.dirPort, "/tor/status-vote/current/consensus-microdesc")
	if err != nil {
		return nodeState{why: "no consensus yet (" + err.Error() + ")"}
	}
	c, err := parseMicrodescConsensus(doc)
	if err != nil {
		return nodeState{why: "bad consensus (" + err.Error() + ")"}
	}
	st := nodeState{validAfter: c.validAfter}
	why, mds := n.checkConsensus(c.routers)
	if why != "" {
		st.why = why
		return st
	}
	body, err := dirGet(ctx, nd.dirPort, "/tor/micro/d/"+strings.Join(mds, "-"))
	if err != nil {
		st.why = "microdescriptors not served (" + err.Error() + ")"
		return st
	}
	got := microdescDigests(body)
	if c := countIn(mds, got); c < len(mds) {
		st.why = fmt.Sprintf("microdescriptors: %d/%d served", c, len(mds))
		return st
	}
	st.ok = true
	return st
}

func countIn(want, got []string) int {
	c := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			c++
		}
	}
	return c
}

// nudgeEvery is the minimum time between two SIGHUPs to one relay.
const nudgeEvery = 3 * time.Second

// waitGate polls every tor until all pass the gate (see checkNode), a tor
// exits, or ctx ends.
//
// Relays start together with the authorities and ask them for the
// consensus before there is one. Every 404 makes a relay back off
// exponentially, at times for half a minute, so once the authorities pass
// the gate, waitGate sends SIGHUP to each relay (and the bridge) that has
// no consensus yet (or lacks microdescriptors): the reload makes tor reset
// its download backoff and fetch at once. A relay that holds an older
// consensus fetches the new one on its own schedule
// (FetchDirInfoExtraEarly), within a few seconds after that consensus
// becomes fresh.
func (n *Network) waitGate(ctx context.Context) error {
	t := time.NewTicker(gatePoll)
	defer t.Stop()
	lastLog := time.Now()
	states := make([]nodeState, len(n.nodes))
	nudged := make([]time.Time, len(n.nodes))
	for {
		for _, nd := range n.nodes {
			if gone, err := nd.exited(); gone {
				return fmt.Errorf("tornet: %s (pid %d) exited during start: %v; tail of %s:\n%s",
					nd.name, nd.pid(), err, nd.logPath(), nd.logTail(20))
			}
		}
		pending := -1
		authsOK := true
		var current time.Time // newest consensus the authorities serve
		for i, nd := range n.nodes {
			states[i] = n.checkNode(ctx, nd)
			if !states[i].ok && pending < 0 {
				pending = i
			}
			if nd.auth {
				authsOK = authsOK && states[i].ok
				if states[i].validAfter.After(current) {
					current = states[i].validAfter
				}
			}
		}
		if pending < 0 {
			return nil
		}
		if authsOK {
			for i, nd := range n.nodes {
				st := states[i]
				if st.ok || nd.auth || st.dirInfo || st.validAfter.Before(current) && !st.validAfter.IsZero() {
					continue // ready, an authority, done fetching, or holding an older consensus
				}
				if time.Since(nudged[i]) >= nudgeEvery {
					nudged[i] = time.Now()
					n.cfg.Logf("tornet: %v: %s: %s; SIGHUP to make it fetch now",
						time.Since(n.started).Round(100*time.Millisecond), nd.name, st.why)
					nd.cmd.Process.Signal(syscall.SIGHUP)
				}
			}
		}
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			var w []string
			for i, st := range states {
				if !st.ok {
					w = append(w, n.nodes[i].name+": "+st.why)
				}
			}
			n.cfg.Logf("tornet: %v: waiting for %s", time.Since(n.started).Round(time.Second), strings.Join(w, "; "))
		}
		select {
		case <-ctx.Done():
			nd := n.nodes[pending]
			return fmt.Errorf("tornet: network %w: %s: %s; tail of %s:\n%s",
				context.Cause(ctx), nd.name, states[pending].why, nd.logPath(), nd.logTail(20))
		case <-t.C:
		}
	}
}
