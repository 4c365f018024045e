package datastore_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
)

func Example() {
	dir, err := os.MkdirTemp("", "hams-datastore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := datastore.Open(dir, datastore.Config{Durability: datastore.DurabilityWALSync})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Store a CHK block under its routing key. Put verifies it first.
	block, uri, err := keys.EncodeCHK([]byte("hello, hams"), keys.EncodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	rk := keys.RoutingKey(uri.Key)
	if err := s.Put(rk, block, datastore.RegionStore); err != nil {
		log.Fatal(err)
	}

	// Get verifies the block again before returning it.
	got, err := s.Get(rk)
	fmt.Println(len(got), bytes.Equal(got, block), err)

	// A block that does not match its key is refused.
	err = s.Put(keys.RoutingKey{1}, block, datastore.RegionCache)
	fmt.Println(errors.Is(err, datastore.ErrInvalidBlock))

	_, err = s.Get(keys.RoutingKey{2})
	fmt.Println(errors.Is(err, datastore.ErrNotFound))

	st := s.Stats()
	fmt.Println(st.Store.Blocks, st.Store.Bytes, st.Hits, st.Misses, st.Rejected)
	// Output:
	// 32776 true <nil>
	// true
	// true
	// 1 32776 1 1 1
}
