package social

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamsnet/hams/keys"
	"github.com/hamsnet/hams/tools/social/vault"
)

// filesUnder reads every file under dir, by path relative to it.
func filesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sealedState makes a person with an identity, a post, a followed feed
// (with a name found nowhere else) and a cached image, all published and
// fetched; it returns the App and what must not be readable on disk.
func sealedState(t *testing.T) (*testApp, []string) {
	nd := startNodes(t, 1)[0]
	friend := startApp(t, nd.FCPAddr(), nil)
	friendURI := friend.createIdentity("Zubaida Qasr-Alnakhil")
	friend.waitPublished(10 * time.Second)
	ta := startApp(t, nd.FCPAddr(), nil)
	ta.createIdentity("Yusra Almadina-Farida")
	ta.mustPost("/post", map[string]string{"text": "a sentence nobody else writes 71263"}, file{"image", "x.png", pngImage(1, 2, 3)})
	ta.mustPost("/follow", map[string]string{"uri": friendURI})
	ta.waitFor("/people", "Zubaida Qasr-Alnakhil", 20*time.Second)
	ta.waitPublished(10 * time.Second)
	ta.app.mu.Lock()
	id := *ta.app.id
	ta.app.mu.Unlock()
	fk, _ := feedKey(friendURI)
	h := sha256.Sum256([]byte(fk)) // the name an older version gave its copy
	secrets := []string{hex.EncodeToString(h[:16]), "Yusra Almadina-Farida", "Zubaida Qasr-Alnakhil", "a sentence nobody else writes 71263", "bio of Yusra",
		id.Insert, id.Request, strings.TrimPrefix(strings.Split(id.Insert, ",")[0], "USK@"),
		strings.TrimPrefix(strings.Split(id.Request, ",")[0], "USK@"), id.Box, "\x89PNG", "IHDR"}
	return ta, secrets
}

// TestPassphraseNoPlaintext: every file under Dir is sealed; none holds a
// name, a post, a key or JSON; the header holds no secret either.
func TestPassphraseNoPlaintext(t *testing.T) {
	ta, secrets := sealedState(t)
	all := filesUnder(t, ta.app.cfg.Dir)
	var images, feeds int
	for name, b := range all {
		switch {
		case strings.HasPrefix(name, imagesDir+string(filepath.Separator)):
			images++
		case strings.HasPrefix(name, feedsDir+string(filepath.Separator)):
			feeds++
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) || strings.Contains(name, s) {
				t.Errorf("%s holds %q in plain", name, s)
			}
		}
		if name == vault.HeaderFile {
			continue
		}
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) || !bytes.HasPrefix(b, []byte(vault.Magic)) {
			t.Errorf("%s is not sealed: %q", name, b[:min(len(b), 16)])
		}
	}
	if images == 0 || feeds == 0 || all[identityFile] == nil || all[ownFile] == nil || all[vault.HeaderFile] == nil {
		t.Fatalf("the state is not all there: %d images, %d feeds, files %v", images, feeds, len(all))
	}
}

// TestWipe: wiping (after its confirmation) leaves nothing under Dir, and
// the App is as new: it offers to create an identity, with a passphrase.
func TestWipe(t *testing.T) {
	ta, _ := sealedState(t)
	if _, body := ta.get("/profile"); !strings.Contains(body, `action="/wipe"`) {
		t.Fatal("the profile page offers no wipe")
	}
	_, body := ta.get("/wipe")
	if !strings.Contains(body, "stays on the network") || !strings.Contains(body, `name="confirm" value="1"`) {
		t.Fatalf("the wipe page does not say what it does:\n%s", body)
	}
	if code, loc, _ := ta.post("/wipe", map[string]string{}); code != http.StatusSeeOther || loc != "/wipe" {
		t.Fatalf("a wipe without its confirmation: %d %s", code, loc)
	}
	if len(filesUnder(t, ta.app.cfg.Dir)) == 0 {
		t.Fatal("wiped without the confirmation")
	}
	ta.mustPost("/wipe", map[string]string{"confirm": "1"})
	if left := filesUnder(t, ta.app.cfg.Dir); len(left) != 0 {
		t.Fatalf("left after the wipe: %v", left)
	}
	entries, _ := os.ReadDir(ta.app.cfg.Dir)
	if len(entries) != 0 {
		t.Fatalf("folders left after the wipe: %v", entries)
	}
	_, body = ta.get("/")
	if !strings.Contains(body, `action="/identity"`) || !strings.Contains(body, `name="passphrase2"`) || strings.Contains(body, "71263") {
		t.Fatal("after a wipe the page is not as new")
	}
	if ta.app.ctx.Err() == nil {
		t.Error("the background work still runs after the wipe")
	}
	// A new identity on the wiped device works, under a new passphrase.
	ta.createIdentity("Second Life")
	if _, err := vault.Unlock(ta.app.cfg.Dir, testPassphrase); err != nil {
		t.Fatal(err)
	}
}

