// Package simplot draws the result of a simulation (sim.Result) as SVG
// plots with gonum.org/v1/plot. Write draws, each only when its data is
// there:
//
//   - hops.svg: histogram of the path length (hops) of the successful
//     requests, one bar per hop count;
//   - success_vs_htl.svg: for each h from 0 to the run's HTL, the fraction
//     of all requests that found their block within h hops (a step line:
//     how success would fall with a smaller HTL);
//   - locations.svg: histogram of the honest nodes' locations over the
//     circle [0,1) in 50 bins, before swapping (grey bars) and when the
//     traffic ended (blue outline; drawn only when it differs);
//   - success_over_time.svg and max_gap.svg, for runs of more than one
//     epoch: each epoch's request success rate (epochs that started no
//     request left out), and its widest stretch of
//     the circle without an honest node (in units of 1/nodes), against the
//     epoch's start in virtual hours;
//   - swaps.svg and swaps_success.svg, for darknet runs that swapped: the
//     mean greedy route length, and the greedy success rate, against the
//     swap attempts made per node.
//
// Every title carries the run's topology, node count and seed. The same
// Result gives the same SVG bytes (fonts are referenced, not embedded).
//
// It imports only routing/sim (and the plotting library).
package simplot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/hamsnet/hams/routing/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Plot size: 6 by 4 inches.
const (
	width  = 6 * vg.Inch
	height = 4 * vg.Inch
)

// locationBins is the number of bins of the location histogram.
const locationBins = 50

// Colours of the series.
var (
	colBefore = color.RGBA{R: 160, G: 160, B: 160, A: 255}
	colMain   = color.RGBA{R: 31, G: 90, B: 180, A: 255}
	colSecond = color.RGBA{R: 200, G: 70, B: 40, A: 255}
)

