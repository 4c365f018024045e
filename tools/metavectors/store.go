package main

import (
	"context"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
)

// nullStore is the block store of GetCHKOnly inserts: never read.
type nullStore struct{}

func (nullStore) PutBlock(context.Context, keys.RoutingKey, []byte) error { return nil }

func (nullStore) GetBlock(context.Context, keys.RoutingKey) ([]byte, error) {
	return nil, clientlayer.ErrBlockNotFound
}

func contextBackground() context.Context { return context.Background() }