// TestLockedRestart: after a restart every page leads to the unlock page
// and nothing is loaded or running; a wrong passphrase is said in words;
// the right one brings the state back.
func TestLockedRestart(t *testing.T) {
	nd := startNodes(t, 1)[0]
	dir := t.TempDir()
	ta := startApp(t, nd.FCPAddr(), func(c *Config) { c.Dir = dir })
	ta.createIdentity("Restarter")
	ta.mustPost("/post", map[string]string{"text": "kept across restarts"})
	ta.waitPublished(10 * time.Second)
	ta.app.Close()

	tb := startApp(t, nd.FCPAddr(), func(c *Config) { c.Dir = dir })
	if !tb.app.Locked() || tb.app.ctx.Err() == nil || tb.app.id != nil {
		t.Fatal("a restarted App is not locked, or runs or holds state before the passphrase")
	}
	for _, p := range []string{"/", "/people", "/profile", "/search?q=x", "/notes", "/messages", "/feed?k=x"} {
		if code, body := tb.get(p); code != http.StatusSeeOther {
			t.Errorf("GET %s while locked: %d %s", p, code, body)
		}
	}
	if code, loc, _ := tb.post("/post", map[string]string{"text": "x"}); code != http.StatusSeeOther || loc != "/unlock" {
		t.Errorf("POST /post while locked: %d %s", code, loc)
	}
	if code, _ := tb.get("/img?u=CHK@x"); code != http.StatusServiceUnavailable {
		t.Errorf("an image while locked: %d", code)
	}
	if code, body := tb.get("/static/app.css"); code != 200 || body == "" {
		t.Errorf("the style sheet while locked: %d", code)
	}
	code, body := tb.get("/unlock")
	if code != 200 || !strings.Contains(body, `name="passphrase"`) || strings.Contains(body, "passphrase2") {
		t.Fatalf("unlock page: %d", code)
	}
	code, _, body = tb.post("/unlock", map[string]string{"passphrase": "not the passphrase"})
	if code != http.StatusBadRequest || errorText(body) != "That passphrase is not right." {
		t.Fatalf("wrong passphrase: %d %q", code, errorText(body))
	}
	tb.lang = "ar"
	_, _, body = tb.post("/unlock", map[string]string{"passphrase": "ليست العبارة"})
	if errorText(body) != "عبارة المرور هذه غير صحيحة." {
		t.Fatalf("wrong passphrase in Arabic: %q", errorText(body))
	}
	tb.lang = "en"
	tb.mustPost("/unlock", map[string]string{"passphrase": testPassphrase})
	tb.waitFor("/", "kept across restarts", 5*time.Second)
	if tb.app.Locked() || tb.app.ctx.Err() != nil {
		t.Fatal("unlocked, but not running")
	}
	if code, _ := tb.get("/unlock"); code != http.StatusSeeOther {
		t.Error("the unlock page once unlocked")
	}
}

// TestNewPassphraseRules: a new identity's passphrase must be long enough
// and typed the same twice; nothing is written until it is.
func TestNewPassphraseRules(t *testing.T) {
	ta := startApp(t, "127.0.0.1:1", nil)
	for _, c := range []struct{ p1, p2, want string }{
		{"short", "short", "too short: at least 8 characters"},
		{"long enough one", "long enough two", "not the same"},
	} {
		code, _, body := ta.post("/identity", map[string]string{"name": "N", "passphrase": c.p1, "passphrase2": c.p2})
		if code != http.StatusBadRequest || !strings.Contains(errorText(body), c.want) {
			t.Errorf("%q/%q: %d %q", c.p1, c.p2, code, errorText(body))
		}
	}
	// The node is down: the identity is not made, and the vault made for
	// it is gone again.
	code, _, body := ta.post("/identity", map[string]string{"name": "N", "passphrase": testPassphrase, "passphrase2": testPassphrase})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "node cannot be reached") {
		t.Fatalf("node down: %d %q", code, errorText(body))
	}
	if left := filesUnder(t, ta.app.cfg.Dir); len(left) != 0 {
		t.Fatalf("files left by an identity not made: %v", left)
	}
}

