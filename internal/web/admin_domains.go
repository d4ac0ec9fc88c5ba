package web

import (
	"net/http"
	"strconv"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/templates"
)

// Domains, partners and audiences: list, create, edit; their status changes go through adminSetStatus.

// adminPreviewKinds are the URL segments of the previews, by entity.
var adminPreviewKinds = map[string]string{admin.EntityDomain: "domaines", admin.EntityPartner: "partenaires",
	admin.EntityModule: "modules", admin.EntityTrack: "parcours"}

// adminEditOf is the frame of the edit page of a stored entity.
func adminEditOf(entity string, id int64, title, slug, status string, version int, tailored bool) templates.AdminEdit {
	e := templates.AdminEdit{Entity: entity, ID: id, Title: title, Action: templates.AdminHref(entity, id), Version: version,
		Status: status, Transitions: admin.Transitions(entity, status),
		HistoryURL: "/admin/journal?entite=" + entity + "&id=" + strconv.FormatInt(id, 10)}
	e.StatusURL = e.Action + "/etat"
	if entity == admin.EntitySession {
		e.Transitions, e.StatusURL = nil, ""
	}
	if kind, ok := adminPreviewKinds[entity]; ok {
		e.PreviewURL = "/admin/apercu/" + kind + "/" + slug
		if status == catalogue.StatusPublished || status == catalogue.StatusComing {
			e.PublicURL = admin.PublicPath(entity, slug, tailored)
		}
	}
	return e
}

// ---- Domains ----

func (s *Server) adminDomains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.store.AdminDomains(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.AdminDomains(templates.AdminDomainsView{
		Page: s.adminPage(r, "Domaines", templates.Crumb{Label: "Domaines"}), Domains: ds}))
}

func adminDomainValues(in admin.DomainInput) map[string]string {
	return map[string]string{"slug": in.Slug, "title": in.Title, "summary": in.Summary, "description": in.Description, "position": in.Position}
}

func (s *Server) adminRenderDomain(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit) {
	title := "Créer un domaine"
	if !e.New() {
		title = "Modifier le domaine " + e.Title
	}
	page := s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil, title),
		templates.Crumb{Label: "Domaines", Href: "/admin/domaines"}, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminDomainForm(templates.AdminDomainView{Page: page, Edit: e}))
}

func adminReadDomain(f *Form) admin.DomainInput {
	return admin.DomainInput{Slug: f.adminRaw("slug"), Title: f.adminRaw("title"), Summary: f.adminRaw("summary"),
		Description: f.adminRaw("description"), Position: f.adminRaw("position")}
}

func (s *Server) adminNewDomain(w http.ResponseWriter, r *http.Request) {
	e := templates.AdminEdit{Entity: admin.EntityDomain, Action: "/admin/domaines",
		Form: templates.FormState{Values: adminDomainValues(admin.DomainInput{Position: "0"})}}
	s.adminRenderDomain(w, r, http.StatusOK, e)
}

func (s *Server) adminCreateDomain(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	d, errs := adminReadDomain(f).Check()
	e := templates.AdminEdit{Entity: admin.EntityDomain, Action: "/admin/domaines"}
	s.adminSave(w, r, f, &e, d.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreateDomain(r.Context(), adminActor(r), d)
		return templates.AdminHref(admin.EntityDomain, id), "Le domaine « " + d.Title + " » est créé, à l’état brouillon.", err
	}, func(status int) { s.adminRenderDomain(w, r, status, e) })
}

func (s *Server) adminEditDomain(w http.ResponseWriter, r *http.Request) {
	d, _, ok := adminLoad[admin.Domain, any](s, w, r, s.store.AdminDomain, nil)
	if !ok {
		return
	}
	e := adminEditOf(admin.EntityDomain, d.ID, d.Title, d.Slug, d.Status, d.Version, false)
	e.Form = templates.FormState{Values: adminDomainValues(d.Input())}
	s.adminRenderDomain(w, r, http.StatusOK, e)
}

