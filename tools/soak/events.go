package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// event is something that happened to the network: a node killed, started
// or exiting on its own, links cut, a disk filled.
type event struct {
	at         time.Time
	node       int // -1: none
	kind, text string
}

// linkSample is the network at a moment: nodes up, links connected.
type linkSample struct {
	at        time.Time
	up, links int
}

// eventLog records events and samples, and prints each event as it
// happens.
type eventLog struct {
	mu      sync.Mutex
	zero    time.Time // the workload's start; before it, the program's
	events  []event
	samples []linkSample
	w       io.Writer
}

func newEventLog(w io.Writer) *eventLog { return &eventLog{zero: time.Now(), w: w} }

// setZero makes now the origin of the times printed.
func (e *eventLog) setZero() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.zero = time.Now()
}

// offset returns t relative to the origin.
func (e *eventLog) offset(t time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return t.Sub(e.zero)
}

// since returns the time since the origin, formatted.
func (e *eventLog) since() string { return fmtOffset(e.offset(time.Now())) }

// fmtOffset formats d as [-]M:SS.
func fmtOffset(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%s%d:%02d", sign, s/60, s%60)
}

// add records an event and prints it.
func (e *eventLog) add(node int, kind, text string) {
	now := time.Now()
	e.mu.Lock()
	e.events = append(e.events, event{at: now, node: node, kind: kind, text: text})
	off := now.Sub(e.zero)
	e.mu.Unlock()
	e.logf(off, "%s", text)
}

// logf prints a line of the running log.
func (e *eventLog) logf(off time.Duration, format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(e.w, "soak %s %s\n", fmtOffset(off), fmt.Sprintf(format, args...))
}

// sample records the nodes up and the links connected now.
func (e *eventLog) sample(up, links int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.samples = append(e.samples, linkSample{at: time.Now(), up: up, links: links})
}

// snapshot returns copies of the events and samples.
func (e *eventLog) snapshot() ([]event, []linkSample) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]event(nil), e.events...), append([]linkSample(nil), e.samples...)
}
