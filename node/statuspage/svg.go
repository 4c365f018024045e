package statuspage

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// The plots, drawn here as inline SVG: presentation attributes only (no
// style attribute, no script), a <title> and a <desc> each, every text
// escaped.

// svgWriter builds one SVG element.
type svgWriter struct {
	b  strings.Builder
	id int // for the ids that aria-labelledby names
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// open starts an SVG of width w and height h with its title and
// description; id makes their element ids unique on the page.
func (sw *svgWriter) open(id string, w, h int, title, desc string) {
	fmt.Fprintf(&sw.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-t %s-d" dir="ltr">`,
		w, h, w, h, id, id)
	fmt.Fprintf(&sw.b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

func (sw *svgWriter) close() template.HTML {
	sw.b.WriteString(`</svg>`)
	return template.HTML(sw.b.String()) // every text in it went through esc
}

func (sw *svgWriter) text(x, y float64, anchor, fill string, size int, s string) {
	fmt.Fprintf(&sw.b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s" font-size="%d" font-family="sans-serif">%s</text>`,
		x, y, anchor, fill, size, esc(s))
}

func (sw *svgWriter) line(x1, y1, x2, y2 float64, stroke string, width float64, dash bool) {
	d := ""
	if dash {
		d = ` stroke-dasharray="3 3"`
	}
	fmt.Fprintf(&sw.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`, x1, y1, x2, y2, stroke, width, d)
}

// Colours and shapes of the peer kinds on the location circle.
var kindMarks = []struct {
	kind, colour, shape, label string
}{
	{"darknet", "#1f6fb4", "circle", "darknet (friend)"},
	{"opennet", "#c05a00", "square", "opennet"},
	{"seed", "#6a3d9a", "triangle", "seed node"},
	{"seed client", "#6a3d9a", "triangle", "seed client"},
}

func kindMark(kind string) (colour, shape string) {
	for _, k := range kindMarks {
		if k.kind == kind {
			return k.colour, k.shape
		}
	}
	return "#555555", "circle"
}

// mark draws a marker of shape centred on x, y: filled when solid, an
// outline otherwise, with a tooltip.
func (sw *svgWriter) mark(shape string, x, y, r float64, colour string, solid bool, tip string) {
	fill := colour
	if !solid {
		fill = "#ffffff"
	}
	attrs := fmt.Sprintf(`fill="%s" stroke="%s" stroke-width="1.5"`, fill, colour)
	switch shape {
	case "square":
		fmt.Fprintf(&sw.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" %s>`, x-r, y-r, 2*r, 2*r, attrs)
		fmt.Fprintf(&sw.b, `<title>%s</title></rect>`, esc(tip))
	case "triangle":
		fmt.Fprintf(&sw.b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" %s>`, x, y-r*1.2, x+r*1.1, y+r*0.8, x-r*1.1, y+r*0.8, attrs)
		fmt.Fprintf(&sw.b, `<title>%s</title></polygon>`, esc(tip))
	case "diamond":
		fmt.Fprintf(&sw.b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" %s>`, x, y-r, x+r, y, x, y+r, x-r, y, attrs)
		fmt.Fprintf(&sw.b, `<title>%s</title></polygon>`, esc(tip))
	default:
		fmt.Fprintf(&sw.b, `<circle cx="%.1f" cy="%.1f" r="%.1f" %s>`, x, y, r, attrs)
		fmt.Fprintf(&sw.b, `<title>%s</title></circle>`, esc(tip))
	}
}

// locationCircle draws the node and its peers on the circle of locations:
// 0 at the top, clockwise.
func locationCircle(s *Snapshot) template.HTML {
	const size, cx, cy, rad = 320, 160.0, 150.0, 110.0
	at := func(loc, r float64) (float64, float64) {
		a := 2*math.Pi*loc - math.Pi/2
		return cx + r*math.Cos(a), cy + r*math.Sin(a)
	}
	connected := 0
	counts := map[string]int{}
	for _, p := range s.Peers {
		if p.Status == "connected" {
			connected++
		}
		counts[p.Kind]++
	}
	desc := fmt.Sprintf("This node at location %.4f; %d peers, %d of them linked", s.Location, len(s.Peers), connected)
	for _, k := range kindMarks {
		if counts[k.kind] > 0 {
			desc += fmt.Sprintf("; %d %s", counts[k.kind], k.label)
		}
	}
	desc += ". Linked peers are drawn filled and joined to the node, the others as outlines."
	var sw svgWriter
	sw.open("loc", size, size+40, "The node and its peers on the circle of locations", desc)
	fmt.Fprintf(&sw.b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="none" stroke="#999999" stroke-width="1"/>`, cx, cy, rad)
	for _, q := range []float64{0, 0.25, 0.5, 0.75} {
		x1, y1 := at(q, rad-5)
		x2, y2 := at(q, rad+5)
		sw.line(x1, y1, x2, y2, "#999999", 1, false)
		x, y := at(q, rad+18)
		sw.text(x, y+4, "middle", "#444444", 11, fmt.Sprintf("%g", q))
	}
	nx, ny := at(s.Location, rad)
	for _, p := range s.Peers {
		if p.Status == "connected" {
			x, y := at(p.Location, rad)
			sw.line(nx, ny, x, y, "#bbbbbb", 1, false)
		}
	}
	for _, p := range s.Peers {
		colour, shape := kindMark(p.Kind)
		x, y := at(p.Location, rad)
		sw.mark(shape, x, y, 5, colour, p.Status == "connected", fmt.Sprintf("%s peer at %.4f, %s", p.Kind, p.Location, p.Status))
	}
	if s.Network {
		sw.mark("diamond", nx, ny, 8, "#000000", true, fmt.Sprintf("this node at %.4f", s.Location))
	}
	// The legend.
	y := float64(size) + 10
	x := 10.0
	sw.mark("diamond", x+5, y, 6, "#000000", true, "this node")
	sw.text(x+15, y+4, "start", "#222222", 11, "this node")
	x += 80
	for _, k := range kindMarks[:3] {
		sw.mark(k.shape, x+5, y, 5, k.colour, true, k.label)
		sw.text(x+15, y+4, "start", "#222222", 11, k.kind)
		x += 75
	}
	sw.mark("circle", 15, y+20, 5, "#555555", false, "not linked")
	sw.text(25, y+24, "start", "#222222", 11, "outline: not linked")
	return sw.close()
}

// point is one value of a plotted series at t; gap starts a new line.
type point struct {
	t   time.Time
	v   float64
	gap bool
}

type series struct {
	name, colour string
	points       []point
}

// rates turns samples into per-interval points: f returns the value of
// an interval from its two samples (ok false: no value, a gap). A gap is
// also left where samples are missing (more than 3 intervals apart) or a
// counter went back (the node restarted).
func rates(ss []sample, every time.Duration, f func(a, b sample, dt float64) (float64, bool)) []point {
	var out []point
	gap := true
	for i := 1; i < len(ss); i++ {
		a, b := ss[i-1], ss[i]
		dt := b.t.Sub(a.t)
		if dt <= 0 || dt > 3*every || b.success < a.success || b.failure < a.failure || b.in < a.in || b.out < a.out {
			gap = true
			continue
		}
		v, ok := f(a, b, dt.Seconds())
		if !ok {
			gap = true
			continue
		}
		out = append(out, point{t: b.t, v: v, gap: gap})
		gap = false
	}
	return out
}

func successPoints(ss []sample, every time.Duration) []point {
	return rates(ss, every, func(a, b sample, _ float64) (float64, bool) {
		ok, fail := b.success-a.success, b.failure-a.failure
		if ok+fail == 0 {
			return 0, false
		}
		return float64(ok) / float64(ok+fail), true
	})
}

func bandwidthPoints(ss []sample, every time.Duration, in bool) []point {
	return rates(ss, every, func(a, b sample, dt float64) (float64, bool) {
		if in {
			return float64(b.in-a.in) / dt, true
		}
		return float64(b.out-a.out) / dt, true
	})
}

// linePlot draws series over the window ending at now, from 0 to yMax,
// with the y labels yLabel gives.
func linePlot(id, title, desc string, now time.Time, window time.Duration, ss []series, yMax float64, yLabel func(float64) string) template.HTML {
	const w, h, left, right, top, bottom = 600, 200, 70.0, 10.0, 10.0, 30.0
	pw, ph := w-left-right, h-top-bottom
	start := now.Add(-window)
	xOf := func(t time.Time) float64 { return left + pw*t.Sub(start).Seconds()/window.Seconds() }
	yOf := func(v float64) float64 { return top + ph*(1-min(v, yMax)/yMax) }
	var sw svgWriter
	sw.open(id, w, h, title, desc)
	for _, f := range []float64{0, 0.5, 1} {
		y := yOf(f * yMax)
		sw.line(left, y, w-right, y, "#dddddd", 1, f != 0)
		sw.text(left-6, y+4, "end", "#444444", 11, yLabel(f*yMax))
	}
	sw.line(left, top, left, top+ph, "#999999", 1, false)
	sw.text(left, h-8, "start", "#444444", 11, "−"+durationText(window))
	sw.text(left+pw/2, h-8, "middle", "#444444", 11, "−"+durationText(window/2))
	sw.text(w-right, h-8, "end", "#444444", 11, "now")
	drawn := false
	for _, s := range ss {
		var seg []string
		flush := func() {
			if len(seg) > 1 {
				fmt.Fprintf(&sw.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`, strings.Join(seg, " "), s.colour)
			}
			seg = seg[:0]
		}
		for _, p := range s.points {
			if p.t.Before(start) {
				continue
			}
			drawn = true
			if p.gap {
				flush()
			}
			x, y := xOf(p.t), yOf(p.v)
			seg = append(seg, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&sw.b, `<circle cx="%.1f" cy="%.1f" r="1.5" fill="%s"/>`, x, y, s.colour)
		}
		flush()
	}
	if !drawn {
		sw.text(left+pw/2, top+ph/2, "middle", "#666666", 13, "no data yet")
	}
	return sw.close()
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten (1 at least).
func niceMax(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// successPlot and bandwidthPlot draw one window of the history.
func successPlot(id string, now time.Time, window, every time.Duration, ss []sample) template.HTML {
	pts := successPoints(ss, every)
	desc := fmt.Sprintf("Share of the requests routed by this node that found their block, per %s, over the last %s.",
		durationText(every), durationText(window))
	if m, ok := meanSuccess(ss, now.Add(-window)); ok {
		desc += fmt.Sprintf(" Over the window: %.0f%%.", 100*m)
	} else {
		desc += " No request ended in the window."
	}
	return linePlot(id, "Request success over the last "+durationText(window), desc, now, window,
		[]series{{"success", "#2a8a2a", pts}}, 1, func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) })
}

// meanSuccess is the share of successes among the requests that ended
// after from.
func meanSuccess(ss []sample, from time.Time) (float64, bool) {
	var first *sample
	for i := range ss {
		if !ss[i].t.Before(from) {
			first = &ss[i]
			break
		}
	}
	if first == nil || len(ss) == 0 {
		return 0, false
	}
	last := ss[len(ss)-1]
	if last.success < first.success || last.failure < first.failure {
		return 0, false
	}
	ok, fail := last.success-first.success, last.failure-first.failure
	if ok+fail == 0 {
		return 0, false
	}
	return float64(ok) / float64(ok+fail), true
}

func bandwidthPlot(id string, now time.Time, window, every time.Duration, ss []sample) template.HTML {
	in, out := bandwidthPoints(ss, every, true), bandwidthPoints(ss, every, false)
	top := 0.0
	for _, p := range append(in[:len(in):len(in)], out...) {
		if !p.t.Before(now.Add(-window)) {
			top = max(top, p.v)
		}
	}
	desc := fmt.Sprintf("Bytes per second received (blue) and sent (red) over the links to peers, per %s, over the last %s; highest %s.",
		durationText(every), durationText(window), rateText(top))
	return linePlot(id, "Bandwidth over the last "+durationText(window), desc, now, window,
		[]series{{"in", "#1f6fb4", in}, {"out", "#c0282d", out}}, niceMax(top), rateText)
}
