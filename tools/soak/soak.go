package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// soak is one run: the network, the workload, the faults and the hostile
// clients.
type soak struct {
	cfg config
	ev  *eventLog
}

func newSoak(cfg config, stderr io.Writer) *soak { return &soak{cfg: cfg, ev: newEventLog(stderr)} }

// logf prints a line of the running log.
func (s *soak) logf(format string, args ...any) {
	s.ev.logf(s.ev.offset(time.Now()), format, args...)
}

// outcome is what the report is made of.
type outcome struct {
	acks        []insertRec
	first       map[int]*checkResult // the final check
	second      map[int]*checkResult // its second pass, after a clean restart (empty: none)
	lost        []insertRec          // fetched by neither pass
	unchecked   []insertRec          // the second pass had no time for them
	held        map[int][]int        // the nodes whose store holds a lost insert's top block
	stores      []storeFill          // each node's store and cache regions at the end (when inspected)
	wrong       map[int]bool         // the inserts some fetch returned wrong data for, by id
	skipped     []string             // stores that could not be inspected
	findings    []finding
	runEnd      time.Time
	interrupted bool
}

// run runs the soak and prints the summary; it returns the exit code.
func (s *soak) run(ctx context.Context, stdout io.Writer) (int, error) {
	cfg := &s.cfg
	cleanup, err := prepare(cfg, s.logf)
	keep := cfg.keep
	defer func() { cleanup(keep) }()
	if err != nil {
		return exitUsage, err
	}
	c, err := newCluster(*cfg, s.ev, s.logf)
	if err != nil {
		return exitUsage, err
	}
	f := newFaults(*cfg, c, s.ev, s.logf)
	f.setupCuts()
	if cfg.fillDisk {
		rng := mrand.New(mrand.NewPCG(cfg.seed, 0x66696c6c))
		f.setupFill(rng.IntN(cfg.nodes))
	}
	defer func() { f.unmount(keep) }() // after the nodes stop (deferred below), before cleanup
	stopped := false
	stopAll := func() {
		if stopped {
			return
		}
		stopped = true
		c.endSpawns()
		c.closeMonitors()
		c.forEach(func(n *nodeProc) error { c.stop(n); return nil })
	}
	defer stopAll()
	s.logf("soak: %d nodes (%s), seed %d, %v; logs and node directories in %s", cfg.nodes, cfg.hams, cfg.seed, cfg.duration, cfg.dir)
	if err := c.bootstrap(ctx); err != nil {
		keep = true
		stopAll()
		for _, fd := range scanLogs(c) { // a node that died while linking says why
			fmt.Fprintf(stdout, "-- node %d: %s (%s):\n   %s\n", fd.node, fd.kind, c.nodes[fd.node].logPath, strings.Join(fd.excerpt, "\n   "))
		}
		return exitFail, fmt.Errorf("forming the network: %w", err)
	}
	var h *hostiles
	if cfg.hostile {
		h = newHostiles(*cfg, c, f.fillNode)
	}
	w := newWorkload(*cfg, c, s.ev)

	s.ev.setZero()
	s.logf("the run starts: %d clients for %v", cfg.clients, cfg.duration)
	runCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	monCtx, stopMon := context.WithCancel(ctx)
	defer stopMon()
	var mon sync.WaitGroup
	mon.Go(func() { c.monitor(monCtx) })
	var wg sync.WaitGroup
	wg.Go(func() { w.run(runCtx) })
	wg.Go(func() { f.run(runCtx) })
	if h != nil {
		wg.Go(func() { h.run(runCtx) })
	}
	wg.Wait()
	out := outcome{runEnd: time.Now()}
	if ctx.Err() != nil {
		out.interrupted = true
		stopMon()
		mon.Wait()
		stopAll()
		w.mu.Lock()
		out.acks = slices.Clone(w.acks)
		w.mu.Unlock()
		out.findings = scanLogs(c)
		keep = true
		out.wrong = wrongSet(w, out)
		s.writeAcks(out)
		s.report(stdout, c, w, f, h, out)
		return exitFail, errors.New("interrupted")
	}

	s.logf("the run is over: no more faults; starting the nodes that are down and settling for %v", cfg.settle)
	c.forEach(c.restart)
	sleepCtx(ctx, cfg.settle)
	stopMon()
	mon.Wait()
	c.samplePeers(ctx)
	w.mu.Lock()
	out.acks = slices.Clone(w.acks)
	w.mu.Unlock()
	s.logf("final check: fetching each of the %d acknowledged inserts from a node that did not insert it", len(out.acks))
	out.first = w.check(ctx, out.acks, 1, 1)
	out.second = map[int]*checkResult{}
	var again []insertRec
	for _, r := range out.acks {
		if !out.first[r.id].ok {
			again = append(again, r)
		}
	}
	if len(again) > 0 && ctx.Err() == nil {
		// A node answers RecentlyFailed for 3 minutes after a key was
		// not found (an in-memory table): a key that failed during a
		// fault, or just now, is not fetchable for a while even where
		// it is held. A clean restart clears the tables.
		s.logf("%d not fetched; stopping every node cleanly, starting them again (which clears the RecentlyFailed tables) and fetching those again from up to %d nodes each", len(again), checkTries)
		c.forEach(func(n *nodeProc) error { c.stop(n); return nil })
		if err := c.forEach(c.restart); err != nil {
			s.logf("restarting: %v", err)
		}
		if err := c.waitLinks(ctx); err != nil {
			s.logf("%v", err)
		}
		out.second = w.check(ctx, again, 2, checkTries)
	}
	for _, r := range again {
		switch res := out.second[r.id]; {
		case res == nil || res.unchecked:
			out.unchecked = append(out.unchecked, r)
		case !res.ok:
			out.lost = append(out.lost, r)
		}
	}
	stopAll()
	if ctx.Err() != nil { // interrupted during the check: its answers are partial
		out.interrupted, keep = true, true
	}
	if len(out.lost) > 0 {
		s.logf("%d lost; looking for their top blocks in the nodes' stores", len(out.lost))
		out.held, out.stores, out.skipped = holders(c, out.lost)
	}
	out.findings = scanLogs(c)
	out.wrong = wrongSet(w, out)
	s.writeAcks(out)
	code := s.report(stdout, c, w, f, h, out)
	keep = keep || code != exitPass
	return code, nil
}

