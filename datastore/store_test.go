package datastore

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
)

func TestPutGetDelete(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 1, 5)
	for _, e := range es {
		mustPut(t, s, e, RegionStore)
	}
	for _, e := range es {
		mustGet(t, s, e)
		if ok, err := s.Has(e.Key); err != nil || !ok {
			t.Fatalf("Has = %v, %v", ok, err)
		}
	}
	// GetInto appends.
	buf := []byte("x")
	buf, err := s.GetInto(buf, es[0].Key)
	if err != nil || !bytes.Equal(buf[1:], es[0].Block) || buf[0] != 'x' {
		t.Fatalf("GetInto: %v", err)
	}
	missing := chkBlocks(t, 2, 1)[0]
	_, err = s.Get(missing.Key)
	wantCode(t, err, ErrNotFound)
	if errors.Is(err, ErrCorrupt) {
		t.Fatal("a plain miss matches ErrCorrupt")
	}
	if err := s.Delete(es[0].Key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(es[0].Key); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	_, err = s.Get(es[0].Key)
	wantCode(t, err, ErrNotFound)

	st := s.Stats()
	if st.Store.Blocks != 4 || st.Store.Bytes != 4*keys.CHKBlockSize || st.Cache.Blocks != 0 {
		t.Fatalf("region stats %+v / %+v", st.Store, st.Cache)
	}
	if st.Hits != 6 || st.Misses != 2 || st.Inserts != 5 {
		t.Fatalf("stats %+v", st)
	}
	if st.Store.Budget != DefaultStoreBytes || st.Cache.Budget != DefaultCacheBytes {
		t.Fatalf("budgets %d %d", st.Store.Budget, st.Cache.Budget)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Config{})
	es := chkBlocks(t, 3, 3)
	e := es[0]

	wantCode(t, s.Put(es[1].Key, e.Block, RegionStore), ErrInvalidBlock) // wrong key
	wantCode(t, s.Put(e.Key, nil, RegionStore), ErrInvalidBlock)
	wantCode(t, s.Put(e.Key, e.Block[:100], RegionStore), ErrInvalidBlock)
	wantCode(t, s.Put(e.Key, append(bytes.Clone(e.Block), 0), RegionStore), ErrInvalidBlock)
	wantCode(t, s.Put(e.Key, make([]byte, 1<<20), RegionStore), ErrInvalidBlock)
	flipped := bytes.Clone(e.Block)
	flipped[len(flipped)/2] ^= 1
	wantCode(t, s.Put(e.Key, flipped, RegionStore), ErrInvalidBlock)
	wantCode(t, s.Put(e.Key, e.Block, 0), ErrInvalidArgument)
	wantCode(t, s.Put(e.Key, e.Block, 3), ErrInvalidArgument)
	wantCode(t, s.PutBatch(es, 7), ErrInvalidArgument)

	bad := []Entry{es[0], {Key: es[1].Key, Block: es[2].Block}, es[2]}
	err := s.PutBatch(bad, RegionCache)
	wantCode(t, err, ErrInvalidBlock)
	var de *Error
	if !errors.As(err, &de) || de.Index != 1 || !de.HasKey || de.Key != es[1].Key {
		t.Fatalf("batch error %#v", err)
	}
	if err := s.PutBatch(nil, RegionCache); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	st := s.Stats()
	if st.Store.Blocks+st.Cache.Blocks != 0 || st.Rejected != 7 {
		t.Fatalf("something was written or miscounted: %+v", st)
	}
	for _, e := range es {
		if ok, _ := s.Has(e.Key); ok {
			t.Fatal("rejected block stored")
		}
	}

	mustPut(t, s, e, RegionStore)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	wantCode(t, s.Put(e.Key, e.Block, RegionStore), ErrClosed)
	wantCode(t, s.PutBatch(es, RegionStore), ErrClosed)
	_, err = s.Get(e.Key)
	wantCode(t, err, ErrClosed)
	_, err = s.Has(e.Key)
	wantCode(t, err, ErrClosed)
	wantCode(t, s.Delete(e.Key), ErrClosed)
	wantCode(t, s.Sync(), ErrClosed)
	_, err = s.Scrub(context.Background())
	wantCode(t, err, ErrClosed)
	if st := s.Stats(); st.Store.Blocks != 1 {
		t.Fatalf("Stats after Close: %+v", st)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, c := range []Config{
		{StoreBytes: 1000},
		{CacheBytes: -1},
		{MaxBlockSize: -5},
		{MaxBlockSize: 2 << 20},
		{MemTableBytes: 10},
		{BlockCacheBytes: -1},
		{Durability: 3},
		{FlushInterval: -time.Second},
	} {
		err := c.Validate()
		wantCode(t, err, ErrInvalidArgument)
		if _, err := Open(t.TempDir(), c); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("Open(%+v) = %v", c, err)
		}
	}
}

