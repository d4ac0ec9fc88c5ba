package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/templates"
)

// The search's synonyms and acronyms, one editable list (migration 00018): "IA = intelligence artificielle".

func (s *Server) synonymsAdminRoutes(r chi.Router) {
	r.Get("/synonymes", s.adminSynonyms)
	r.Post("/synonymes", s.adminSaveSynonyms)
	r.Get("/domaines-publics", s.adminPublicDomains)
	r.Post("/domaines-publics", s.adminSavePublicDomains)
}

func (s *Server) renderAdminSynonyms(w http.ResponseWriter, r *http.Request, status int, form templates.FormState) {
	v := templates.AdminListView{Form: form,
		Page: s.adminPage(r, adminErrorTitle(form, false, "Synonymes de la recherche"), templates.Crumb{Label: "Synonymes de la recherche"})}
	s.render(w, r, status, templates.AdminSynonyms(v))
}

func (s *Server) adminSynonyms(w http.ResponseWriter, r *http.Request) {
	groups, err := s.store.SearchSynonyms(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdminSynonyms(w, r, http.StatusOK, templates.FormState{Values: map[string]string{"synonymes": admin.FormatSynonyms(groups)}})
}

func (s *Server) adminSaveSynonyms(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	text := f.Multiline("synonymes", "Synonymes", admin.MaxSynonymGroups*(admin.MaxSynonymTerm+3)*4, false)
	groups, msg := admin.ParseSynonyms(text)
	if msg != "" {
		f.Fail("synonymes", msg)
	}
	if !f.Valid() {
		s.renderAdminSynonyms(w, r, http.StatusUnprocessableEntity, f.State())
		return
	}
	if err := s.store.SetSearchSynonyms(r.Context(), adminActor(r), groups); err != nil {
		s.fail(w, r, err)
		return
	}
	s.invalidate("catalogue")
	s.flashTo(w, r, "/admin/synonymes", "success", "Synonymes enregistrés : la recherche les applique dès maintenant.")
}

// The public-sector mail domains (migration 00019): who, besides ProConnect's users, is a public agent.

func (s *Server) renderAdminPublicDomains(w http.ResponseWriter, r *http.Request, status int, form templates.FormState) {
	v := templates.AdminListView{Form: form,
		Page: s.adminPage(r, adminErrorTitle(form, false, "Domaines du secteur public"), templates.Crumb{Label: "Domaines du secteur public"})}
	s.render(w, r, status, templates.AdminPublicDomains(v))
}

func (s *Server) adminPublicDomains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.store.PublicSectorDomains(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdminPublicDomains(w, r, http.StatusOK, templates.FormState{Values: map[string]string{"domaines": strings.Join(ds, "\n")}})
}

func (s *Server) adminSavePublicDomains(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	text := f.Multiline("domaines", "Domaines", admin.MaxPublicDomains*256, false)
	domains, msg := admin.ParseDomains(text)
	if msg != "" {
		f.Fail("domaines", msg)
	}
	if !f.Valid() {
		s.renderAdminPublicDomains(w, r, http.StatusUnprocessableEntity, f.State())
		return
	}
	if err := s.store.SetPublicSectorDomains(r.Context(), adminActor(r), domains); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/admin/domaines-publics", "success", "Domaines enregistrés : "+catalogue.Plural(len(domains), "domaine", "domaines")+".")
}
