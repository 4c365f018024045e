package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/node/gateway"
)

// oneDoc is a Backend that holds one HTML document (a node's client
// layer is the real one).
type oneDoc struct{ uri keys.URI }

func (b oneDoc) Get(ctx context.Context, u keys.URI, w io.Writer, o fcp.GetOptions) (fcp.GetResult, error) {
	if !u.Equal(b.uri) {
		return fcp.GetResult{}, &fcp.FetchError{Code: 13}
	}
	n, err := io.WriteString(w, `<p onclick="steal()">Hello <a href="https://example.com/">there</a></p><script>steal()</script>`)
	return fcp.GetResult{ContentType: "text/html", Size: int64(n)}, err
}
func (oneDoc) Put(context.Context, io.Reader, fcp.PutOptions) (keys.URI, error) {
	return keys.URI{}, &fcp.InsertError{Code: 3}
}
func (oneDoc) PutDir(context.Context, []fcp.DirEntry, string, fcp.PutOptions) (keys.URI, error) {
	return keys.URI{}, &fcp.InsertError{Code: 3}
}
func (oneDoc) LatestEdition(context.Context, keys.URI) (int64, error) {
	return 0, &fcp.FetchError{Code: 13}
}

// A document opened through the gateway comes through the content filter:
// no script, no handler, and the link to elsewhere leads to the warning
// page.
func Example() {
	u, _ := keys.NewKSK("hello")
	dir, _ := os.MkdirTemp("", "gateway-example")
	defer os.RemoveAll(dir)
	g, err := gateway.New(gateway.Config{Backend: oneDoc{u}, StateDir: dir, BookmarkCheck: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	h := g.Handler("127.0.0.1:8888")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:8888/KSK@hello", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/html; charset=utf-8
	// <meta charset="utf-8"><p>Hello <a href="/external?url=https%3A%2F%2Fexample.com%2F">there</a></p>
}
