package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hamsnet/hams/tools/social/search"
	"github.com/hamsnet/hams/tools/social/vault"
)

// Every file the front-end keeps in Config.Dir is sealed with the
// person's passphrase (tools/social/vault, docs/social-vault.md). The App
// starts locked when Dir holds a vault (or the plain files of an older
// version): nothing is read, fetched or published until the person gives
// the passphrase (Unlock).

// kdfParams are the Argon2id parameters of new vaults and exports (the
// tests lower them: vaultknob_test.go).
var kdfParams = vault.DefaultParams

// MinPassphrase is the fewest characters a new passphrase may have.
const MinPassphrase = 8

// stateFiles and stateDirs are the names the front-end makes in Dir:
// what Wipe removes and an older directory's upgrade seals.
var (
	stateFiles = []string{identityFile, ownFile, notesFile}
	stateDirs  = []string{feedsDir, imagesDir}
)

// lockState is whether the App waits for the passphrase.
type lockState int

const (
	unlocked    lockState = iota // open, or fresh (no identity, no vault)
	lockedVault                  // Dir holds a vault: asks the passphrase
	lockedPlain                  // Dir holds an older version's plain files: asks for a new passphrase
)

// errLocked: the state cannot be read or written without the passphrase.
var errLocked = errors.New("social: locked: the passphrase has not been given")

// detectLock tells the state of Dir at start.
func detectLock(dir string) (lockState, error) {
	ok, err := vault.Exists(dir)
	if err != nil {
		return unlocked, fmt.Errorf("social: %w", err)
	}
	if ok {
		return lockedVault, nil
	}
	if _, err := os.Lstat(filepath.Join(dir, identityFile)); err == nil {
		return lockedPlain, nil
	}
	return unlocked, nil
}

// Locked reports whether the App waits for the passphrase.
func (a *App) Locked() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lock != unlocked
}

// saveJSON seals v as the file name (relative to Dir).
func (a *App) saveJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return a.saveFile(name, b)
}

// saveFile seals b as the file name (relative to Dir), atomically. Without
// a vault it writes nothing (errLocked): no plain copy ever reaches the
// disk.
func (a *App) saveFile(name string, b []byte) error {
	v := a.vlt.Load()
	if v == nil {
		return errLocked
	}
	return v.WriteFile(name, b)
}

// loadFile opens the sealed file name; a missing file matches
// fs.ErrNotExist.
func (a *App) loadFile(name string) ([]byte, error) {
	v := a.vlt.Load()
	if v == nil {
		return nil, errLocked
	}
	return v.ReadFile(name)
}

// loadJSON opens the sealed file name into v; found is false when it does
// not exist.
func (a *App) loadJSON(name string, v any) (found bool, err error) {
	b, err := a.loadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("social: %s: %v", name, err)
	}
	return true, nil
}

// feedName is the name of feed k's copy in Dir: blinded with the vault's
// naming key, so that the names do not tell which feeds are followed here
// ("" without a vault).
func (a *App) feedName(k string) string {
	v := a.vlt.Load()
	if v == nil {
		return ""
	}
	return filepath.Join(feedsDir, v.Blind("feed:"+k)+".json")
}

// imageName is the name of a cached image in Dir, blinded like feedName.
func (a *App) imageName(uri string) string {
	v := a.vlt.Load()
	if v == nil {
		return ""
	}
	return filepath.Join(imagesDir, v.Blind("image:"+uri))
}

