package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/templates"
)

// adminRoutes registers the back-office pages inside the /admin group (admins only). Every state change is
// a POST; every id in a URL is checked (404 when unknown).
func (s *Server) adminRoutes(r chi.Router) {
	r.Get("/domaines", s.adminDomains)
	r.Get("/domaines/nouveau", s.adminNewDomain)
	r.Post("/domaines", s.adminCreateDomain)
	r.Get("/domaines/{id}", s.adminEditDomain)
	r.Post("/domaines/{id}", s.adminUpdateDomain)
	r.Post("/domaines/{id}/etat", s.adminSetStatus(admin.EntityDomain))

	r.Get("/partenaires", s.adminPartners)
	r.Get("/partenaires/nouveau", s.adminNewPartner)
	r.Post("/partenaires", s.adminCreatePartner)
	r.Get("/partenaires/{id}", s.adminEditPartner)
	r.Post("/partenaires/{id}", s.adminUpdatePartner)
	r.Post("/partenaires/{id}/etat", s.adminSetStatus(admin.EntityPartner))

	r.Get("/publics", s.adminAudiences)
	r.Get("/publics/nouveau", s.adminNewAudience)
	r.Post("/publics", s.adminCreateAudience)
	r.Get("/publics/{id}", s.adminEditAudience)
	r.Post("/publics/{id}", s.adminUpdateAudience)
	r.Post("/publics/{id}/etat", s.adminSetStatus(admin.EntityAudience))

	r.Get("/modules", s.adminModules)
	r.Get("/modules/nouveau", s.adminNewModule)
	r.Post("/modules", s.adminCreateModule)
	r.Get("/modules/{id}", s.adminEditModule)
	r.Post("/modules/{id}", s.adminUpdateModule)
	r.Post("/modules/{id}/etat", s.adminSetStatus(admin.EntityModule))

	r.Get("/parcours", s.adminTracks(false))
	r.Get("/programmes", s.adminTracks(true))
	r.Get("/parcours/nouveau", s.adminNewTrack)
	r.Post("/parcours", s.adminCreateTrack)
	r.Get("/parcours/{id}", s.adminEditTrack)
	r.Post("/parcours/{id}", s.adminUpdateTrack)
	r.Post("/parcours/{id}/etat", s.adminSetStatus(admin.EntityTrack))
	r.Post("/parcours/{id}/modules", s.adminAddTrackModule)
	r.Post("/parcours/{id}/modules/{module}", s.adminMoveTrackModule)

	r.Get("/sessions", s.adminSessions)
	r.Get("/sessions/nouvelle", s.adminNewSession)
	r.Post("/sessions", s.adminCreateSession)
	r.Get("/sessions/{id}/modifier", s.adminEditSession)
	r.Post("/sessions/{id}/modifier", s.adminUpdateSession)
	r.Post("/sessions/{id}/capacite", s.adminSessionCapacity)
	r.Post("/sessions/{id}/annulation", s.adminCancelSession)

	r.Get("/apercu/{kind}/{slug}", s.adminPreview)
	r.Get("/journal", s.adminJournal)

	r.Get("/import-export", s.adminImportPage)
	r.Get("/export/{file}", s.adminExport)
	r.Post("/import", s.adminUploadImport)
	r.Post("/import/{token}", s.adminApplyImport)
}

// adminActor is the admin making a change, for the audit log.
func adminActor(r *http.Request) admin.Actor {
	u, _ := CurrentUser(r)
	return admin.Actor{ID: u.ID, Name: u.DisplayName()}
}

// Raw reads a field as typed (valid UTF-8) and keeps it to show again; the back-office's validation is the
// admin package's.
func (f *Form) adminRaw(name string) string {
	v := strings.ToValidUTF8(f.raw(name), "\uFFFD")
	f.keep(name, v)
	return v
}

