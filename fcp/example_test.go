package fcp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/fcp/fcpwire"
	"github.com/hamsnet/hams/keys"
)

// memBackend is the smallest useful Backend: single-block CHKs in a map.
type memBackend struct{ docs map[string][]byte }

func (b *memBackend) Put(ctx context.Context, r io.Reader, opts fcp.PutOptions) (keys.URI, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return keys.URI{}, err
	}
	_, u, err := keys.EncodeCHK(data, keys.EncodeOptions{})
	if err != nil {
		return u, &fcp.InsertError{Code: fcpwire.InsertInternalError, Extra: err.Error()}
	}
	b.docs[u.String()] = data
	return u, nil
}

func (b *memBackend) PutDir(context.Context, []fcp.DirEntry, string, fcp.PutOptions) (keys.URI, error) {
	return keys.URI{}, &fcp.InsertError{Code: fcpwire.InsertInternalError, Extra: "not in this example"}
}

func (b *memBackend) Get(ctx context.Context, u keys.URI, w io.Writer, opts fcp.GetOptions) (fcp.GetResult, error) {
	data, ok := b.docs[u.String()]
	if !ok {
		return fcp.GetResult{}, &fcp.FetchError{Code: fcpwire.FetchDataNotFound}
	}
	n, err := w.Write(data)
	return fcp.GetResult{ContentType: "text/plain", Size: int64(n)}, err
}

func (b *memBackend) LatestEdition(context.Context, keys.URI) (int64, error) {
	return 0, &fcp.FetchError{Code: fcpwire.FetchDataNotFound}
}

// A client says hello and inserts five bytes; the server answers as fred
// would.
func Example() {
	s, err := fcp.NewServer(fcp.Config{}, &memBackend{docs: map[string][]byte{}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, server := net.Pipe()
	go s.ServeConn(server)
	defer client.Close()

	go io.WriteString(client, "ClientHello\nName=example\nExpectedVersion=2.0\nEndMessage\n"+
		"ClientPut\nURI=CHK@\nIdentifier=hello\nDataLength=5\nData\nhello")
	r := bufio.NewReader(client)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			panic(err)
		}
		line = strings.TrimSuffix(line, "\n")
		if !strings.Contains(line, "=") && line != "EndMessage" {
			fmt.Println(line) // message names only
		}
		if line == "PutSuccessful" {
			return
		}
	}
	// Output:
	// NodeHello
	// URIGenerated
	// PutFetchable
	// PutSuccessful
}
