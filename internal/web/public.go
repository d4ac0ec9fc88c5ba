package web

import (
	"context"
	"net/http"

	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/static"
	"campus/templates"
)

// page builds the layout's metadata with the canonical URL of the request.
func (s *Server) page(r *http.Request, nav, title, description string, crumbs ...templates.Crumb) templates.Page {
	base := s.cfg.BaseURL.String()
	p := templates.Page{Title: title, Description: description, Nav: nav, Crumbs: crumbs,
		Canonical: base + r.URL.EscapedPath(), Image: base + static.Path("img/campus-partage.png")}
	if r.Context().Value(privateLinkKey{}) != nil { // the URL holds a token (privateLink): not repeated
		p.Canonical, p.Image = "", ""
	}
	if len(crumbs) > 0 {
		p.JSONLD = append(p.JSONLD, breadcrumbJSONLD(base, p.Canonical, crumbs))
	}
	return p
}

// adminCrumbs is the breadcrumb of a back-office page: it starts at the back-office (adminPage uses it).
func adminCrumbs(crumbs ...templates.Crumb) []templates.Crumb {
	return append([]templates.Crumb{{Label: "Administration", Href: "/admin"}}, crumbs...)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := templates.HomeView{Page: s.page(r, "accueil", "", templates.DefaultDescription)}
	v.Page.Title = "Accueil"
	v.Page.JSONLD = append(v.Page.JSONLD, homeJSONLD(s.cfg.BaseURL.String())...)
	g, ctx := errgroup.WithContext(r.Context())
	g.Go(func() (err error) {
		v.Domains, err = s.catalogue.Domains(ctx)
		return
	})
	g.Go(func() (err error) {
		v.Figures, err = s.catalogue.Figures(ctx)
		return
	})
	g.Go(func() (err error) {
		v.Featured, err = s.catalogue.Featured(ctx)
		return
	})
	g.Go(func() (err error) {
		v.Upcoming, err = s.catalogue.Upcoming(ctx)
		return
	})
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Home(v))
}

func (s *Server) domains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.catalogue.Domains(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.DomainsView{Domains: ds, Page: s.page(r, "domaines", "Domaines de formation",
		"Les domaines de formation du Campus du numérique public.", templates.Crumb{Label: "Domaines"})}
	s.render(w, r, http.StatusOK, templates.Domains(v))
}

// bySlug reads the route's {slug} and what it names (read: a catalogueReader method, through the cache). A slug
// that names nothing answers 404, or redirects when it was renamed (failSlug); ok is false once answered.
func bySlug[T any](s *Server, w http.ResponseWriter, r *http.Request, entity string, read func(context.Context, string) (T, error)) (v T, ok bool) {
	slug, err := slugParam(r)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	if v, err = read(r.Context(), slug); err != nil {
		s.failSlug(w, r, err, entity, slug)
		return v, false
	}
	return v, true
}

func (s *Server) domain(w http.ResponseWriter, r *http.Request) {
	p, ok := bySlug(s, w, r, admin.EntityDomain, s.catalogue.Domain)
	if !ok {
		return
	}
	v := templates.DomainView{DomainPage: p, Page: s.page(r, "domaines", "Domaine "+p.Domain.Title, p.Domain.Summary,
		templates.Crumb{Label: "Domaines", Href: "/domaines"}, templates.Crumb{Label: p.Domain.Title})}
	s.render(w, r, http.StatusOK, templates.Domain(v))
}