func TestCollision(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{Verify: prefixVerify})
	rng := testRand(4)
	var rk keys.RoutingKey
	for i := range rk {
		rk[i] = byte(rng.Uint32())
	}
	a := prefixBlock(rk, 1176, 'a')
	b := prefixBlock(rk, 1176, 'b')
	if err := s.Put(rk, a, RegionCache); err != nil {
		t.Fatal(err)
	}
	err := s.Put(rk, b, RegionCache)
	wantCode(t, err, ErrCollision)
	if CodeOf(err) != CodeCollision {
		t.Fatalf("CodeOf = %v", CodeOf(err))
	}
	if got, _ := s.Get(rk); !bytes.Equal(got, a) {
		t.Fatal("collision replaced the old block")
	}
	if err := s.Put(rk, a, RegionCache); err != nil {
		t.Fatalf("identical Put: %v", err)
	}
	// A collision into the store region keeps the old block in the cache.
	wantCode(t, s.Put(rk, b, RegionStore), ErrCollision)

	// PutBatch writes the others and reports each collision.
	rk2, rk3 := rk, rk
	rk2[0]++
	rk3[0] += 2
	batch := []Entry{
		{rk2, prefixBlock(rk2, 1176, 'x')},
		{rk, b},                            // collides with stored a
		{rk3, prefixBlock(rk3, 1176, 'y')}, // new
		{rk3, prefixBlock(rk3, 1176, 'z')}, // collides with entry 2
		{rk2, prefixBlock(rk2, 1176, 'x')}, // duplicate, no-op
	}
	err = s.PutBatch(batch, RegionStore)
	wantCode(t, err, ErrCollision)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 2 {
		t.Fatalf("want 2 joined collisions, got %v", err)
	}
	var idx []int
	for _, e := range joined.Unwrap() {
		idx = append(idx, e.(*Error).Index)
	}
	if idx[0] != 1 || idx[1] != 3 {
		t.Fatalf("collision indexes %v", idx)
	}
	for _, e := range []Entry{batch[0], batch[2], {rk, a}} {
		mustGet(t, s, e)
	}
	st := s.Stats()
	if st.Collisions != 4 || st.Store.Blocks != 2 || st.Cache.Blocks != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSSKCollision uses real SSK blocks: the owner signs two different
