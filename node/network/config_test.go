package network

import (
	"testing"

	"github.com/hamsnet/hams/routing"
)

func TestValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{
		{Transport: "carrier-pigeon"},
		{Routing: routing.Config{MaxPeerNeighbours: 63}}, // peers may send 64
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	for _, c := range []Config{
		{Transport: TransportTCP},
		{Transport: TransportTCP, Listen: "127.0.0.1:0"},
		{Transport: TransportTCP, Listen: "[::1]:9482"},
		{Transport: TransportMemory, Connect: []string{"ref"}},
		{Transport: TransportTor},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v refused: %v", c, err)
		}
	}
	for _, c := range []Config{
		{Transport: TransportTCP, Listen: "localhost:9482"},
		{Transport: TransportTCP, Listen: "0.0.0.0:9482"},
		{Transport: TransportTCP, Listen: "127.0.0.1"},
		{Transport: TransportNone, Listen: "127.0.0.1:9482"},
		{Transport: TransportNone, Connect: []string{"ref"}},
		{Transport: TransportTCP, MaxPeers: -1},
		{Transport: TransportTor, Listen: "127.0.0.1:9482"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