func (s *Server) tracks(w http.ResponseWriter, r *http.Request) {
	g, ctx := errgroup.WithContext(r.Context())
	var domains []catalogue.Domain
	var cards []catalogue.TrackCard
	g.Go(func() (err error) {
		domains, err = s.catalogue.Domains(ctx)
		return
	})
	g.Go(func() (err error) {
		cards, err = s.catalogue.Tracks(ctx)
		return
	})
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	byDomain := map[string][]catalogue.TrackCard{}
	for _, c := range cards {
		byDomain[c.Domain.Slug] = append(byDomain[c.Domain.Slug], c)
	}
	v := templates.TracksView{Page: s.page(r, "parcours", "Parcours de formation",
		"Tous les parcours de formation du Campus du numérique public, par domaine.", templates.Crumb{Label: "Parcours"})}
	for _, d := range domains {
		if ts := byDomain[d.Slug]; len(ts) > 0 {
			v.Groups = append(v.Groups, templates.TrackGroup{Domain: catalogue.Ref{Slug: d.Slug, Title: d.Title}, Tracks: ts})
		}
	}
	s.render(w, r, http.StatusOK, templates.Tracks(v))
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	t, ok := bySlug(s, w, r, admin.EntityTrack, s.catalogue.Track)
	if !ok {
		return
	}
	if t.Tailored() {
		http.Redirect(w, r, "/programmes-sur-mesure/"+t.Slug, http.StatusMovedPermanently)
		return
	}
	v := templates.TrackView{Track: t, Page: s.page(r, "parcours", "Parcours "+t.Title, t.Summary,
		templates.Crumb{Label: "Parcours", Href: "/parcours"}, templates.Crumb{Label: t.Title})}
	v.Page.JSONLD = append(v.Page.JSONLD, trackJSONLD(s.cfg.BaseURL.String(), v.Page.Canonical, t))
	if u, ok := CurrentUser(r); ok {
		p, err := s.store.TrackProgress(r.Context(), u.ID, t.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Progress = &p
	}
	s.render(w, r, http.StatusOK, templates.Track(v))
}

func (s *Server) programmes(w http.ResponseWriter, r *http.Request) {
	ps, err := s.catalogue.Programmes(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.ProgrammesView{Programmes: ps, Page: s.page(r, "programmes", "Programmes sur mesure",
		"Les programmes de formation conçus par le Campus pour une administration.", templates.Crumb{Label: "Programmes sur mesure"})}
	// The bilan's figure (postgres.ProgrammeParticipants): the participants of the programmes listed.
	if v.Agents, v.Seniors, err = s.catalogue.ProgrammeParticipants(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Programmes(v))
}

func (s *Server) programme(w http.ResponseWriter, r *http.Request) {
	t, ok := bySlug(s, w, r, admin.EntityTrack, s.catalogue.Track)
	if !ok {
		return
	}
	if !t.Tailored() {
		http.Redirect(w, r, "/parcours/"+t.Slug, http.StatusMovedPermanently)
		return
	}
	v := templates.TrackView{Track: t, Page: s.page(r, "programmes", "Programme sur mesure "+t.Title, t.Summary,
		templates.Crumb{Label: "Programmes sur mesure", Href: "/programmes-sur-mesure"}, templates.Crumb{Label: t.Title})}
	v.Page.JSONLD = append(v.Page.JSONLD, trackJSONLD(s.cfg.BaseURL.String(), v.Page.Canonical, t))
	s.render(w, r, http.StatusOK, templates.Track(v))
}

func (s *Server) module(w http.ResponseWriter, r *http.Request) {
	m, ok := bySlug(s, w, r, admin.EntityModule, s.catalogue.Module)
	if !ok {
		return
	}
	s.renderModulePage(w, r, http.StatusOK, m, templates.FormState{})
}

// renderModulePage renders a module page with its enrolment panel (enrol.go); form carries a refused enrolment.
func (s *Server) renderModulePage(w http.ResponseWriter, r *http.Request, status int, m catalogue.Module, form templates.FormState) {
	v := templates.ModuleView{Module: m,
		Page: s.page(r, "domaines", "Module "+m.Title, m.Summary,
			templates.Crumb{Label: "Domaines", Href: "/domaines"},
			templates.Crumb{Label: m.Domain.Title, Href: "/domaines/" + m.Domain.Slug},
			templates.Crumb{Label: m.Title})}
	v.Page.JSONLD = append(v.Page.JSONLD, courseJSONLD(s.cfg.BaseURL.String(), m))
	var err error
	if v.Enrol, err = s.enrolPanel(r, m, form); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Licence, err = s.licenceOffer(r, m.Partner.Slug); err != nil { // the partner's licences (licence.go)
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.Module(v))
}

func (s *Server) partners(w http.ResponseWriter, r *http.Request) {
	ps, err := s.catalogue.Partners(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pools, err := s.catalogue.OpenLicencePools(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.PartnersView{Licences: pools, Page: s.page(r, "partenaires", "Partenaires",
		"Les écoles, organisations internationales et plateformes partenaires du Campus.", templates.Crumb{Label: "Partenaires"})}
	for _, kind := range catalogue.PartnerKinds {
		g := templates.PartnerGroup{Label: catalogue.PartnerKindLabel(kind)}
		for _, p := range ps {
			if p.Kind == kind {
				g.Partners = append(g.Partners, p)
			}
		}
		if len(g.Partners) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	s.render(w, r, http.StatusOK, templates.Partners(v))
}

func (s *Server) partner(w http.ResponseWriter, r *http.Request) {
	p, ok := bySlug(s, w, r, admin.EntityPartner, s.catalogue.Partner)
	if !ok {
		return
	}
	var err error
	v := templates.PartnerView{PartnerPage: p, Page: s.page(r, "partenaires", "Partenaire "+p.Partner.Name, p.Partner.Summary,
		templates.Crumb{Label: "Partenaires", Href: "/partenaires"}, templates.Crumb{Label: p.Partner.Name})}
	if v.Licence, err = s.licenceOffer(r, p.Partner.Slug); err != nil { // licences of the partner (licence.go)
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Partner(v))
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.Accessibility(templates.StaticView{Page: s.page(r, "", "Déclaration d’accessibilité",
		"État de conformité du portail au RGAA.", templates.Crumb{Label: "Déclaration d’accessibilité"})}))
}

func (s *Server) accessibilityPlan(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.AccessibilityPlan(templates.StaticView{Page: s.page(r, "", "Schéma pluriannuel de mise en accessibilité",
		"Les engagements et le plan d’actions pour l’accessibilité du portail, 2026-2028.",
		templates.Crumb{Label: "Déclaration d’accessibilité", Href: "/accessibilite"}, templates.Crumb{Label: "Schéma pluriannuel"})}))
}

func (s *Server) legalNotice(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.LegalNotice(templates.StaticView{Hosting: s.cfg.Hosting,
		Page: s.page(r, "", "Mentions légales", "", templates.Crumb{Label: "Mentions légales"})}))
}

func (s *Server) personalData(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.PersonalData(templates.StaticView{Page: s.page(r, "", "Données personnelles", "",
		templates.Crumb{Label: "Données personnelles"})}))
}

func (s *Server) cookies(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.Cookies(templates.CookiesView{Page: s.page(r, "", "Gestion des cookies", "",
		templates.Crumb{Label: "Gestion des cookies"}), SessionCookie: SessionCookieName(s.cfg.CookieSecure)}))
}

func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) {
	g, ctx := errgroup.WithContext(r.Context())
	v := templates.SitemapView{Page: s.page(r, "", "Plan du site", "", templates.Crumb{Label: "Plan du site"})}
	g.Go(func() (err error) {
		v.Domains, err = s.catalogue.Domains(ctx)
		return
	})
	g.Go(func() (err error) {
		v.Entries, err = s.catalogue.Sitemap(ctx)
		return
	})
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Sitemap(v))
}
