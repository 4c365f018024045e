// Package social is hams social, the social front-end that "hams social"
// serves: a person's identity (an SSK keypair), their feed (a USK whose
// editions are documents of package feed, docs/social.md), the local copies
// of the feeds they follow, and the web page that shows them, in Arabic and
// English, right to left where the text is.
//
// An App talks to a node over FCP only (fcp/fcpclient): it publishes the
// person's changes as new editions in the background, subscribes to the
// feeds they follow and to suggestions, and renders every page from its
// local copies, so reading never waits for the network. It owns two
// background goroutines (publisher and discoverer) and the HTTP server's,
// and Close ends them.
//
// Everything it keeps in Config.Dir is sealed with the person's passphrase
// (package vault, docs/social-vault.md): an App opens locked, asks for the
// passphrase once (Unlock) before it reads anything or starts its
// background work, and Wipe removes the identity and every local copy.
//
// The search page finds people and posts among everyone known here (the
// person, the feeds they follow, the people those follow, the senders of
// notes) in an in-memory index of package search, which the App updates
// whenever it stores a name or posts; hashtags in posts link to it.
//
// It imports fcp/fcpclient, fcp/fcpwire, keys and its own subpackages: a
// front-end is an FCP client like any other, and imports nothing of node/.
package social
