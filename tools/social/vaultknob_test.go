package social

import "github.com/hamsnet/hams/tools/social/vault"

// The tests derive keys with the cheapest parameters a vault accepts
// (8 MiB, one pass): each unlock then takes milliseconds.
func init() { kdfParams = vault.MinParams }

// testPassphrase is the passphrase the tests' identities use.
const testPassphrase = "correct horse battery staple"
