package sim

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// WriteCSV writes r as CSV files into dir, creating it (mode 0755) when
// missing. Each file starts with a header row:
//
//   - requests.csv: one row per Record (index, kind insert|request|reread, epoch,
//     origin, key_location, start_ms, ok, err, hops, messages, latency_ms,
//     greedy_hops, foaf_greedy_hops);
//   - epochs.csv: one row per Epoch (epoch, start_s, requests, succeeded,
//     success_rate, hops_mean, online, max_gap, relocations, rereads,
//     reread_succeeded, reread_success_rate);
//   - curve.csv, only when r has a swapping curve: swaps_per_node,
//     accepted, greedy_hops_mean, greedy_success;
//   - locations.csv: node, before, after, one row per honest node (a
//     missing value is left empty);
//   - load.csv: node, messages;
//   - subscriptions.csv, only with the subscription workload: one row per
//     Delivery (feed, edition, publisher, follower, post_ms, insert_ms,
//     seen_ms, visible_ms, via, phase; -1 for a time that never came,
//     visible_ms -1 when unseen).
//
// Floats are written in the shortest form that reads back exactly, so the
// same Result always gives the same bytes.
func (r *Result) WriteCSV(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	files := []struct {
		name   string
		header []string
		rows   func(emit func(...string))
		skip   bool
	}{
		{"requests.csv", []string{"index", "kind", "epoch", "origin", "key_location", "start_ms", "ok", "err", "hops", "messages", "latency_ms", "greedy_hops", "foaf_greedy_hops"},
			func(emit func(...string)) {
				for _, rec := range r.Records {
					kind := "request"
					switch {
					case rec.Insert:
						kind = "insert"
					case rec.Reread:
						kind = "reread"
					}
					emit(csvInt(rec.Index), kind, csvInt(rec.Epoch), csvInt(rec.Origin), csvFloat(rec.KeyLocation),
						csvFloat(rec.StartMs), strconv.FormatBool(rec.OK), rec.Err, csvInt(rec.Hops),
						csvInt(rec.Messages), csvFloat(rec.LatencyMs), csvInt(rec.GreedyHops), csvInt(rec.FOAFGreedyHops))
				}
			}, false},
		{"epochs.csv", []string{"epoch", "start_s", "requests", "succeeded", "success_rate", "hops_mean", "online", "max_gap", "relocations", "rereads", "reread_succeeded", "reread_success_rate"},
			func(emit func(...string)) {
				for _, e := range r.Epochs {
					emit(csvInt(e.Epoch), csvFloat(e.StartS), csvInt(e.Requests), csvInt(e.Succeeded), csvFloat(e.SuccessRate),
						csvFloat(e.HopsMean), csvInt(e.Online), csvFloat(e.MaxGap), csvInt(e.Relocations),
						csvInt(e.Rereads), csvInt(e.RereadSucceeded), csvFloat(e.RereadSuccessRate))
				}
			}, false},
		{"curve.csv", []string{"swaps_per_node", "accepted", "greedy_hops_mean", "greedy_success"},
			func(emit func(...string)) {
				for _, p := range r.Curve {
					emit(csvInt(p.SwapsPerNode), csvFloat(p.Accepted), csvFloat(p.GreedyHopsMean), csvFloat(p.GreedySuccess))
				}
			}, len(r.Curve) == 0},
		{"locations.csv", []string{"node", "before", "after"},
			func(emit func(...string)) {
				for i := range max(len(r.LocationsBefore), len(r.LocationsAfter)) {
					emit(csvInt(i), csvAt(r.LocationsBefore, i), csvAt(r.LocationsAfter, i))
				}
			}, false},
		{"load.csv", []string{"node", "messages"},
			func(emit func(...string)) {
				for i, n := range r.Load {
					emit(csvInt(i), strconv.FormatUint(uint64(n), 10))
				}
			}, false},
		{"subscriptions.csv", []string{"feed", "edition", "publisher", "follower", "post_ms", "insert_ms", "seen_ms", "visible_ms", "via", "phase"},
			func(emit func(...string)) {
				for _, d := range r.Deliveries {
					vis := -1.0
					if d.SeenMs >= 0 {
						vis = d.SeenMs - d.InsertMs
					}
					emit(csvInt(d.Feed), csvInt(d.Edition), csvInt(d.Publisher), csvInt(d.Follower), csvFloat(d.PostMs),
						csvFloat(d.InsertMs), csvFloat(d.SeenMs), csvFloat(vis), d.Via, d.Phase)
				}
			}, len(r.Deliveries) == 0},
	}
	for _, f := range files {
		if f.skip {
			continue
		}
		if err := writeCSVFile(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	return nil
}

// writeCSVFile writes the header and the rows emitted by rows to path.
func writeCSVFile(path string, header []string, rows func(emit func(...string))) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	rows(func(rec ...string) { w.Write(rec) })
	w.Flush()
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sim: write %s: %w", path, err)
	}
	return nil
}

// csvInt formats an int in decimal.
func csvInt(n int) string { return strconv.Itoa(n) }

// csvFloat formats a float in the shortest decimal form that reads back
// exactly.
func csvFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// csvAt formats s[i], or "" when s has no element i.
func csvAt(s []float64, i int) string {
	if i >= len(s) {
		return ""
	}
	return csvFloat(s[i])
}
