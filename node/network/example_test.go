package network_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/network"
	"github.com/hamsnet/hams/routing"
)

// Two nodes' networks linked over an in-memory pipe: a block only the
// first one stores is fetched at the second, through its block store (the
// one the client layer uses), across the link.
func Example() {
	dir, err := os.MkdirTemp("", "hams-network-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func(name string, loc routing.Location) (*network.Network, *datastore.Store) {
		d := filepath.Join(dir, name)
		ds, err := datastore.Open(filepath.Join(d, "store"), datastore.Config{Logger: quiet})
		if err != nil {
			log.Fatal(err)
		}
		nw, err := network.Start(context.Background(), d, ds, network.Config{
			Transport: network.TransportMemory, Name: name, Location: &loc, Logger: quiet})
		if err != nil {
			log.Fatal(err)
		}
		return nw, ds
	}
	a, dsA := start("a", 0)
	b, dsB := start("b", 1<<63)
	defer func() { a.Close(); b.Close(); dsA.Close(); dsB.Close() }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p1, p2 := net.Pipe()
	accepted := make(chan error, 1)
	go func() { accepted <- b.AcceptStream(p2) }()
	if err := a.ConnectStream(ctx, p1, b.Noderef()); err != nil {
		log.Fatal(err)
	}
	if err := <-accepted; err != nil {
		log.Fatal(err)
	}

	block, uri, err := keys.EncodeCHK([]byte("مرحبا"), keys.EncodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	rk := keys.RoutingKey(uri.Key)
	if err := dsA.Put(rk, block, datastore.RegionStore); err != nil {
		log.Fatal(err)
	}
	got, err := b.Store().GetBlock(ctx, rk)
	fmt.Println(bytes.Equal(got, block), err)
	fmt.Println(len(a.ListPeers()), a.ListPeers()[0].Ref.Name, a.ListPeers()[0].Status)
	// Output:
	// true <nil>
	// 1 b connected
}
