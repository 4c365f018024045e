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
