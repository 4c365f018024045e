package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
)

// Workload shape.
const (
	minInsert = 1 << 10   // smallest insert
	maxInsert = 256 << 10 // largest insert
	// checkWorkers fetch in parallel during the final check; its second
	// pass asks each insert of up to checkTries nodes (never the
	// inserter), the first of one.
	checkWorkers = 16
	checkTries   = 3
)

// insertRec is an acknowledged insert (the node answered PutSuccessful).
type insertRec struct {
	id       int
	uri      string // the request URI PutSuccessful returned
	kind     string // CHK, KSK or SSK
	size     int
	sum      [sha256.Size]byte
	node     int // the node it was inserted through
	client   int
	at       time.Time
	lastFail time.Time // the last failed fetch during the run
}

// opRec is one finished operation of the workload.
type opRec struct {
	at        time.Time
	took      time.Duration
	fetch, ok bool
}

// workload is the insert and fetch traffic of the FCP clients.
type workload struct {
	cfg config
	c   *cluster
	ev  *eventLog

	mu          sync.Mutex
	acks        []insertRec
	ops         []opRec
	insertFails map[string]int // by error class
	fetchFails  map[string]int
	corrupt     []string     // fetches that returned other data than was inserted
	wrong       map[int]bool // the inserts those fetches were of, by id
}

func newWorkload(cfg config, c *cluster, ev *eventLog) *workload {
	return &workload{cfg: cfg, c: c, ev: ev, insertFails: map[string]int{}, fetchFails: map[string]int{}, wrong: map[int]bool{}}
}

// dialError is a node that could not be reached over FCP.
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }

// connPool holds one FCP connection per node for one client.
type connPool struct {
	name  string
	c     *cluster
	conns map[int]*fcpclient.Client
}

func newConnPool(c *cluster, name string) *connPool {
	return &connPool{name: name, c: c, conns: map[int]*fcpclient.Client{}}
}

func (p *connPool) get(ctx context.Context, node int) (*fcpclient.Client, error) {
	if cl := p.conns[node]; cl != nil && cl.Err() == nil {
		return cl, nil
	}
	p.drop(node)
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := fcpclient.Dial(dctx, p.c.nodes[node].fcpAddr, fmt.Sprintf("%s-n%d", p.name, node))
	if err != nil {
		return nil, &dialError{err}
	}
	p.conns[node] = cl
	return cl, nil
}

// release drops node's connection if it broke.
func (p *connPool) release(node int) {
	if cl := p.conns[node]; cl != nil && cl.Err() != nil {
		p.drop(node)
	}
}

func (p *connPool) drop(node int) {
	if cl := p.conns[node]; cl != nil {
		cl.Close()
		delete(p.conns, node)
	}
}

func (p *connPool) close() {
	for n := range p.conns {
		p.drop(n)
	}
}

// errClass names the kind of a failed insert or fetch, for the counts.
func errClass(err error) string {
	var gf *fcpclient.GetFailedError
	var pf *fcpclient.PutFailedError
	var ce *fcpclient.ConnectionError
	var de *dialError
	switch {
	case errors.As(err, &gf):
		return fmt.Sprintf("code %d %s", gf.Code, gf.ShortCodeDescription)
	case errors.As(err, &pf):
		return fmt.Sprintf("code %d %s", pf.Code, pf.ShortCodeDescription)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &de):
		return "node unreachable"
	case errors.As(err, &ce), errors.Is(err, fcpclient.ErrClosed):
		return "connection lost"
	case errors.Is(err, errWrongData):
		return "wrong data"
	}
	return err.Error()
}

var errWrongData = errors.New("fetched data differs from the inserted data")

