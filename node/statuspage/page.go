package statuspage

import (
	"bytes"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// History kept for the plots: a fine ring (one sample every 10 seconds for
// the last hour) and a coarse one (one a minute for a day). Memory is fixed
// at New: a sample is a few dozen bytes, the two rings about 90 KiB.
const (
	// DefaultFineEvery is the interval of the fine history.
	DefaultFineEvery = 10 * time.Second
	// DefaultFineLen is how many fine samples are kept (an hour).
	DefaultFineLen = 360
	// DefaultCoarseEvery is the interval of the coarse history.
	DefaultCoarseEvery = time.Minute
	// DefaultCoarseLen is how many coarse samples are kept (a day).
	DefaultCoarseLen = 1440
)

// StylePath is where the page links its style sheet (StyleSheet): the
// gateway serves it there (ServeStyle), so that the page needs no inline
// style under a strict Content-Security-Policy.
const StylePath = "/static/status.css"

// Config configures a Page.
type Config struct {
	// Snapshot returns the node's state now. Required. It is called on
	// each Sample, each /status and each /metrics scrape, from the
	// handlers' goroutines, and must be safe for concurrent use.
	Snapshot func() Snapshot
	// Now is the clock. Default time.Now.
	Now func() time.Time

	// FineEvery and FineLen set the fine history (one sample every
	// FineEvery, FineLen kept); CoarseEvery and CoarseLen the coarse one.
	// Zero: the defaults above. Tests shorten them.
	FineEvery   time.Duration
	FineLen     int
	CoarseEvery time.Duration
	CoarseLen   int
}

// Page serves /status and /metrics for one node. It keeps a bounded
// history of samples for its plots. It starts no goroutine: the node calls
// Sample from a ticker it owns (every FineEvery or more often; calling it
// more often is harmless, a sample is kept only when one is due), and each
// /status also samples. Its methods are safe for concurrent use.
type Page struct {
	cfg     Config
	metrics http.Handler

	mu     sync.Mutex // guards fine and coarse
	fine   ring
	coarse ring
}

// New returns a Page for cfg. It panics without cfg.Snapshot.
func New(cfg Config) *Page {
	if cfg.Snapshot == nil {
		panic("statuspage: Config.Snapshot is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FineEvery <= 0 {
		cfg.FineEvery = DefaultFineEvery
	}
	if cfg.FineLen <= 0 {
		cfg.FineLen = DefaultFineLen
	}
	if cfg.CoarseEvery <= 0 {
		cfg.CoarseEvery = DefaultCoarseEvery
	}
	if cfg.CoarseLen <= 0 {
		cfg.CoarseLen = DefaultCoarseLen
	}
	p := &Page{cfg: cfg, fine: newRing(cfg.FineEvery, cfg.FineLen), coarse: newRing(cfg.CoarseEvery, cfg.CoarseLen)}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{p},
		// The Go runtime's and the process's figures: memory, goroutines,
		// garbage collection, CPU, open files. None names the node.
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return p
}

// Sample records the node's state at now in the history, if a sample is
// due (FineEvery since the last fine one, or CoarseEvery since the last
// coarse one).
func (p *Page) Sample(now time.Time) {
	if !p.due(now) {
		return
	}
	s := p.cfg.Snapshot()
	p.record(now, &s)
}

func (p *Page) due(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fine.due(now) || p.coarse.due(now)
}

func (p *Page) record(now time.Time, s *Snapshot) {
	ok, fail := s.requestTotals()
	smp := sample{t: now, success: ok, failure: fail, in: s.BytesIn, out: s.BytesOut}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fine.add(smp)
	p.coarse.add(smp)
}

// ServeStatus serves the status page: HTML with inline SVG plots, no
// script, its only resource the style sheet at StylePath.
func (p *Page) ServeStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "statuspage: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := p.cfg.Now()
	s := p.cfg.Snapshot()
	if p.due(now) {
		p.record(now, &s)
	}
	p.mu.Lock()
	fine, coarse := p.fine.all(), p.coarse.all()
	p.mu.Unlock()
	var buf bytes.Buffer
	if err := render(&buf, now, &s, fine, coarse, p.cfg.FineEvery, p.cfg.CoarseEvery); err != nil {
		http.Error(w, "statuspage: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(buf.Bytes())
}

// ServeMetrics serves the metrics in the Prometheus text format: the
// node's (hams_…), the Go runtime's (go_…) and the process's (process_…).
func (p *Page) ServeMetrics(w http.ResponseWriter, r *http.Request) {
	p.metrics.ServeHTTP(w, r)
}

// ServeStyle serves StyleSheet (as text/css), for StylePath.
func ServeStyle(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "max-age=3600")
	w.Write([]byte(StyleSheet))
}

// sample is one point of the history: cumulative counters at t.
type sample struct {
	t                time.Time
	success, failure uint64 // routed requests, all HTLs
	in, out          uint64 // link bytes
}

// ring keeps the last len(buf) samples at least every apart. Its memory is
// fixed when it is made.
type ring struct {
	every time.Duration
	buf   []sample
	next  int // where the next sample goes
	n     int // samples held
}

func newRing(every time.Duration, n int) ring {
	return ring{every: every, buf: make([]sample, n)}
}

// last returns the newest sample, if any.
func (r *ring) last() (sample, bool) {
	if r.n == 0 {
		return sample{}, false
	}
	return r.buf[(r.next+len(r.buf)-1)%len(r.buf)], true
}

// due reports whether a sample at now would be kept.
func (r *ring) due(now time.Time) bool {
	l, ok := r.last()
	return !ok || now.Sub(l.t) >= r.every || now.Before(l.t)
}

// add keeps s if it is due. A clock that went back starts the ring again.
func (r *ring) add(s sample) {
	if l, ok := r.last(); ok && s.t.Before(l.t) {
		r.next, r.n = 0, 0
	}
	if !r.due(s.t) {
		return
	}
	r.buf[r.next] = s
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

// all returns the samples held, oldest first.
func (r *ring) all() []sample {
	out := make([]sample, 0, r.n)
	for i := range r.n {
		out = append(out, r.buf[(r.next+len(r.buf)-r.n+i)%len(r.buf)])
	}
	return out
}
