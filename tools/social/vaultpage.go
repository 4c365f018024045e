package social

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/hamsnet/hams/tools/social/assets"
)

// The unlock and wipe pages, and the parts of the identity forms that ask
// for the passphrase (assets/templates/vault_parts.html).
func init() {
	for _, n := range []string{"home", "people", "profile"} {
		pages[n] = template.Must(pages[n].ParseFS(assets.Templates, "templates/vault_parts.html"))
	}
	for _, n := range []string{"unlock", "wipe"} {
		pages[n] = template.Must(template.Must(pages["search"].Clone()).ParseFS(assets.Templates, "templates/vault_parts.html", "templates/"+n+".html"))
	}
}

// vaultRoutes registers the unlock and wipe pages.
func (a *App) vaultRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /unlock", a.unlockPage)
	mux.HandleFunc("POST /unlock", a.unlock)
	mux.HandleFunc("POST /passphrase", a.changePassphrase)
	mux.HandleFunc("GET /wipe", a.wipePage)
	mux.HandleFunc("POST /wipe", a.wipe)
}

// gate sends every request to the unlock page while the App is locked,
// but for that page, the wipe page, the language switch and the static
// files. Images and the live updates get 503: they are not pages.
func (a *App) gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if a.Locked() && p != "/unlock" && p != "/wipe" && p != "/lang" && !strings.HasPrefix(p, "/static/") {
			if p == "/img" || p == "/events" {
				http.Error(w, "social: locked", http.StatusServiceUnavailable)
				return
			}
			http.Redirect(w, r, "/unlock", http.StatusSeeOther)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// unlockPage asks for the passphrase (or, for an older version's files,
// for a new one).
func (a *App) unlockPage(w http.ResponseWriter, r *http.Request) {
	a.renderUnlock(w, r, "", http.StatusOK)
}

func (a *App) renderUnlock(w http.ResponseWriter, r *http.Request, errMsg string, code int) {
	a.mu.Lock()
	lock := a.lock
	p := a.newPageLocked(r, "", "unlock.title")
	a.mu.Unlock()
	if lock == unlocked {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.Lock, p.Error = lock, errMsg
	if lock == lockedPlain {
		p.Title = tr(p.L, "upgrade.title")
	}
	a.render(w, "unlock", p, code)
}

func (a *App) unlock(w http.ResponseWriter, r *http.Request) {
	pass := r.FormValue("passphrase")
	var err error
	a.mu.Lock()
	lock := a.lock
	a.mu.Unlock()
	switch lock {
	case unlocked: // open, or new: the identity forms choose the passphrase
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	case lockedPlain:
		err = checkNewPassphrase(pass, r.FormValue("passphrase2"))
	}
	if err == nil {
		err = a.Unlock(pass)
	}
	if err != nil {
		a.renderUnlock(w, r, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// wipePage says what wiping does and asks to confirm it.
func (a *App) wipePage(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	p := a.newPageLocked(r, "", "wipe.title")
	a.mu.Unlock()
	a.render(w, "wipe", p, http.StatusOK)
}

func (a *App) wipe(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("confirm") != "1" {
		http.Redirect(w, r, "/wipe", http.StatusSeeOther)
		return
	}
	if err := a.Wipe(); err != nil {
		a.mu.Lock()
		p := a.newPageLocked(r, "", "wipe.title")
		a.mu.Unlock()
		p.Error = a.message(r, err)
		a.render(w, "wipe", p, http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) changePassphrase(w http.ResponseWriter, r *http.Request) {
	err := a.ChangePassphrase(r.FormValue("old"), r.FormValue("passphrase"), r.FormValue("passphrase2"))
	if err != nil {
		a.mu.Lock()
		form := formView{Name: a.own.Profile.Name, Bio: a.own.Profile.Bio}
		a.mu.Unlock()
		a.renderProfile(w, r, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}
