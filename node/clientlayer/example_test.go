package clientlayer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/clientlayer"
)

func Example() {
	dir, _ := os.MkdirTemp("", "hams-example")
	defer os.RemoveAll(dir)
	ds, err := datastore.Open(dir, datastore.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Close()
	c, err := clientlayer.New(clientlayer.NewLocalStore(ds), clientlayer.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// Insert a file under a CHK: the URI is computed from the content.
	data := strings.Repeat("hello, hams! ", 10000) // 130 KB, compresses well
	uri, err := c.Insert(ctx, strings.NewReader(data), clientlayer.InsertOptions{
		URI: keys.URI{Type: keys.CHK}, ContentType: "text/plain"})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Fetch it back.
	var out bytes.Buffer
	res, err := c.Fetch(ctx, uri, &out, clientlayer.FetchOptions{MaxSize: 1 << 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.ContentType, res.Size, out.String() == data)

	// A missing key fails with fred's DATA_NOT_FOUND code.
	uri.Key[0] ^= 1
	_, err = c.Fetch(ctx, uri, &out, clientlayer.FetchOptions{})
	fmt.Println(err.(*clientlayer.FetchError).Code)
	// Output:
	// text/plain 130000 true
	// 13
}