func (s *Server) adminUpdateDomain(w http.ResponseWriter, r *http.Request) {
	cur, _, ok := adminLoad[admin.Domain, any](s, w, r, s.store.AdminDomain, nil)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	d, errs := adminReadDomain(f).Check()
	e := adminEditOf(admin.EntityDomain, cur.ID, cur.Title, cur.Slug, cur.Status, f.adminVersion(), false)
	s.adminSave(w, r, f, &e, d.Snapshot(), errs, func() (string, string, error) {
		return e.Action, "Le domaine « " + d.Title + " » est enregistré.", s.store.UpdateDomain(r.Context(), adminActor(r), cur.ID, f.adminVersion(), d)
	}, func(status int) { s.adminRenderDomain(w, r, status, e) })
}

// ---- Partners ----

func (s *Server) adminPartners(w http.ResponseWriter, r *http.Request) {
	ps, err := s.store.AdminPartners(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.AdminPartners(templates.AdminPartnersView{
		Page: s.adminPage(r, "Partenaires", templates.Crumb{Label: "Partenaires"}), Partners: ps}))
}

func adminPartnerValues(in admin.PartnerInput) map[string]string {
	return map[string]string{"slug": in.Slug, "name": in.Name, "short_name": in.ShortName, "kind": in.Kind, "website": in.Website,
		"summary": in.Summary, "description": in.Description}
}

func adminReadPartner(f *Form) admin.PartnerInput {
	return admin.PartnerInput{Slug: f.adminRaw("slug"), Name: f.adminRaw("name"), ShortName: f.adminRaw("short_name"), Kind: f.adminRaw("kind"),
		Website: f.adminRaw("website"), Summary: f.adminRaw("summary"), Description: f.adminRaw("description")}
}

func (s *Server) adminRenderPartner(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit) {
	title := "Créer un partenaire"
	if !e.New() {
		title = "Modifier le partenaire " + e.Title
	}
	page := s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil, title),
		templates.Crumb{Label: "Partenaires", Href: "/admin/partenaires"}, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminPartnerForm(templates.AdminPartnerView{Page: page, Edit: e}))
}

func (s *Server) adminNewPartner(w http.ResponseWriter, r *http.Request) {
	s.adminRenderPartner(w, r, http.StatusOK, templates.AdminEdit{Entity: admin.EntityPartner, Action: "/admin/partenaires",
		Form: templates.FormState{Values: adminPartnerValues(admin.PartnerInput{})}})
}

func (s *Server) adminCreatePartner(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	p, errs := adminReadPartner(f).Check()
	e := templates.AdminEdit{Entity: admin.EntityPartner, Action: "/admin/partenaires"}
	s.adminSave(w, r, f, &e, p.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreatePartner(r.Context(), adminActor(r), p)
		return templates.AdminHref(admin.EntityPartner, id), "Le partenaire « " + p.Name + " » est créé, à l’état brouillon.", err
	}, func(status int) { s.adminRenderPartner(w, r, status, e) })
}

func (s *Server) adminEditPartner(w http.ResponseWriter, r *http.Request) {
	p, _, ok := adminLoad[admin.Partner, any](s, w, r, s.store.AdminPartner, nil)
	if !ok {
		return
	}
	e := adminEditOf(admin.EntityPartner, p.ID, p.Name, p.Slug, p.Status, p.Version, false)
	e.Form = templates.FormState{Values: adminPartnerValues(p.Input())}
	s.adminRenderPartner(w, r, http.StatusOK, e)
}

func (s *Server) adminUpdatePartner(w http.ResponseWriter, r *http.Request) {
	cur, _, ok := adminLoad[admin.Partner, any](s, w, r, s.store.AdminPartner, nil)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	p, errs := adminReadPartner(f).Check()
	e := adminEditOf(admin.EntityPartner, cur.ID, cur.Name, cur.Slug, cur.Status, f.adminVersion(), false)
	s.adminSave(w, r, f, &e, p.Snapshot(), errs, func() (string, string, error) {
		return e.Action, "Le partenaire « " + p.Name + " » est enregistré.", s.store.UpdatePartner(r.Context(), adminActor(r), cur.ID, f.adminVersion(), p)
	}, func(status int) { s.adminRenderPartner(w, r, status, e) })
}

