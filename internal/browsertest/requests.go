package browsertest

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// RequestLog records every request the page of a tab starts: documents,
// frames, images, style sheets, fonts, media, prefetches, also those the
// browser then blocks (by its Content-Security-Policy) or cannot resolve.
// Make it with Requests before the navigation that it must see.
type RequestLog struct {
	mu   sync.Mutex // guards urls
	urls []string
}

// Requests starts recording the requests of the tab ctx, until it closes.
func Requests(t testing.TB, ctx context.Context) *RequestLog {
	t.Helper()
	l := &RequestLog{}
	if err := chromedp.Listen(ctx, l.event); err != nil {
		t.Fatalf("browsertest: listening to the network: %v", err)
	}
	return l
}

// event runs on chromedp's reader goroutine.
func (l *RequestLog) event(ev any) {
	if ev, ok := ev.(*network.EventRequestWillBeSent); ok && ev.Request != nil {
		l.mu.Lock()
		l.urls = append(l.urls, ev.Request.URL)
		l.mu.Unlock()
	}
}

// URLs returns the URL of every request so far, in order.
func (l *RequestLog) URLs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...)
}

// Elsewhere returns the requests so far to any host but 127.0.0.1,
// localhost and [::1] (data: and about: URLs, which go nowhere, aside).
func (l *RequestLog) Elsewhere() []string {
	var out []string
	for _, s := range l.URLs() {
		u, err := url.Parse(s)
		if err != nil {
			out = append(out, s)
			continue
		}
		switch u.Scheme {
		case "data", "about", "blob":
			continue
		}
		switch u.Hostname() {
		case "127.0.0.1", "localhost", "::1":
			continue
		}
		out = append(out, s)
	}
	return out
}

// BypassCSP makes the tab ctx ignore pages' Content-Security-Policy, so a
// test can check what a page does without that second wall.
func BypassCSP(t testing.TB, ctx context.Context) {
	t.Helper()
	Do(t, ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return chromedp.Void{}, err
	})
}
