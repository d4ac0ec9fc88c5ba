package web

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/templates"
)

// adminPreview shows a catalogue page as agents will see it, whatever its status (a draft before publishing):
// the public page's own template, with a notice at the top. Never cached, never indexed.
func (s *Server) adminPreview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug, err := slugParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch chi.URLParam(r, "kind") {
	case "modules":
		m, err := s.store.PreviewModule(ctx, slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.adminRenderPreview(w, r, m.Status, "Ce module", templates.Module(templates.ModuleView{Module: m,
			Page: s.adminPreviewPage(r, "Module "+m.Title, m.Title)}))
	case "parcours":
		t, err := s.store.PreviewTrack(ctx, slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name := "Ce parcours"
		if t.Tailored() {
			name = "Ce programme sur mesure"
		}
		s.adminRenderPreview(w, r, t.Status, name, templates.Track(templates.TrackView{Track: t,
			Page: s.adminPreviewPage(r, "Parcours "+t.Title, t.Title)}))
	case "domaines":
		p, err := s.store.PreviewDomain(ctx, slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.adminRenderPreview(w, r, p.Domain.Status, "Ce domaine", templates.Domain(templates.DomainView{DomainPage: p,
			Page: s.adminPreviewPage(r, "Domaine "+p.Domain.Title, p.Domain.Title)}))
	case "partenaires":
		p, status, err := s.store.PreviewPartner(ctx, slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.adminRenderPreview(w, r, status, "Ce partenaire", templates.Partner(templates.PartnerView{PartnerPage: p,
			Page: s.adminPreviewPage(r, "Partenaire "+p.Partner.Name, p.Partner.Name)}))
	default:
		s.fail(w, r, apperr.ErrNotFound)
	}
}

func (s *Server) adminPreviewPage(r *http.Request, title, crumb string) templates.Page {
	return templates.Page{Title: "Aperçu – " + title + " – Administration",
		Crumbs: []templates.Crumb{{Label: "Administration", Href: "/admin"}, {Label: "Aperçu de « " + crumb + " »"}}}
}

// renderPreview renders a public page with a notice saying it is a preview and what agents see today.
func (s *Server) adminRenderPreview(w http.ResponseWriter, r *http.Request, status, name string, c templ.Component) {
	v := templates.ViewerFrom(r.Context())
	switch status {
	case "published":
		v.Flash = templates.Flash{Kind: "info", Text: "Aperçu. " + name + " est publié : les agents voient cette page."}
	case "coming":
		v.Flash = templates.Flash{Kind: "info", Text: "Aperçu. " + name + " est annoncé (à venir) : les agents voient cette page, sans pouvoir s’inscrire."}
	default:
		v.Flash = templates.Flash{Kind: "warning", Text: "Aperçu. " + name + " est à l’état « " + admin.StatusLabel(status) +
			" » : les agents ne le voient pas. Voici la page telle qu’elle apparaîtra une fois publiée."}
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r.WithContext(templates.WithViewer(r.Context(), v)), http.StatusOK, c)
}
