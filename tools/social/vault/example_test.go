package vault_test

import (
	"fmt"
	"os"

	"github.com/hamsnet/hams/tools/social/vault"
)

// A vault seals the files of a directory under a passphrase; removing its
// header (Erase) makes them unreadable for good.
func Example() {
	dir, _ := os.MkdirTemp("", "vault-example-")
	defer os.RemoveAll(dir)
	// Real vaults use vault.DefaultParams; the lowest accepted are cheap.
	v, err := vault.Create(dir, "four unrelated words here", vault.MinParams)
	if err != nil {
		fmt.Println(err)
		return
	}
	v.WriteFile("notes.json", []byte(`{"hello":"world"}`))
	v.Close() // the key is erased from memory

	if _, err := vault.Unlock(dir, "five unrelated words here"); err == vault.ErrWrongPassphrase {
		fmt.Println("wrong passphrase")
	}
	v, _ = vault.Unlock(dir, "four unrelated words here")
	b, _ := v.ReadFile("notes.json")
	fmt.Println(string(b))
	v.Close()

	vault.Erase(dir)
	_, err = vault.Unlock(dir, "four unrelated words here")
	fmt.Println(err == vault.ErrNoVault)
	// Output:
	// wrong passphrase
	// {"hello":"world"}
	// true
}
