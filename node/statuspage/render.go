package statuspage

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"
)

// view is what the page template shows.
type view struct {
	Now, Version, Uptime string
	S                    *Snapshot
	Location             string
	Circle               template.HTML
	SuccessHour          template.HTML
	SuccessDay           template.HTML
	BandwidthHour        template.HTML
	BandwidthDay         template.HTML
	Peers                []peerRow
	Swaps                []swapRow
	Regions              []regionRow
	Lookups              string
	HTL                  []htlRow
	Local                []localRow
	Traffic              []pair
	Tor                  []pair
	StylePath            string
	MaxHTL               int
}

type peerRow struct{ Location, Kind, Status, Since, Backoff string }

type swapRow struct{ When, From, To, How string }

type regionRow struct{ Name, Blocks, Bytes, Budget, Use, Evictions string }

type htlRow struct {
	HTL                                     int
	ReqOK, ReqFail, ReqRate, InsOK, InsFail string
}

type localRow struct {
	Kind                                                                             string
	Success, DataNotFound, RecentlyFailed, RouteNotFound, TimedOut, Collision, Other uint64
}

type pair struct{ Name, Value string }

var page = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hams node status</title>
<link rel="stylesheet" href="{{.StylePath}}">
</head>
<body>
<header>
<h1>Node status</h1>
<p>hams <bdi>{{.Version}}</bdi>, up <bdi>{{.Uptime}}</bdi>; figures of <bdi>{{.Now}}</bdi> (reload the page for fresh ones).</p>
<p class="note">This page and <a href="/metrics">/metrics</a> show no key, no URI and no peer identity: peers appear by location, kind and state only, and the metrics carry labels from small fixed sets.</p>
<nav aria-label="Sections"><ul>
<li><a href="#location">Location</a></li>
<li><a href="#peers">Peers</a></li>
<li><a href="#requests">Requests</a></li>
<li><a href="#traffic">Traffic</a></li>
<li><a href="#datastore">Datastore</a></li>
{{- if .Tor}}
<li><a href="#tor">Tor</a></li>
{{- end}}
</ul></nav>
</header>
<main>
<section id="location">
<h2>Location</h2>
{{- if .S.Network}}
<p>This node is at location <bdi>{{.Location}}</bdi>. It has moved {{.S.Swaps}} times (location swaps and relocations).</p>
{{- else}}
<p>This node runs no network: it has no location and no peers.</p>
{{- end}}
<figure class="plot">{{.Circle}}</figure>
{{- if .Swaps}}
<table>
<caption>The last moves, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">To</th><th scope="col">How</th></tr></thead>
<tbody>
{{- range .Swaps}}
<tr><td><bdi>{{.When}}</bdi></td><td class="num">{{.From}}</td><td class="num">{{.To}}</td><td>{{.How}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</section>
<section id="peers">
<h2>Peers</h2>
{{- if .Peers}}
<table>
<caption>{{len .Peers}} peers, by location</caption>
<thead><tr><th scope="col">Location</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Linked since</th><th scope="col">Next dial in</th></tr></thead>
<tbody>
{{- range .Peers}}
<tr><td class="num">{{.Location}}</td><td>{{.Kind}}</td><td>{{.Status}}</td><td><bdi>{{.Since}}</bdi></td><td><bdi>{{.Backoff}}</bdi></td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No peers.</p>
{{- end}}
</section>
<section id="requests">
<h2>Requests</h2>
<p>Running now: {{.S.Running}} requests and inserts routing at this node (its own and its peers'); {{.S.Local}} of this node's own running, {{.S.Queued}} waiting for room.</p>
<figure class="plot">{{.SuccessHour}}</figure>
<figure class="plot">{{.SuccessDay}}</figure>
{{- if .HTL}}
<table>
<caption>How the requests and inserts routed here ended, by the HTL they came with (this node's own start at {{.MaxHTL}})</caption>
<thead><tr><th scope="col">HTL</th><th scope="col">Requests found</th><th scope="col">Requests not found</th><th scope="col">Success</th><th scope="col">Inserts done</th><th scope="col">Inserts failed</th></tr></thead>
<tbody>
{{- range .HTL}}
<tr><th scope="row" class="num">{{.HTL}}</th><td class="num">{{.ReqOK}}</td><td class="num">{{.ReqFail}}</td><td class="num">{{.ReqRate}}</td><td class="num">{{.InsOK}}</td><td class="num">{{.InsFail}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
<table>
<caption>How this node's own requests ended</caption>
<thead><tr><th scope="col">Kind</th><th scope="col">Success</th><th scope="col">Not found</th><th scope="col">Recently failed</th><th scope="col">Route not found</th><th scope="col">Timed out</th><th scope="col">Collision</th><th scope="col">Other</th></tr></thead>
<tbody>
{{- range .Local}}
<tr><th scope="row">{{.Kind}}</th><td class="num">{{.Success}}</td><td class="num">{{.DataNotFound}}</td><td class="num">{{.RecentlyFailed}}</td><td class="num">{{.RouteNotFound}}</td><td class="num">{{.TimedOut}}</td><td class="num">{{.Collision}}</td><td class="num">{{.Other}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
<section id="traffic">
<h2>Traffic</h2>
<figure class="plot">{{.BandwidthHour}}</figure>
<figure class="plot">{{.BandwidthDay}}</figure>
<table>
<caption>Since the node started</caption>
<tbody>
{{- range .Traffic}}
<tr><th scope="row">{{.Name}}</th><td class="num"><bdi>{{.Value}}</bdi></td></tr>
{{- end}}
</tbody>
</table>
</section>
<section id="datastore">
<h2>Datastore</h2>
<table>
<caption>The two regions: the store keeps what was inserted near this node's location, the cache what passed through</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Blocks</th><th scope="col">Size</th><th scope="col">Budget</th><th scope="col">Use</th><th scope="col">Evicted</th></tr></thead>
<tbody>
{{- range .Regions}}
<tr><th scope="row">{{.Name}}</th><td class="num">{{.Blocks}}</td><td class="num"><bdi>{{.Bytes}}</bdi></td><td class="num"><bdi>{{.Budget}}</bdi></td><td class="num">{{.Use}}</td><td class="num">{{.Evictions}}</td></tr>
{{- end}}
</tbody>
</table>
<p>Lookups: {{.Lookups}}. Disk space: <bdi>{{.S.Space}}</bdi>.</p>
</section>
{{- if .Tor}}
<section id="tor">
<h2>Tor</h2>
<table>
<tbody>
{{- range .Tor}}
<tr><th scope="row">{{.Name}}</th><td><bdi>{{.Value}}</bdi></td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}
</main>
</body>
</html>
`))

// render writes the page for s at now, with the fine and coarse history.
func render(w io.Writer, now time.Time, s *Snapshot, fine, coarse []sample, fineEvery, coarseEvery time.Duration) error {
	v := view{
		Now:       now.UTC().Format("2006-01-02 15:04:05 UTC"),
		Version:   s.Version,
		Uptime:    durationText(s.Uptime),
		S:         s,
		Location:  fmt.Sprintf("%.6f", s.Location),
		Circle:    locationCircle(s),
		StylePath: StylePath,
		MaxHTL:    len(s.ByHTL) - 1,
	}
	if v.Version == "" {
		v.Version = "(unknown version)"
	}
	v.SuccessHour = successPlot("sh", now, time.Hour, fineEvery, fine)
	v.SuccessDay = successPlot("sd", now, 24*time.Hour, coarseEvery, coarse)
	v.BandwidthHour = bandwidthPlot("bh", now, time.Hour, fineEvery, fine)
	v.BandwidthDay = bandwidthPlot("bd", now, 24*time.Hour, coarseEvery, coarse)
	for _, p := range s.Peers {
		r := peerRow{Location: fmt.Sprintf("%.6f", p.Location), Kind: p.Kind, Status: p.Status, Since: "—", Backoff: "—"}
		if !p.Since.IsZero() {
			r.Since = durationText(now.Sub(p.Since)) + " ago"
		}
		if p.Backoff > 0 {
			r.Backoff = durationText(p.Backoff)
		}
		v.Peers = append(v.Peers, r)
	}
	for i := len(s.RecentSwaps) - 1; i >= 0; i-- {
		sw := s.RecentSwaps[i]
		how := "swap with a peer"
		if sw.Relocated {
			how = "relocation"
		}
		v.Swaps = append(v.Swaps, swapRow{When: durationText(now.Sub(sw.Time)) + " ago",
			From: fmt.Sprintf("%.6f", sw.From), To: fmt.Sprintf("%.6f", sw.To), How: how})
	}
	for _, r := range []struct {
		name string
		reg  Region
	}{{"store", s.Store}, {"cache", s.Cache}} {
		use := "—"
		if r.reg.Budget > 0 {
			use = fmt.Sprintf("%.1f%%", 100*float64(r.reg.Bytes)/float64(r.reg.Budget))
		}
		v.Regions = append(v.Regions, regionRow{Name: r.name, Blocks: strconv.FormatInt(r.reg.Blocks, 10),
			Bytes: bytesText(float64(r.reg.Bytes)), Budget: bytesText(float64(r.reg.Budget)), Use: use,
			Evictions: strconv.FormatUint(r.reg.Evictions, 10)})
	}
	v.Lookups = fmt.Sprintf("%d found, %d missed", s.Hits, s.Misses)
	if n := s.Hits + s.Misses; n > 0 {
		v.Lookups += fmt.Sprintf(" (%.1f%% found)", 100*float64(s.Hits)/float64(n))
	}
	for h, o := range s.ByHTL {
		if o == (HTLOutcomes{}) {
			continue
		}
		r := htlRow{HTL: h, ReqOK: strconv.FormatUint(o.RequestSuccess, 10), ReqFail: strconv.FormatUint(o.RequestFailure, 10),
			ReqRate: "—", InsOK: strconv.FormatUint(o.InsertSuccess, 10), InsFail: strconv.FormatUint(o.InsertFailure, 10)}
		if n := o.RequestSuccess + o.RequestFailure; n > 0 {
			r.ReqRate = fmt.Sprintf("%.0f%%", 100*float64(o.RequestSuccess)/float64(n))
		}
		v.HTL = append(v.HTL, r)
	}
	for _, l := range []struct {
		kind string
		r    LocalResults
	}{{"fetches", s.LocalFetches}, {"inserts", s.LocalInserts}} {
		v.Local = append(v.Local, localRow{Kind: l.kind, Success: l.r.Success, DataNotFound: l.r.DataNotFound,
			RecentlyFailed: l.r.RecentlyFailed, RouteNotFound: l.r.RouteNotFound, TimedOut: l.r.TimedOut,
			Collision: l.r.Collision, Other: l.r.Other})
	}
	up := max(s.Uptime.Seconds(), 1)
	v.Traffic = []pair{
		{"Received from peers", fmt.Sprintf("%s (%s on average)", bytesText(float64(s.BytesIn)), rateText(float64(s.BytesIn)/up))},
		{"Sent to peers", fmt.Sprintf("%s (%s on average)", bytesText(float64(s.BytesOut)), rateText(float64(s.BytesOut)/up))},
		{"Offers received", strconv.FormatUint(s.OffersIn, 10)},
		{"Offers sent", strconv.FormatUint(s.OffersOut, 10)},
	}
	if t := s.Tor; t.State != "" {
		v.Tor = []pair{{"State", t.State}, {"Bootstrap", fmt.Sprintf("%d%%", t.Progress)}}
		if t.Summary != "" {
			v.Tor = append(v.Tor, pair{"Phase", t.Summary})
		}
		if t.Problem != "" {
			v.Tor = append(v.Tor, pair{"Last problem", t.Problem})
		}
		if t.Hint != "" {
			v.Tor = append(v.Tor, pair{"Hint", t.Hint})
		}
		v.Tor = append(v.Tor, pair{"Attempts", strconv.Itoa(t.Attempts)})
		if t.Bridges > 0 {
			v.Tor = append(v.Tor, pair{"Bridges", strconv.Itoa(t.Bridges)})
		}
	}
	return page.Execute(w, v)
}

// durationText writes d for a reader: "3 d 4 h", "12 min", "5 s".
func durationText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 24*time.Hour:
		days, h := d/(24*time.Hour), (d%(24*time.Hour))/time.Hour
		if h == 0 {
			return fmt.Sprintf("%d d", days)
		}
		return fmt.Sprintf("%d d %d h", days, h)
	case d >= time.Hour:
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	case d >= time.Minute:
		m, s := d/time.Minute, (d%time.Minute)/time.Second
		if s == 0 {
			return fmt.Sprintf("%d min", m)
		}
		return fmt.Sprintf("%d min %d s", m, s)
	}
	return fmt.Sprintf("%d s", d/time.Second)
}

// bytesText writes a size in binary units.
func bytesText(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

// rateText writes bytes per second.
func rateText(v float64) string { return bytesText(v) + "/s" }
