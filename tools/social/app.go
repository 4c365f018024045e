package social

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hamsnet/hams/fcp/fcpclient"
	"github.com/hamsnet/hams/tools/social/inbox"
	"github.com/hamsnet/hams/tools/social/search"
	"github.com/hamsnet/hams/tools/social/vault"
)

// App is the social front-end: the person's identity and feed, the local
// copies of the feeds they follow, the background work that publishes and
// fetches editions over FCP, and the web page (Handler).
//
// Every change the person makes is saved to Config.Dir at once and
// published as the next edition of their feed in the background; pages
// render from the local copies only, so they never wait for the network.
type App struct {
	cfg Config

	// mu guards the fields below it.
	mu    sync.Mutex
	id    *identity // nil until the person creates or imports one
	me    string    // feedKey of id.Request ("" without identity)
	own   *ownState
	feeds map[string]*feedCopy // by feedKey: followed feeds and suggestions
	tl    *timeline            // nil when a change made it stale
	// version counts changes; changed is closed (and replaced) on each, so
	// that live pages wake up.
	version uint64
	changed chan struct{}
	// status is what the page says about the node and publishing.
	status status
	// gen counts changes to the own feed, so that the publisher knows
	// whether what it published is still the newest.
	gen uint64
	// catchUp: the identity was imported; the publisher first looks for
	// newer editions of the feed on the network.
	catchUp bool
	// box is the person's X25519 key pair for notes (nil until made or
	// loaded); notes their notifications, requests, messages and outbox.
	box   *inbox.KeyPair
	notes notesState
	// subs are the running subscriptions' cancel functions, by feedKey.
	subs map[string]context.CancelFunc
	// fc is the FCP client (nil until dialled, or after it failed).
	fc *fcpclient.Client
	// idx holds the names and posts of everyone known here, for the
	// search page (searchpage.go); kept up to date by indexFeedLocked.
	idx *search.Index

	// publish is signalled when the own feed changed.
	publish chan struct{}
	// discover is signalled when follow lists changed.
	discover chan struct{}
	// sendNotes is signalled when a note is due.
	sendNotes chan struct{}

	// lock: the App waits for the passphrase (vaultstate.go); vlt is the
	// open vault (nil while locked, and before a new person chose a
	// passphrase); sess orders Unlock, Wipe and Close.
	lock lockState
	vlt  atomic.Pointer[vault.Vault]
	sess sync.Mutex

	life       context.Context // ends at Close
	lifeCancel context.CancelFunc
	ctx        context.Context // the background work's: from Unlock to Wipe or Close
	cancel     context.CancelFunc
	wg         sync.WaitGroup // every goroutine the App started

	secret []byte // CSRF key, new at every start
	name   string // the FCP client name (a node drops an older connection of the same name)
}

// status is what the page shows about the background work.
type status struct {
	NodeOK     bool
	NodeErr    string
	Publishing bool
	PublishErr string
	Published  time.Time
	// OtherDevice is when another device last published the person's
	// feed, if within the last hour (zero otherwise).
	OtherDevice time.Time
}

// Open opens the front-end on cfg.Dir (creating the directory). The state
// there is sealed with the person's passphrase: until Unlock is given it
// (the page asks once per start), nothing is read, fetched or published.
// After Unlock, the background work runs: publishing the person's feed and
// following feeds over FCP. A node that cannot be reached is retried;
// neither waits for it.
func Open(cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("social: %v", err)
	}
	a := &App{
		cfg: cfg, feeds: map[string]*feedCopy{}, changed: make(chan struct{}),
		subs: map[string]context.CancelFunc{}, publish: make(chan struct{}, 1), discover: make(chan struct{}, 1),
		sendNotes: make(chan struct{}, 1),
		own:       &ownState{Edition: -1, NextN: 1}, idx: search.NewIndex(),
	}
	lock, err := detectLock(cfg.Dir)
	if err != nil {
		return nil, err
	}
	a.lock = lock
	a.secret = randomBytes(32)
	a.name = "hams-social-" + hex.EncodeToString(randomBytes(4))
	a.life, a.lifeCancel = context.WithCancel(context.Background())
	a.ctx, a.cancel = context.WithCancel(a.life)
	a.cancel() // no background work before Unlock
	return a, nil
}

// Close stops the background work and waits for it. The state is on disk
// already.
func (a *App) Close() error {
	a.sess.Lock()
	defer a.sess.Unlock()
	a.lifeCancel()
	a.stop()
	if v := a.vlt.Swap(nil); v != nil {
		v.Close()
	}
	return nil
}

