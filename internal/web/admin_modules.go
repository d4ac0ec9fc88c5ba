package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/templates"
)

// Modules, tracks and tailored programmes: list, create, edit, and the order of a track's modules.

const adminPerPage = 50

func (s *Server) adminModules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := templates.AdminModulesView{Status: queryText(q, "etat", 40), Domain: queryText(q, "domaine", admin.MaxSlug), Query: queryText(q, "q", 100)}
	refs, err := s.store.AdminRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := postgres.ModuleFilter{Query: v.Query}
	for _, st := range admin.Statuses(admin.EntityModule) {
		if st == v.Status {
			f.Status = st
		}
	}
	if d, ok := refs.Domain(v.Domain); ok {
		f.Domain = d.ID
	}
	page := adminPageNumber(q)
	ms, total, err := s.store.AdminModules(r.Context(), f, adminPerPage, (page-1)*adminPerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Modules, v.Total = ms, total
	v.Domains = adminRefOptions(refs.Domains, "")
	v.Pager = adminPager("/admin/modules", q, page, adminPerPage, total)
	title := pagedTitle("Modules", page)
	v.Page = s.adminPage(r, title, templates.Crumb{Label: "Modules"})
	s.render(w, r, http.StatusOK, templates.AdminModules(v))
}

func adminModuleValues(in admin.ModuleInput) map[string]string {
	return map[string]string{"slug": in.Slug, "title": in.Title, "domain": in.Domain, "partner": in.Partner, "summary": in.Summary,
		"objectives": strings.Join(in.Objectives, "\n"), "outline": strings.Join(in.Outline, "\n"), "duration": in.Duration,
		"format": in.Format, "level": in.Level, "prerequisites": in.Prerequisites, "external_url": in.ExternalURL,
		"keywords": strings.Join(in.Keywords, ", "), "audiences": strings.Join(in.Audiences, "\n")}
}

func adminReadModule(f *Form) admin.ModuleInput {
	return admin.ModuleInput{Slug: f.adminRaw("slug"), Title: f.adminRaw("title"), Domain: f.adminRaw("domain"), Partner: f.adminRaw("partner"),
		Summary: f.adminRaw("summary"), Objectives: admin.Lines(f.adminRaw("objectives")), Outline: admin.Lines(f.adminRaw("outline")),
		Duration: f.adminRaw("duration"), Format: f.adminRaw("format"), Level: f.adminRaw("level"), Prerequisites: f.adminRaw("prerequisites"),
		ExternalURL: f.adminRaw("external_url"), Keywords: admin.Split(f.adminRaw("keywords"), ","), Audiences: f.adminList("audiences")}
}

// renderModule renders the module form with its choices (and, when editing, its upcoming sessions).
func (s *Server) adminRenderModule(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit, refs admin.Refs) {
	title := "Créer un module"
	if !e.New() {
		title = "Modifier le module " + e.Title
	}
	v := templates.AdminModuleView{Edit: e, Domains: adminRefOptions(refs.Domains, e.Form.Value("domain")),
		Partners: adminRefOptions(refs.Partners, e.Form.Value("partner")), Audiences: adminAudienceOptions(refs.Audiences)}
	if !e.New() {
		ss, _, err := s.store.AdminSessions(r.Context(), postgres.SessionFilter{Period: postgres.PeriodUpcoming, Module: e.ID}, 100, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Sessions = ss
	}
	v.Page = s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil, title),
		templates.Crumb{Label: "Modules", Href: "/admin/modules"}, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminModuleForm(v))
}

func (s *Server) adminNewModule(w http.ResponseWriter, r *http.Request) {
	refs, err := s.store.AdminRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e := templates.AdminEdit{Entity: admin.EntityModule, Action: "/admin/modules",
		Form: templates.FormState{Values: adminModuleValues(admin.ModuleInput{Domain: queryText(r.URL.Query(), "domaine", admin.MaxSlug)})}}
	s.adminRenderModule(w, r, http.StatusOK, e, refs)
}

func (s *Server) adminCreateModule(w http.ResponseWriter, r *http.Request) {
	refs, err := s.store.AdminRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	m, errs := adminReadModule(f).Check(refs, "draft")
	e := templates.AdminEdit{Entity: admin.EntityModule, Action: "/admin/modules"}
	s.adminSave(w, r, f, &e, m.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreateModule(r.Context(), adminActor(r), m)
		return templates.AdminHref(admin.EntityModule, id), "Le module « " + m.Title + " » est créé, à l’état brouillon.", err
	}, func(status int) { s.adminRenderModule(w, r, status, e, refs) })
}

func (s *Server) adminEditModule(w http.ResponseWriter, r *http.Request) {
	m, refs, ok := adminLoad(s, w, r, s.store.AdminModule, s.store.AdminRefs)
	if !ok {
		return
	}
	e := adminEditOf(admin.EntityModule, m.ID, m.Title, m.Slug, m.Status, m.Version, false)
	e.Form = templates.FormState{Values: adminModuleValues(m.Input())}
	s.adminRenderModule(w, r, http.StatusOK, e, refs)
}