// pickNode returns a random running node other than not (-1: any), or -1.
func (w *workload) pickNode(rng *mrand.Rand, not int) int {
	var cands []int
	for _, i := range w.c.running() {
		if i != not {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return -1
	}
	return cands[rng.IntN(len(cands))]
}

// run runs the clients until ctx ends.
func (w *workload) run(ctx context.Context) {
	var wg sync.WaitGroup
	for ci := range w.cfg.clients {
		wg.Go(func() { w.client(ctx, ci) })
	}
	wg.Wait()
}

// client inserts and fetches in turn, half and half once something was
// acknowledged.
func (w *workload) client(ctx context.Context, ci int) {
	rng := mrand.New(mrand.NewPCG(w.cfg.seed, 0x636c69656e74+uint64(ci)))
	pool := newConnPool(w.c, fmt.Sprintf("soak-c%d", ci))
	defer pool.close()
	for n := 0; ctx.Err() == nil; n++ {
		if n > 0 && w.cfg.pace > 0 {
			sleepCtx(ctx, w.cfg.pace)
		}
		w.mu.Lock()
		acked := len(w.acks)
		w.mu.Unlock()
		if acked == 0 || rng.IntN(2) == 0 {
			w.insert(ctx, rng, pool, ci, n)
		} else {
			w.fetch(ctx, rng, pool)
		}
	}
}

// makeData returns size bytes drawn from rng.
func makeData(rng *mrand.Rand, size int) []byte {
	var seed [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(seed[8*i:], rng.Uint64())
	}
	b := make([]byte, size)
	mrand.NewChaCha8(seed).Read(b)
	return b
}

// chachaReader is an io.Reader of seeded bytes (for SSK keys).
type chachaReader struct{ c *mrand.ChaCha8 }

func (r chachaReader) Read(p []byte) (int, error) { return r.c.Read(p) }

// insert makes one insert: mostly a CHK of 1 KiB to 256 KiB (sizes spread
// evenly on a log scale), a tenth each KSK and SSK.
func (w *workload) insert(ctx context.Context, rng *mrand.Rand, pool *connPool, ci, n int) {
	size := min(int(minInsert*math.Pow(2, rng.Float64()*math.Log2(maxInsert/minInsert))), maxInsert)
	data := makeData(rng, size)
	kind, uri := "CHK", "CHK@"
	switch r := rng.IntN(10); {
	case r == 0:
		kind, uri = "KSK", fmt.Sprintf("KSK@soak-s%d-c%d-%d", w.cfg.seed, ci, n)
	case r == 1:
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], rng.Uint64())
		binary.LittleEndian.PutUint64(seed[8:], rng.Uint64())
		ins, _, err := keys.GenerateSSK(chachaReader{mrand.NewChaCha8(seed)})
		if err != nil {
			panic(err) // cannot fail with a reader that never fails
		}
		ins.Name = fmt.Sprintf("soak-%d", n)
		kind, uri = "SSK", ins.String()
	}
	node := w.pickNode(rng, -1)
	if node < 0 {
		sleepCtx(ctx, time.Second)
		return
	}
	t0 := time.Now()
	cl, err := pool.get(ctx, node)
	if err == nil {
		ictx, cancel := context.WithTimeout(ctx, w.cfg.insertTimeout)
		uri, err = cl.Put(ictx, bytes.NewReader(data), int64(size), fcpclient.PutOptions{URI: uri})
		cancel()
		pool.release(node)
	}
	if ctx.Err() != nil {
		return // the run ended: neither an ack nor a failure
	}
	if _, dial := err.(*dialError); dial {
		sleepCtx(ctx, 200*time.Millisecond) // the node just went down
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops = append(w.ops, opRec{at: now, took: now.Sub(t0), ok: err == nil})
	if err != nil {
		w.insertFails[errClass(err)]++
		return
	}
	w.acks = append(w.acks, insertRec{id: len(w.acks), uri: uri, kind: kind, size: size, sum: sha256.Sum256(data), node: node, client: ci, at: now})
}

