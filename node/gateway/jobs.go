package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hamsnet/hams/fcp"
	"github.com/hamsnet/hams/keys"
)

// A job is a fetch (keyed by its URI) or an insert (keyed by "put-N") the
// gateway runs for the browser. It outlives the request that started it:
// the progress page's refresh, a reload or a second tab find it again.
type job struct {
	id    string
	title string // what the progress page says it does
	done  chan struct{}

	mu       sync.Mutex   // guards prog, finished, res, uri, err
	prog     fcp.Progress // blocks so far
	finished time.Time    // zero while running
	res      fcp.GetResult
	uri      keys.URI // an insert's result, or where a USK look leads
	err      error

	file   string // a fetch's data (in the spool), removed with the job
	cancel context.CancelFunc
}

// progress records p (the backend's Progress callback).
func (j *job) progress(p fcp.Progress) {
	j.mu.Lock()
	j.prog = p
	j.mu.Unlock()
}

// state returns the job's progress, result and error.
func (j *job) state() (fcp.Progress, bool, fcp.GetResult, keys.URI, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.prog, !j.finished.IsZero(), j.res, j.uri, j.err
}

// errTooManyJobs: MaxJobs are running.
var errTooManyJobs = errors.New("gateway: too many fetches and inserts at once; try again in a moment")

// startJob returns the job id, starting it with run if none runs or is
// kept under that id. run executes on a goroutine the Gateway owns, with
// a context Close cancels.
func (g *Gateway) startJob(id, title string, run func(ctx context.Context, j *job) error) (*job, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if j := g.jobs[id]; j != nil {
		return j, nil
	}
	running := 0
	for _, j := range g.jobs {
		select {
		case <-j.done:
		default:
			running++
		}
	}
	if running >= g.cfg.MaxJobs {
		return nil, errTooManyJobs
	}
	if g.ctx.Err() != nil {
		return nil, errors.New("gateway: closed")
	}
	ctx, cancel := context.WithCancel(g.ctx)
	j := &job{id: id, title: title, done: make(chan struct{}), cancel: cancel}
	g.jobs[id] = j
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer cancel()
		err := run(ctx, j)
		j.mu.Lock()
		j.err, j.finished = err, g.cfg.Now()
		j.mu.Unlock()
		close(j.done)
	}()
	return j, nil
}

// job returns the job with id, or nil.
func (g *Gateway) job(id string) *job {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.jobs[id]
}

// forget removes j (a failed fetch the person asks to retry).
func (g *Gateway) forget(j *job) {
	g.mu.Lock()
	if g.jobs[j.id] == j {
		delete(g.jobs, j.id)
	}
	g.mu.Unlock()
	j.cancel()
	<-j.done
	if j.file != "" {
		os.Remove(j.file)
	}
}

// spoolFile returns a new file name in the spool.
func (g *Gateway) spoolFile() string {
	g.mu.Lock()
	g.seq++
	n := g.seq
	g.mu.Unlock()
	return filepath.Join(g.spool, "f"+strconv.FormatUint(n, 10))
}

// nextID returns a new insert job's id.
func (g *Gateway) nextID(prefix string) string {
	g.mu.Lock()
	g.seq++
	n := g.seq
	g.mu.Unlock()
	return fmt.Sprintf("%s-%d", prefix, n)
}

// janitor removes jobs finished more than KeepResult ago, and their
// files, until Close.
func (g *Gateway) janitor() {
	defer g.wg.Done()
	t := time.NewTicker(max(g.cfg.KeepResult/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		now := g.cfg.Now()
		var old []*job
		g.mu.Lock()
		for id, j := range g.jobs {
			j.mu.Lock()
			f := j.finished
			j.mu.Unlock()
			if !f.IsZero() && now.Sub(f) > g.cfg.KeepResult {
				delete(g.jobs, id)
				old = append(old, j)
			}
		}
		g.mu.Unlock()
		for _, j := range old {
			if j.file != "" {
				os.Remove(j.file)
			}
		}
	}
}