// RawList reads every value of a field (a checkbox group) and keeps them to show again.
func (f *Form) adminList(name string) []string {
	var out []string
	for _, v := range f.values[name] {
		out = append(out, strings.ToValidUTF8(v, "\uFFFD"))
	}
	f.keep(name, strings.Join(out, "\n"))
	return out
}

// Version reads the version the form was loaded with (0 when missing: a stale form).
func (f *Form) adminVersion() int {
	n, _ := strconv.Atoi(f.raw("version"))
	return n
}

// Apply records the admin package's field errors on the form.
func (f *Form) adminApply(errs admin.Errors) {
	for _, e := range errs {
		f.Fail(e.Field, e.Message)
	}
}

// adminSaveFailed turns what a save returned into what the form page shows: a conflict (the edit was made from a
// stale version: show what changed, with the current version so that saving again is deliberate), a taken
// slug or a refused rule on the form (422). It reports false for any other error, which the caller fails with.
func adminSaveFailed(err error, f *Form, edit *templates.AdminEdit, typed admin.Snapshot) (int, bool) {
	if c, ok := admin.AsConflict(err); ok {
		edit.Version = c.Version
		edit.Conflict = &templates.AdminConflict{By: c.By, At: c.At, Changes: admin.Diff(c.Current, typed)}
		return http.StatusConflict, true
	}
	var taken *admin.SlugTakenError
	if errors.As(err, &taken) {
		f.Fail("slug", taken.Message())
		return http.StatusUnprocessableEntity, true
	}
	if msg, ok := admin.AsRule(err); ok {
		f.FailForm(msg)
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// adminSetStatus moves an entity to the status posted in "etat"; a refusal comes back as a message on the
// entity's page.
func (s *Server) adminSetStatus(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := idParam(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := s.readForm(w, r)
		to := f.Hidden("etat")
		back := templates.AdminHref(entity, id)
		err = s.store.SetStatus(r.Context(), adminActor(r), entity, id, to)
		if msg, ok := admin.AsRule(err); ok {
			s.flash(r, "error", msg)
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.invalidate("catalogue")
		s.flash(r, "success", "Nouvel état : "+admin.StatusLabel(to)+".")
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// adminPage builds the layout of a back-office page: the breadcrumb starts at the back-office.
func (s *Server) adminPage(r *http.Request, title string, crumbs ...templates.Crumb) templates.Page {
	return s.page(r, "", title+" – Administration", "", adminCrumbs(crumbs...)...)
}

// adminErrorTitle prefixes the title of a page that shows a form in error (RGAA: the title says so).
func adminErrorTitle(f templates.FormState, conflict bool, title string) string {
	if f.Failed() || conflict {
		return "Erreur – " + title
	}
	return title
}

// adminPager computes the pagination of a list of total items.
func adminPager(path string, q url.Values, page, per, total int) templates.Pager {
	last := (total + per - 1) / per
	if last < 1 {
		last = 1
	}
	base := url.Values{}
	for k, v := range q {
		if k != "page" && len(v) > 0 && v[0] != "" {
			base[k] = v[:1]
		}
	}
	return templates.Pager{Page: page, Last: last, Base: base, Path: path}
}

func adminIsNotFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }

// options builds select options from referenced entities; archived ones are left out unless current.
func adminRefOptions(refs []admin.RefInfo, current string) []templates.Option {
	var out []templates.Option
	for _, x := range refs {
		if x.Status == "archived" && x.Slug != current {
			continue
		}
		label := x.Title
		if x.Status != "published" {
			label += " (" + strings.ToLower(admin.StatusLabel(x.Status)) + ")"
		}
		out = append(out, templates.Option{Value: x.Slug, Label: label})
	}
	return out
}

// adminAudienceOptions lists the published audiences (the only ones a module or track may get).
func adminAudienceOptions(refs []admin.RefInfo) []templates.Option {
	var out []templates.Option
	for _, x := range refs {
		if x.Status == "published" {
			out = append(out, templates.Option{Value: x.Slug, Label: x.Title})
		}
	}
	return out
}