// ---- Audiences ----

func (s *Server) adminAudiences(w http.ResponseWriter, r *http.Request) {
	as, err := s.store.AdminAudiences(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.AdminAudiences(templates.AdminAudiencesView{
		Page: s.adminPage(r, "Publics", templates.Crumb{Label: "Publics"}), Audiences: as}))
}

func adminAudienceValues(in admin.AudienceInput) map[string]string {
	return map[string]string{"slug": in.Slug, "label": in.Label, "description": in.Description, "position": in.Position}
}

func adminReadAudience(f *Form) admin.AudienceInput {
	return admin.AudienceInput{Slug: f.adminRaw("slug"), Label: f.adminRaw("label"), Description: f.adminRaw("description"), Position: f.adminRaw("position")}
}

func (s *Server) adminRenderAudience(w http.ResponseWriter, r *http.Request, status int, e templates.AdminEdit) {
	title := "Créer un public"
	if !e.New() {
		title = "Modifier le public " + e.Title
	}
	page := s.adminPage(r, adminErrorTitle(e.Form, e.Conflict != nil, title),
		templates.Crumb{Label: "Publics", Href: "/admin/publics"}, templates.Crumb{Label: title})
	s.render(w, r, status, templates.AdminAudienceForm(templates.AdminAudienceView{Page: page, Edit: e}))
}

func (s *Server) adminNewAudience(w http.ResponseWriter, r *http.Request) {
	s.adminRenderAudience(w, r, http.StatusOK, templates.AdminEdit{Entity: admin.EntityAudience, Action: "/admin/publics",
		Form: templates.FormState{Values: adminAudienceValues(admin.AudienceInput{Position: "0"})}})
}

func (s *Server) adminCreateAudience(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	a, errs := adminReadAudience(f).Check()
	e := templates.AdminEdit{Entity: admin.EntityAudience, Action: "/admin/publics"}
	s.adminSave(w, r, f, &e, a.Snapshot(), errs, func() (string, string, error) {
		id, err := s.store.CreateAudience(r.Context(), adminActor(r), a)
		return templates.AdminHref(admin.EntityAudience, id), "Le public « " + a.Label + " » est créé, à l’état brouillon : publiez-le pour l’associer à des modules.", err
	}, func(status int) { s.adminRenderAudience(w, r, status, e) })
}

func (s *Server) adminEditAudience(w http.ResponseWriter, r *http.Request) {
	a, _, ok := adminLoad[admin.Audience, any](s, w, r, s.store.AdminAudience, nil)
	if !ok {
		return
	}
	e := adminEditOf(admin.EntityAudience, a.ID, a.Label, a.Slug, a.Status, a.Version, false)
	e.Form = templates.FormState{Values: adminAudienceValues(a.Input())}
	s.adminRenderAudience(w, r, http.StatusOK, e)
}

func (s *Server) adminUpdateAudience(w http.ResponseWriter, r *http.Request) {
	cur, _, ok := adminLoad[admin.Audience, any](s, w, r, s.store.AdminAudience, nil)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	a, errs := adminReadAudience(f).Check()
	e := adminEditOf(admin.EntityAudience, cur.ID, cur.Label, cur.Slug, cur.Status, f.adminVersion(), false)
	s.adminSave(w, r, f, &e, a.Snapshot(), errs, func() (string, string, error) {
		return e.Action, "Le public « " + a.Label + " » est enregistré.", s.store.UpdateAudience(r.Context(), adminActor(r), cur.ID, f.adminVersion(), a)
	}, func(status int) { s.adminRenderAudience(w, r, status, e) })
}
