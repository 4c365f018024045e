package node

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
	"github.com/hamsnet/hams/node/network"
)

// backend adapts the client layer to the FCP server's Backend: it converts
// options and progress, and turns client-layer errors into the fcp error
// types that carry fred's codes.
type backend struct {
	c *clientlayer.Client
}

var _ fcp.Backend = backend{}

func progress(f func(fcp.Progress)) func(clientlayer.Progress) {
	if f == nil {
		return nil
	}
	return func(p clientlayer.Progress) {
		f(fcp.Progress{Total: p.Total, Required: p.Required, Failed: p.Failed, Succeeded: p.Succeeded, FinalizedTotal: p.FinalizedTotal})
	}
}

func insertOptions(o fcp.PutOptions) clientlayer.InsertOptions {
	return clientlayer.InsertOptions{URI: o.URI, ContentType: o.ContentType, DontCompress: o.DontCompress,
		GetCHKOnly: o.GetCHKOnly, Redirect: o.Redirect, Progress: progress(o.Progress)}
}

func (b backend) Put(ctx context.Context, r io.Reader, o fcp.PutOptions) (keys.URI, error) {
	u, err := b.c.Insert(ctx, r, insertOptions(o))
	return u, insertErr(err)
}

func (b backend) PutDir(ctx context.Context, entries []fcp.DirEntry, defaultName string, o fcp.PutOptions) (keys.URI, error) {
	es := make([]clientlayer.DirEntry, len(entries))
	for i, e := range entries {
		es[i] = clientlayer.DirEntry{Name: e.Name, ContentType: e.ContentType, Open: e.Open, Redirect: e.Redirect}
	}
	u, err := b.c.InsertDir(ctx, es, defaultName, insertOptions(o))
	return u, insertErr(err)
}

func (b backend) Get(ctx context.Context, uri keys.URI, w io.Writer, o fcp.GetOptions) (fcp.GetResult, error) {
	res, err := b.c.Fetch(ctx, uri, w, clientlayer.FetchOptions{MaxSize: o.MaxSize, Progress: progress(o.Progress)})
	return fcp.GetResult{ContentType: res.ContentType, Size: res.Size, DefaultDocument: res.DefaultDocument}, fetchErr(err)
}

func (b backend) LatestEdition(ctx context.Context, usk keys.URI) (int64, error) {
	n, err := b.c.LatestEdition(ctx, usk)
	return n, fetchErr(err)
}

// KnownEdition returns the newest edition of usk the client layer knows.
func (b backend) KnownEdition(usk keys.URI) int64 { return b.c.KnownEdition(usk) }

// WatchEdition wakes SubscribeUSK subscriptions at a local insert.
func (b backend) WatchEdition(usk keys.URI) (<-chan struct{}, func()) {
	return b.c.WatchEdition(usk)
}

// fetchErr gives a client-layer fetch error the fred code the server reports.
func fetchErr(err error) error {
	var fe *clientlayer.FetchError
	if err == nil || !errors.As(err, &fe) {
		return err
	}
	return &fcp.FetchError{Code: fe.Code, Extra: err.Error(), RedirectURI: fe.Redirect}
}

// insertErr gives a client-layer insert error the fred code the server reports.
func insertErr(err error) error {
	var ie *clientlayer.InsertError
	if err == nil || !errors.As(err, &ie) {
		return err
	}
	return &fcp.InsertError{Code: ie.Code, Extra: err.Error()}
}

// backend returns the FCP backend over cl: with peer management when the
// node has peers.
func (n *Node) backend(cl *clientlayer.Client) fcp.Backend {
	if n.net == nil {
		return backend{cl}
	}
	return peerBackend{backend{cl}, n}
}

var (
	_ fcp.ArrivalWatcher = peerBackend{}
	_ fcp.NodeStatuser   = peerBackend{}
)