func (s *Server) adminUpdateModule(w http.ResponseWriter, r *http.Request) {
	cur, refs, ok := adminLoad(s, w, r, s.store.AdminModule, s.store.AdminRefs)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	m, errs := adminReadModule(f).Check(refs, cur.Status)
	e := adminEditOf(admin.EntityModule, cur.ID, cur.Title, cur.Slug, cur.Status, f.adminVersion(), false)
	s.adminSave(w, r, f, &e, m.Snapshot(), errs, func() (string, string, error) {
		return e.Action, "Le module « " + m.Title + " » est enregistré.", s.store.UpdateModule(r.Context(), adminActor(r), cur.ID, f.adminVersion(), m)
	}, func(status int) { s.adminRenderModule(w, r, status, e, refs) })
}

// ---- Tracks and tailored programmes ----

func (s *Server) adminTracks(tailored bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ts, err := s.store.AdminTracks(r.Context(), tailored)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		title := "Parcours"
		if tailored {
			title = "Programmes sur mesure"
		}
		s.render(w, r, http.StatusOK, templates.AdminTracks(templates.AdminTracksView{Tailored: tailored, Tracks: ts,
			Page: s.adminPage(r, title, templates.Crumb{Label: title})}))
	}
}

func adminTrackValues(in admin.TrackInput) map[string]string {
	v := map[string]string{"slug": in.Slug, "title": in.Title, "domain": in.Domain, "administration": in.Administration,
		"participants": in.Participants, "summary": in.Summary, "description": in.Description, "audiences": strings.Join(in.Audiences, "\n"),
		"access": in.Access}
	if in.Featured {
		v["featured"] = "oui"
	}
	return v
}

// adminReadTrack reads the track form; the access list is read only for a restricted programme (restricted is
// the stored track's, never the form's).
func adminReadTrack(f *Form, restricted bool) admin.TrackInput {
	in := admin.TrackInput{Slug: f.adminRaw("slug"), Title: f.adminRaw("title"), Domain: f.adminRaw("domain"), Administration: f.adminRaw("administration"),
		Participants: f.adminRaw("participants"), Featured: f.Checked("featured", false, ""), Summary: f.adminRaw("summary"),
		Description: f.adminRaw("description"), Audiences: f.adminList("audiences"), Restricted: restricted}
	if restricted {
		in.Access = f.adminRaw("access")
	}
	return in
}

// renderTrack renders the track form with its choices and, when editing, its modules in order.
func (s *Server) adminRenderTrack(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit, refs admin.Refs, tailored, restricted bool, add templates.FormState) {
	noun := "parcours"
	if tailored {
		noun = "programme sur mesure"
	}
	title := "Créer un " + noun
	if !e.New() {
		title = "Modifier le " + noun + " " + e.Title
	}
	v := templates.AdminTrackView{Edit: e, Tailored: tailored, Domains: adminRefOptions(refs.Domains, e.Form.Value("domain")),
		Audiences: adminAudienceOptions(refs.Audiences), AddForm: add, Restricted: restricted}
	if !e.New() {
		v.ModulesURL = e.Action + "/modules"
		g, ctx := errgroup.WithContext(r.Context())
		g.Go(func() (err error) { v.Modules, err = s.store.TrackModules(ctx, e.ID); return })
		var addable []admin.ModuleChoice
		g.Go(func() (err error) { addable, err = s.store.ModulesNotInTrack(ctx, e.ID); return })
		if err := g.Wait(); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range addable {
			label := m.Title
			if m.Status != "published" {
				label += " (" + strings.ToLower(admin.StatusLabel(m.Status)) + ")"
			}
			v.Addable = append(v.Addable, templates.Option{Value: strconv.FormatInt(m.ID, 10), Label: label})
		}
	}
	list := templates.Crumb{Label: "Parcours", Href: "/admin/parcours"}
	if tailored {
		list = templates.Crumb{Label: "Programmes sur mesure", Href: "/admin/programmes"}
	}
	v.Page = s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil || add.Failed(), title), list, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminTrackForm(v))
}

func (s *Server) adminNewTrack(w http.ResponseWriter, r *http.Request) {
	refs, err := s.store.AdminRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e := templates.AdminEdit{Entity: admin.EntityTrack, Action: "/admin/parcours",
		Form: templates.FormState{Values: adminTrackValues(admin.TrackInput{Participants: "0"})}}
	s.adminRenderTrack(w, r, http.StatusOK, e, refs, r.URL.Query().Get("type") == "programme", false, templates.FormState{})
}

