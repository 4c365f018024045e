package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hamsnet/hams/datastore"
	"github.com/hamsnet/hams/keys"
)

// flushWindow is how long a node keeps stored blocks in memory only: its
// datastore runs without a write-ahead log and flushes every 30 s
// (datastore.DefaultFlushInterval), so a SIGKILL loses what was stored in
// the last 30 s.
const flushWindow = datastore.DefaultFlushInterval

// storeFill is a node's store region at the end of the run.
type storeFill struct {
	node                    int
	blocks                  int64 // in the store region
	bytes, budget           int64 // the store region
	cacheBytes, cacheBudget int64 // the cache region
}

// full reports whether the store region reached its budget: it may have
// evicted. Eviction keeps a region at its budget, so one that ends below
// it by more than a generation's worth never evicted.
func (f storeFill) full() bool { return nearBudget(f.bytes, f.budget) }

// cacheFull is full for the cache region.
func (f storeFill) cacheFull() bool { return nearBudget(f.cacheBytes, f.cacheBudget) }

func nearBudget(bytes, budget int64) bool { return bytes > budget-budget/32 }

// holders opens every node's datastore (the nodes stopped) and returns,
// for each insert of recs, the nodes whose store holds its top block (the
// block its URI names: the whole data of a small CHK, the metadata of a
// splitfile, the SSK block of an SSK or KSK), and how full each node's
// store region is. Nodes whose store does not open are left out and named
// in skipped.
func holders(c *cluster, recs []insertRec) (held map[int][]int, fill []storeFill, skipped []string) {
	held = map[int][]int{}
	rks := make([]*keys.RoutingKey, len(recs))
	for i, r := range recs {
		if u, err := keys.Parse(r.uri); err == nil {
			if rk, err := keys.RoutingKeyOf(u); err == nil {
				rks[i] = &rk
			}
		}
	}
	for _, n := range c.nodes {
		size, _ := parseSize(n.storeSize)
		// The node's own settings (node.StartContext), so that opening
		// the store changes nothing.
		s, err := datastore.Open(filepath.Join(n.dir, "store"), datastore.Config{
			StoreBytes: size, CacheBytes: max(size/4, datastore.MinRegionBytes), Durability: datastore.DurabilityNoWAL,
			MemTableBytes: 16 << 20, BlockCacheBytes: 16 << 20, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("node %d: %v", n.i, err))
			continue
		}
		st := s.Stats()
		fill = append(fill, storeFill{node: n.i, blocks: st.Store.Blocks, bytes: st.Store.Bytes, budget: st.Store.Budget, cacheBytes: st.Cache.Bytes, cacheBudget: st.Cache.Budget})
		for i, rk := range rks {
			if rk == nil {
				continue
			}
			if ok, err := s.Has(*rk); err == nil && ok {
				held[recs[i].id] = append(held[recs[i].id], n.i)
			}
		}
		s.Close()
	}
	return held, fill, skipped
}

// insertBlocks estimates the blocks an insert of rec stored: one CHK block
// up to 32 KiB, else a splitfile of k data blocks, as many check blocks
// and a metadata block; plus the SSK block of an SSK or KSK.
// (Compression is off in effect: the data is random.)
func insertBlocks(rec insertRec) int64 {
	const block = 32 << 10
	n := int64(1)
	if rec.size > block-256 { // the metadata document around the data takes a little room
		n = 2*int64((rec.size+block-1)/block) + 1
	}
	switch {
	case rec.kind != "CHK" && rec.size < 900: // inline in the SSK block
	case rec.kind != "CHK":
		n++
	}
	return n
}

// killedWithin returns the kills (and exits, and hangs) of any node in the
// flush window after t, described.
func killedWithin(events []event, t time.Time) []string {
	var out []string
	for _, e := range events {
		if e.node < 0 || !e.at.After(t) || e.at.Sub(t) > flushWindow {
			continue
		}
		switch e.kind {
		case "kill", "exit", "hang":
			out = append(out, fmt.Sprintf("node %d %s +%v", e.node, e.kind, e.at.Sub(t).Round(time.Second)))
		}
	}
	return out
}

// writeAcks writes every acknowledged insert and its final state to
// DIR/acks.tsv, for a look after the run.
func writeAcks(path string, acks []insertRec, state func(insertRec) string, offset func(time.Time) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id\tacked\tclient\tnode\tkind\tsize\tsha256\tstate\turi")
	for _, r := range acks {
		fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%s\t%d\t%s\t%s\t%s\n", r.id, offset(r.at), r.client, r.node, r.kind, r.size, hex.EncodeToString(r.sum[:]), state(r), r.uri)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
