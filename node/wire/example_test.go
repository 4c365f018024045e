package wire_test

import (
	"fmt"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/wire"
	"github.com/hamsnet/hams/routing"
)

func Example() {
	var key keys.RoutingKey
	key[0] = 0x42
	b, err := wire.Append(nil, &routing.Message{Type: routing.MsgRequest, ID: 7, HTL: 18, Key: key})
	if err != nil {
		panic(err)
	}
	m, err := wire.Decode(b)
	fmt.Println(len(b), m.Type, m.ID, m.HTL, m.Key == key, err)
	// Output: 43 Request 7 18 true <nil>
}

func ExampleAppendPeerLocations() {
	b, err := wire.AppendPeerLocations(nil, []routing.Location{1 << 62, 1 << 63})
	if err != nil {
		panic(err)
	}
	m, err := wire.DecodeMessage(b)
	fmt.Printf("%x\n%v %v %v\n", b, m.Type == wire.TypePeerLocations, m.Locations, err)
	// Output:
	// 010a0240000000000000008000000000000000
	// true [0.250000 0.500000] <nil>
}