func (s *Server) adminCreateTrack(w http.ResponseWriter, r *http.Request) {
	refs, err := s.store.AdminRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	t, errs := adminReadTrack(f, false).Check(refs, "draft")
	e := templates.AdminEdit{Entity: admin.EntityTrack, Action: "/admin/parcours"}
	s.adminSave(w, r, f, &e, t.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreateTrack(r.Context(), adminActor(r), t)
		return templates.AdminHref(admin.EntityTrack, id), "« " + t.Title + " » est créé, à l’état brouillon. Ajoutez-lui des modules ci-dessous.", err
	}, func(status int) {
		s.adminRenderTrack(w, r, status, e, refs, t.Administration != "", false, templates.FormState{})
	})
}

func (s *Server) adminLoadTrack(w http.ResponseWriter, r *http.Request) (admin.Track, admin.Refs, bool) {
	return adminLoad(s, w, r, s.store.AdminTrack, s.store.AdminRefs)
}

func adminTrackEdit(t admin.Track, version int) templates.AdminEdit {
	e := adminEditOf(admin.EntityTrack, t.ID, t.Title, t.Slug, t.Status, version, t.Tailored())
	if t.Restricted { // a restricted programme is never published (admin.CheckTransition)
		e.Transitions = slices.DeleteFunc(e.Transitions, func(x admin.Transition) bool { return x.To == catalogue.StatusPublished })
	}
	return e
}

func (s *Server) adminEditTrack(w http.ResponseWriter, r *http.Request) {
	t, refs, ok := s.adminLoadTrack(w, r)
	if !ok {
		return
	}
	e := adminTrackEdit(t, t.Version)
	e.Form = templates.FormState{Values: adminTrackValues(t.Input())}
	s.adminRenderTrack(w, r, http.StatusOK, e, refs, t.Tailored(), t.Restricted, templates.FormState{})
}

func (s *Server) adminUpdateTrack(w http.ResponseWriter, r *http.Request) {
	cur, refs, ok := s.adminLoadTrack(w, r)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	t, errs := adminReadTrack(f, cur.Restricted).Check(refs, cur.Status)
	e := adminTrackEdit(cur, f.adminVersion())
	s.adminSave(w, r, f, &e, t.Snapshot(), errs, func() (string, string, error) {
		return e.Action, "« " + t.Title + " » est enregistré.", s.store.UpdateTrack(r.Context(), adminActor(r), cur.ID, f.adminVersion(), t)
	}, func(status int) {
		s.adminRenderTrack(w, r, status, e, refs, cur.Tailored(), cur.Restricted, templates.FormState{})
	})
}

// adminAddTrackModule adds the chosen module at the end of the track.
func (s *Server) adminAddTrackModule(w http.ResponseWriter, r *http.Request) {
	cur, refs, ok := s.adminLoadTrack(w, r)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	moduleID := admin.ParseID(f.adminRaw("module"))
	if moduleID == 0 {
		f.Fail("module", "Choisissez le module à ajouter.")
	} else {
		err := s.store.ChangeTrackModules(r.Context(), adminActor(r), cur.ID, moduleID, postgres.TrackAdd)
		if err == nil {
			s.invalidate("catalogue")
			s.flashTo(w, r, templates.AdminHref(admin.EntityTrack, cur.ID)+"#modules", "success", "Le module est ajouté à la fin du parcours.")
			return
		}
		if adminIsNotFound(err) {
			f.Fail("module", "Ce module n’existe pas ou plus : choisissez-en un dans la liste.")
		} else if err := f.Refuse(err); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	e := adminTrackEdit(cur, cur.Version)
	e.Form = templates.FormState{Values: adminTrackValues(cur.Input())}
	s.adminRenderTrack(w, r, http.StatusUnprocessableEntity, e, refs, cur.Tailored(), cur.Restricted, f.State())
}

// adminMoveTrackModule moves a module of the track up or down, or removes it ("action": monter, descendre,
// retirer).
func (s *Server) adminMoveTrackModule(w http.ResponseWriter, r *http.Request) {
	trackID, err := idParam(r, "id")
	moduleID, merr := idParam(r, "module")
	if err != nil || merr != nil {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	f := s.readForm(w, r)
	op := map[string]string{"monter": postgres.TrackUp, "descendre": postgres.TrackDown, "retirer": postgres.TrackRemove}[f.Hidden("action")]
	back := templates.AdminHref(admin.EntityTrack, trackID) + "#modules"
	if op == "" {
		s.flashTo(w, r, back, "error", "Action inconnue : utilisez les boutons Monter, Descendre ou Retirer.")
		return
	}
	if s.refusedTo(w, r, back, s.store.ChangeTrackModules(r.Context(), adminActor(r), trackID, moduleID, op)) {
		return
	}
	s.invalidate("catalogue")
	s.flashTo(w, r, back, "success", map[string]string{postgres.TrackUp: "Le module est monté d’un rang.",
		postgres.TrackDown: "Le module est descendu d’un rang.", postgres.TrackRemove: "Le module est retiré du parcours."}[op])
}