// NodeStatus reports the node's links and, in Tor mode, its tor
// (docs/fcp.md, NodeData): what a person needs to see while the node
// cannot reach the network.
func (b peerBackend) NodeStatus() []fcp.StatusField {
	linked := 0
	for _, p := range b.n.net.ListPeers() {
		if p.Status == network.PeerConnected {
			linked++
		}
	}
	fs := []fcp.StatusField{{Key: "peers.connected", Value: strconv.Itoa(linked)}}
	st := b.n.net.TorStatus()
	if st.State == "" {
		return fs
	}
	fs = append(fs,
		fcp.StatusField{Key: "tor.state", Value: string(st.State)},
		fcp.StatusField{Key: "tor.bootstrapPercent", Value: strconv.Itoa(st.Progress)},
		fcp.StatusField{Key: "tor.attempts", Value: strconv.Itoa(st.Attempts)},
		fcp.StatusField{Key: "tor.bridges", Value: strconv.Itoa(st.Bridges)},
		fcp.StatusField{Key: "tor.onion", Value: st.Onion},
		fcp.StatusField{Key: "tor.description", Value: st.Describe()},
	)
	for _, f := range []fcp.StatusField{{Key: "tor.bootstrapSummary", Value: st.Summary}, {Key: "tor.problem", Value: st.Problem}, {Key: "tor.hint", Value: st.Hint}} {
		if f.Value != "" { // fields a node in trouble has
			fs = append(fs, f)
		}
	}
	if st.State == network.TorWaiting {
		fs = append(fs, fcp.StatusField{Key: "tor.retryInSeconds", Value: strconv.Itoa(max(0, int(time.Until(st.RetryAt).Seconds())))})
	}
	return fs
}

// Arrivals is closed when a block this node looked for, and did not find,
// arrives later (an Offer from a peer): USK subscriptions look again at
// once instead of at their next poll.
func (b peerBackend) Arrivals() <-chan struct{} { return b.n.net.Arrivals() }

// peerBackend is the backend of a node with peers: FCP AddPeer, ListPeers,
// ListPeer and RemovePeer manage them.
type peerBackend struct {
	backend
	n *Node
}

var _ fcp.PeerBackend = peerBackend{}

func (b peerBackend) AddPeer(ctx context.Context, ref []byte) (fcp.PeerInfo, error) {
	pi, err := b.n.AddPeer(ref)
	if err != nil {
		return fcp.PeerInfo{}, err
	}
	return fcpPeer(pi), nil
}

func (b peerBackend) ListPeers(ctx context.Context) ([]fcp.PeerInfo, error) {
	return fcpPeers(b.n.ListPeers()), nil
}

func (b peerBackend) RemovePeer(ctx context.Context, id string) (fcp.PeerInfo, error) {
	pi, err := b.n.RemovePeer(id)
	if errors.Is(err, network.ErrUnknownPeer) {
		return fcp.PeerInfo{}, errors.Join(fcp.ErrUnknownPeer, err)
	}
	if err != nil {
		return fcp.PeerInfo{}, err
	}
	return fcpPeer(pi), nil
}

// fcpStatus is each peer state's name in FCP (fred's volatile.status).
var fcpStatus = map[network.PeerStatus]string{
	network.PeerConnected:      fcp.PeerConnected,
	network.PeerDisconnected:   fcp.PeerDisconnected,
	network.PeerBackedOff:      fcp.PeerBackedOff,
	network.PeerNeverConnected: fcp.PeerNeverConnected,
	network.PeerTooOld:         fcp.PeerTooOld,
	network.PeerTooNew:         fcp.PeerTooNew,
}

func fcpPeer(p network.PeerInfo) fcp.PeerInfo {
	fp := fcp.PeerInfo{Identity: p.Ref.ID(), Name: p.Ref.Name, Fields: p.Ref.Fields(), Status: fcpStatus[p.Status],
		Location: p.Location.Float(), LastConnected: p.Since, ConnectedSince: p.Since, Kind: p.Kind.String()}
	fp.Addresses = append(append(fp.Addresses, p.Ref.TCP...), p.Ref.Onion...)
	return fp
}

func fcpPeers(ps []network.PeerInfo) []fcp.PeerInfo {
	out := make([]fcp.PeerInfo, len(ps))
	for i, p := range ps {
		out[i] = fcpPeer(p)
	}
	return out
}