// wrongSet returns the inserts some fetch returned wrong data for, during
// the run or in the final check.
func wrongSet(w *workload, out outcome) map[int]bool {
	w.mu.Lock()
	wrong := maps.Clone(w.wrong)
	w.mu.Unlock()
	for _, m := range []map[int]*checkResult{out.first, out.second} {
		for id, r := range m {
			if r.corrupt != "" {
				wrong[id] = true
			}
		}
	}
	return wrong
}

// writeAcks writes DIR/acks.tsv.
func (s *soak) writeAcks(out outcome) {
	lost, unchecked := map[int]bool{}, map[int]bool{}
	for _, r := range out.lost {
		lost[r.id] = true
	}
	for _, r := range out.unchecked {
		unchecked[r.id] = true
	}
	fetchState := func(r insertRec) string {
		switch {
		case out.first == nil || unchecked[r.id]:
			return "not checked"
		case out.first[r.id].ok:
			return "fetched"
		case !lost[r.id]:
			return "fetched after restart"
		case len(out.held[r.id]) > 0:
			return "LOST (top block held by " + fmt.Sprint(out.held[r.id]) + ")"
		}
		return "LOST"
	}
	state := func(r insertRec) string {
		if out.wrong[r.id] {
			return "WRONG DATA, " + fetchState(r)
		}
		return fetchState(r)
	}
	path := filepath.Join(s.cfg.dir, "acks.tsv")
	if err := writeAcks(path, out.acks, state, func(t time.Time) string { return fmtOffset(s.ev.offset(t)) }); err != nil {
		s.logf("writing %s: %v", path, err)
	}
}
