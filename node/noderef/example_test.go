package noderef_test

import (
	"crypto/ed25519"
	"fmt"

	"github.com/hamsnet/hams/node/noderef"
	"github.com/hamsnet/hams/routing"
)

// A node signs its ref; a friend parses it and learns how to link to it.
func Example() {
	// A fixed seed, for a reproducible example: a node makes its identity
	// key with crypto/rand and keeps it.
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	ref, err := noderef.New(priv, noderef.Ref{
		Noise:    [32]byte{9}, // the X25519 public key of the node's Noise links
		Location: routing.Location(1 << 62),
		Name:     "example",
		TCP:      []string{"127.0.0.1:9700"},
	})
	if err != nil {
		panic(err)
	}
	text := ref.Marshal()
	fmt.Print(string(text))

	friend, err := noderef.Parse(text)
	if err != nil {
		panic(err)
	}
	fmt.Println(friend.ID(), friend.Location, friend.TCP)

	// Any change breaks the signature: rule N12.
	friend.Location++
	_, err = noderef.Parse(friend.Marshal())
	fmt.Println(noderef.RuleOf(err), err)
	// Output:
	// identity=O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik
	// location=4000000000000000
	// myName=example
	// noise=CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	// physical.tcp=127.0.0.1:9700
	// version=1
	// sig=9jNFmjVuR-blfqzXKUjMmItWjLOorI0MzCfCm8RvoiGSrEKsKablCTUxpaQekX8HrrqOx9ZxMKnGYdHqPNSEBg
	// End
	// O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik 0.250000 [127.0.0.1:9700]
	// N12 noderef: [N12] sig: the signature does not verify
}
