package peerwire_test

import (
	"fmt"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/peerwire"
	"github.com/hamsnet/hams/routing"
)

func Example() {
	var key keys.RoutingKey
	key[0] = 0x42
	b, err := peerwire.Append(nil, &routing.Message{Type: routing.MsgRequest, ID: 7, HTL: 18, Key: key})
	if err != nil {
		panic(err)
	}
	m, err := peerwire.Decode(b)
	fmt.Println(len(b), m.Type, m.ID, m.HTL, m.Key == key, err)
	// Output: 43 Request 7 18 true <nil>
}

func ExampleAppendPeerLocations() {
	b, err := peerwire.AppendPeerLocations(nil, []routing.Location{1 << 62, 1 << 63})
	if err != nil {
		panic(err)
	}
	m, err := peerwire.DecodeMessage(b)
	fmt.Printf("%x\n%v %v %v\n", b, m.Type == peerwire.TypePeerLocations, m.Locations, err)
	// Output:
	// 010a0240000000000000008000000000000000
	// true [0.250000 0.500000] <nil>
}
