package node

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

// gatewayGet fetches path from the gateway at base to w as a browser
// would: it follows the progress page's reload until the document comes.
func gatewayGet(base, path string, w io.Writer) (int64, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for {
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			var b bytes.Buffer
			io.Copy(&b, resp.Body)
			resp.Body.Close()
			if strings.Contains(b.String(), `http-equiv="refresh" content="0"`) {
				continue // the progress page: its reload waits for the fetch
			}
			n, err := w.Write(b.Bytes())
			return int64(n), err
		}
		n, err := io.Copy(w, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return n, &httpError{resp.Status}
		}
		return n, err
	}
}

type httpError struct{ status string }

func (e *httpError) Error() string { return "gateway: " + e.status }

// BenchmarkGatewayOverhead64MiB: the gateway's cost over FCP for a 64 MiB
// file in the node's own store, as a person downloads it (the warning
// page's link, ?download=1) against `hams get` (FCP ClientGet, data
// returned direct). Each iteration fetches with both, alternately, from a
// gateway that kept nothing (the job of the last download forgotten), and
// reports the ratio of the total times (gateway/FCP).
func BenchmarkGatewayOverhead64MiB(b *testing.B) {
	const size = 64 << 20
	n, err := Start(Config{Dir: b.TempDir(), FCPAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0", StoreSize: 512 << 20, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	c := dial(b, n)
	defer c.Close()
	ctx := context.Background()
	uri, err := c.Put(ctx, randReader(7, size), size, fcpclient.PutOptions{ContentType: "application/octet-stream", DontCompress: true})
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + n.WebAddr()
	var fcpTime, gwTime time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := c.Get(ctx, uri, io.Discard, fcpclient.GetOptions{})
		if err != nil || res.Size != size {
			b.Fatal(res, err)
		}
		fcpTime += time.Since(start)
		// A fresh fetch: forget the last download's job (without
		// following the redirect, which would fetch again).
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if resp, err := noFollow.Get(base + "/" + uri + "?retry=1"); err != nil || resp.StatusCode != http.StatusSeeOther {
			b.Fatal(resp, err)
		} else {
			resp.Body.Close()
		}
		start = time.Now()
		got, err := gatewayGet(base, "/"+uri+"?download=1", io.Discard)
		if err != nil || got != size {
			b.Fatal(got, err)
		}
		gwTime += time.Since(start)
	}
	b.ReportMetric(float64(gwTime)/float64(fcpTime), "gateway/fcp")
	b.ReportMetric(float64(size)*float64(b.N)/gwTime.Seconds()/1e6, "gateway-MB/s")
	b.ReportMetric(float64(size)*float64(b.N)/fcpTime.Seconds()/1e6, "fcp-MB/s")
}