// loadLocked reads the identity, the own feed and the feed copies from
// Dir. a.mu must be held.
func (a *App) loadLocked() error {
	var id identity
	found, err := a.loadJSON(identityFile, &id)
	if err != nil {
		return err
	}
	if found {
		key, err := feedKey(id.Request)
		if err != nil {
			return fmt.Errorf("social: %s: %v", identityFile, err)
		}
		a.id, a.me = &id, key
	}
	if _, err := a.loadJSON(ownFile, a.own); err != nil {
		return err
	}
	if _, err := a.loadJSON(notesFile, &a.notes); err != nil {
		return err
	}
	if a.id != nil {
		if _, err := a.boxKeyLocked(); err != nil {
			return err
		}
	}
	if a.id != nil && a.own.Device == 0 { // written before devices were numbered
		a.own.Device = newDevice(0)
		a.own.BaseProfile = a.own.Profile
		if err := a.saveOwnLocked(); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(filepath.Join(a.cfg.Dir, feedsDir))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("social: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		var f feedCopy
		if _, err := a.loadJSON(filepath.Join(feedsDir, e.Name()), &f); err != nil {
			a.cfg.Logger.Warn("social: skipping a damaged feed copy", "file", e.Name(), "err", err)
			continue
		}
		k, err := feedKey(f.URI)
		if err != nil || a.feedName(k) != filepath.Join(feedsDir, e.Name()) {
			a.cfg.Logger.Warn("social: skipping a feed copy with a bad URI", "file", e.Name())
			continue
		}
		a.feeds[k] = &f
	}
	a.indexAllLocked()
	return nil
}

// changedLocked records a change: pages rebuild and live pages wake up.
// a.mu must be held.
func (a *App) changedLocked() {
	a.tl = nil
	a.version++
	close(a.changed)
	a.changed = make(chan struct{})
}

// signal wakes a background loop without blocking.
func (a *App) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// saveOwnLocked writes the own feed. a.mu must be held.
func (a *App) saveOwnLocked() error {
	return a.saveJSON(ownFile, a.own)
}

// saveFeedLocked writes one feed copy. a.mu must be held.
func (a *App) saveFeedLocked(k string) error {
	f := a.feeds[k]
	if f == nil {
		return a.removeFile(a.feedName(k))
	}
	return a.saveJSON(a.feedName(k), f)
}

// ownChangedLocked saves the own feed after a change and schedules its
// publication. a.mu must be held.
func (a *App) ownChangedLocked() error {
	a.own.Pending = true
	a.gen++
	a.indexFeedLocked(a.me)
	err := a.saveOwnLocked()
	a.changedLocked()
	a.signal(a.publish)
	return err
}

// timelineLocked returns the timeline, rebuilding it after a change. a.mu
// must be held.
func (a *App) timelineLocked() *timeline {
	if a.tl == nil {
		a.tl = buildTimeline(a.me, a.own, a.feeds, a.hiddenLocked())
	}
	return a.tl
}

// client returns the FCP client, dialling the node if needed.
func (a *App) client(ctx context.Context) (*fcpclient.Client, error) {
	a.mu.Lock()
	fc := a.fc
	a.mu.Unlock()
	if fc != nil && fc.Err() == nil {
		return fc, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	nfc, err := fcpclient.Dial(dctx, a.cfg.FCPAddr, a.name)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		if a.status.NodeOK || a.status.NodeErr == "" {
			a.cfg.Logger.Warn("social: cannot reach the node", "fcp", a.cfg.FCPAddr, "err", err)
		}
		a.status.NodeOK, a.status.NodeErr = false, err.Error()
		a.changedLocked()
		return nil, fmt.Errorf("social: the node at %s cannot be reached: %w", a.cfg.FCPAddr, err)
	}
	if a.fc != nil && a.fc.Err() == nil { // another caller dialled meanwhile
		nfc.Close()
		return a.fc, nil
	}
	if a.ctx.Err() != nil {
		nfc.Close()
		return nil, a.ctx.Err()
	}
	if a.fc != nil {
		a.fc.Close()
	}
	a.fc = nfc
	if !a.status.NodeOK {
		a.status.NodeOK, a.status.NodeErr = true, ""
		a.changedLocked()
	}
	return nfc, nil
}

// sleep waits d or until the App closes; it reports whether to go on.
func (a *App) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// errNoIdentity is returned by actions that need an identity.
var errNoIdentity = errors.New("social: create or import an identity first")

// sortPosts orders posts newest first (by number: a feed numbers its posts
// in the order it writes them).
func sortPosts(ps []post) {
	slices.SortFunc(ps, func(a, b post) int {
		switch {
		case a.N > b.N:
			return -1
		case a.N < b.N:
			return 1
		}
		return 0
	})
}
