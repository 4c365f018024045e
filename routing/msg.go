package routing

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/hamsnet/hams/keys"
)

// PeerID names a peer of this node. The driver chooses the values; 0 is
// reserved for "this node".
type PeerID uint64

// RequestID identifies a request across the network (for loop detection).
type RequestID uint64

// MsgType is the kind of a Message.
type MsgType uint8

// Message types. A request or insert goes from a node to a peer; every other
// type answers one, with the same ID, from the peer it was sent to.
const (
	// MsgRequest asks for the block under Key, with HTL hops to live.
	MsgRequest MsgType = iota + 1
	// MsgInsert offers Block under Key, with HTL hops to live.
	MsgInsert
	// MsgData answers a request with its Block.
	MsgData
	// MsgDataNotFound: the request ran out of HTL without finding the key.
	MsgDataNotFound
	// MsgRecentlyFailed: the key was not found here a short while ago.
	MsgRecentlyFailed
	// MsgRouteNotFound: no peer was left to try; HTL is what remained.
	MsgRouteNotFound
	// MsgRejectedLoop: the peer has seen this request ID already.
	MsgRejectedLoop
	// MsgRejectedOverload: the peer is too busy to take the request.
	MsgRejectedOverload
	// MsgInsertReply: the insert ran its course (HTL exhausted).
	MsgInsertReply
	// MsgOffer passes on a block to a peer that asked for its key a short
	// while ago, when it was not found (a passive request; Hyphanet's
	// ULPR): Key and Block, under an ID of its own.
	MsgOffer
	// MsgCollision answers an insert whose key already holds another
	// block, at the sender or further on: Key and that Block. The insert
	// ends there, and the nodes it passed keep the block that was there
	// first (Hyphanet's SSK collision). Only the holder of a key's private
	// key can make a second valid block under it.
	MsgCollision
	// MsgReplace passes on, to a peer this node offered a block to, the
	// block that took its place: an insert's block this node offered lost
	// to the block the network held first (a Collision came back), and
	// the peer holds that Block under Key instead, if it holds the one it
	// took from this node's Offer, whose hash is Replaces. Under an ID of
	// its own, as an Offer.
	MsgReplace
)

// The values of MsgType are the core's own: they say nothing of how a
// message is numbered on the wire (node/peerwire maps them to its type
// codes).

var msgNames = [...]string{MsgRequest: "Request", MsgInsert: "Insert", MsgData: "Data",
	MsgDataNotFound: "DataNotFound", MsgRecentlyFailed: "RecentlyFailed", MsgRouteNotFound: "RouteNotFound",
	MsgRejectedLoop: "RejectedLoop", MsgRejectedOverload: "RejectedOverload", MsgInsertReply: "InsertReply",
	MsgOffer: "Offer", MsgCollision: "Collision", MsgReplace: "Replace"}

