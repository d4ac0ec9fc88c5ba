package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/templates"
)

// adminRoutes registers the back-office pages inside the /admin group (admins only). Every state change is
// a POST; every id in a URL is checked (404 when unknown).
func (s *Server) adminRoutes(r chi.Router) {
	s.adminEntityRoutes(r, admin.EntityDomain, "/domaines", s.adminDomains, s.adminNewDomain, s.adminCreateDomain, s.adminEditDomain, s.adminUpdateDomain)
	s.adminEntityRoutes(r, admin.EntityPartner, "/partenaires", s.adminPartners, s.adminNewPartner, s.adminCreatePartner, s.adminEditPartner, s.adminUpdatePartner)
	s.adminEntityRoutes(r, admin.EntityAudience, "/publics", s.adminAudiences, s.adminNewAudience, s.adminCreateAudience, s.adminEditAudience, s.adminUpdateAudience)
	s.adminEntityRoutes(r, admin.EntityModule, "/modules", s.adminModules, s.adminNewModule, s.adminCreateModule, s.adminEditModule, s.adminUpdateModule)
	s.adminEntityRoutes(r, admin.EntityTrack, "/parcours", s.adminTracks(false), s.adminNewTrack, s.adminCreateTrack, s.adminEditTrack, s.adminUpdateTrack)
	r.Get("/programmes", s.adminTracks(true))
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

// adminEntityRoutes registers the pages of an entity of the catalogue: its list, the form of a new one, its
// creation, its edit page and its update, and its status changes (adminSetStatus).
func (s *Server) adminEntityRoutes(r chi.Router, entity, list string, index, newForm, create, edit, update http.HandlerFunc) {
	r.Get(list, index)
	r.Get(list+"/nouveau", newForm)
	r.Post(list, create)
	r.Get(list+"/{id}", edit)
	r.Post(list+"/{id}", update)
	r.Post(list+"/{id}/etat", s.adminSetStatus(entity))
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
// stale version: show what changed, with the current version so that saving again is deliberate), or a refusal
// (a taken slug, a rule) on the form (422). It reports false for any other error, which the caller fails with.
func adminSaveFailed(err error, f *Form, edit *templates.AdminEdit, typed admin.Snapshot) (int, bool) {
	if c, ok := admin.AsConflict(err); ok {
		edit.Version = c.Version
		edit.Conflict = &templates.AdminConflict{By: c.By, At: c.At, Changes: admin.Diff(c.Current, typed)}
		return http.StatusConflict, true
	}
	if f.Refuse(err) == nil {
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// adminSave is the one create/update flow of a back-office form, once the entity's own function has read and
// checked it (typed, errs): when the form is valid it stores the entity (store, the entity's own, says where to
// go and what to say), and otherwise shows the form again (render, the entity's own) with the field errors, a
// refusal (422) or a conflict with what changed (409).
func (s *Server) adminSave(w http.ResponseWriter, r *http.Request, f *Form, e *templates.AdminEdit, typed admin.Snapshot, errs admin.Errors,
	store func() (to, msg string, err error), render func(status int)) {
	f.adminApply(errs)
	status := http.StatusUnprocessableEntity
	if f.Valid() {
		to, msg, err := store()
		if err == nil {
			s.invalidate("catalogue")
			s.flashTo(w, r, to, "success", msg)
			return
		}
		var ok bool
		if status, ok = adminSaveFailed(err, f, e, typed); !ok {
			s.fail(w, r, err)
			return
		}
	}
	e.Form = f.State()
	render(status)
}

// adminLoad reads the {id} of a back-office URL and loads its entity (load) and, at the same time, what its
// form needs (with; nil when nothing). When it cannot (404, an error) it fails the request and reports false.
func adminLoad[T, X any](s *Server, w http.ResponseWriter, r *http.Request, load func(context.Context, int64) (T, error),
	with func(context.Context) (X, error)) (T, X, bool) {
	var x T
	var extra X
	id, err := idParam(r, "id")
	if err == nil {
		g, ctx := errgroup.WithContext(r.Context())
		g.Go(func() (err error) { x, err = load(ctx, id); return })
		if with != nil {
			g.Go(func() (err error) { extra, err = with(ctx); return })
		}
		err = g.Wait()
	}
	if err != nil {
		s.fail(w, r, err)
		return x, extra, false
	}
	return x, extra, true
}

// adminSetStatus moves an entity to the status posted in "etat"; a refusal comes back as a message on the
// entity's page.
func (s *Server) adminSetStatus(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, f, ok := s.postedID(w, r)
		if !ok {
			return
		}
		to := f.Hidden("etat")
		back := templates.AdminHref(entity, id)
		if s.refusedTo(w, r, back, s.store.SetStatus(r.Context(), adminActor(r), entity, id, to)) {
			return
		}
		s.invalidate("catalogue")
		s.flashTo(w, r, back, "success", "Nouvel état : "+admin.StatusLabel(to)+".")
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