// plainDir writes the files of an older version (no passphrase): an
// identity, the own feed with a post, a followed feed and an image, and a
// temporary file an interrupted write left.
func plainDir(t *testing.T, dir string) (identity, []string) {
	rng := rand.New(rand.NewPCG(3, 4))
	ins, req, err := keys.GenerateSSK(rand.NewChaCha8([32]byte{byte(rng.Uint32())}))
	if err != nil {
		t.Fatal(err)
	}
	id := identity{Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	id.Insert, _ = uskFromSSK(ins.String())
	id.Request, _ = uskFromSSK(req.String())
	_, freq, _ := keys.GenerateSSK(rand.NewChaCha8([32]byte{byte(rng.Uint32()), 1}))
	furi, _ := uskFromSSK(freq.String())
	fk, _ := feedKey(furi)
	own := ownState{Edition: -1, NextN: 2, Device: 5, Profile: profile{Name: "Old Timer"},
		Posts: []post{{N: 1, Time: id.Created, Text: "written before passphrases", Edition: -1}}, Follows: []string{furi}}
	fc := feedCopy{URI: furi, Edition: 0, Oldest: 0, Older: -1, Followed: true, Profile: profile{Name: "Old Friend"}}
	write := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := vault.WriteAtomic(filepath.Join(dir, name), b); err != nil {
			t.Fatal(err)
		}
	}
	write(identityFile, id)
	write(ownFile, own)
	h := sha256.Sum256([]byte(fk)) // the name an older version gave it
	write(filepath.Join(feedsDir, hex.EncodeToString(h[:16])+".json"), fc)
	if err := vault.WriteAtomic(filepath.Join(dir, imagesDir, "abc"), pngImage(9, 9, 9)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "."+ownFile+".12345"), []byte(`{"half":`), 0o600)
	return id, []string{"Old Timer", "Old Friend", "written before passphrases", id.Insert, "\x89PNG"}
}

// TestUpgradePlainDir: an older version's plain directory locks the App
// until the person chooses a passphrase; then every file is sealed in
// place and the state is as before.
func TestUpgradePlainDir(t *testing.T) {
	dir := t.TempDir()
	id, secrets := plainDir(t, dir)
	ta := startApp(t, "127.0.0.1:1", func(c *Config) { c.Dir = dir })
	if code, _ := ta.get("/"); code != http.StatusSeeOther {
		t.Fatal("an older directory is not locked")
	}
	_, body := ta.get("/unlock")
	if !strings.Contains(body, "Choose a passphrase") || !strings.Contains(body, `name="passphrase2"`) {
		t.Fatal("the unlock page does not ask for a new passphrase")
	}
	code, _, body := ta.post("/unlock", map[string]string{"passphrase": testPassphrase, "passphrase2": "something else"})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "not the same") {
		t.Fatalf("mismatch: %d %q", code, errorText(body))
	}
	ta.mustPost("/unlock", map[string]string{"passphrase": testPassphrase, "passphrase2": testPassphrase})
	for name, b := range filesUnder(t, dir) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", name, s)
			}
		}
		if name != vault.HeaderFile && !bytes.HasPrefix(b, []byte(vault.Magic)) {
			t.Errorf("%s is not sealed", name)
		}
	}
	ta.waitFor("/", "written before passphrases", 5*time.Second)
	ta.waitFor("/people", "Old Friend", 5*time.Second)
	ta.app.mu.Lock()
	got := ta.app.id.Insert
	ta.app.mu.Unlock()
	if got != id.Insert {
		t.Fatal("the identity changed")
	}
}

// TestUpgradeInterrupted: a directory whose sealing was interrupted (the
// header and some files sealed, others still plain) is finished at the
// next unlock, nothing lost.
func TestUpgradeInterrupted(t *testing.T) {
	dir := t.TempDir()
	_, secrets := plainDir(t, dir)
	v, err := vault.Create(dir, testPassphrase, kdfParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.SealInPlace(identityFile); err != nil { // interrupted after the first file
		t.Fatal(err)
	}
	v.Close()
	ta := startApp(t, "127.0.0.1:1", func(c *Config) { c.Dir = dir })
	if !ta.app.Locked() {
		t.Fatal("not locked")
	}
	ta.mustPost("/unlock", map[string]string{"passphrase": testPassphrase})
	ta.waitFor("/", "written before passphrases", 5*time.Second)
	for name, b := range filesUnder(t, dir) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", name, s)
			}
		}
	}
}