// documents under one name.
func TestSSKCollision(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	insert, _, err := keys.GenerateSSK(rand.NewChaCha8([32]byte{5}))
	if err != nil {
		t.Fatal(err)
	}
	insert.Name = "doc"
	a, _, err := keys.EncodeSSK(insert, []byte("first"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := keys.EncodeSSK(insert, []byte("second"), keys.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := keys.RoutingKeyOf(insert)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != keys.SSKBlockSize || bytes.Equal(a, b) {
		t.Fatal("unexpected SSK blocks")
	}
	if err := s.Put(rk, a, RegionStore); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Put(rk, b, RegionStore), ErrCollision)
	if err := s.Put(rk, a, RegionStore); err != nil {
		t.Fatalf("identical Put: %v", err)
	}
	mustGet(t, s, Entry{rk, a})
}

func TestPromotion(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	es := chkBlocks(t, 6, 2)
	mustPut(t, s, es[0], RegionCache)
	mustPut(t, s, es[1], RegionStore)
	mustPut(t, s, es[0], RegionStore) // promote
	mustPut(t, s, es[1], RegionCache) // no demotion
	st := s.Stats()
	if st.Store.Blocks != 2 || st.Cache.Blocks != 0 || st.Cache.Bytes != 0 || st.Promotions != 1 || st.Inserts != 2 {
		t.Fatalf("stats %+v", st)
	}
	mustGet(t, s, es[0])
	mustGet(t, s, es[1])
}

func TestReopenKeepsCounters(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Config{})
	es := chkBlocks(t, 7, 6)
	if err := s.PutBatch(es[:4], RegionStore); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBatch(es[4:], RegionCache); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()
	s.Close()
	s = openTest(t, dir, Config{})
	after := s.Stats()
	if before.Store.Blocks != after.Store.Blocks || before.Store.Bytes != after.Store.Bytes ||
		before.Cache.Blocks != after.Cache.Blocks || before.Cache.Bytes != after.Cache.Bytes {
		t.Fatalf("before %+v after %+v", before, after)
	}
	for _, e := range es {
		mustGet(t, s, e)
	}
}

func TestConcurrent(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{StoreBytes: 2 << 20, CacheBytes: 1 << 20})
	es := chkBlocks(t, 8, 64)
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := testRand(uint64(100 + w))
			for i := 0; i < 300; i++ {
				e := es[rng.IntN(len(es))]
				var err error
				switch rng.IntN(6) {
				case 0:
					err = s.Put(e.Key, e.Block, RegionStore)
				case 1:
					err = s.Put(e.Key, e.Block, RegionCache)
				case 2:
					err = s.PutBatch([]Entry{e, es[rng.IntN(len(es))]}, RegionCache)
				case 3:
					err = s.Delete(e.Key)
				default:
					var got []byte
					got, err = s.Get(e.Key)
					if errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
						err = nil
					} else if err == nil && !bytes.Equal(got, e.Block) {
						err = errors.New("wrong bytes")
					}
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Store.Bytes > st.Store.Budget || st.Cache.Bytes > st.Cache.Budget {
		t.Fatalf("over budget: %+v", st)
	}
	if st.Corruptions != 0 {
		t.Fatalf("corruptions %d", st.Corruptions)
	}
	// The counters match what is stored.
	var n [2]int64
	for _, e := range es {
		m, found, err := s.readMeta(&e.Key)
		if err != nil {
			t.Fatal(err)
		}
		if found {
			n[m.region.idx()]++
			mustGet(t, s, e)
		}
	}
	if n[0] != st.Store.Blocks || n[1] != st.Cache.Blocks {
		t.Fatalf("counted %v, stats %+v", n, st)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		s, err := Open(dir, Config{Logger: quietLogger})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range chkBlocks(t, uint64(9+i), 8) {
			mustPut(t, s, e, RegionCache)
			mustGet(t, s, e)
		}
		s.bg.requestScrub() // run a background scrub too
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitGoroutines(t, before)
}

func TestScrubCancelled(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	for _, e := range chkBlocks(t, 12, 3) {
		mustPut(t, s, e, RegionStore)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Scrub(ctx)
	if !errors.Is(err, context.Canceled) || CodeOf(err) != CodeIO {
		t.Fatalf("Scrub with a cancelled context: %v", err)
	}
	res, err := s.Scrub(context.Background())
	if err != nil || res.Checked != 3 {
		t.Fatalf("Scrub: %+v, %v", res, err)
	}
}
