package social

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// The files in Config.Dir.
const (
	identityFile = "identity.json" // the keypair, mode 0600
	ownFile      = "own.json"      // the person's own feed, mode 0600
	feedsDir     = "feeds"         // one file per followed or suggested feed
	imagesDir    = "images"        // images by the hash of their URI
)

// identity is the person's keypair: the USK insert URI (the secret) and
// request URI of their feed, both at edition 0.
type identity struct {
	Insert  string    `json:"insert_uri"`
	Request string    `json:"request_uri"`
	Created time.Time `json:"created"`
	// Box is the X25519 private key notes and messages are sealed to
	// (docs/social-inbox.md), unpadded base64url; its public key is in the
	// profile. Secret, like Insert.
	Box string `json:"box_key,omitempty"`
}

// post is one post, the person's own or a followed feed's.
type post struct {
	N      int64     `json:"n"`
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
	Images []string  `json:"images,omitempty"`
	// Alt describes each image, for screen readers ("" where none).
	Alt     []string `json:"alt,omitempty"`
	ReplyTo *Ref     `json:"reply_to,omitempty"`
	// Mentions are the keys of the feeds the post mentions (@name).
	Mentions []string `json:"mentions,omitempty"`
	// Edited is when the post was last edited (zero: never); Warning its
	// content warning ("" none). See posts.go.
	Edited  time.Time `json:"edited,omitzero"`
	Warning string    `json:"warning,omitempty"`
	// Edition is the edition the post first appeared in (own posts: -1
	// until published).
	Edition int64 `json:"edition"`
}

// Ref names a post: its feed (the feed's request URI at edition 0, as
// feed.FeedKey gives it) and its number in that feed.
type Ref struct {
	// Feed is the feed's key.
	Feed string `json:"feed"`
	// N is the post's number, from 1.
	N int64 `json:"n"`
}

// like is a like of a post.
type like struct {
	Ref  Ref       `json:"ref"`
	Time time.Time `json:"time"`
}

// profile is a person's name, bio and avatar (a CHK URI), and where
// notes to them go: their X25519 key (Box) and the work they ask.
type profile struct {
	Name      string `json:"name"`
	Bio       string `json:"bio,omitempty"`
	Avatar    string `json:"avatar,omitempty"`
	Box       string `json:"box,omitempty"`
	InboxWork int    `json:"inbox_work,omitempty"`
}

// ownState is the person's own feed: everything in it, published or not.
type ownState struct {
	// Edition is the last edition published; -1 before the first.
	Edition int64 `json:"edition"`
	// NextN is the number the next post takes.
	NextN   int64   `json:"next_n"`
	Profile profile `json:"profile"`
	// Posts are every post not deleted, newest first.
	Posts   []post   `json:"posts"`
	Likes   []like   `json:"likes"`
	Follows []string `json:"follows"` // feed request URIs, with an edition hint
	Deleted []int64  `json:"deleted"`
	// Pending: a change not yet published.
	Pending bool `json:"pending"`
	// Device is this front-end's device number (docs/social-inbox.md §8):
	// its posts are numbered ≡ Device (mod 4096), and its editions say it.
	Device int `json:"device,omitempty"`
	// BaseFollows (feed keys), BaseLikes and BaseProfile are the lists and
	// profile as this front-end last published or merged them: the base
	// of the three-way merge with another device's edition.
	BaseFollows []string `json:"base_follows,omitempty"`
	BaseLikes   []Ref    `json:"base_likes,omitempty"`
	BaseProfile profile  `json:"base_profile"`
	// Blocks are the feeds the person blocks (request URIs with an edition
	// hint), published (docs/social-inbox.md §6); BaseBlocks their keys
	// at the last publish. Mutes are feed keys hidden here only.
	Blocks     []string `json:"blocks,omitempty"`
	BaseBlocks []string `json:"base_blocks,omitempty"`
	Mutes      []string `json:"mutes,omitempty"`
	// Undo are the posts deleted here whose deletion can still be undone
	// and is not published yet (posts.go).
	Undo []undoDelete `json:"undo,omitempty"`
}

// feedCopy is the local copy of another person's feed, merged from the
// editions fetched.
type feedCopy struct {
	// URI is the feed's request URI at Edition.
	URI string `json:"uri"`
	// Edition is the newest edition fetched; -1 before the first.
	Edition int64 `json:"edition"`
	// Oldest is the oldest edition fetched (history).
	Oldest  int64   `json:"oldest"`
	Profile profile `json:"profile"`
	// Posts are the posts of every edition fetched, newest first, without
	// those the newest edition lists as deleted.
	Posts   []post   `json:"posts"`
	Likes   []like   `json:"likes"`
	Follows []string `json:"follows"`
	// Blocks are the keys of the feeds this feed blocks (its distrust).
	Blocks  []string `json:"blocks,omitempty"`
	Deleted []int64  `json:"deleted"`
	// Older is the newest edition's pointer to older posts (-1: none).
	Older int64 `json:"older"`
	// Fetched is when the newest edition arrived.
	Fetched time.Time `json:"fetched"`
	// Followed: the person follows this feed (otherwise it is a
	// suggestion: someone they follow follows it).
	Followed bool `json:"followed"`
}

// jsonIndent encodes v readably.
func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", " ") }

// jsonStrict decodes b into v, refusing unknown fields and trailing data.
func jsonStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("social: data after the JSON object")
	}
	return nil
}