// String returns the type's name, as in docs/routing.md.
func (t MsgType) String() string {
	if int(t) < len(msgNames) && msgNames[t] != "" {
		return msgNames[t]
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// Message is a routing message. In Step, Peer is the sender; in Ready, the
// recipient. Key is set on requests, inserts, Data, Offer and Collision;
// Block on inserts, Data, Offer and Collision; HTL on requests, inserts and RouteNotFound. The driver verifies
// every Block against Key before Step (the Core does not hash).
type Message struct {
	Type  MsgType
	Peer  PeerID
	ID    RequestID
	Key   keys.RoutingKey
	HTL   uint8
	Block []byte
	// Replaces is set on Replace: the hash of the block Block replaces.
	Replaces BlockHash
}

// Lookup asks the driver to read the local datastore: it answers with
// Core.LookupDone.
type Lookup struct {
	ID  RequestID
	Key keys.RoutingKey
	// Insert is the block of an insert that arrived from a peer, which the
	// Core checks against the block held under Key (a collision): the
	// driver may answer nil without reading when no other block can be
	// held under Key (a CHK is named by its content). Nil for a request.
	Insert []byte
}

// Region says where a StoreOp writes.
type Region uint8

const (
	// RegionStore: the node is responsible for the key.
	RegionStore Region = 1
	// RegionCache: the block merely passed through.
	RegionCache Region = 2
)

// StoreOp asks the driver to write a block to the local datastore.
type StoreOp struct {
	Key    keys.RoutingKey
	Block  []byte
	Region Region
	// Replace: Block takes the place of another block the node stored
	// under Key (an insert it wrote collided further on with the block the
	// network held first, which wins).
	Replace bool
	// Held, when not zero (with Replace), is the hash of the block that
	// Block replaces: one this node took from a peer's Offer, which that
	// peer now replaces (MsgReplace). The driver writes Block only while
	// the block it holds under Key is that one, and otherwise writes
	// nothing: the node's copy came from elsewhere, or went.
	Held BlockHash
}

// BlockHash is the SHA-256 hash of a block: what a node remembers of a
// block it offered, or took from an Offer (MsgReplace).
type BlockHash [sha256.Size]byte

// HashBlock returns b's BlockHash.
func HashBlock(b []byte) BlockHash { return sha256.Sum256(b) }

// Result is the outcome of a request or insert this node started.
type Result struct {
	ID     RequestID
	Insert bool
	Key    keys.RoutingKey
	Block  []byte // a request's block; after ErrCollision, the block held
	Err    error  // nil, or one of the errors below
}

// Errors of Results. They compare with errors.Is.
var (
	ErrDataNotFound   = errors.New("routing: data not found")
	ErrRecentlyFailed = errors.New("routing: recently failed")
	ErrRouteNotFound  = errors.New("routing: route not found")
	ErrOverloaded     = errors.New("routing: too many requests in flight")
	// ErrTimedOut: a request this node coalesced onto another one's,
	// which timed out downstream.
	ErrTimedOut = errors.New("routing: timed out downstream")
	// ErrCollision: an insert met another block under its key (the
	// Result's Block), which the network keeps.
	ErrCollision = errors.New("routing: another block is held under this key")
)

// Errors of Step, SetPeerNeighbours and AddPeer, as etcd's raft returns
// them from its Step: the driver tells them apart with errors.Is. A peer
// that is not (or no longer) known is a race between a link going down and
// its last messages, not a fault; the others mean the peer misbehaves and
// the driver should drop its link.
var (
	// ErrPeerNotFound: a message or a PeerLocations list from a peer the
	// Core does not know (removed meanwhile).
	ErrPeerNotFound = errors.New("routing: unknown peer")
	// ErrWrongKey: a Data answer whose key is not the key requested. The
	// request has already moved on to another route.
	ErrWrongKey = errors.New("routing: answer for another key")
	// ErrUnknownMessage: a message of a type the Core does not handle.
	ErrUnknownMessage = errors.New("routing: unknown message type")
	// ErrTooManyNeighbours: a peer announced more than MaxPeerNeighbours
	// locations of its own peers.
	ErrTooManyNeighbours = errors.New("routing: too many neighbours")
	// ErrReservedPeer: AddPeer with PeerID 0, which names this node.
	ErrReservedPeer = errors.New("routing: peer id 0 is reserved")
	// ErrUndeclared: a message of an optional kind the link to the peer
	// does not speak (SetPeerFeatures).
	ErrUndeclared = errors.New("routing: a kind the link did not declare")
)

// PeerFeatures are the optional message kinds a link to a peer speaks,
// beyond those every node speaks: the features both sides declared
// (docs/wire.md, Versions and features). The driver maps its wire features
// to these.
type PeerFeatures uint8

const (
	// PeerOffers: the link carries MsgOffer (passive requests).
	PeerOffers PeerFeatures = 1 << iota
	// PeerCollisions: the link carries MsgCollision. An insert from a
	// peer without it that collides is answered InsertReply.
	PeerCollisions
	// PeerReplace: the link carries MsgReplace. A peer without it that
	// was offered an insert's block that then collided keeps it.
	PeerReplace
)

// AllPeerFeatures are every optional kind the Core speaks: what a peer
// has until SetPeerFeatures says otherwise.
const AllPeerFeatures = PeerOffers | PeerCollisions | PeerReplace

// Offered is a block this node's own request asked for a short while ago,
// when it was not found, that has reached the node since (MsgOffer, or an
// insert or Data passing through). The node never stores it (its store
// says nothing of what it fetched): the driver may hold it in memory for
// the next local fetch of the key, and tell whoever waits for the key.
type Offered struct {
	Key   keys.RoutingKey
	Block []byte
	// Held, when not zero, is the hash of a block handed on earlier under
	// Key that Block replaces (it lost to Block in a collision): the
	// driver holds Block instead only while it holds that one, and
	// otherwise does nothing.
	Held BlockHash
}

// Ready is what the driver must do after Step, Tick, Fetch or Insert:
// send Messages, run Lookups, apply Stores, deliver Results and hand on
// Offered blocks.
type Ready struct {
	Messages []Message
	Lookups  []Lookup
	Stores   []StoreOp
	Results  []Result
	Offered  []Offered
}

// Empty reports whether there is nothing to do.
func (r *Ready) Empty() bool {
	return len(r.Messages)+len(r.Lookups)+len(r.Stores)+len(r.Results)+len(r.Offered) == 0
}