// removeFile removes the file name (relative to Dir).
func (a *App) removeFile(name string) error {
	if name == "" { // a blinded name without a vault
		return errLocked
	}
	err := os.Remove(filepath.Join(a.cfg.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// checkNewPassphrase checks a passphrase being chosen: long enough, and
// typed the same twice (again is ignored when "-": an imported file's
// passphrase is checked by opening the file).
func checkNewPassphrase(pass, again string) error {
	if n := utf8.RuneCountInString(pass); n < MinPassphrase {
		return uerr("err.passphrase_short", MinPassphrase)
	}
	if len(pass) > vault.MaxPassphrase {
		return uerr("err.passphrase_long")
	}
	if again != "-" && again != pass {
		return uerr("err.passphrase_mismatch")
	}
	return nil
}

// Unlock opens the App with the passphrase. When Dir holds a vault, the
// passphrase must be its own; when it holds an older version's plain
// files, or nothing yet, the passphrase becomes the new vault's and every
// file is sealed with it. The state is then loaded and the background
// work (publishing, following, notes) starts.
func (a *App) Unlock(passphrase string) error {
	a.sess.Lock()
	defer a.sess.Unlock()
	a.mu.Lock()
	lock := a.lock
	a.mu.Unlock()
	if a.vlt.Load() != nil { // open already: the passphrase must still be its own
		return a.VerifyPassphrase(passphrase)
	}
	var v *vault.Vault
	var err error
	switch lock {
	case lockedVault:
		v, err = vault.Unlock(a.cfg.Dir, passphrase)
		var fe *vault.FormatError
		switch {
		case errors.Is(err, vault.ErrWrongPassphrase):
			return uerr("err.passphrase_wrong")
		case errors.As(err, &fe):
			a.cfg.Logger.Error("social: the vault header is damaged", "err", err)
			return uerr("err.vault_damaged")
		}
	default:
		if err := checkNewPassphrase(passphrase, "-"); err != nil {
			return err
		}
		v, err = vault.Create(a.cfg.Dir, passphrase, kdfParams)
	}
	if err != nil {
		return err
	}
	return a.begin(v)
}

// begin seals what is still plain in Dir (an older version's files, or
// those an interrupted upgrade left), loads the state and starts the
// background work. a.sess must be held.
func (a *App) begin(v *vault.Vault) error {
	if err := a.sealPlain(v); err != nil {
		v.Close()
		return fmt.Errorf("social: sealing the files of an older version: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.vlt.Store(v)
	a.resetLocked()
	if err := a.loadLocked(); err != nil {
		a.vlt.Store(nil)
		v.Close()
		a.resetLocked()
		return err
	}
	a.lock = unlocked
	a.startLocked()
	a.changedLocked()
	return nil
}

// sealPlain seals, in place, every file of Dir the front-end made that is
// not sealed yet, and removes the temporary files an interrupted write
// left. Each file is replaced by its sealed copy atomically, so an
// interruption loses nothing: the next unlock finishes the work.
func (a *App) sealPlain(v *vault.Vault) error {
	var names []string
	names = append(names, stateFiles...)
	for _, d := range stateDirs {
		entries, err := os.ReadDir(filepath.Join(a.cfg.Dir, d))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				names = append(names, filepath.Join(d, e.Name()))
			}
		}
	}
	for _, n := range names {
		dir, base := filepath.Split(n)
		if strings.HasPrefix(base, ".") { // a temporary file
			if err := os.Remove(filepath.Join(a.cfg.Dir, n)); err != nil {
				return err
			}
			continue
		}
		if dir != "" {
			if err := a.sealPlainCopy(v, n); err != nil {
				return err
			}
			continue
		}
		sealed, err := v.SealInPlace(n)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if sealed {
			a.cfg.Logger.Info("social: sealed a file of an older version", "file", n)
		}
	}
	return a.removeTemps()
}

// sealPlainCopy moves a plain feed copy of an older version to its
// blinded name, sealed (then removes the plain file); a plain cached image
// is removed (its name, a hash of a URI, cannot be blinded: it is fetched
// again when shown).
func (a *App) sealPlainCopy(v *vault.Vault, n string) error {
	path := filepath.Join(a.cfg.Dir, n)
	b, err := os.ReadFile(path)
	if err != nil || vault.IsSealed(b) {
		return err
	}
	defer clear(b)
	if filepath.Dir(n) == feedsDir {
		var f feedCopy
		if k, kerr := feedKeyOf(b, &f); kerr == nil {
			if err := v.WriteFile(filepath.Join(feedsDir, v.Blind("feed:"+k)+".json"), b); err != nil {
				return err
			}
		} else {
			a.cfg.Logger.Warn("social: dropping a damaged feed copy of an older version", "file", n)
		}
	}
	return os.Remove(path)
}

// feedKeyOf reads a feed copy and returns its feed's key.
func feedKeyOf(b []byte, f *feedCopy) (string, error) {
	if err := json.Unmarshal(b, f); err != nil {
		return "", err
	}
	return feedKey(f.URI)
}

// removeTemps removes the temporary files of interrupted writes in Dir.
func (a *App) removeTemps() error {
	for _, n := range append(stateFiles, vault.HeaderFile) {
		ms, _ := filepath.Glob(filepath.Join(a.cfg.Dir, "."+n+".*"))
		for _, m := range ms {
			if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// resetLocked forgets the loaded state. a.mu must be held.
func (a *App) resetLocked() {
	a.id, a.me, a.box, a.catchUp = nil, "", nil, false
	a.own = &ownState{Edition: -1, NextN: 1}
	a.feeds = map[string]*feedCopy{}
	a.notes = notesState{}
	a.idx = search.NewIndex()
	a.gen = 0
	a.status = status{}
}

// startLocked starts the background work: publishing, following,
// discovering and notes. a.mu must be held.
func (a *App) startLocked() {
	a.ctx, a.cancel = context.WithCancel(a.life)
	for k, f := range a.feeds {
		if f.Followed {
			a.subscribeLocked(k)
		}
	}
	a.wg.Add(4)
	go a.publisher()
	go a.discoverer()
	go a.noteSender()
	go a.inboxReader()
	a.signal(a.publish)
	a.signal(a.discover)
	a.signal(a.sendNotes)
}

// stop ends the background work and waits for it.
func (a *App) stop() {
	a.mu.Lock()
	cancel := a.cancel
	for k, c := range a.subs {
		c()
		delete(a.subs, k)
	}
	fc := a.fc
	a.fc = nil
	a.mu.Unlock()
	cancel()
	if fc != nil {
		fc.Close()
	}
	a.wg.Wait()
}

// Wipe removes the identity and every local copy from this device at
// once: it stops the background work, erases the vault's header first
// (the sealed files can then no longer be opened with any passphrase) and
// its key in memory, then removes every file and folder the front-end
// made in Dir. The App is then as new, without an identity. What was
// published stays on the network.
func (a *App) Wipe() error {
	a.sess.Lock()
	defer a.sess.Unlock()
	a.stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	err := vault.Erase(a.cfg.Dir)
	if v := a.vlt.Swap(nil); v != nil {
		v.Close()
	}
	for _, n := range stateFiles {
		if e := a.removeFile(n); err == nil {
			err = e
		}
	}
	for _, d := range stateDirs {
		if e := os.RemoveAll(filepath.Join(a.cfg.Dir, d)); err == nil {
			err = e
		}
	}
	if e := a.removeTemps(); err == nil {
		err = e
	}
	a.resetLocked()
	a.lock = unlocked
	a.changedLocked()
	if err != nil {
		return fmt.Errorf("social: wiping: %w", err)
	}
	return nil
}

// VerifyPassphrase reports whether passphrase is the one this device's
// files are sealed with (a userError when not).
func (a *App) VerifyPassphrase(passphrase string) error {
	v := a.vlt.Load()
	if v == nil {
		return errLocked
	}
	if err := v.Verify(passphrase); err != nil {
		if errors.Is(err, vault.ErrWrongPassphrase) {
			return uerr("err.passphrase_wrong")
		}
		return err
	}
	return nil
}

// ChangePassphrase changes this device's passphrase: old must be the
// current one, the new one (typed twice: again) obeys the rules of a new
// one. Only the vault's header is written again, atomically.
func (a *App) ChangePassphrase(old, passphrase, again string) error {
	if err := checkNewPassphrase(passphrase, again); err != nil {
		return err
	}
	v := a.vlt.Load()
	if v == nil {
		return errLocked
	}
	err := v.ChangePassphrase(old, passphrase, kdfParams)
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return uerr("err.passphrase_wrong")
	}
	return err
}

// exportName is the name an exported identity is sealed as (the
// envelope's associated data).
const exportName = "hams-social-identity"

// sealExport seals an export file with passphrase (checked against the
// vault's first).
func (a *App) sealExport(passphrase string, b []byte) ([]byte, error) {
	if err := a.VerifyPassphrase(passphrase); err != nil {
		return nil, err
	}
	return vault.SealPassphrase(passphrase, exportName, b, kdfParams)
}

// openExport opens an export file with its passphrase. An older export,
// not sealed, is returned as it is.
func openExport(passphrase string, b []byte) ([]byte, error) {
	if !vault.IsEnvelope(b) {
		return b, nil
	}
	plain, err := vault.OpenPassphrase(passphrase, exportName, b)
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return nil, uerr("err.import_passphrase")
	}
	if err != nil {
		return nil, uerr("err.import_file")
	}
	return plain, nil
}

// readyForIdentity refuses when there is an identity already and, when
// Dir has no vault yet, makes one with passphrase; fresh reports that it
// did, and the caller then defers wipeIfNoIdentity.
func (a *App) readyForIdentity(passphrase string) (fresh bool, err error) {
	a.mu.Lock()
	has := a.id != nil
	a.mu.Unlock()
	if has {
		return false, uerr("err.identity_exists")
	}
	if a.vlt.Load() != nil {
		return false, nil
	}
	if err := a.Unlock(passphrase); err != nil {
		return false, err
	}
	return true, nil
}

// wipeIfNoIdentity wipes the vault just made for an identity that could
// not be made or imported after all (*err set), so that the next try
// starts afresh with the passphrase it gives.
func (a *App) wipeIfNoIdentity(err *error) {
	if *err == nil {
		return
	}
	a.mu.Lock()
	has := a.id != nil
	a.mu.Unlock()
	if !has {
		if werr := a.Wipe(); werr != nil {
			a.cfg.Logger.Warn("social: removing the vault of an identity not made", "err", werr)
		}
	}
}
