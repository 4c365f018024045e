package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
)

// siteBenchNodes is the size of BenchmarkGatewaySite20's testnet (the
// issue's 8 by default; in so small a network the insert passes every
// node, so the "far" node holds the site before it is asked for it: see
// the cold-KiB-from-peers metric).
var siteBenchNodes = flag.Int("gateway.nodes", 8, "BenchmarkGatewaySite20: nodes in the testnet")

// benchSite is a 20-file freesite: an index page linking a style sheet,
// ten images and eight pages (about 60 KiB of HTML and images), different
// for each seed.
func benchSite(b *testing.B, seed int) (files []fcpclient.DirFile, paths []string) {
	var idx strings.Builder
	idx.WriteString(`<!DOCTYPE html><html><head><title>Site</title><link rel="stylesheet" href="style.css"></head><body><h1>Site ` + fmt.Sprint(seed) + `</h1>`)
	add := func(name string, data []byte) {
		files = append(files, fcpclient.DirFile{Name: name, Data: bytes.NewReader(data), Size: int64(len(data))})
		paths = append(paths, name)
	}
	add("style.css", []byte(fmt.Sprintf("/* %d */ body{font-family:sans-serif} img{width:64px}", seed)))
	for i := range 10 {
		name := fmt.Sprintf("img/%d.png", i)
		add(name, pngDot(b, color.RGBA{uint8(seed), uint8(i * 20), 100, 255}))
		fmt.Fprintf(&idx, `<img src="%s" alt="picture %d">`, name, i)
	}
	for i := range 8 {
		name := fmt.Sprintf("pages/%d.html", i)
		var p strings.Builder
		fmt.Fprintf(&p, `<!DOCTYPE html><html><head><title>Page %d</title></head><body>`, i)
		for j := range 40 {
			fmt.Fprintf(&p, `<p>Paragraph %d of page %d of site %d, with <a href="../index.html">a link home</a> and some words to give it weight.</p>`, j, i, seed)
		}
		p.WriteString(`</body></html>`)
		add(name, []byte(p.String()))
		fmt.Fprintf(&idx, `<a href="%s">page %d</a>`, name, i)
	}
	idx.WriteString(`</body></html>`)
	files = append([]fcpclient.DirFile{{Name: "index.html", Data: strings.NewReader(idx.String()), Size: int64(idx.Len())}}, files...)
	return files, paths
}

// fetchPage loads path from the gateway at base as a browser does: the
// page (following the progress page's reload until the document comes),
// then its subresources, six at a time. It returns the time to the page's
// first byte and to the last byte of everything.
func fetchPage(base, page string, subs []string) (ttfb, complete time.Duration, err error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (time.Duration, error) {
		start := time.Now()
		for {
			resp, err := c.Get(base + path)
			if err != nil {
				return 0, err
			}
			first := time.Since(start)
			var buf bytes.Buffer
			_, err = io.Copy(&buf, resp.Body)
			resp.Body.Close()
			if err != nil {
				return 0, err
			}
			if resp.StatusCode != 200 {
				return 0, fmt.Errorf("%s: %s", path, resp.Status)
			}
			if bytes.Contains(buf.Bytes(), []byte(`http-equiv="refresh" content="0"`)) {
				continue // the progress page
			}
			return first, nil
		}
	}
	start := time.Now()
	if ttfb, err = get(page); err != nil {
		return 0, 0, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 6)
	for _, s := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, e := get(page + s); e != nil {
				mu.Lock()
				err = e
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ttfb, time.Since(start), err
}

// BenchmarkGatewaySite20: a 20-file freesite inserted at node 0 of an
// 8-node TCP testnet (default settings), opened in the gateway of node 4
// (half the circle away): the time to the first byte of its page and to
// the whole page with its 19 files, cold (the first visit: nothing of the
// site at node 4), warm (a reload at once: the gateway's own copies) and
// back later (the gateway's copies gone, the blocks in node 4's cache).
// Each iteration is a new site; the figures are p50 and max over them.
func BenchmarkGatewaySite20(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodes := *siteBenchNodes
	tn := startCommand(ctx, "testnet", "--nodes", fmt.Sprint(nodes), "--dir", b.TempDir(), "--store-size", "64M")
	fcps, webs := tn.testnetNodes(b, nodes, 3*time.Minute)
	c, err := fcpclient.Dial(ctx, fcps[0], "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	far := webs[nodes/2]
	var ttfb, full [3][]time.Duration // cold, warm, back later
	var coldIn float64                // bytes node 4 read from its links during the cold visits
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		files, subs := benchSite(b, i)
		ins, _, err := c.GenerateSSK(ctx)
		if err != nil {
			b.Fatal(err)
		}
		u := strings.Replace(strings.TrimSuffix(ins, "/"), "SSK@", "USK@", 1) + "/site/0"
		root, err := c.PutDir(ctx, files, fcpclient.PutDirOptions{PutOptions: fcpclient.PutOptions{URI: u}, DefaultName: "index.html"})
		if err != nil {
			b.Fatal(err)
		}
		page := "/" + root + "/"
		b.StartTimer()
		for phase := range 3 {
			if phase == 2 {
				// Back later: the gateway has let its copies go.
				nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for _, p := range append([]string{""}, subs...) {
					if resp, err := nf.Get(far + page + p + "?retry=1"); err == nil {
						resp.Body.Close()
					}
				}
			}
			in0 := linkBytesIn(b, far)
			t1, t2, err := fetchPage(far, page, subs)
			if err != nil {
				b.Fatal(err)
			}
			if phase == 0 {
				coldIn += linkBytesIn(b, far) - in0
			}
			ttfb[phase], full[phase] = append(ttfb[phase], t1), append(full[phase], t2)
		}
	}
	b.StopTimer()
	b.ReportMetric(coldIn/float64(b.N)/1024, "cold-KiB-from-peers")
	for phase, name := range []string{"cold", "warm", "later"} {
		slices.Sort(ttfb[phase])
		slices.Sort(full[phase])
		n := len(ttfb[phase])
		b.ReportMetric(ttfb[phase][n/2].Seconds()*1000, name+"-ttfb-p50-ms")
		b.ReportMetric(ttfb[phase][n-1].Seconds()*1000, name+"-ttfb-max-ms")
		b.ReportMetric(full[phase][n/2].Seconds()*1000, name+"-page-p50-ms")
		b.ReportMetric(full[phase][n-1].Seconds()*1000, name+"-page-max-ms")
	}
}

// linkBytesIn reads hams_link_bytes_total{direction="in"} from the
// gateway's /metrics: what the node has read from its peers.
func linkBytesIn(b *testing.B, base string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, `hams_link_bytes_total{direction="in"} `); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	b.Fatal("no hams_link_bytes_total in /metrics")
	return 0
}
