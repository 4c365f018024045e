package network

import (
	"errors"
	"log/slog"
	"sync"
	"syscall"
	"time"
)

// fileWarnEvery is how often a kind of write to the node's own files
// (identity, noderef, peers' noderefs, swap state) that fails for want of
// space is logged, as the datastore logs a full disk once a minute.
const fileWarnEvery = time.Minute

// fileWarnings logs failures to write the node's own files. On a full disk
// (ENOSPC) each kind is logged at most once per fileWarnEvery, with how
// many failures went unlogged since; other errors are logged each time.
// The files are written again on the next change (a swap, a peer's new
// noderef), so nothing needs retrying here.
type fileWarnings struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex           // guards last and skipped
	last    map[string]time.Time // when each kind was last logged
	skipped map[string]int       // failures of each kind not logged since
}

func newFileWarnings(log *slog.Logger, now func() time.Time) *fileWarnings {
	return &fileWarnings{log: log, now: now, last: map[string]time.Time{}, skipped: map[string]int{}}
}

// warn logs that writing what failed with err (args: more attributes).
func (w *fileWarnings) warn(what string, err error, args ...any) {
	if !errors.Is(err, syscall.ENOSPC) {
		w.log.Warn(what, append(args, "err", err)...)
		return
	}
	w.mu.Lock()
	now := w.now()
	if last, ok := w.last[what]; ok && now.Sub(last) < fileWarnEvery {
		w.skipped[what]++
		w.mu.Unlock()
		return
	}
	skipped := w.skipped[what]
	w.last[what], w.skipped[what] = now, 0
	w.mu.Unlock()
	w.log.Warn(what+" (disk full; logged at most once a minute)", append(args, "err", err, "unlogged", skipped)...)
}
