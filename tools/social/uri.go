package social

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/feed"
)

// feedKey returns the identity of the feed at uri, whatever its edition:
// its request URI at edition 0. uri must be a USK request URI of a hams
// social feed (site feed.SiteName).
func feedKey(uri string) (string, error) {
	return feed.FeedKey(uri)
}

// atEdition returns the feed URI (a request or insert URI) at edition ed.
func atEdition(uri string, ed int64) (string, error) {
	u, err := parseUSK(uri)
	if err != nil {
		return "", err
	}
	return u.WithEdition(ed).String(), nil
}

// exactEdition returns the SSK form of edition ed of the feed uri,
// SSK@…/name-N: the same block as the USK form, but naming that edition
// only, so the node neither moves an insert to the next free edition nor
// answers a fetch of an old edition with a redirect to the newest (fred's
// USK rules, docs/fcp.md): a feed document states its own edition, and a
// second device publishing the same edition must collide.
func exactEdition(uri string, ed int64) (string, error) {
	u, err := parseUSK(uri)
	if err != nil {
		return "", err
	}
	s, err := u.SSKForEdition(ed)
	if err != nil {
		return "", err
	}
	return s.String(), nil
}

// parseUSK parses uri, which must be a USK, without its meta-strings.
func parseUSK(uri string) (keys.URI, error) {
	u, err := keys.Parse(uri)
	if err != nil {
		return keys.URI{}, err
	}
	if u.Type != keys.USK {
		return keys.URI{}, fmt.Errorf("social: %s is not a USK", u.Type)
	}
	u.Meta = nil
	return u, nil
}

// uskFromSSK turns the SSK keypair URIs the node generates into the feed's
// USK URIs at edition 0.
func uskFromSSK(ssk string) (string, error) {
	u, err := keys.Parse(ssk)
	if err != nil {
		return "", err
	}
	if u.Type != keys.SSK {
		return "", fmt.Errorf("social: the node gave a %s, not an SSK", u.Type)
	}
	u.Type, u.Name, u.Edition, u.Meta = keys.USK, feed.SiteName, 0, nil
	return u.String(), nil
}

// isCHK reports whether s is a CHK request URI.
func isCHK(s string) bool {
	u, err := keys.Parse(s)
	return err == nil && u.Type == keys.CHK && !strings.Contains(s, "\n")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("social: no randomness: " + err.Error())
	}
	return b
}
