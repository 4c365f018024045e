package social

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/inbox"
)

// BenchmarkStrangerReplyToNotice measures, on an 8-node test network with
// the default inbox settings (a look every 10 s, 20 bits of work), the
// time from a stranger's reply being posted to the notice reaching the
// person under requests: what a person waits to learn that someone they
// do not know answered them. The replies are posted at random moments of
// the reader's polling cycle (each waits a random part of InboxPoll
// first), so the figure covers the whole cycle.
//
//	go test ./tools/social -run '^$' -bench StrangerReplyToNotice -benchtime 10x
func BenchmarkStrangerReplyToNotice(b *testing.B) {
	nodes := startNodes(b, 8)
	defaults := func(c *Config) { c.InboxPoll, c.InboxWork = 0, 0 } // the defaults
	a := startApp(b, nodes[0].FCPAddr(), defaults)
	s := startApp(b, nodes[5].FCPAddr(), defaults)
	uriA := a.createIdentity("Reader")
	s.createIdentity("Stranger")
	keyA, _ := feedKey(uriA)
	a.mustPost("/post", map[string]string{"text": "open question"})
	a.waitPublished(30 * time.Second)
	s.mustPost("/follow", map[string]string{"uri": uriA})
	s.waitFor("/", "open question", 60*time.Second)
	nA := a.postNumbers()[0]
	var took []time.Duration
	rng := rand.New(rand.NewPCG(17, 17))
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		time.Sleep(time.Duration(rng.Int64N(int64(DefaultInboxPoll)))) // a random moment of the cycle
		a.app.mu.Lock()
		before := len(a.app.notes.Notices)
		a.app.mu.Unlock()
		b.StartTimer()
		t0 := time.Now()
		s.mustPost("/post", map[string]string{"text": fmt.Sprintf("answer %d", i), "reply_feed": keyA, "reply_n": nA})
		for {
			a.app.mu.Lock()
			got := len(a.app.notes.Notices) > before
			a.app.mu.Unlock()
			if got {
				break
			}
			if time.Since(t0) > 5*time.Minute {
				b.Fatal("no notice in 5 minutes")
			}
			time.Sleep(10 * time.Millisecond)
		}
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2].Seconds(), "p50-s")
	b.ReportMetric(took[min(len(took)-1, len(took)*95/100)].Seconds(), "p95-s")
	b.Logf("stranger's reply to notice: %v", took)
}

// BenchmarkInboxFlood measures what a flood does to the person's
// front-end and node: b.N notes with valid work (16 bits here, the least a
// person may ask) from feeds that do not exist, written into one day of
// the inbox, then read: each is opened and dropped when its source cannot
// be fetched. It reports the reader's time per note and the heap it keeps.
// (The flooder's side is the proof of work: BenchmarkNoteWork in
// tools/social/inbox, 2^work hashes a note.)
//
//	go test ./tools/social -run '^$' -bench InboxFlood -benchtime 200x
func BenchmarkInboxFlood(b *testing.B) {
	nodes := startNodes(b, 1)
	a := startApp(b, nodes[0].FCPAddr(), func(c *Config) { c.InboxPoll = time.Hour })
	uriA := a.createIdentity("Flooded")
	a.waitPublished(10 * time.Second)
	keyA, _ := feedKey(uriA)
	a.app.mu.Lock()
	to := a.app.box.Public
	a.app.mu.Unlock()
	id, err := inbox.ID(keyA)
	if err != nil {
		b.Fatal(err)
	}
	fc, err := fcpclient.Dial(context.Background(), nodes[0].FCPAddr(), "flooder")
	if err != nil {
		b.Fatal(err)
	}
	defer fc.Close()
	rng := rand.New(rand.NewPCG(3, 3))
	day := time.Now().UTC()
	for i := range b.N {
		ins, req, err := keys.GenerateSSK(rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), 9}))
		if err != nil {
			b.Fatal(err)
		}
		_ = ins
		from, _ := uskFromSSK(req.String())
		from, _ = atEdition(from, 1)
		note := &inbox.Note{Type: inbox.TypeFollow, From: from, Time: day.Truncate(time.Second)}
		slot := inbox.Slot(id, day, i)
		env, err := inbox.Seal(note, to, slot, inbox.SlotWork(16, i), rand.NewChaCha8([32]byte{byte(rng.Uint32()), byte(i)}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fc.Put(context.Background(), bytes.NewReader(env), int64(len(env)), fcpclient.PutOptions{URI: slot, DontCompress: true}); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	if err := a.app.readInbox(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	a.app.mu.Lock()
	next, notices := a.app.notes.Next, len(a.app.notes.Notices)
	a.app.mu.Unlock()
	if next != b.N || notices != 0 {
		b.Fatalf("read %d of %d slots, kept %d notices from feeds that do not exist", next, b.N, notices)
	}
	b.ReportMetric(float64(int64(m1.HeapInuse)-int64(m0.HeapInuse))/1024, "heap-KiB-kept")
}
