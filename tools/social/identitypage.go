package social

import "net/http"

// The identity's form handlers: create (with the passphrase that seals it),
// import and export (sealed with the passphrase).

func (a *App) createIdentity(w http.ResponseWriter, r *http.Request) {
	form := formView{Name: r.FormValue("name"), Bio: r.FormValue("bio")}
	imgs, err := files(r, "avatar", a.cfg.MaxImageSize)
	pass := r.FormValue("passphrase")
	if err == nil {
		_, err = a.checkProfile(form.Name, form.Bio) // its mistakes first
	}
	if err == nil && a.vlt.Load() == nil {
		err = checkNewPassphrase(pass, r.FormValue("passphrase2"))
	}
	if err == nil {
		var av []byte
		if len(imgs) > 0 {
			av = imgs[0]
		}
		err = a.CreateIdentity(r.Context(), form.Name, form.Bio, av, pass)
	}
	if err != nil {
		a.renderHome(w, r, form, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) importIdentity(w http.ResponseWriter, r *http.Request) {
	fs, err := files(r, "file", 64<<20)
	if err == nil && len(fs) != 1 {
		err = uerr("err.import_file")
	}
	if err == nil {
		err = a.ImportIdentity(fs[0], r.FormValue("passphrase"))
	}
	if err != nil {
		a.renderHome(w, r, formView{}, a.message(r, err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) exportIdentity(w http.ResponseWriter, r *http.Request) {
	b, err := a.ExportIdentity(r.FormValue("passphrase"))
	if err != nil {
		a.renderPeople(w, r, formView{}, a.message(r, err), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="hams-social-identity.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
