package feed

import "github.com/hamsnet/hams/tools/social/strictjson"

// Names and versions of the format (docs/social.md §2, §10).
const (
	// Format is the value of a document's "format" field.
	Format = "hams-social"
	// SiteName is the USK site name of every feed:
	// USK@<pubkeyhash>,<cryptokey>,<extra>/hams-social/<edition>.
	SiteName = "hams-social"
	// Major is the major version this package reads. A document of another
	// major version is rejected (S7); any minor version of it is read.
	Major = 1
	// Version is the version Encode writes when Doc.Version is empty and
	// the document uses no field of version 1.1, so that a 1.0 document
	// stays byte for byte what it was.
	Version = "1.0"
	// Version11 is the version Encode writes when Doc.Version is empty or
	// "1.0" and the document sets a field of 1.1 (Doc.Device, Doc.Blocks,
	// Profile.Box, Profile.InboxWork, Post.Mentions, Post.Alt,
	// Post.Edited, Post.Warning).
	Version11 = "1.1"
	// TimeLayout is the one accepted form of a time (time.Parse layout):
	// RFC 3339 in UTC, whole seconds, a literal "Z".
	TimeLayout = "2006-01-02T15:04:05Z"
)

// Limits (docs/social.md §8). Text lengths count Unicode code points, not
// bytes: an Arabic letter is one code point and two bytes of UTF-8.
const (
	// MaxDocSize is the largest document in bytes; a reader rejects a larger
	// one before parsing it (S1) and Encode refuses to write one.
	MaxDocSize = 1 << 20
	// MaxDepth is the deepest nesting of JSON arrays and objects, counting
	// the document object as 1 (S3).
	MaxDepth = strictjson.MaxDepth
	// MaxNameRunes is the longest profile name.
	MaxNameRunes = 64
	// MaxBioRunes is the longest profile bio.
	MaxBioRunes = 500
	// MaxPosts is the most posts one document lists.
	MaxPosts = 100
	// MaxTextRunes is the longest post text.
	MaxTextRunes = 2000
	// MaxImages is the most images one post has.
	MaxImages = 4
	// MaxLikes is the most likes one document lists.
	MaxLikes = 500
	// MaxFollows is the most feeds one document follows.
	MaxFollows = 1000
	// MaxDeleted is the most deleted post numbers one document lists.
	MaxDeleted = 10000

	// Version 1.1.

	// MaxBlocks is the most feeds one document blocks.
	MaxBlocks = 1000
	// MaxMentions is the most feeds one post mentions.
	MaxMentions = 10
	// MaxAltRunes is the longest alt text of one image (Post.Alt).
	MaxAltRunes = 1000
	// MaxWarningRunes is the longest content warning of a post
	// (Post.Warning).
	MaxWarningRunes = 100
	// BoxLen is the length of Profile.Box: 32 bytes in unpadded base64url.
	BoxLen = 43
	// MinInboxWork and MaxInboxWork bound Profile.InboxWork, in bits.
	MinInboxWork, MaxInboxWork = 16, 32
	// DefaultInboxWork is the proof of work asked of a note when the
	// profile gives no inbox_work (docs/social-inbox.md §5).
	DefaultInboxWork = 20
	// MinDevice and MaxDevice bound Doc.Device.
	MinDevice, MaxDevice = 1, 4095
)
