package sim

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// csvHandResult is a small Result built by hand, with awkward values (a comma
// and a quote in an error, a float with no short binary form).
func csvHandResult() *Result {
	return &Result{
		Summary: Summary{Nodes: 4, Degree: 2, Topology: Darknet, Seed: 7, Requests: 2},
		Records: []Record{
			{Index: 0, Insert: true, Epoch: 0, Origin: 1, KeyLocation: 0.1, StartMs: 0, OK: true, Hops: -1, Messages: 5, LatencyMs: 812.5, GreedyHops: -1},
			{Index: 0, Epoch: 0, Origin: 3, KeyLocation: 0.1, StartMs: 120000, OK: true, Hops: 2, Messages: 3, LatencyMs: 1234.0625, GreedyHops: 2},
			{Index: 1, Epoch: 1, Origin: 2, KeyLocation: 1.0 / 3, StartMs: 1800000.25, OK: false, Err: `route not found, "htl" exhausted`, Hops: -1, Messages: 18, LatencyMs: 9000, GreedyHops: -1},
		},
		Epochs: []Epoch{
			{Epoch: 0, StartS: 0, Requests: 1, Succeeded: 1, SuccessRate: 1, HopsMean: 2, Online: 4, MaxGap: 1.5},
			{Epoch: 1, StartS: 1800, Requests: 1, Succeeded: 0, SuccessRate: 0, HopsMean: 0, Online: 3, MaxGap: 2.25, Relocations: 1},
		},
		Curve: []CurvePoint{
			{SwapsPerNode: 10, Accepted: 0.5, GreedyHopsMean: 3.25, GreedySuccess: 0.75},
			{SwapsPerNode: 20, Accepted: 0.25, GreedyHopsMean: 2.5, GreedySuccess: 1},
		},
		LocationsBefore: []float64{0.9, 0.1, 0.6, 0.3},
		LocationsAfter:  []float64{0, 0.25, 0.5},
		Load:            []uint32{3, 0, 7, 4294967295},
	}
}

// readCSVFile reads a whole CSV file.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestWriteCSV(t *testing.T) {
	r := csvHandResult()
	dir := filepath.Join(t.TempDir(), "out", "nested")
	if err := r.WriteCSV(dir); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{
		"requests.csv":  "index,kind,epoch,origin,key_location,start_ms,ok,err,hops,messages,latency_ms,greedy_hops,foaf_greedy_hops",
		"epochs.csv":    "epoch,start_s,requests,succeeded,success_rate,hops_mean,online,max_gap,relocations,rereads,reread_succeeded,reread_success_rate",
		"curve.csv":     "swaps_per_node,accepted,greedy_hops_mean,greedy_success",
		"locations.csv": "node,before,after",
		"load.csv":      "node,messages",
	}
	lengths := map[string]int{"requests.csv": 3, "epochs.csv": 2, "curve.csv": 2, "locations.csv": 4, "load.csv": 4}
	for name, h := range headers {
		rows := readCSVFile(t, filepath.Join(dir, name))
		if got := strings.Join(rows[0], ","); got != h {
			t.Errorf("%s header %q, want %q", name, got, h)
		}
		if len(rows)-1 != lengths[name] {
			t.Errorf("%s: %d data rows, want %d", name, len(rows)-1, lengths[name])
		}
	}

	// A request row reads back to the Record it came from.
	row := readCSVFile(t, filepath.Join(dir, "requests.csv"))[3]
	want := r.Records[2]
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	flt := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	got := Record{
		Index: num(row[0]), Insert: row[1] == "insert", Epoch: num(row[2]), Origin: num(row[3]),
		KeyLocation: flt(row[4]), StartMs: flt(row[5]), OK: row[6] == "true", Err: row[7],
		Hops: num(row[8]), Messages: num(row[9]), LatencyMs: flt(row[10]), GreedyHops: num(row[11]),
	}
	if got != want {
		t.Errorf("request row reads back as %+v, want %+v", got, want)
	}
	if k := readCSVFile(t, filepath.Join(dir, "requests.csv"))[1][1]; k != "insert" {
		t.Errorf("first record kind %q, want insert", k)
	}

	// Missing after-locations are empty; the uint32 load is unsigned.
	if loc := readCSVFile(t, filepath.Join(dir, "locations.csv"))[4]; !slices.Equal(loc, []string{"3", "0.3", ""}) {
		t.Errorf("last locations row %q", loc)
	}
	if load := readCSVFile(t, filepath.Join(dir, "load.csv"))[4]; !slices.Equal(load, []string{"3", "4294967295"}) {
		t.Errorf("last load row %q", load)
	}
	if ep := readCSVFile(t, filepath.Join(dir, "epochs.csv"))[2]; !slices.Equal(ep, []string{"1", "1800", "1", "0", "0", "0", "3", "2.25", "1", "0", "0", "0"}) {
		t.Errorf("second epoch row %q", ep)
	}

	// The same Result gives the same bytes.
	dir2 := t.TempDir()
	if err := r.WriteCSV(dir2); err != nil {
		t.Fatal(err)
	}
	for name := range headers {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two writes of the same Result", name)
		}
	}
}

func TestWriteCSVNoCurve(t *testing.T) {
	r := csvHandResult()
	r.Curve = nil
	dir := t.TempDir()
	if err := r.WriteCSV(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "curve.csv")); !os.IsNotExist(err) {
		t.Errorf("curve.csv written without a curve (stat: %v)", err)
	}
	for _, name := range []string{"requests.csv", "epochs.csv", "locations.csv", "load.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestWriteCSVError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := csvHandResult().WriteCSV(filepath.Join(file, "sub"))
	if err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
		t.Errorf("WriteCSV under a file: %v, want a sim: error", err)
	}
}
