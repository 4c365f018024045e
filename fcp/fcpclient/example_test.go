package fcpclient_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/fcp/fcpclient/fcptest"
)

// Insert a file and fetch it back. The example talks to a fake node; with a
// real one, Dial fcpclient.DefaultAddr.
func Example() {
	node := &fcptest.Node{}
	srv, err := fcptest.NewServer(node.Serve)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx := context.Background()
	c, err := fcpclient.Dial(ctx, srv.Addr, "example")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	text := "hello, hams\n"
	uri, err := c.Put(ctx, strings.NewReader(text), int64(len(text)), fcpclient.PutOptions{ContentType: "text/plain"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(uri)

	res, err := c.Get(ctx, uri, os.Stdout, fcpclient.GetOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ContentType, res.Size)
	// Output:
	// CHK@IveXfoQYrBDnDL5Ycwyv5l5MVo33CM8fk6emykaZtxE,fcptest,AAMC--8
	// hello, hams
	// text/plain 12
}