// Write draws r's plots as SVG files into dir, creating it (mode 0755)
// when missing, and returns the paths of the files written in the order
// of the package documentation. A plot whose data is empty is skipped, so
// an empty Result writes nothing.
func Write(dir string, r *sim.Result) ([]string, error) {
	if r == nil {
		return nil, fmt.Errorf("simplot: nil Result")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simplot: %w", err)
	}
	plots := []struct {
		name string
		draw func(*sim.Result) (*plot.Plot, error)
	}{
		{"hops.svg", hopsPlot},
		{"success_vs_htl.svg", htlPlot},
		{"locations.svg", locationsPlot},
		{"success_over_time.svg", successTimePlot},
		{"max_gap.svg", maxGapPlot},
		{"swaps.svg", swapsPlot},
		{"swaps_success.svg", swapsSuccessPlot},
	}
	var written []string
	for _, pl := range plots {
		p, err := pl.draw(r)
		if err != nil {
			return written, fmt.Errorf("simplot: %s: %w", pl.name, err)
		}
		if p == nil {
			continue
		}
		path := filepath.Join(dir, pl.name)
		if err := save(p, path); err != nil {
			return written, fmt.Errorf("simplot: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

// save writes p as an SVG file at path.
func save(p *plot.Plot, path string) error {
	wt, err := p.WriterTo(width, height, "svg")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// newPlot returns a plot titled with what and, on a second line, the run's
// topology, node count and seed (and attack, if any).
func newPlot(r *sim.Result, what, x, y string) *plot.Plot {
	s := r.Summary
	sub := fmt.Sprintf("%s, %d nodes, seed %d", s.Topology, s.Nodes, s.Seed)
	if s.Attack != "" && s.Attack != sim.NoAttack {
		mit := "off"
		if s.Mitigation {
			mit = "on"
		}
		sub += fmt.Sprintf(", %s (attackers %d, mitigation %s)", s.Attack, s.Attackers, mit)
	}
	if s.Churn != "" && s.Churn != sim.NoChurn {
		sub += fmt.Sprintf(", %s churn", s.Churn)
	}
	p := plot.New()
	p.Title.Text = what + "\n" + sub
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// requests returns the request records (inserts left out).
func requests(r *sim.Result) []sim.Record {
	var out []sim.Record
	for _, rec := range r.Records {
		if !rec.Insert {
			out = append(out, rec)
		}
	}
	return out
}

// hopsPlot is the histogram of the successful requests' hops.
func hopsPlot(r *sim.Result) (*plot.Plot, error) {
	var counts []float64
	for _, rec := range requests(r) {
		if !rec.OK || rec.Hops < 0 {
			continue
		}
		for len(counts) <= rec.Hops {
			counts = append(counts, 0)
		}
		counts[rec.Hops]++
	}
	if len(counts) == 0 {
		return nil, nil
	}
	bins := make([]plotter.HistogramBin, len(counts))
	for h, n := range counts {
		bins[h] = plotter.HistogramBin{Min: float64(h) - 0.5, Max: float64(h) + 0.5, Weight: n}
	}
	p := newPlot(r, "Hops of successful requests", "hops", "requests")
	p.Add(histogram(bins, colMain, true))
	p.X.Tick.Marker = plot.TickerFunc(integerTicks)
	return p, nil
}

// htlPlot is the fraction of requests found within h hops, h = 0..HTL.
func htlPlot(r *sim.Result) (*plot.Plot, error) {
	reqs := requests(r)
	if len(reqs) == 0 {
		return nil, nil
	}
	htl := int(r.Config.HTL)
	if htl == 0 {
		htl = int(r.Summary.HTL)
	}
	within := make([]float64, htl+1)
	for _, rec := range reqs {
		if !rec.OK || rec.Hops < 0 {
			continue
		}
		if rec.Hops > htl {
			// Should not happen; widen the axis rather than lose it.
			within = append(within, make([]float64, rec.Hops-htl)...)
			htl = rec.Hops
		}
		within[rec.Hops]++
	}
	xys := make(plotter.XYs, htl+1)
	sum := 0.0
	for h := range xys {
		sum += within[h]
		xys[h] = plotter.XY{X: float64(h), Y: sum / float64(len(reqs))}
	}
	p := newPlot(r, "Success vs HTL (requests found within h hops)", "h (hops)", "fraction of requests")
	l, err := line(xys, colMain)
	if err != nil {
		return nil, err
	}
	l.StepStyle = plotter.PostStep
	p.Add(l)
	p.X.Tick.Marker = plot.TickerFunc(integerTicks)
	p.Y.Min, p.Y.Max = 0, 1
	return p, nil
}

// locationsPlot is the histogram of the node locations before and after
// swapping.
func locationsPlot(r *sim.Result) (*plot.Plot, error) {
	before, after := r.LocationsBefore, r.LocationsAfter
	if len(before) == 0 && len(after) == 0 {
		return nil, nil
	}
	p := newPlot(r, "Node locations", "location", "nodes")
	p.X.Min, p.X.Max = 0, 1
	if len(before) > 0 {
		h := histogram(locationHist(before), colBefore, true)
		p.Add(h)
		p.Legend.Add("before swapping", h)
	}
	if len(after) > 0 && !slices.Equal(before, after) {
		h := histogram(locationHist(after), colMain, false)
		p.Add(h)
		p.Legend.Add("after", h)
	}
	p.Legend.Top = true
	return p, nil
}

// locationHist bins locations in [0,1) into locationBins bins.
func locationHist(locs []float64) []plotter.HistogramBin {
	bins := make([]plotter.HistogramBin, locationBins)
	for i := range bins {
		bins[i].Min = float64(i) / locationBins
		bins[i].Max = float64(i+1) / locationBins
	}
	for _, l := range locs {
		if math.IsNaN(l) {
			continue
		}
		i := int(math.Floor(l * locationBins))
		bins[min(max(i, 0), locationBins-1)].Weight++
	}
	return bins
}

// successTimePlot is each epoch's success rate against its start: the
// epoch's own requests and, from the second epoch on, its re-reads of the
// first epoch's keys.
func successTimePlot(r *sim.Result) (*plot.Plot, error) {
	if len(r.Epochs) < 2 {
		return nil, nil
	}
	xys := make(plotter.XYs, 0, len(r.Epochs))
	old := make(plotter.XYs, 0, len(r.Epochs))
	for _, e := range r.Epochs {
		if e.Requests > 0 {
			xys = append(xys, plotter.XY{X: e.StartS / 3600, Y: e.SuccessRate})
		}
		if e.Rereads > 0 {
			old = append(old, plotter.XY{X: e.StartS / 3600, Y: e.RereadSuccessRate})
		}
	}
	p, err := linePlot(r, "Request success per epoch", "virtual time (hours)", "success rate", xys, colMain, 1)
	if p == nil || err != nil || len(finite(old)) == 0 {
		return p, err
	}
	l, pts, err := plotter.NewLinePoints(finite(old))
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color, l.LineStyle.Width = colSecond, vg.Points(1.5)
	l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	pts.GlyphStyle.Color, pts.GlyphStyle.Radius = colSecond, vg.Points(2)
	p.Add(l, pts)
	key := &plotter.Line{LineStyle: l.LineStyle}
	key.LineStyle.Color, key.LineStyle.Dashes = colMain, nil
	p.Legend.Add("new keys", key)
	p.Legend.Add("first epoch's keys (re-reads)", l)
	p.Legend.Left = true
	return p, nil
}

// maxGapPlot is each epoch's widest empty stretch of the circle against
// its start.
func maxGapPlot(r *sim.Result) (*plot.Plot, error) {
	if len(r.Epochs) < 2 {
		return nil, nil
	}
	xys := make(plotter.XYs, 0, len(r.Epochs))
	for _, e := range r.Epochs {
		xys = append(xys, plotter.XY{X: e.StartS / 3600, Y: e.MaxGap})
	}
	return linePlot(r, "Widest gap between honest nodes per epoch", "virtual time (hours)", "max gap (units of 1/nodes)", xys, colSecond, 0)
}

// swapsPlot is the mean greedy route length against swaps per node.
func swapsPlot(r *sim.Result) (*plot.Plot, error) {
	xys := make(plotter.XYs, 0, len(r.Curve))
	for _, c := range r.Curve {
		xys = append(xys, plotter.XY{X: float64(c.SwapsPerNode), Y: c.GreedyHopsMean})
	}
	return linePlot(r, "Greedy route length while swapping", "swap attempts per node", "greedy hops (mean)", xys, colMain, 0)
}

// swapsSuccessPlot is the greedy success rate against swaps per node.
func swapsSuccessPlot(r *sim.Result) (*plot.Plot, error) {
	xys := make(plotter.XYs, 0, len(r.Curve))
	for _, c := range r.Curve {
		xys = append(xys, plotter.XY{X: float64(c.SwapsPerNode), Y: c.GreedySuccess})
	}
	return linePlot(r, "Greedy routing success while swapping", "swap attempts per node", "greedy success rate", xys, colMain, 1)
}

// linePlot returns a plot of a line with a dot at each finite point of
// xys, in colour c, its y axis starting at 0 and ending at yMax or above
// (0: wherever the data ends); nil when no point is finite.
func linePlot(r *sim.Result, what, x, y string, xys plotter.XYs, c color.Color, yMax float64) (*plot.Plot, error) {
	pts := finite(xys)
	if len(pts) == 0 {
		return nil, nil
	}
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1.5)
	s.GlyphStyle.Color = c
	s.GlyphStyle.Radius = vg.Points(2)
	p := newPlot(r, what, x, y)
	p.Add(l, s)
	p.Y.Min = min(p.Y.Min, 0)
	p.Y.Max = max(p.Y.Max, yMax)
	return p, nil
}

// integerTicks labels whole numbers in [lo, hi]: every one when there are
// at most 20, else every 2nd, 5th, 10th, 20th, 50th, ….
func integerTicks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	if last < first {
		return nil
	}
	step := 1
	for m := 1; (last-first)/step > 20; m *= 10 {
		for _, k := range []int{1, 2, 5} {
			if step = k * m; (last-first)/step <= 20 {
				break
			}
		}
	}
	var ticks []plot.Tick
	start := first / step * step
	if start < first {
		start += step
	}
	for v := start; v <= last; v += step {
		ticks = append(ticks, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return ticks
}

// histogram returns a histogram of bins in colour c, filled or outlined.
func histogram(bins []plotter.HistogramBin, c color.Color, fill bool) *plotter.Histogram {
	h := &plotter.Histogram{Bins: bins, LineStyle: plotter.DefaultLineStyle}
	if len(bins) > 0 {
		h.Width = bins[0].Max - bins[0].Min
	}
	if fill {
		h.FillColor = c
		h.LineStyle.Color = color.White
		h.LineStyle.Width = vg.Points(0.5)
	} else {
		h.LineStyle.Color = c
		h.LineStyle.Width = vg.Points(1.5)
	}
	return h
}

// line returns a line through the finite points of xys in colour c.
func line(xys plotter.XYs, c color.Color) (*plotter.Line, error) {
	l, err := plotter.NewLine(finite(xys))
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1.5)
	return l, nil
}

// finite returns the points of xys with finite coordinates (a NaN mean of
// an epoch without successes would make gonum refuse the whole line).
func finite(xys plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, len(xys))
	for _, xy := range xys {
		if !math.IsNaN(xy.X) && !math.IsNaN(xy.Y) && !math.IsInf(xy.X, 0) && !math.IsInf(xy.Y, 0) {
			out = append(out, xy)
		}
	}
	return out
}