// fetch fetches one acknowledged insert, chosen at random, from a running
// node other than its inserter.
func (w *workload) fetch(ctx context.Context, rng *mrand.Rand, pool *connPool) {
	w.mu.Lock()
	rec := w.acks[rng.IntN(len(w.acks))]
	w.mu.Unlock()
	node := w.pickNode(rng, rec.node)
	if node < 0 {
		sleepCtx(ctx, time.Second)
		return
	}
	t0 := time.Now()
	err := fetchFrom(ctx, pool, node, rec, w.cfg.fetchTimout)
	if ctx.Err() != nil {
		return
	}
	if _, dial := err.(*dialError); dial {
		sleepCtx(ctx, 200*time.Millisecond) // the node just went down
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops = append(w.ops, opRec{at: now, took: now.Sub(t0), fetch: true, ok: err == nil})
	if err != nil {
		w.fetchFails[errClass(err)]++
		w.acks[rec.id].lastFail = now
		if errors.Is(err, errWrongData) {
			w.corrupt = append(w.corrupt, fmt.Sprintf("%s (%s, inserted through node %d) during the run: %v", rec.uri, rec.kind, rec.node, err))
			w.wrong[rec.id] = true
		}
	}
}

// hashWriter hashes and counts what is written to it.
type hashWriter struct {
	h hash.Hash
	n int64
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	hw.n += int64(len(p))
	return hw.h.Write(p)
}

// fetchFrom fetches rec through node and checks the data; errWrongData
// when it differs.
func fetchFrom(ctx context.Context, pool *connPool, node int, rec insertRec, timeout time.Duration) error {
	cl, err := pool.get(ctx, node)
	if err != nil {
		return err
	}
	defer pool.release(node)
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hw := &hashWriter{h: sha256.New()}
	if _, err := cl.Get(fctx, rec.uri, hw, fcpclient.GetOptions{MaxSize: int64(rec.size)}); err != nil {
		return err
	}
	if sum := hw.h.Sum(nil); hw.n != int64(rec.size) || !bytes.Equal(sum, rec.sum[:]) {
		return fmt.Errorf("%w: %d bytes with sha256 %x… from node %d (want %d bytes, %x…)", errWrongData, hw.n, sum[:8], node, rec.size, rec.sum[:8])
	}
	return nil
}

// checkResult is the final check of one acknowledged insert.
type checkResult struct {
	ok        bool
	unchecked bool     // the pass ran out of time before an answer
	tried     []string // "node 3: code 13 Data not found after 1.2s"
	corrupt   string   // a fetch that returned other data, described
}

// check fetches every rec from tries running nodes other than its
// inserter (or fewer, when fewer run), one after another until one
// succeeds (each try bounded by its share of the time left, so that one
// that hangs leaves time for the next), checkWorkers inserts at a time,
// within the --check-timeout budget; the records it had no time for are
// marked unchecked.
func (w *workload) check(ctx context.Context, recs []insertRec, pass, tries int) map[int]*checkResult {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.checkTimeout)
	defer cancel()
	res := make(map[int]*checkResult, len(recs))
	var mu sync.Mutex
	next := make(chan insertRec)
	var wg sync.WaitGroup
	for k := range checkWorkers {
		wg.Go(func() {
			pool := newConnPool(w.c, fmt.Sprintf("soak-check%d-w%d", pass, k))
			defer pool.close()
			for rec := range next {
				r := &checkResult{}
				rng := mrand.New(mrand.NewPCG(w.cfg.seed^uint64(pass)<<32, uint64(rec.id)))
				var cands []int
				for _, i := range w.c.running() {
					if i != rec.node {
						cands = append(cands, i)
					}
				}
				rng.Shuffle(len(cands), func(a, b int) { cands[a], cands[b] = cands[b], cands[a] })
				cands = cands[:min(len(cands), tries)]
				for j, node := range cands {
					t0 := time.Now()
					// A fetch that hangs on one node must leave time for
					// the others: each try gets at most its share of what
					// is left of the pass.
					limit := w.cfg.fetchTimout
					if dl, ok := ctx.Deadline(); ok {
						limit = min(limit, time.Until(dl)/time.Duration(len(cands)-j))
					}
					err := fetchFrom(ctx, pool, node, rec, limit)
					if err == nil {
						r.ok = true
						break
					}
					if errors.Is(err, errWrongData) {
						r.corrupt = err.Error()
					}
					r.tried = append(r.tried, fmt.Sprintf("node %d: %s after %v", node, errClass(err), time.Since(t0).Round(10*time.Millisecond)))
					if ctx.Err() != nil {
						break
					}
				}
				r.unchecked = !r.ok && ctx.Err() != nil
				mu.Lock()
				res[rec.id] = r
				mu.Unlock()
			}
		})
	}
	for _, rec := range recs {
		if ctx.Err() != nil {
			break
		}
		next <- rec
	}
	close(next)
	wg.Wait()
	for _, rec := range recs {
		if res[rec.id] == nil {
			res[rec.id] = &checkResult{unchecked: true, tried: []string{"not checked: the check ran out of time"}}
		}
	}
	return res
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