// TestImportPassphrase: an export opens only with its passphrase (words,
// not Go's text, otherwise); an older, unsealed export still imports, and
// the passphrase given becomes the device's.
func TestImportPassphrase(t *testing.T) {
	nd := startNodes(t, 1)[0]
	a := startApp(t, nd.FCPAddr(), nil)
	a.createIdentity("Mover")
	if code, _, body := a.post("/identity/export", map[string]string{"passphrase": "wrong passphrase"}); code != http.StatusBadRequest ||
		errorText(body) != "That passphrase is not right." {
		t.Fatalf("export with a wrong passphrase: %d %q", code, errorText(body))
	}
	_, _, exported := a.post("/identity/export", map[string]string{"passphrase": testPassphrase})
	b := startApp(t, nd.FCPAddr(), nil)
	code, _, body := b.post("/identity/import", map[string]string{"passphrase": "another passphrase"}, file{"file", "id.json", []byte(exported)})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "does not open this file") {
		t.Fatalf("wrong import passphrase: %d %q", code, errorText(body))
	}
	if left := filesUnder(t, b.app.cfg.Dir); len(left) != 0 {
		t.Fatalf("a failed import left %v", left)
	}
	// An older export, in plain JSON.
	a.app.mu.Lock()
	old, _ := jsonIndent(exportFile{Format: exportFormat, Version: 1, Identity: *a.app.id, Own: a.app.own})
	a.app.mu.Unlock()
	c := startApp(t, nd.FCPAddr(), nil)
	c.mustPost("/identity/import", map[string]string{"passphrase": "a new passphrase"}, file{"file", "id.json", old})
	if _, err := vault.Unlock(c.app.cfg.Dir, "a new passphrase"); err != nil {
		t.Fatal(err)
	}
}

// TestWipeLocked: someone who forgot the passphrase can wipe a locked
// device from the unlock page and start again.
func TestWipeLocked(t *testing.T) {
	dir := t.TempDir()
	plainDir(t, dir)
	v, err := vault.Create(dir, testPassphrase, kdfParams)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	ta := startApp(t, "127.0.0.1:1", func(c *Config) { c.Dir = dir })
	if _, body := ta.get("/unlock"); !strings.Contains(body, `href="/wipe"`) {
		t.Fatal("the unlock page does not lead to wiping")
	}
	if code, _ := ta.get("/wipe"); code != 200 {
		t.Fatalf("the wipe page while locked: %d", code)
	}
	ta.mustPost("/wipe", map[string]string{"confirm": "1"})
	if left := filesUnder(t, dir); len(left) != 0 {
		t.Fatalf("left after the wipe: %v", left)
	}
	if ta.app.Locked() {
		t.Fatal("still locked after the wipe")
	}
	if err := ta.app.Unlock("not the passphrase but long"); err != nil { // a new device: this becomes its passphrase
		t.Fatal(err)
	}
	if err := ta.app.Unlock("another passphrase"); err == nil {
		t.Fatal("Unlock of an open App with a wrong passphrase")
	}
}

// TestChangePassphrase: the profile page changes the passphrase (the
// current one checked, the new one typed twice); after a restart only the
// new one opens the state.
func TestChangePassphrase(t *testing.T) {
	nd := startNodes(t, 1)[0]
	dir := t.TempDir()
	ta := startApp(t, nd.FCPAddr(), func(c *Config) { c.Dir = dir })
	ta.createIdentity("Changer")
	ta.mustPost("/post", map[string]string{"text": "still here after the change"})
	if _, body := ta.get("/profile"); !strings.Contains(body, `action="/passphrase"`) {
		t.Fatal("the profile page offers no passphrase change")
	}
	const next = "a brand new passphrase"
	code, _, body := ta.post("/passphrase", map[string]string{"old": "not it at all", "passphrase": next, "passphrase2": next})
	if code != http.StatusBadRequest || errorText(body) != "That passphrase is not right." {
		t.Fatalf("a wrong current passphrase: %d %q", code, errorText(body))
	}
	code, _, body = ta.post("/passphrase", map[string]string{"old": testPassphrase, "passphrase": next, "passphrase2": next + "!"})
	if code != http.StatusBadRequest || !strings.Contains(errorText(body), "not the same") {
		t.Fatalf("a mistyped new passphrase: %d %q", code, errorText(body))
	}
	ta.mustPost("/passphrase", map[string]string{"old": testPassphrase, "passphrase": next, "passphrase2": next})
	ta.app.Close()
	tb := startApp(t, nd.FCPAddr(), func(c *Config) { c.Dir = dir })
	if code, _, _ := tb.post("/unlock", map[string]string{"passphrase": testPassphrase}); code != http.StatusBadRequest {
		t.Fatal("the old passphrase still opens")
	}
	tb.mustPost("/unlock", map[string]string{"passphrase": next})
	tb.waitFor("/", "still here after the change", 5*time.Second)
}
