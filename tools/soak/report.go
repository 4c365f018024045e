package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Report limits.
const (
	maxLostListed  = 50 // lost inserts listed one by one
	maxWrongListed = 20 // fetches of wrong data listed one by one
	findingExcerpt = 30 // lines of a panic or dump printed
)

// finding is a panic, fatal error, race or goroutine dump in a node's log.
type finding struct {
	node    int
	kind    string
	lines   int // lines of the whole dump
	excerpt []string
}

var (
	logStart = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT|=== soak: )`)
	triggers = []struct {
		re   *regexp.Regexp
		kind string
	}{
		{regexp.MustCompile(`^panic: `), "panic"},
		{regexp.MustCompile(`^fatal error: `), "fatal error"},
		{regexp.MustCompile(`^WARNING: DATA RACE`), "data race"},
		{regexp.MustCompile(`^SIGQUIT: quit`), "goroutine dump (SIGQUIT)"},
		{regexp.MustCompile(`^goroutine \d+ \[`), "goroutine dump"},
		{regexp.MustCompile(`^runtime: `), "runtime error"},
	}
)

// scanLogs reads every node's log (all its runs) for panics, fatal
// errors, races and goroutine dumps. A dump runs from its first line to
// the next log line.
func scanLogs(c *cluster) []finding {
	var out []finding
	for _, n := range c.nodes {
		f, err := os.Open(n.logPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var cur *finding
		for sc.Scan() {
			line := sc.Text()
			if cur != nil && logStart.MatchString(line) {
				out, cur = append(out, *cur), nil
			}
			if cur == nil {
				for _, t := range triggers {
					if t.re.MatchString(line) {
						cur = &finding{node: n.i, kind: t.kind}
						break
					}
				}
			}
			if cur != nil {
				cur.lines++
				if len(cur.excerpt) < findingExcerpt {
					cur.excerpt = append(cur.excerpt, line)
				}
			}
		}
		if cur != nil {
			out = append(out, *cur)
		}
		f.Close()
	}
	return out
}

// mib formats bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// counts formats a map of counts, largest first.
func counts(m map[string]int) string {
	ks := slices.Collect(maps.Keys(m))
	slices.SortFunc(ks, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// report prints the summary and returns the exit code.
func (s *soak) report(w io.Writer, c *cluster, wl *workload, f *faults, h *hostiles, out outcome) int {
	cfg := s.cfg
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	events, samples := s.ev.snapshot()
	wl.mu.Lock()
	ops := slices.Clone(wl.ops)
	insertFails, fetchFails := maps.Clone(wl.insertFails), maps.Clone(wl.fetchFails)
	corrupt := slices.Clone(wl.corrupt)
	for i, r := range out.acks { // lastFail was set after the copy
		out.acks[i].lastFail = wl.acks[r.id].lastFail
	}
	wl.mu.Unlock()

	p("== soak: %d nodes, %v, seed %d, %d clients", cfg.nodes, cfg.duration, cfg.seed, cfg.clients)
	var faultText []string
	if cfg.killEvery > 0 {
		faultText = append(faultText, fmt.Sprintf("kill -9 every %v", cfg.killEvery))
	}
	if f.cutsOK || f.resets > 0 {
		faultText = append(faultText, fmt.Sprintf("links cut every %v for %v (%d connections reset)", cfg.cutEvery, cfg.cutFor, f.resets))
	} else if cfg.cutEvery > 0 {
		faultText = append(faultText, "link cuts skipped (need root and ss)")
	}
	if f.fillNode >= 0 && f.filled == 0 {
		faultText = append(faultText, fmt.Sprintf("node %d on a tmpfs, not filled (the run ended first)", f.fillNode))
	} else if f.fillNode >= 0 {
		faultText = append(faultText, fmt.Sprintf("node %d's disk filled for %v (%s)", f.fillNode, cfg.fillFor, mib(f.filled)))
	} else if cfg.fillDisk {
		faultText = append(faultText, "disk fill skipped (needs root and a tmpfs mount)")
	}
	if h != nil {
		faultText = append(faultText, "hostile clients")
	}
	if len(faultText) == 0 {
		faultText = []string{"none"}
	}
	p("faults: %s", strings.Join(faultText, "; "))
	if out.interrupted {
		p("INTERRUPTED: the final check did not run to its end")
	}

	// Inserts.
	byKind := map[string]int{}
	var ackBytes int64
	for _, r := range out.acks {
		byKind[r.kind]++
		ackBytes += int64(r.size)
	}
	insOK, insAll, fOK, fAll := 0, 0, 0, 0
	for _, o := range ops {
		if o.fetch {
			fAll++
			if o.ok {
				fOK++
			}
		} else {
			insAll++
			if o.ok {
				insOK++
			}
		}
	}
	p("")
	p("== inserts")
	p("acknowledged: %d of %d attempted (%s), %s", len(out.acks), insAll, counts(byKind), mib(ackBytes))
	p("failed inserts: %s", counts(insertFails))
	// Could the network hold every insert? Only asked when some were
	// lost: then every store was opened, and a store region that never
	// reached its budget never evicted anything.
	couldHold := true
	if len(out.stores) > 0 {
		fullest := out.stores[0]
		var full []string
		for _, st := range out.stores {
			if float64(st.bytes)/float64(st.budget) > float64(fullest.bytes)/float64(fullest.budget) {
				fullest = st
			}
			if st.full() {
				full = append(full, fmt.Sprint(st.node))
			}
		}
		couldHold = len(full) == 0
		verdict := "no store region reached its budget: nothing was evicted from a store, the network could hold every insert"
		if !couldHold {
			verdict = "the store regions of nodes " + strings.Join(full, ", ") + " are full: they may have evicted, so a lost insert may have been evicted"
		}
		p("stores at the end: the fullest is node %d's, %s of %s; %s", fullest.node, mib(fullest.bytes), mib(fullest.budget), verdict)
		fullCaches := 0
		for _, st := range out.stores {
			if st.cacheFull() {
				fullCaches++
			}
		}
		p("caches at the end: %d of %d nodes' cache regions reached their budget (what is only cached is evicted first)", fullCaches, len(out.stores))
		var stored, inserted int64
		for _, st := range out.stores {
			stored += st.blocks
		}
		for _, r := range out.acks {
			inserted += insertBlocks(r)
		}
		p("store regions hold %d blocks in all, for about %d blocks inserted: %.2f stored copies per block", stored, inserted, float64(stored)/float64(max(inserted, 1)))
	}

	// The final check.
	lost := out.lost
	if !out.interrupted {
		firstOK, secondOK := 0, 0
		for _, r := range out.acks {
			switch {
			case out.first[r.id].ok:
				firstOK++
			case out.second[r.id] != nil && out.second[r.id].ok:
				secondOK++
			}
			for _, res := range []*checkResult{out.first[r.id], out.second[r.id]} {
				if res != nil && res.corrupt != "" {
					corrupt = append(corrupt, fmt.Sprintf("%s (%s, %d B, inserted through node %d) in the final check: %s", r.uri, r.kind, r.size, r.node, res.corrupt))
				}
			}
		}
		p("still fetchable at the end from a node that did not insert them: %d of %d (%d at the first pass; %d more after a clean restart of every node)",
			firstOK+secondOK, len(out.acks), firstOK, secondOK)
		p("LOST: %d", len(lost))
		if len(out.unchecked) > 0 {
			p("NOT CHECKED: %d (the final check ran out of --check-timeout before an answer)", len(out.unchecked))
		}
		s.listLost(p, lost, out, events)
	}
	if len(corrupt) > 0 {
		p("WRONG DATA: %d fetches, of %d inserts, returned other bytes than were inserted:", len(corrupt), len(out.wrong))
		for i, x := range corrupt {
			if i == maxWrongListed {
				p("  … and %d more (the inserts are marked in %s)", len(corrupt)-i, filepath.Join(cfg.dir, "acks.tsv"))
				break
			}
			p("  %s", x)
		}
	}

	// Fetch success over time.
	p("")
	p("== fetches during the run: %d of %d succeeded (%.1f%%); failures: %s", fOK, fAll, pct(fOK, fAll), counts(fetchFails))
	p("time taken: fetches that succeeded %s, that failed %s; inserts that succeeded %s",
		quantiles(ops, true, true), quantiles(ops, true, false), quantiles(ops, false, true))
	s.windowTable(p, ops, events, samples, out.runEnd)

	// Nodes.
	p("")
	p("== nodes")
	p("node  starts  kills  own exits  peak RSS  min peers  role")
	roles := map[int][]string{}
	if f.fillNode >= 0 {
		roles[f.fillNode] = append(roles[f.fillNode], "disk filled")
	}
	if h != nil {
		for _, st := range h.stats {
			roles[st.node] = append(roles[st.node], st.kind)
		}
	}
	var peak int64
	for _, n := range c.nodes {
		n.mu.Lock()
		minPeers := "?"
		if n.minPeers >= 0 {
			minPeers = fmt.Sprintf("%d/%d", n.minPeers, len(n.neighbours))
		}
		p("%4d  %6d  %5d  %9d  %4d MiB  %9s  %s", n.i, n.starts, n.kills, len(n.unexpected), n.peakKB>>10, minPeers, strings.Join(roles[n.i], ", "))
		for _, u := range n.unexpected {
			p("      exited on its own %s", u)
		}
		if n.hangs > 0 {
			p("      did not stop on SIGTERM %d time(s): dumped with SIGQUIT", n.hangs)
		}
		peak = max(peak, n.peakKB)
		n.mu.Unlock()
	}
	p("largest peak RSS: %d MiB", peak>>10)

	if h != nil {
		p("")
		p("== hostile clients")
		for _, st := range h.stats {
			for _, l := range st.summary() {
				p("%s", l)
			}
		}
	}

	p("")
	p("== panics, fatal errors and goroutine dumps in the node logs: %d", len(out.findings))
	for _, fd := range out.findings {
		p("-- node %d: %s (%d lines; %s):", fd.node, fd.kind, fd.lines, c.nodes[fd.node].logPath)
		for _, l := range fd.excerpt {
			p("   %s", l)
		}
	}

	if len(out.acks) > 0 {
		p("every acknowledged insert and its final state: %s", filepath.Join(cfg.dir, "acks.tsv"))
	}
	var why []string
	if n := len(lost); n > 0 && couldHold {
		why = append(why, fmt.Sprintf("%d acknowledged inserts lost", n))
	} else if n > 0 {
		p("note: %d inserts lost, but full stores may have evicted them", n)
	}
	if n := len(out.unchecked); n > 0 {
		why = append(why, fmt.Sprintf("%d acknowledged inserts not checked", n))
	}
	if len(corrupt) > 0 {
		why = append(why, fmt.Sprintf("%d fetches returned wrong data", len(corrupt)))
	}
	if len(out.findings) > 0 {
		why = append(why, fmt.Sprintf("%d panics or dumps", len(out.findings)))
	}
	if out.interrupted {
		why = append(why, "interrupted")
	}
	p("")
	if len(why) > 0 {
		p("RESULT: FAIL (%s); logs in %s", strings.Join(why, ", "), cfg.dir)
		return exitFail
	}
	p("RESULT: PASS")
	return exitPass
}

// quantiles formats the median, 95th percentile and largest time of the
// operations of a kind and outcome.
func quantiles(ops []opRec, fetch, ok bool) string {
	var ds []time.Duration
	for _, o := range ops {
		if o.fetch == fetch && o.ok == ok {
			ds = append(ds, o.took)
		}
	}
	if len(ds) == 0 {
		return "(none)"
	}
	slices.Sort(ds)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	return fmt.Sprintf("median %v, p95 %v, max %v", r(ds[len(ds)/2]), r(ds[len(ds)*95/100]), r(ds[len(ds)-1]))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// listLost prints the lost inserts, each with the nodes whose store holds
// its top block at the end and the nodes killed while it may have been in
// their memory only.
func (s *soak) listLost(p func(string, ...any), lost []insertRec, out outcome, events []event) {
	if len(lost) == 0 {
		return
	}
	for _, sk := range out.skipped {
		p("  (store not inspected: %s)", sk)
	}
	none, killed := 0, 0
	for _, r := range lost {
		if len(out.held[r.id]) == 0 {
			none++
			if len(killedWithin(events, r.at)) > 0 {
				killed++
			}
		}
	}
	all := 0 // the base rate: any insert, lost or not
	for _, r := range out.acks {
		if len(killedWithin(events, r.at)) > 0 {
			all++
		}
	}
	p("  %d of them are in no node's store at the end; %d of those (%.0f%%) were acknowledged less than %v before some node was killed (which loses what it stored since its last flush), against %.0f%% of all acknowledged inserts",
		none, killed, pct(killed, none), flushWindow, pct(all, len(out.acks)))
	for k, r := range lost {
		if k == maxLostListed {
			p("  … and %d more (all in %s)", len(lost)-k, filepath.Join(s.cfg.dir, "acks.tsv"))
			break
		}
		p("  %s %s (%d B) inserted through node %d at %s; last failed fetch during the run %s",
			r.kind, r.uri, r.size, r.node, fmtOffset(s.ev.offset(r.at)), offsetOrNever(s, r.lastFail))
		res := out.first[r.id]
		if out.second[r.id] != nil {
			res = out.second[r.id]
		}
		p("    final check: %s", strings.Join(res.tried, "; "))
		held := "no node"
		if h := out.held[r.id]; len(h) > 0 {
			held = "node " + strings.Trim(fmt.Sprint(h), "[]")
		}
		kills := killedWithin(events, r.at)
		if len(kills) == 0 {
			kills = []string{"none"}
		}
		p("    top block in the store of: %s; kills within %v after the insert: %s", held, flushWindow, strings.Join(kills, ", "))
	}
}

func offsetOrNever(s *soak, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return "at " + fmtOffset(s.ev.offset(t))
}

// windowTable prints fetch and insert success per window of the run, with
// the nodes up, the links connected and the faults of each window.
func (s *soak) windowTable(p func(string, ...any), ops []opRec, events []event, samples []linkSample, end time.Time) {
	win := s.cfg.window
	zero := end.Add(-s.ev.offset(end))
	nwin := int(math.Ceil(float64(end.Sub(zero)) / float64(win)))
	if nwin <= 0 {
		return
	}
	type row struct {
		fOK, fAll, iOK, iAll int
		up, links            int
		ev                   []string
	}
	rows := make([]row, nwin)
	for i := range rows {
		rows[i].up = -1
	}
	at := func(t time.Time) int {
		k := int(t.Sub(zero) / win)
		if t.Before(zero) || k >= nwin {
			return -1
		}
		return k
	}
	for _, o := range ops {
		k := at(o.at)
		if k < 0 {
			continue
		}
		if o.fetch {
			rows[k].fAll++
			if o.ok {
				rows[k].fOK++
			}
		} else {
			rows[k].iAll++
			if o.ok {
				rows[k].iOK++
			}
		}
	}
	for _, sm := range samples {
		if k := at(sm.at.Add(-time.Millisecond)); k >= 0 {
			rows[k].up, rows[k].links = sm.up, sm.links
		}
	}
	for _, e := range events {
		if k := at(e.at); k >= 0 {
			label := e.kind
			if e.node >= 0 {
				label += fmt.Sprint(" ", e.node)
			}
			rows[k].ev = append(rows[k].ev, label)
		}
	}
	p("window  fetched     ok%%  inserted  nodes up  links  events")
	for k, r := range rows {
		up, links := "-", "-"
		if r.up >= 0 {
			up, links = fmt.Sprintf("%d/%d", r.up, s.cfg.nodes), fmt.Sprint(r.links)
		}
		okp := "   -"
		if r.fAll > 0 {
			okp = fmt.Sprintf("%4.0f", pct(r.fOK, r.fAll))
		}
		p("%6s  %3d/%-4d %4s  %3d/%-4d  %8s  %5s  %s", fmtOffset(time.Duration(k)*win), r.fOK, r.fAll, okp, r.iOK, r.iAll, up, links, strings.Join(r.ev, ", "))
	}
}
